"""Waiting for training and tuning jobs: progress lines, the model URI, a failure's reason.

The job descriptions are scripted through botocore's Stubber on a real SageMaker client, so every
scripted response is validated against the service model; they are plausible sequences written from
the API reference, not recordings of real jobs. The emulator test runs the launcher's ModelTrainer
against moto, whose training jobs complete at once (no real status sequence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from training import watch
from training.errors import TrainingError

JOB = "penguins-sklearn-2026-12-01-21-00-00-000"
TUNING = "penguins-sklearn-261201-2100"
T0 = dt.datetime(2026, 12, 1, 21, 0, tzinfo=dt.UTC)


@pytest.fixture
def client() -> Iterator[tuple[Any, Stubber]]:
    sagemaker = boto3.client("sagemaker", region_name="eu-west-1")
    with Stubber(sagemaker) as stubber:
        yield sagemaker, stubber
        stubber.assert_no_pending_responses()


def training_description(status: str, secondary: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "TrainingJobName": JOB,
        "TrainingJobArn": f"arn:aws:sagemaker:eu-west-1:123456789012:training-job/{JOB}",
        "ModelArtifacts": {"S3ModelArtifacts": ""},
        "TrainingJobStatus": status,
        "SecondaryStatus": secondary,
        "AlgorithmSpecification": {"TrainingInputMode": "File"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "CreationTime": T0,
        "SecondaryStatusTransitions": [{"Status": secondary, "StartTime": T0, "StatusMessage": message}],
        **extra,
    }


def metric(name: str, value: float) -> dict[str, Any]:
    return {"MetricName": name, "Value": value, "Timestamp": T0}


def test_a_completed_training_job(client: tuple[Any, Stubber]) -> None:
    sagemaker, stubber = client
    expected = {"TrainingJobName": JOB}
    for description in [
        training_description("InProgress", "Starting", "Preparing the instances for training"),
        training_description("InProgress", "Starting", "Preparing the instances for training"),
        training_description("InProgress", "Training", "Training image download completed. Training in progress."),
        training_description(
            "InProgress",
            "Uploading",
            "Uploading generated training model",
            FinalMetricDataList=[metric("validation:macro_f1", 0.981376)],
        ),
        training_description(
            "Completed",
            "Completed",
            "Training job completed",
            FinalMetricDataList=[metric("validation:macro_f1", 0.981376), metric("test:macro_f1", 1.0)],
            ModelArtifacts={"S3ModelArtifacts": f"s3://bucket/penguins-sklearn/{JOB}/output/model.tar.gz"},
        ),
    ]:
        stubber.add_response("describe_training_job", description, expected)
    lines: list[str] = []
    sleeps: list[float] = []
    result = watch.wait_for_training_job(sagemaker, JOB, poll_seconds=5, emit=lines.append, sleep=sleeps.append)
    assert lines == [
        f"{JOB}: InProgress (Starting): Preparing the instances for training",
        f"{JOB}: InProgress (Training): Training image download completed. Training in progress.",
        f"{JOB}: InProgress (Uploading): Uploading generated training model",
        f"{JOB}: metric validation:macro_f1=0.981376",
        f"{JOB}: Completed: Training job completed",
        f"{JOB}: metric test:macro_f1=1.000000",
        f"model: s3://bucket/penguins-sklearn/{JOB}/output/model.tar.gz",
    ]
    assert sleeps == [5, 5, 5, 5]
    assert result.model_uri == f"s3://bucket/penguins-sklearn/{JOB}/output/model.tar.gz"
    assert result.metrics == {"validation:macro_f1": 0.981376, "test:macro_f1": 1.0}


def test_a_failed_training_job_raises_its_reason(client: tuple[Any, Stubber]) -> None:
    sagemaker, stubber = client
    reason = (
        "AlgorithmError: evaluation gate failed: validation macro F1 0.9814 is below --min_f1 0.99; no model "
        "was written (improve the data or hyperparameters, or lower --min_f1)"
    )
    stubber.add_response(
        "describe_training_job",
        training_description("Failed", "Failed", "Training job failed", FailureReason=reason),
        {"TrainingJobName": JOB},
    )
    lines: list[str] = []
    with pytest.raises(watch.JobFailedError) as caught:
        watch.wait_for_training_job(sagemaker, JOB, emit=lines.append, sleep=lambda _: None)
    assert str(caught.value) == f"training job {JOB} Failed: {reason}"
    assert isinstance(caught.value, TrainingError)
    assert caught.value.exit_code == 4
    assert lines == [f"{JOB}: Failed: Training job failed"]


def tuning_description(status: str, completed: int, in_progress: int, best: tuple[str, float] | None) -> dict[str, Any]:
    description: dict[str, Any] = {
        "HyperParameterTuningJobName": TUNING,
        "HyperParameterTuningJobArn": f"arn:aws:sagemaker:eu-west-1:123456789012:hyper-parameter-tuning-job/{TUNING}",
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
        },
        "HyperParameterTuningJobStatus": status,
        "CreationTime": T0,
        "TrainingJobStatusCounters": {
            "Completed": completed,
            "InProgress": in_progress,
            "RetryableError": 0,
            "NonRetryableError": 0,
            "Stopped": 0,
        },
        "ObjectiveStatusCounters": {"Succeeded": completed, "Pending": in_progress, "Failed": 0},
    }
    if best is not None:
        description["BestTrainingJob"] = {
            "TrainingJobName": best[0],
            "TrainingJobArn": f"arn:aws:sagemaker:eu-west-1:123456789012:training-job/{best[0]}",
            "CreationTime": T0,
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": {"estimator": "logistic_regression"},
            "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:macro_f1", "Value": best[1]},
        }
    return description


def test_a_completed_tuning_job(client: tuple[Any, Stubber]) -> None:
    sagemaker, stubber = client
    first, second = f"{TUNING}-001-aaaaaaaa", f"{TUNING}-002-bbbbbbbb"
    for description in [
        tuning_description("InProgress", 0, 2, None),
        tuning_description("InProgress", 1, 2, (first, 0.961806)),
        tuning_description("InProgress", 3, 1, (second, 1.0)),
        tuning_description("Completed", 4, 0, (second, 1.0)),
    ]:
        stubber.add_response(
            "describe_hyper_parameter_tuning_job", description, {"HyperParameterTuningJobName": TUNING}
        )
    uri = f"s3://bucket/penguins-sklearn/{second}/output/model.tar.gz"
    stubber.add_response(
        "describe_training_job",
        {**training_description("Completed", "Completed", "done"), "ModelArtifacts": {"S3ModelArtifacts": uri}},
        {"TrainingJobName": second},
    )
    lines: list[str] = []
    result = watch.wait_for_tuning_job(sagemaker, TUNING, emit=lines.append, sleep=lambda _: None)
    counters = "RetryableError=0 NonRetryableError=0 Stopped=0"
    assert lines == [
        f"{TUNING}: InProgress",
        f"{TUNING}: training jobs Completed=0 InProgress=2 {counters}",
        f"{TUNING}: training jobs Completed=1 InProgress=2 {counters}",
        f"{TUNING}: best {first} metric validation:macro_f1=0.961806",
        f"{TUNING}: training jobs Completed=3 InProgress=1 {counters}",
        f"{TUNING}: best {second} metric validation:macro_f1=1.000000",
        f"{TUNING}: Completed",
        f"{TUNING}: training jobs Completed=4 InProgress=0 {counters}",
        f"model: {uri}",
    ]
    assert (result.best_training_job, result.best_objective, result.model_uri) == (second, 1.0, uri)


def test_a_failed_tuning_job_raises_its_reason(client: tuple[Any, Stubber]) -> None:
    sagemaker, stubber = client
    failed = tuning_description("Failed", 0, 0, None) | {
        "FailureReason": "All training jobs failed. Please check the training job logs."
    }
    stubber.add_response("describe_hyper_parameter_tuning_job", failed, {"HyperParameterTuningJobName": TUNING})
    with pytest.raises(watch.JobFailedError) as caught:
        watch.wait_for_tuning_job(sagemaker, TUNING, emit=lambda _: None, sleep=lambda _: None)
    assert (
        str(caught.value)
        == f"tuning job {TUNING} Failed: All training jobs failed. Please check the training job logs."
    )
