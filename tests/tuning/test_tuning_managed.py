"""The managed executor: the exact CreateHyperParameterTuningJob request, validated and round-tripped.

The dry run runs the SDK's real ``tune()`` with every AWS call answered in-process; botocore validates
the captured request against the SageMaker service model before it is captured. The emulator test
sends the same request to moto and reads it back. Neither proves SageMaker would schedule the jobs or
that the scikit-learn image runs them: that needs an AWS account. moto also does not implement
ListTrainingJobsForHyperParameterTuningJob, so the report from a listing is tested on scripted pages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.validate import ParamValidator
from moto import mock_aws

from training import launch, watch
from training.tuning import managed, report, space
from training.tuning.local import stage_source

# SDK v3's tuner imports its own deprecated shim module (a third-party deprecation we cannot fix).
pytestmark = pytest.mark.filterwarnings("ignore:sagemaker.train.configs has been moved:DeprecationWarning")

REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/training"
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"
METRICS = [
    {"Name": f"{split}:{name}", "Regex": f"{split}:{name}=([0-9]+\\.[0-9]{{6}})"}
    for split in ("validation", "test")
    for name in ("accuracy", "macro_f1", "roc_auc")
]


def expected_request(bucket: str, role: str, job_name: str) -> dict[str, Any]:
    prefix = f"s3://{bucket}/penguins-sklearn/tuning-<time>/input"
    return {
        "HyperParameterTuningJobName": job_name,
        "HyperParameterTuningJobConfig": {
            "HyperParameterTuningJobObjective": {"MetricName": "validation:macro_f1", "Type": "Maximize"},
            "ParameterRanges": {
                "CategoricalParameterRanges": [
                    {"Name": "estimator", "Values": ["random_forest", "gradient_boosting", "logistic_regression"]}
                ],
                "IntegerParameterRanges": [
                    {"MaxValue": "400", "MinValue": "20", "Name": "n_estimators", "ScalingType": "Logarithmic"},
                    {"MaxValue": "12", "MinValue": "2", "Name": "max_depth", "ScalingType": "Linear"},
                    {"MaxValue": "8", "MinValue": "1", "Name": "min_samples_leaf", "ScalingType": "Linear"},
                ],
            },
            "RandomSeed": 7,
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 16, "MaxParallelTrainingJobs": 2},
            "Strategy": "Bayesian",
            "TrainingJobEarlyStoppingType": "Off",
            "TuningJobCompletionCriteria": {"BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 8}},
        },
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {
                "MetricDefinitions": METRICS,
                "TrainingImage": IMAGE,
                "TrainingInputMode": "File",
            },
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataDistributionType": "FullyReplicated",
                            "S3DataType": "S3Prefix",
                            "S3Uri": "s3://data-bucket/penguins/",
                        }
                    },
                },
                {
                    "ChannelName": "sm_drivers",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataDistributionType": "FullyReplicated",
                            "S3DataType": "S3Prefix",
                            "S3Uri": f"{prefix}/sm_drivers",
                        }
                    },
                    "InputMode": "File",
                },
            ],
            "OutputDataConfig": {"CompressionType": "GZIP", "S3OutputPath": f"s3://{bucket}/penguins-sklearn"},
            "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 30},
            "RoleArn": role,
            "StaticHyperParameters": {
                "min_f1": "0.9",
                "sagemaker_program": "train.py",
                "sagemaker_submit_directory": f"{prefix}/sourcedir/sourcedir.tar.gz",
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    }


def normalise(document: Any) -> Any:
    """The SDK names the code upload prefix after the clock (``tuning-<unix time>``)."""
    return json.loads(re.sub(r"/tuning-[0-9]+/", "/tuning-<time>/", json.dumps(document, default=str)))


@pytest.mark.slow
def test_dry_run_prints_the_exact_request_without_calling_aws() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SM_")}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "training.tuning",
            "managed",
            "--train",
            "s3://data-bucket/penguins/",
            "--region",
            REGION,
            "--job-name",
            "penguins-tuning-1",
            "--dry-run",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    request = json.loads(completed.stdout)
    assert normalise(request) == expected_request(
        "sagemaker-eu-west-1-000000000000", managed.DRY_RUN_ROLE, "penguins-tuning-1"
    )
    assert completed.stderr == (
        "dry run: nothing was sent to AWS; answered locally: s3:ListBuckets, s3:PutObject x14; refused (the SDK "
        "went on without it): iam:SimulatePrincipalPolicy\n"
    )
    # Explicitly, once more: the request is valid input for the operation in botocore's model.
    operation = (
        botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateHyperParameterTuningJob")
    )
    assert not ParamValidator().validate(request, operation.input_shape).has_errors()
    broken = json.loads(completed.stdout)
    broken["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] = 0
    errors = ParamValidator().validate(broken, operation.input_shape)
    assert "MaxParallelTrainingJobs, value: 0, valid min value: 1" in errors.generate_report()


@pytest.mark.slow
def test_dry_run_user_errors(capsys: pytest.CaptureFixture[str]) -> None:
    from training.tuning import __main__ as cli

    assert cli.main(["managed", "--train", "data/penguins.csv", "--dry-run"], environ={"AWS_REGION": REGION}) == 2
    assert capsys.readouterr().err == (
        "tuning failed: --train must be an s3:// URI (got 'data/penguins.csv'); upload the CSV files to S3 first\n"
    )
    assert cli.main(["managed", "--train", "s3://b/t", "--dry-run"], environ={}) == 2
    assert capsys.readouterr().err == "tuning failed: no AWS region: pass --region or set AWS_REGION\n"
    assert cli.main(["managed", "--train", "s3://b/t"], environ={"AWS_REGION": REGION}) == 2
    assert capsys.readouterr().err == (
        "tuning failed: --role is required to start a tuning job (an IAM role ARN SageMaker can assume)\n"
    )


@contextlib.contextmanager
def sdk_leaks_its_upload_copy() -> Iterator[None]:
    """ModelTrainer.create_input_data_channel copies a directory into a TemporaryDirectory it never
    cleans up; the ResourceWarning fires when the call returns. Ignored only around the SDK call."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Implicitly cleaning up", ResourceWarning)
        yield


