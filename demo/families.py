"""The demo's model-family step: the XGBoost family trained beside the scikit-learn one, metrics side by side.

The XGBoost family is the built-in algorithm's local twin (``python -m training.train_boost``): the same
raw CSV, validation, split and gate; its artifact goes to ``build/xgboost/`` with its baseline, so a stack
can point at it (``mlops:model.family: xgboost``, ``mlops:artifact: build/xgboost/model.tar.gz``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from training.train_boost import load_metrics, metrics_table

ROOT = Path(__file__).resolve().parent.parent
OUT = "build/xgboost"


def train_xgboost(data: Path) -> str:
    """Train, gate and package the XGBoost family; the metrics table of both families (markdown)."""
    for command in (
        [sys.executable, "-m", "training.train_boost", "--train", str(data), "--out", OUT],
        [sys.executable, "-m", "monitoring.baseline", "--data", str(data)]
        + ["--manifest", f"{OUT}/manifest.json", "--out", f"{OUT}/baseline"],
    ):
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            lines = (completed.stderr.strip() or completed.stdout.strip()).splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"exit {completed.returncode}: {lines[0]}")
    return metrics_table(
        {
            "sklearn (random forest)": load_metrics(ROOT / "build" / "manifest.json"),
            "xgboost (built-in algorithm, local twin)": load_metrics(ROOT / OUT / "manifest.json"),
        }
    )
