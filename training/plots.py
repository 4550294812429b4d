"""PNG figures of an evaluation: confusion matrices and reliability diagrams, drawn off-screen."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI

import matplotlib.pyplot as plt

from training.reports import ReliabilityFigures


def confusion_png(
    path: Path, matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str
) -> Path:
    """A confusion matrix with counts in the cells; rows are the true labels."""
    size = max(4.0, 0.9 * len(labels) + 2.0)
    figure, axes = plt.subplots(figsize=(size, size))
    try:
        image = axes.imshow(matrix, cmap="Blues")
        axes.set_xticks(range(len(labels)), labels=labels, rotation=45, ha="right")
        axes.set_yticks(range(len(labels)), labels=labels)
        axes.set_xlabel("predicted")
        axes.set_ylabel("true")
        axes.set_title(title)
        peak = max((max(row) for row in matrix), default=0)
        for i, row in enumerate(matrix):
            for j, count in enumerate(row):
                colour = "white" if peak and count > peak / 2 else "black"
                axes.text(j, i, str(count), ha="center", va="center", color=colour, fontsize=8)
        figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
        figure.tight_layout()
        figure.savefig(path, dpi=100)
    finally:
        plt.close(figure)
    return path


def reliability_png(path: Path, bins: ReliabilityFigures, title: str, ece: float) -> Path:
    """Accuracy against confidence per bin, with the diagonal of perfect calibration."""
    figure, axes = plt.subplots(figsize=(5.0, 5.0))
    try:
        filled = [i for i, n in enumerate(bins["count"]) if n]
        confidence = [bins["confidence"][i] for i in filled]
        accuracy = [bins["accuracy"][i] for i in filled]
        counts = [bins["count"][i] for i in filled]
        axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
        axes.plot(confidence, accuracy, marker="o", label="model")
        biggest = max(counts, default=1)
        axes.scatter(confidence, accuracy, s=[20 + 200 * n / biggest for n in counts], alpha=0.3)
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1)
        axes.set_xlabel("confidence of the top label")
        axes.set_ylabel("accuracy")
        axes.set_title(f"{title} (ECE {ece:.3f})")
        axes.legend(loc="upper left")
        figure.tight_layout()
        figure.savefig(path, dpi=100)
    finally:
        plt.close(figure)
    return path
