"""Reviewers' corrections: merging them into the training data and spotting likely label errors.

`triage retrain` trains on `data/train.csv` plus the labels reviewers confirmed or corrected.
A correction is keyed by its normalised text (`normalized_text`), so a correction of a text
already in the training data replaces that row instead of adding a contradicting copy. Texts
of a calibration set never enter the training data: the thresholds and calibration maps fitted
on that set would otherwise be judged on rows the model was trained on.

Reviewers make mistakes too, so before training, `find_suspect_corrections` reports the
corrections that a model trained without them confidently disagrees with.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from model.classifier import ClassifierConfig, TwoHeadClassifier
from model.labels import HEAD_LABELS, HEADS
from training.datasets import LabelledDataset, LabelledItem
from training.train import normalized_text

CORRECTION_ID_PREFIX = "correction:"
# Bumped whenever the canonical serialisation of merged rows changes, so digests never collide
# across formats.
_DIGEST_FORMAT = "merged-rows.v1"
SUSPECT_COLUMNS = ("id", "text", "head", "given", "predicted", "confidence")

Head = Literal["category", "severity"]


@dataclass(frozen=True)
class MergeReport:
    """What `merge_corrections` did, row by row, so the retrain report can show it.

    The lists hold row ids: ids of the training file for base rows, ids of the corrections file
    for corrections (before any `correction:` prefix).
    """

    base_rows: int
    corrections: int
    merged_rows: int
    # Training rows replaced by a correction that changed a label (category, severity or flags).
    overridden: list[str]
    # Training rows replaced by a correction that kept those labels (a reviewer's confirmation).
    confirmed: list[str]
    # Corrections whose text was not in the training data, appended at the end.
    added: list[str]
    # Repeated texts removed: later copies in the training file, and every correction of a
    # text but the last one in file order.
    duplicates_removed: list[str]
    # Corrections dropped because their text is in a calibration set.
    dropped_for_calibration: list[str]
    # Training rows dropped because their text is in a calibration set (normally none: training
    # refuses such overlap).
    base_dropped_for_calibration: list[str]
    # Normalised texts and merged-row ids of the rows that came from corrections.
    correction_keys: frozenset[str] = field(default_factory=frozenset)
    correction_ids: frozenset[str] = field(default_factory=frozenset)

    def summary(self) -> str:
        return (
            f"{self.base_rows} training rows + {self.corrections} corrections -> "
            f"{self.merged_rows} rows: {len(self.overridden)} overridden, "
            f"{len(self.confirmed)} confirmed, {len(self.added)} added, "
            f"{len(self.duplicates_removed)} duplicates removed, "
            f"{len(self.dropped_for_calibration)} corrections dropped (text in calibration)"
            + (
                f", {len(self.base_dropped_for_calibration)} training rows dropped "
                "(text in calibration)"
                if self.base_dropped_for_calibration
                else ""
            )
        )


def merge_corrections(
    train: LabelledDataset,
    corrections: LabelledDataset,
    calibration_sets: Sequence[LabelledDataset],
) -> tuple[LabelledDataset, MergeReport]:
    """Training rows with the corrections applied; see the module docstring for the rules.

    A correction replaces the training row with the same normalised text in place (so row order,
    and with it the fitted model, changes as little as possible); new texts are appended in the
    order they first appear in the corrections file; the last correction of a text wins.
    """
    held_out = {
        normalized_text(row.item.text) for dataset in calibration_sets for row in dataset.rows
    }

    # The winning correction of each key, keyed in order of first appearance.
    winners: dict[str, LabelledItem] = {}
    duplicates: list[str] = []
    dropped: list[str] = []
    for row in corrections.rows:
        key = normalized_text(row.item.text)
        if key in held_out:
            dropped.append(row.id)
            continue
        if key in winners:
            duplicates.append(winners[key].id)
        winners[key] = row

    taken_ids = {row.id for row in train.rows}
    merged: list[LabelledItem] = []
    placed: set[str] = set()
    overridden: list[str] = []
    confirmed: list[str] = []
    base_dropped: list[str] = []
    correction_ids: set[str] = set()

    def place_correction(row: LabelledItem) -> None:
        new_id = _unique_id(row.id, taken_ids)
        taken_ids.add(new_id)
        correction_ids.add(new_id)
        merged.append(_with_id(row, new_id))

    for row in train.rows:
        key = normalized_text(row.item.text)
        if key in held_out:
            base_dropped.append(row.id)
        elif key in placed:
            duplicates.append(row.id)
        elif key in winners:
            correction = _keep_hard_negative(winners[key], row)
            (confirmed if _same_labels(row, correction) else overridden).append(row.id)
            place_correction(correction)
            placed.add(key)
        else:
            merged.append(row)
            placed.add(key)

    added: list[str] = []
    for key, correction in winners.items():
        if key not in placed:
            added.append(correction.id)
            place_correction(correction)

    dataset = LabelledDataset(
        name=f"{train.name}+{corrections.name}",
        path=train.path,
        sha256=rows_sha256(merged),
        rows=merged,
    )
    report = MergeReport(
        base_rows=len(train),
        corrections=len(corrections),
        merged_rows=len(merged),
        overridden=overridden,
        confirmed=confirmed,
        added=added,
        duplicates_removed=duplicates,
        dropped_for_calibration=dropped,
        base_dropped_for_calibration=base_dropped,
        correction_keys=frozenset(winners),
        correction_ids=frozenset(correction_ids),
    )
    return dataset, report


def rows_sha256(rows: Iterable[LabelledItem]) -> str:
    """SHA-256 of what training sees of the rows, in order; ids are left out on purpose.

    A merged set has no file of its own, so this digest stands for it in the model manifest:
    the same merge gives the same digest, and any change of text or label changes it.
    """
    canonical = [
        [
            row.item.text,
            row.category.value,
            row.severity.value,
            sorted(flag.value for flag in row.flags),
            row.hard_negative,
            row.item.source,
            row.item.rating,
            row.item.account_tier.value if row.item.account_tier else None,
        ]
        for row in rows
    ]
    payload = json.dumps([_DIGEST_FORMAT, canonical], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _same_labels(first: LabelledItem, second: LabelledItem) -> bool:
    """Whether the labels training learns from agree (hard_negative only matters to evaluation)."""
    return (first.category, first.severity, first.flags) == (
        second.category,
        second.severity,
        second.flags,
    )


def _keep_hard_negative(correction: LabelledItem, base: LabelledItem) -> LabelledItem:
    """The correction, still marked hard_negative when the training row was and it has no flags.

    The service export has no hard_negative column; the mark describes the text (a scary word
    used harmlessly), so a correction without flags should not erase it.
    """
    if correction.hard_negative or not base.hard_negative or correction.flags:
        return correction
    return replace(correction, hard_negative=True)


def _unique_id(row_id: str, taken: set[str]) -> str:
    """The correction's own id, prefixed when a training row already uses it."""
    if row_id not in taken:
        return row_id
    candidate = f"{CORRECTION_ID_PREFIX}{row_id}"
    number = 2
    while candidate in taken:
        candidate = f"{CORRECTION_ID_PREFIX}{row_id}#{number}"
        number += 1
    return candidate


