"""The numpy sentence encoder and the tfidf_minilm family built on it."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core.errors import ArtifactError, ModelNotFoundError
from model.artifact import load_triager, read_artifact, save_model
from model.classifier import ClassifierConfig, TwoHeadClassifier
from model.embeddings import ENCODER_NAME, default_encoder, load_encoder
from model.labels import HEADS
from model.records import FeedbackItem
from model.rules import RedFlagRules
from training.datasets import LabelledDataset

PAIRS = [
    ("How do I reset my password?", "I forgot my login password, how can I change it?"),
    ("The courier lost our pallet.", "Our shipment never arrived, the carrier misplaced it."),
]
UNRELATED = "What a lovely sunny afternoon for a picnic."


def test_embeddings_are_unit_vectors_that_put_paraphrases_together() -> None:
    encoder = default_encoder()
    texts = [text for pair in PAIRS for text in pair] + [UNRELATED, "", "Café ☕ naïve!!"]
    vectors = encoder.encode(texts)
    assert vectors.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    for index in range(len(PAIRS)):
        a, b = 2 * index, 2 * index + 1
        others = [i for i in range(2 * len(PAIRS) + 1) if i not in (a, b)]
        # A paraphrase is clearly nearer than any other text (0.83 and 0.39 against < 0.15).
        assert similarity[a, b] > similarity[a, others].max() + 0.2
    # Alone or in a batch of other lengths, a text gets the same vector (padding is masked).
    alone = encoder.encode([texts[1]])[0]
    assert np.abs(alone - vectors[1]).max() < 1e-5


def test_missing_or_foreign_weights_are_named(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="triage fetch-embeddings"):
        load_encoder(tmp_path / "nothing")
    (tmp_path / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(ArtifactError, match=f"not the {ENCODER_NAME}"):
        load_encoder(tmp_path)


def _every(dataset: LabelledDataset, step: int) -> tuple[list[FeedbackItem], dict[str, np.ndarray]]:
    targets = dataset.targets()
    return dataset.items[::step], {head: targets[head][::step] for head in HEADS}


@pytest.fixture(scope="module")
def minilm(train_set: LabelledDataset, calibration_set: LabelledDataset) -> TwoHeadClassifier:
    """The tfidf_minilm family on half the training data (to be quick)."""
    config = ClassifierConfig.for_family("tfidf_minilm")
    assert config.embedding_weight > 0
    classifier = TwoHeadClassifier(config)
    classifier.fit(*_every(train_set, 2))
    classifier.calibrate(calibration_set.items, calibration_set.targets())
    return classifier


def test_the_fast_scorer_adds_the_embedding_block_like_the_pipeline(
    minilm: TwoHeadClassifier, calibration_set: LabelledDataset
) -> None:
    items = calibration_set.items[:300]
    reference = minilm.pipeline_proba(items)
    fast = minilm.fast_scorer().predict_proba(items)
    single = minilm.fast_scorer().predict_proba(items[:1])
    for head in HEADS:
        # float32 embeddings of differently batched texts differ in the 7th digit.
        assert np.abs(fast[head] - reference[head]).max() < 1e-5
        assert np.abs(single[head][0] - reference[head][0]).max() < 1e-5
    # The block carries signal: dropping it changes the scores.
    scorer = pickle.loads(pickle.dumps(minilm.fast_scorer()))
    scorer._embedding_weight = 0.0
    assert np.abs(scorer.predict_proba(items).category - fast.category).max() > 0.01


def test_a_saved_minilm_model_serves_like_the_fitted_one(
    minilm: TwoHeadClassifier, model_path: Path, tmp_path: Path, rules: RedFlagRules
) -> None:
    _, manifest = read_artifact(model_path)
    path = tmp_path / "minilm.joblib"
    save_model(
        path,
        classifier=minilm,
        manifest=replace(manifest, model_version="minilm", config=minilm.config.to_dict()),
    )
    triager = load_triager(path, rules=rules)
    items = [FeedbackItem(a) for a, _ in PAIRS]
    served = triager.classify_many(items)
    expected = minilm.predict_proba(items)
    for result, row in zip(served, expected.category, strict=True):
        assert result.category_confidence == pytest.approx(row.max(), abs=1e-9)
    assert read_artifact(path)[0].config.embedding_weight == minilm.config.embedding_weight
