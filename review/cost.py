"""``python -m review.cost [--stack S ...]``: a monthly cost estimate of each stack's resource graph.

Prices come from the dated, hand-copied table ``pricing/<region>.json`` (see its ``provenance``); every
usage number that the graph does not fix is an explicit assumption, printed under the table and
overridable from the command line. Each line is ``quantity x unit price``, with a minimum and a maximum:

- real-time endpoints: instance-hours per variant at the autoscaling minimum and maximum (the variant's
  initial instance count when it has no scalable target), ``hours_per_month`` hours a month;
- serverless endpoints: requests x duration x memory in GB-seconds, plus the data processed in and out,
  from no traffic (serverless has no idle cost) to the assumed monthly requests;
- Model Monitor jobs: runs a month (hourly or daily schedule) x run time (the assumed typical run, up to
  the job's stopping condition) x instances;
- S3 storage (an assumed total size), KMS keys, CloudWatch alarm metrics (standard or high resolution,
  one per metric a metric-math alarm reads), composite alarms, dashboards (the free tier of 3 dashboards
  a month deducted), SNS deliveries after the free tier.

Not priced: requests to S3 and KMS, CloudWatch metrics and logs ingestion, data transfer out of AWS.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from offline import tokens
from offline.cli import EXIT_USAGE, description, run
from offline.graph import Plan, RecordedResource
from offline.stacks import PROJECT_ROOT, add_set_option, parse_overrides
from review import snapshot

PRICING_DIR = PROJECT_ROOT / "pricing"
MB_PER_GB = Decimal(1024)
KB_PER_GB = Decimal(1024 * 1024)


class PricingError(Exception):
    """The price table lacks an entry the graph needs, or the graph has a shape we cannot price."""


def load_prices(region: str) -> dict[str, Any]:
    path = PRICING_DIR / f"{region}.json"
    if not path.is_file():
        raise PricingError(f"no price table {path.relative_to(PROJECT_ROOT)}; copy pricing/us-east-1.json and adapt it")
    prices: dict[str, Any] = json.loads(path.read_text(), parse_float=Decimal, parse_int=Decimal)
    return prices


def _price(prices: Mapping[str, Any], *keys: str) -> Decimal:
    value: Any = prices
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            source = prices["sources"].get(keys[0], "the AWS pricing pages")
            raise PricingError(f"no price {'.'.join(keys)} in the price table; add it from {source}")
        value = value[key]
    return Decimal(value)


@dataclass(frozen=True)
class Assumptions:
    """Usage the graph does not determine. Minimum and maximum where traffic decides."""

    serverless_requests_min: int = 0
    serverless_requests_max: int = 1_000_000
    serverless_duration_ms: Decimal = Decimal(100)
    payload_kb_in: Decimal = Decimal(1)
    payload_kb_out: Decimal = Decimal(1)
    s3_gb: Decimal = Decimal(10)
    monitoring_run_minutes: Decimal = Decimal(10)
    notifications_per_subscription: int = 100

    def describe(self) -> list[str]:
        return [
            f"serverless traffic: {self.serverless_requests_min:,} to {self.serverless_requests_max:,} requests a "
            f"month, {self.serverless_duration_ms} ms each, {self.payload_kb_in} KB in, {self.payload_kb_out} KB out",
            f"S3: {self.s3_gb} GB stored in total across the stack's buckets (Standard storage class)",
            f"Model Monitor: a run takes {self.monitoring_run_minutes} minutes (minimum) up to the job's stopping "
            "condition (maximum)",
            f"SNS: {self.notifications_per_subscription} alarm notifications a month per subscription",
        ]


@dataclass(frozen=True)
class Line:
    item: str
    unit: str
    unit_price: Decimal
    quantity_min: Decimal
    quantity_max: Decimal

    @property
    def monthly_min(self) -> Decimal:
        return self.quantity_min * self.unit_price

    @property
    def monthly_max(self) -> Decimal:
        return self.quantity_max * self.unit_price


@dataclass(frozen=True)
class Estimate:
    stack: str
    region: str
    as_of: str
    lines: tuple[Line, ...]
    assumptions: tuple[str, ...]

    @property
    def total_min(self) -> Decimal:
        return sum((line.monthly_min for line in self.lines), Decimal(0))

    @property
    def total_max(self) -> Decimal:
        return sum((line.monthly_max for line in self.lines), Decimal(0))


# --------------------------------------------------------------------------------------------------
# Reading the graph


def _of_type(plan: Plan, type_token: str) -> list[RecordedResource]:
    return [r for r in plan.resources if r.type == type_token]


def _physical_name(resource: RecordedResource) -> str:
    """The name AWS knows the resource by: the mock provider's state (input name or auto-name)."""
    return str(resource.state.get("name") or resource.inputs.get("name") or resource.name)


