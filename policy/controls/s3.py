"""S3 controls (Security Hub S3.1/.5/.8/.9/.10/.12/.13/.14/.17), stack checks per bucket: pulumi-aws 7 models a
bucket's public access block, policy, logging, lifecycle, ownership, versioning and encryption as separate resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policy.controls.base import (
    BUCKET_ACLS,
    BUCKET_ENCRYPTION,
    BUCKET_LIFECYCLE,
    BUCKET_LOGGING,
    BUCKET_NOTIFICATION,
    BUCKET_OWNERSHIP,
    BUCKET_POLICY,
    BUCKET_VERSIONING,
    PUBLIC_ACCESS_BLOCK,
    Control,
    Resource,
    _companions,
    _document,
    _get,
    _linked,
    _per_bucket,
    _seq,
    _statements,
)


def _public_access(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    blocks = _companions(bucket, resources, PUBLIC_ACCESS_BLOCK)
    if not blocks:
        return ["has no BucketPublicAccessBlock"]
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    return [f"{flag} is not true" for flag in flags if not any(b.props.get(flag) is True for b in blocks)]


def _denies_insecure_transport(statement: Mapping[str, Any], arn: Any) -> bool:
    principal = statement.get("Principal")
    actions = _seq(statement.get("Action"))
    resources = {str(r) for r in _seq(statement.get("Resource"))}
    if isinstance(arn, str):
        covers = {arn, f"{arn}/*"} <= resources
    else:
        covers = any(r.endswith("/*") for r in resources) and any(not r.endswith("/*") for r in resources)
    return (
        statement.get("Effect") == "Deny"
        and (principal == "*" or _get(principal, "AWS") == "*")
        and ("s3:*" in actions or "*" in actions)
        and str(_get(statement, "Condition", "Bool", "aws:SecureTransport")).lower() == "false"
        and covers
    )


def _tls_only(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    policies = _companions(bucket, resources, BUCKET_POLICY)
    if not policies:
        return ["has no bucket policy (S3.5 needs one that denies requests without TLS)"]
    arn = bucket.props.get("arn")
    for policy in policies:
        if any(_denies_insecure_transport(s, arn) for s in _statements(_document(policy.props.get("policy")))):
            return []
    return ["its bucket policy does not deny s3:* to everyone when aws:SecureTransport is false"]


def _access_logging(bucket: Resource, resources: Sequence[Resource], is_log_target: bool) -> list[str]:
    if is_log_target:
        # The access-log bucket itself is not logged: logging it into itself would log every log write.
        return []
    loggings = [lg for lg in _companions(bucket, resources, BUCKET_LOGGING) if lg.props.get("targetBucket")]
    if not loggings:
        return ["has no server access logging (BucketLogging with a targetBucket)"]
    if any(_linked(lg, "targetBucket", bucket) for lg in loggings):
        return ["logs into itself"]
    return []


def _lifecycle(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    rules = [
        rule
        for config in _companions(bucket, resources, BUCKET_LIFECYCLE)
        for rule in _seq(config.props.get("rules"))
        if isinstance(rule, Mapping) and rule.get("status") == "Enabled"
    ]
    if not rules:
        return ["has no enabled lifecycle rule (S3.13)"]
    if not any(rule.get("noncurrentVersionExpiration") for rule in rules):
        return ["has no enabled rule expiring noncurrent versions (S3.10: versioned buckets need one)"]
    return []


def _no_acls(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    problems = []
    ownership = [_get(c.props, "rule", "objectOwnership") for c in _companions(bucket, resources, BUCKET_OWNERSHIP)]
    if "BucketOwnerEnforced" not in ownership:
        problems.append("object ownership is not BucketOwnerEnforced (ACLs stay enabled)")
    if any(_companions(bucket, resources, acl) for acl in BUCKET_ACLS) or bucket.props.get("acl") not in (
        None,
        "private",
    ):
        problems.append("has an ACL")
    return problems


def _versioning(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    statuses = [
        _get(v.props, "versioningConfiguration", "status") for v in _companions(bucket, resources, BUCKET_VERSIONING)
    ]
    return [] if "Enabled" in statuses else ["versioning is not Enabled"]


def _kms_encryption(bucket: Resource, resources: Sequence[Resource], is_log_target: bool) -> list[str]:
    defaults = [
        _get(rule, "applyServerSideEncryptionByDefault")
        for config in _companions(bucket, resources, BUCKET_ENCRYPTION)
        for rule in _seq(config.props.get("rules"))
    ]
    defaults = [d for d in defaults if isinstance(d, Mapping)]
    if any(d.get("sseAlgorithm") in ("aws:kms", "aws:kms:dsse") and d.get("kmsMasterKeyId") for d in defaults):
        return []
    if is_log_target and any(d.get("sseAlgorithm") == "AES256" for d in defaults):
        # Documented exception: S3 server access logging cannot deliver to a bucket whose default
        # encryption is SSE-KMS, so the access-log bucket uses SSE-S3.
        return []
    return ["default encryption is not SSE-KMS with a customer-managed key"]


CONTROLS: tuple[Control, ...] = (
    Control(
        "s3.1-s3.8-block-public-access",
        "S3.1/S3.8",
        "S3.1/S3.8: every bucket has a public access block with all four settings on.",
        stack_check=_per_bucket(_public_access),
    ),
    Control(
        "s3.5-tls-only",
        "S3.5",
        "S3.5: every bucket policy denies s3:* to everyone when aws:SecureTransport is false.",
        stack_check=_per_bucket(_tls_only),
    ),
    Control(
        "s3.9-access-logging",
        "S3.9",
        "S3.9: every bucket writes server access logs to another bucket (the log bucket itself is exempt).",
        stack_check=_per_bucket(_access_logging),
    ),
    Control(
        "s3.10-s3.13-lifecycle",
        "S3.10/S3.13",
        "S3.10/S3.13: every bucket has an enabled lifecycle rule, including one expiring noncurrent versions.",
        stack_check=_per_bucket(_lifecycle),
    ),
    Control(
        "s3.12-no-acls",
        "S3.12",
        "S3.12: ACLs are disabled (object ownership BucketOwnerEnforced) and no bucket ACL is declared.",
        stack_check=_per_bucket(_no_acls),
    ),
    Control(
        "s3.14-versioning",
        "S3.14",
        "S3.14: versioning is enabled on every bucket.",
        stack_check=_per_bucket(_versioning),
    ),
    Control(
        "s3.17-kms-encryption",
        "S3.17",
        "S3.17: default encryption is SSE-KMS with a customer-managed key. Exception: the access-log bucket "
        "uses SSE-S3, because S3 server access logging cannot deliver to an SSE-KMS encrypted bucket.",
        stack_check=_per_bucket(_kms_encryption),
    ),
)


def _event_notifications(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    notifications = _companions(bucket, resources, BUCKET_NOTIFICATION)
    if not notifications:
        return ["has no event notifications (S3.11: a BucketNotification, e.g. eventbridge true)"]
    if not any(n.props.get("eventbridge") is True or n.props.get(kind) for n in notifications for kind in DESTINATIONS):
        return ["its BucketNotification sends events nowhere (no eventbridge, topic, queue or function)"]
    return []


DESTINATIONS = ("topics", "queues", "lambdaFunctions")
# Security Hub S3.11. The artifact bucket's single notification configuration belongs to the scoring
# application (S3 keeps one per bucket), which sets eventbridge in it beside its function.
EVENT_NOTIFICATIONS = Control(
    "s3.11-event-notifications",
    "S3.11",
    "S3.11: every bucket has event notifications enabled (here: to EventBridge).",
    stack_check=_per_bucket(_event_notifications),
)
CONTROLS += (EVENT_NOTIFICATIONS,)
