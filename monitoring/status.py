"""Operator CLI: alarm states and the last hour's key metrics of one endpoint.

    python -m monitoring status --endpoint-name NAME --region REGION [--alarm-prefix P] [--json]
    python -m monitoring status --stack prod [--json]

`--stack` reads `pulumi stack output --json --stack NAME` (outputs `endpointName`, `region` and, when
the program exports it, `alarmNamePrefix`) and needs the Pulumi CLI. Without an alarm prefix, alarms are
found by their `EndpointName` / `Endpoint` dimension (composite alarms have no dimensions: pass the
prefix to see them).
Errors print one line and exit 1.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from monitoring.catalogue import INVOCATION_NAMESPACE, MICROSECONDS_PER_MILLISECOND
from monitoring.errors import MonitoringError, PlatformError, UserInputError

WINDOW = timedelta(hours=1)
# The stack outputs infra/program.py exports (camelCase, as Pulumi outputs are conventionally named).
STACK_OUTPUT_KEYS = ("endpointName", "region")
STACK_PREFIX_KEY = "alarmNamePrefix"


@dataclass(frozen=True)
class Target:
    endpoint_name: str
    region: str
    alarm_prefix: str | None = None


@dataclass(frozen=True)
class AlarmRow:
    name: str
    state: str
    metric: str
    threshold: str
    reason: str


@dataclass(frozen=True)
class VariantRow:
    variant: str
    invocations: float | None
    error_4xx_rate: float | None
    error_5xx_rate: float | None
    model_latency_p99_ms: float | None


# --- where to look ---------------------------------------------------------------------------------


def stack_target(
    stack: str,
    *,
    which: Callable[[str], str | None] = shutil.which,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
) -> Target:
    """Endpoint name, region and alarm prefix from the stack's outputs, via the Pulumi CLI."""
    pulumi = which("pulumi")
    if pulumi is None:
        raise UserInputError(
            "--stack needs the Pulumi CLI on PATH; without it pass --endpoint-name and --region instead"
        )
    try:
        completed = run(
            [pulumi, "stack", "output", "--json", "--stack", stack],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PlatformError(f"could not run the Pulumi CLI: {error}") from None
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise PlatformError(
            f"pulumi stack output --stack {stack} failed: {detail[-1] if detail else completed.returncode}"
        )
    try:
        outputs = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise PlatformError(f"pulumi stack output --stack {stack} did not print JSON") from None
    missing = [key for key in STACK_OUTPUT_KEYS if not isinstance(outputs.get(key), str) or not outputs[key]]
    if missing:
        raise UserInputError(
            f"stack {stack!r} has no output(s) {', '.join(missing)}; pass --endpoint-name and --region instead"
        )
    prefix = outputs.get(STACK_PREFIX_KEY)
    return Target(outputs["endpointName"], outputs["region"], prefix if isinstance(prefix, str) and prefix else None)


# --- AWS reads -------------------------------------------------------------------------------------


def _aws_call(what: str, call: Callable[[], Any]) -> Any:
    """Run one boto3 call and turn its failures into one-line monitoring errors."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

    try:
        return call()
    except (NoCredentialsError, PartialCredentialsError):
        raise PlatformError(
            "no AWS credentials found: configure a profile (AWS_PROFILE) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        ) from None
    except ClientError as error:
        info = error.response.get("Error", {})
        raise PlatformError(f"{what} failed: {info.get('Code', 'Error')}: {info.get('Message', error)}") from None
    except BotoCoreError as error:
        raise PlatformError(f"{what} failed: {error}") from None


def endpoint_variants(sagemaker: Any, endpoint_name: str, region: str) -> tuple[str, list[str]]:
    """(status, variant names) of the endpoint; a missing endpoint is a user error."""
    try:
        description = _aws_call("DescribeEndpoint", lambda: _raw_describe_endpoint(sagemaker, endpoint_name))
    except _EndpointNotFoundError:
        raise UserInputError(f"endpoint {endpoint_name!r} not found in {region}") from None
    variants = [v["VariantName"] for v in description.get("ProductionVariants", [])]
    return str(description.get("EndpointStatus", "Unknown")), variants


class _EndpointNotFoundError(Exception):
    pass


def _raw_describe_endpoint(sagemaker: Any, endpoint_name: str) -> Any:
    from botocore.exceptions import ClientError

    try:
        return sagemaker.describe_endpoint(EndpointName=endpoint_name)
    except ClientError as error:
        info = error.response.get("Error", {})
        # SageMaker answers a missing endpoint with ValidationException "Could not find endpoint ...".
        if info.get("Code") == "ValidationException" and "Could not find endpoint" in str(info.get("Message")):
            raise _EndpointNotFoundError from None
        raise


def _dimensions_of(alarm: dict[str, Any]) -> list[dict[str, str]]:
    dims: list[dict[str, str]] = list(alarm.get("Dimensions", []))
    for query in alarm.get("Metrics", []):
        dims += query.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
    return dims


def _metric_label(alarm: dict[str, Any]) -> str:
    if "AlarmRule" in alarm:
        return "composite"
    if alarm.get("Metrics"):
        return "metric math"
    stat = alarm.get("Statistic") or alarm.get("ExtendedStatistic") or "?"
    return f"{alarm.get('MetricName', '?')} {stat}"


def _threshold_label(alarm: dict[str, Any]) -> str:
    if "AlarmRule" in alarm:
        return "-"
    symbol = {
        "GreaterThanThreshold": ">",
        "GreaterThanOrEqualToThreshold": ">=",
        "LessThanThreshold": "<",
        "LessThanOrEqualToThreshold": "<=",
    }.get(alarm.get("ComparisonOperator", ""), "?")
    return f"{symbol} {alarm.get('Threshold', 0):g}"


def alarm_rows(cloudwatch: Any, endpoint_name: str, prefix: str | None) -> list[AlarmRow]:
    """Alarms named `<prefix>...` (metric and composite), or metric alarms on the endpoint's dimension."""
    kwargs: dict[str, Any] = {"AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}
    if prefix:
        kwargs["AlarmNamePrefix"] = prefix
    alarms: list[dict[str, Any]] = []

    def collect() -> None:
        for page in cloudwatch.get_paginator("describe_alarms").paginate(**kwargs):
            alarms.extend(page.get("MetricAlarms", []))
            alarms.extend(page.get("CompositeAlarms", []))

    _aws_call("DescribeAlarms", collect)
    if not prefix:
        alarms = [
            a
            for a in alarms
            if any(
                d.get("Name") in ("EndpointName", "Endpoint") and d.get("Value") == endpoint_name
                for d in _dimensions_of(a)
            )
        ]
    rows = [
        AlarmRow(
            name=a["AlarmName"],
            state=a.get("StateValue", "?"),
            metric=_metric_label(a),
            threshold=_threshold_label(a),
            reason=a.get("StateReason", ""),
        )
        for a in alarms
    ]
    # Worst first, then by name: the operator reads the top of the table.
    order = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}
    return sorted(rows, key=lambda r: (order.get(r.state, 3), r.name))


def metric_queries(endpoint_name: str, variants: Sequence[str]) -> list[dict[str, Any]]:
    """GetMetricData queries: one datapoint per variant and metric over the whole window."""
    queries = []
    for index, variant in enumerate(variants):
        dims = [{"Name": "EndpointName", "Value": endpoint_name}, {"Name": "VariantName", "Value": variant}]
        for key, metric, stat in (
            ("inv", "Invocations", "Sum"),
            ("e4", "Invocation4XXErrors", "Average"),  # 0/1 per request: Average is the rate
            ("e5", "Invocation5XXErrors", "Average"),
            ("lat", "ModelLatency", "p99"),  # microseconds
        ):
            queries.append(
                {
                    "Id": f"{key}{index}",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": INVOCATION_NAMESPACE,
                            "MetricName": metric,
                            "Dimensions": dims,
                        },
                        "Period": int(WINDOW.total_seconds()),
                        "Stat": stat,
                    },
                    "ReturnData": True,
                }
            )
    return queries


