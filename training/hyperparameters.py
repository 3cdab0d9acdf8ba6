"""Hyperparameters: names, defaults and parsing of the values SageMaker passes on the command line.

SageMaker hands hyperparameters to the script as ``--name value`` flags with the names unchanged, so
the flag names here are part of the job contract (tuning jobs and ``launch.py`` use them). The SDK v3
driver JSON-encodes values (``--max_depth 5``); through other launchers a string can arrive with its
JSON quotes (``--estimator '"random_forest"'``). Every parser accepts both spellings.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

ESTIMATORS = ("random_forest", "gradient_boosting", "logistic_regression")


@dataclass(frozen=True)
class Hyperparameters:
    """Everything that changes the trained model; recorded verbatim in the manifest."""

    estimator: str = "random_forest"
    n_estimators: int = 100
    max_depth: int | None = None
    min_samples_leaf: int = 1
    seed: int = 42
    min_f1: float = 0.9
    target: str = "species"
    test_size: float = 0.2
    validation_size: float = 0.2

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def decode(raw: str) -> object:
    """JSON-decode a flag value when it is valid JSON, else keep the raw string."""
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        return raw


def _as_int(raw: str) -> int:
    value = decode(raw)
    if isinstance(value, str):
        value = decode(value.strip())
    if isinstance(value, bool):
        raise argparse.ArgumentTypeError(f"expected an integer, got {raw!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    raise argparse.ArgumentTypeError(f"expected an integer, got {raw!r}")


def _as_float(raw: str) -> float:
    value = decode(raw)
    if isinstance(value, str):
        value = decode(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number, got {raw!r}")
    return float(value)


def positive_int(raw: str) -> int:
    value = _as_int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {raw!r}")
    return value


def non_negative_int(raw: str) -> int:
    value = _as_int(raw)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {raw!r}")
    return value


def optional_positive_int(raw: str) -> int | None:
    """``none``/``null`` means unlimited (the estimator's own meaning of ``max_depth=None``)."""
    value = decode(raw)
    if value is None or (isinstance(value, str) and value.strip().lower() in {"none", "null"}):
        return None
    return positive_int(raw)


def fraction(raw: str) -> float:
    value = _as_float(raw)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {raw!r}")
    return value


def threshold(raw: str) -> float:
    """A score threshold in [0, 1]: F1 cannot exceed 1, so a larger one could only fail after training."""
    value = _as_float(raw)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (a macro F1), got {raw!r}")
    return value


def text(raw: str) -> str:
    value = decode(raw)
    if not isinstance(value, str) or not value.strip():
        raise argparse.ArgumentTypeError(f"expected a non-empty name, got {raw!r}")
    return value.strip()


def estimator(raw: str) -> str:
    value = decode(raw)
    if not isinstance(value, str) or value.strip() not in ESTIMATORS:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(ESTIMATORS)}, got {raw!r}")
    return value.strip()


@dataclass(frozen=True)
class Spec:
    """One hyperparameter flag: parser and help text (the default lives on ``Hyperparameters``)."""

    parse: Callable[[str], object]
    help: str


SPECS: dict[str, Spec] = {
    "estimator": Spec(estimator, f"model family: {', '.join(ESTIMATORS)}"),
    "n_estimators": Spec(positive_int, "trees/boosting stages (ignored by logistic_regression)"),
    "max_depth": Spec(optional_positive_int, "maximum tree depth, or none (ignored by logistic_regression)"),
    "min_samples_leaf": Spec(positive_int, "minimum rows per leaf (ignored by logistic_regression)"),
    "seed": Spec(non_negative_int, "seed of the data split and the estimator"),
    "min_f1": Spec(threshold, "evaluation gate: minimum validation macro F1; below it no model is written"),
    "target": Spec(text, "name of the target column"),
    "test_size": Spec(fraction, "share of the train channel held out for test when no test channel is given"),
    "validation_size": Spec(
        fraction, "share of the train channel held out for validation when no validation channel is given"
    ),
}
assert set(SPECS) == set(Hyperparameters.__dataclass_fields__), "every hyperparameter needs a flag"


def default_text(value: object) -> str:
    """Encode a default (from ``Hyperparameters`` or ``SM_HPS``) as a flag value argparse will parse."""
    return value if isinstance(value, str) else json.dumps(value)
