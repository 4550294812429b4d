"""Model families side by side on real feedback: quality, serving latency, training time.

Training rows: data/train.csv (authored) + data/real/train/*.csv (real). Calibration rows
(vector scaling and thresholds are fitted on them, as `triage train` does): the real
calibration files + data/calibration.csv, reported apart as "real" and "authored".
Per family: category and severity macro-F1, red recall of the model alone and of model +
rules (real calibration rows), p50 of one `Triager.classify` call (model + rules + policy)
and of the fast scorer alone over 2,000 single real texts, and the time `train_model` took.

    python -m benchmarks.family_comparison            # the table (+ a distilled prototype)
    python -m benchmarks.family_comparison --tune     # the recipe search, on real train rows

`--tune` never touches the calibration files: it fits on the authored rows plus 70 % of the
real training rows and scores the other 30 % (split stratified by category, fixed seed), by
macro-F1 of the uncalibrated argmax. The variants the table calls "tuned" were chosen so.
Needs the encoders' weights (`make embeddings`). One core for BLAS, as benchmarks/in_process.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads its BLAS

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from tokenizers import Tokenizer

from model import static_embeddings
from model.classifier import ClassifierConfig, TwoHeadClassifier
from model.embeddings import default_encoder
from model.labels import HEADS
from model.records import FeedbackItem
from model.scoring import FastScorer
from model.static_embeddings import StaticEncoder
from training.datasets import LABELLED_COLUMNS, LabelledDataset, load_labelled
from training.evaluate import evaluate
from training.train import train_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

# (row name, family, overrides of the family's defaults).
BASELINES: list[tuple[str, str, dict[str, object]]] = [
    ("tfidf_logreg", "tfidf_logreg", {}),
    ("tfidf_svm", "tfidf_svm", {}),
    ("tfidf_minilm", "tfidf_minilm", {}),
    ("tfidf_static", "tfidf_static", {}),
]
# Chosen by `--tune` (see benchmarks/RESULTS.md): the variants that beat their defaults.
TUNED: list[tuple[str, str, dict[str, object]]] = [
    ("tfidf_logreg, char 1-4-grams", "tfidf_logreg", {"char_ngrams": (1, 4)}),
]
# A prototype, not a family: tfidf_static's code with a static table distilled here from
# all-MiniLM-L6-v2 itself (English; each vocabulary token's sentence embedding, Model2Vec's
# recipe without PCA or weighting), to see what a static MiniLM would give within budget.
DISTILLED: tuple[str, str, dict[str, object]] = (
    "tfidf_static, MiniLM-distilled table",
    "tfidf_static",
    {},
)
TUNING_GRID: list[tuple[str, dict[str, object]]] = [
    ("tfidf_logreg", {}),
    ("tfidf_logreg", {"c_category": 5.0, "c_severity": 5.0}),
    ("tfidf_logreg", {"c_category": 50.0, "c_severity": 50.0}),
    ("tfidf_logreg", {"char_ngrams": (1, 4)}),
    ("tfidf_logreg", {"class_weight": None}),
    ("tfidf_svm", {}),
    ("tfidf_svm", {"c_category": 0.3, "c_severity": 0.3}),
    ("tfidf_minilm", {}),
    ("tfidf_minilm", {"embedding_weight": 3.0}),
    ("tfidf_static", {}),
    ("tfidf_static", {"c_category": 5.0, "c_severity": 5.0}),
    ("tfidf_static", {"c_category": 50.0, "c_severity": 50.0}),
    ("tfidf_static", {"embedding_weight": 0.75}),
    ("tfidf_static", {"embedding_weight": 3.0}),
    ("tfidf_static", {"embedding_weight": 3.0, "c_category": 50.0, "c_severity": 50.0}),
]


def _frame(paths: Sequence[Path]) -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths]
    return pd.concat([f[list(LABELLED_COLUMNS)] for f in frames], ignore_index=True)


def _dataset(frame: pd.DataFrame, folder: Path, name: str) -> LabelledDataset:
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False)
    return load_labelled(path, name=name)


def _real(part: str) -> list[Path]:
    return sorted((DATA / "real" / part).glob("*.csv"))


def _p50_ms(run: Callable[[FeedbackItem], object], items: Sequence[FeedbackItem]) -> float:
    for item in items[:50]:  # warm caches
        run(item)
    timings = []
    for item in items:
        started = time.perf_counter()
        run(item)
        timings.append(time.perf_counter() - started)
    return 1000 * statistics.median(timings)


def _one_at_a_time(scorer: FastScorer) -> Callable[[FeedbackItem], object]:
    return lambda item: scorer.predict_proba([item])


def minilm_static_encoder() -> StaticEncoder:
    """A static encoder whose row per WordPiece token is all-MiniLM-L6-v2's embedding of
    "[CLS] token [SEP]" (about a minute on 2 cores)."""
    encoder = default_encoder()
    tokenizer = Tokenizer.from_str(encoder.tokenizer.to_str())
    size = tokenizer.get_vocab_size()
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    table = np.zeros((size, encoder.config.hidden_size), dtype=np.float32)
    for start in range(0, size, 512):
        ids = np.arange(start, min(size, start + 512), dtype=np.int64)
        batch = np.stack([np.full_like(ids, cls), ids, np.full_like(ids, sep)], axis=1)
        table[ids] = encoder.forward(batch, np.ones(batch.shape, dtype=np.float32))
    return StaticEncoder(tokenizer, table)


def _describe(overrides: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in overrides.items()) or "defaults"


def compare(
    folder: Path,
    variants: list[tuple[str, str, dict[str, object]]],
    distilled: StaticEncoder | None = None,
) -> None:
    train = _dataset(_frame([DATA / "train.csv", *_real("train")]), folder, "train")
    real_cal = _frame(_real("calibration"))
    authored_cal = _frame([DATA / "calibration.csv"])
    calibration = _dataset(pd.concat([real_cal, authored_cal]), folder, "calibration")
    real = _dataset(real_cal, folder, "real_calibration")
    authored = _dataset(authored_cal, folder, "authored_calibration")
    single = (real.items * 2)[:2000]
    print(
        f"train {len(train)} rows; calibration {len(calibration)} "
        f"(real {len(real)}, authored {len(authored)}); latency over {len(single)} texts"
    )
    header = (
        f"| {'model':<38} | cat F1 real | sev F1 real | cat F1 auth | sev F1 auth "
        "| red recall model | red recall +rules | classify p50 ms | scorer p50 ms | train s |"
    )
    print()
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    rows: list[tuple[tuple[str, str, dict[str, object]], StaticEncoder | None]] = [
        (variant, None) for variant in variants
    ]
    if distilled is not None:
        rows.append((DISTILLED, distilled))
    for (name, family, overrides), encoder in rows:
        config = ClassifierConfig.for_family(family, **overrides)
        with ExitStack() as stack:
            if encoder is not None:  # the prototype: its table in place of the packaged one
                replace = mock.patch.object(static_embeddings, "default_static_encoder")
                stack.enter_context(replace).return_value = encoder
            started = time.perf_counter()
            trained = train_model(train=train, calibration=calibration, config=config)
            seconds = time.perf_counter() - started
            on_real = evaluate(trained.triager, real)
            on_authored = evaluate(trained.triager, authored)
            classify = _p50_ms(trained.triager.classify, single)
            scoring = _p50_ms(_one_at_a_time(trained.classifier.fast_scorer()), single)
        model_real, model_auth = on_real["model"], on_authored["model"]
        print(
            f"| {name:<38} | {model_real['category']['macro_f1']:>11.3f} "
            f"| {model_real['severity']['macro_f1']:>11.3f} "
            f"| {model_auth['category']['macro_f1']:>11.3f} "
            f"| {model_auth['severity']['macro_f1']:>11.3f} "
            f"| {model_real['red_recall']:>16.3f} "
            f"| {on_real['combined']['red_recall']:>17.3f} "
            f"| {classify:>15.3f} | {scoring:>13.3f} | {seconds:>7.1f} |",
            flush=True,
        )
    print()
    print("red recall: real calibration rows; classify: Triager.classify (model + rules + policy)")


def tune(folder: Path) -> None:
    authored = _frame([DATA / "train.csv"])
    real = _frame(_real("train"))
    fit_part, held_out = train_test_split(
        real, test_size=0.3, random_state=13, stratify=real["category"]
    )
    train = _dataset(pd.concat([authored, fit_part]), folder, "tune_train")
    valid = _dataset(held_out, folder, "tune_valid")
    targets = valid.targets()
    print(f"fit on {len(train)} rows (authored + 70 % real train); score {len(valid)} real rows")
    print()
    print(f"| {'family':<13} | {'variant':<52} | cat F1 | sev F1 | mean  |")
    print(f"|{'-' * 15}|{'-' * 54}|--------|--------|-------|")
    for family, overrides in TUNING_GRID:
        config = ClassifierConfig.for_family(family, **overrides)
        classifier = TwoHeadClassifier(config).fit(train.items, train.targets())
        logits = classifier.logits(valid.items)
        scores: dict[str, Any] = {
            # Over the classes the rows have, as `training.evaluate.head_report` averages.
            head: f1_score(
                targets[head],
                logits[head].argmax(axis=1),
                labels=np.unique(targets[head]),
                average="macro",
            )
            for head in HEADS
        }
        mean = float(np.mean(list(scores.values())))
        print(
            f"| {family:<13} | {_describe(overrides):<52} | {scores['category']:.3f}  "
            f"| {scores['severity']:.3f}  | {mean:.3f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="Search recipes on real train rows.")
    parser.add_argument(
        "--no-distilled", action="store_true", help="Skip the MiniLM-distilled prototype row."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if args.tune:
            tune(Path(scratch))
        else:
            distilled = None if args.no_distilled else minilm_static_encoder()
            compare(Path(scratch), BASELINES + TUNED, distilled)


if __name__ == "__main__":
    main()
