"""How the program builds the applications domain: the scoring function and the HTTP API."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from client.errors import SchemaError
from client.examples import example_record
from client.examples import invoke_command as cli_command
from client.schema import ModelSchema
from functions.capacity import endpoint_concurrency, reserved_concurrency
from infra.applications import package
from infra.applications.http_api import HttpApi, HttpApiArgs, JwtAuthorizerArgs
from infra.applications.scoring import ScoringFunction, ScoringFunctionArgs
from infra.config import PROJECT_ROOT, ApplicationSettings, StackConfig
from infra.context import StackContext
from infra.errors import ConfigError
from infra.storage.artifact_store import ArtifactStore


@dataclass(frozen=True)
class Applications:
    scoring: ScoringFunction
    api: HttpApi
    manifest: dict[str, Any]

    @property
    def role_arns(self) -> list[pulumi.Output[str]]:
        """The functions' execution roles, which the deployer passes to Lambda."""
        return [self.scoring.function.role_arn, self.api.function.role_arn]


def settings(cfg: StackConfig) -> ApplicationSettings:
    if cfg.applications is None:  # pragma: no cover - the loader always sets it
        raise ConfigError("mlops:applications", "was not read; load the config with infra.config.load()")
    return cfg.applications


def manifest(cfg: StackConfig) -> dict[str, Any]:
    """The model's manifest: from the local artifact, or the file ``mlops:applications.manifest`` names."""
    apps = settings(cfg)
    if apps.manifest is None:
        local = cfg.artifact.local
        if local is None:
            raise ConfigError(
                "mlops:applications.manifest",
                "is required with an s3:// artifact: the functions check requests against the model's "
                "manifest.json; pulumi config set --path 'mlops:applications.manifest' build/manifest.json",
            )
        return package.read_manifest(local.path)
    path = Path(apps.manifest)
    path = path if path.is_absolute() else PROJECT_ROOT / path
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ConfigError("mlops:applications.manifest", f"cannot read {apps.manifest} ({exc})") from None


def scoring_concurrency(cfg: StackConfig) -> int:
    """Reserved concurrency of the scoring function: a share of the endpoint's capacity at its largest."""
    apps = settings(cfg)
    endpoint = cfg.endpoint
    if endpoint.serverless:
        capacity = endpoint_concurrency(serverless=True, max_concurrency=endpoint.require("max_concurrency"))
    else:
        instances = cfg.autoscaling.max_capacity if cfg.autoscaling is not None else endpoint.instance_count
        capacity = endpoint_concurrency(
            serverless=False,
            max_instances=instances,
            concurrency_per_instance=apps.endpoint_concurrency_per_instance or 1,
        )
    return reserved_concurrency(capacity, apps.scoring_concurrency_share)


def build(
    ctx: StackContext,
    store: ArtifactStore,
    alarm_actions: list[pulumi.Input[str]],
    more_lambda_functions: Sequence[aws.s3.BucketNotificationLambdaFunctionArgs] = (),
    more_permissions: Sequence[pulumi.Resource] = (),
) -> Applications:
    cfg = ctx.config
    apps = settings(cfg)
    model_manifest = manifest(cfg)
    code = package.archive(model_manifest)
    scoring = ScoringFunction(
        f"{ctx.prefix}-scoring",
        ScoringFunctionArgs(
            function_name=f"{ctx.prefix}-scoring",
            code=code,
            endpoint_name=ctx.endpoint_name,
            endpoint_type=cfg.endpoint.type,
            region=ctx.region,
            account_id=ctx.account_id,
            bucket_name=store.artifact_bucket.id,
            bucket_arn=store.artifact_bucket.arn,
            kms_key_arn=store.key_arn,
            log_retention_days=apps.log_retention_days,
            memory_mb=apps.scoring_memory_mb,
            timeout_seconds=apps.scoring_timeout_seconds,
            reserved_concurrency=scoring_concurrency(cfg),
            alarm_actions=alarm_actions,
            tags=ctx.tags,
            more_lambda_functions=more_lambda_functions,
            more_permissions=more_permissions,
        ),
    )
    api = HttpApi(
        f"{ctx.prefix}-api",
        HttpApiArgs(
            api_name=f"{ctx.prefix}-api",
            function_name=f"{ctx.prefix}-predict",
            code=code,
            endpoint_name=ctx.endpoint_name,
            endpoint_type=cfg.endpoint.type,
            region=ctx.region,
            account_id=ctx.account_id,
            kms_key_arn=store.key_arn,
            log_retention_days=apps.log_retention_days,
            memory_mb=apps.api_memory_mb,
            timeout_seconds=apps.api_timeout_seconds,
            throttling_rate_limit=apps.throttling_rate_limit,
            throttling_burst_limit=apps.throttling_burst_limit,
            latency_alarm_ms=apps.latency_alarm_ms,
            jwt=JwtAuthorizerArgs(apps.jwt_issuer, apps.jwt_audience) if apps.jwt_issuer is not None else None,
            cors_allow_origins=apps.cors_allow_origins,
            alarm_actions=alarm_actions,
            tags=ctx.tags,
        ),
    )
    return Applications(scoring, api, model_manifest)


def invoke_command(cfg: StackConfig, model_manifest: dict[str, Any]) -> Callable[[str], str]:
    """The stack's ``invokeCommand``: a record built from the manifest's schema and the baseline statistics."""
    apps = settings(cfg)
    if cfg.artifact.baseline_dir is not None:
        statistics = cfg.artifact.baseline_dir / "statistics.json"
        where = "mlops:artifact"
    else:
        base = Path(apps.manifest or "manifest.json")
        statistics = (base if base.is_absolute() else PROJECT_ROOT / base).parent / "baseline" / "statistics.json"
        where = "mlops:applications.manifest"
    try:
        record = example_record(ModelSchema.from_manifest(model_manifest), statistics)
    except (OSError, ValueError, KeyError, SchemaError) as exc:
        raise ConfigError(
            where,
            f"no example request for invokeCommand: {statistics.name} beside it is unusable ({exc}); run `make train`",
        ) from None
    region = cfg.region
    return lambda endpoint_name: cli_command(endpoint_name, region, record)
