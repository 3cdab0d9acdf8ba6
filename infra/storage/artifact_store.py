"""Artifact store: the project KMS key and the model, capture and access-log buckets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.storage import documents, layout

# Noncurrent object versions are kept this long before expiry (recoverable overwrite/delete window).
NONCURRENT_DAYS = 90
ABORT_MULTIPART_DAYS = 7
# The scoring function streams predictions as multipart uploads; one it could not abort (killed at its
# timeout) should not be billed as stored parts for a week.
ABORT_PREDICTION_UPLOADS_DAYS = 1
# Data capture grows with traffic; the monitor only reads recent captures.
CAPTURE_EXPIRY_DAYS = 180
ACCESS_LOG_EXPIRY_DAYS = 365


@dataclass(frozen=True)
class ArtifactStoreArgs:
    account_id: pulumi.Input[str]
    region: str
    retain_data: bool
    tags: Mapping[str, str]
    # Capture data and access logs replicated to this region (prod by default); None: no replication.
    replica_region: str | None = None


class ArtifactStore(pulumi.ComponentResource):
    """KMS key with rotation; three buckets: SSE-KMS (logs: SSE-S3), versioned, private, TLS-only.

    In prod (``retain_data``) the key and the buckets are protected and retained on delete; elsewhere
    they are destroyed with the stack (``force_destroy`` empties them first).
    """

    def __init__(self, name: str, args: ArtifactStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:storage:ArtifactStore", name, None, opts)
        self._args = args
        self._access_blocks: dict[str, aws.s3.BucketPublicAccessBlock] = {}
        self.versioning: dict[str, aws.s3.BucketVersioning] = {}
        keep = pulumi.ResourceOptions(parent=self, protect=args.retain_data, retain_on_delete=args.retain_data)

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{name}: model artifacts, data capture, endpoint volumes and alarm notifications",
            enable_key_rotation=True,
            deletion_window_in_days=30 if args.retain_data else 7,
            policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(documents.kms_key_policy(account, args.region))
            ),
            tags=dict(args.tags),
            opts=keep,
        )
        self.key_alias = aws.kms.Alias(
            f"{name}-key-alias",
            name=f"alias/{name}",
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )

        # S3 server access logs: the S3 User Guide ("Enabling Amazon S3 server access logging") supports
        # default encryption of the target bucket only with SSE-S3; "SSE-KMS is not supported". Reports
        # that a customer managed key works when its policy grants logging.s3.amazonaws.com are not AWS's
        # contract, and a refused delivery fails silently (no logs, no error), so the log bucket stays SSE-S3.
        self.log_bucket = self._bucket(f"{name}-logs", kms=False, expire_days=ACCESS_LOG_EXPIRY_DAYS)
        # The artifact bucket also receives the scoring function's predictions/ (infra/applications).
        self.artifact_bucket = self._bucket(f"{name}-artifacts", kms=True, expire_days=None, prediction_uploads=True)
        self.capture_bucket = self._bucket(f"{name}-capture", kms=True, expire_days=CAPTURE_EXPIRY_DAYS)
        log_policy = self._policy(
            f"{name}-logs",
            self.log_bucket,
            pulumi.Output.all(
                self.log_bucket.arn, args.account_id, self.artifact_bucket.arn, self.capture_bucket.arn
            ).apply(lambda v: json.dumps(documents.log_bucket_policy(v[0], v[1], [v[2], v[3]]))),
        )
        for bucket_name, bucket in (
            (f"{name}-artifacts", self.artifact_bucket),
            (f"{name}-capture", self.capture_bucket),
        ):
            self._policy(bucket_name, bucket, bucket.arn.apply(lambda arn: json.dumps(documents.bucket_policy(arn))))
            aws.s3.BucketLogging(
                f"{bucket_name}-logging",
                bucket=bucket.id,
                target_bucket=self.log_bucket.id,
                target_prefix=f"{bucket_name}/",
                # S3 checks on PutBucketLogging that the target's policy already lets the logging
                # service write: the log bucket's policy must exist first.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[log_policy]),
            )

        # Security Hub S3.11: object events go to EventBridge, where any rule can route them. S3 keeps ONE
        # notification configuration per bucket; the artifact bucket's belongs to the scoring application.
        for bucket_name, bucket in ((f"{name}-capture", self.capture_bucket), (f"{name}-logs", self.log_bucket)):
            aws.s3.BucketNotification(
                f"{bucket_name}-notifications",
                bucket=bucket.id,
                eventbridge=True,
                opts=pulumi.ResourceOptions(parent=self),
            )

        if args.replica_region is not None:
            from infra.storage.replication import replicate

            replicate(self, name, args)

        self.key_arn = self.key.arn
        self.artifact_bucket_name = self.artifact_bucket.bucket
        self.capture_bucket_name = self.capture_bucket.bucket
        self.log_bucket_name = self.log_bucket.bucket
        self.register_outputs(
            {
                "key_arn": self.key_arn,
                "artifact_bucket": self.artifact_bucket_name,
                "capture_bucket": self.capture_bucket_name,
                "log_bucket": self.log_bucket_name,
            }
        )

    def _bucket(
        self,
        name: str,
        *,
        kms: bool,
        expire_days: int | None,
        region: str | None = None,
        key: aws.kms.Key | None = None,
        prediction_uploads: bool = False,
    ) -> aws.s3.Bucket:
        """A bucket with its companions; ``region``/``key`` place a replica in another region (pulumi-aws 7's
        per-resource region, so it shares the stack's provider configuration) with that region's key."""
        args = self._args
        child = pulumi.ResourceOptions(parent=self)
        key = key or self.key
        bucket = aws.s3.Bucket(
            name,
            force_destroy=not args.retain_data,
            region=region,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, protect=args.retain_data, retain_on_delete=args.retain_data),
        )
        after = pulumi.ResourceOptions(parent=self, depends_on=[bucket])
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            region=region,
            # S3.12: ACLs disabled; the bucket owner owns every object.
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        self._access_blocks[name] = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            region=region,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            region=region,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=(
                        aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                            sse_algorithm="aws:kms", kms_master_key_id=key.arn
                        )
                        if kms
                        else aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                            sse_algorithm="AES256"
                        )
                    ),
                    # S3 Bucket Keys cut KMS request costs for high-volume writers such as data capture.
                    bucket_key_enabled=kms,
                )
            ],
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            region=region,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        rules = [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-noncurrent-and-abort-incomplete-uploads",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=NONCURRENT_DAYS
                ),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=ABORT_MULTIPART_DAYS
                ),
            )
        ]
        if prediction_uploads:
            rules.append(
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="abort-incomplete-prediction-uploads",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=layout.PREDICTIONS_PREFIX),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=ABORT_PREDICTION_UPLOADS_DAYS
                    ),
                )
            )
        if expire_days is not None:
            rules.append(
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id=f"expire-current-after-{expire_days}-days",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(
                        prefix=layout.CAPTURE_PREFIX if kms else ""
                    ),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=expire_days),
                )
            )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id, region=region, rules=rules, opts=after
        )
        self.versioning[name] = versioning
        return bucket

    def _policy(
        self, name: str, bucket: aws.s3.Bucket, document: pulumi.Input[str], region: str | None = None
    ) -> aws.s3.BucketPolicy:
        return aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            region=region,
            policy=document,
            # A bucket policy is rejected while BlockPublicPolicy is being applied concurrently.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._access_blocks[name]]),
        )
