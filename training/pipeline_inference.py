"""Serving handlers of the XGBoost family: one file, three stages of a SageMaker serial inference pipeline.

Packed as ``code/inference.py`` in the XGBoost family's ``model.tar.gz``, beside ``handlers.py`` (the
scikit-learn family's handlers, for parsing and answering exactly as that family does). The endpoint's
model is a serial pipeline of three containers, and ``MLOPS_PIPELINE_STAGE`` tells this file which one
it is in:

1. ``preprocess`` (scikit-learn image): the caller's CSV or JSON rows, checked against the training schema
   like the scikit-learn family, through the saved feature pipeline (``preprocess.joblib``); answers the
   numbers-only ``text/csv`` the built-in algorithm reads. A bad request is refused here with its 4xx.
2. the built-in XGBoost container (not this file): answers ``[p0, p1, ...],[...]`` as ``text/csv``.
3. ``postprocess`` (scikit-learn image): those probabilities into the family-independent answer,
   ``label`` + ``probabilities`` in the manifest's class order, JSON or CSV by the Accept header.

Without the variable (``python -m training.serve``, tests) the file runs all three in one process, the
middle one with the local ``xgboost`` (the image's exact version) the way the container does it, with the
same text between the stages.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
import pandas as pd

if __package__:  # imported as training.pipeline_inference (tests, tooling)
    from . import inference as handlers
else:  # the container and training.serve load code/inference.py as the top-level module "inference"
    import handlers  # type: ignore[import-not-found,no-redef]

STAGE_VARIABLE = "MLOPS_PIPELINE_STAGE"
PREPROCESS, POSTPROCESS, LOCAL = "preprocess", "postprocess", "local"
PREPROCESS_FILE = "preprocess.joblib"
BOOSTER_FILE = "xgboost-model"
CSV = handlers.CSV

# What training.serve and the container need from this module, under the names they use.
ClientError = handlers.ClientError
choose_accept = handlers.choose_accept
Prediction = handlers.Prediction
Rejection = handlers.Rejection


def stage() -> str:
    value = os.environ.get(STAGE_VARIABLE, LOCAL)
    if value not in (PREPROCESS, POSTPROCESS, LOCAL):
        raise RuntimeError(f"{STAGE_VARIABLE} must be {PREPROCESS} or {POSTPROCESS}, got {value[:40]!r}")
    return value


@dataclass(frozen=True)
class PipelineModel:
    schema: Any  # handlers.Model: features, classes, target (its pipeline is the feature pipeline)
    stage: str
    booster: Any = None  # only in the local stage


@dataclass(frozen=True)
class Features:
    """The preprocessing stage's result: the numbers the algorithm reads."""

    body: str


@dataclass(frozen=True)
class Probabilities:
    """The built-in container's answer, parsed (postprocess stage)."""

    rows: np.ndarray


def model_fn(model_dir: str) -> PipelineModel:
    with open(os.path.join(model_dir, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    if (
        manifest.get("manifest_version") != handlers.SUPPORTED_MANIFEST_VERSION
        or manifest.get("framework") != "xgboost"
    ):
        raise RuntimeError("manifest.json is not an XGBoost-family manifest this code serves; retrain")
    current = stage()
    preprocessor = joblib.load(os.path.join(model_dir, PREPROCESS_FILE)) if current != POSTPROCESS else None
    schema = handlers.Model(
        pipeline=preprocessor,
        features=tuple((str(f["name"]), str(f["kind"])) for f in manifest["features"]),
        classes=tuple(str(c) for c in manifest["classes"]),
        target=str(manifest["target"]),
        manifest=manifest,
    )
    booster = None
    if current == LOCAL:
        booster = _load_booster(os.path.join(model_dir, BOOSTER_FILE))
    return PipelineModel(schema=schema, stage=current, booster=booster)


def _load_booster(path: str) -> Any:
    """As the built-in container: pickle first, then ``Booster.load_model``; one thread per worker."""
    import pickle

    import xgboost as xgb

    try:
        with open(path, "rb") as handle:
            # Our own artifact; the order mirrors the container's loader.
            booster = pickle.load(handle)
    except Exception:
        booster = xgb.Booster()
        booster.load_model(path)
    booster.set_param("nthread", "1")
    return booster


def input_fn(body: Any, content_type: str | None) -> Any:
    if stage() == POSTPROCESS:
        return Probabilities(parse_probabilities(handlers._decode_body(body)))
    return handlers.input_fn(body, content_type)


def _features(payload: Any, model: PipelineModel) -> Features:
    columns = handlers.to_columns(payload, model.schema)
    frame = pd.DataFrame(
        {
            name: pd.Series(columns[name], dtype="float64" if kind == "numeric" else object)
            for name, kind in model.schema.features
        },
        columns=model.schema.feature_names,
    )
    matrix = np.asarray(model.schema.pipeline.transform(frame), dtype=np.float64)
    return Features(matrix_csv(matrix))


def matrix_csv(matrix: np.ndarray) -> str:
    """Numbers-only CSV, one row per line, ``repr`` floats (parsing gives the same doubles back)."""
    return "".join(",".join(repr(v) for v in row) + "\n" for row in matrix.tolist())


_ROW = re.compile(r"\[([^\[\]]*)\]")


def parse_probabilities(text: str) -> np.ndarray:
    """``[p0, p1, p2],[p0, p1, p2]`` (the built-in container's multi:softprob CSV answer) into rows.

    Batch transform writes one ``[...]`` per line instead; both are accepted.
    """
    rows = [[float(cell) for cell in match.split(",")] for match in _ROW.findall(text)]
    if not rows or len({len(row) for row in rows}) != 1:
        raise RuntimeError(f"the XGBoost container's answer is not rows of class probabilities: {text[:80]!r}")
    return np.asarray(rows, dtype=np.float64)


def _booster_answer(model: PipelineModel, features: Features) -> str:
    """The middle container, locally: the same parsing and the same answer text as the built-in one."""
    import xgboost as xgb

    rows = np.asarray(
        [[float(cell) for cell in line.split(",")] for line in features.body.strip().split("\n")], dtype=np.float64
    )
    predictions = model.booster.predict(xgb.DMatrix(rows), validate_features=False)
    return ",".join(map(str, predictions.tolist()))


def _prediction(rows: np.ndarray, model: PipelineModel) -> Any:
    classes = model.schema.classes
    if rows.shape[1] != len(classes):
        raise RuntimeError(f"the XGBoost container answered {rows.shape[1]} probabilities per row, not {len(classes)}")
    labels = [classes[i] for i in rows.argmax(axis=1).tolist()]
    return handlers.Prediction(labels=labels, probabilities=rows, classes=classes)


def predict_fn(data: Any, model: PipelineModel) -> Any:
    if isinstance(data, handlers.Rejection):
        return data
    if isinstance(data, Probabilities):
        return _prediction(data.rows, model)
    try:
        features = _features(data, model)
    except handlers.ClientError as error:
        return handlers._reject(error)
    if model.stage == PREPROCESS:
        return features
    return _prediction(parse_probabilities(_booster_answer(model, features)), model)


def output_fn(prediction: Any, accept: str | None) -> Any:
    if isinstance(prediction, Features):
        # Whatever the caller accepts, the next container reads numbers-only CSV.
        return prediction.body, CSV
    return handlers.output_fn(prediction, accept)
