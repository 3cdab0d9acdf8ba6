"""The alarm catalogue, as data: which CloudWatch alarms an endpoint gets in each environment.

Pure functions, no Pulumi. `alarm_catalogue(settings)` returns `AlarmSpec`s; the `EndpointAlarms`
component turns each into an `aws.cloudwatch.MetricAlarm`. Units matter here more than anywhere:

- `ModelLatency`, `OverheadLatency` and `ModelSetupTime` are reported in MICROSECONDS, while people state
  SLOs in milliseconds, so every latency threshold is `ms * 1000`.
- `Invocation4XXErrors` / `Invocation5XXErrors` emit 0 or 1 per request, so their `Average` is an error
  rate (a fraction); their `Sum` is a count that grows with traffic and makes a poor threshold.
- `CPUUtilization` (namespace `/aws/sagemaker/Endpoints`, not `AWS/SageMaker`) is summed over cores:
  up to 100 x vCPUs. Memory and disk utilisation are plain 0-100 percentages.
- Serverless endpoints publish no instance metrics (no CPU/memory/disk alarms) but do publish
  `ModelSetupTime` (cold starts) and `ServerlessConcurrentExecutionsUtilization`.

We never set an alarm's `unit`: CloudWatch then matches datapoints whatever unit they were published
with, whereas a wrong `unit` silently leaves the alarm in INSUFFICIENT_DATA forever.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from monitoring.errors import UserInputError
from monitoring.instance_types import vcpus

Environment = Literal["dev", "staging", "prod"]
Severity = Literal["notify", "page"]
Statistic = Literal["Average", "Sum", "Minimum", "Maximum", "SampleCount"]
ComparisonOperator = Literal[
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]
TreatMissingData = Literal["missing", "ignore", "breaching", "notBreaching"]
LowSampleCountPercentiles = Literal["evaluate", "ignore"]

INVOCATION_NAMESPACE = "AWS/SageMaker"
INSTANCE_NAMESPACE = "/aws/sagemaker/Endpoints"
MICROSECONDS_PER_MILLISECOND = 1000

_KEY_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PERCENTILE_PATTERN = re.compile(r"^p(100|[0-9]{1,2})(\.[0-9]+)?$")
_ONE_DAY_SECONDS = 86_400
# CloudWatch caps each of alarm_actions / ok_actions / insufficient_data_actions at 5 ARNs.
MAX_ACTIONS_PER_STATE = 5
# The composite AlarmRule is limited to 10240 characters.
MAX_ALARM_RULE_CHARS = 10_240


@dataclass(frozen=True)
class MonitoringSettings:
    """What the catalogue needs to know about one stack. Validated at construction.

    `latency_slo_ms` is the p99 `ModelLatency` SLO in milliseconds; `error_rate_threshold` and
    `client_error_rate_threshold` are fractions of requests (0.01 = 1 %); the CPU threshold is per vCPU
    and scaled by the instance type's vCPU count.
    """

    environment: Environment
    serverless: bool
    instance_type: str | None = None
    latency_slo_ms: float = 250.0
    overhead_latency_threshold_ms: float = 100.0
    error_rate_threshold: float = 0.01
    client_error_rate_threshold: float = 0.05
    cpu_threshold_percent_per_vcpu: float = 80.0
    memory_threshold_percent: float = 85.0
    disk_threshold_percent: float = 80.0
    heartbeat: bool = False
    heartbeat_window_minutes: int = 60
    cold_start_threshold_ms: float = 10_000.0
    concurrency_utilization_threshold: float = 0.8

    def __post_init__(self) -> None:
        if self.environment not in get_args(Environment):
            raise UserInputError(
                f"MonitoringSettings.environment must be one of dev, staging, prod (got {self.environment!r})"
            )
        if self.serverless and self.instance_type is not None:
            raise UserInputError(
                "MonitoringSettings.instance_type must be None for a serverless endpoint "
                f"(got {self.instance_type!r}); serverless endpoints have no instances"
            )
        if not self.serverless:
            if self.instance_type is None:
                raise UserInputError(
                    "MonitoringSettings.instance_type is required for a realtime endpoint (e.g. 'ml.m5.large')"
                )
            vcpus(self.instance_type)  # raises UnknownInstanceTypeError naming the type
        for name in ("latency_slo_ms", "overhead_latency_threshold_ms", "cold_start_threshold_ms"):
            _require(getattr(self, name) > 0, f"{name} must be > 0 (got {getattr(self, name)})")
        for name in (
            "error_rate_threshold",
            "client_error_rate_threshold",
            "concurrency_utilization_threshold",
        ):
            value = getattr(self, name)
            _require(0 < value <= 1, f"{name} is a fraction of requests, must be in (0, 1] (got {value})")
        for name in ("cpu_threshold_percent_per_vcpu", "memory_threshold_percent", "disk_threshold_percent"):
            value = getattr(self, name)
            _require(0 < value <= 100, f"{name} is a percentage, must be in (0, 100] (got {value})")
        window = self.heartbeat_window_minutes
        _require(
            window % 5 == 0 and 5 <= window <= 1440,
            f"heartbeat_window_minutes must be a multiple of 5 between 5 and 1440 (got {window})",
        )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise UserInputError(f"MonitoringSettings.{message}")


def default_settings(
    environment: Environment, *, serverless: bool, instance_type: str | None = None
) -> MonitoringSettings:
    """The project's defaults for an environment: only prod watches for silence (heartbeat).

    A dev or staging endpoint legitimately sees no traffic for hours; in prod, silence means callers
    cannot reach it.
    """
    return MonitoringSettings(
        environment=environment,
        serverless=serverless,
        instance_type=instance_type,
        heartbeat=environment == "prod",
    )


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch metric alarm, independent of the endpoint it will watch.

    Exactly one of `statistic` / `extended_statistic` ("p99") is set. `rollback` marks the alarms the
    endpoint's blue/green deployment watches for auto-rollback; they must exist before the endpoint.
    """

    key: str
    description: str
    namespace: str
    metric_name: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison_operator: ComparisonOperator
    treat_missing_data: TreatMissingData
    unit_note: str
    severity: Severity
    rollback: bool = False
    statistic: Statistic | None = None
    extended_statistic: str | None = None
    evaluate_low_sample_count_percentiles: LowSampleCountPercentiles | None = None

    def __post_init__(self) -> None:
        where = f"AlarmSpec {self.key!r}"
        if not _KEY_PATTERN.match(self.key):
            raise UserInputError(f"{where}: key must be lowercase words joined by '-'")
        if (self.statistic is None) == (self.extended_statistic is None):
            raise UserInputError(f"{where}: set exactly one of statistic / extended_statistic")
        if self.extended_statistic is not None and not _PERCENTILE_PATTERN.match(self.extended_statistic):
            raise UserInputError(f"{where}: extended_statistic must look like 'p99' (got {self.extended_statistic!r})")
        if self.evaluate_low_sample_count_percentiles is not None and self.extended_statistic is None:
            raise UserInputError(f"{where}: evaluate_low_sample_count_percentiles applies to percentiles only")
        # CloudWatch accepts 10, 20, 30 or any multiple of 60 seconds.
        if not (self.period in (10, 20, 30) or (self.period > 0 and self.period % 60 == 0)):
            raise UserInputError(f"{where}: period must be 10, 20, 30 or a multiple of 60 (got {self.period})")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise UserInputError(f"{where}: need 1 <= datapoints_to_alarm <= evaluation_periods")
        # For periods of a minute or more, CloudWatch evaluates at most one day of data.
        if self.period * self.evaluation_periods > _ONE_DAY_SECONDS:
            raise UserInputError(f"{where}: period x evaluation_periods must not exceed one day")

    @property
    def stat_label(self) -> str:
        """The statistic as CloudWatch writes it: `Average` or `p99`."""
        return self.statistic if self.statistic is not None else str(self.extended_statistic)


