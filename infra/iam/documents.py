"""IAM role and trust documents as pure functions of plain strings.

Components call these inside ``Output.apply`` to serialise a document once ARNs are known; tests call
them directly and compare whole documents, so every grant is reviewed exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infra.storage.layout import CAPTURE_PREFIX, MODELS_PREFIX, MONITORING_PREFIX

Document = dict[str, Any]

# Where SageMaker writes endpoint logs and where the model container's metrics go.
SAGEMAKER_LOG_GROUP_PREFIX = "/aws/sagemaker/"
METRIC_NAMESPACES = ("AWS/SageMaker", "/aws/sagemaker/Endpoints", "aws/sagemaker/Endpoints/data-metrics")


def document(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def sagemaker_trust_policy(account_id: str) -> Document:
    """SageMaker may assume the role, only on behalf of this account (confused-deputy guard)."""
    return document(
        {
            "Sid": "SageMakerAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def execution_role_policy(
    *,
    account_id: str,
    region: str,
    artifact_bucket_arn: str,
    capture_bucket_arn: str,
    kms_key_arn: str,
    image_repository_arn: str | tuple[str, ...],
    alarm_name_prefix: str,
    vpc_access: bool = False,
) -> Document:
    """Least privilege for the model container and the monitoring jobs running as this role."""
    vpc = (
        [
            {
                # A model with a VpcConfig: SageMaker creates the containers' network interfaces as this
                # role. The EC2 Describe* actions and these interface actions take no narrower resource
                # before the interface exists.
                "Sid": "AttachModelContainersToTheStacksSubnets",
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeVpcs",
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                ],
                "Resource": "*",
            }
        ]
        if vpc_access
        else []
    )
    return document(
        {
            "Sid": "ReadModelArtifacts",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"{artifact_bucket_arn}/{MODELS_PREFIX}*",
        },
        {
            "Sid": "ListModelArtifacts",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": artifact_bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{MODELS_PREFIX}*"]}},
        },
        {
            "Sid": "WriteCaptureAndMonitoringOutput",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": [
                f"{capture_bucket_arn}/{CAPTURE_PREFIX}*",
                f"{capture_bucket_arn}/{MONITORING_PREFIX}*",
            ],
        },
        {
            # The data-quality monitor reads captured traffic; its baseline sits under models/.
            "Sid": "ReadCapture",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"{capture_bucket_arn}/{CAPTURE_PREFIX}*",
        },
        {
            "Sid": "ListCapture",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": capture_bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{CAPTURE_PREFIX}*"]}},
        },
        {
            "Sid": "UseProjectKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            "Resource": kms_key_arn,
        },
        {
            "Sid": "GrantProjectKeyToSageMakerVolumes",
            "Effect": "Allow",
            "Action": "kms:CreateGrant",
            "Resource": kms_key_arn,
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
        {
            # GetAuthorizationToken has no resource-level permissions: "*" is the only valid resource.
            "Sid": "EcrLogin",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        {
            "Sid": "PullServingImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": image_repository_arn if isinstance(image_repository_arn, str) else list(image_repository_arn),
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
            "Resource": f"arn:aws:logs:{region}:{account_id}:log-group:{SAGEMAKER_LOG_GROUP_PREFIX}*",
        },
        {
            # PutMetricData has no resource-level permissions; the namespace condition scopes it.
            "Sid": "PublishSageMakerMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": list(METRIC_NAMESPACES)}},
        },
        {
            # Blue/green auto-rollback reads the state of the endpoint's rollback alarms.
            "Sid": "DescribeRollbackAlarms",
            "Effect": "Allow",
            "Action": "cloudwatch:DescribeAlarms",
            "Resource": f"arn:aws:cloudwatch:{region}:{account_id}:alarm:{alarm_name_prefix}-*",
        },
        *vpc,
    )


def deployer_policy(
    *,
    account_id: str,
    region: str,
    endpoint_name: str,
    execution_role_arn: str,
    function_role_arns: Sequence[str] = (),
) -> Document:
    """What the identity running ``pulumi up``/``destroy`` needs beyond resource CRUD on this stack.

    Exported so a platform team can attach it to the CI role. Deleting a scaled endpoint fails unless
    the scalable target can be deregistered first, and the first registration creates the
    Application Auto Scaling service-linked role for SageMaker endpoints.
    """
    return document(
        {
            # Application Auto Scaling's write actions take the scalable-target resource type, whose ARN
            # ends in an id the service generates (not the endpoint's name), so the ARN is scoped to this
            # account and region and the service's condition keys scope it to SageMaker variant targets.
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
            "Resource": f"arn:aws:application-autoscaling:{region}:{account_id}:scalable-target/*",
            "Condition": {
                "StringEquals": {
                    "application-autoscaling:service-namespace": "sagemaker",
                    "application-autoscaling:scalable-dimension": "sagemaker:variant:DesiredInstanceCount",
                }
            },
        },
        {
            # The Describe* actions support no resource-level permissions: "*" is the only valid resource.
            "Sid": "DescribeEndpointScaling",
            "Effect": "Allow",
            "Action": "application-autoscaling:Describe*",
            "Resource": "*",
        },
        {
            "Sid": "CreateAutoScalingServiceLinkedRole",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": (
                f"arn:aws:iam::{account_id}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
                "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
            ),
            "Condition": {"StringLike": {"iam:AWSServiceName": "sagemaker.application-autoscaling.amazonaws.com"}},
        },
        {
            "Sid": "PassExecutionRoleToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": execution_role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        },
        {
            "Sid": "DescribeRollbackAlarms",
            "Effect": "Allow",
            "Action": "cloudwatch:DescribeAlarms",
            "Resource": f"arn:aws:cloudwatch:{region}:{account_id}:alarm:{endpoint_name}-*",
        },
        *(
            # CreateFunction/UpdateFunctionConfiguration pass the function's execution role to Lambda.
            [
                {
                    "Sid": "PassFunctionRolesToLambda",
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": sorted(function_role_arns),
                    "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
                }
            ]
            if function_role_arns
            else []
        ),
    )
