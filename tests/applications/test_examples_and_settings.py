"""Example requests from the schema, the functions' environment settings, and the Lambda entry points.

The entry-point tests run ``functions.*.handler`` exactly as Lambda imports it, configured only by
environment variables; they cannot prove Lambda's runtime sets them (the stack's function resource does).
"""

from __future__ import annotations

import json
import shlex
import uuid

import boto3
import pytest

from client.endpoint import EndpointClient
from client.examples import example_record, invoke_command
from client.schema import ModelSchema
from functions import http_api, policies, scoring
from functions.events import http_api_request, s3_event_for
from functions.settings import ScoringSettings, SettingsError
from tests.applications.conftest import Model, Runtime, penguin_lines

STATISTICS = {
    "features": [
        {
            "name": "island",
            "inferred_type": "String",
            "string_statistics": {
                "distribution": {
                    "categorical": {"buckets": [{"value": "Dream", "count": 124}, {"value": "Biscoe", "count": 168}]}
                }
            },
        },
        {"name": "bill_length_mm", "inferred_type": "Fractional", "numerical_statistics": {"mean": 43.92193}},
        {"name": "bill_depth_mm", "inferred_type": "Fractional", "numerical_statistics": {"mean": 17.15117}},
        {"name": "flipper_length_mm", "inferred_type": "Integral", "numerical_statistics": {"mean": 200.915}},
        {"name": "body_mass_g", "inferred_type": "Integral", "numerical_statistics": {"mean": 4201.754}},
        {
            "name": "sex",
            "inferred_type": "String",
            "string_statistics": {
                "distribution": {
                    "categorical": {"buckets": [{"value": "male", "count": 168}, {"value": "female", "count": 165}]}
                }
            },
        },
        {"name": "year", "inferred_type": "Integral", "numerical_statistics": {"mean": 2008.03}},
    ]
}


@pytest.mark.slow
def test_example_record_comes_from_the_schema_and_the_model_accepts_it(model: Model, runtime: Runtime) -> None:
    schema = ModelSchema.from_manifest(model.manifest)
    record = example_record(schema, STATISTICS)
    assert record == {
        "island": "Biscoe",
        "bill_length_mm": 43.9,
        "bill_depth_mm": 17.2,
        "flipper_length_mm": 201,
        "body_mass_g": 4202,
        "sex": "male",
        "year": 2008,
    }
    client = EndpointClient("e", schema, region="us-east-1", endpoint_url=runtime.url)
    assert len(client.predict([record])) == 1
    command = invoke_command("sagemaker-mlops-prod", "us-east-1", record)
    words = shlex.split(command)
    assert words[:3] == ["aws", "sagemaker-runtime", "invoke-endpoint"]
    assert json.loads(words[words.index("--body") + 1]) == record


def test_example_record_names_a_feature_missing_from_the_baseline(model: Model) -> None:
    schema = ModelSchema.from_manifest(model.manifest)
    with pytest.raises(Exception, match=r"^baseline statistics lack feature 'sex'; rerun `make train`$"):
        example_record(schema, {"features": [f for f in STATISTICS["features"] if f["name"] != "sex"]})


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "environment variable ENDPOINT_TYPE is not set; the stack sets it on the function"),
        ({"ENDPOINT_TYPE": "async"}, "environment variable ENDPOINT_TYPE must be realtime or serverless, got 'async'"),
        (
            {"ENDPOINT_TYPE": "realtime"},
            "environment variable ENDPOINT_NAME is not set; the stack sets it on the function",
        ),
        (
            {
                "ENDPOINT_TYPE": "realtime",
                "ENDPOINT_NAME": "e",
                "AWS_REGION": "us-east-1",
                "MODEL_MANIFEST": "m.json",
                "DEAD_LETTER_QUEUE_URL": "q",
                "ROWS_PER_CHUNK": "many",
            },
            "environment variable ROWS_PER_CHUNK must be an integer, got 'many'",
        ),
        (
            {
                "ENDPOINT_TYPE": "realtime",
                "ENDPOINT_NAME": "e",
                "AWS_REGION": "us-east-1",
                "MODEL_MANIFEST": "m.json",
                "DEAD_LETTER_QUEUE_URL": "q",
                "TIME_MARGIN_SECONDS": "-1",
            },
            "environment variable TIME_MARGIN_SECONDS must be >= 0, got -1",
        ),
    ],
)
def test_settings_errors_name_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        ScoringSettings.from_environ(environ)
    assert str(caught.value) == message


@pytest.mark.slow
@pytest.mark.usefixtures("offline_aws")
def test_lambda_entry_points_configured_by_environment(model: Model, monkeypatch: pytest.MonkeyPatch) -> None:
    s3, sqs = boto3.client("s3", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    bucket = f"entry-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    queue = sqs.create_queue(QueueName=f"entry-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    for name, value in {
        "ENDPOINT_NAME": "sagemaker-mlops-dev",
        "ENDPOINT_TYPE": "serverless",
        "MODEL_MANIFEST": str(model.manifest),
        "DEAD_LETTER_QUEUE_URL": queue,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(scoring, "_scorer", None)
    monkeypatch.setattr(http_api, "_api", None)
    lines = penguin_lines()
    s3.put_object(Bucket=bucket, Key="incoming/x.csv", Body="\n".join(lines[:11]).encode())

    class Context:
        aws_request_id = "r"

        def get_remaining_time_in_millis(self) -> int:
            return 60_000

    result = scoring.handler(s3_event_for(s3, bucket, "incoming/x.csv"), Context())
    assert result["results"][0]["rows"] == 10
    record = dict(zip(lines[0].split(",")[1:], lines[1].split(",")[1:], strict=True))
    answer = http_api.handler(http_api_request(body=json.dumps(record)), Context())
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["predictions"][0]["label"] == "Adelie"


def test_role_documents_pass_iam_policy_grammar(aws_emulator: str) -> None:
    """moto checks the IAM grammar (versions, effects, ARNs, condition blocks); not IAM's evaluation."""
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=aws_emulator)
    suffix = uuid.uuid4().hex[:8]
    scoring_doc = policies.scoring_role_policy(
        region="us-east-1",
        account_id="123456789012",
        endpoint_name="e",
        bucket_arn="arn:aws:s3:::b",
        kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k",
        dead_letter_queue_arn="arn:aws:sqs:us-east-1:123456789012:q",
        log_group_name="/aws/lambda/f",
    )
    api_doc = policies.predict_api_role_policy(
        region="us-east-1", account_id="123456789012", endpoint_name="e", log_group_name="/aws/lambda/g"
    )
    for name, document in ((f"scoring-{suffix}", scoring_doc), (f"api-{suffix}", api_doc)):
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))
    iam.create_role(RoleName=f"fn-{suffix}", AssumeRolePolicyDocument=json.dumps(policies.lambda_trust_policy()))
    names = {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]}
    assert {f"scoring-{suffix}", f"api-{suffix}"} <= names
    # The check is live: a broken statement is refused.
    broken = {**api_doc, "Statement": [{**api_doc["Statement"][0], "Effect": "Maybe"}]}
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.create_policy(PolicyName=f"broken-{suffix}", PolicyDocument=json.dumps(broken))
