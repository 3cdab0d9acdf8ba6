"""How the program builds the model domain for a stack."""

from __future__ import annotations

from infra.context import StackContext
from infra.iam.execution_role import ExecutionRole
from infra.model.images import ServingImage, sklearn_serving_image, xgboost_algorithm_image
from infra.model.release import BoosterArgs, ModelRelease, ModelReleaseArgs
from infra.network.vpc import Network
from infra.storage.artifact_store import ArtifactStore


def serving_image(ctx: StackContext) -> ServingImage:
    return sklearn_serving_image(ctx.region, ctx.config.artifact.serving_image_version)


def algorithm_image(ctx: StackContext) -> ServingImage | None:
    """The built-in XGBoost image of the XGBoost family's pipeline; None for the scikit-learn family."""
    booster = ctx.config.booster
    return None if booster is None else xgboost_algorithm_image(ctx.region, booster.image_version)


def _booster_args(ctx: StackContext) -> BoosterArgs | None:
    booster, image = ctx.config.booster, algorithm_image(ctx)
    if booster is None or image is None:
        return None
    return BoosterArgs(image_uri=image.uri, local=booster.local, sha256=booster.sha256, s3_uri=booster.s3_uri)


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
    remote = cfg.artifact.remote
    monitored = cfg.data_quality_schedule != "off"
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
            # A model from the registry names its version, so the graph shows (and policy checks) what ships.
            tags={**ctx.tags, **(cfg.artifact.package.tags if cfg.artifact.package else {})},
            role_policy=role.policy,
            s3_baseline_uris=remote.baseline_uris if remote is not None and monitored else None,
            booster=_booster_args(ctx),
            vpc_subnet_ids=network.subnet_ids if network is not None and in_vpc else (),
            vpc_security_group_ids=network.security_group_ids if network is not None and in_vpc else (),
        ),
    )
