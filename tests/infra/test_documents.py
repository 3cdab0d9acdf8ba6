"""The IAM, KMS and bucket policy documents, compared whole: every grant is reviewed exactly.

These prove the documents' content; moto's IAM (emulator rehearsal) proves AWS's grammar accepts them.
"""

from __future__ import annotations

import pytest

from infra.iam import documents as iam_documents
from infra.storage import documents as storage_documents

ACCOUNT = "111122223333"
REGION = "eu-west-1"
ARTIFACTS = "arn:aws:s3:::mlops-artifacts"
CAPTURE = "arn:aws:s3:::mlops-capture"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/abcd"
REPO = "arn:aws:ecr:eu-west-1:141502667606:repository/sagemaker-scikit-learn"


def execution_policy(alarm_name_prefix: str) -> dict[str, object]:
    return iam_documents.execution_role_policy(
        account_id=ACCOUNT,
        region=REGION,
        artifact_bucket_arn=ARTIFACTS,
        capture_bucket_arn=CAPTURE,
        kms_key_arn=KEY,
        image_repository_arn=REPO,
        alarm_name_prefix=alarm_name_prefix,
    )


def test_trust_policy_is_sagemaker_only_for_this_account() -> None:
    assert iam_documents.sagemaker_trust_policy(ACCOUNT) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SageMakerAssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }


