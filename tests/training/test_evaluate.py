"""Evaluation figures on sets that lack a class."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from training.evaluate import head_report

LABELS = ("a", "b", "c")


def test_macro_f1_averages_the_classes_the_set_has() -> None:
    truth = np.array([0, 0, 1, 1, 1])
    predicted = np.array([0, 2, 1, 1, 0])  # class c has no rows but is predicted once
    report = head_report(truth, predicted, LABELS)
    assert report["macro_f1_classes"] == ["a", "b"]
    expected = f1_score(truth, predicted, labels=[0, 1], average="macro")
    assert report["macro_f1"] == expected
    assert report["macro_f1"] > f1_score(truth, predicted, labels=[0, 1, 2], average="macro")
    assert report["per_class"]["c"]["support"] == 0


def test_macro_f1_with_every_class_present_is_sklearns() -> None:
    truth = np.array([0, 1, 2, 2, 1, 0])
    predicted = np.array([0, 2, 2, 1, 1, 0])
    report = head_report(truth, predicted, LABELS)
    assert report["macro_f1"] == f1_score(truth, predicted, average="macro")