def variant_rows(results: Iterable[dict[str, Any]], variants: Sequence[str]) -> list[VariantRow]:
    """Rows from GetMetricData results; ModelLatency converted from microseconds to milliseconds."""
    by_id: dict[str, float | None] = {}
    for result in results:
        values = [float(v) for v in result.get("Values", []) if v is not None and not math.isnan(float(v))]
        by_id[result["Id"]] = values[0] if values else None
    rows = []
    for index, variant in enumerate(variants):
        latency = by_id.get(f"lat{index}")
        rows.append(
            VariantRow(
                variant=variant,
                invocations=by_id.get(f"inv{index}"),
                error_4xx_rate=by_id.get(f"e4{index}"),
                error_5xx_rate=by_id.get(f"e5{index}"),
                model_latency_p99_ms=None if latency is None else latency / MICROSECONDS_PER_MILLISECOND,
            )
        )
    return rows


def fetch_metrics(cloudwatch: Any, endpoint_name: str, variants: Sequence[str], now: datetime) -> list[VariantRow]:
    if not variants:
        return []
    end = now.replace(second=0, microsecond=0)
    queries = metric_queries(endpoint_name, variants)
    results: list[dict[str, Any]] = []

    def collect() -> None:
        for page in cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries, StartTime=end - WINDOW, EndTime=end, ScanBy="TimestampDescending"
        ):
            results.extend(page.get("MetricDataResults", []))

    _aws_call("GetMetricData", collect)
    return variant_rows(results, variants)


