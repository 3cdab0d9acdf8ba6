"""The second model family: SageMaker's built-in XGBoost algorithm, and its local twin.

The built-in algorithm needs no training code: the job names the algorithm image, its hyperparameters
and two channels. What it cannot do is read the raw CSV a user has: algorithm mode takes ``text/csv``
with the label in the first column as a class index, no header, numbers only. ``prepare`` produces those
channels from the raw CSV through the project's own validation (``validation``) and feature preparation
(``features.build_preprocessor``, fitted on the training split only), and records the label encoding
(class ``i`` of the manifest's ``classes`` is label ``i``) for serving.

The local twin trains the same booster on the same channel files with the ``xgboost`` package the image
ships (``XGBOOST_VERSION``), the same hyperparameters, objective and early stopping, and writes the file
the built-in container loads (``xgboost-model``). Checked by reading aws/sagemaker-xgboost-container
(``algorithm_mode/serve_utils.get_loaded_booster``): the container loads *every top-level file* of
``/opt/ml/model`` as a booster (pickle first, then ``Booster.load_model``) and ignores directories, so
the tarball the container gets holds exactly one file, ``xgboost-model``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer

from . import features
from .errors import HyperparameterError
from .validation import Dataset, Schema

# The built-in image version and the exact xgboost release it ships: aws/sagemaker-xgboost-container
# docker/3.0-5/base/Dockerfile.cpu sets XGBOOST_VERSION=3.0.5 (its Python is 3.10; the booster file
# format does not depend on the Python version, and the wheel is py3-none).
IMAGE_VERSION = "3.0-5"
XGBOOST_VERSION = "3.0.5"
BOOSTER_FILE = "xgboost-model"
CONTENT_TYPE = "text/csv"
OBJECTIVE = "multi:softprob"
# The built-in algorithm's tuning metrics (aws/sagemaker-xgboost-container algorithm_mode/metrics.py):
# the algorithm prints one line per round, ``[<round>]#011train-mlogloss:..#011validation-mlogloss:..``
# (CloudWatch shows the tab as #011), and SageMaker matches these expressions against it.
METRICS: dict[str, tuple[str, str]] = {
    "validation:mlogloss": ("Minimize", r".*\[[0-9]+\].*#011validation-mlogloss:(\S+)"),
    "validation:merror": ("Minimize", r".*\[[0-9]+\].*#011validation-merror:(\S+)"),
}
EVAL_METRICS = ("merror", "mlogloss")  # early stopping watches the last one, as xgboost does


@dataclass(frozen=True)
class BoostHyperparameters:
    """Algorithm-mode hyperparameters, under the built-in algorithm's own names.

    ``num_class`` is not a setting: it is the number of classes in the training channel.
    """

    num_round: int = 200
    eta: float = 0.3
    max_depth: int = 4
    min_child_weight: float = 1.0
    subsample: float = 1.0
    colsample_bytree: float = 1.0
    reg_lambda: float = 1.0
    early_stopping_rounds: int = 10
    seed: int = 42

    def __post_init__(self) -> None:
        for name, low, high in (
            ("num_round", 1, 10_000),
            ("max_depth", 0, 64),
            ("early_stopping_rounds", 1, 10_000),
            ("seed", 0, 2**31 - 1),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise HyperparameterError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
        bounds: tuple[tuple[str, float, float, bool], ...] = (
            ("eta", 0.0, 1.0, True),
            ("min_child_weight", 0.0, 1e6, False),
            ("subsample", 0.0, 1.0, True),
            ("colsample_bytree", 0.0, 1.0, True),
            ("reg_lambda", 0.0, 1e6, False),
        )
        for name, lower, upper, open_low in bounds:
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if not ok or not (lower < value <= upper if open_low else lower <= value <= upper):
                bound = f"({lower}, {upper}]" if open_low else f"[{lower}, {upper}]"
                raise HyperparameterError(f"{name} must be a number in {bound}, got {value!r}")

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def algorithm(self, num_class: int) -> dict[str, str]:
        """The training job's ``HyperParameters``: every value a string, as CreateTrainingJob requires.

        ``lambda`` is the built-in algorithm's (and xgboost's) name for L2 regularisation; ``reg_lambda``
        only avoids Python's keyword here.
        """
        values: dict[str, object] = {
            "num_round": self.num_round,
            "eta": self.eta,
            "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "lambda": self.reg_lambda,
            "objective": OBJECTIVE,
            "num_class": num_class,
            "eval_metric": ",".join(EVAL_METRICS),
            "early_stopping_rounds": self.early_stopping_rounds,
            "seed": self.seed,
        }
        return {name: str(value) for name, value in values.items()}


def booster_params(hp: BoostHyperparameters, num_class: int) -> dict[str, Any]:
    """The same settings for the local ``xgboost.train`` (num_round and early stopping are its arguments)."""
    return {
        "objective": OBJECTIVE,
        "num_class": num_class,
        "eta": hp.eta,
        "max_depth": hp.max_depth,
        "min_child_weight": hp.min_child_weight,
        "subsample": hp.subsample,
        "colsample_bytree": hp.colsample_bytree,
        "lambda": hp.reg_lambda,
        "eval_metric": list(EVAL_METRICS),
        "seed": hp.seed,
        # One thread: the trees are then the same on every machine, so the artifact's sha256 is too.
        "nthread": 1,
    }


# --------------------------------------------------------------------------------------------------
# Channels: the built-in algorithm's data contract.


@dataclass(frozen=True)
class Channels:
    """Channel file contents (CSV text) and the fitted feature pipeline that produced them."""

    preprocessor: ColumnTransformer
    classes: tuple[str, ...]
    text: dict[str, str] = field(default_factory=dict)  # channel name -> CSV body

    @property
    def label_encoding(self) -> dict[str, int]:
        return {label: index for index, label in enumerate(self.classes)}


def matrix_csv(matrix: np.ndarray, labels: np.ndarray | None = None) -> str:
    """Rows of numbers as CSV, no header; ``repr`` of each float so parsing gives the same double back."""
    out = io.StringIO()
    for index, row in enumerate(np.asarray(matrix, dtype=np.float64).tolist()):
        cells = [repr(float(v)) for v in row]
        if labels is not None:
            cells.insert(0, str(int(labels[index])))
        out.write(",".join(cells))
        out.write("\n")
    return out.getvalue()


def parse_matrix_csv(text: str) -> np.ndarray:
    """Numbers-only CSV as the built-in container reads it (float64, then a DMatrix)."""
    rows = [line for line in text.strip().split("\n") if line.strip()]
    return np.asarray([[float(cell) for cell in line.split(",")] for line in rows], dtype=np.float64)


def encode_labels(y: pd.Series, classes: Sequence[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(classes)}
    return np.asarray([index[str(label)] for label in y.astype(str)], dtype=np.int64)


def prepare(schema: Schema, train: Dataset, held_out: Mapping[str, Dataset], classes: Sequence[str]) -> Channels:
    """Fit the feature pipeline on ``train`` and write every split as an algorithm-mode channel."""
    preprocessor = features.build_preprocessor(schema)
    preprocessor.fit(train.X)
    channels = Channels(preprocessor=preprocessor, classes=tuple(classes))
    for name, data in {"train": train, **held_out}.items():
        matrix = np.asarray(preprocessor.transform(data.X), dtype=np.float64)
        channels.text[name] = matrix_csv(matrix, encode_labels(data.y, classes))
    return channels


def split_channel(text: str) -> tuple[np.ndarray, np.ndarray]:
    """A channel file back into (features, label indices): first column the label, as the algorithm reads it."""
    matrix = parse_matrix_csv(text)
    return matrix[:, 1:], matrix[:, 0].astype(np.int64)


# --------------------------------------------------------------------------------------------------
# The local twin.


@dataclass(frozen=True)
class TrainedBooster:
    raw: bytes  # the ``xgboost-model`` file: UBJSON, which Booster.load_model reads by content
    best_iteration: int
    rounds: int
    log: list[str]


def train_booster(channels: Channels, hp: BoostHyperparameters) -> TrainedBooster:
    """``xgboost.train`` on the train channel, early stopping on the validation channel.

    Only the trees up to the best round are kept (``save_best``), so whatever round limit a reader
    applies, the booster predicts what the evaluation measured.
    """
    import xgboost as xgb

    x_train, y_train = split_channel(channels.text["train"])
    x_valid, y_valid = split_channel(channels.text["validation"])
    dtrain = xgb.DMatrix(x_train, label=y_train)
    dvalid = xgb.DMatrix(x_valid, label=y_valid)
    history: dict[str, Any] = {}
    booster = xgb.train(
        booster_params(hp, len(channels.classes)),
        dtrain,
        num_boost_round=hp.num_round,
        evals=[(dtrain, "train"), (dvalid, "validation")],
        evals_result=history,
        verbose_eval=False,
        callbacks=[xgb.callback.EarlyStopping(rounds=hp.early_stopping_rounds, save_best=True)],
    )
    rounds = len(history["validation"][EVAL_METRICS[-1]])
    # The algorithm's log format, so the tuning expressions above match the twin's log too.
    log = [
        f"[{i}]"
        + "".join(
            f"#011{split}-{metric}:{history[split][metric][i]:.5f}" for split in history for metric in EVAL_METRICS
        )
        for i in range(rounds)
    ]
    return TrainedBooster(
        raw=bytes(booster.save_raw("ubj")), best_iteration=booster.best_iteration, rounds=rounds, log=log
    )


def container_predict(booster: Any, body: str) -> str:
    """What the built-in container answers for a ``text/csv`` request (realtime, no selectable output).

    Checked by reading ``algorithm_mode/serve.py``: the CSV is parsed as float64 into a DMatrix, and the
    answer is ``",".join(map(str, preds.tolist()))`` with ``text/csv``, whatever the Accept: for
    ``multi:softprob`` every row is a Python list, so the body reads ``[p0, p1, p2],[p0, p1, p2]``.
    """
    import xgboost as xgb

    predictions = booster.predict(xgb.DMatrix(parse_matrix_csv(body)), validate_features=False)
    return ",".join(map(str, predictions.tolist()))


class BoostedModel:
    """Feature pipeline + booster with ``predict_proba`` and ``classes_``, for the evaluation gate."""

    def __init__(self, preprocessor: ColumnTransformer, booster: Any, classes: Sequence[str]) -> None:
        self.preprocessor = preprocessor
        self.booster = booster
        self.classes_ = np.asarray(list(classes), dtype=object)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        import xgboost as xgb

        matrix = np.asarray(self.preprocessor.transform(X), dtype=np.float64)
        return np.asarray(self.booster.predict(xgb.DMatrix(matrix), validate_features=False), dtype=np.float64)
