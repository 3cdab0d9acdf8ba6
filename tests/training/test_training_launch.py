"""The managed-training launcher, dry run only.

The dry run builds the request with the SDK v3 configuration classes (SourceCode, Compute, InputData,
MetricDefinition) and the SDK's offline image catalogue. It cannot prove AWS accepts the job: that needs
an account, a role and data in S3, and no test here ever calls AWS (fake credentials, no submit).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from training_support import REPO, clean_environ

from training import launch

ENVIRON = {"AWS_REGION": "eu-west-1"}


def test_dry_run_prints_the_job_request(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--train",
        "s3://bucket/penguins/train/",
        "--test",
        "s3://bucket/penguins/test/",
        "-H",
        "n_estimators=200",
        "-H",
        'estimator="gradient_boosting"',
        "-H",
        "max_depth=none",
        "--role",
        "arn:aws:iam::123456789012:role/training",
        "--dry-run",
    ]
    assert launch.main(argv, environ=ENVIRON) == 0
    request = json.loads(capsys.readouterr().out)
    staged = Path(request["source_code"].pop("source_dir"))
    assert staged.name == "code"
    assert not staged.exists()  # a temporary directory, removed once the request is sent
    metric_names = [f"{s}:{m}" for s in ("validation", "test") for m in ("accuracy", "macro_f1", "roc_auc")]
    assert request == {
        "region": "eu-west-1",
        "role": "arn:aws:iam::123456789012:role/training",
        "base_job_name": "penguins-sklearn",
        "training_image": "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3",
        "source_code": {"entry_script": "train.py", "ignore_patterns": launch.IGNORE_PATTERNS},
        "source_files": [
            "__init__.py",
            "baseline.py",
            "code_backend.py",
            "code_pyproject.toml",
            "contract.py",
            "errors.py",
            "evaluate.py",
            "fastpath.py",
            "fastpath_check.py",
            "features.py",
            "hyperparameters.py",
            "inference.py",
            "monitoring/__init__.py",
            "monitoring/baseline.py",
            "monitoring/errors.py",
            "package.py",
            "split.py",
            "train.py",
            "validation.py",
        ],
        "compute": {"instance_type": "ml.m5.large", "instance_count": 1, "volume_size_in_gb": 30},
        "hyperparameters": {"n_estimators": 200, "estimator": "gradient_boosting", "max_depth": None},
        "input_data_config": [
            {"channel_name": "train", "data_source": "s3://bucket/penguins/train/"},
            {"channel_name": "test", "data_source": "s3://bucket/penguins/test/"},
        ],
        "metric_definitions": [{"name": name, "regex": f"{name}=([0-9]+\\.[0-9]{{6}})"} for name in metric_names],
    }


@pytest.mark.parametrize(
    ("argv", "environ", "message"),
    [
        (
            ["--train", "data/penguins.csv", "--dry-run"],
            ENVIRON,
            "--train must be an s3:// URI (got 'data/penguins.csv'); upload the CSV files to S3 first",
        ),
        (["--train", "s3://b/t", "--dry-run"], {}, "no AWS region: pass --region or set AWS_REGION"),
        (
            ["--train", "s3://b/t"],
            ENVIRON,
            "--role is required to start a training job (an IAM role ARN SageMaker can assume); or pass "
            "--stack-outputs to use the stack's training role",
        ),
        (
            ["--train", "s3://b/t", "-H", "max_depth=deep", "--dry-run"],
            ENVIRON,
            "argument -H/--hyperparameter: max_depth: expected an integer, got 'deep'; "
            "run launch.py --help for the accepted flags",
        ),
        (
            ["--train", "s3://b/t", "-H", "depth=3", "--dry-run"],
            ENVIRON,
            "argument -H/--hyperparameter: expected NAME=VALUE with NAME one of estimator, n_estimators, "
            "max_depth, min_samples_leaf, seed, min_f1, target, test_size, validation_size, got 'depth=3'; "
            "run launch.py --help for the accepted flags",
        ),
        (
            ["--train", "s3://b/t", "--instance-type", "ml.g5.xlarge", "--dry-run"],
            ENVIRON,
            "--instance-type ml.g5.xlarge: the SageMaker scikit-learn image runs on CPU instances only; "
            "use a CPU type such as ml.m5.large",
        ),
        (
            ["--train", "s3://b/t", "--region", "xx-west-9", "--dry-run"],
            ENVIRON,
            "no scikit-learn training image for region xx-west-9 and instance type ml.m5.large "
            "(Unsupported region: xx-west-9); check --region and --instance-type (default ml.m5.large)",
        ),
    ],
)
def test_launch_user_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], environ: dict[str, str], message: str
) -> None:
    assert launch.main(argv, environ=environ) == 2
    assert capsys.readouterr().err == f"launch failed: {message}\n"


@pytest.mark.slow
def test_importing_the_launcher_does_not_import_the_sdk() -> None:
    """Some SDK v3 modules create boto3 clients at import; the training package must not trigger that."""
    code = (
        "import sys, training.launch, training.train; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sagemaker'))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=clean_environ(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "[]\n"


def _relative_imports(module: Path) -> set[str]:
    """File names of the sibling modules ``module`` imports with ``from . import x`` / ``from .x import``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                names.add(f"{node.module}.py")
            else:
                names.update(f"{alias.name}.py" for alias in node.names)
    return names


def test_staged_source_is_train_py_its_imports_and_the_packed_code_files_only() -> None:
    """The closure of train.py's relative imports, plus what package.py copies into code/; no launcher,
    no local server. Cannot see imports hidden in strings (importlib)."""
    training = REPO / "training"
    closure, todo = {"train.py"}, ["train.py"]
    while todo:
        for name in _relative_imports(training / todo.pop()) - closure:
            closure.add(name)
            todo.append(name)
    packed = {source.name for source in launch.CODE_FILES.values()}
    monitoring = {"monitoring/__init__.py", "monitoring/baseline.py", "monitoring/errors.py"}
    assert set(launch.staged_files()) == closure | packed | {"__init__.py"} | monitoring
    assert {"launch.py", "serve.py", "smoke.py"}.isdisjoint(launch.staged_files())
