"""Bucket and key policy documents of the artifact store, as pure functions of plain strings.

The component calls these inside ``Output.apply`` once ARNs are known; tests compare whole documents.
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.iam.documents import Document, document


def tls_only_statement(bucket_arn: str) -> Document:
    """Security Hub S3.5: deny every request that does not use TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def bucket_policy(bucket_arn: str) -> Document:
    return document(tls_only_statement(bucket_arn))


def log_bucket_policy(bucket_arn: str, account_id: str, source_bucket_arns: Sequence[str]) -> Document:
    """The access-log bucket: TLS only, and S3's logging service may write, for our buckets only.

    With bucket-owner-enforced ownership (no ACLs), server access logging is granted by bucket policy
    to ``logging.s3.amazonaws.com`` rather than by the legacy log-delivery ACL.
    """
    return document(
        tls_only_statement(bucket_arn),
        {
            "Sid": "AllowS3ServerAccessLogs",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": sorted(source_bucket_arns)},
            },
        },
    )


def kms_key_policy(account_id: str, region: str) -> Document:
    """The project key: administered through IAM in this account; CloudWatch and EventBridge may use it for SNS,
    CloudWatch Logs for the log groups.

    CloudWatch alarms and the registry's EventBridge rule publish to an SNS topic encrypted with this key,
    which requires the key policy itself (not IAM) to let ``cloudwatch.amazonaws.com`` and
    ``events.amazonaws.com`` generate data keys and decrypt.
    """
    return document(
        {
            "Sid": "AccountAdministersKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchAlarmsPublishToEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        },
        {
            "Sid": "EventBridgeRulesPublishToEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        },
        {
            # The functions' and the HTTP API's log groups are encrypted with this key: CloudWatch Logs
            # uses it as its regional service principal, only for log groups of this account.
            "Sid": "CloudWatchLogsEncryptLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:log-group:*"}
            },
        },
    )


def replica_key_policy(account_id: str) -> Document:
    """The replica key: administered through IAM in this account (the replication role is granted by IAM)."""
    return document(
        {
            "Sid": "AccountAdministersKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )


def replication_trust_policy(account_id: str) -> Document:
    """S3 may assume the replication role, on behalf of this account only."""
    return document(
        {
            "Sid": "S3AssumesReplicationRole",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def replication_role_policy(
    *,
    sources: Sequence[str],
    destinations: Sequence[str],
    source_key_arn: str,
    replica_key_arn: str,
    source_region: str,
    replica_region: str,
) -> Document:
    """Read the source buckets' versions, write replicas, use each key only through S3 in its region."""
    return document(
        {
            "Sid": "ReadReplicationConfiguration",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": list(sources),
        },
        {
            "Sid": "ReadSourceVersions",
            "Effect": "Allow",
            "Action": [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
            ],
            "Resource": [f"{arn}/*" for arn in sources],
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            "Resource": [f"{arn}/*" for arn in destinations],
        },
        {
            "Sid": "DecryptSourceThroughS3",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": source_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{source_region}.amazonaws.com"}},
        },
        {
            "Sid": "EncryptReplicasThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": replica_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{replica_region}.amazonaws.com"}},
        },
    )