def test_execution_role_policy_exactly() -> None:
    document = execution_policy("sagemaker-mlops-prod")
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadModelArtifacts",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"{ARTIFACTS}/models/*",
            },
            {
                "Sid": "ListModelArtifacts",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": ARTIFACTS,
                "Condition": {"StringLike": {"s3:prefix": ["models/*"]}},
            },
            {
                "Sid": "WriteCaptureAndMonitoringOutput",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                "Resource": [f"{CAPTURE}/capture/*", f"{CAPTURE}/monitoring/*"],
            },
            {
                "Sid": "ReadCapture",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"{CAPTURE}/capture/*",
            },
            {
                "Sid": "ListCapture",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": CAPTURE,
                "Condition": {"StringLike": {"s3:prefix": ["capture/*"]}},
            },
            {
                "Sid": "UseProjectKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                "Resource": KEY,
            },
            {
                "Sid": "GrantProjectKeyToSageMakerVolumes",
                "Effect": "Allow",
                "Action": "kms:CreateGrant",
                "Resource": KEY,
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {
                "Sid": "PullServingImage",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                "Resource": REPO,
            },
            {
                "Sid": "WriteSageMakerLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/*",
            },
            {
                "Sid": "PublishSageMakerMetrics",
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "cloudwatch:namespace": [
                            "AWS/SageMaker",
                            "/aws/sagemaker/Endpoints",
                            "aws/sagemaker/Endpoints/data-metrics",
                        ]
                    }
                },
            },
            {
                "Sid": "DescribeRollbackAlarms",
                "Effect": "Allow",
                "Action": "cloudwatch:DescribeAlarms",
                "Resource": "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:sagemaker-mlops-prod-*",
            },
        ],
    }


def _actions(document: dict[str, object]) -> list[str]:
    statements = document["Statement"]
    assert isinstance(statements, list)
    found: list[str] = []
    for statement in statements:
        action = statement["Action"]
        found.extend([action] if isinstance(action, str) else action)
    return found


@pytest.mark.parametrize(
    "document",
    [
        execution_policy("x"),
        iam_documents.deployer_policy(
            account_id=ACCOUNT, region=REGION, endpoint_name="e", execution_role_arn="arn:aws:iam::1:role/r"
        ),
    ],
)
def test_no_wildcard_actions(document: dict[str, object]) -> None:
    wildcards = [a for a in _actions(document) if a == "*" or a.endswith(":*")]
    assert wildcards == []


def test_only_unscopable_actions_use_resource_star() -> None:
    document = execution_policy("x")
    star = sorted(s["Sid"] for s in document["Statement"] if s["Resource"] == "*")
    assert star == ["EcrLogin", "PublishSageMakerMetrics"]


def test_bucket_policy_denies_plain_http() -> None:
    assert storage_documents.bucket_policy(ARTIFACTS) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [ARTIFACTS, f"{ARTIFACTS}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def test_log_bucket_policy_admits_s3_logging_for_our_buckets_only() -> None:
    document = storage_documents.log_bucket_policy("arn:aws:s3:::logs", ACCOUNT, [CAPTURE, ARTIFACTS])
    assert document["Statement"][0] == storage_documents.tls_only_statement("arn:aws:s3:::logs")
    assert document["Statement"][1] == {
        "Sid": "AllowS3ServerAccessLogs",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::logs/*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": [ARTIFACTS, CAPTURE]},
        },
    }


def test_kms_key_policy_lets_cloudwatch_publish_to_encrypted_topics() -> None:
    document = storage_documents.kms_key_policy(ACCOUNT, REGION)
    assert [s["Sid"] for s in document["Statement"]] == [
        "AccountAdministersKeyThroughIam",
        "CloudWatchAlarmsPublishToEncryptedTopic",
        "EventBridgeRulesPublishToEncryptedTopic",
        "CloudWatchLogsEncryptLogGroups",
    ]
    assert document["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert document["Statement"][1] == {
        "Sid": "CloudWatchAlarmsPublishToEncryptedTopic",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    # The registry's approval events reach the same encrypted topic through EventBridge.
    assert document["Statement"][2] == {
        "Sid": "EventBridgeRulesPublishToEncryptedTopic",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    # CloudWatch Logs encrypts the functions' and the API's log groups: its regional principal, this
    # account's log groups only (the encryption context CloudWatch Logs sends names the group).
    assert document["Statement"][3] == {
        "Sid": "CloudWatchLogsEncryptLogGroups",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"}
        },
    }


def test_deployer_policy_scopes_scaling_writes_to_sagemaker_variant_targets() -> None:
    """Documents are compared whole; IAM's acceptance of the condition keys is the emulator's and AWS's to prove."""
    document = iam_documents.deployer_policy(
        account_id=ACCOUNT,
        region=REGION,
        endpoint_name="sagemaker-mlops-prod",
        execution_role_arn="arn:aws:iam::111122223333:role/exec",
    )
    writes, describe = document["Statement"][0], document["Statement"][1]
    assert writes == {
        "Sid": "ManageEndpointScaling",
        "Effect": "Allow",
        "Action": [
            "application-autoscaling:RegisterScalableTarget",
            "application-autoscaling:DeregisterScalableTarget",
            "application-autoscaling:PutScalingPolicy",
            "application-autoscaling:DeleteScalingPolicy",
            "application-autoscaling:TagResource",
            "application-autoscaling:UntagResource",
            "application-autoscaling:ListTagsForResource",
        ],
        "Resource": f"arn:aws:application-autoscaling:{REGION}:{ACCOUNT}:scalable-target/*",
        "Condition": {
            "StringEquals": {
                "application-autoscaling:service-namespace": "sagemaker",
                "application-autoscaling:scalable-dimension": "sagemaker:variant:DesiredInstanceCount",
            }
        },
    }
    # Only the Describe* actions, which support no resource-level permissions, stay on "*".
    assert describe == {
        "Sid": "DescribeEndpointScaling",
        "Effect": "Allow",
        "Action": "application-autoscaling:Describe*",
        "Resource": "*",
    }
    assert [s["Sid"] for s in document["Statement"] if s["Resource"] == "*"] == ["DescribeEndpointScaling"]


def test_deployer_policy_can_deregister_scalable_targets() -> None:
    document = iam_documents.deployer_policy(
        account_id=ACCOUNT,
        region=REGION,
        endpoint_name="sagemaker-mlops-prod",
        execution_role_arn="arn:aws:iam::111122223333:role/exec",
    )
    actions = _actions(document)
    assert "application-autoscaling:DeregisterScalableTarget" in actions
    passrole = next(s for s in document["Statement"] if s["Sid"] == "PassExecutionRoleToSageMaker")
    assert passrole["Resource"] == "arn:aws:iam::111122223333:role/exec"
    assert passrole["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_deployer_passes_the_function_roles_to_lambda_only() -> None:
    roles = ["arn:aws:iam::111122223333:role/score", "arn:aws:iam::111122223333:role/api"]
    document = iam_documents.deployer_policy(
        account_id=ACCOUNT,
        region=REGION,
        endpoint_name="sagemaker-mlops-prod",
        execution_role_arn="arn:aws:iam::111122223333:role/exec",
        function_role_arns=roles,
    )
    assert document["Statement"][-1] == {
        "Sid": "PassFunctionRolesToLambda",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": sorted(roles),
        "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
    }
    without = iam_documents.deployer_policy(
        account_id=ACCOUNT,
        region=REGION,
        endpoint_name="sagemaker-mlops-prod",
        execution_role_arn="arn:aws:iam::111122223333:role/exec",
    )
    assert [s["Sid"] for s in without["Statement"]] == [s["Sid"] for s in document["Statement"]][:-1]
