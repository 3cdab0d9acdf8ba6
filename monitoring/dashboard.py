"""The CloudWatch dashboard body for one endpoint, as a plain dict (pure; no Pulumi).

Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
Widgets sit on a 24-column grid (`x`, `y`, `width`, `height`). A metric is an array
`[namespace, metric_name, dim_name, dim_value, ..., {options}]`; every metric widget carries its
`region`, because a dashboard is global and a widget without one shows the console's current region.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from monitoring.catalogue import INSTANCE_NAMESPACE, INVOCATION_NAMESPACE
from monitoring.errors import UserInputError

GRID_COLUMNS = 24
WIDGET_HEIGHT = 6
_THIRD = GRID_COLUMNS // 3
# The alarm status widget lists at most 100 alarms.
MAX_ALARMS_PER_WIDGET = 100
_DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")

Metric = list[Any]
Widget = dict[str, Any]


def check_dashboard_name(name: str) -> str:
    """CloudWatch dashboard names: 1-255 characters, letters, digits, '-' and '_' only."""
    if not _DASHBOARD_NAME.match(name):
        raise UserInputError(f"dashboard name {name!r} must be 1-255 characters of A-Z a-z 0-9 - _")
    return name


def _metric(namespace: str, name: str, endpoint: str, variant: str, **options: Any) -> Metric:
    return [namespace, name, "EndpointName", endpoint, "VariantName", variant, options]


def _metric_widget(
    title: str,
    metrics: list[Metric],
    region: str,
    *,
    x: int,
    y: int,
    stat: str,
    period: int = 60,
    left_label: str | None = None,
    width: int = _THIRD,
) -> Widget:
    properties: dict[str, Any] = {
        "title": title,
        "view": "timeSeries",
        "stacked": False,
        "region": region,
        "stat": stat,
        "period": period,
        "metrics": metrics,
    }
    if left_label is not None:
        properties["yAxis"] = {"left": {"label": left_label, "showUnits": False}}
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": width,
        "height": WIDGET_HEIGHT,
        "properties": properties,
    }


def dashboard_body(
    endpoint_name: str,
    variant_name: str,
    region: str,
    alarm_arns: Sequence[str],
    serverless: bool,
) -> dict[str, Any]:
    """The dashboard for `endpoint_name`/`variant_name` in `region`, alarm status widget last."""
    if not endpoint_name or not variant_name or not region:
        raise UserInputError("dashboard_body needs a non-empty endpoint_name, variant_name and region")
    if len(alarm_arns) > MAX_ALARMS_PER_WIDGET:
        raise UserInputError(f"an alarm widget lists at most {MAX_ALARMS_PER_WIDGET} alarms (got {len(alarm_arns)})")
    e, v = endpoint_name, variant_name

    def inv(name: str, **options: Any) -> Metric:
        return _metric(INVOCATION_NAMESPACE, name, e, v, **options)

    def inst(name: str, **options: Any) -> Metric:
        return _metric(INSTANCE_NAMESPACE, name, e, v, **options)

    kind = "serverless" if serverless else "realtime"
    widgets: list[Widget] = [
        {
            "type": "text",
            "x": 0,
            "y": 0,
            "width": GRID_COLUMNS,
            "height": 2,
            "properties": {
                "markdown": (
                    f"## {e} / {v} ({kind}, {region})\n"
                    "Latencies are in **microseconds** (SageMaker's unit): 250000 µs = 250 ms. "
                    "Error rates are the Average of 0/1 per request. "
                    + (
                        "Serverless: no instance metrics; cold starts show as ModelSetupTime."
                        if serverless
                        else "Instances in service ≈ Invocations ÷ InvocationsPerInstance (no direct metric)."
                    )
                )
            },
        },
        _metric_widget(
            "Invocations (per minute)",
            [inv("Invocations", label="Invocations")],
            region,
            x=0,
            y=2,
            stat="Sum",
            left_label="requests",
        ),
        _metric_widget(
            "Error rates (4XX / 5XX)",
            [
                inv("Invocation4XXErrors", label="4XX rate"),
                inv("Invocation5XXErrors", label="5XX rate"),
            ],
            region,
            x=_THIRD,
            y=2,
            stat="Average",
            left_label="fraction of requests",
        ),
        _metric_widget(
            "ModelLatency p50 / p90 / p99 (µs)",
            [
                inv("ModelLatency", stat="p50", label="p50 (µs)"),
                inv("ModelLatency", stat="p90", label="p90 (µs)"),
                inv("ModelLatency", stat="p99", label="p99 (µs)"),
            ],
            region,
            x=2 * _THIRD,
            y=2,
            stat="p99",
            left_label="µs",
        ),
        _metric_widget(
            "OverheadLatency p50 / p99 (µs)",
            [
                inv("OverheadLatency", stat="p50", label="p50 (µs)"),
                inv("OverheadLatency", stat="p99", label="p99 (µs)"),
            ],
            region,
            x=0,
            y=8,
            stat="p99",
            left_label="µs",
        ),
    ]
    if serverless:
        widgets += [
            _metric_widget(
                "Concurrency utilisation (of MaxConcurrency)",
                [inv("ServerlessConcurrentExecutionsUtilization", label="max utilisation")],
                region,
                x=_THIRD,
                y=8,
                stat="Maximum",
                left_label="fraction",
            ),
            _metric_widget(
                "ModelSetupTime: cold starts (µs)",
                [
                    inv("ModelSetupTime", stat="Maximum", label="max (µs)"),
                    inv("ModelSetupTime", stat="SampleCount", label="cold starts", yAxis="right"),
                ],
                region,
                x=2 * _THIRD,
                y=8,
                stat="Maximum",
                period=300,
                left_label="µs",
            ),
        ]
        alarm_y = 14
    else:
        widgets += [
            _metric_widget(
                "Instances in service (≈ Invocations ÷ InvocationsPerInstance)",
                [
                    inv("Invocations", id="m1", visible=False),
                    inv("InvocationsPerInstance", id="m2", label="InvocationsPerInstance"),
                    [{"expression": "m1/m2", "id": "e1", "label": "≈ instances", "yAxis": "right"}],
                ],
                region,
                x=_THIRD,
                y=8,
                stat="Sum",
                left_label="requests per instance",
            ),
            _metric_widget(
                "CPUUtilization (% summed over vCPUs)",
                [inst("CPUUtilization", label="CPU")],
                region,
                x=2 * _THIRD,
                y=8,
                stat="Average",
                left_label="% (100 per vCPU)",
            ),
            _metric_widget(
                "Memory / disk utilisation (%)",
                [inst("MemoryUtilization", label="memory"), inst("DiskUtilization", label="disk")],
                region,
                x=0,
                y=14,
                stat="Average",
                left_label="%",
            ),
            _metric_widget(
                "ConcurrentRequestsPerModel (10 s resolution)",
                [inv("ConcurrentRequestsPerModel", label="max concurrent requests")],
                region,
                x=_THIRD,
                y=14,
                stat="Maximum",
                left_label="requests",
                width=2 * _THIRD,
            ),
        ]
        alarm_y = 20
    if alarm_arns:  # an alarm widget needs at least one alarm to show anything
        widgets.append(
            {
                "type": "alarm",
                "x": 0,
                "y": alarm_y,
                "width": GRID_COLUMNS,
                "height": 2 + (len(alarm_arns) + 3) // 4,  # two alarms per table row, ~2 rows per grid unit
                "properties": {
                    "title": "Alarm status",
                    "alarms": list(alarm_arns),
                    "sortBy": "stateUpdatedTimestamp",
                },
            }
        )
    return {"start": "-PT3H", "periodOverride": "inherit", "widgets": widgets}
