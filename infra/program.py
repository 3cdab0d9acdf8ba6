"""The Pulumi program: reads the stack config once and wires the components together.

Order matters where AWS needs it: the rollback alarms exist before the endpoint names them; the
execution role's policy exists before the model (SageMaker checks it can read the artifact); the
scalable target waits for the endpoint.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import config, images, policies
from infra.autoscaling import EndpointAutoscaling, EndpointAutoscalingArgs
from infra.endpoint import InferenceEndpoint, InferenceEndpointArgs
from infra.errors import ConfigError
from infra.identity import ExecutionRole, ExecutionRoleArgs
from infra.model import ModelRelease, ModelReleaseArgs
from infra.storage import ArtifactStore, ArtifactStoreArgs
from monitoring.alarms import EndpointAlarms, EndpointAlarmsArgs
from monitoring.catalogue import MonitoringSettings, alarm_catalogue, split_rollback
from monitoring.dashboard_component import EndpointDashboard, EndpointDashboardArgs
from monitoring.errors import UserInputError
from monitoring.instance_types import UnknownInstanceTypeError
from monitoring.model_quality import (
    DAILY,
    HOURLY,
    DataQualityMonitor,
    DataQualityMonitorArgs,
    model_monitor_image_uri,
)
from monitoring.notifications import Notifications, NotificationsArgs


def invocation_command(endpoint_name: str, region: str) -> str:
    return (
        f"aws sagemaker-runtime invoke-endpoint --region {region} --endpoint-name {endpoint_name} "
        "--content-type text/csv --accept application/json "
        "--body 'Torgersen,39.1,18.7,181,3750,male,2007' --cli-binary-format raw-in-base64-out /dev/stdout"
    )


def monitoring_settings(cfg: config.StackConfig) -> MonitoringSettings:
    """The stack's alarm settings in the monitoring package's terms; its errors become config errors."""
    try:
        return MonitoringSettings(
            environment=cfg.environment,
            serverless=cfg.endpoint.serverless,
            instance_type=cfg.endpoint.instance_type,
            latency_slo_ms=cfg.alarms.latency_slo_ms,
            error_rate_threshold=cfg.alarms.error_rate,
            client_error_rate_threshold=cfg.alarms.client_error_rate,
            # Only prod treats silence as an incident: dev and staging idle for hours legitimately.
            heartbeat=cfg.environment == "prod",
        )
    except UnknownInstanceTypeError as exc:
        raise ConfigError("mlops:endpoint.instanceType", str(exc)) from exc
    except UserInputError as exc:
        raise ConfigError("mlops:alarms", str(exc)) from exc


def build() -> dict[str, Any]:
    cfg = config.load()
    prefix = cfg.resource_prefix
    tags = dict(cfg.tags)
    account_id = aws.get_caller_identity_output().account_id
    image = images.sklearn_serving_image(cfg.region, cfg.artifact.serving_image_version)

    store = ArtifactStore(prefix, ArtifactStoreArgs(account_id, cfg.region, cfg.retain_data, tags))
    role = ExecutionRole(
        f"{prefix}-execution",
        ExecutionRoleArgs(
            account_id=account_id,
            region=cfg.region,
            artifact_bucket_arn=store.artifact_bucket.arn,
            capture_bucket_arn=store.capture_bucket.arn,
            kms_key_arn=store.key_arn,
            image_repository_arn=image.repository_arn,
            alarm_name_prefix=cfg.endpoint.name,
            tags=tags,
        ),
    )
    local = cfg.artifact.local
    release = ModelRelease(
        prefix,
        ModelReleaseArgs(
            image_uri=image.uri,
            region=cfg.region,
            execution_role_arn=role.role_arn,
            artifact_bucket=store.artifact_bucket_name,
            kms_key_arn=store.key_arn,
            local_artifact=local.path if local else None,
            artifact_sha256=local.sha256 if local else None,
            s3_artifact_uri=cfg.artifact.s3_uri,
            # Only stacks that monitor data quality need the baseline beside the model.
            baseline_dir=cfg.artifact.baseline_dir if cfg.data_quality_schedule != "off" else None,
            network_isolation=not cfg.endpoint.serverless,
            tags=tags,
            role_policy=role.policy,
        ),
    )
    # Who hears about alarms: dev nobody, staging the notify topic, prod the notify and the page topics.
    notify = Notifications(
        f"{prefix}-notify",
        NotificationsArgs(
            kms_key_arn=store.key_arn,
            account_id=account_id,
            email_endpoints=cfg.alarms.notify_emails,
            https_endpoints=cfg.alarms.notify_https,
            display_name=f"{prefix} alarms",
            tags=tags,
        ),
    )
    notify_actions: list[pulumi.Input[str]] = [] if cfg.environment == "dev" else [notify.topic_arn]
    page_actions: list[pulumi.Input[str]] = []
    if cfg.environment == "prod":
        page = Notifications(
            f"{prefix}-page",
            NotificationsArgs(
                kms_key_arn=store.key_arn,
                account_id=account_id,
                https_endpoints=cfg.alarms.page_https,
                display_name=f"{prefix} pages",
                tags=tags,
            ),
        )
        page_actions = [page.topic_arn]

    rollback_specs, other_specs = split_rollback(alarm_catalogue(monitoring_settings(cfg)))
    # The endpoint's auto-rollback names these alarms, so they exist before it: their dimension is the
    # endpoint's configured name (stable across releases), not an output of the endpoint resource.
    rollback = EndpointAlarms(
        f"{prefix}-rollback",
        EndpointAlarmsArgs(
            specs=rollback_specs,
            endpoint_name=cfg.endpoint.name,
            variant_name=cfg.endpoint.variant_name,
            alarm_name_prefix=cfg.endpoint.name,
            notify_actions=notify_actions,
            page_actions=page_actions,
            tags=tags,
        ),
    )
    serving = InferenceEndpoint(
        prefix,
        InferenceEndpointArgs(
            model_name=release.model_name,
            settings=cfg.endpoint,
            rollout=cfg.rollout,
            kms_key_arn=store.key_arn,
            capture_bucket=store.capture_bucket_name,
            rollback_alarm_names=list(rollback.alarm_names.values()),
            tags=tags,
        ),
    )
    if cfg.autoscaling is not None:
        EndpointAutoscaling(
            prefix,
            EndpointAutoscalingArgs(
                endpoint_name=serving.endpoint_name,
                variant_name=serving.variant_name,
                settings=cfg.autoscaling,
                endpoint=serving.endpoint,
                tags=tags,
            ),
        )
    alarms = EndpointAlarms(
        f"{prefix}-alarms",
        EndpointAlarmsArgs(
            specs=other_specs,
            endpoint_name=serving.endpoint_name,
            variant_name=serving.variant_name,
            alarm_name_prefix=cfg.endpoint.name,
            notify_actions=notify_actions,
            page_actions=page_actions,
            composite=True,
            composite_also_covers=list(rollback.alarm_names.values()),
            tags=tags,
        ),
    )
    alarm_arns = [*rollback.alarm_arns.values(), *alarms.alarm_arns.values()]
    if alarms.composite_alarm_arn is not None:
        alarm_arns.append(alarms.composite_alarm_arn)
    dashboard = EndpointDashboard(
        prefix,
        EndpointDashboardArgs(
            dashboard_name=prefix,
            endpoint_name=serving.endpoint_name,
            variant_name=serving.variant_name,
            region=cfg.region,
            alarm_arns=alarm_arns,
            serverless=cfg.endpoint.serverless,
        ),
    )
    if cfg.data_quality_schedule != "off" and local is not None:
        DataQualityMonitor(
            prefix,
            DataQualityMonitorArgs(
                endpoint_name=serving.endpoint_name,
                schedule_name=f"{prefix}-data-quality",
                role_arn=role.role_arn,
                image_uri=model_monitor_image_uri(cfg.region),
                baseline_constraints_s3_uri=release.baseline_uris["constraints"],
                baseline_statistics_s3_uri=release.baseline_uris["statistics"],
                output_s3_uri=pulumi.Output.concat("s3://", store.capture_bucket_name, "/monitoring"),
                kms_key_arn=store.key_arn,
                feature_names=local.features,
                alarm_name=f"{cfg.endpoint.name}-data-drift",
                schedule_expression=HOURLY if cfg.data_quality_schedule == "hourly" else DAILY,
                alarm_actions=notify_actions,
                tags=tags,
            ),
        )

    return {
        "endpointName": serving.endpoint_name,
        "endpointArn": serving.endpoint_arn,
        "endpointConfigName": serving.config_name,
        "variantName": serving.variant_name,
        "region": cfg.region,
        "modelName": release.model_name,
        "modelDataUrl": release.model_data_url,
        "servingImage": image.uri,
        "artifactBucket": store.artifact_bucket_name,
        "captureBucket": store.capture_bucket_name,
        "logBucket": store.log_bucket_name,
        "executionRoleArn": role.role_arn,
        "kmsKeyArn": store.key_arn,
        "alarmTopicArn": notify.topic_arn,
        "rollbackAlarmNames": list(rollback.alarm_names.values()),
        # Every alarm of the endpoint is named with this prefix (`python -m monitoring status --stack`).
        "alarmNamePrefix": f"{cfg.endpoint.name}-",
        "dashboardName": dashboard.dashboard_name,
        "invokeCommand": serving.endpoint_name.apply(lambda name: invocation_command(name, cfg.region)),
        # What the identity running `pulumi up`/`destroy` needs beyond resource CRUD (attach it to the CI role):
        # deleting a scaled endpoint fails unless its scalable target can be deregistered first.
        "deployerPolicy": pulumi.Output.all(account_id, role.role_arn).apply(
            lambda v: json.dumps(
                policies.deployer_policy(
                    account_id=v[0], region=cfg.region, endpoint_name=cfg.endpoint.name, execution_role_arn=v[1]
                )
            )
        ),
    }
