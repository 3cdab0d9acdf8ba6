"""Which pulumi-aws input properties force a replacement, for the resource types this program declares.

pulumi-aws is bridged from the Terraform AWS provider: a property whose Terraform schema says
``ForceNew: true`` (``RequiresReplace`` in plugin-framework resources) makes ``pulumi up`` delete and
re-create the resource instead of updating it. A nested ``ForceNew`` (e.g. an endpoint's
``deployment_config.auto_rollback_configuration``) replaces the whole resource too.

Source: hashicorp/terraform-provider-aws, ``internal/service/<service>/<resource>.go`` schemas, read for
the provider generation pulumi-aws 7.x bridges (Terraform AWS provider 6.x). Terraform attribute names
are translated to the pulumi-aws property names the engine receives (camelCase; pulumi-aws renames
``aws_cloudwatch_metric_alarm.alarm_name`` to ``name`` and ``aws_sns_topic_subscription.topic_arn`` to
``topic``). ``tags`` never force a replacement. A type missing from this table is reported as
"replacement rules unknown" by the plan diff, and a test keeps the table complete for every type the
program declares. Re-check an entry when pulumi-aws moves to a new major version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Every input except tags forces replacement (resources whose Update function only updates tags).
EVERY_INPUT = ("*",)
UNTRACKED = frozenset({"tags", "tagsAll"})


@dataclass(frozen=True)
class ReplacementRule:
    """``force_new``: property paths (dotted camelCase, list indices left out) whose change replaces
    the resource; ``EVERY_INPUT`` for immutable resources. ``name_property``: the input that names the
    resource in AWS, or None when it has no name of its own (it is identified by what it attaches to).
    ``source``: the Terraform schema file the entry was read from."""

    force_new: tuple[str, ...]
    name_property: str | None
    source: str

    def forces_replacement(self, path: Sequence[str]) -> bool:
        """Whether a change at ``path`` (property keys, outermost first, no list indices) replaces."""
        if not path or path[0] in UNTRACKED:
            return False
        if self.force_new == EVERY_INPUT:
            return True
        prefixes = (tuple(prop.split(".")) for prop in self.force_new)
        return any(tuple(path[: len(prefix)]) == prefix for prefix in prefixes)


RULES: dict[str, ReplacementRule] = {
    # SageMaker ------------------------------------------------------------------------------------
    "aws:sagemaker/model:Model": ReplacementRule(EVERY_INPUT, "name", "sagemaker/model.go"),
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": ReplacementRule(
        EVERY_INPUT, "name", "sagemaker/endpoint_configuration.go"
    ),
    # Only the name and the auto-rollback block force a new endpoint; a new endpoint_config_name or
    # blue/green policy is an in-place UpdateEndpoint.
    "aws:sagemaker/endpoint:Endpoint": ReplacementRule(
        ("name", "deploymentConfig.autoRollbackConfiguration"), "name", "sagemaker/endpoint.go"
    ),
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": ReplacementRule(
        EVERY_INPUT, "name", "sagemaker/data_quality_job_definition.go"
    ),
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule": ReplacementRule(
        ("name",), "name", "sagemaker/monitoring_schedule.go"
    ),
    # S3 ------------------------------------------------------------------------------------------
    # force_destroy only changes what Terraform does on delete: an update, not a replacement.
    "aws:s3/bucket:Bucket": ReplacementRule(("bucket", "bucketPrefix", "objectLockEnabled"), "bucket", "s3/bucket.go"),
    "aws:s3/bucketObjectv2:BucketObjectv2": ReplacementRule(("bucket", "key"), "key", "s3/object.go"),
    "aws:s3/bucketPolicy:BucketPolicy": ReplacementRule(("bucket",), None, "s3/bucket_policy.go"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ReplacementRule(
        ("bucket",), None, "s3/bucket_public_access_block.go"
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ReplacementRule(
        ("bucket",), None, "s3/bucket_ownership_controls.go"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": ReplacementRule(
        ("bucket", "expectedBucketOwner"), None, "s3/bucket_versioning.go"
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ReplacementRule(
        ("bucket", "expectedBucketOwner"), None, "s3/bucket_server_side_encryption_configuration.go"
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ReplacementRule(
        ("bucket", "expectedBucketOwner"), None, "s3/bucket_lifecycle_configuration.go"
    ),
    "aws:s3/bucketLogging:BucketLogging": ReplacementRule(
        ("bucket", "expectedBucketOwner"), None, "s3/bucket_logging.go"
    ),
    # KMS -----------------------------------------------------------------------------------------
    # Rotation, policy, description and the deletion window are updated in place.
    "aws:kms/key:Key": ReplacementRule(
        ("customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"), None, "kms/key.go"
    ),
    "aws:kms/alias:Alias": ReplacementRule(("name", "namePrefix"), "name", "kms/alias.go"),
    # IAM -----------------------------------------------------------------------------------------
    "aws:iam/role:Role": ReplacementRule(("name", "namePrefix", "path"), "name", "iam/role.go"),
    "aws:iam/rolePolicy:RolePolicy": ReplacementRule(("name", "namePrefix", "role"), "name", "iam/role_policy.go"),
    # CloudWatch ----------------------------------------------------------------------------------
    "aws:cloudwatch/metricAlarm:MetricAlarm": ReplacementRule(("name",), "name", "cloudwatch/metric_alarm.go"),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ReplacementRule(
        ("alarmName",), "alarmName", "cloudwatch/composite_alarm.go"
    ),
    "aws:cloudwatch/dashboard:Dashboard": ReplacementRule(
        ("dashboardName",), "dashboardName", "cloudwatch/dashboard.go"
    ),
    # SNS -----------------------------------------------------------------------------------------
    "aws:sns/topic:Topic": ReplacementRule(("name", "namePrefix", "fifoTopic"), "name", "sns/topic.go"),
    "aws:sns/topicPolicy:TopicPolicy": ReplacementRule(("arn",), None, "sns/topic_policy.go"),
    "aws:sns/topicSubscription:TopicSubscription": ReplacementRule(
        ("topic", "protocol", "endpoint"), None, "sns/topic_subscription.go"
    ),
    # Application Auto Scaling --------------------------------------------------------------------
    "aws:appautoscaling/target:Target": ReplacementRule(
        ("resourceId", "scalableDimension", "serviceNamespace"), None, "appautoscaling/target.go"
    ),
    "aws:appautoscaling/policy:Policy": ReplacementRule(
        ("name", "resourceId", "scalableDimension", "serviceNamespace"), "name", "appautoscaling/policy.go"
    ),
}


def rule_for(type_token: str) -> ReplacementRule | None:
    return RULES.get(type_token)
