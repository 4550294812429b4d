"""The fast scorer gives the scikit-learn pipeline's probabilities (within 1e-9)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import strip_accents_unicode as sklearn_strip_accents

from model.classifier import HEADS, ClassifierConfig, TwoHeadClassifier
from model.records import FeedbackItem
from model.scoring import FastScorer, char_wb_grams, strip_accents_unicode
from training.datasets import LabelledDataset
from training.train import TrainedModel

ODD_ITEMS = [
    FeedbackItem("x"),
    FeedbackItem("!!! ??? ..."),
    FeedbackItem("Café crème brûlée — naïve résumé façade", rating=3, source="g2"),
    FeedbackItem("ALL CAPS SHOUTING ABOUT THE INVOICE", rating=1, source="unknown-channel"),
    FeedbackItem("Emoji 🙂🙂 and tabs\tand\nnewlines   and   spaces", rating=5, source="email"),
    FeedbackItem("zzqx qqxz wvvw", source="trustpilot"),
    FeedbackItem(" ".join(["lawsuit"] * 300)),
    # Accent stripping that makes whitespace (U+00A8 -> space + mark), whitespace it keeps
    # (no-break, ideographic), a lone combining mark, ligatures and fractions.
    FeedbackItem("na\u00a8ive a \u0301b \ufb01nance\u00a0fee\u3000total e\u0301\u0301 \u00bd x"),
    FeedbackItem("Caf\u00e9 caf\u00e9 CAF\u00c9 cafe\u0301 stra\u00dfe \u00c5ngstr\u00f6m"),
    # No n-gram in either vocabulary: the row is the intercept (and metadata) alone.
    FeedbackItem("\u4e00\u4e01 \u4e03", rating=2),
]


def _assert_same(classifier: TwoHeadClassifier, items: list[FeedbackItem]) -> None:
    reference = classifier.pipeline_proba(items)
    batch = classifier.fast_scorer().predict_proba(items)
    for head in HEADS:
        assert np.abs(batch[head] - reference.of(head)).max() < 1e-9
    for i, item in enumerate(items[:200]):
        single = classifier.fast_scorer().predict_proba([item])
        for head in HEADS:
            assert np.abs(single[head][0] - reference.of(head)[i]).max() < 1e-9


def test_fast_scorer_matches_the_pipeline_on_the_calibration_set(
    trained: TrainedModel, calibration_set: LabelledDataset
) -> None:
    _assert_same(trained.classifier, [*calibration_set.items, *ODD_ITEMS])
    # predict_proba (what the engine calls) is the fast path.
    fast = trained.classifier.predict_proba(calibration_set.items[:50])
    reference = trained.classifier.pipeline_proba(calibration_set.items[:50])
    assert np.abs(fast.category - reference.category).max() < 1e-9


def test_generic_analyzer_fallback_matches_too(
    trained: TrainedModel, calibration_set: LabelledDataset
) -> None:
    scorer = trained.classifier.fast_scorer()
    items = [*calibration_set.items[:100], *ODD_ITEMS]
    shortcut = scorer.predict_proba(items)
    scorer._shortcut = False  # the path used when vectorizer settings differ
    try:
        generic = scorer.predict_proba(items)
    finally:
        scorer._shortcut = True
    for head in HEADS:
        assert np.abs(shortcut[head] - generic[head]).max() < 1e-12


def test_char_grams_are_sklearns(trained: TrainedModel, train_set: LabelledDataset) -> None:
    features = trained.classifier.features
    assert features is not None
    analyze = features.char.build_analyzer()
    low, high = features.char.ngram_range
    for text in [row.item.text for row in train_set.rows[:300]] + ["a", "ab", "a b c"]:
        ours = [
            g
            for word in sklearn_strip_accents(text.lower()).split()
            for g in char_wb_grams(word, low, high)
        ]
        assert sorted(ours) == sorted(analyze(text))


@pytest.mark.slow
def test_svm_family_too(train_set: LabelledDataset, calibration_set: LabelledDataset) -> None:
    classifier = TwoHeadClassifier(ClassifierConfig.for_family("tfidf_svm"))
    classifier.fit(train_set.items, train_set.targets())
    classifier.calibrate(calibration_set.items, calibration_set.targets())
    _assert_same(classifier, calibration_set.items[:300])


def test_the_scorer_is_not_saved_with_the_model(trained: TrainedModel) -> None:
    import pickle

    trained.classifier.fast_scorer()
    state = pickle.loads(pickle.dumps(trained.classifier))
    assert "_fast" not in state.__dict__
    assert state.fast_scorer() is state.fast_scorer()


def test_accents_are_stripped_as_scikit_learn_strips_them() -> None:
    texts = [
        "plain ascii",
        "Café crème brûlée — naïve résumé façade",
        "Ångström Øresund Łódź straße ﬁnance ＡＢＣ ½ ² ñ",
        "emoji 🙂 and \u0301 a lone combining mark",
        "",
    ]
    for text in texts:
        assert strip_accents_unicode(text) == sklearn_strip_accents(text)


def test_a_saved_scorer_scores_exactly_as_before(
    trained: TrainedModel, calibration_set: LabelledDataset
) -> None:
    import pickle

    scorer = trained.classifier.fast_scorer()
    assert scorer.portable
    loaded = pickle.loads(pickle.dumps(scorer))
    assert isinstance(loaded, FastScorer) and loaded.portable
    items = [*calibration_set.items[:300], *ODD_ITEMS]  # more than one block of the batch path
    before, after = scorer.predict_proba(items), loaded.predict_proba(items)
    for head in HEADS:
        assert np.array_equal(before[head], after[head])
    assert np.array_equal(
        scorer.predict_proba(items[:1]).category, loaded.predict_proba(items[:1]).category
    )


def test_a_scorer_that_needs_scikit_learns_analyzers_refuses_to_be_saved(
    trained: TrainedModel,
) -> None:
    import pickle

    scorer = trained.classifier.fast_scorer()
    scorer._shortcut = False
    try:
        assert not scorer.portable
        with pytest.raises(TypeError, match="cannot be saved"):
            pickle.dumps(scorer)
    finally:
        scorer._shortcut = True
