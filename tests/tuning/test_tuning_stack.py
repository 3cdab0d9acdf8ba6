"""The managed tuner for a stack (``--stack-outputs``): names, prefixes and role its policies allow.

The dry run's request is checked against botocore's SageMaker model, then created in moto and described
back. Cannot prove SageMaker schedules the trials, nor that IAM allows the calls (moto does not enforce).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.validate import ParamValidator
from moto import mock_aws

from training.errors import UserError
from training.launch import StackOutputs
from training.tuning import managed

REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
BUCKET = "sagemaker-mlops-prod-artifacts-1a2b3c4"
ROLE = "arn:aws:iam::123456789012:role/sagemaker-mlops-prod-training-role-5d6e7f8"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b1c"
STACK = StackOutputs(REGION, ROLE, f"s3://{BUCKET}/training-output/", "sagemaker-mlops-prod", KEY)
NOW = dt.datetime(2026, 12, 2, 0, 23, 41, tzinfo=dt.UTC)


def test_a_stack_tuning_job_is_named_with_the_stack_prefix_within_32_characters() -> None:
    assert managed.stack_tuning_job_name(STACK, None, NOW) == "sagemaker-mlops-prod-1202002341"
    assert managed.stack_tuning_job_name(STACK, "sagemaker-mlops-prod-x", NOW) == "sagemaker-mlops-prod-x"
    with pytest.raises(UserError) as caught:
        managed.stack_tuning_job_name(STACK, "penguins-1", NOW)
    assert str(caught.value) == (
        "tuning job name 'penguins-1' must start with the stack's trainingJobPrefix 'sagemaker-mlops-prod' (the "
        "launcherPolicy allows only those) and have at most 32 characters (SageMaker's limit); pass a shorter "
        "--job-name"
    )
    long_prefix = StackOutputs(REGION, ROLE, STACK.training_output_uri, "sagemaker-mlops-production-eu", KEY)
    with pytest.raises(UserError) as caught:
        managed.stack_tuning_job_name(long_prefix, None, NOW)
    assert str(caught.value).startswith("tuning job name 'sagemaker-mlops-production-eu-1202002341' must start")
    assert str(caught.value).endswith("; pass --job-name")


@pytest.mark.slow
@pytest.mark.emulator
def test_the_stack_dry_run_request_is_valid_stays_under_training_output_and_round_trips(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "region": REGION,
                "trainingRoleArn": ROLE,
                "trainingOutputUri": STACK.training_output_uri,
                "trainingJobPrefix": STACK.training_job_prefix,
                "kmsKeyArn": KEY,
            }
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "AWS_REGION", "AWS_DEFAULT_REGION"))}
    completed = subprocess.run(
        [sys.executable, "-m", "training.tuning", "managed", "--stack-outputs", str(outputs)]
        + ["--train", f"s3://{BUCKET}/data/penguins/", "--job-name", "sagemaker-mlops-prod-t1", "--dry-run"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    request = json.loads(completed.stdout)
    definition = request["TrainingJobDefinition"]
    assert request["HyperParameterTuningJobName"] == "sagemaker-mlops-prod-t1"
    assert definition["RoleArn"] == ROLE
    assert definition["OutputDataConfig"] == {
        "CompressionType": "GZIP",
        "KmsKeyId": KEY,
        "S3OutputPath": f"s3://{BUCKET}/training-output/",
    }
    # Everything the SDK staged is under training-output/<prefix>/<run>/input/: the training role's read.
    staged = re.compile(rf"^s3://{BUCKET}/training-output/sagemaker-mlops-prod/tuning-\d+/input/")
    drivers = next(c for c in definition["InputDataConfig"] if c["ChannelName"] == "sm_drivers")
    assert staged.match(drivers["DataSource"]["S3DataSource"]["S3Uri"])
    assert staged.match(definition["StaticHyperParameters"]["sagemaker_submit_directory"])

    operation = (
        botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateHyperParameterTuningJob")
    )
    assert not ParamValidator().validate(request, operation.input_shape).has_errors()
    with mock_aws():
        client = boto3.client("sagemaker", region_name=REGION)
        client.create_hyper_parameter_tuning_job(**request)
        described = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="sagemaker-mlops-prod-t1")
    assert described["HyperParameterTuningJobConfig"] == request["HyperParameterTuningJobConfig"]
    assert described["TrainingJobDefinition"] == definition
