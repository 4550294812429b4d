"""The shipped data files: they load, meet the coverage the product needs, and stay disjoint."""

from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from model.labels import Category, FlagFamily, Severity
from training.datasets import LabelledDataset
from training.train import normalized_text


def test_training_set_coverage(train_set: LabelledDataset) -> None:
    rows = train_set.rows
    assert len(rows) >= 2000
    categories = Counter(row.category for row in rows)
    severities = Counter(row.severity for row in rows)
    assert set(categories) == set(Category) and set(severities) == set(Severity)
    assert categories[Category.MISINFORMATION] >= 200
    assert categories[Category.COMPETITOR_CLAIM] >= 200
    for family in FlagFamily:
        assert sum(family in row.flags for row in rows) >= 100, family
    assert sum(row.hard_negative for row in rows) >= 150
    words = [len(row.item.text.split()) for row in rows]
    assert min(words) >= 5 and max(words) <= 150
    assert len({row.item.source for row in rows}) >= 10


def test_calibration_set_coverage(calibration_set: LabelledDataset) -> None:
    rows = calibration_set.rows
    assert len(rows) >= 500
    assert {row.category for row in rows} == set(Category)
    assert {row.severity for row in rows} == set(Severity)
    for family in FlagFamily:
        assert sum(family in row.flags for row in rows) >= 40, family


def test_no_duplicates_inside_a_file(
    train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    for data in (train_set, calibration_set):
        texts = [normalized_text(row.item.text) for row in data.rows]
        assert len(texts) == len(set(texts)), data.name


def test_calibration_shares_no_text_or_near_duplicate_with_training(
    train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    train_texts = [row.item.text for row in train_set.rows]
    cal_texts = [row.item.text for row in calibration_set.rows]
    assert not {normalized_text(t) for t in train_texts} & {normalized_text(t) for t in cal_texts}
    # Character 3-5-gram TF-IDF cosine: reworded copies of one text score above 0.8.
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    matrix = vectorizer.fit_transform(train_texts + cal_texts)
    similarity = (matrix[len(train_texts) :] @ matrix[: len(train_texts)].T).toarray()
    worst = similarity.max(axis=1)
    offenders = [
        (cal_texts[i], train_texts[int(similarity[i].argmax())])
        for i in np.flatnonzero(worst > 0.8)
    ]
    assert offenders == []