def _with_id(row: LabelledItem, row_id: str) -> LabelledItem:
    return row if row.id == row_id else replace(row, id=row_id)


@dataclass(frozen=True)
class SuspectCorrection:
    """A correction that a model trained without it confidently labels otherwise on one head."""

    id: str
    text: str
    head: Head
    given: str
    predicted: str
    confidence: float


def find_suspect_corrections(
    merged: LabelledDataset,
    correction_ids: Collection[str],
    calibration: LabelledDataset,
    *,
    folds: int = 5,
    min_confidence: float = 0.9,
    config: ClassifierConfig | None = None,
    seed: int = 13,
) -> list[SuspectCorrection]:
    """Corrections whose label a cross-validated model contradicts with calibrated confidence.

    The corrections are split into `folds` folds; each fold is predicted by a model trained on
    every other merged row (base rows and the other corrections) and calibrated on
    `calibration`, so no correction is judged by a model that saw it. `correction_ids` are ids
    of rows of `merged` (as in `MergeReport.correction_ids`). Highest confidence first.
    """
    if folds < 1:
        raise ValueError(f"folds must be at least 1, got {folds}")
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence must be in [0, 1], got {min_confidence}")
    wanted = set(correction_ids)
    held = [i for i, row in enumerate(merged.rows) if row.id in wanted]
    unknown = wanted - {merged.rows[i].id for i in held}
    if unknown:
        raise ValueError(f"correction ids not in {merged.name}: {sorted(unknown)[:10]}")
    if not held:
        return []

    config = config or ClassifierConfig.for_family("tfidf_svm")
    order = np.random.default_rng(seed).permutation(len(held))
    assignments = np.array_split(np.array(held)[order], min(folds, len(held)))
    items = merged.items
    targets = merged.targets()
    cal_items, cal_targets = calibration.items, calibration.targets()

    suspects: list[SuspectCorrection] = []
    for fold in assignments:
        test = np.sort(fold)
        train = np.setdiff1d(np.arange(len(items)), test)
        classifier = TwoHeadClassifier(config).fit(
            [items[i] for i in train], {head: targets[head][train] for head in HEADS}
        )
        classifier.calibrate(cal_items, cal_targets)
        probabilities = classifier.predict_proba([items[i] for i in test])
        head: Head
        for head in ("category", "severity"):
            probs = probabilities.of(head)
            for position, index in enumerate(test):
                predicted = int(np.argmax(probs[position]))
                given = int(targets[head][index])
                confidence = float(probs[position, predicted])
                if predicted != given and confidence >= min_confidence:
                    row = merged.rows[index]
                    suspects.append(
                        SuspectCorrection(
                            id=row.id,
                            text=row.item.text,
                            head=head,
                            given=HEAD_LABELS[head][given],
                            predicted=HEAD_LABELS[head][predicted],
                            confidence=confidence,
                        )
                    )
    suspects.sort(key=lambda s: (-s.confidence, s.id, s.head))
    return suspects


def write_suspects(suspects: Iterable[SuspectCorrection], path: Path) -> None:
    """Write the suspects as CSV, one row per (correction, head), for a reviewer to re-check."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SUSPECT_COLUMNS)
        for s in suspects:
            writer.writerow([s.id, s.text, s.head, s.given, s.predicted, f"{s.confidence:.4f}"])
