"""The alarm catalogue: units, scaling, per-environment content, validation. Pure, no Pulumi.

These tables prove what the catalogue asks CloudWatch for; they cannot prove CloudWatch accepts it
(the mock-runtime tests check the argument names against the typed SDK; moto checks the API shape).
"""

from __future__ import annotations

from typing import Any

import pytest

from monitoring.catalogue import (
    AlarmSpec,
    MonitoringSettings,
    alarm_catalogue,
    alarm_name,
    composite_rule,
    cpu_threshold,
    default_settings,
    ms_to_microseconds,
    split_rollback,
)
from monitoring.errors import UserInputError
from monitoring.instance_types import UnknownInstanceTypeError


def _by_key(settings: MonitoringSettings) -> dict[str, AlarmSpec]:
    return {spec.key: spec for spec in alarm_catalogue(settings)}


def _prod(**overrides: Any) -> MonitoringSettings:
    values: dict[str, Any] = {"environment": "prod", "serverless": False, "instance_type": "ml.m5.large"}
    values.update(overrides)
    return MonitoringSettings(**values)


@pytest.mark.parametrize(
    ("slo_ms", "threshold_us"),
    [(250.0, 250_000.0), (100.0, 100_000.0), (1.5, 1_500.0), (2000.0, 2_000_000.0)],
)
def test_latency_slo_in_ms_becomes_a_microsecond_threshold(slo_ms: float, threshold_us: float) -> None:
    assert ms_to_microseconds(slo_ms) == threshold_us
    spec = _by_key(_prod(latency_slo_ms=slo_ms))["model-latency-p99"]
    assert (spec.metric_name, spec.extended_statistic, spec.statistic) == ("ModelLatency", "p99", None)
    assert spec.threshold == threshold_us
    assert spec.unit_note == "microseconds"


@pytest.mark.parametrize(
    ("instance_type", "per_vcpu", "expected"),
    [
        ("ml.m5.large", 80.0, 160.0),
        ("ml.m5.4xlarge", 80.0, 1280.0),
        ("ml.t3.medium", 90.0, 180.0),
        ("ml.c5.9xlarge", 50.0, 1800.0),
        ("ml.g5.xlarge", 75.0, 300.0),
    ],
)
def test_cpu_threshold_scales_with_vcpus(instance_type: str, per_vcpu: float, expected: float) -> None:
    assert cpu_threshold(per_vcpu, instance_type) == expected
    spec = _by_key(_prod(instance_type=instance_type, cpu_threshold_percent_per_vcpu=per_vcpu))["cpu-utilization"]
    assert (spec.namespace, spec.metric_name, spec.statistic) == (
        "/aws/sagemaker/Endpoints",
        "CPUUtilization",
        "Average",
    )
    assert spec.threshold == expected


@pytest.mark.parametrize(
    ("environment", "serverless", "instance_type", "expected_keys"),
    [
        (
            "prod",
            False,
            "ml.m5.large",
            (
                "5xx-error-rate",
                "model-latency-p99",
                "4xx-error-rate",
                "overhead-latency-p99",
                "cpu-utilization",
                "memory-utilization",
                "disk-utilization",
                "no-invocations",
            ),
        ),
        (
            "staging",
            False,
            "ml.c6i.xlarge",
            (
                "5xx-error-rate",
                "model-latency-p99",
                "4xx-error-rate",
                "overhead-latency-p99",
                "cpu-utilization",
                "memory-utilization",
                "disk-utilization",
            ),
        ),
        (
            "dev",
            True,
            None,
            (
                "5xx-error-rate",
                "model-latency-p99",
                "4xx-error-rate",
                "overhead-latency-p99",
                "model-setup-time",
                "concurrency-utilization",
            ),
        ),
        (
            "prod",
            True,
            None,
            (
                "5xx-error-rate",
                "model-latency-p99",
                "4xx-error-rate",
                "overhead-latency-p99",
                "model-setup-time",
                "concurrency-utilization",
                "no-invocations",
            ),
        ),
    ],
)
def test_catalogue_keys_per_environment(
    environment: str, serverless: bool, instance_type: str | None, expected_keys: tuple[str, ...]
) -> None:
    specs = alarm_catalogue(default_settings(environment, serverless=serverless, instance_type=instance_type))  # type: ignore[arg-type]
    assert tuple(s.key for s in specs) == expected_keys
    # Rollback watches exactly the 5XX rate and the p99 ModelLatency, in every configuration.
    assert {s.key for s in specs if s.rollback} == {"5xx-error-rate", "model-latency-p99"}
    if serverless:
        assert all(s.namespace == "AWS/SageMaker" for s in specs), "serverless has no instance metrics"


