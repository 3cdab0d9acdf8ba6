"""Seeded, stratified hold-out splits for the channels that were not provided.

SageMaker passes each channel the job was given; with only ``train`` the script carves validation and
test out of it, so the evaluation gate always has held-out data. ``--test_size`` and
``--validation_size`` are shares of the whole train channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sklearn.model_selection import train_test_split

from .errors import HyperparameterError
from .hyperparameters import Hyperparameters
from .validation import Dataset, check_stratifiable


@dataclass(frozen=True)
class Splits:
    train: Dataset
    validation: Dataset
    test: Dataset
    # "channel" when the split came in its own channel, else "train channel split".
    origin: dict[str, str]


def _split(data: Dataset, held_out: float, seed: int) -> tuple[Dataset, Dataset]:
    X_keep, X_out, y_keep, y_out = train_test_split(
        data.X, data.y, test_size=held_out, stratify=data.y, random_state=seed
    )
    return (
        Dataset(X=X_keep.reset_index(drop=True), y=pd.Series(y_keep).reset_index(drop=True)),
        Dataset(X=X_out.reset_index(drop=True), y=pd.Series(y_out).reset_index(drop=True)),
    )


def make_splits(train: Dataset, validation: Dataset | None, test: Dataset | None, hp: Hyperparameters) -> Splits:
    need_validation = validation is None
    need_test = test is None
    if need_validation and need_test and hp.test_size + hp.validation_size >= 1.0:
        raise HyperparameterError(
            f"--test_size {hp.test_size} plus --validation_size {hp.validation_size} leaves no training "
            "rows; their sum must be below 1"
        )
    parts = ["train"] + (["validation"] if need_validation else []) + (["test"] if need_test else [])
    origin = {
        "validation": "train channel split" if need_validation else "channel",
        "test": "train channel split" if need_test else "channel",
    }
    rest = train
    if test is None:
        check_stratifiable(rest.y, hp.test_size, parts, "the train channel", "test_size")
        rest, test = _split(rest, hp.test_size, hp.seed)
    if validation is None:
        # The validation share is of the whole train channel, so rescale it to what is left.
        relative = hp.validation_size / (1.0 - hp.test_size) if need_test else hp.validation_size
        source = "the train channel after the test split" if need_test else "the train channel"
        check_stratifiable(rest.y, relative, ["train", "validation"], source, "validation_size")
        rest, validation = _split(rest, relative, hp.seed)
    return Splits(train=rest, validation=validation, test=test, origin=origin)