def ms_to_microseconds(milliseconds: float) -> float:
    """SLOs are stated in ms; ModelLatency/OverheadLatency/ModelSetupTime are reported in µs."""
    return milliseconds * MICROSECONDS_PER_MILLISECOND


def cpu_threshold(per_vcpu_percent: float, instance_type: str) -> float:
    """`CPUUtilization` is summed over cores, so 80 % per vCPU on 2 vCPUs is a threshold of 160."""
    return per_vcpu_percent * vcpus(instance_type)


def alarm_catalogue(settings: MonitoringSettings) -> tuple[AlarmSpec, ...]:
    """Every alarm for one endpoint, rollback alarms first.

    Severity: only prod pages, and only for what hurts callers now (server errors, latency, silence);
    dev and staging alarms notify. `treat_missing_data`: request metrics are only emitted when requests
    arrive, so a quiet minute has no datapoint; for error/latency/saturation alarms that is "nothing
    wrong" (`notBreaching`), and silence itself is the heartbeat alarm's job (`breaching`).
    """
    paging: Severity = "page" if settings.environment == "prod" else "notify"
    specs: list[AlarmSpec] = [
        AlarmSpec(
            key="5xx-error-rate",
            description=(
                f"More than {settings.error_rate_threshold:.2%} of requests failed with a 5XX "
                "(model or container error) in 3 of 5 minutes. Watched by the endpoint's auto-rollback."
            ),
            namespace=INVOCATION_NAMESPACE,
            metric_name="Invocation5XXErrors",
            statistic="Average",  # each request emits 0 or 1: the average is the error rate
            period=60,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            threshold=settings.error_rate_threshold,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            unit_note="fraction of requests (0-1)",
            severity=paging,
            rollback=True,
        ),
        AlarmSpec(
            key="model-latency-p99",
            description=(
                f"p99 ModelLatency above the {settings.latency_slo_ms:g} ms SLO in 3 of 5 minutes "
                "(threshold in microseconds). Watched by the endpoint's auto-rollback."
            ),
            namespace=INVOCATION_NAMESPACE,
            metric_name="ModelLatency",
            extended_statistic="p99",
            # A canary receives little traffic; the rollback alarm must still judge small samples.
            evaluate_low_sample_count_percentiles="evaluate",
            period=60,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            threshold=ms_to_microseconds(settings.latency_slo_ms),
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            unit_note="microseconds",
            severity=paging,
            rollback=True,
        ),
        AlarmSpec(
            key="4xx-error-rate",
            description=(
                f"More than {settings.client_error_rate_threshold:.2%} of requests were rejected with a 4XX "
                "for 15 minutes: callers and the model disagree on the request contract."
            ),
            namespace=INVOCATION_NAMESPACE,
            metric_name="Invocation4XXErrors",
            statistic="Average",
            period=300,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            threshold=settings.client_error_rate_threshold,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            unit_note="fraction of requests (0-1)",
            severity="notify",
        ),
        AlarmSpec(
            key="overhead-latency-p99",
            description=(
                f"p99 OverheadLatency (time SageMaker adds around the model) above "
                f"{settings.overhead_latency_threshold_ms:g} ms for 15 minutes (threshold in microseconds)."
            ),
            namespace=INVOCATION_NAMESPACE,
            metric_name="OverheadLatency",
            extended_statistic="p99",
            # Sparse traffic (and, serverless, each cold start) makes a p99 of a handful of requests
            # meaningless; ignore periods with too few samples rather than alarm on them.
            evaluate_low_sample_count_percentiles="ignore",
            period=300,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            threshold=ms_to_microseconds(settings.overhead_latency_threshold_ms),
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            unit_note="microseconds",
            severity="notify",
        ),
    ]
    if settings.serverless:
        specs += _serverless_specs(settings)
    else:
        specs += _instance_specs(settings)
    if settings.heartbeat:
        specs.append(_heartbeat_spec(settings, paging))
    _check_unique(specs)
    return tuple(specs)