def _scaling_bounds(plan: Plan) -> dict[str, tuple[Decimal, Decimal]]:
    """Autoscaling ``(min, max)`` by scalable resource id (``endpoint/<name>/variant/<variant>``)."""
    bounds = {}
    for target in _of_type(plan, tokens.SCALABLE_TARGET):
        if target.inputs.get("serviceNamespace") == "sagemaker":
            bounds[str(target.inputs["resourceId"])] = (
                Decimal(target.inputs["minCapacity"]),
                Decimal(target.inputs["maxCapacity"]),
            )
    return bounds


def runs_per_month(schedule_expression: str, hours_per_month: Decimal) -> Decimal:
    """Runs a month of a Model Monitor ``cron(min hour dom month dow year)`` schedule (hourly or daily)."""
    fields = schedule_expression.removeprefix("cron(").removesuffix(")").split()
    if len(fields) == 6 and fields[0].isdigit() and fields[2] in ("*", "?") and fields[4] in ("*", "?"):
        if fields[1] == "*":
            return hours_per_month
        if fields[1].isdigit():
            return hours_per_month / 24
    raise PricingError(f"cannot price the schedule {schedule_expression!r}: only hourly and daily cron schedules")


def _endpoint_lines(plan: Plan, prices: Mapping[str, Any], assume: Assumptions) -> list[Line]:
    hours = Decimal(prices["hours_per_month"])
    configs = {_physical_name(c): c for c in _of_type(plan, tokens.SAGEMAKER_ENDPOINT_CONFIG)}
    bounds = _scaling_bounds(plan)
    lines: list[Line] = []
    for endpoint in _of_type(plan, tokens.SAGEMAKER_ENDPOINT):
        config = configs.get(str(endpoint.inputs.get("endpointConfigName")))
        if config is None:
            raise PricingError(f"endpoint {endpoint.name} uses a configuration that is not in the graph")
        endpoint_name = _physical_name(endpoint)
        for variant in config.inputs.get("productionVariants", []):
            name = variant.get("variantName", "")
            serverless = variant.get("serverlessConfig")
            if serverless:
                gb = Decimal(serverless["memorySizeInMb"]) / MB_PER_GB
                seconds = assume.serverless_duration_ms / 1000
                low, high = Decimal(assume.serverless_requests_min), Decimal(assume.serverless_requests_max)
                label = f"{endpoint_name}/{name} serverless {int(serverless['memorySizeInMb'])} MB"
                lines.append(
                    Line(
                        f"SageMaker {label}: compute",
                        "GB-second",
                        _price(prices, "sagemaker", "serverless_gb_second"),
                        low * seconds * gb,
                        high * seconds * gb,
                    )
                )
                for direction, kb in (("in", assume.payload_kb_in), ("out", assume.payload_kb_out)):
                    lines.append(
                        Line(
                            f"SageMaker {label}: data processed {direction}",
                            "GB",
                            _price(prices, "sagemaker", f"data_processed_{direction}_gb"),
                            low * kb / KB_PER_GB,
                            high * kb / KB_PER_GB,
                        )
                    )
                continue
            instance_type = str(variant["instanceType"])
            initial = Decimal(variant.get("initialInstanceCount", 1))
            low, high = bounds.get(f"endpoint/{endpoint_name}/variant/{name}", (initial, initial))
            lines.append(
                Line(
                    f"SageMaker real-time {endpoint_name}/{name}: {instance_type} x {low}-{high} instances",
                    "instance-hour",
                    _price(prices, "sagemaker", "realtime_instance_hour", instance_type),
                    low * hours,
                    high * hours,
                )
            )
    return lines


def _monitoring_lines(plan: Plan, prices: Mapping[str, Any], assume: Assumptions) -> list[Line]:
    hours = Decimal(prices["hours_per_month"])
    jobs = {_physical_name(j): j for j in _of_type(plan, tokens.SAGEMAKER_DATA_QUALITY_JOB)}
    lines = []
    for schedule in _of_type(plan, tokens.SAGEMAKER_MONITORING_SCHEDULE):
        config = schedule.inputs["monitoringScheduleConfig"]
        job = jobs.get(str(config["monitoringJobDefinitionName"]))
        if job is None:
            raise PricingError(f"monitoring schedule {schedule.name} runs a job definition that is not in the graph")
        cluster = job.inputs["jobResources"]["clusterConfig"]
        instance_type = str(cluster["instanceType"])
        count = Decimal(cluster.get("instanceCount", 1))
        cap_hours = Decimal(job.inputs["stoppingCondition"]["maxRuntimeInSeconds"]) / 3600
        typical_hours = min(assume.monitoring_run_minutes / 60, cap_hours)
        runs = runs_per_month(str(config["scheduleConfig"]["scheduleExpression"]), hours)
        lines.append(
            Line(
                f"Model Monitor {schedule.name}: {instance_type} x {count}, {runs:.4g} runs",
                "instance-hour",
                _price(prices, "sagemaker", "processing_instance_hour", instance_type),
                runs * typical_hours * count,
                runs * cap_hours * count,
            )
        )
    return lines


