"""`EndpointAlarms`: one CloudWatch metric alarm per `AlarmSpec`, plus an optional composite alarm.

Infra instantiates it twice per stack, because of an ordering constraint of blue/green deployments:
the endpoint's `auto_rollback_configuration` names alarms that must already exist.

    rollback, rest = split_rollback(alarm_catalogue(settings))
    guards = EndpointAlarms(f"{stack}-rollback-alarms", EndpointAlarmsArgs(
        specs=rollback, endpoint_name=cfg.endpoint_name,   # the stable configured name, a plain str
        variant_name=cfg.variant_name, alarm_name_prefix=prefix, notify_actions=[topic_arn]))
    endpoint = Endpoint(..., rollback alarm names = guards.alarm_names.values())
    EndpointAlarms(f"{stack}-alarms", EndpointAlarmsArgs(
        specs=rest, endpoint_name=endpoint.name, variant_name=cfg.variant_name,
        alarm_name_prefix=prefix, notify_actions=[topic_arn], page_actions=[pager_arn],
        composite=True, composite_also_covers=tuple(guards.alarm_names.values())))

The composite "endpoint unhealthy" alarm has no actions unless `composite_actions` is given: its members
already notify/page by severity, and acting on both would deliver every incident twice.

Every alarm gets both dimensions, `EndpointName` and `VariantName`: SageMaker publishes endpoint metrics
only with both, and an alarm whose dimensions do not match a published metric exactly watches nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from monitoring.catalogue import (
    MAX_ACTIONS_PER_STATE,
    AlarmSpec,
    Severity,
    alarm_name,
    composite_rule,
)
from monitoring.errors import UserInputError

COMPOSITE_KEY = "endpoint-unhealthy"
MAX_ALARM_NAME_CHARS = 255


@dataclass(frozen=True)
class EndpointAlarmsArgs:
    specs: Sequence[AlarmSpec]
    endpoint_name: pulumi.Input[str]
    variant_name: pulumi.Input[str]
    alarm_name_prefix: str
    notify_actions: Sequence[pulumi.Input[str]] = ()
    page_actions: Sequence[pulumi.Input[str]] = ()
    composite: bool = False
    # Alarm names created elsewhere (the rollback alarms) that the composite alarm should also cover.
    composite_also_covers: Sequence[pulumi.Input[str]] = ()
    # No actions by default: the composite is a one-glance summary (dashboard, status CLI, external health
    # checks); the member alarms already notify/page, and acting on both would send every message twice.
    composite_actions: Sequence[pulumi.Input[str]] = ()
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.specs:
            raise UserInputError("EndpointAlarmsArgs.specs is empty; pass at least one AlarmSpec")
        keys = [s.key for s in self.specs]
        if len(set(keys)) != len(keys):
            raise UserInputError(f"EndpointAlarmsArgs.specs has duplicate keys: {sorted(keys)}")
        if not self.alarm_name_prefix or '"' in self.alarm_name_prefix:
            raise UserInputError("EndpointAlarmsArgs.alarm_name_prefix must be non-empty and contain no '\"'")
        longest = max([*keys, COMPOSITE_KEY], key=len)
        if len(f"{self.alarm_name_prefix}-{longest}") > MAX_ALARM_NAME_CHARS:
            raise UserInputError(f"alarm_name_prefix is too long: alarm names are limited to {MAX_ALARM_NAME_CHARS}")
        if len(self.composite_actions) > MAX_ACTIONS_PER_STATE:
            raise UserInputError(f"composite_actions exceed {MAX_ACTIONS_PER_STATE} ARNs, CloudWatch's limit")
        if len(self.notify_actions) + len(self.page_actions) > MAX_ACTIONS_PER_STATE:
            raise UserInputError(
                f"notify_actions + page_actions exceed {MAX_ACTIONS_PER_STATE} ARNs, "
                "CloudWatch's limit per alarm state; fan out through one SNS topic instead"
            )
        if (self.composite_also_covers or self.composite_actions) and not self.composite:
            raise UserInputError("composite_also_covers / composite_actions are set but composite=False")


def actions_for(
    severity: Severity, notify: Sequence[pulumi.Input[str]], page: Sequence[pulumi.Input[str]]
) -> list[pulumi.Input[str]]:
    """Page alarms reach both the notification and the paging targets; notify alarms only the former."""
    return [*notify, *page] if severity == "page" else [*notify]


class EndpointAlarms(pulumi.ComponentResource):
    """Metric alarms for one endpoint variant, named `<alarm_name_prefix>-<spec.key>`."""

    alarm_names: dict[str, pulumi.Output[str]]
    alarm_arns: dict[str, pulumi.Output[str]]
    composite_alarm_name: pulumi.Output[str] | None
    composite_alarm_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: EndpointAlarmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:monitoring:EndpointAlarms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        dimensions: Mapping[str, pulumi.Input[str]] = {
            "EndpointName": args.endpoint_name,
            "VariantName": args.variant_name,
        }
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        for spec in args.specs:
            actions = actions_for(spec.severity, args.notify_actions, args.page_actions)
            self.alarms[spec.key] = aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}",
                name=alarm_name(args.alarm_name_prefix, spec),
                alarm_description=spec.description,
                namespace=spec.namespace,
                metric_name=spec.metric_name,
                dimensions=dimensions,
                statistic=spec.statistic,
                extended_statistic=spec.extended_statistic,
                evaluate_low_sample_count_percentiles=spec.evaluate_low_sample_count_percentiles,
                period=spec.period,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints_to_alarm,
                threshold=spec.threshold,
                comparison_operator=spec.comparison_operator,
                treat_missing_data=spec.treat_missing_data,
                # OK actions tell the on-call the incident is over; same targets as the alarm itself.
                alarm_actions=actions,
                ok_actions=actions,
                tags=dict(args.tags) or None,
                opts=child,
            )
        self.alarm_names = {key: alarm.name for key, alarm in self.alarms.items()}
        self.alarm_arns = {key: alarm.arn for key, alarm in self.alarms.items()}

        self.composite_alarm: aws.cloudwatch.CompositeAlarm | None = None
        self.composite_alarm_name = None
        self.composite_alarm_arn = None
        if args.composite:
            covered = [*args.composite_also_covers, *self.alarm_names.values()]
            self.composite_alarm = aws.cloudwatch.CompositeAlarm(
                f"{name}-{COMPOSITE_KEY}",
                alarm_name=f"{args.alarm_name_prefix}-{COMPOSITE_KEY}",
                alarm_description="The endpoint is unhealthy: at least one of its alarms is in ALARM.",
                # The rule is built from the alarms' name outputs, so Pulumi creates the alarms first.
                # Formatting it inside apply() only computes text; no resource is created there.
                alarm_rule=pulumi.Output.all(*covered).apply(lambda names: composite_rule([str(n) for n in names])),
                alarm_actions=list(args.composite_actions),
                ok_actions=list(args.composite_actions),
                tags=dict(args.tags) or None,
                opts=child,
            )
            self.composite_alarm_name = self.composite_alarm.alarm_name
            self.composite_alarm_arn = self.composite_alarm.arn

        self.register_outputs(
            {
                "alarm_names": self.alarm_names,
                "alarm_arns": self.alarm_arns,
                "composite_alarm_name": self.composite_alarm_name,
                "composite_alarm_arn": self.composite_alarm_arn,
            }
        )
