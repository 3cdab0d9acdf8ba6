"""Monitoring wiring: the stack's topics, alarms, dashboard and data-quality monitor.

The components and the alarm catalogue live in ``monitoring/``; this module decides which of them a
stack gets and what they point at. Order matters where AWS needs it: the rollback alarms exist before
the endpoint names them in its auto-rollback configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from infra.context import StackContext
from infra.iam.execution_role import ExecutionRole
from infra.model.images import model_monitor_image_uri
from infra.model.release import ModelRelease
from infra.serving.endpoint import InferenceEndpoint
from infra.storage.artifact_store import ArtifactStore
from monitoring.alarms import EndpointAlarms, EndpointAlarmsArgs
from monitoring.catalogue import AlarmSpec, alarm_catalogue, split_rollback
from monitoring.dashboard_component import EndpointDashboard, EndpointDashboardArgs
from monitoring.data_quality import DAILY, HOURLY, DataQualityMonitor, DataQualityMonitorArgs
from monitoring.notifications import Notifications, NotificationsArgs


@dataclass(frozen=True)
class Alerting:
    """Who hears about alarms: dev nobody, staging the notify topic, prod the notify and the page topics."""

    notify: Notifications
    notify_actions: list[pulumi.Input[str]]
    page_actions: list[pulumi.Input[str]]
    rollback: EndpointAlarms
    other_specs: tuple[AlarmSpec, ...] = field(default=())

    @property
    def rollback_alarm_names(self) -> list[pulumi.Output[str]]:
        return list(self.rollback.alarm_names.values())


def build_alerting(ctx: StackContext, store: ArtifactStore) -> Alerting:
    """Topics and the rollback alarms; the rest of the catalogue waits for the endpoint."""
    cfg = ctx.config
    notify = Notifications(
        f"{ctx.prefix}-notify",
        NotificationsArgs(
            kms_key_arn=store.key_arn,
            account_id=ctx.account_id,
            email_endpoints=cfg.alarms.notify_emails,
            https_endpoints=cfg.alarms.notify_https,
            display_name=f"{ctx.prefix} alarms",
            tags=dict(ctx.tags),
            # The model registry's EventBridge rule sends approval-state changes here too.
            allow_events=True,
        ),
    )
    notify_actions: list[pulumi.Input[str]] = [] if cfg.environment == "dev" else [notify.topic_arn]
    page_actions: list[pulumi.Input[str]] = []
    if cfg.environment == "prod":
        page = Notifications(
            f"{ctx.prefix}-page",
            NotificationsArgs(
                kms_key_arn=store.key_arn,
                account_id=ctx.account_id,
                https_endpoints=cfg.alarms.page_https,
                display_name=f"{ctx.prefix} pages",
                tags=dict(ctx.tags),
            ),
        )
        page_actions = [page.topic_arn]

    rollback_specs, other_specs = split_rollback(alarm_catalogue(cfg.monitoring))
    # The endpoint's auto-rollback names these alarms, so they exist before it: their dimension is the
    # endpoint's configured name (stable across releases), not an output of the endpoint resource.
    rollback = EndpointAlarms(
        f"{ctx.prefix}-rollback",
        EndpointAlarmsArgs(
            specs=rollback_specs,
            endpoint_name=ctx.endpoint_name,
            variant_name=cfg.endpoint.variant_name,
            alarm_name_prefix=ctx.endpoint_name,
            notify_actions=notify_actions,
            page_actions=page_actions,
            tags=ctx.tags,
        ),
    )
    return Alerting(notify, notify_actions, page_actions, rollback, tuple(other_specs))


def build_endpoint_monitoring(
    ctx: StackContext,
    alerting: Alerting,
    serving: InferenceEndpoint,
    store: ArtifactStore,
    role: ExecutionRole,
    release: ModelRelease,
) -> EndpointDashboard:
    """The rest of the alarm catalogue, the composite alarm, the dashboard and the data-quality monitor."""
    cfg = ctx.config
    alarms = EndpointAlarms(
        f"{ctx.prefix}-alarms",
        EndpointAlarmsArgs(
            specs=list(alerting.other_specs),
            endpoint_name=serving.endpoint_name,
            variant_name=serving.variant_name,
            alarm_name_prefix=ctx.endpoint_name,
            notify_actions=alerting.notify_actions,
            page_actions=alerting.page_actions,
            composite=True,
            composite_also_covers=alerting.rollback_alarm_names,
            tags=ctx.tags,
        ),
    )
    alarm_arns = [*alerting.rollback.alarm_arns.values(), *alarms.alarm_arns.values()]
    if alarms.composite_alarm_arn is not None:
        alarm_arns.append(alarms.composite_alarm_arn)
    dashboard = EndpointDashboard(
        ctx.prefix,
        EndpointDashboardArgs(
            dashboard_name=ctx.prefix,
            endpoint_name=serving.endpoint_name,
            variant_name=serving.variant_name,
            region=ctx.region,
            alarm_arns=alarm_arns,
            serverless=cfg.endpoint.serverless,
        ),
    )
    local = cfg.artifact.local
    remote = cfg.artifact.remote
    features = local.features if local is not None else remote.features if remote is not None else None
    if cfg.data_quality_schedule != "off" and features is not None:
        DataQualityMonitor(
            ctx.prefix,
            DataQualityMonitorArgs(
                endpoint_name=serving.endpoint_name,
                schedule_name=f"{ctx.prefix}-data-quality",
                role_arn=role.role_arn,
                image_uri=model_monitor_image_uri(ctx.region),
                baseline_constraints_s3_uri=release.baseline_uris["constraints"],
                baseline_statistics_s3_uri=release.baseline_uris["statistics"],
                output_s3_uri=pulumi.Output.concat("s3://", store.capture_bucket_name, "/monitoring"),
                kms_key_arn=store.key_arn,
                feature_names=features,
                alarm_name=f"{ctx.endpoint_name}-data-drift",
                schedule_expression=HOURLY if cfg.data_quality_schedule == "hourly" else DAILY,
                alarm_actions=alerting.notify_actions,
                tags=ctx.tags,
            ),
        )
    return dashboard
