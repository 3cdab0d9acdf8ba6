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


# The XGBoost family's serial inference pipeline: the stage variable tells the family's inference.py
# which end of the pipeline it is (training/pipeline_inference.py).
STAGE_VARIABLE = "MLOPS_PIPELINE_STAGE"
BOOSTER_OBJECT = "xgboost-model.tar.gz"


def booster_key(sha256: str) -> str:
    """The built-in container's tarball, under the family artifact's own content address."""
    return f"{MODELS_PREFIX}{sha256}/{BOOSTER_OBJECT}"


def pipeline_environments(region: str) -> tuple[dict[str, str], dict[str, str]]:
    """Environments of the preprocessing and the postprocessing container."""
    pre = {**container_environment(region), STAGE_VARIABLE: "preprocess"}
    # The next container reads numbers-only CSV whatever the caller accepts.
    pre["SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"] = "text/csv"
    post = {**container_environment(region), STAGE_VARIABLE: "postprocess"}
    return pre, post


@dataclass(frozen=True)
class BoosterArgs:
    """The built-in XGBoost container of the pipeline and its model (exactly one of local / s3)."""

    image_uri: str
    local: Path | None
    sha256: str | None
    s3_uri: str | None


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
    # The baseline an s3:// artifact was published with (statistics/constraints -> S3 URI), already in S3.
    s3_baseline_uris: Mapping[str, str] | None = None
    # The XGBoost family: a serial pipeline (preprocess, built-in XGBoost, postprocess) instead of one container.
    booster: BoosterArgs | None = None
    # The stack's network (realtime endpoints only: serverless inference does not support a VPC).
    vpc_subnet_ids: Sequence[pulumi.Input[str]] = ()
    vpc_security_group_ids: Sequence[pulumi.Input[str]] = ()


def _vpc_config(args: ModelReleaseArgs) -> aws.sagemaker.ModelVpcConfigArgs | None:
    """The stack's network for the model's containers; None keeps the graph of a stack without one."""
    if not args.vpc_subnet_ids:
        return None
    return aws.sagemaker.ModelVpcConfigArgs(
        subnets=list(args.vpc_subnet_ids), security_group_ids=list(args.vpc_security_group_ids)
    )


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

        self.booster_object: aws.s3.BucketObjectv2 | None = None
        if args.booster is None:
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
                vpc_config=_vpc_config(args),
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
            )
        else:
            self.model = self._pipeline_model(name, args, args.booster, depends)
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
        elif args.s3_baseline_uris is not None and args.s3_artifact_uri is not None:
            self.baseline_uris = {stem: pulumi.Output.from_input(uri) for stem, uri in args.s3_baseline_uris.items()}
        self.model_name = self.model.name
        self.register_outputs({"model_name": self.model_name, "model_data_url": self.model_data_url})

    def _pipeline_model(
        self, name: str, args: ModelReleaseArgs, booster: BoosterArgs, depends: list[pulumi.Resource]
    ) -> aws.sagemaker.Model:
        """A serial inference pipeline: SageMaker passes each container's answer to the next one, and the
        caller gets the last one's, so the answer has the scikit-learn family's shape."""
        if booster.local is not None and booster.sha256 is not None and args.artifact_sha256 is not None:
            self.booster_object = aws.s3.BucketObjectv2(
                f"{name}-booster",
                bucket=args.artifact_bucket,
                key=booster_key(args.artifact_sha256),
                source=pulumi.FileAsset(str(booster.local)),
                content_type="application/gzip",
                server_side_encryption="aws:kms",
                kms_key_id=args.kms_key_arn,
                tags={"sha256": booster.sha256},
                opts=pulumi.ResourceOptions(parent=self),
            )
            booster_url: pulumi.Input[str] = pulumi.Output.concat(
                "s3://", self.booster_object.bucket, "/", self.booster_object.key
            )
            depends = [*depends, self.booster_object]
        else:
            booster_url = str(booster.s3_uri)
        pre, post = pipeline_environments(args.region)
        containers = [
            aws.sagemaker.ModelContainerArgs(
                image=args.image_uri, mode="SingleModel", model_data_url=self.model_data_url, environment=pre
            ),
            aws.sagemaker.ModelContainerArgs(image=booster.image_uri, mode="SingleModel", model_data_url=booster_url),
            aws.sagemaker.ModelContainerArgs(
                image=args.image_uri, mode="SingleModel", model_data_url=self.model_data_url, environment=post
            ),
        ]
        return aws.sagemaker.Model(
            f"{name}-model",
            execution_role_arn=args.execution_role_arn,
            containers=containers,
            inference_execution_config=aws.sagemaker.ModelInferenceExecutionConfigArgs(mode="Serial"),
            enable_network_isolation=args.network_isolation,
            vpc_config=_vpc_config(args),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
