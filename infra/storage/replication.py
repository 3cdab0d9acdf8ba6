"""Cross-region replication of the capture and access-log buckets (prod by default).

Versioning keeps overwritten and deleted objects, not the loss of a region. Replication copies every new
object version (and delete markers) of the capture and log buckets to buckets of the same shape in a
second region, encrypted there with a key of that region: a KMS key never leaves its region, so S3
decrypts with the stack key and re-encrypts with the replica key, which the replication role may use only
through S3 in each region. The replicas sit in the second region through pulumi-aws 7's per-resource
``region`` (the stack's one provider, so credentials, assume-role and endpoints apply unchanged) rather
than a second provider, which would not inherit the stack's ``aws:`` configuration.

The replica log bucket receives the capture replica's access logs (S3 logs to a bucket in the same
region), so it is SSE-S3 like the primary log bucket.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.storage import documents

if TYPE_CHECKING:
    from infra.storage.artifact_store import ArtifactStore, ArtifactStoreArgs

REPLICA_LOG_EXPIRY_DAYS = 365
REPLICA_CAPTURE_EXPIRY_DAYS = 180


def replicate(store: ArtifactStore, name: str, args: ArtifactStoreArgs) -> None:
    region = str(args.replica_region)
    keep = pulumi.ResourceOptions(parent=store, protect=args.retain_data, retain_on_delete=args.retain_data)
    child = pulumi.ResourceOptions(parent=store)
    replica_key = aws.kms.Key(
        f"{name}-replica-key",
        region=region,
        description=f"{name}: replicas of data capture and access logs in {region}",
        enable_key_rotation=True,
        deletion_window_in_days=30 if args.retain_data else 7,
        policy=pulumi.Output.from_input(args.account_id).apply(
            lambda account: json.dumps(documents.replica_key_policy(account))
        ),
        tags=dict(args.tags),
        opts=keep,
    )
    aws.kms.Alias(
        f"{name}-replica-key-alias",
        region=region,
        name=f"alias/{name}-replica",
        target_key_id=replica_key.key_id,
        opts=child,
    )
    logs = store._bucket(
        f"{name}-logs-replica", kms=False, expire_days=REPLICA_LOG_EXPIRY_DAYS, region=region, key=replica_key
    )
    capture = store._bucket(
        f"{name}-capture-replica",
        kms=True,
        expire_days=REPLICA_CAPTURE_EXPIRY_DAYS,
        region=region,
        key=replica_key,
    )
    log_policy = store._policy(
        f"{name}-logs-replica",
        logs,
        pulumi.Output.all(logs.arn, args.account_id, capture.arn).apply(
            lambda v: json.dumps(documents.log_bucket_policy(v[0], v[1], [v[2]]))
        ),
        region=region,
    )
    store._policy(
        f"{name}-capture-replica",
        capture,
        capture.arn.apply(lambda arn: json.dumps(documents.bucket_policy(arn))),
        region=region,
    )
    aws.s3.BucketLogging(
        f"{name}-capture-replica-logging",
        region=region,
        bucket=capture.id,
        target_bucket=logs.id,
        target_prefix=f"{name}-capture-replica/",
        opts=pulumi.ResourceOptions(parent=store, depends_on=[log_policy]),
    )
    for replica in (f"{name}-capture-replica", f"{name}-logs-replica"):
        aws.s3.BucketNotification(
            f"{replica}-notifications",
            region=region,
            bucket=(capture if replica.endswith("capture-replica") else logs).id,
            eventbridge=True,
            opts=child,
        )

    role = aws.iam.Role(
        f"{name}-replication-role",
        description=f"{name}: S3 replication of capture data and access logs to {region}",
        assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
            lambda account: json.dumps(documents.replication_trust_policy(account))
        ),
        max_session_duration=3600,
        tags=dict(args.tags),
        opts=child,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-replication-policy",
        role=role.id,
        policy=pulumi.Output.all(
            store.capture_bucket.arn, store.log_bucket.arn, capture.arn, logs.arn, store.key.arn, replica_key.arn
        ).apply(
            lambda v: json.dumps(
                documents.replication_role_policy(
                    sources=[v[0], v[1]],
                    destinations=[v[2], v[3]],
                    source_key_arn=v[4],
                    replica_key_arn=v[5],
                    source_region=args.region,
                    replica_region=region,
                )
            )
        ),
        opts=child,
    )
    for source, source_name, destination, encrypted in (
        (store.capture_bucket, f"{name}-capture", capture, True),
        (store.log_bucket, f"{name}-logs", logs, False),
    ):
        aws.s3.BucketReplicationConfig(
            f"{source_name}-replication",
            bucket=source.id,
            role=role.arn,
            rules=[
                aws.s3.BucketReplicationConfigRuleArgs(
                    id="replicate-everything",
                    status="Enabled",
                    priority=1,
                    filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                    delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                        status="Enabled"
                    ),
                    # SSE-KMS objects are replicated only when the rule opts in and names the replica key.
                    source_selection_criteria=(
                        aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                            sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                                status="Enabled"
                            )
                        )
                        if encrypted
                        else None
                    ),
                    destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                        bucket=destination.arn,
                        storage_class="STANDARD",
                        encryption_configuration=(
                            aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                                replica_kms_key_id=replica_key.arn
                            )
                            if encrypted
                            else None
                        ),
                    ),
                )
            ],
            # S3 refuses a replication configuration until both buckets are versioned and the role can act.
            opts=pulumi.ResourceOptions(
                parent=store,
                depends_on=[store.versioning[source_name], store.versioning[f"{source_name}-replica"], policy],
            ),
        )
