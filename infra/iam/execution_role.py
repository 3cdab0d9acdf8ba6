"""Execution role SageMaker assumes for the model container and the monitoring jobs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.iam import documents
from infra.iam.sagemaker_role import sagemaker_role


@dataclass(frozen=True)
class ExecutionRoleArgs:
    account_id: pulumi.Input[str]
    region: str
    artifact_bucket_arn: pulumi.Input[str]
    capture_bucket_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    # One repository, or several (the XGBoost family's pipeline pulls the scikit-learn and XGBoost images).
    image_repository_arn: str | tuple[str, ...]
    alarm_name_prefix: str
    tags: Mapping[str, str]
    vpc_access: bool = False


class ExecutionRole(pulumi.ComponentResource):
    """One role, one inline policy built by ``documents.execution_role_policy``; no managed documents."""

    def __init__(self, name: str, args: ExecutionRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:iam:ExecutionRole", name, None, opts)
        self.role = sagemaker_role(
            f"{name}-role",
            description=f"{name}: SageMaker model container and model-monitoring jobs",
            account_id=args.account_id,
            tags=args.tags,
            parent=self,
        )
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=pulumi.Output.all(
                args.account_id, args.artifact_bucket_arn, args.capture_bucket_arn, args.kms_key_arn
            ).apply(
                lambda v: json.dumps(
                    documents.execution_role_policy(
                        account_id=v[0],
                        region=args.region,
                        artifact_bucket_arn=v[1],
                        capture_bucket_arn=v[2],
                        kms_key_arn=v[3],
                        image_repository_arn=args.image_repository_arn,
                        alarm_name_prefix=args.alarm_name_prefix,
                        vpc_access=args.vpc_access,
                    )
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.role_arn = self.role.arn
        self.register_outputs({"role_arn": self.role_arn})
