"""The SM_* contract object and hyperparameter flag parsing (pure functions, no training).

These prove how we read the variables; they cannot prove SageMaker sets them as documented (the
variable names and JSON encodings were checked against the installed SDK v3 driver, not a live job).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training import contract, train
from training.errors import HyperparameterError
from training.hyperparameters import Hyperparameters


def test_local_defaults_when_no_sm_variable_is_set() -> None:
    env = contract.SageMakerEnv.from_environ({"HOME": "/root"})
    assert env.under_contract is False
    assert env.model_dir == Path("build/model")
    assert env.output_data_dir == Path("build")
    assert (env.channel_train, env.channel_validation, env.channel_test) == (None, None, None)
    assert env.channels == ()
    assert dict(env.hyperparameters) == {}
    assert env.current_host == "local"
    assert env.failure_file is None
    assert env.default_artifact == Path("build/model.tar.gz")


def test_contract_variables_are_read_once_into_the_object() -> None:
    env = contract.SageMakerEnv.from_environ(
        {
            "SM_MODEL_DIR": "/opt/ml/model",
            "SM_OUTPUT_DATA_DIR": "/opt/ml/output/data",
            "SM_CHANNEL_TRAIN": "/opt/ml/input/data/train",
            "SM_CHANNEL_TEST": "/opt/ml/input/data/test",
            "SM_CHANNELS": json.dumps(["code", "sm_drivers", "test", "train"]),
            "SM_HPS": json.dumps({"max_depth": 4}),
            "SM_NUM_CPUS": "4",
            "SM_CURRENT_HOST": "algo-1",
        }
    )
    assert env.under_contract is True
    assert env.model_dir == Path("/opt/ml/model")
    assert env.output_data_dir == Path("/opt/ml/output/data")
    assert env.channel_train == Path("/opt/ml/input/data/train")
    assert env.channel_validation is None
    assert env.channel_test == Path("/opt/ml/input/data/test")
    assert env.channels == ("code", "sm_drivers", "test", "train")
    assert env.unknown_channels() == ()
    assert dict(env.hyperparameters) == {"max_depth": 4}
    assert env.num_cpus == 4
    assert env.current_host == "algo-1"
    assert env.failure_file == Path("/opt/ml/output/failure")
    assert env.default_artifact is None
    with pytest.raises(AttributeError):
        env.model_dir = Path("elsewhere")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"SM_OUTPUT_FAILURE": "/x/failure", "SM_OUTPUT_DIR": "/y"}, Path("/x/failure")),
        ({"SM_OUTPUT_DIR": "/y", "SM_OUTPUT_DATA_DIR": "/z/data"}, Path("/y/failure")),
        ({"SM_OUTPUT_DATA_DIR": "/z/data"}, Path("/z/failure")),
        ({"SM_CURRENT_HOST": "algo-1"}, Path("/opt/ml/output/failure")),
    ],
)
def test_failure_file_path(environ: dict[str, str], expected: Path | None) -> None:
    assert contract.failure_file_path(environ) == expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {}),
        (["--max_depth", "5"], {"max_depth": 5}),
        (["--max_depth", '"5"'], {"max_depth": 5}),
        (["--max_depth", "null"], {"max_depth": None}),
        (["--max_depth", "none"], {"max_depth": None}),
        (["--n_estimators", "10.0"], {"n_estimators": 10}),
        (["--estimator", "gradient_boosting"], {"estimator": "gradient_boosting"}),
        (["--estimator", '"logistic_regression"'], {"estimator": "logistic_regression"}),
        (["--min_f1", "0.95"], {"min_f1": 0.95}),
        (["--min_f1", '"0.8"'], {"min_f1": 0.8}),
        (["--target", '"island"'], {"target": "island"}),
        (["--test_size", "0.3", "--validation_size", "0.1"], {"test_size": 0.3, "validation_size": 0.1}),
        (["--seed", "0"], {"seed": 0}),
    ],
)
def test_hyperparameter_flags_accept_plain_and_json_encoded_values(
    argv: list[str], expected: dict[str, object]
) -> None:
    env = contract.SageMakerEnv.from_environ({})
    parsed = train.parse_args(argv, env).hyperparameters
    assert parsed == Hyperparameters(**expected)  # type: ignore[arg-type]


def test_sm_hps_provides_defaults_and_flags_override_them() -> None:
    env = contract.SageMakerEnv.from_environ(
        {"SM_HPS": json.dumps({"n_estimators": 7, "estimator": "logistic_regression", "seed": 5})}
    )
    parsed = train.parse_args(["--seed", "6"], env)
    assert parsed.hyperparameters == Hyperparameters(n_estimators=7, estimator="logistic_regression", seed=6)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--n_estimators", "0"], "argument --n_estimators: must be >= 1, got '0'"),
        (["--seed", "true"], "argument --seed: expected an integer, got 'true'"),
        (["--test_size", "1.5"], "argument --test_size: must be between 0 and 1 (exclusive), got '1.5'"),
        (["--min_f1", "-0.1"], "argument --min_f1: must be between 0 and 1 (a macro F1), got '-0.1'"),
        (["--min_f1", "2"], "argument --min_f1: must be between 0 and 1 (a macro F1), got '2'"),
        (["--min_f1", "NaN"], "argument --min_f1: expected a number, got 'NaN'"),
        (["--target", '""'], "argument --target: expected a non-empty name, got '\"\"'"),
    ],
)
def test_out_of_range_hyperparameters_are_user_errors(argv: list[str], message: str) -> None:
    env = contract.SageMakerEnv.from_environ({})
    with pytest.raises(HyperparameterError) as raised:
        train.parse_args(argv, env)
    assert str(raised.value) == f"{message}; run train.py --help for the accepted flags"
