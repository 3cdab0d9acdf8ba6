"""The applications' "it happened at all" alarms: one datapoint of a count in a 5-minute period is enough.

Lambda, SQS and API Gateway publish no datapoint while nothing happens, so missing data is health, not an
unknown state (``notBreaching``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

ALARM_PERIOD_SECONDS = 300


def occurrence_alarm(
    resource_name: str,
    *,
    alarm_name: str,
    description: str,
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, pulumi.Input[str]],
    statistic: str,
    actions: Sequence[pulumi.Input[str]],
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.MetricAlarm:
    """Alarm when the metric reaches 1 in one period; back to OK (and notify) when it does not."""
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        name=alarm_name,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric_name,
        dimensions=dict(dimensions),
        statistic=statistic,
        period=ALARM_PERIOD_SECONDS,
        evaluation_periods=1,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        alarm_actions=list(actions),
        ok_actions=list(actions),
        tags=dict(tags),
        opts=opts,
    )
