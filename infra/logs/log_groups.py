"""CloudWatch log groups created by the stack, before the AWS service that would create them itself.

SageMaker creates ``/aws/sagemaker/Endpoints/<endpoint>`` on the endpoint's first log line when it does not
exist, with no retention (kept forever) and no customer managed key. A log group the stack creates first is
the one SageMaker writes to: retention from config, encrypted with the project key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

ENDPOINT_LOG_GROUP_PREFIX = "/aws/sagemaker/Endpoints/"


def endpoint_log_group_name(endpoint_name: str) -> str:
    return f"{ENDPOINT_LOG_GROUP_PREFIX}{endpoint_name}"


@dataclass(frozen=True)
class ServiceLogGroupsArgs:
    # Logical suffix -> log group name, e.g. {"endpoint": "/aws/sagemaker/Endpoints/sagemaker-mlops-prod"}.
    groups: Mapping[str, str]
    retention_days: int
    kms_key_arn: pulumi.Input[str]
    tags: Mapping[str, str]
    # The key policy must let CloudWatch Logs use the key before a log group names it.
    key: pulumi.Resource | None = None


class ServiceLogGroups(pulumi.ComponentResource):
    """One ``aws.cloudwatch.LogGroup`` per entry, retention and KMS key set, protected by nothing else."""

    def __init__(self, name: str, args: ServiceLogGroupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:logs:ServiceLogGroups", name, None, opts)
        depends = [args.key] if args.key is not None else []
        self.log_groups: dict[str, aws.cloudwatch.LogGroup] = {
            suffix: aws.cloudwatch.LogGroup(
                f"{name}-{suffix}",
                name=group,
                retention_in_days=args.retention_days,
                kms_key_id=args.kms_key_arn,
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
            )
            for suffix, group in args.groups.items()
        }
        self.names = {suffix: group.name for suffix, group in self.log_groups.items()}
        self.register_outputs({"names": self.names})
