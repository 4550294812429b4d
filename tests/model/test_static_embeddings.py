"""The multilingual static encoder and the tfidf_static family built on it."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core.errors import ArtifactError, ModelNotFoundError
from model.artifact import load_triager, read_artifact, save_model
from model.classifier import FAMILY_ENCODER, ClassifierConfig, TwoHeadClassifier
from model.encoders import weighted_embeddings
from model.labels import HEADS
from model.records import FeedbackItem
from model.rules import RedFlagRules
from model.scoring import FastScorer
from model.static_embeddings import (
    ENCODER_NAME,
    PACKAGE,
    StaticEncoder,
    default_static_encoder,
    load_static_encoder,
)
from training.datasets import LabelledDataset

# The same complaint in English, German and French, and an unrelated German sentence.
COURIER_EN = "The courier lost our pallet and the delivery is two weeks late."
COURIER_DE = "Der Kurier hat unsere Palette verloren und die Lieferung ist zwei Wochen zu spät."
COURIER_FR = "Le transporteur a perdu notre palette et la livraison a deux semaines de retard."
LOGIN_DE = "Ich kann mich nicht in mein Konto einloggen, das Passwort wird abgelehnt."
LOGIN_EN = "I cannot log into my account, the password is rejected."
PICNIC_EN = "What a lovely sunny afternoon for a picnic in the park."


def test_the_encoder_loads_and_embeds_unit_vectors() -> None:
    encoder = default_static_encoder()
    assert encoder.dim == 64
    texts = [COURIER_EN, "", "Café ☕ naïve!!", "日本語のテキストです", "x" * 5000]
    vectors = encoder.encode(texts)
    assert vectors.shape == (len(texts), 64)
    assert np.allclose(np.linalg.norm(vectors[[0, 2, 3, 4]], axis=1), 1.0)
    assert not vectors[1].any()  # no tokens, no direction
    # A text gets the same vector alone or in a batch.
    for index, text in enumerate(texts):
        assert np.array_equal(encoder.encode([text])[0], vectors[index])
    # Truncation at 512 tokens: a text longer than that is its first 512 tokens.
    tokens = encoder.tokenize(["word " * 2000])[0]
    assert len(tokens) == 512


def test_a_sentence_is_nearer_its_translation_than_unrelated_text() -> None:
    vectors = default_static_encoder().encode(
        [COURIER_EN, COURIER_DE, COURIER_FR, LOGIN_DE, LOGIN_EN, PICNIC_EN]
    )
    similarity = vectors @ vectors.T
    en, de, fr, login_de, login_en, picnic = range(6)
    # English-German pairs of the same meaning, against every unrelated pair: about 0.85
    # against at most 0.45 when this was written.
    for a, b in ((en, de), (login_en, login_de)):
        unrelated = [similarity[a, x] for x in (login_de, login_en, picnic) if x not in (a, b)]
        unrelated += [similarity[b, x] for x in (en, de, picnic) if x not in (a, b)]
        assert similarity[a, b] > max(unrelated) + 0.2
    assert similarity[en, fr] > similarity[en, login_de] + 0.2
    assert similarity[de, fr] > similarity[de, picnic] + 0.2


def test_the_weights_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="triage fetch-embeddings"):
        load_static_encoder(tmp_path / "nothing")
    (tmp_path / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(ArtifactError, match=f"not the {ENCODER_NAME}"):
        load_static_encoder(tmp_path)
    assert not PACKAGE.installed(tmp_path)


def test_the_mean_is_the_weighted_mean_of_the_token_rows() -> None:
    encoder = default_static_encoder()
    ids = encoder.tokenize([COURIER_DE])[0]
    rows = encoder.table[encoder.rows[ids]] * encoder.weights[ids][:, None]
    expected = rows.mean(axis=0)
    expected /= np.linalg.norm(expected)
    assert np.abs(encoder.encode([COURIER_DE])[0] - expected).max() < 1e-12
    # Scaling the int8 table by a constant changes nothing after normalisation.
    scaled = StaticEncoder(
        encoder.tokenizer, encoder.table * 0.01, mapping=encoder.rows, weights=encoder.weights
    )
    assert np.allclose(scaled.encode([COURIER_DE]), encoder.encode([COURIER_DE]))


def test_the_family_uses_the_static_encoder() -> None:
    config = ClassifierConfig.for_family("tfidf_static")
    assert FAMILY_ENCODER[config.family] == "static"
    assert config.embedding_weight > 0
    dense = weighted_embeddings([COURIER_EN], 2.0, "static")
    assert np.allclose(np.linalg.norm(dense), 2.0)
    with pytest.raises(ValueError, match="unknown sentence encoder"):
        weighted_embeddings([COURIER_EN], 1.0, "word2vec")


def _every(dataset: LabelledDataset, step: int) -> tuple[list[FeedbackItem], dict[str, np.ndarray]]:
    targets = dataset.targets()
    return dataset.items[::step], {head: targets[head][::step] for head in HEADS}


@pytest.fixture(scope="module")
def static(train_set: LabelledDataset, calibration_set: LabelledDataset) -> TwoHeadClassifier:
    """The tfidf_static family on half the training data (to be quick)."""
    classifier = TwoHeadClassifier(ClassifierConfig.for_family("tfidf_static"))
    classifier.fit(*_every(train_set, 2))
    classifier.calibrate(calibration_set.items, calibration_set.targets())
    return classifier


def test_the_fast_scorer_matches_the_pipeline(
    static: TwoHeadClassifier, calibration_set: LabelledDataset
) -> None:
    assert static.features is not None and static.features.embedding_encoder == "static"
    items = [*calibration_set.items[:300], FeedbackItem(COURIER_DE), FeedbackItem("!!")]
    reference = static.pipeline_proba(items)
    scorer = static.fast_scorer()
    fast = scorer.predict_proba(items)
    for head in HEADS:
        assert np.abs(fast[head] - reference[head]).max() < 1e-9
        for index in (0, 1, len(items) - 2, len(items) - 1):
            single = scorer.predict_proba(items[index : index + 1])[head][0]
            assert np.abs(single - reference[head][index]).max() < 1e-9
    # The block carries signal: dropping it changes the scores.
    loaded = pickle.loads(pickle.dumps(scorer))
    assert isinstance(loaded, FastScorer) and loaded._embedding_encoder == "static"
    loaded._embedding_weight = 0.0
    assert np.abs(loaded.predict_proba(items).category - fast.category).max() > 0.01


def test_a_scorer_saved_before_the_encoder_was_named_uses_minilm(
    static: TwoHeadClassifier,
) -> None:
    state = static.fast_scorer().__getstate__()
    del state["_embedding_encoder"]
    old = FastScorer.__new__(FastScorer)
    old.__setstate__(state)
    assert old._embedding_encoder == "minilm"


def test_a_saved_static_model_serves_like_the_fitted_one(
    static: TwoHeadClassifier, model_path: Path, tmp_path: Path, rules: RedFlagRules
) -> None:
    _, manifest = read_artifact(model_path)
    path = tmp_path / "static.joblib"
    save_model(
        path,
        classifier=static,
        manifest=replace(manifest, model_version="static", config=static.config.to_dict()),
    )
    triager = load_triager(path, rules=rules)
    items = [FeedbackItem(COURIER_EN), FeedbackItem(COURIER_DE), FeedbackItem(LOGIN_DE)]
    served = triager.classify_many(items)
    expected = static.predict_proba(items)
    for result, row in zip(served, expected.category, strict=True):
        assert result.category_confidence == pytest.approx(row.max(), abs=1e-9)
