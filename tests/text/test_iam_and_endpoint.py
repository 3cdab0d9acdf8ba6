"""The data-access role's documents (exact) and the endpoint command (exit codes, cost, requests).

What these tests cannot prove: that IAM evaluates the conditions as intended for every Comprehend call
(no AWS account here), or today's endpoint price. The endpoint requests are checked against the service
model by Stubber; the emulator test runs create/delete for real in moto.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from client.text import endpoint
from client.text.iam import data_access_policy, trust_policy

BUCKET = "arn:aws:s3:::mlops-dev-data"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
RECOGNIZER = "arn:aws:comprehend:us-east-1:123456789012:entity-recognizer/penguins/version/v1"
ENDPOINT = "arn:aws:comprehend:us-east-1:123456789012:entity-recognizer-endpoint/penguins"


def test_trust_policy_is_comprehend_for_this_account_and_region_only() -> None:
    assert trust_policy("123456789012", "us-east-1") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "comprehend.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": "123456789012"},
                    "ArnLike": {"aws:SourceArn": "arn:aws:comprehend:us-east-1:123456789012:*"},
                },
            }
        ],
    }


def test_data_access_policy_reads_and_writes_only_the_given_folders_with_the_given_key() -> None:
    policy = data_access_policy(BUCKET, ("comprehend/training/", "/text/incoming"), "text/jobs", KEY, "us-east-1")
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadTrainingAndInput",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"{BUCKET}/comprehend/training/*", f"{BUCKET}/text/incoming/*"],
            },
            {
                "Sid": "ListOnlyTheseFolders",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": BUCKET,
                "Condition": {"StringLike": {"s3:prefix": ["comprehend/training/*", "text/incoming/*", "text/jobs/*"]}},
            },
            {"Sid": "WriteOutput", "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{BUCKET}/text/jobs/*"},
            {
                "Sid": "UseTheStackKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": KEY,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": ["s3.us-east-1.amazonaws.com", "comprehend.us-east-1.amazonaws.com"]
                    }
                },
            },
            {
                "Sid": "EncryptVolumesWithTheStackKey",
                "Effect": "Allow",
                "Action": "kms:CreateGrant",
                "Resource": KEY,
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ],
    }


@pytest.mark.parametrize(
    ("read", "output"), [((), "text/jobs"), (("",), "text/jobs"), (("a/*",), "out"), (("a",), "/")]
)
def test_data_access_policy_refuses_empty_or_wildcard_prefixes(read: tuple[str, ...], output: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        data_access_policy(BUCKET, read, output, KEY, "us-east-1")


def test_cost_line() -> None:
    assert endpoint.cost_line(2) == (
        "cost: 2 inference unit(s) x USD 0.0005/s = USD 3.60/hour, USD 2,628/month while the endpoint exists; "
        "delete it when done"
    )


def test_create_needs_yes_and_prints_the_cost_first(capsys: pytest.CaptureFixture[str]) -> None:
    client = boto3.client("comprehend", region_name="us-east-1")
    with Stubber(client), pytest.raises(SystemExit) as raised:
        endpoint.main(["create", "--name", "penguins", "--model-arn", RECOGNIZER], client=client)
    assert raised.value.code == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("cost: 1 inference unit(s) x USD 0.0005/s = USD 1.80/hour")
    assert captured.err.endswith("error: creating an endpoint starts billing; add --yes to confirm\n")


def test_create_describe_delete_requests(capsys: pytest.CaptureFixture[str]) -> None:
    client = boto3.client("comprehend", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_response(
        "create_endpoint",
        {"EndpointArn": ENDPOINT, "ModelArn": RECOGNIZER},
        {"EndpointName": "penguins", "ModelArn": RECOGNIZER, "DesiredInferenceUnits": 1},
    )
    stub.add_response(
        "describe_endpoint",
        {"EndpointProperties": {"EndpointArn": ENDPOINT, "Status": "IN_SERVICE", "CurrentInferenceUnits": 1}},
        {"EndpointArn": ENDPOINT},
    )
    stub.add_response("delete_endpoint", {}, {"EndpointArn": ENDPOINT})
    with stub:
        assert endpoint.main(["create", "--name", "penguins", "--model-arn", RECOGNIZER, "--yes"], client=client) == 0
        assert endpoint.main(["describe", "--endpoint-arn", ENDPOINT], client=client) == 0
        assert endpoint.main(["delete", "--endpoint-arn", ENDPOINT], client=client) == 0
    stub.assert_no_pending_responses()
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        f"created {ENDPOINT} (status CREATING until it is IN_SERVICE; `describe` shows it)",
        f"{ENDPOINT}: IN_SERVICE, 1 inference unit(s)",
        f"deleting {ENDPOINT} (billing stops when it is gone)",
    ]


def test_a_refused_request_is_exit_1_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    client = boto3.client("comprehend", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_client_error("delete_endpoint", "ResourceInUseException", "Endpoint is being updated")
    with stub:
        assert endpoint.main(["delete", "--endpoint-arn", ENDPOINT], client=client) == 1
    assert capsys.readouterr().err == "error: ResourceInUseException: Endpoint is being updated\n"


def test_inference_units_are_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    client = boto3.client("comprehend", region_name="us-east-1")
    with pytest.raises(SystemExit) as raised:
        endpoint.main(
            ["create", "--name", "p", "--model-arn", RECOGNIZER, "--inference-units", "11", "--yes"], client=client
        )
    assert raised.value.code == 2
    assert capsys.readouterr().err.endswith("error: --inference-units must be 1-10 (got 11)\n")
