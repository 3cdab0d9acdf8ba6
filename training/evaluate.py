"""Held-out metrics, the evaluation gate, ``metrics.json``, plots and SageMaker metric log lines.

SageMaker collects training metrics by matching regular expressions (``metric_definitions``) against
the job's log, so every summary metric is also printed as ``<split>:<name>=<value>``; ``launch.py``
declares the matching expressions. Values are rounded to 6 decimals everywhere, and the gate compares
the same rounded value it prints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.pipeline import Pipeline

from .errors import QualityGateError

SUMMARY_METRICS = ("accuracy", "macro_f1", "roc_auc")
GATE_METRIC = "macro_f1"
GATE_SPLIT = "validation"
DIGITS = 6


@dataclass(frozen=True)
class SplitMetrics:
    rows: int
    accuracy: float
    macro_f1: float
    roc_auc: float | None  # None when a class is absent from the split (one-vs-rest AUC undefined)
    per_class: dict[str, dict[str, float | int]]
    labels: list[str]
    confusion: list[list[int]]

    def summary(self) -> dict[str, float | None]:
        return {"accuracy": self.accuracy, "macro_f1": self.macro_f1, "roc_auc": self.roc_auc}

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            **self.summary(),
            "per_class": self.per_class,
            "confusion_matrix": {"labels": self.labels, "matrix": self.confusion},
        }


def _round(value: float) -> float:
    return round(float(value), DIGITS)


def evaluate(pipeline: Pipeline, X: pd.DataFrame, y: pd.Series, classes: Sequence[str]) -> SplitMetrics:
    labels = list(classes)
    truth = y.astype(str).to_numpy()
    proba = pipeline.predict_proba(X)
    model_classes = [str(c) for c in pipeline.classes_]
    # Reorder probability columns to the manifest's class order (they already agree: both sorted).
    proba = proba[:, [model_classes.index(label) for label in labels]]
    predicted = np.asarray(labels, dtype=object)[proba.argmax(axis=1)]

    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    per_class: dict[str, dict[str, float | int]] = {
        label: {
            "precision": _round(precision[i]),
            "recall": _round(recall[i]),
            "f1": _round(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }
    roc_auc: float | None = None
    if set(truth) == set(labels):
        if len(labels) == 2:
            roc_auc = _round(roc_auc_score(truth == labels[1], proba[:, 1]))
        else:
            roc_auc = _round(roc_auc_score(truth, proba, multi_class="ovr", average="macro", labels=labels))
    return SplitMetrics(
        rows=len(truth),
        accuracy=_round(accuracy_score(truth, predicted)),
        macro_f1=_round(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        roc_auc=roc_auc,
        per_class=per_class,
        labels=labels,
        confusion=confusion_matrix(truth, predicted, labels=labels).tolist(),
    )


def metric_lines(split: str, metrics: SplitMetrics) -> list[str]:
    """Log lines for SageMaker ``metric_definitions`` (regex ``<split>:<name>=([0-9.]+)``)."""
    return [f"{split}:{name}={value:.{DIGITS}f}" for name, value in metrics.summary().items() if value is not None]


@dataclass(frozen=True)
class GateResult:
    threshold: float
    value: float
    passed: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "metric": f"{GATE_SPLIT}.{GATE_METRIC}",
            "threshold": self.threshold,
            "value": self.value,
            "passed": self.passed,
        }


def gate(validation: SplitMetrics, min_f1: float) -> GateResult:
    return GateResult(threshold=min_f1, value=validation.macro_f1, passed=validation.macro_f1 >= min_f1)


def enforce(result: GateResult) -> None:
    if not result.passed:
        raise QualityGateError(
            f"evaluation gate failed: validation macro F1 {result.value:.4f} is below --min_f1 "
            f"{result.threshold}; no model was written (improve the data or hyperparameters, or lower "
            "--min_f1)"
        )


def metrics_document(splits: dict[str, SplitMetrics], origin: dict[str, str], result: GateResult) -> dict[str, object]:
    document: dict[str, object] = {
        name: {"source": origin.get(name, "channel"), **metrics.as_dict()} for name, metrics in splits.items()
    }
    document["gate"] = result.as_dict()
    return document


def write_json(path: Path, document: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def plot_files(output_dir: Path, split: str) -> tuple[Path, Path]:
    return output_dir / f"confusion_matrix_{split}.png", output_dir / f"per_class_{split}.png"


def write_plots(output_dir: Path, split: str, metrics: SplitMetrics) -> list[Path]:
    """Confusion matrix and per-class precision/recall/F1 bar chart for one split.

    matplotlib is imported here, not at module import: the SageMaker scikit-learn training image does
    not ship it, and plots are a convenience, not part of the artifact. Without it the plots are skipped
    with a log line.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display in a training container or CI
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the PNG plots (metrics.json is complete)")
        return []

    confusion_path, per_class_path = plot_files(output_dir, split)
    output_dir.mkdir(parents=True, exist_ok=True)
    labels = metrics.labels
    matrix = np.asarray(metrics.confusion)

    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 3, 1.2 * len(labels) + 2.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels=labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels=labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title(f"Confusion matrix ({split}, {metrics.rows} rows)")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, column), count in np.ndenumerate(matrix):
        ax.text(column, row, str(count), ha="center", va="center", color="white" if count > threshold else "black")
    fig.tight_layout()
    fig.savefig(confusion_path, dpi=100, metadata={"Software": None})
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(max(5.0, 1.5 * len(labels) + 2), 4))
    width = 0.27
    positions = np.arange(len(labels))
    for offset, score in zip((-width, 0.0, width), ("precision", "recall", "f1"), strict=True):
        ax.bar(positions + offset, [metrics.per_class[label][score] for label in labels], width, label=score)
    ax.set_xticks(positions, labels=labels)
    ax.set_ylim(0, 1.25)  # headroom for the legend above the bars
    ax.set_title(f"Per-class scores ({split}, macro F1 {metrics.macro_f1:.3f})")
    ax.legend(loc="upper center", ncols=3)
    fig.tight_layout()
    fig.savefig(per_class_path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return [confusion_path, per_class_path]
