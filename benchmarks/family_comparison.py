"""Model families side by side on real feedback: quality, serving latency, training time.

Each family is trained with the project's current default recipe, as `triage train` does
(`training.lifecycle.train_and_track` with `core.settings.Settings`): training rows
`Settings().train_paths` (data/train.csv + data/registers.csv + data/real/train/), the
calibration map (temperature) and thresholds fitted on the real calibration folder
data/real/calibration/ at target precision 0.95 and red target recall 0.98. Nothing is
fitted on data/calibration.csv: it is only measured, as the "authored" set.
Per family: category and severity macro-F1 (real and authored), red recall of model + rules,
green items made red, coverage and auto-applied category precision (real), the out-of-fold
policy figures `train_model` reports, p50 of one `Triager.classify` call (model + rules +
policy) over 2,000 single real texts, and the time `train_model` took.

    python -m benchmarks.family_comparison            # the table
    python -m benchmarks.family_comparison --tune     # the recipe search, on real train rows

`--tune` never touches the calibration files: it fits on the authored rows (data/train.csv +
data/registers.csv) plus 70 % of the real training rows and scores the other 30 % (split
stratified by category, fixed seed), by macro-F1 of the uncalibrated argmax. The variants the
table calls "tuned" were chosen so.
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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from benchmarks.common import single_call_latencies
from core.settings import Settings
from model.classifier import ClassifierConfig, TwoHeadClassifier
from model.labels import HEADS
from model.records import FeedbackItem
from training.datasets import LABELLED_COLUMNS, LabelledDataset, load_labelled, load_many
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
    return 1000 * statistics.median(single_call_latencies(run, items))


def _describe(overrides: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in overrides.items()) or "defaults"


# `triage train`'s defaults (Settings.target_precision, Settings.red_target_recall).
TARGET_PRECISION = 0.95
RED_TARGET_RECALL = 0.98


def _cell(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.3f}"


def compare(variants: list[tuple[str, str, dict[str, object]]]) -> None:
    settings = Settings()
    train = load_many(settings.train_paths)
    real = load_labelled(settings.data_dir / "real" / "calibration")
    authored = load_labelled(settings.data_dir / "calibration.csv")
    single = (real.items * 2)[:2000]
    print(
        f"train {len(train)} rows ({', '.join(p.name for p in settings.train_paths)}); "
        f"fit set real calibration {len(real)}; authored {len(authored)} (measured only); "
        f"latency over {len(single)} texts"
    )
    columns = [
        ("model", 30),
        ("cat F1 real", 11),
        ("sev F1 real", 11),
        ("cat F1 auth", 11),
        ("sev F1 auth", 11),
        ("red recall", 10),
        ("green>red", 9),
        ("coverage", 8),
        ("auto cat prec", 13),
        ("OOF red recall", 14),
        ("OOF green>red", 13),
        ("OOF coverage", 12),
        ("classify p50 ms", 15),
        ("train s", 7),
    ]
    print()
    print("| " + " | ".join(f"{title:<{width}}" for title, width in columns) + " |")
    print("|" + "|".join("-" * (width + 2) for _, width in columns) + "|")
    widths = [width for _, width in columns]
    for name, family, overrides in variants:
        config = ClassifierConfig.for_family(family, calibration="temperature", **overrides)
        started = time.perf_counter()
        trained = train_model(
            train=train,
            calibration=real,
            config=config,
            target_precision=TARGET_PRECISION,
            red_target_recall=RED_TARGET_RECALL,
        )
        seconds = time.perf_counter() - started
        on_real = trained.evaluation  # `evaluate(trained.triager, real)`, run by train_model
        on_authored = evaluate(trained.triager, authored)
        oof = trained.evaluation["out_of_fold"]
        classify = _p50_ms(trained.triager.classify, single)
        combined = on_real["combined"]
        figures = [
            on_real["model"]["category"]["macro_f1"],
            on_real["model"]["severity"]["macro_f1"],
            on_authored["model"]["category"]["macro_f1"],
            on_authored["model"]["severity"]["macro_f1"],
            combined["red_recall"],
            combined["green_flagged_red"],
            combined["coverage"],
            combined["auto_applied_precision"]["category"],
            oof["red_recall"],
            oof["green_flagged_red"],
            oof["coverage"],
            classify,
        ]
        cells = [f"{name:<{widths[0]}}"]
        cells += [_cell(v, w) for v, w in zip(figures, widths[1:-1], strict=True)]
        cells.append(f"{seconds:>{widths[-1]}.1f}")
        print("| " + " | ".join(cells) + " |", flush=True)
    print()
    print(
        "real: data/real/calibration (the fit set); auth: data/calibration.csv (measured only); "
        "red recall, green>red, coverage: model + rules + policy; OOF: policy fitted on four "
        "fifths of the real set, applied to the rest; classify: Triager.classify"
    )


def tune(folder: Path) -> None:
    authored = _frame([DATA / "train.csv", DATA / "registers.csv"])
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
    args = parser.parse_args()
    if args.tune:
        with tempfile.TemporaryDirectory() as scratch:
            tune(Path(scratch))
    else:
        compare(BASELINES + TUNED)


if __name__ == "__main__":
    main()
