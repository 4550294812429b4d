"""The rules version lock: changed rules cannot keep the version that stored items record."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from model.rules import RULES_VERSION, RedFlagRules, default_families
from model.rules.lock import (
    LOCK_PATH,
    RulesLockError,
    check_lock,
    read_lock,
    rules_digest,
    write_lock,
)


def test_the_rules_match_their_version_lock() -> None:
    """Fails when a phrase, an exception or the families' order changed without a new version
    and lock; the message says how to bump both."""
    try:
        check_lock()
    except RulesLockError as exc:
        pytest.fail(str(exc))
    assert read_lock(LOCK_PATH) == {"version": RULES_VERSION, "digest": rules_digest()}
    assert RedFlagRules.version == RULES_VERSION
    assert RULES_VERSION.startswith("red_flags.v")


def test_digest_follows_every_phrase_exception_and_order() -> None:
    families = default_families()
    digest = rules_digest(families)
    assert rules_digest(default_families()) == digest
    legal = families[0]
    with_phrase = replace(legal, rules={**legal.rules, "sue": [*legal.rules["sue"], "sue-ish"]})
    with_exception = replace(legal, exceptions=[*legal.exceptions, "sue the day"])
    changed = [
        [with_phrase, *families[1:]],
        [with_exception, *families[1:]],
        [families[1], families[0], *families[2:]],
    ]
    digests = {rules_digest(c) for c in changed}
    assert digest not in digests and len(digests) == len(changed)


def _lock(path: Path, version: str, digest: str) -> Path:
    path.write_text(json.dumps({"version": version, "digest": digest}))
    return path


def test_changed_rules_under_the_same_version_fail_with_how_to_bump(tmp_path: Path) -> None:
    path = _lock(tmp_path / "rules.lock", RULES_VERSION, "0" * 64)
    with pytest.raises(RulesLockError, match=r"changed but RULES_VERSION is still") as error:
        check_lock(path)
    assert "bump RULES_VERSION in model/rules/version.py" in str(error.value)
    assert "python -m model.rules.lock" in str(error.value)
    # rewriting the lock without a new version is refused and leaves the lock as it was
    before = path.read_text()
    with pytest.raises(RulesLockError, match="bump RULES_VERSION"):
        write_lock(path)
    assert path.read_text() == before


def test_a_bumped_version_needs_the_lock_rewritten(tmp_path: Path) -> None:
    path = _lock(tmp_path / "rules.lock", "red_flags.v0", "0" * 64)
    with pytest.raises(RulesLockError, match=re.escape("lock still records red_flags.v0")):
        check_lock(path)
    write_lock(path)
    check_lock(path)
    assert read_lock(path) == {"version": RULES_VERSION, "digest": rules_digest()}


def test_a_version_changed_without_rules_changing_is_reported(tmp_path: Path) -> None:
    path = _lock(tmp_path / "rules.lock", "red_flags.v0", rules_digest())
    with pytest.raises(RulesLockError, match="for the same rules"):
        check_lock(path)


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"version": "red_flags.v1"}'])
def test_an_unreadable_lock_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "rules.lock"
    path.write_text(text)
    with pytest.raises(RulesLockError, match=re.escape("python -m model.rules.lock")):
        check_lock(path)
    with pytest.raises(RulesLockError, match=re.escape("python -m model.rules.lock")):
        check_lock(tmp_path / "missing.lock")
