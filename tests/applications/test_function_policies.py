"""The functions' role documents, compared whole: every grant is reviewed here.

Cannot prove IAM accepts or evaluates them as intended; the emulator rehearsal (moto's IAM policy
grammar) and the policy pack check what mocks cannot.
"""

from __future__ import annotations

import pytest

from functions import policies

BUCKET = "arn:aws:s3:::sagemaker-mlops-prod-scoring"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:sagemaker-mlops-prod-scoring-dlq"


def test_scoring_role_grants_exactly_the_list() -> None:
    document = policies.scoring_role_policy(
        region="us-east-1",
        account_id="123456789012",
        endpoint_name="SageMaker-MLOps-Prod",
        bucket_arn=BUCKET,
        kms_key_arn=KEY,
        dead_letter_queue_arn=QUEUE,
        log_group_name="/aws/lambda/sagemaker-mlops-prod-scoring",
    )
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeEndpoint",
                "Effect": "Allow",
                "Action": "sagemaker:InvokeEndpoint",
                "Resource": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/sagemaker-mlops-prod",
            },
            {
                "Sid": "ReadIncoming",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"],
                "Resource": f"{BUCKET}/incoming/*",
            },
            {
                "Sid": "MarkIncomingVersions",
                "Effect": "Allow",
                "Action": ["s3:PutObjectTagging", "s3:PutObjectVersionTagging"],
                "Resource": f"{BUCKET}/incoming/*",
            },
            {
                "Sid": "WritePredictions",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                "Resource": f"{BUCKET}/predictions/*",
            },
            {
                "Sid": "WriteErrorReports",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": f"{BUCKET}/incoming/*.error.json",
            },
            {
                "Sid": "UseStackKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": KEY,
            },
            {"Sid": "SendToDeadLetterQueue", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": QUEUE},
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/sagemaker-mlops-prod-scoring:*",
            },
        ],
    }


def test_no_wildcard_resource_or_action() -> None:
    document = policies.scoring_role_policy(
        region="eu-west-1",
        account_id="1",
        endpoint_name="e",
        bucket_arn=BUCKET,
        kms_key_arn=KEY,
        dead_letter_queue_arn=QUEUE,
        log_group_name="/aws/lambda/f",
    )
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert statement["Resource"] != "*"
        assert all("*" not in action and not action.startswith(("s3:Delete", "s3:List")) for action in actions)


@pytest.mark.parametrize(
    ("partition", "name", "arn"),
    [
        ("aws", "sagemaker-mlops-dev", "arn:aws:sagemaker:us-east-1:1:endpoint/sagemaker-mlops-dev"),
        ("aws-cn", "Mixed-Case", "arn:aws-cn:sagemaker:us-east-1:1:endpoint/mixed-case"),
    ],
)
def test_endpoint_arn_is_lower_cased(partition: str, name: str, arn: str) -> None:
    assert policies.endpoint_arn(partition=partition, region="us-east-1", account_id="1", endpoint_name=name) == arn


def test_predict_api_role_invokes_and_logs_only() -> None:
    document = policies.predict_api_role_policy(
        region="us-east-1", account_id="1", endpoint_name="e", log_group_name="/aws/lambda/api"
    )
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in document["Statement"]] == [
        ("InvokeEndpoint", "sagemaker:InvokeEndpoint", "arn:aws:sagemaker:us-east-1:1:endpoint/e"),
        (
            "WriteOwnLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/api:*",
        ),
    ]
    assert policies.lambda_trust_policy()["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
