"""IAM documents of the functions' roles, as pure functions of plain strings (compared whole in tests).

The scoring function may: invoke this endpoint only; read ``incoming/`` (the exact version it was told
about, and its tags); tag those versions (the idempotency marker, see ``functions.scoring``); write
``predictions/`` and the error reports next to the inputs (``incoming/*.error.json``); use the stack's key
for those objects and the queue; send to its dead-letter queue; write its own log group. Nothing else —
no ``s3:ListBucket`` (the marker is a tag so that no existence check of a missing object is needed), no
``logs:CreateLogGroup`` (the stack creates the group, with retention and KMS), no ``Delete*``.
"""

from __future__ import annotations

from typing import Any

from functions.settings import ERROR_REPORT_SUFFIX, INCOMING_PREFIX, PREDICTIONS_PREFIX

Document = dict[str, Any]


def _doc(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def lambda_trust_policy() -> Document:
    return _doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )


def endpoint_arn(*, partition: str = "aws", region: str, account_id: str, endpoint_name: str) -> str:
    # SageMaker lower-cases resource names in ARNs (CreateEndpoint returns the ARN that way), and IAM
    # compares resources case-sensitively: a mixed-case name must be lowered or the grant matches nothing.
    return f"arn:{partition}:sagemaker:{region}:{account_id}:endpoint/{endpoint_name.lower()}"


def _log_statement(partition: str, region: str, account_id: str, log_group_name: str) -> Document:
    return {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:{partition}:logs:{region}:{account_id}:log-group:{log_group_name}:*",
    }


def scoring_role_policy(
    *,
    partition: str = "aws",
    region: str,
    account_id: str,
    endpoint_name: str,
    bucket_arn: str,
    kms_key_arn: str,
    dead_letter_queue_arn: str,
    log_group_name: str,
) -> Document:
    """Least privilege for ``functions.scoring``."""
    incoming = f"{bucket_arn}/{INCOMING_PREFIX}*"
    return _doc(
        _invoke_endpoint(partition, region, account_id, endpoint_name),
        {
            # GetObject also covers the HeadObject that skips superseded versions.
            "Sid": "ReadIncoming",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"],
            "Resource": incoming,
        },
        {
            "Sid": "MarkIncomingVersions",
            "Effect": "Allow",
            "Action": ["s3:PutObjectTagging", "s3:PutObjectVersionTagging"],
            "Resource": incoming,
        },
        {
            "Sid": "WritePredictions",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": f"{bucket_arn}/{PREDICTIONS_PREFIX}*",
        },
        {
            "Sid": "WriteErrorReports",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/{INCOMING_PREFIX}*{ERROR_REPORT_SUFFIX}",
        },
        {
            # SSE-KMS objects: Decrypt to read (and to complete a multipart upload), GenerateDataKey to
            # write; the encrypted queue needs both for SendMessage.
            "Sid": "UseStackKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
        },
        {
            # The handler reports failures here; Lambda's asynchronous on-failure destination sends as
            # this role too.
            "Sid": "SendToDeadLetterQueue",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": dead_letter_queue_arn,
        },
        _log_statement(partition, region, account_id, log_group_name),
    )


def _invoke_endpoint(partition: str, region: str, account_id: str, endpoint_name: str) -> Document:
    """InvokeEndpoint on this stack's endpoint only."""
    return {
        "Sid": "InvokeEndpoint",
        "Effect": "Allow",
        "Action": "sagemaker:InvokeEndpoint",
        "Resource": endpoint_arn(
            partition=partition, region=region, account_id=account_id, endpoint_name=endpoint_name
        ),
    }


def predict_api_role_policy(
    *, partition: str = "aws", region: str, account_id: str, endpoint_name: str, log_group_name: str
) -> Document:
    """Least privilege for ``functions.http_api``: invoke the endpoint, write its own logs."""
    return _doc(
        _invoke_endpoint(partition, region, account_id, endpoint_name),
        _log_statement(partition, region, account_id, log_group_name),
    )
