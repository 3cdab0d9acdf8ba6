"""The notebook instance a data scientist is given: hardened as Security Hub's notebook controls ask.

No direct internet access (SageMaker.1) in the stack's subnet (SageMaker.2), no root access (SageMaker.3),
the volume encrypted with the project key (SageMaker.21), IMDSv2 only, the current platform (Amazon Linux
2023; AL2 reached its end of life on 2026-06-30), a role of its own and a lifecycle configuration that
stops it when idle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra.iam.sagemaker_role import sagemaker_role
from infra.notebook import documents, lifecycle
from infra.storage.layout import NOTEBOOKS_PREFIX

PLATFORM = "notebook-al2023-v1"
IMDS_MINIMUM_VERSION = "2"


@dataclass(frozen=True)
class NotebookArgs:
    notebook_name: str
    account_id: pulumi.Input[str]
    region: str
    prefix: str
    instance_type: str
    volume_size_gb: int
    idle_minutes: int
    subnet_id: pulumi.Input[str]
    security_group_ids: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    artifact_bucket: pulumi.Input[str]
    artifact_bucket_arn: pulumi.Input[str]
    endpoint_name: str
    # The role the notebook's training and tuning jobs run as (the only role it may pass).
    training_role_arn: pulumi.Input[str]
    notebooks: Sequence[Path]
    tags: Mapping[str, str]


class NotebookWorkspace(pulumi.ComponentResource):
    """Role + inline policy, the notebooks in S3, the lifecycle configuration and the instance."""

    def __init__(self, name: str, args: NotebookArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:notebook:NotebookWorkspace", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = sagemaker_role(
            f"{name}-role",
            description=f"{name}: the data scientist's notebook instance",
            account_id=args.account_id,
            tags=args.tags,
            parent=self,
        )
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=pulumi.Output.all(
                args.account_id, args.artifact_bucket_arn, args.kms_key_arn, args.training_role_arn
            ).apply(
                lambda v: json.dumps(
                    documents.notebook_role_policy(
                        account_id=v[0],
                        region=args.region,
                        prefix=args.prefix,
                        artifact_bucket_arn=v[1],
                        kms_key_arn=v[2],
                        endpoint_name=args.endpoint_name,
                        notebook_name=args.notebook_name,
                        training_role_arn=v[3],
                    )
                )
            ),
            opts=child,
        )
        uploads = [
            aws.s3.BucketObjectv2(
                f"{name}-{path.stem}",
                bucket=args.artifact_bucket,
                key=f"{NOTEBOOKS_PREFIX}{path.name}",
                source=pulumi.FileAsset(str(path)),
                content_type="application/x-ipynb+json",
                server_side_encryption="aws:kms",
                kms_key_id=args.kms_key_arn,
                opts=child,
            )
            for path in args.notebooks
        ]
        self.lifecycle = aws.sagemaker.NotebookInstanceLifecycleConfiguration(
            f"{name}-lifecycle",
            name=f"{args.notebook_name}-lifecycle",
            on_start=pulumi.Output.from_input(args.artifact_bucket).apply(
                lambda bucket: lifecycle.encoded(
                    lifecycle.on_start_script(
                        bucket=bucket, notebooks_prefix=NOTEBOOKS_PREFIX, idle_minutes=args.idle_minutes
                    )
                )
            ),
            tags=dict(args.tags),
            opts=child,
        )
        self.instance = aws.sagemaker.NotebookInstance(
            f"{name}-instance",
            name=args.notebook_name,
            role_arn=self.role.arn,
            instance_type=args.instance_type,
            volume_size=args.volume_size_gb,
            platform_identifier=PLATFORM,
            direct_internet_access="Disabled",
            root_access="Disabled",
            subnet_id=args.subnet_id,
            security_groups=list(args.security_group_ids),
            kms_key_id=args.kms_key_arn,
            instance_metadata_service_configuration=aws.sagemaker.NotebookInstanceInstanceMetadataServiceConfigurationArgs(
                minimum_instance_metadata_service_version=IMDS_MINIMUM_VERSION
            ),
            lifecycle_config_name=self.lifecycle.name,
            tags=dict(args.tags),
            # The role's policy must exist when the instance starts (the lifecycle script uses it) and
            # the notebooks must be in S3 before the script copies them.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policy, *uploads]),
        )
        self.notebook_name = self.instance.name
        self.role_arn = self.role.arn
        self.register_outputs({"notebook_name": self.notebook_name, "role_arn": self.role_arn})
