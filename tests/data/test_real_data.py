"""The labelled real-feedback files (`data/real/`): they load as labelled data, one source per
file, and every label is the one its labelling record says (both blind labellers agreed, or
the third labeller settled it)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from training.datasets import LabelledDataset, load_labelled
from training.train import normalized_text

DATA = Path(__file__).resolve().parents[2] / "data"
SOURCES = {"cfpb": "cfpb", "twcs": "twitter", "appreviews": "app_store", "finefood": "amazon"}


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def _labels(row: dict[str, str]) -> tuple[str, str, frozenset[str]]:
    flags = frozenset(f for f in (row.get("flags") or "").split(";") if f)
    return row["category"], row["severity"], flags


@pytest.mark.parametrize("part", ["train", "calibration"])
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_real_file_holds_one_source_labelled_as_recorded(source: str, part: str) -> None:
    path = DATA / "real" / part / f"{source}.csv"
    dataset = load_labelled(path)  # raises on any invalid label, flag or text
    rows = _rows(path)
    assert len(dataset.rows) == len(rows) > 0
    drawn = {
        line
        for ids in (DATA / "labelling").glob("tranche*-ids.txt")
        for line in ids.read_text().split()
    }
    for row_id, row in rows.items():
        assert row_id.startswith(f"{source}-") and row_id in drawn
        assert row["source"] == SOURCES[source] and row["origin"] == source
        assert row["provenance"]
        record = DATA / "labelling" / f"tranche{row['tranche']}"
        first = _rows(record / f"{source}-A.csv")[row_id]
        second = _rows(record / f"{source}-B.csv")[row_id]
        if row["agreement"] == "both":
            assert _labels(first) == _labels(second) == _labels(row), row_id
        else:
            assert row["agreement"] == "settled" and _labels(first) != _labels(second)
            assert _labels(_rows(record / "settled.csv")[row_id]) == _labels(row), row_id


def test_real_rows_share_no_text_with_the_authored_files(
    train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    authored = {normalized_text(r.item.text) for r in train_set.rows + calibration_set.rows}
    for path in (DATA / "real").glob("*/*.csv"):
        real = load_labelled(path)
        assert not authored & {normalized_text(r.item.text) for r in real.rows}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_the_real_calibration_part_is_apart_from_training_and_holds_every_label(
    source: str,
) -> None:
    calibration = load_labelled(DATA / "real" / "calibration" / f"{source}.csv")
    train = load_labelled(DATA / "real" / "train" / f"{source}.csv")
    assert not {r.id for r in calibration.rows} & {r.id for r in train.rows}
    assert not {normalized_text(r.item.text) for r in calibration.rows} & {
        normalized_text(r.item.text) for r in train.rows
    }

    # Stratified: every category x severity a source has with 2+ rows is in both parts.
    def strata(dataset: LabelledDataset) -> set[tuple[str, str]]:
        return {(r.category.value, r.severity.value) for r in dataset.rows}

    both = calibration.rows + train.rows
    common = {
        key
        for key in strata(calibration) | strata(train)
        if sum((r.category.value, r.severity.value) == key for r in both) >= 3
    }
    assert common <= strata(calibration) and common <= strata(train)
    assert 0.35 <= len(calibration) / len(both) <= 0.45
