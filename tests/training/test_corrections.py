"""Merging reviewers' corrections into the training data, and flagging corrections that look wrong.

Corrections are written as the service will export them (the labelled format plus review
columns) and loaded with the real loader; the suspect check trains real models on the real data.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from core.errors import DatasetError
from model.labels import Category, Severity
from training.corrections import (
    SUSPECT_COLUMNS,
    find_suspect_corrections,
    merge_corrections,
    write_suspects,
)
from training.datasets import LabelledDataset, LabelledItem, load_labelled
from training.train import normalized_text

COLUMNS = [
    "id",
    "text",
    "category",
    "severity",
    "flags",
    "source",
    "rating",
    "account_tier",
    "hard_negative",
    # Columns the service export adds; the loader must ignore them.
    "reviewed_at",
    "reviewer",
    "item_id",
    "external_id",
]


def correction(
    row_id: str, text: str, category: str, severity: str, **extra: str
) -> dict[str, str]:
    fields = {"id": row_id, "text": text, "category": category, "severity": severity}
    fields |= {"reviewed_at": "2026-11-20T10:00:00Z", "reviewer": "ana", "item_id": "42"}
    return fields | extra


def write_labelled(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def load_corrections(tmp_path: Path, rows: list[dict[str, str]]) -> LabelledDataset:
    return load_labelled(write_labelled(tmp_path / "corrections.csv", rows), name="corrections")


def row_by_id(train: LabelledDataset, row_id: str) -> LabelledItem:
    return next(row for row in train.rows if row.id == row_id)


def test_service_export_columns_are_ignored_by_the_loader(tmp_path: Path) -> None:
    rows = [correction("c1", "Great tool", "review", "green", external_id="g2-991")]
    csv_data = load_corrections(tmp_path, rows)
    jsonl = tmp_path / "corrections.jsonl"
    jsonl.write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    jsonl_data = load_labelled(jsonl, name="corrections")
    for data in (csv_data, jsonl_data):
        assert [(r.id, r.item.text, r.category) for r in data.rows] == [
            ("c1", "Great tool", Category.REVIEW)
        ]


def test_correction_overrides_the_training_label_in_place(
    tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    base = row_by_id(train_set, "tr-00010")
    assert (base.category, base.severity) == (Category.REVIEW, Severity.GREEN)
    # Same text up to case and punctuation: the normalised key matches.
    text = base.item.text.upper() + "!!"
    corrections = load_corrections(tmp_path, [correction("c1", text, "complaint", "yellow")])

    merged, report = merge_corrections(train_set, corrections, [calibration_set])

    position = train_set.rows.index(base)
    replaced = merged.rows[position]
    assert (replaced.id, replaced.item.text) == ("c1", text)
    assert (replaced.category, replaced.severity) == (Category.COMPLAINT, Severity.YELLOW)
    assert len(merged) == len(train_set)
    assert all(row.item.text != base.item.text for row in merged.rows)
    assert report.overridden == ["tr-00010"]
    assert report.added == [] and report.confirmed == []
    assert report.correction_ids == frozenset({"c1"})
    assert report.correction_keys == frozenset({normalized_text(base.item.text)})
    assert merged.name == f"{train_set.name}+corrections"
    assert merged.path == train_set.path
    assert "1 overridden" in report.summary()


def test_confirmation_and_new_text(
    tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    base = row_by_id(train_set, "tr-00004")
    hard_negative = row_by_id(train_set, "tr-00002")
    assert hard_negative.hard_negative and not base.hard_negative
    new_text = "Onboarding with Tallyweave took one afternoon and the support chat is lovely."
    corrections = load_corrections(
        tmp_path,
        [
            correction("c0", hard_negative.item.text, "review", "green"),
            correction("c1", base.item.text, "review", "green"),
            correction("c2", new_text, "review", "green", source="g2", rating="5"),
        ],
    )

    merged, report = merge_corrections(train_set, corrections, [calibration_set])

    assert report.confirmed == ["tr-00002", "tr-00004"] and report.overridden == []
    assert report.added == ["c2"]
    # The export has no hard_negative column: a confirmation keeps the training row's mark.
    assert merged.rows[train_set.rows.index(hard_negative)].hard_negative
    assert len(merged) == len(train_set) + 1
    added = merged.rows[-1]
    assert (added.id, added.item.text, added.item.rating) == ("c2", new_text, 5)
    assert report.correction_ids == frozenset({"c0", "c1", "c2"})


def test_later_duplicate_correction_wins(
    tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    base = row_by_id(train_set, "tr-00010")
    new_text = "Is there an API endpoint for bulk-archiving old tickets?"
    corrections = load_corrections(
        tmp_path,
        [
            correction("c1", base.item.text, "complaint", "yellow"),
            correction("c2", new_text, "review", "green"),
            correction("c3", base.item.text.lower(), "support_request", "green"),
            correction("c4", new_text + "  ", "support_request", "green"),
        ],
    )

    merged, report = merge_corrections(train_set, corrections, [calibration_set])

    position = train_set.rows.index(base)
    assert merged.rows[position].id == "c3"
    assert merged.rows[position].category == Category.SUPPORT_REQUEST
    assert [(r.id, r.category) for r in merged.rows[len(train_set) :]] == [
        ("c4", Category.SUPPORT_REQUEST)
    ]
    assert report.duplicates_removed == ["c1", "c2"]
    assert report.overridden == ["tr-00010"] and report.added == ["c4"]
    assert report.correction_ids == frozenset({"c3", "c4"})


def test_duplicate_training_rows_are_removed_and_a_correction_still_wins(
    tmp_path: Path, calibration_set: LabelledDataset
) -> None:
    train = load_labelled(
        write_labelled(
            tmp_path / "train.csv",
            [
                correction("t1", "Reporting is slow to load.", "complaint", "yellow"),
                correction("t2", "Love the mobile app.", "review", "green"),
                correction("t3", "reporting is SLOW to load", "complaint", "yellow"),
                correction("t4", "Love the mobile app!", "review", "green"),
                correction("t5", "Love the mobile app", "review", "green"),
            ],
        )
    )
    corrections = load_corrections(
        tmp_path, [correction("c1", "LOVE the mobile app", "review", "yellow")]
    )

    merged, report = merge_corrections(train, corrections, [calibration_set])

    assert [(r.id, r.severity) for r in merged.rows] == [
        ("t1", Severity.YELLOW),
        ("c1", Severity.YELLOW),
    ]
    assert report.duplicates_removed == ["t3", "t4", "t5"]
    assert report.overridden == ["t2"]
    assert "3 duplicates removed" in report.summary()


def test_calibration_texts_never_enter_the_training_rows(
    tmp_path: Path, calibration_set: LabelledDataset
) -> None:
    held_out = calibration_set.rows[0].item.text
    train = load_labelled(
        write_labelled(
            tmp_path / "train.csv",
            [
                correction("t1", "Reporting is slow to load.", "complaint", "yellow"),
                correction("t2", held_out, "review", "green"),
            ],
        )
    )
    corrections = load_corrections(
        tmp_path,
        [
            correction("c1", held_out.upper(), "complaint", "yellow"),
            correction("c2", "Where do I change the invoice address?", "support_request", "green"),
        ],
    )
    other = load_labelled(
        write_labelled(
            tmp_path / "second_calibration.csv",
            [correction("k1", "Where do I change the INVOICE address", "support_request", "green")],
        )
    )

    merged, report = merge_corrections(train, corrections, [calibration_set])
    assert [r.id for r in merged.rows] == ["t1", "c2"]
    assert report.dropped_for_calibration == ["c1"]
    assert report.base_dropped_for_calibration == ["t2"]
    assert report.correction_ids == frozenset({"c2"})

    # Every calibration set counts.
    merged, report = merge_corrections(train, corrections, [calibration_set, other])
    assert [r.id for r in merged.rows] == ["t1"]
    assert report.dropped_for_calibration == ["c1", "c2"]
    assert report.correction_ids == frozenset()


def test_correction_ids_that_collide_with_training_ids_are_prefixed(
    tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    base = row_by_id(train_set, "tr-00010")
    corrections = load_corrections(
        tmp_path,
        [
            correction("tr-00010", base.item.text, "complaint", "yellow"),
            correction("tr-00011", "A brand new text about invoices.", "support_request", "green"),
        ],
    )

    merged, report = merge_corrections(train_set, corrections, [calibration_set])

    ids = [row.id for row in merged.rows]
    assert len(ids) == len(set(ids))
    assert report.correction_ids == frozenset({"correction:tr-00010", "correction:tr-00011"})
    assert merged.rows[train_set.rows.index(base)].id == "correction:tr-00010"
    assert "tr-00011" in ids  # the training row keeps its id


def test_digest_is_stable_and_follows_the_labels(
    tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    text = row_by_id(train_set, "tr-00010").item.text
    first = load_corrections(tmp_path, [correction("c1", text, "complaint", "yellow")])
    again = load_labelled(
        write_labelled(
            tmp_path / "again.csv", [correction("other-id", text, "complaint", "yellow")]
        ),
        name="corrections",
    )
    changed = load_labelled(
        write_labelled(tmp_path / "changed.csv", [correction("c1", text, "complaint", "red")]),
        name="corrections",
    )

    merged, _ = merge_corrections(train_set, first, [calibration_set])
    merged_again, _ = merge_corrections(train_set, again, [calibration_set])
    merged_changed, _ = merge_corrections(train_set, changed, [calibration_set])

    assert len(merged.sha256) == 64
    assert merged.sha256 == merged_again.sha256  # ids and review columns do not count
    assert merged.sha256 != merged_changed.sha256
    assert merged.sha256 != train_set.sha256
    assert merged.digest.rows == len(merged)


def test_corrupted_corrections_file_names_the_bad_rows(tmp_path: Path) -> None:
    path = write_labelled(
        tmp_path / "corrections.csv",
        [
            correction("c1", "Fine text", "review", "green"),
            correction("c2", "Bad label", "compliant", "green"),
            correction("c3", "", "review", "green"),
        ],
    )
    with path.open("a", encoding="utf-8") as handle:
        handle.write("c4,Too few fields\n")

    with pytest.raises(DatasetError) as caught:
        load_labelled(path, name="corrections")
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == ["row 2", "row 3", "row 4"]
    assert "unknown category 'compliant'" in problems[0]


def test_no_corrections_means_no_suspects(
    tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    held_out = calibration_set.rows[0].item.text
    corrections = load_corrections(tmp_path, [correction("c1", held_out, "review", "green")])
    merged, report = merge_corrections(train_set, corrections, [calibration_set])
    assert find_suspect_corrections(merged, report.correction_ids, calibration_set) == []
    with pytest.raises(ValueError, match="not-there"):
        find_suspect_corrections(merged, ["not-there"], calibration_set)


# Training rows the model gets right with high confidence: review / green praise and questions.
CLEAR_ROWS = [
    "tr-00001",
    "tr-00002",
    "tr-00012",
    "tr-00017",
    "tr-00020",
    "tr-00022",
    "tr-00074",
    "tr-00082",
    "tr-00142",
]
WRONG_ROW = "tr-00004"  # "Foxglove Creative nailed our rebrand. Friendly team, fast turnaround."


@pytest.mark.slow
def test_a_wrong_correction_is_flagged_and_right_ones_are_not(
    tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    rows = []
    for row_id in CLEAR_ROWS:
        base = row_by_id(train_set, row_id)
        rows.append(correction(f"ok-{row_id}", base.item.text, base.category, base.severity))
    praise = row_by_id(train_set, WRONG_ROW)
    rows.append(correction("wrong", praise.item.text, "misinformation", "red"))
    rows.append(
        correction(
            "new-ok",
            "Absolutely love Quillbase. Setup took ten minutes and the team is so friendly.",
            "review",
            "green",
            source="g2",
            rating="5",
        )
    )
    corrections = load_corrections(tmp_path, rows)
    merged, report = merge_corrections(train_set, corrections, [calibration_set])
    assert report.overridden == [WRONG_ROW] and report.added == ["new-ok"]

    suspects = find_suspect_corrections(
        merged, report.correction_ids, calibration_set, folds=2, min_confidence=0.9
    )

    # Praise labelled red is contradicted with near certainty (about 0.998); the category head is
    # flagged too at the time of writing (about 0.93), but with less margin, so it may only say
    # "review" if it is flagged at all.
    assert {s.id for s in suspects} == {"wrong"}
    assert ("severity", "red", "green") in {(s.head, s.given, s.predicted) for s in suspects}
    assert all(s.predicted == "review" for s in suspects if s.head == "category")
    assert all(s.confidence >= 0.9 for s in suspects)
    assert [s.confidence for s in suspects] == sorted(
        (s.confidence for s in suspects), reverse=True
    )

    out = tmp_path / "review" / "suspects.csv"
    write_suspects(suspects, out)
    with out.open(encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert list(written[0]) == list(SUSPECT_COLUMNS)
    assert [(r["id"], r["head"], r["text"], r["predicted"]) for r in written] == [
        (s.id, s.head, praise.item.text, s.predicted) for s in suspects
    ]
    assert float(written[0]["confidence"]) == pytest.approx(suspects[0].confidence, abs=1e-4)