def _alarm_metrics(alarm: RecordedResource) -> tuple[int, bool]:
    """How many metrics an alarm is billed for, and whether at high resolution (period < 60 s)."""
    queries = alarm.inputs.get("metricQueries") or []
    if queries:
        metrics = [q["metric"] for q in queries if q.get("metric")]
        return len(metrics), any(Decimal(m.get("period", 60)) < 60 for m in metrics)
    return 1, Decimal(alarm.inputs.get("period", 60)) < 60


def _platform_lines(plan: Plan, prices: Mapping[str, Any], assume: Assumptions) -> list[Line]:
    lines = []
    buckets = len(_of_type(plan, tokens.S3_BUCKET))
    if buckets:
        lines.append(
            Line(
                f"S3 Standard storage ({buckets} buckets, assumed total)",
                "GB-month",
                _price(prices, "s3", "standard_gb_month"),
                assume.s3_gb,
                assume.s3_gb,
            )
        )
    keys = Decimal(len(_of_type(plan, tokens.KMS_KEY)))
    if keys:
        lines.append(
            Line(
                "KMS customer-managed keys",
                "key-month",
                _price(prices, "kms", "customer_managed_key_month"),
                keys,
                keys,
            )
        )
    standard = high = 0
    for alarm in _of_type(plan, tokens.METRIC_ALARM):
        metrics, high_resolution = _alarm_metrics(alarm)
        if high_resolution:
            high += metrics
        else:
            standard += metrics
    for label, count, key in (
        ("standard resolution", standard, "standard_alarm_metric_month"),
        ("high resolution", high, "high_resolution_alarm_metric_month"),
    ):
        if count:
            quantity = Decimal(count)
            lines.append(
                Line(
                    f"CloudWatch metric alarms, {label}",
                    "alarm-metric-month",
                    _price(prices, "cloudwatch", key),
                    quantity,
                    quantity,
                )
            )
    composites = Decimal(len(_of_type(plan, tokens.COMPOSITE_ALARM)))
    if composites:
        lines.append(
            Line(
                "CloudWatch composite alarms",
                "alarm-month",
                _price(prices, "cloudwatch", "composite_alarm_month"),
                composites,
                composites,
            )
        )
    dashboards = len(_of_type(plan, tokens.DASHBOARD))
    if dashboards:
        free = int(_price(prices, "cloudwatch", "free_dashboards"))
        billable = Decimal(max(0, dashboards - free))
        lines.append(
            Line(
                f"CloudWatch dashboards ({dashboards}; the first {free} a month are free)",
                "dashboard-month",
                _price(prices, "cloudwatch", "dashboard_month"),
                billable,
                billable,
            )
        )
    subscriptions = _of_type(plan, tokens.SNS_SUBSCRIPTION)
    for protocol, unit, per, free_key, price_key in (
        ("email", "100k deliveries", 100_000, "free_email_per_month", "email_per_100k"),
        ("https", "1M deliveries", 1_000_000, "free_https_per_month", "https_per_million"),
    ):
        count = sum(1 for s in subscriptions if s.inputs.get("protocol") == protocol)
        if count:
            deliveries = count * assume.notifications_per_subscription
            billable = Decimal(max(0, deliveries - int(_price(prices, "sns", free_key)))) / per
            lines.append(
                Line(
                    f"SNS {protocol} notifications ({deliveries:,} a month, after the free tier)",
                    unit,
                    _price(prices, "sns", price_key),
                    billable,
                    billable,
                )
            )
    return lines


def estimate(plan: Plan, prices: Mapping[str, Any], assume: Assumptions | None = None) -> Estimate:
    assume = assume or Assumptions()
    lines = _endpoint_lines(plan, prices, assume) + _monitoring_lines(plan, prices, assume)
    lines += _platform_lines(plan, prices, assume)
    # The network, the notebook and replication (review/cost_network.py).
    from review import cost_network

    lines += cost_network.network_lines(plan, prices)
    return Estimate(
        stack=plan.stack,
        region=str(prices["region"]),
        as_of=str(prices["as_of"]),
        lines=tuple(lines),
        assumptions=(*assume.describe(), *cost_network.network_assumptions(plan)),
    )


