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

from offline import tokens

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
    tokens.SAGEMAKER_MODEL: ReplacementRule(EVERY_INPUT, "name", "sagemaker/model.go"),
    tokens.SAGEMAKER_ENDPOINT_CONFIG: ReplacementRule(EVERY_INPUT, "name", "sagemaker/endpoint_configuration.go"),
    # Only the name and the auto-rollback block force a new endpoint; a new endpoint_config_name or
    # blue/green policy is an in-place UpdateEndpoint.
    tokens.SAGEMAKER_ENDPOINT: ReplacementRule(
        ("name", "deploymentConfig.autoRollbackConfiguration"), "name", "sagemaker/endpoint.go"
    ),
    tokens.SAGEMAKER_DATA_QUALITY_JOB: ReplacementRule(EVERY_INPUT, "name", "sagemaker/data_quality_job_definition.go"),
    tokens.SAGEMAKER_MONITORING_SCHEDULE: ReplacementRule(("name",), "name", "sagemaker/monitoring_schedule.go"),
    # Only tags of a group can change in place (its name and description are ForceNew).
    tokens.SAGEMAKER_MODEL_PACKAGE_GROUP: ReplacementRule(
        EVERY_INPUT, "modelPackageGroupName", "sagemaker/model_package_group.go"
    ),
    # EventBridge ------------------------------------------------------------------------------------
    tokens.EVENT_RULE: ReplacementRule(("name", "namePrefix", "eventBusName"), "name", "events/rule.go"),
    tokens.EVENT_TARGET: ReplacementRule(("rule", "targetId", "eventBusName"), None, "events/target.go"),
    # S3 ------------------------------------------------------------------------------------------
    # force_destroy only changes what Terraform does on delete: an update, not a replacement.
    tokens.S3_BUCKET: ReplacementRule(("bucket", "bucketPrefix", "objectLockEnabled"), "bucket", "s3/bucket.go"),
    tokens.S3_OBJECT: ReplacementRule(("bucket", "key"), "key", "s3/object.go"),
    tokens.S3_BUCKET_POLICY: ReplacementRule(("bucket",), None, "s3/bucket_policy.go"),
    tokens.S3_PUBLIC_ACCESS_BLOCK: ReplacementRule(("bucket",), None, "s3/bucket_public_access_block.go"),
    tokens.S3_OWNERSHIP_CONTROLS: ReplacementRule(("bucket",), None, "s3/bucket_ownership_controls.go"),
    tokens.S3_BUCKET_VERSIONING: ReplacementRule(("bucket", "expectedBucketOwner"), None, "s3/bucket_versioning.go"),
    tokens.S3_BUCKET_ENCRYPTION: ReplacementRule(
        ("bucket", "expectedBucketOwner"), None, "s3/bucket_server_side_encryption_configuration.go"
    ),
    tokens.S3_BUCKET_LIFECYCLE: ReplacementRule(
        ("bucket", "expectedBucketOwner"), None, "s3/bucket_lifecycle_configuration.go"
    ),
    tokens.S3_BUCKET_LOGGING: ReplacementRule(("bucket", "expectedBucketOwner"), None, "s3/bucket_logging.go"),
    # KMS -----------------------------------------------------------------------------------------
    # Rotation, policy, description and the deletion window are updated in place.
    tokens.KMS_KEY: ReplacementRule(
        ("customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"), None, "kms/key.go"
    ),
    tokens.KMS_ALIAS: ReplacementRule(("name", "namePrefix"), "name", "kms/alias.go"),
    # IAM -----------------------------------------------------------------------------------------
    tokens.IAM_ROLE: ReplacementRule(("name", "namePrefix", "path"), "name", "iam/role.go"),
    tokens.IAM_ROLE_POLICY: ReplacementRule(("name", "namePrefix", "role"), "name", "iam/role_policy.go"),
    # CloudWatch ----------------------------------------------------------------------------------
    tokens.METRIC_ALARM: ReplacementRule(("name",), "name", "cloudwatch/metric_alarm.go"),
    tokens.COMPOSITE_ALARM: ReplacementRule(("alarmName",), "alarmName", "cloudwatch/composite_alarm.go"),
    tokens.DASHBOARD: ReplacementRule(("dashboardName",), "dashboardName", "cloudwatch/dashboard.go"),
    # SNS -----------------------------------------------------------------------------------------
    tokens.SNS_TOPIC: ReplacementRule(("name", "namePrefix", "fifoTopic"), "name", "sns/topic.go"),
    tokens.SNS_TOPIC_POLICY: ReplacementRule(("arn",), None, "sns/topic_policy.go"),
    tokens.SNS_SUBSCRIPTION: ReplacementRule(("topic", "protocol", "endpoint"), None, "sns/topic_subscription.go"),
    # Comprehend ----------------------------------------------------------------------------------
    # No ForceNew at all: any change except tags publishes a new version (CreateEntityRecognizer with the
    # new version_name) beside the old ones; delete removes every version.
    tokens.COMPREHEND_ENTITY_RECOGNIZER: ReplacementRule((), "name", "comprehend/entity_recognizer.go"),
    tokens.COMPREHEND_DOCUMENT_CLASSIFIER: ReplacementRule((), "name", "comprehend/document_classifier.go"),
    # Application Auto Scaling --------------------------------------------------------------------
    tokens.SCALABLE_TARGET: ReplacementRule(
        ("resourceId", "scalableDimension", "serviceNamespace"), None, "appautoscaling/target.go"
    ),
    tokens.SCALING_POLICY: ReplacementRule(
        ("name", "resourceId", "scalableDimension", "serviceNamespace"), "name", "appautoscaling/policy.go"
    ),
    # Applications ---------------------------------------------------------------------------------
    tokens.LAMBDA_FUNCTION: ReplacementRule(("name", "packageType"), "name", "lambda/function.go"),
    # A permission is one statement of the function's resource policy: any change is a new statement.
    tokens.LAMBDA_PERMISSION: ReplacementRule(EVERY_INPUT, "statementId", "lambda/permission.go"),
    tokens.LAMBDA_EVENT_INVOKE_CONFIG: ReplacementRule(
        ("functionName", "qualifier"), None, "lambda/function_event_invoke_config.go"
    ),
    tokens.S3_BUCKET_NOTIFICATION: ReplacementRule(("bucket",), None, "s3/bucket_notification.go"),
    tokens.SQS_QUEUE: ReplacementRule(("name", "namePrefix", "fifoQueue"), "name", "sqs/queue.go"),
    tokens.LOG_GROUP: ReplacementRule(("name", "namePrefix", "logGroupClass"), "name", "logs/group.go"),
    tokens.HTTP_API: ReplacementRule(("protocolType",), None, "apigatewayv2/api.go"),
    tokens.HTTP_API_INTEGRATION: ReplacementRule(
        ("apiId", "integrationType", "integrationSubtype"), None, "apigatewayv2/integration.go"
    ),
    tokens.HTTP_API_AUTHORIZER: ReplacementRule(("apiId",), None, "apigatewayv2/authorizer.go"),
    tokens.HTTP_API_ROUTE: ReplacementRule(("apiId",), None, "apigatewayv2/route.go"),
    tokens.HTTP_API_STAGE: ReplacementRule(("apiId", "name"), "name", "apigatewayv2/stage.go"),
}
# Logs, notifications, replication, the private network and the notebook ------------------------------
RULES |= {
    # Retention and the KMS key are updated in place (PutRetentionPolicy, AssociateKmsKey).
    tokens.LOG_GROUP: ReplacementRule(("name", "namePrefix", "logGroupClass"), "name", "logs/group.go"),
    tokens.S3_BUCKET_NOTIFICATION: ReplacementRule(("bucket",), None, "s3/bucket_notification.go"),
    tokens.EC2_VPC: ReplacementRule(("cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"), None, "ec2/vpc_.go"),
    tokens.EC2_SUBNET: ReplacementRule(
        ("vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"), None, "ec2/vpc_subnet.go"
    ),
    tokens.EC2_ROUTE_TABLE: ReplacementRule(("vpcId",), None, "ec2/vpc_route_table.go"),
    tokens.EC2_ROUTE_TABLE_ASSOCIATION: ReplacementRule(
        ("subnetId", "gatewayId"), None, "ec2/vpc_route_table_association.go"
    ),
    tokens.EC2_SECURITY_GROUP: ReplacementRule(
        ("name", "namePrefix", "description", "vpcId"), "name", "ec2/vpc_security_group.go"
    ),
    tokens.EC2_VPC_ENDPOINT: ReplacementRule(("vpcId", "serviceName", "vpcEndpointType"), None, "ec2/vpc_endpoint.go"),
    tokens.VPC_INGRESS_RULE: ReplacementRule(("securityGroupId",), None, "ec2/vpc_security_group_ingress_rule.go"),
    tokens.VPC_EGRESS_RULE: ReplacementRule(("securityGroupId",), None, "ec2/vpc_security_group_egress_rule.go"),
    # The network placement, the key and the platform are fixed at creation; type, volume, role, root
    # access, IMDS and the lifecycle configuration are updated (the instance must be stopped).
    tokens.SAGEMAKER_NOTEBOOK: ReplacementRule(
        ("name", "subnetId", "securityGroups", "kmsKeyId", "directInternetAccess", "platformIdentifier"),
        "name",
        "sagemaker/notebook_instance.go",
    ),
    tokens.SAGEMAKER_NOTEBOOK_LIFECYCLE: ReplacementRule(
        ("name",), "name", "sagemaker/notebook_instance_lifecycle_configuration.go"
    ),
    tokens.S3_BUCKET_REPLICATION: ReplacementRule(("bucket",), None, "s3/bucket_replication_configuration.go"),
}


def rule_for(type_token: str) -> ReplacementRule | None:
    return RULES.get(type_token)
