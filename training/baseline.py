"""The Model Monitor data-quality baseline, built by the training run itself from its train channel.

A SageMaker training job writes it under ``SM_OUTPUT_DATA_DIR`` (``/opt/ml/output/data/baseline/``), which
SageMaker uploads as ``output.tar.gz`` beside ``model.tar.gz``; a local run writes it under
``--output-data-dir`` (``build/baseline/`` for ``make train``, where the stack looks for it beside
``build/model.tar.gz``). Model Monitor reads the two documents as plain S3 objects, so after a job the
launcher extracts them and puts them beside the model it publishes (``training.publish``).

The documents are exactly those of ``python -m monitoring.baseline`` on the same CSV and manifest: the same
code (``monitoring.baseline``, pure pandas, staged into the job's source directory) computes them over every
row of the train channel (before any split: the endpoint sees the whole population), the manifest's
features in model order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from monitoring.baseline import build_baseline, dumps, load_features, parse_manifest
from monitoring.errors import MonitoringError

from .errors import DataValidationError

BASELINE_DIR = "baseline"
FILES = ("statistics.json", "constraints.json")


def paths(output_data_dir: Path) -> list[Path]:
    return [output_data_dir / BASELINE_DIR / name for name in FILES]


def documents(train_files: Sequence[Path], manifest: Mapping[str, object]) -> dict[str, str]:
    """File name -> JSON text of the baseline over ``train_files`` for the manifest's features."""
    try:
        parsed = parse_manifest(dict(manifest))
        frames = [load_features(path, parsed) for path in train_files]
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        statistics, constraints = build_baseline(frame, parsed)
    except MonitoringError as exc:
        raise DataValidationError(f"data-quality baseline: {exc}") from None
    return {"statistics.json": dumps(statistics), "constraints.json": dumps(constraints)}


def write(output_data_dir: Path, texts: Mapping[str, str]) -> list[Path]:
    """Write each document atomically (a reader sees the previous baseline or this one, never half)."""
    written = []
    for path in paths(output_data_dir):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(texts[path.name], encoding="utf-8")
        os.replace(partial, path)
        written.append(path)
    return written
