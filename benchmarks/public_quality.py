"""Train the review-triage text recipe on public intent data and print test macro-F1 and ECE.

The recipe is the one `triage train` uses for each head: word 1-2-gram + char 2-5-gram TF-IDF
(plus, in the tfidf_minilm family, the all-MiniLM-L6-v2 sentence embedding), class-balanced
logistic regression (a linear SVM in tfidf_svm), calibration (vector or temperature scaling,
chosen by cross-fitted log-loss) fitted on held-out data.
BANKING77: 10% of train (stratified) is held out for calibration. CLINC150 (in-scope): the
validation split is. Data is read from ../shared/benchmarks, never copied into the repo.

    python -m benchmarks.public_quality [--shared PATH] [--only banking77|clinc150]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from model.calibration import expected_calibration_error, fit_calibration, softmax
from model.classifier import MODEL_FAMILIES, ClassifierConfig, linear_head
from model.features import FeatureBuilder
from model.records import FeedbackItem

Split = tuple[list[str], list[str]]


def banking77(root: Path) -> tuple[Split, Split, Split]:
    def read(name: str) -> Split:
        with (root / "banking77" / name).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        return [r["text"] for r in rows], [r["category"] for r in rows]

    texts, labels = read("train.csv")
    fit_x, cal_x, fit_y, cal_y = train_test_split(
        texts, labels, test_size=0.1, stratify=labels, random_state=13
    )
    return (fit_x, fit_y), (cal_x, cal_y), read("test.csv")


def clinc150(root: Path) -> tuple[Split, Split, Split]:
    data = json.loads((root / "clinc150" / "data_full.json").read_text(encoding="utf-8"))

    def split(name: str) -> Split:
        return [t for t, _ in data[name]], [label for _, label in data[name]]

    return split("train"), split("val"), split("test")


def run(name: str, splits: tuple[Split, Split, Split], family: str) -> dict[str, float]:
    (fit_x, fit_y), (cal_x, cal_y), (test_x, test_y) = splits
    config = ClassifierConfig.for_family(family)
    labels = sorted(set(fit_y))
    index = {label: i for i, label in enumerate(labels)}
    started = time.perf_counter()
    features = FeatureBuilder(
        word_ngrams=config.word_ngrams,
        char_ngrams=config.char_ngrams,
        use_metadata=False,
        embedding_weight=config.embedding_weight,
    )
    fit_items = [FeedbackItem(t) for t in fit_x]
    features.fit(fit_items)
    model = linear_head(config, config.c_category)
    model.fit(features.transform(fit_items), np.array([index[y] for y in fit_y]))
    cal_logits = model.decision_function(features.transform([FeedbackItem(t) for t in cal_x]))
    scaling = fit_calibration(cal_logits, np.array([index[y] for y in cal_y]))
    test_logits = model.decision_function(features.transform([FeedbackItem(t) for t in test_x]))
    y_test = np.array([index[y] for y in test_y])
    raw = softmax(test_logits)
    calibrated = scaling.apply(test_logits)
    return {
        "train_rows": len(fit_x),
        "calibration_rows": len(cal_x),
        "test_rows": len(test_x),
        "classes": len(labels),
        "macro_f1": float(f1_score(y_test, calibrated.argmax(axis=1), average="macro")),
        "accuracy": float((calibrated.argmax(axis=1) == y_test).mean()),
        "ece_raw": expected_calibration_error(raw, y_test),
        "ece_calibrated": expected_calibration_error(calibrated, y_test),
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_shared = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
    parser.add_argument("--shared", type=Path, default=default_shared)
    parser.add_argument("--only", choices=["banking77", "clinc150"])
    parser.add_argument(
        "--family",
        choices=MODEL_FAMILIES,
        action="append",
        help="Model family to measure (repeatable; default: every family).",
    )
    args = parser.parse_args()
    families = args.family or list(MODEL_FAMILIES)
    loaders = {"banking77": banking77, "clinc150": clinc150}
    print(
        f"{'dataset':<10}{'family':<14}{'classes':>8}{'test':>7}{'macro-F1':>10}{'accuracy':>10}"
        f"{'ECE raw':>9}{'ECE cal':>9}{'seconds':>9}"
    )
    for name, load in loaders.items():
        if args.only and name != args.only:
            continue
        splits = load(args.shared)
        for family in families:
            r = run(name, splits, family)
            print(
                f"{name:<10}{family:<14}{r['classes']:>8}{r['test_rows']:>7}"
                f"{r['macro_f1']:>10.3f}{r['accuracy']:>10.3f}{r['ece_raw']:>9.3f}"
                f"{r['ece_calibrated']:>9.3f}{r['seconds']:>9.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