def test_prod_realtime_catalogue_exactly() -> None:
    """The whole prod table for ml.m5.large with default thresholds, field by field."""
    rows = [
        (
            s.key,
            s.namespace,
            s.metric_name,
            s.stat_label,
            s.period,
            s.evaluation_periods,
            s.datapoints_to_alarm,
            s.threshold,
            s.comparison_operator,
            s.treat_missing_data,
            s.evaluate_low_sample_count_percentiles,
            s.severity,
            s.rollback,
        )
        for s in alarm_catalogue(default_settings("prod", serverless=False, instance_type="ml.m5.large"))
    ]
    gt, nb = "GreaterThanThreshold", "notBreaching"
    inv, inst = "AWS/SageMaker", "/aws/sagemaker/Endpoints"
    assert rows == [
        ("5xx-error-rate", inv, "Invocation5XXErrors", "Average", 60, 5, 3, 0.01, gt, nb, None, "page", True),
        (
            "model-latency-p99",
            inv,
            "ModelLatency",
            "p99",
            60,
            5,
            3,
            250_000.0,
            gt,
            nb,
            "evaluate",
            "page",
            True,
        ),
        (
            "4xx-error-rate",
            inv,
            "Invocation4XXErrors",
            "Average",
            300,
            3,
            3,
            0.05,
            gt,
            nb,
            None,
            "notify",
            False,
        ),
        (
            "overhead-latency-p99",
            inv,
            "OverheadLatency",
            "p99",
            300,
            3,
            3,
            100_000.0,
            gt,
            nb,
            "ignore",
            "notify",
            False,
        ),
        (
            "cpu-utilization",
            inst,
            "CPUUtilization",
            "Average",
            300,
            3,
            3,
            160.0,
            gt,
            nb,
            None,
            "notify",
            False,
        ),
        (
            "memory-utilization",
            inst,
            "MemoryUtilization",
            "Average",
            300,
            3,
            3,
            85.0,
            gt,
            nb,
            None,
            "notify",
            False,
        ),
        (
            "disk-utilization",
            inst,
            "DiskUtilization",
            "Average",
            300,
            3,
            3,
            80.0,
            gt,
            nb,
            None,
            "notify",
            False,
        ),
        (
            "no-invocations",
            inv,
            "Invocations",
            "Sum",
            300,
            12,
            12,
            1.0,
            "LessThanThreshold",
            "breaching",
            None,
            "page",
            False,
        ),
    ]


def test_serverless_specific_alarms() -> None:
    specs = _by_key(default_settings("dev", serverless=True))
    setup = specs["model-setup-time"]
    assert (setup.metric_name, setup.statistic, setup.threshold) == (
        "ModelSetupTime",
        "Maximum",
        10_000_000.0,
    )
    concurrency = specs["concurrency-utilization"]
    assert (concurrency.metric_name, concurrency.statistic, concurrency.threshold) == (
        "ServerlessConcurrentExecutionsUtilization",
        "Maximum",
        0.8,
    )


@pytest.mark.parametrize(
    ("environment", "paging_keys"),
    [("prod", {"5xx-error-rate", "model-latency-p99", "no-invocations"}), ("staging", set()), ("dev", set())],
)
def test_only_prod_pages(environment: str, paging_keys: set[str]) -> None:
    settings = MonitoringSettings(
        environment=environment, serverless=False, instance_type="ml.m5.large", heartbeat=True
    )  # type: ignore[arg-type]
    assert {s.key for s in alarm_catalogue(settings) if s.severity == "page"} == paging_keys


@pytest.mark.parametrize(("window", "periods"), [(5, 1), (60, 12), (180, 36), (1440, 288)])
def test_heartbeat_window(window: int, periods: int) -> None:
    spec = _by_key(_prod(heartbeat=True, heartbeat_window_minutes=window))["no-invocations"]
    assert (spec.period, spec.evaluation_periods, spec.datapoints_to_alarm) == (300, periods, periods)
    # No request means no datapoint at all: missing data must count as breaching, or silence never alarms.
    assert (spec.treat_missing_data, spec.comparison_operator, spec.threshold) == (
        "breaching",
        "LessThanThreshold",
        1.0,
    )


