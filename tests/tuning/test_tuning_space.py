"""The search space file: the shipped one parses to what the executors run; bad ones are one-line errors.

These tests prove the checks run before any trial or job (nothing is created in --out, no process but
the CLI starts). They cannot prove SageMaker would refuse exactly the same spaces: the rules come from
the API reference (scaling limits, MaxNumberOfTrainingJobsNotImproving >= 3, MaxRuntimeInSeconds
120..15768000), and botocore's model only checks the numeric minimums.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from training.tuning import __main__ as cli
from training.tuning import space

REPO = Path(__file__).resolve().parents[2]


def valid_document() -> dict[str, Any]:
    return {
        "strategy": "Bayesian",
        "budget": {"max_jobs": 4, "max_parallel_jobs": 2},
        "parameters": {
            "estimator": {"type": "categorical", "values": ["random_forest", "logistic_regression"]},
            "n_estimators": {"type": "integer", "min_value": 10, "max_value": 200, "scaling": "Logarithmic"},
        },
    }


def test_the_shipped_search_space() -> None:
    loaded = space.load(space.DEFAULT_PATH)
    assert loaded.strategy == "Bayesian"
    assert loaded.random_seed == 7
    assert loaded.objective.metric == "validation:macro_f1"
    assert loaded.objective.type == "Maximize"
    assert loaded.objective.regex() == "validation:macro_f1=([0-9]+\\.[0-9]{6})"
    assert loaded.budget.model_dump() == {
        "max_jobs": 16,
        "max_parallel_jobs": 2,
        "max_runtime_seconds": None,
        "stop_after_jobs_not_improving": 8,
        "target_objective": None,
        "training_job_early_stopping": "Off",
    }
    assert {name: spec.model_dump() for name, spec in loaded.parameters.items()} == {
        "estimator": {"type": "categorical", "values": ["random_forest", "gradient_boosting", "logistic_regression"]},
        "n_estimators": {"type": "integer", "min_value": 20, "max_value": 400, "scaling": "Logarithmic"},
        "max_depth": {"type": "integer", "min_value": 2, "max_value": 12, "scaling": "Linear"},
        "min_samples_leaf": {"type": "integer", "min_value": 1, "max_value": 8, "scaling": "Linear"},
    }
    assert loaded.static_hyperparameters() == {"min_f1": "0.9"}
    assert loaded.default_hyperparameters() == {
        "estimator": "random_forest",
        "n_estimators": "100",
        "max_depth": "null",
        "min_samples_leaf": "1",
        "min_f1": "0.9",
    }
    assert loaded.trial_count() == 16


def test_grid_runs_every_combination_and_yaml_off_means_off() -> None:
    document = {
        "strategy": "Grid",
        "budget": {"max_parallel_jobs": 2, "training_job_early_stopping": False},
        "parameters": {
            "estimator": {"type": "categorical", "values": ["random_forest", "logistic_regression"]},
            "max_depth": {"type": "categorical", "values": [3, 5, "none"]},
        },
    }
    parsed = space.parse(document, "grid.yaml")
    assert parsed.trial_count() == 6
    assert parsed.budget.training_job_early_stopping == "Off"
    assert parsed.parameters["max_depth"].model_dump() == {"type": "categorical", "values": [3, 5, "none"]}


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    document = valid_document()
    target = document
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    return document


N_EST = ("parameters", "n_estimators")
BAD_SPACES = [
    (
        _with(N_EST, {"type": "integer", "min_value": 300, "max_value": 20}),
        "parameters.n_estimators: min_value 300 > max_value 20; swap them",
    ),
    (
        _with(N_EST, {"type": "integer", "min_value": 0, "max_value": 20, "scaling": "Logarithmic"}),
        "parameters.n_estimators: Logarithmic scaling needs min_value > 0 (got 0); use Linear or raise min_value",
    ),
    (
        _with(("parameters", "depth"), {"type": "integer", "min_value": 1, "max_value": 3}),
        "parameters.depth: not a train.py hyperparameter; tunable: estimator, n_estimators, max_depth, "
        "min_samples_leaf",
    ),
    (
        _with(("parameters", "estimator"), {"type": "categorical", "values": []}),
        "parameters.estimator.values: values is empty; list at least one value",
    ),
    (_with(("budget", "max_jobs"), 0), "budget: max_jobs must be >= 1 (got 0)"),
    (_with(("budget", "max_parallel_jobs"), 0), "budget: max_parallel_jobs must be >= 1 (got 0)"),
    (
        _with(N_EST, {"type": "integer", "min_value": 0, "max_value": 20}),
        "train.py refuses 0 (must be >= 1, got '0')",
    ),
    (
        _with(N_EST, {"type": "integer", "min_value": 1, "max_value": 20, "scaling": "ReverseLogarithmic"}),
        "parameters.n_estimators: ReverseLogarithmic scaling is only for continuous ranges (SageMaker refuses it here)",
    ),
    (
        _with(N_EST, {"type": "continuous", "min_value": 1, "max_value": 20}),
        "parameters.n_estimators: n_estimators takes integer values, not continuous; use type: integer "
        "(or categorical)",
    ),
    (
        _with(("parameters", "seed"), {"type": "integer", "min_value": 1, "max_value": 3}),
        "parameters.seed: fixes the data split, label or gate, so trials would be scored on different terms; "
        "set it under static instead (tunable: estimator, n_estimators, max_depth, min_samples_leaf)",
    ),
    (
        _with(N_EST, {"type": "integer", "min_value": 1, "max_value": 20, "scale": "Linear"}),
        "parameters.n_estimators.scale: unknown key; check its spelling against the documented keys",
    ),
    (
        _with(N_EST, {"min_value": 1, "max_value": 20}),
        "parameters.n_estimators: needs a type (integer, continuous or categorical)",
    ),
    (_with(("strategy",), "Hyperband"), "strategy Hyperband allocates training by intermediate objective values"),
    (
        _with(("budget", "training_job_early_stopping"), "Auto"),
        "budget: training_job_early_stopping Auto stops jobs from intermediate objective values",
    ),
    (_with(("budget", "stop_after_jobs_not_improving"), 2), "budget: stop_after_jobs_not_improving must be >= 3"),
    (_with(("budget", "max_runtime_seconds"), 60), "budget: max_runtime_seconds must be between 120 and 15768000"),
    (
        _with(("strategy",), "Grid"),
        "strategy Grid needs categorical ranges only (n_estimators are not); list their values or use Bayesian",
    ),
    (
        _with(("objective", "metric"), "validation:f1"),
        "objective.metric: 'validation:f1' is not a metric the launcher declares; use one of validation:accuracy, "
        "validation:macro_f1, validation:roc_auc, test:accuracy, test:macro_f1, test:roc_auc",
    ),
    (_with(("static", "depth"), 3), "static.depth: not a train.py hyperparameter"),
    (_with(("static", "n_estimators"), 3), "static.n_estimators: also a tuned parameter; keep it in one place"),
    (_with(("budget",), {"max_parallel_jobs": 1}), "budget.max_jobs is required with strategy Bayesian"),
]


@pytest.mark.parametrize(("document", "message"), BAD_SPACES)
def test_bad_search_spaces_are_one_line_errors(document: dict[str, Any], message: str) -> None:
    with pytest.raises(space.SearchSpaceError) as caught:
        space.parse(document, "s.yaml")
    text = str(caught.value)
    assert text.startswith("s.yaml: ")
    assert message in text
    assert "\n" not in text


def _run_cli(tmp_path: Path, document: object, *command: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "space.yaml"
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SM_")}
    return subprocess.run(
        [sys.executable, "-m", "training.tuning", "--space", str(path), *command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("document", "line"),
    [
        (BAD_SPACES[0][0], "parameters.n_estimators: min_value 300 > max_value 20; swap them"),
        (
            BAD_SPACES[1][0],
            "parameters.n_estimators: Logarithmic scaling needs min_value > 0 (got 0); use Linear or raise min_value",
        ),
        (BAD_SPACES[2][0], BAD_SPACES[2][1]),
        (BAD_SPACES[3][0], BAD_SPACES[3][1]),
        (BAD_SPACES[4][0], BAD_SPACES[4][1]),
        ("parameters: [\n", "line 2: not valid YAML; fix the syntax"),
    ],
)
def test_the_cli_refuses_bad_spaces_before_any_trial(tmp_path: Path, document: object, line: str) -> None:
    """Exit code 2, exactly one stderr line, nothing written: the local executor never started."""
    out = tmp_path / "out"
    completed = _run_cli(tmp_path, document, "local", "--out", str(out))
    path = tmp_path / "space.yaml"
    assert completed.returncode == 2
    assert completed.stderr == f"tuning failed: {path}: {line}\n"
    assert completed.stdout == ""
    assert not out.exists()


def test_missing_space_file_and_bad_flags(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert cli.main(["--space", str(missing), "check"]) == 2
    assert capsys.readouterr().err == f"tuning failed: {missing}: no such search space file; pass --space <file>\n"
    assert cli.main(["local", "--budget", "3"]) == 2
    assert capsys.readouterr().err == (
        "tuning failed: unrecognized arguments: --budget 3; run python -m training.tuning --help for the accepted "
        "flags\n"
    )


def test_check_prints_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check"]) == 0
    assert capsys.readouterr().out == (
        f"{space.DEFAULT_PATH}: Bayesian search of estimator, n_estimators, max_depth, min_samples_leaf, 16 jobs\n"
    )
