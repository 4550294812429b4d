"""The commands' session helper `open_database` and the corrections export, on SQLite and
PostgreSQL: a unit of work is committed whole or not at all."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete

from service.access.keys import create_key, list_keys
from service.db import open_database
from service.enums import Role
from service.items.exports import CORRECTION_COLUMNS, export_corrections_csv
from service.tables import ApiKey


class _RefusedError(Exception):
    pass


def _names(url: str) -> set[str]:
    with open_database(url, upgrade=False) as session:
        return {key.name for key in list_keys(session=session)}


def test_a_unit_of_work_is_committed_on_success(database_url: str) -> None:
    name = f"kept-{uuid.uuid4().hex[:8]}"
    with open_database(database_url) as session:
        create_key(session=session, role=Role.HELPDESK, name=name)
    assert name in _names(database_url)
    with open_database(database_url, upgrade=False) as session:  # leave the shared db as found
        session.execute(delete(ApiKey).where(ApiKey.name == name))
    assert name not in _names(database_url)


def test_an_error_rolls_the_whole_unit_back_and_is_raised(database_url: str) -> None:
    first, second = f"lost-{uuid.uuid4().hex[:8]}", f"lost-{uuid.uuid4().hex[:8]}"
    with pytest.raises(_RefusedError), open_database(database_url) as session:
        create_key(session=session, role=Role.HELPDESK, name=first)
        create_key(session=session, role=Role.ADMIN, name=second)
        raise _RefusedError
    assert not {first, second} & _names(database_url)


def test_a_new_database_is_migrated_first_and_exports_an_empty_labelled_file(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'triage.db'}"  # neither the file nor its folder yet
    out = tmp_path / "exports" / "corrections.csv"
    assert export_corrections_csv(url, out) == 0
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == list(CORRECTION_COLUMNS)
        assert list(reader) == []