# --- presentation ----------------------------------------------------------------------------------


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    return ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [headers, *rows]]


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "n/a"
    if kind == "rate":
        return f"{value:.2%}"
    if kind == "ms":
        return f"{value:.1f} ms"
    return f"{value:g}"


def render_text(target: Target, status: str, alarms: Sequence[AlarmRow], variants: Sequence[VariantRow]) -> str:
    lines = [f"Endpoint {target.endpoint_name} ({target.region}): {status}", ""]
    lines.append(f"Alarms ({len(alarms)})")
    if alarms:
        lines += format_table(
            ["NAME", "STATE", "METRIC", "THRESHOLD"],
            [[a.name, a.state, a.metric, a.threshold] for a in alarms],
        )
    else:
        lines.append("no alarms found" + ("" if target.alarm_prefix else " (try --alarm-prefix)"))
    lines += ["", f"Last {int(WINDOW.total_seconds() // 60)} minutes"]
    lines += format_table(
        ["VARIANT", "INVOCATIONS", "4XX RATE", "5XX RATE", "P99 MODEL LATENCY"],
        [
            [
                v.variant,
                _fmt(v.invocations, "count"),
                _fmt(v.error_4xx_rate, "rate"),
                _fmt(v.error_5xx_rate, "rate"),
                _fmt(v.model_latency_p99_ms, "ms"),
            ]
            for v in variants
        ],
    )
    return "\n".join(lines) + "\n"


def render_json(target: Target, status: str, alarms: Sequence[AlarmRow], variants: Sequence[VariantRow]) -> str:
    document = {
        "endpoint_name": target.endpoint_name,
        "region": target.region,
        "status": status,
        "window_minutes": int(WINDOW.total_seconds() // 60),
        "alarms": [asdict(a) for a in alarms],
        "variants": [asdict(v) for v in variants],
    }
    return json.dumps(document, sort_keys=True, indent=2) + "\n"


# --- entry point -----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("endpoint (either --stack, or --endpoint-name and --region)")
    where.add_argument("--stack", help="read endpointName/region/alarmNamePrefix from this stack's outputs")
    where.add_argument("--endpoint-name")
    where.add_argument("--region")
    parser.add_argument("--alarm-prefix", help="list alarms whose names start with this prefix")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def resolve_target(args: argparse.Namespace) -> Target:
    if args.stack:
        if args.endpoint_name or args.region:
            raise UserInputError("pass either --stack or --endpoint-name/--region, not both")
        target = stack_target(args.stack)
        return Target(target.endpoint_name, target.region, args.alarm_prefix or target.alarm_prefix)
    if not args.endpoint_name or not args.region:
        raise UserInputError("pass --endpoint-name and --region (or --stack NAME)")
    return Target(args.endpoint_name, args.region, args.alarm_prefix)


def run_status(args: argparse.Namespace, *, now: datetime | None = None) -> str:
    import boto3

    target = resolve_target(args)
    session = boto3.session.Session(region_name=target.region)
    sagemaker = session.client("sagemaker")
    cloudwatch = session.client("cloudwatch")
    status, variants = endpoint_variants(sagemaker, target.endpoint_name, target.region)
    alarms = alarm_rows(cloudwatch, target.endpoint_name, target.alarm_prefix)
    metrics = fetch_metrics(cloudwatch, target.endpoint_name, variants, now or datetime.now(UTC))
    render = render_json if args.json else render_text
    return render(target, status, alarms, metrics)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitoring", description="Operator tools for the endpoint.")
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="alarm states and the last hour's key metrics")
    add_arguments(status)
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(run_status(args))
    except MonitoringError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    return 0
