"""How the program builds the model domain for a stack."""

from __future__ import annotations

from infra.context import StackContext
from infra.iam.execution_role import ExecutionRole
from infra.model.images import ServingImage, sklearn_serving_image
from infra.model.release import ModelRelease, ModelReleaseArgs
from infra.network.vpc import Network
from infra.storage.artifact_store import ArtifactStore


def serving_image(ctx: StackContext) -> ServingImage:
    return sklearn_serving_image(ctx.region, ctx.config.artifact.serving_image_version)


def build_release(
    ctx: StackContext,
    store: ArtifactStore,
    role: ExecutionRole,
    image: ServingImage,
    network: Network | None = None,
) -> ModelRelease:
    cfg = ctx.config
    local = cfg.artifact.local
    # Serverless inference does not support a VPC configuration: only realtime models join the network.
    in_vpc = network is not None and not cfg.endpoint.serverless
    return ModelRelease(
        ctx.prefix,
        ModelReleaseArgs(
            image_uri=image.uri,
            region=ctx.region,
            execution_role_arn=role.role_arn,
            artifact_bucket=store.artifact_bucket_name,
            kms_key_arn=store.key_arn,
            local_artifact=local.path if local else None,
            artifact_sha256=local.sha256 if local else None,
            s3_artifact_uri=cfg.artifact.s3_uri,
            # Only stacks that monitor data quality need the baseline beside the model.
            baseline_dir=cfg.artifact.baseline_dir if cfg.data_quality_schedule != "off" else None,
            network_isolation=not cfg.endpoint.serverless,
            tags=ctx.tags,
            role_policy=role.policy,
            vpc_subnet_ids=network.subnet_ids if network is not None and in_vpc else (),
            vpc_security_group_ids=network.security_group_ids if network is not None and in_vpc else (),
        ),
    )
