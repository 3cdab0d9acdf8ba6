"""The serving fast path: same probabilities as ``Pipeline.predict_proba``, refused when it is not.

Pipelines are fitted in-process by ``features.build_pipeline`` on the bundled penguins data, with few
trees to keep the suite quick. These tests cannot prove equality on data with other feature kinds or
scikit-learn versions other than the installed one; packaging re-checks every artifact on its own data.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from training_support import PENGUINS, Trainings, listing, penguin_lines

from training import fastpath, fastpath_check, features, inference, train, validation
from training.hyperparameters import Hyperparameters

ESTIMATORS = ("random_forest", "gradient_boosting", "logistic_regression")


def _dataset() -> validation.Dataset:
    table = validation.load_channel("train", PENGUINS)
    return validation.to_dataset(table, validation.infer_schema(table, "species"))


DATA = _dataset()
SCHEMA = validation.infer_schema(validation.load_channel("train", PENGUINS), "species")


@pytest.fixture(scope="module")
def fitted() -> dict[str, Pipeline]:
    pipelines = {}
    for estimator in ESTIMATORS:
        hp = Hyperparameters(estimator=estimator, n_estimators=10)
        pipelines[estimator] = features.freeze_for_serving(
            features.build_pipeline(SCHEMA, hp, n_jobs=1).fit(DATA.X, DATA.y)
        )
    return pipelines


def columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return fastpath_check._columns(frame)


def batches(frame: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    return [frame.iloc[start : start + size] for start in range(0, len(frame), size)]


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("size", [1, 8, 64, 500])
def test_evaluator_equals_predict_proba_on_training_and_edge_rows(
    fitted: dict[str, Pipeline], estimator: str, size: int
) -> None:
    """Batches of 1 and 8 rows walk all trees together in numpy; 64 and more use each tree's ``apply``."""
    pipeline = fitted[estimator]
    evaluator = fastpath.build(pipeline)
    assert evaluator is not None
    edges = fastpath_check.edge_rows(DATA.X)
    finite = edges[(edges.select_dtypes("float64").abs().fillna(0) < 1e30).all(axis=1)]
    rows = pd.concat([DATA.X, finite], ignore_index=True)
    if size == 1:  # one predict_proba call per row: every fourth row keeps the suite quick
        rows = rows.iloc[::4]
    for batch in batches(rows, size):
        fast = evaluator.predict_proba(columns(batch))
        assert fast is not None
        expected = pipeline.predict_proba(batch)
        assert fast.shape == expected.shape
        assert float(np.max(np.abs(fast - expected))) <= fastpath_check.TOLERANCE
        assert fast.argmax(axis=1).tolist() == expected.argmax(axis=1).tolist()


@pytest.mark.parametrize("estimator", ["random_forest", "gradient_boosting"])
def test_trees_decline_a_number_that_overflows_float32(fitted: dict[str, Pipeline], estimator: str) -> None:
    """scikit-learn's trees refuse such a row; the evaluator leaves it to them instead of answering."""
    row = DATA.X.iloc[[0]].copy()
    row["body_mass_g"] = 1e300
    evaluator = fastpath.build(fitted[estimator])
    assert evaluator is not None
    assert evaluator.predict_proba(columns(row)) is None
    with pytest.raises(ValueError, match="too large for dtype"), np.errstate(over="ignore"):
        fitted[estimator].predict_proba(row)


def test_check_compares_every_training_row_and_the_edge_rows_the_evaluator_answers(
    fitted: dict[str, Pipeline],
) -> None:
    edges = fastpath_check.edge_rows(DATA.X)
    # 1 base row + 1 all-missing row; per numeric feature (5): missing, min, max and 13 extremes; per
    # categorical (island: 3 known, sex: 2 known): missing, unseen, "42" and each known category.
    assert len(edges) == 2 + 5 * 16 + (3 + 3) + (3 + 2)
    report = fastpath_check.check(fitted["random_forest"], DATA.X)
    # 1e300, -1e300 and 1.7e308 overflow float32 in each numeric feature: those 15 single-row batches are
    # declined; the other 78 edge rows are compared alone and as one group, the 344 training rows once.
    assert report == fastpath_check.Report(rows=344 + 78 + 78, declined=15)


