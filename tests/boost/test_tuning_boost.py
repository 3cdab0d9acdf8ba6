"""Tuning the XGBoost family: the search space file, the local executor over the twin, the managed request.

What these cannot prove: how SageMaker's Bayesian search picks trials (the local one is Optuna's TPE),
nor that the tuning job runs (no AWS account; the request is validated against botocore's model).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.tuning import boost as tuning
from training.tuning.space import SearchSpaceError

PENGUINS = Path(__file__).resolve().parents[2] / "data" / "penguins.csv"
MANAGED = [
    "managed",
    "--train",
    "s3://bucket/data/xgboost/train/",
    "--validation",
    "s3://bucket/data/xgboost/validation/",
    "--output",
    "s3://bucket/training-output/",
    "--region",
    "eu-west-1",
    "--dry-run",
]


def _space(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "space.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """
objective: {metric: validation:mlogloss, type: Minimize}
random_seed: 3
budget: {max_jobs: 3}
parameters:
  eta: {type: continuous, min_value: 0.1, max_value: 0.4, scaling: Logarithmic}
  max_depth: {type: integer, min_value: 2, max_value: 5}
static: {num_round: 60}
"""


def test_the_bundled_space_loads() -> None:
    space = tuning.load(tuning.DEFAULT_PATH)
    assert (space.objective.metric, space.objective.type, space.budget.max_jobs) == (
        "validation:mlogloss",
        "Minimize",
        12,
    )
    assert sorted(space.parameters) == ["eta", "max_depth", "min_child_weight", "subsample"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("max_depth: {type: integer", "depth: {type: integer"),
            "depth: not a tunable hyperparameter; accepted: num_round, eta, max_depth, min_child_weight, "
            "subsample, colsample_bytree, reg_lambda, early_stopping_rounds",
        ),
        (("type: Minimize", "type: Maximize"), "objective: validation:mlogloss is to Minimize, not Maximize"),
        (
            ("validation:mlogloss", "validation:macro_f1"),
            "objective.metric: 'validation:macro_f1' is not a metric this project reads; use one of "
            "validation:mlogloss, validation:merror",
        ),
        (
            ("max_depth: {type: integer", "max_depth: {type: continuous"),
            "parameters.max_depth: must be an integer range",
        ),
        (("num_round: 60", "num_round: 0"), "num_round must be a whole number from 1 to 10000, got 0"),
    ],
)
def test_bad_space_is_one_line(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(SearchSpaceError) as caught:
        tuning.load(_space(tmp_path, BASE.replace(*change)))
    assert str(caught.value) == f"{tmp_path / 'space.yaml'}: {message}"


def test_managed_request_for_the_algorithm(capsys: pytest.CaptureFixture[str]) -> None:
    assert tuning.main(MANAGED) == 0
    request = json.loads(capsys.readouterr().out)
    config = request["HyperParameterTuningJobConfig"]
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Minimize", "MetricName": "validation:mlogloss"}
    assert [r["Name"] for r in config["ParameterRanges"]["ContinuousParameterRanges"]] == [
        "eta",
        "min_child_weight",
        "subsample",
    ]
    assert config["ParameterRanges"]["IntegerParameterRanges"] == [
        {"Name": "max_depth", "MinValue": "2", "MaxValue": "8", "ScalingType": "Linear"}
    ]
    definition = request["TrainingJobDefinition"]
    assert "MetricDefinitions" not in definition["AlgorithmSpecification"]
    static = definition["StaticHyperParameters"]
    assert {k: static[k] for k in ("objective", "num_class", "eval_metric", "num_round")} == {
        "objective": "multi:softprob",
        "num_class": "3",
        "eval_metric": "merror,mlogloss",
        "num_round": "200",
    }
    assert not {"eta", "max_depth", "min_child_weight", "subsample"} & set(static)


def test_objective_is_read_with_the_algorithms_expression() -> None:
    log = ["[4]#011train-mlogloss:0.10000#011validation-mlogloss:0.20000", "[5]#011validation-mlogloss:0.1500"]
    assert tuning.read_objective(log, tuning.load(tuning.DEFAULT_PATH).objective.regex()) == 0.15
    assert tuning.read_objective(["no metrics here"], r".*#011validation-mlogloss:(\S+)") is None


@pytest.mark.slow
def test_local_search_over_the_twin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    space = _space(tmp_path, BASE)
    assert tuning.main(["--space", str(space), "local", "--data", str(PENGUINS), "--out", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert len(report["trials"]) == 3
    assert report["best"] == min(report["trials"], key=lambda t: t["objective"])
    out = capsys.readouterr().out
    assert out.startswith(f"best of 3 trials: validation:mlogloss={report['best']['objective']} with eta=")