@pytest.mark.parametrize(("environment", "heartbeat"), [("prod", True), ("staging", False), ("dev", False)])
def test_default_settings_heartbeat_only_in_prod(environment: str, heartbeat: bool) -> None:
    settings = default_settings(environment, serverless=True)  # type: ignore[arg-type]
    assert settings.heartbeat is heartbeat
    assert ("no-invocations" in _by_key(settings)) is heartbeat


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"environment": "qa"}, "environment must be one of dev, staging, prod (got 'qa')"),
        ({"serverless": True}, "instance_type must be None for a serverless endpoint (got 'ml.m5.large')"),
        ({"instance_type": None}, "instance_type is required for a realtime endpoint"),
        ({"latency_slo_ms": 0.0}, "latency_slo_ms must be > 0 (got 0.0)"),
        (
            {"error_rate_threshold": 1.5},
            "error_rate_threshold is a fraction of requests, must be in (0, 1] (got 1.5)",
        ),
        ({"client_error_rate_threshold": 0.0}, "client_error_rate_threshold is a fraction"),
        ({"cpu_threshold_percent_per_vcpu": 120.0}, "cpu_threshold_percent_per_vcpu is a percentage"),
        ({"memory_threshold_percent": -1.0}, "memory_threshold_percent is a percentage"),
        ({"heartbeat_window_minutes": 7}, "heartbeat_window_minutes must be a multiple of 5"),
        ({"heartbeat_window_minutes": 1445}, "heartbeat_window_minutes must be a multiple of 5"),
    ],
)
def test_settings_validation(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(UserInputError, match="MonitoringSettings") as caught:
        _prod(**overrides)
    assert message in str(caught.value)


def test_unknown_instance_type_is_rejected_by_settings() -> None:
    with pytest.raises(UnknownInstanceTypeError, match=r"'ml\.m5\.huge'"):
        _prod(instance_type="ml.m5.huge")


_SPEC: dict[str, Any] = {
    "key": "x",
    "description": "d",
    "namespace": "AWS/SageMaker",
    "metric_name": "Invocations",
    "period": 60,
    "evaluation_periods": 5,
    "datapoints_to_alarm": 3,
    "threshold": 1.0,
    "comparison_operator": "GreaterThanThreshold",
    "treat_missing_data": "notBreaching",
    "unit_note": "count",
    "severity": "notify",
    "statistic": "Sum",
}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"key": "Bad_Key"}, "key must be lowercase words"),
        ({"extended_statistic": "p99"}, "set exactly one of statistic / extended_statistic"),
        ({"statistic": None}, "set exactly one of statistic / extended_statistic"),
        ({"statistic": None, "extended_statistic": "99th"}, "extended_statistic must look like 'p99'"),
        ({"evaluate_low_sample_count_percentiles": "ignore"}, "applies to percentiles only"),
        ({"period": 45}, "period must be 10, 20, 30 or a multiple of 60 (got 45)"),
        ({"datapoints_to_alarm": 6}, "need 1 <= datapoints_to_alarm <= evaluation_periods"),
        ({"period": 3600, "evaluation_periods": 25, "datapoints_to_alarm": 1}, "must not exceed one day"),
    ],
)
def test_alarm_spec_validation(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(UserInputError, match="AlarmSpec") as caught:
        AlarmSpec(**{**_SPEC, **overrides})
    assert message in str(caught.value)


@pytest.mark.parametrize(("percentile"), ["p50", "p99", "p99.9", "p100", "p0"])
def test_alarm_spec_accepts_percentiles(percentile: str) -> None:
    spec = AlarmSpec(**{**_SPEC, "statistic": None, "extended_statistic": percentile})
    assert spec.stat_label == percentile


@pytest.mark.parametrize(
    ("names", "rule"),
    [
        (["a"], 'ALARM("a")'),
        (
            ["p-5xx-error-rate", "p-model-latency-p99"],
            'ALARM("p-5xx-error-rate") OR ALARM("p-model-latency-p99")',
        ),
        (["a", "b", "c"], 'ALARM("a") OR ALARM("b") OR ALARM("c")'),
    ],
)
def test_composite_rule(names: list[str], rule: str) -> None:
    assert composite_rule(names) == rule


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ([], "at least one alarm name"),
        (['a"b'], "cannot appear in an AlarmRule"),
        ([" a"], "cannot appear in an AlarmRule"),
        ([""], "cannot appear in an AlarmRule"),
        (["x" * 6000, "y" * 6000], "CloudWatch allows 10240"),
    ],
)
def test_composite_rule_rejects(names: list[str], message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        composite_rule(names)


def test_split_rollback_and_names() -> None:
    specs = alarm_catalogue(default_settings("prod", serverless=False, instance_type="ml.m5.large"))
    rollback, rest = split_rollback(specs)
    assert [s.key for s in rollback] == ["5xx-error-rate", "model-latency-p99"]
    assert len(rest) == len(specs) - 2
    assert not any(s.rollback for s in rest)
    assert [alarm_name("penguins-prod", s) for s in rollback] == [
        "penguins-prod-5xx-error-rate",
        "penguins-prod-model-latency-p99",
    ]