def _instance_specs(settings: MonitoringSettings) -> list[AlarmSpec]:
    assert settings.instance_type is not None  # guaranteed by MonitoringSettings for realtime
    cpu = cpu_threshold(settings.cpu_threshold_percent_per_vcpu, settings.instance_type)
    return [
        AlarmSpec(
            key="cpu-utilization",
            description=(
                f"CPUUtilization above {settings.cpu_threshold_percent_per_vcpu:g} % per vCPU for "
                f"15 minutes ({cpu:g} = {settings.cpu_threshold_percent_per_vcpu:g} x "
                f"{vcpus(settings.instance_type)} vCPUs of {settings.instance_type}; "
                "the metric sums all cores)."
            ),
            namespace=INSTANCE_NAMESPACE,
            metric_name="CPUUtilization",
            statistic="Average",
            period=300,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            threshold=cpu,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            unit_note=f"percent summed over vCPUs (0-{100 * vcpus(settings.instance_type)})",
            severity="notify",
        ),
        AlarmSpec(
            key="memory-utilization",
            description=f"MemoryUtilization above {settings.memory_threshold_percent:g} % for 15 minutes.",
            namespace=INSTANCE_NAMESPACE,
            metric_name="MemoryUtilization",
            statistic="Average",
            period=300,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            threshold=settings.memory_threshold_percent,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            unit_note="percent (0-100)",
            severity="notify",
        ),
        AlarmSpec(
            key="disk-utilization",
            description=(
                f"DiskUtilization above {settings.disk_threshold_percent:g} % for 15 minutes "
                "(logs or temporary files filling the instance volume)."
            ),
            namespace=INSTANCE_NAMESPACE,
            metric_name="DiskUtilization",
            statistic="Average",
            period=300,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            threshold=settings.disk_threshold_percent,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            unit_note="percent (0-100)",
            severity="notify",
        ),
    ]


