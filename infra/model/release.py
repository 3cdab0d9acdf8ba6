"""Model release: the artifact in S3 under its sha256, and the SageMaker model serving it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra.storage.layout import MODELS_PREFIX

INFERENCE_ENTRY_POINT = "inference.py"
# The inference code is packed inside the tarball: with network isolation the container cannot
# download a separate source bundle, so SageMaker must find it where the model is extracted.
SUBMIT_DIRECTORY = "/opt/ml/model/code"


def artifact_key(sha256: str) -> str:
    """Content-addressed key: a new artifact is a new object, never an overwrite of a served one."""
    return f"{MODELS_PREFIX}{sha256}/model.tar.gz"


def container_environment(region: str) -> dict[str, str]:
    return {
        "SAGEMAKER_PROGRAM": INFERENCE_ENTRY_POINT,
        "SAGEMAKER_SUBMIT_DIRECTORY": SUBMIT_DIRECTORY,
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
        "SAGEMAKER_REGION": region,
    }


@dataclass(frozen=True)
class ModelReleaseArgs:
    image_uri: str
    region: str
    execution_role_arn: pulumi.Input[str]
    artifact_bucket: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    # Exactly one of: a local tarball (uploaded here) or an s3:// URI produced by managed training.
    local_artifact: Path | None
    artifact_sha256: str | None
    s3_artifact_uri: str | None
    baseline_dir: Path | None
    # Serverless inference does not support network isolation; realtime endpoints always use it.
    network_isolation: bool
    tags: Mapping[str, str]
    # SageMaker's CreateModel checks the role can be assumed and read the artifact: wait for its policy.
    role_policy: pulumi.Resource | None = None
    # The stack's network (realtime endpoints only: serverless inference does not support a VPC).
    vpc_subnet_ids: Sequence[pulumi.Input[str]] = ()
    vpc_security_group_ids: Sequence[pulumi.Input[str]] = ()


class ModelRelease(pulumi.ComponentResource):
    """Uploads the artifact (when local) and declares an auto-named ``sagemaker.Model``.

    The model is deliberately left unnamed: every input of a SageMaker model forces replacement, so a
    new artifact must create a *new* model (Pulumi generates a fresh name, creates it before deleting
    the old one) and the endpoint moves to it with a blue/green update instead of colliding on a name.
    """

    def __init__(self, name: str, args: ModelReleaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:model:ModelRelease", name, None, opts)
        if (args.local_artifact is None) == (args.s3_artifact_uri is None):
            raise ValueError("ModelReleaseArgs needs exactly one of local_artifact or s3_artifact_uri")

        if args.local_artifact is not None and args.artifact_sha256 is not None:
            key = artifact_key(args.artifact_sha256)
            self.artifact_object: aws.s3.BucketObjectv2 | None = aws.s3.BucketObjectv2(
                f"{name}-artifact",
                bucket=args.artifact_bucket,
                key=key,
                source=pulumi.FileAsset(str(args.local_artifact)),
                content_type="application/gzip",
                server_side_encryption="aws:kms",
                kms_key_id=args.kms_key_arn,
                tags={"sha256": args.artifact_sha256},
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.model_data_url: pulumi.Output[str] = pulumi.Output.concat(
                "s3://", self.artifact_object.bucket, "/", self.artifact_object.key
            )
            depends: list[pulumi.Resource] = [self.artifact_object]
        else:
            self.artifact_object = None
            self.model_data_url = pulumi.Output.from_input(str(args.s3_artifact_uri))
            depends = []
        if args.role_policy is not None:
            depends.append(args.role_policy)

        self.model = aws.sagemaker.Model(
            f"{name}-model",
            execution_role_arn=args.execution_role_arn,
            primary_container=aws.sagemaker.ModelPrimaryContainerArgs(
                image=args.image_uri,
                mode="SingleModel",
                model_data_url=self.model_data_url,
                environment=container_environment(args.region),
            ),
            enable_network_isolation=args.network_isolation,
            vpc_config=(
                aws.sagemaker.ModelVpcConfigArgs(
                    subnets=list(args.vpc_subnet_ids), security_group_ids=list(args.vpc_security_group_ids)
                )
                if args.vpc_subnet_ids
                else None
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        # The data-quality baseline lives beside the model it describes, under the same content address.
        self.baseline_uris: dict[str, pulumi.Output[str]] = {}
        if args.baseline_dir is not None and args.artifact_sha256 is not None:
            for stem in ("statistics", "constraints"):
                obj = aws.s3.BucketObjectv2(
                    f"{name}-baseline-{stem}",
                    bucket=args.artifact_bucket,
                    key=f"{MODELS_PREFIX}{args.artifact_sha256}/baseline/{stem}.json",
                    source=pulumi.FileAsset(str(args.baseline_dir / f"{stem}.json")),
                    content_type="application/json",
                    server_side_encryption="aws:kms",
                    kms_key_id=args.kms_key_arn,
                    opts=pulumi.ResourceOptions(parent=self),
                )
                self.baseline_uris[stem] = pulumi.Output.concat("s3://", obj.bucket, "/", obj.key)
        self.model_name = self.model.name
        self.register_outputs({"model_name": self.model_name, "model_data_url": self.model_data_url})