@pytest.fixture
def emulated(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # The SDK checks the role with iam:SimulatePrincipalPolicy, which moto cannot evaluate.
    monkeypatch.setenv("SAGEMAKER_VALIDATE_ROLE", "false")
    with mock_aws():
        from sagemaker.core.helper.session_helper import Session

        boto_session = boto3.Session(region_name=REGION)
        boto_session.client("s3").create_bucket(
            Bucket="tuning-bucket", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield Session(boto_session=boto_session, default_bucket="tuning-bucket")


def _spec(source_dir: Path, hyperparameters: dict[str, object]) -> launch.JobSpec:
    return launch.JobSpec(
        region=REGION,
        role=ROLE,
        training_image=IMAGE,
        instance_type="ml.m5.large",
        base_job_name="penguins-sklearn",
        hyperparameters=hyperparameters,
        channels={"train": "s3://data-bucket/penguins/"},
        source_dir=source_dir,
    )


@pytest.mark.slow
@pytest.mark.emulator
def test_the_tuning_job_round_trips_through_the_emulator(emulated: Any, tmp_path: Path) -> None:
    """moto stores the request as sent and answers Describe with it; the uploaded source is what the
    job would run. moto does not run training jobs, so the job's outcome is not exercised here."""
    searched = space.load(space.DEFAULT_PATH)
    spec = _spec(stage_source(tmp_path / "code"), dict(searched.static_hyperparameters()))
    tuner = managed.build_tuner(searched, spec, emulated)
    with sdk_leaks_its_upload_copy():
        managed.start(tuner, spec.channels, "penguins-tuning-1")
    client = emulated.sagemaker_client
    described = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="penguins-tuning-1")
    expected = expected_request("tuning-bucket", ROLE, "penguins-tuning-1")
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert normalise(described["HyperParameterTuningJobConfig"]) == expected["HyperParameterTuningJobConfig"]
    assert normalise(described["TrainingJobDefinition"]) == expected["TrainingJobDefinition"]

    submit_dir = described["TrainingJobDefinition"]["StaticHyperParameters"]["sagemaker_submit_directory"]
    key = submit_dir.removeprefix("s3://tuning-bucket/")
    body = emulated.boto_session.client("s3").get_object(Bucket="tuning-bucket", Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        names = sorted(tar.getnames())
    # The launcher's staged upload: train.py, its imports and the model's code/ files; no workstation tool.
    assert names == sorted(launch.staged_files())
    assert "launch.py" not in names


@pytest.mark.slow
@pytest.mark.emulator
def test_the_launchers_trainer_waits_and_prints_the_model_uri(emulated: Any, tmp_path: Path) -> None:
    """The ModelTrainer the launcher builds, submitted to moto, then our wait: moto completes the job
    at once, so this shows the request and the final lines, not a real status sequence. moto answers
    Describe with placeholder metric definitions, so those are checked in the dry-run test instead."""
    spec = _spec(launch.SOURCE_DIR, {"n_estimators": 50})
    trainer = launch.model_trainer(spec, emulated)
    with sdk_leaks_its_upload_copy():
        trainer.train(input_data_config=launch.sdk_config(spec)["input_data_config"], wait=False, logs=False)
    name = trainer._latest_training_job.training_job_name
    lines: list[str] = []
    result = watch.wait_for_training_job(emulated.sagemaker_client, name, emit=lines.append, sleep=lambda _: None)
    uri = f"s3://tuning-bucket/penguins-sklearn/{name}/output/model.tar.gz"
    assert lines[-1] == f"model: {uri}"
    assert result.model_uri == uri
    described = emulated.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert described["HyperParameters"]["n_estimators"] == "50"
    assert described["AlgorithmSpecification"]["TrainingImage"] == IMAGE
    assert described["RoleArn"] == ROLE


def test_the_report_from_a_tuning_jobs_listing(tmp_path: Path) -> None:
    """Scripted summaries in the API's shape (as ListTrainingJobsForHyperParameterTuningJob returns them)."""
    t0 = dt.datetime(2026, 12, 1, 21, 0, tzinfo=dt.UTC)
    summaries = [
        {
            "TrainingJobName": "tuning-002-bbbb",
            "CreationTime": t0 + dt.timedelta(seconds=1),
            "TrainingStartTime": t0 + dt.timedelta(seconds=60),
            "TrainingEndTime": t0 + dt.timedelta(seconds=180),
            "TrainingJobStatus": "Failed",
            "FailureReason": "AlgorithmError: evaluation gate failed",
            "TunedHyperParameters": {"estimator": "random_forest", "n_estimators": "25"},
        },
        {
            "TrainingJobName": "tuning-001-aaaa",
            "CreationTime": t0,
            "TrainingStartTime": t0 + dt.timedelta(seconds=60),
            "TrainingEndTime": t0 + dt.timedelta(seconds=150),
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": {"estimator": "logistic_regression", "n_estimators": "57"},
            "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:macro_f1", "Value": 1.0},
        },
    ]
    trials = managed.trials_from_listing(summaries, "validation:macro_f1")
    assert [(t.number, t.name, t.status, t.objective, t.duration_seconds) for t in trials] == [
        (0, "tuning-001-aaaa", "Completed", 1.0, 90.0),
        (1, "tuning-002-bbbb", "Failed", None, 120.0),
    ]
    searched = space.parse(
        {
            "budget": {"max_jobs": 2},
            "parameters": {
                "estimator": {"type": "categorical", "values": ["random_forest", "logistic_regression"]},
                "n_estimators": {"type": "integer", "min_value": 10, "max_value": 100},
            },
        },
        "s.yaml",
    )
    paths = report.write(tmp_path, searched, trials, trials[0], extra={"tuning_job": "tuning"})
    assert paths["markdown"].read_text(encoding="utf-8") == (
        "| trial | estimator | n_estimators | objective | duration_s | status | best |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
        "| tuning-001-aaaa | logistic_regression | 57 | 1.000000 | 90.0 | Completed | * |\n"
        "| tuning-002-bbbb | random_forest | 25 | - | 120.0 | Failed: AlgorithmError: evaluation gate failed |  |\n"
    )
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"
    summary = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert summary["best"]["name"] == "tuning-001-aaaa"
    assert summary["tuning_job"] == "tuning"


def test_parameter_ranges_use_the_sdk_classes() -> None:
    from sagemaker.core.parameter import CategoricalParameter, IntegerParameter

    ranges = managed.parameter_ranges(space.load(space.DEFAULT_PATH))
    assert type(ranges["estimator"]) is CategoricalParameter
    assert type(ranges["n_estimators"]) is IntegerParameter
    assert ranges["n_estimators"].as_tuning_range("n_estimators") == {
        "Name": "n_estimators",
        "MinValue": "20",
        "MaxValue": "400",
        "ScalingType": "Logarithmic",
    }
    assert (
        managed.completion_criteria(
            space.parse(
                {
                    "budget": {"max_jobs": 1},
                    "parameters": {"estimator": {"type": "categorical", "values": ["random_forest"]}},
                },
                "s",
            )
        )
        is None
    )


@pytest.mark.slow
@pytest.mark.emulator
def test_a_managed_run_against_the_emulator_ends_in_one_line(
    emulated: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole managed command on moto: submit, progress lines, then moto's placeholder best job
    (FakeTrainingJobName, which it cannot describe) makes DescribeTrainingJob fail, and that AWS refusal
    is one line with exit code 1, not a traceback. It cannot show a real job's progress."""
    from training.tuning import __main__ as cli

    argv = ["managed", "--train", "s3://data-bucket/penguins/", "--role", ROLE, "--region", REGION]
    argv += [
        "--bucket",
        "tuning-bucket",
        "--job-name",
        "penguins-tuning-2",
        "--out",
        str(tmp_path),
        "--poll-seconds",
        "0",
    ]
    with sdk_leaks_its_upload_copy():
        assert cli.main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "penguins-tuning-2: Completed",
        "penguins-tuning-2: training jobs Completed=1 InProgress=0 RetryableError=0 NonRetryableError=0 Stopped=0",
        "penguins-tuning-2: best FakeTrainingJobName metric Accuracy=1.000000",
    ]
    assert captured.err == (
        "tuning failed: AWS refused DescribeTrainingJob: ValidationException: Could not find training job "
        "'arn:aws:sagemaker:eu-west-1:123456789012:training-job/FakeTrainingJobName'.\n"
    )