def _serverless_specs(settings: MonitoringSettings) -> list[AlarmSpec]:
    return [
        AlarmSpec(
            key="model-setup-time",
            description=(
                "A serverless cold start (ModelSetupTime) took longer than "
                f"{settings.cold_start_threshold_ms:g} ms (threshold in microseconds); the container must "
                "answer /ping within 3 minutes."
            ),
            namespace=INVOCATION_NAMESPACE,
            metric_name="ModelSetupTime",
            statistic="Maximum",
            period=300,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            threshold=ms_to_microseconds(settings.cold_start_threshold_ms),
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",  # no cold start in the period: nothing to judge
            unit_note="microseconds",
            severity="notify",
        ),
        AlarmSpec(
            key="concurrency-utilization",
            description=(
                f"Concurrent executions above {settings.concurrency_utilization_threshold:.0%} of the "
                "serverless MaxConcurrency in 3 of 5 minutes; past 100 % requests are throttled."
            ),
            namespace=INVOCATION_NAMESPACE,
            metric_name="ServerlessConcurrentExecutionsUtilization",
            statistic="Maximum",
            period=60,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            threshold=settings.concurrency_utilization_threshold,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            unit_note="fraction of MaxConcurrency (0-1)",
            severity="notify",
        ),
    ]


def _heartbeat_spec(settings: MonitoringSettings, severity: Severity) -> AlarmSpec:
    periods = settings.heartbeat_window_minutes // 5
    return AlarmSpec(
        key="no-invocations",
        description=(
            f"No invocation reached the endpoint for {settings.heartbeat_window_minutes} minutes: "
            "callers may be unable to reach it."
        ),
        namespace=INVOCATION_NAMESPACE,
        metric_name="Invocations",
        statistic="Sum",
        period=300,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        threshold=1.0,
        comparison_operator="LessThanThreshold",
        # SageMaker emits no Invocations datapoint at all when nobody calls: missing data IS the signal.
        treat_missing_data="breaching",
        unit_note="requests per 5 minutes",
        severity=severity,
    )


def _check_unique(specs: Iterable[AlarmSpec]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.key in seen:
            raise UserInputError(f"duplicate alarm key {spec.key!r} in the catalogue")
        seen.add(spec.key)


def split_rollback(specs: Sequence[AlarmSpec]) -> tuple[tuple[AlarmSpec, ...], tuple[AlarmSpec, ...]]:
    """(rollback specs, the rest): the first group is created before the endpoint, which references it."""
    return tuple(s for s in specs if s.rollback), tuple(s for s in specs if not s.rollback)


def composite_rule(alarm_names: Sequence[str]) -> str:
    """The AlarmRule of an "endpoint unhealthy" composite alarm: `ALARM("a") OR ALARM("b")`."""
    if not alarm_names:
        raise UserInputError("a composite alarm needs at least one alarm name")
    for name in alarm_names:
        if not name or '"' in name or name != name.strip():
            raise UserInputError(f"alarm name {name!r} cannot appear in an AlarmRule (empty, quote or padding)")
    rule = " OR ".join(f'ALARM("{name}")' for name in alarm_names)
    if len(rule) > MAX_ALARM_RULE_CHARS:
        raise UserInputError(f"composite AlarmRule is {len(rule)} characters; CloudWatch allows {MAX_ALARM_RULE_CHARS}")
    return rule


def alarm_name(prefix: str, spec: AlarmSpec) -> str:
    """The CloudWatch alarm name of `spec` under `prefix` (the operator CLI relies on this shape)."""
    return f"{prefix}-{spec.key}"
