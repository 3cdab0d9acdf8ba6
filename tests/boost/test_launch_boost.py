"""The managed job of the XGBoost family: the request it sends, checked against botocore's SageMaker service
model, and the SDK's ModelTrainer in algorithm mode submitted to moto.

What these cannot prove: that the built-in algorithm trains on these channels as the local twin does (no
AWS account; the hyperparameter names and the data contract are the algorithm's documented ones).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from training import launch_boost
from training.errors import PlatformError

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/penguins-training"
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5"
FLAGS = [
    "--train",
    "s3://bucket/data/xgboost/train/",
    "--validation",
    "s3://bucket/data/xgboost/validation/",
    "--output",
    "s3://bucket/training-output/",
    "--region",
    REGION,
    "--role",
    ROLE,
]


def test_dry_run_prints_the_validated_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert launch_boost.main([*FLAGS, "-H", "eta=0.1", "--dry-run"]) == 0
    request = json.loads(capsys.readouterr().out)
    assert request["AlgorithmSpecification"] == {"TrainingImage": IMAGE, "TrainingInputMode": "File"}
    assert "MetricDefinitions" not in request["AlgorithmSpecification"]
    assert request["HyperParameters"]["eta"] == "0.1"
    assert request["HyperParameters"]["objective"] == "multi:softprob"
    assert [(c["ChannelName"], c["ContentType"]) for c in request["InputDataConfig"]] == [
        ("train", "text/csv"),
        ("validation", "text/csv"),
    ]
    assert request["OutputDataConfig"] == {"S3OutputPath": "s3://bucket/training-output/"}
    assert request["EnableNetworkIsolation"] is True


def test_botocore_refuses_a_malformed_request() -> None:
    job = launch_boost.BoostJob(
        region=REGION, role=ROLE, image=IMAGE, channels={"train": "s3://b/t/"}, output="s3://b/o/", hyperparameters={}
    )
    request = launch_boost.create_training_job_request(job, "n")
    request["ResourceConfig"]["InstanceCount"] = "1"
    with pytest.raises(PlatformError, match=r"^botocore refuses the CreateTrainingJob request: .*InstanceCount"):
        launch_boost.validate(request)


def test_bad_flag_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert launch_boost.main([*FLAGS[:1], "bucket/train", *FLAGS[2:], "--dry-run"]) == 2
    assert capsys.readouterr().err == (
        "error: argument --train: expected an s3:// URI, got 'bucket/train'; "
        "run python -m training.launch_boost --help for the accepted flags\n"
    )


@pytest.fixture
def emulated(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # The SDK checks the role with iam:SimulatePrincipalPolicy, which moto cannot evaluate.
    monkeypatch.setenv("SAGEMAKER_VALIDATE_ROLE", "false")
    with mock_aws():
        from sagemaker.core.helper.session_helper import Session

        boto_session = boto3.Session(region_name=REGION)
        boto_session.client("s3").create_bucket(
            Bucket="bucket", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield Session(boto_session=boto_session, default_bucket="bucket")


@pytest.mark.slow
@pytest.mark.emulator
# SDK v3's trainer imports its own deprecated shim module (a third-party deprecation we cannot fix).
@pytest.mark.filterwarnings("ignore:sagemaker.train.configs has been moved:DeprecationWarning")
def test_model_trainer_in_algorithm_mode_round_trips_through_moto(emulated: Any) -> None:
    """moto stores the request as sent; it does not run the algorithm."""
    job = launch_boost.BoostJob(
        region=REGION,
        role=ROLE,
        image=IMAGE,
        channels={"train": "s3://bucket/data/xgboost/train/", "validation": "s3://bucket/data/xgboost/validation/"},
        output="s3://bucket/training-output/",
        hyperparameters={"num_round": "50", "objective": "multi:softprob", "num_class": "3"},
    )
    trainer = launch_boost.model_trainer(job, emulated)
    trainer.train(wait=False, logs=False)
    name = trainer._latest_training_job.training_job_name
    described = emulated.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert described["AlgorithmSpecification"]["TrainingImage"] == IMAGE
    assert described["HyperParameters"] == {"num_round": "50", "objective": "multi:softprob", "num_class": "3"}
    assert [(c["ChannelName"], c.get("ContentType")) for c in described["InputDataConfig"]] == [
        ("train", "text/csv"),
        ("validation", "text/csv"),
    ]