def _altering_one_tree(real: Any) -> Any:
    def altered(trees: Sequence[Any], width: int) -> fastpath._Forest:
        forest: fastpath._Forest = real(trees, width)
        if width > 1:  # the forest's class fractions: reverse the classes of the second tree's nodes
            start, stop = forest.roots[1], forest.roots[2]
            forest.values[start:stop] = forest.values[start:stop, ::-1].copy()
        return forest

    return altered


def test_check_refuses_a_fast_path_with_one_tree_altered(
    fitted: dict[str, Pipeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastpath, "_forest", _altering_one_tree(fastpath._forest))
    with pytest.raises(fastpath_check.FastPathMismatchError) as raised:
        fastpath_check.check(fitted["random_forest"], DATA.X)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("serving fast path disagrees with predict_proba on edge row 1: max |probability ")
    assert message.endswith(
        " > 1e-12; the artifact was not published (fix training/fastpath.py, or make fastpath.build "
        "return None for this model)"
    )


def test_training_fails_in_one_line_and_publishes_nothing_when_the_fast_path_disagrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The packaging step of a real run (train.main in-process); exit code 4: the environment failed."""
    monkeypatch.setattr(fastpath, "_forest", _altering_one_tree(fastpath._forest))
    build = tmp_path / "build"
    argv = ["--train", str(PENGUINS), "--n_estimators", "10", "--model-dir", str(build / "model")]
    argv += ["--output-data-dir", str(build), "--artifact", str(build / "model.tar.gz")]
    assert train.main(argv, environ={}) == 4
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 1
    assert errors[0].startswith("training failed: serving fast path disagrees with predict_proba on edge row 1: ")
    assert [path for path in listing(build) if path.startswith("model")] == []


def _numeric_and_categorical(numeric: Pipeline, categorical: Pipeline) -> ColumnTransformer:
    names = [f.name for f in SCHEMA.features]
    return ColumnTransformer(
        [
            ("numeric", numeric, [n for n in names if n not in ("island", "sex")]),
            ("categorical", categorical, ["island", "sex"]),
        ]
    )


def _scaled() -> Pipeline:
    return Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])


def _encoded(**encoder: Any) -> Pipeline:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value="__missing__")),
            ("encode", OneHotEncoder(sparse_output=False, **encoder)),
        ]
    )


UNCOVERED = {
    "other-estimator": lambda: Pipeline(
        [
            ("preprocess", _numeric_and_categorical(_scaled(), _encoded(handle_unknown="ignore"))),
            ("model", ExtraTreesClassifier(n_estimators=3, random_state=0)),
        ]
    ),
    "unknown-category-is-an-error": lambda: Pipeline(
        [
            ("preprocess", _numeric_and_categorical(_scaled(), _encoded(handle_unknown="error"))),
            ("model", features.build_estimator(Hyperparameters(n_estimators=3), n_jobs=1)),
        ]
    ),
    "missing-indicator-columns": lambda: Pipeline(
        [
            (
                "preprocess",
                _numeric_and_categorical(
                    Pipeline([("impute", SimpleImputer(add_indicator=True)), ("scale", StandardScaler())]),
                    _encoded(handle_unknown="ignore"),
                ),
            ),
            ("model", features.build_estimator(Hyperparameters(n_estimators=3), n_jobs=1)),
        ]
    ),
    "dropped-first-category": lambda: Pipeline(
        [
            ("preprocess", _numeric_and_categorical(_scaled(), _encoded(handle_unknown="ignore", drop="first"))),
            ("model", features.build_estimator(Hyperparameters(n_estimators=3), n_jobs=1)),
        ]
    ),
}


@pytest.mark.parametrize("make", UNCOVERED.values(), ids=UNCOVERED.keys())
def test_build_returns_none_for_a_pipeline_it_does_not_cover(make: Any) -> None:
    """None means the endpoint serves ``predict_proba`` alone; it cannot prove every other shape is refused."""
    pipeline = make().fit(DATA.X, DATA.y)
    assert fastpath.build(pipeline) is None
    assert fastpath_check.check(pipeline, DATA.X) is None


def test_the_served_model_answers_through_the_evaluator_with_the_pipeline_numbers(trainings: Trainings) -> None:
    """Every penguin row (missing values included) through the handlers, with and without the evaluator."""
    model = inference.model_fn(str(trainings.first.model_dir))
    assert type(model.fast).__name__ == "Evaluator"
    assert type(model.fast).__module__ == "training.fastpath"  # the container imports it as top-level "fastpath"
    body = "\n".join(penguin_lines()).encode()
    fast = inference.predict_fn(inference.input_fn(body, "text/csv"), model)
    slow = inference.predict_fn(inference.input_fn(body, "text/csv"), dataclasses.replace(model, fast=None))
    assert isinstance(fast, inference.Prediction)
    assert isinstance(slow, inference.Prediction)
    assert len(fast.labels) == 344
    assert fast.labels == slow.labels
    assert float(np.max(np.abs(fast.probabilities - slow.probabilities))) <= fastpath_check.TOLERANCE


COLUMN_PAYLOADS = {
    "csv-markers-and-spaces": inference.Payload(
        rows=[
            ["Biscoe", " 40.1 ", "NA", "", "N/A", "male", "2008"],
            [" NA ", "null", "17", "190", "3500", " female", "NaN"],
            ["Dream", "1_000", "1e3", "-0", "3500", "", "2009"],
        ],
        csv=True,
    ),
    "csv-header-with-a-repeated-name": inference.Payload(
        rows=[
            ["island", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year"],
            ["Biscoe", "Dream", "40", "17", "190", "3500", "male", "2008"],
        ],
        csv=True,
    ),
    "json-nulls-numbers-and-text": inference.Payload(
        records=[
            {
                "island": None,
                "bill_length_mm": "39.5",
                "bill_depth_mm": None,
                "flipper_length_mm": 190,
                "body_mass_g": float("nan"),
                "sex": 3,
                "year": "NA",
            },
            {
                "island": " Dream ",
                "bill_length_mm": 41,
                "bill_depth_mm": 18.5,
                "flipper_length_mm": "N/A",
                "body_mass_g": 3900.0,
                "sex": "female",
                "year": 2008,
            },
        ]
    ),
}


@pytest.mark.parametrize("payload", COLUMN_PAYLOADS.values(), ids=COLUMN_PAYLOADS.keys())
def test_column_parsing_gives_the_per_row_frame(trainings: Trainings, payload: inference.Payload) -> None:
    model = inference.model_fn(str(trainings.first.model_dir))
    by_column = inference.to_columns(payload, model)
    by_row = inference.to_frame(payload, model)
    assert list(by_column) == list(by_row.columns)
    for name, kind in model.features:
        expected = by_row[name].to_numpy()
        if kind == "numeric":
            assert by_column[name].dtype == np.float64
            np.testing.assert_array_equal(by_column[name], expected)
        else:
            assert by_column[name].dtype == object
            assert [v if v == v else "NaN!" for v in by_column[name]] == [v if v == v else "NaN!" for v in expected]


def test_column_parsing_of_a_repeated_header_name_takes_its_last_column(trainings: Trainings) -> None:
    model = inference.model_fn(str(trainings.first.model_dir))
    by_column = inference.to_columns(COLUMN_PAYLOADS["csv-header-with-a-repeated-name"], model)
    assert by_column["island"].tolist() == ["Dream"]


@pytest.mark.parametrize(
    "classes",
    [("Adelie", "Chinstrap", "Gentoo"), ('say "%r"', "100%", "Pingüino")],
    ids=["penguins", "quotes-percent-unicode"],
)
def test_json_answer_is_byte_for_byte_what_json_dumps_writes(classes: tuple[str, ...]) -> None:
    """The row-by-row formatting must stay equal to ``json.dumps`` of the records it replaced."""
    probabilities = np.array([[1.0, 0.0, 0.0], [0.1, 0.2, 0.7], [1 / 3, 1 / 3, 1 / 3], [5e-324, 0.5, 0.5]])
    labels = [classes[i] for i in probabilities.argmax(axis=1).tolist()]
    prediction = inference.Prediction(labels=labels, probabilities=probabilities, classes=classes)
    body, content_type = inference.output_fn(prediction, "application/json")
    records = [
        {"label": label, "probabilities": {c: float(p) for c, p in zip(classes, row, strict=True)}}
        for label, row in zip(labels, probabilities, strict=True)
    ]
    assert (body, content_type) == (json.dumps(records), "application/json")
