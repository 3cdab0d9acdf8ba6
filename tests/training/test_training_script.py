"""train.py run as a script, the way SageMaker script mode and `make train` run it.

These tests emulate the container with SM_* variables pointing at temporary directories. They cannot
prove the real SageMaker scikit-learn image runs the script (that needs an AWS account); they do prove
the contract on our side: paths, hyperparameter flags, source dir used alone, outputs, failure file.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from training_support import (
    PENGUINS,
    SOURCE_COPY_MARKER,
    Trainings,
    clean_environ,
    contract_environ,
    listing,
    run_script,
    wait,
)

from monitoring.baseline import write_baseline

pytestmark = pytest.mark.slow

METRIC_LINE = re.compile(r"^(validation|test):(accuracy|macro_f1|roc_auc)=[01]\.\d{6}$")


def test_contract_run_writes_model_dir_and_metrics_and_no_failure_file(trainings: Trainings) -> None:
    job = trainings.contract
    assert listing(job.root / "model") == [
        "code",
        "code/_build",
        "code/_build/code_backend.py",
        "code/fastpath.py",
        "code/inference.py",
        "code/pyproject.toml",
        "manifest.json",
        "model.joblib",
    ]
    assert listing(job.root / "output") == [
        "data",
        "data/baseline",
        "data/baseline/constraints.json",
        "data/baseline/statistics.json",
        "data/confusion_matrix_test.png",
        "data/confusion_matrix_validation.png",
        "data/metrics.json",
        "data/per_class_test.png",
        "data/per_class_validation.png",
    ]
    assert not (job.root / "output" / "failure").exists()
    # Under the contract SageMaker tars the model dir itself: no tarball, nothing written to the cwd.
    assert sorted(p.name for p in job.root.rglob("*.tar.gz")) == []
    assert not (job.source_dir / "build").exists()
    assert job.run.stderr == ""


def test_contract_run_writes_the_data_quality_baseline_of_the_monitoring_tool(
    trainings: Trainings, tmp_path: Path
) -> None:
    """The job's baseline (output data dir, uploaded by SageMaker as output.tar.gz) is byte for byte what
    ``python -m monitoring.baseline`` writes for the same CSV and manifest. Cannot prove Model Monitor
    accepts it (no AWS); the format is the monitoring package's, tested there."""
    job = trainings.contract
    expected = write_baseline(PENGUINS, job.root / "model" / "manifest.json", tmp_path)
    for path in expected:
        assert (job.root / "output" / "data" / "baseline" / path.name).read_bytes() == path.read_bytes()
    assert f"data-quality baseline: {job.root / 'output' / 'data' / 'baseline' / 'statistics.json'}, " in job.run.stdout


def test_contract_run_uses_the_copied_source_dir_alone(trainings: Trainings) -> None:
    """The marker exists only in the copy: the job imported its sibling modules, not the repo package."""
    packed = (trainings.contract.root / "model" / "code" / "inference.py").read_text()
    assert packed.rstrip().endswith(SOURCE_COPY_MARKER)


def test_contract_run_takes_hyperparameters_from_flags_and_sm_hps(trainings: Trainings) -> None:
    manifest = json.loads((trainings.contract.root / "model" / "manifest.json").read_text())
    assert manifest["hyperparameters"] == {
        "estimator": "random_forest",  # passed JSON-quoted: '"random_forest"'
        "n_estimators": 10,
        "max_depth": 5,
        "min_samples_leaf": 1,
        "seed": 3,  # only in SM_HPS: argparse default from the contract
        "min_f1": 0.5,
        "target": "species",
        "test_size": 0.2,
        "validation_size": 0.2,
    }
    assert manifest["data_sha256"] == {"train": hashlib.sha256(PENGUINS.read_bytes()).hexdigest()}


def test_contract_run_prints_sagemaker_metric_lines_matching_metrics_json(trainings: Trainings) -> None:
    lines = [line for line in trainings.contract.run.stdout.splitlines() if METRIC_LINE.match(line)]
    metrics = json.loads((trainings.contract.root / "output" / "data" / "metrics.json").read_text())
    expected = [
        f"{split}:{name}={metrics[split][name]:.6f}"
        for split in ("validation", "test")
        for name in ("accuracy", "macro_f1", "roc_auc")
    ]
    assert lines == expected


def test_script_failure_under_contract_is_one_line_with_failure_file(tmp_path: Path) -> None:
    channel = tmp_path / "input" / "data" / "train"
    channel.mkdir(parents=True)
    (channel / "data.csv").write_text("")
    env = clean_environ(contract_environ(tmp_path, {"train": channel}))
    run = wait(run_script([], env, tmp_path))
    reason = f"{channel / 'data.csv'}: file is empty; provide a CSV with a header row and at least one data row"
    assert run.returncode == 2
    assert run.stderr == f"training failed: {reason}\n"
    assert (tmp_path / "output" / "failure").read_text() == reason + "\n"
    assert listing(tmp_path / "model") == []


def test_two_identical_runs_give_byte_identical_artifacts(trainings: Trainings) -> None:
    """Same data, hyperparameters, seed; different SM_NUM_CPUS. Cannot prove other OS or library versions."""
    first, second = trainings.first, trainings.second
    digest = hashlib.sha256(first.artifact.read_bytes()).hexdigest()
    assert hashlib.sha256(second.artifact.read_bytes()).hexdigest() == digest
    assert first.sha256_line() == f"sha256: {digest}"
    assert second.sha256_line() == f"sha256: {digest}"


def test_another_seed_gives_another_artifact(trainings: Trainings) -> None:
    assert trainings.other_seed.artifact.read_bytes() != trainings.first.artifact.read_bytes()
    assert trainings.other_seed.manifest["hyperparameters"]["seed"] == 8  # type: ignore[index]


def test_local_run_publishes_tarball_manifest_copy_and_metrics(trainings: Trainings) -> None:
    build = trainings.first.root / "build"
    assert listing(build) == [
        "baseline",
        "baseline/constraints.json",
        "baseline/statistics.json",
        "confusion_matrix_test.png",
        "confusion_matrix_validation.png",
        "manifest.json",
        "metrics.json",
        "model",
        "model.tar.gz",
        "model/code",
        "model/code/_build",
        "model/code/_build/code_backend.py",
        "model/code/fastpath.py",
        "model/code/inference.py",
        "model/code/pyproject.toml",
        "model/manifest.json",
        "model/model.joblib",
        "per_class_test.png",
        "per_class_validation.png",
    ]
    assert (build / "manifest.json").read_bytes() == (build / "model" / "manifest.json").read_bytes()
    assert trainings.first.run.stdout.splitlines()[-3:] == [
        "artifact: build/model.tar.gz",
        trainings.first.sha256_line(),
        "manifest: build/manifest.json",
    ]