# --------------------------------------------------------------------------------------------------
# Rendering


def money(value: Decimal) -> str:
    return f"${value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def _number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0")


def unit_price(value: Decimal) -> str:
    """Prices with at least cents, and every digit the table gives below a cent."""
    return f"${value:,.2f}" if value == value.quantize(Decimal("0.01")) else f"${value.normalize():f}"


def render(result: Estimate) -> str:
    header = ("item", "quantity / month", "unit price", "monthly min", "monthly max")
    rows = []
    for line in result.lines:
        quantity = _number(line.quantity_min)
        if line.quantity_max != line.quantity_min:
            quantity += f" - {_number(line.quantity_max)}"
        rows.append(
            (
                line.item,
                f"{quantity} {line.unit}",
                f"{unit_price(line.unit_price)}/{line.unit}",
                money(line.monthly_min),
                money(line.monthly_max),
            )
        )
    rows.append(("total", "", "", money(result.total_min), money(result.total_max)))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def fmt(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2])]
        cells += [row[3].rjust(widths[3]), row[4].rjust(widths[4])]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    lines = [
        f"== {result.stack}: estimated monthly cost, {result.region}, list prices as of {result.as_of} "
        "(copied by hand from the AWS pricing pages: refresh pricing/ before relying on them)",
        fmt(header),
        rule,
        *[fmt(r) for r in rows[:-1]],
        rule,
        fmt(rows[-1]),
        "assumptions:",
        *[f"  - {a}" for a in result.assumptions],
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command: a user mistake is one line on stderr and exit 2 (offline.cli's exit codes)."""
    return run(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review.cost", description=description(__doc__))
    parser.add_argument("--stack", action="append", choices=snapshot.STACKS, help="only this stack (repeatable)")
    add_set_option(parser)
    defaults = Assumptions()
    parser.add_argument(
        "--requests-min",
        type=int,
        default=defaults.serverless_requests_min,
        help="serverless requests a month, low end (default %(default)s)",
    )
    parser.add_argument(
        "--requests-max",
        type=int,
        default=defaults.serverless_requests_max,
        help="serverless requests a month, high end (default %(default)s)",
    )
    parser.add_argument(
        "--duration-ms",
        type=Decimal,
        default=defaults.serverless_duration_ms,
        help="serverless duration of one request (default %(default)s)",
    )
    parser.add_argument(
        "--payload-kb", type=Decimal, default=defaults.payload_kb_in, help="KB in and out, each (default %(default)s)"
    )
    parser.add_argument("--s3-gb", type=Decimal, default=defaults.s3_gb, help="GB stored (default %(default)s)")
    parser.add_argument(
        "--monitoring-minutes",
        type=Decimal,
        default=defaults.monitoring_run_minutes,
        help="typical Model Monitor run time (default %(default)s)",
    )
    parser.add_argument("--json", action="store_true", help="print the estimates as JSON")
    args = parser.parse_args(argv)
    assume = Assumptions(
        serverless_requests_min=args.requests_min,
        serverless_requests_max=args.requests_max,
        serverless_duration_ms=args.duration_ms,
        payload_kb_in=args.payload_kb,
        payload_kb_out=args.payload_kb,
        s3_gb=args.s3_gb,
        monitoring_run_minutes=args.monitoring_minutes,
    )
    overrides = parse_overrides(args.set)
    estimates = []
    for stack in args.stack or snapshot.STACKS:
        plan, _ = snapshot.record_stack(stack, overrides)
        region = str(plan.outputs.get("region", "us-east-1"))
        try:
            estimates.append(estimate(plan, load_prices(region), assume))
        except PricingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.json:
        print(json.dumps([as_json(e) for e in estimates], indent=2, sort_keys=True))
    else:
        print("\n\n".join(render(e) for e in estimates))
    return 0


def as_json(result: Estimate) -> dict[str, Any]:
    """An estimate as JSON: amounts as strings of dollars and cents, so no float rounding creeps in."""
    return {
        "stack": result.stack,
        "region": result.region,
        "pricesAsOf": result.as_of,
        "monthlyMin": str(_cents(result.total_min)),
        "monthlyMax": str(_cents(result.total_max)),
        "lines": [
            {
                "item": line.item,
                "unit": line.unit,
                "unitPrice": str(line.unit_price),
                "quantityMin": str(line.quantity_min),
                "quantityMax": str(line.quantity_max),
                "monthlyMin": str(_cents(line.monthly_min)),
                "monthlyMax": str(_cents(line.monthly_max)),
            }
            for line in result.lines
        ],
        "assumptions": list(result.assumptions),
    }


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


if __name__ == "__main__":
    sys.exit(main())
