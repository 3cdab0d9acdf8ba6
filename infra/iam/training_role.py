"""The role SageMaker training and tuning jobs assume: separate from the hosting role, least privilege."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.iam import training_documents
from infra.iam.sagemaker_role import sagemaker_role


@dataclass(frozen=True)
class TrainingRoleArgs:
    account_id: pulumi.Input[str]
    region: str
    artifact_bucket_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    image_repository_arn: str
    tags: Mapping[str, str]


class TrainingRole(pulumi.ComponentResource):
    """One role, one inline policy built by ``training_documents.training_role_policy``."""

    def __init__(self, name: str, args: TrainingRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:iam:TrainingRole", name, None, opts)
        self.role = sagemaker_role(
            f"{name}-role",
            description=f"{name}: SageMaker training and tuning jobs",
            account_id=args.account_id,
            tags=args.tags,
            parent=self,
        )
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=pulumi.Output.all(args.account_id, args.artifact_bucket_arn, args.kms_key_arn, self.role.arn).apply(
                lambda v: json.dumps(
                    training_documents.training_role_policy(
                        account_id=v[0],
                        region=args.region,
                        artifact_bucket_arn=v[1],
                        kms_key_arn=v[2],
                        image_repository_arn=args.image_repository_arn,
                        role_arn=v[3],
                    )
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.role_arn = self.role.arn
        self.register_outputs({"role_arn": self.role_arn})
