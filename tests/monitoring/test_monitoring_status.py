"""The operator CLI `python -m monitoring status`, against moto (never AWS).

moto stores alarms and datapoints and botocore validates every request against the AWS API model, so
these tests prove the CLI's calls and the table it prints. moto does not compute percentiles, so the
p99 latency path is proven by a pure test of the conversion on a canned GetMetricData answer.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from monitoring.catalogue import AlarmSpec, alarm_catalogue, alarm_name, default_settings
from monitoring.errors import PlatformError, UserInputError
from monitoring.status import Target, VariantRow, alarm_rows, format_table, main, stack_target, variant_rows

REGION = "us-east-1"
ENDPOINT = "penguins-prod"
VARIANT = "AllTraffic"


def put_alarm(cloudwatch: Any, spec: AlarmSpec, prefix: str, endpoint: str) -> None:
    """What EndpointAlarms asks for, through boto3: botocore validates the spec against PutMetricAlarm."""
    request: dict[str, Any] = {
        "AlarmName": alarm_name(prefix, spec),
        "AlarmDescription": spec.description,
        "Namespace": spec.namespace,
        "MetricName": spec.metric_name,
        "Dimensions": [
            {"Name": "EndpointName", "Value": endpoint},
            {"Name": "VariantName", "Value": VARIANT},
        ],
        "Period": spec.period,
        "EvaluationPeriods": spec.evaluation_periods,
        "DatapointsToAlarm": spec.datapoints_to_alarm,
        "Threshold": spec.threshold,
        "ComparisonOperator": spec.comparison_operator,
        "TreatMissingData": spec.treat_missing_data,
    }
    if spec.statistic:
        request["Statistic"] = spec.statistic
    else:
        request["ExtendedStatistic"] = spec.extended_statistic
    if spec.evaluate_low_sample_count_percentiles:
        request["EvaluateLowSampleCountPercentile"] = spec.evaluate_low_sample_count_percentiles
    cloudwatch.put_metric_alarm(**request)


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        sagemaker.create_model(
            ModelName="m",
            ExecutionRoleArn="arn:aws:iam::123456789012:role/sm",
            PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.9-0"},
        )
        sagemaker.create_endpoint_config(
            EndpointConfigName="c",
            ProductionVariants=[
                {
                    "VariantName": VARIANT,
                    "ModelName": "m",
                    "InitialInstanceCount": 2,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
        sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="c")
        specs = alarm_catalogue(default_settings("prod", serverless=False, instance_type="ml.m5.large"))
        for spec in specs[:3]:  # 5xx-error-rate, model-latency-p99, 4xx-error-rate
            put_alarm(cloudwatch, spec, ENDPOINT, ENDPOINT)
        put_alarm(cloudwatch, specs[0], "other-endpoint", "other-endpoint")  # must not be listed
        cloudwatch.set_alarm_state(
            AlarmName=f"{ENDPOINT}-4xx-error-rate", StateValue="ALARM", StateReason="Threshold Crossed"
        )
        cloudwatch.set_alarm_state(AlarmName=f"{ENDPOINT}-5xx-error-rate", StateValue="OK", StateReason="ok")
        # Real CloudWatch starts alarms in INSUFFICIENT_DATA; moto starts them in OK, so set it explicitly.
        cloudwatch.set_alarm_state(
            AlarmName=f"{ENDPOINT}-model-latency-p99", StateValue="INSUFFICIENT_DATA", StateReason="no data"
        )
        when = datetime.now(UTC) - timedelta(minutes=10)
        dims = [{"Name": "EndpointName", "Value": ENDPOINT}, {"Name": "VariantName", "Value": VARIANT}]
        cloudwatch.put_metric_data(
            Namespace="AWS/SageMaker",
            MetricData=[
                {"MetricName": "Invocations", "Dimensions": dims, "Timestamp": when, "Value": 70.0},
                {"MetricName": "Invocations", "Dimensions": dims, "Timestamp": when, "Value": 50.0},
                # 120 requests, 0/1 each: 3 client errors, no server error.
                {
                    "MetricName": "Invocation4XXErrors",
                    "Dimensions": dims,
                    "Timestamp": when,
                    "StatisticValues": {"SampleCount": 120, "Sum": 3, "Minimum": 0, "Maximum": 1},
                },
                {
                    "MetricName": "Invocation5XXErrors",
                    "Dimensions": dims,
                    "Timestamp": when,
                    "StatisticValues": {"SampleCount": 120, "Sum": 0, "Minimum": 0, "Maximum": 0},
                },
            ],
        )
        yield {"sagemaker": sagemaker, "cloudwatch": cloudwatch}


def test_status_table_by_endpoint_dimension(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--endpoint-name", ENDPOINT, "--region", REGION]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Endpoint penguins-prod (us-east-1): InService",
        "",
        "Alarms (3)",
        "NAME                             STATE              METRIC                       THRESHOLD",
        "penguins-prod-4xx-error-rate     ALARM              Invocation4XXErrors Average  > 0.05",
        "penguins-prod-model-latency-p99  INSUFFICIENT_DATA  ModelLatency p99             > 250000",
        "penguins-prod-5xx-error-rate     OK                 Invocation5XXErrors Average  > 0.01",
        "",
        "Last 60 minutes",
        "VARIANT     INVOCATIONS  4XX RATE  5XX RATE  P99 MODEL LATENCY",
        "AllTraffic  120          2.50%     0.00%     n/a",
    ]


def test_status_with_prefix(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--endpoint-name", ENDPOINT, "--region", REGION, "--alarm-prefix", "penguins-prod-m"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2:5] == [
        "Alarms (1)",
        "NAME                             STATE              METRIC            THRESHOLD",
        "penguins-prod-model-latency-p99  INSUFFICIENT_DATA  ModelLatency p99  > 250000",
    ]


class _Pages:
    """A stand-in CloudWatch client: moto 5.2 does not implement PutCompositeAlarm."""

    def __init__(self, page: dict[str, Any]) -> None:
        self.page = page
        self.kwargs: dict[str, Any] = {}

    def get_paginator(self, name: str) -> _Pages:
        assert name == "describe_alarms"
        return self

    def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.kwargs = kwargs
        return [self.page]


def test_composite_and_metric_math_alarms_are_listed_by_prefix() -> None:
    client = _Pages(
        {
            "MetricAlarms": [
                {
                    "AlarmName": "p-data-drift",
                    "StateValue": "OK",
                    "Metrics": [{"Id": "m0", "MetricStat": {"Metric": {"Dimensions": []}}}],
                    "ComparisonOperator": "GreaterThanThreshold",
                    "Threshold": 0.1,
                }
            ],
            "CompositeAlarms": [{"AlarmName": "p-endpoint-unhealthy", "StateValue": "ALARM", "AlarmRule": "x"}],
        }
    )
    rows = alarm_rows(client, ENDPOINT, "p-")
    assert client.kwargs == {"AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "AlarmNamePrefix": "p-"}
    assert [(r.name, r.state, r.metric, r.threshold) for r in rows] == [
        ("p-endpoint-unhealthy", "ALARM", "composite", "-"),
        ("p-data-drift", "OK", "metric math", "> 0.1"),
    ]


def test_drift_alarm_is_found_by_its_endpoint_dimension() -> None:
    drift = {
        "AlarmName": "x-drift",
        "StateValue": "OK",
        "Metrics": [{"Id": "m0", "MetricStat": {"Metric": {"Dimensions": [{"Name": "Endpoint", "Value": ENDPOINT}]}}}],
    }
    other = {**drift, "AlarmName": "y-drift", "Metrics": []}
    rows = alarm_rows(_Pages({"MetricAlarms": [drift, other], "CompositeAlarms": []}), ENDPOINT, None)
    assert [r.name for r in rows] == ["x-drift"]


def test_status_json(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--endpoint-name", ENDPOINT, "--region", REGION, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["variants"] == [
        {
            "variant": "AllTraffic",
            "invocations": 120.0,
            "error_4xx_rate": 0.025,
            "error_5xx_rate": 0.0,
            "model_latency_p99_ms": None,
        }
    ]
    assert next((a["name"], a["state"], a["reason"]) for a in document["alarms"]) == (
        "penguins-prod-4xx-error-rate",
        "ALARM",
        "Threshold Crossed",
    )
    assert (document["endpoint_name"], document["region"], document["window_minutes"]) == (
        ENDPOINT,
        REGION,
        60,
    )


def test_unknown_endpoint_is_one_line(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--endpoint-name", "nope", "--region", REGION]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "error: endpoint 'nope' not found in us-east-1\n"


def test_no_credentials_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """No moto here: botocore refuses to sign without credentials, before any network call."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask the instance metadata service
    assert main(["status", "--endpoint-name", ENDPOINT, "--region", REGION]) == 4
    assert capsys.readouterr().err == (
        "error: no AWS credentials found: configure a profile (AWS_PROFILE) or "
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["status", "--endpoint-name", ENDPOINT],
            "error: pass --endpoint-name and --region (or --stack NAME)\n",
        ),
        (
            ["status", "--stack", "prod", "--region", REGION],
            "error: pass either --stack or --endpoint-name/--region",
        ),
    ],
)
def test_argument_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(message)


def test_stack_without_pulumi_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["status", "--stack", "prod"]) == 2
    assert capsys.readouterr().err == (
        "error: --stack needs the Pulumi CLI on PATH; without it pass --endpoint-name and --region instead\n"
    )


def _fake_pulumi(directory: Path, stdout: str, code: int = 0) -> None:
    script = directory / "pulumi"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{stdout}\nEOF\nexit {code}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_stack_outputs_through_a_pulumi_executable(
    aws: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = {"endpointName": ENDPOINT, "region": REGION, "alarmNamePrefix": "penguins-prod-5xx"}
    _fake_pulumi(tmp_path, json.dumps(outputs))
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert main(["status", "--stack", "prod"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "Endpoint penguins-prod (us-east-1): InService",
        "",
        "Alarms (1)",
        "NAME                          STATE  METRIC                       THRESHOLD",
    ]


@pytest.mark.parametrize(
    ("stdout", "code", "error", "message"),
    [
        ('{"endpointName": "e", "region": "r", "other": 1}', 0, None, None),
        ('{"endpointName": "e"}', 0, UserInputError, "stack 'prod' has no output(s) region"),
        (
            '{"endpoint_name": "e", "region": "r"}',
            0,
            UserInputError,
            "stack 'prod' has no output(s) endpointName",
        ),
        ("not json", 0, PlatformError, "did not print JSON"),
        (
            "error: no stack named 'prod' found",
            255,
            PlatformError,
            "failed: error: no stack named 'prod' found",
        ),
    ],
)
def test_stack_target(stdout: str, code: int, error: type[Exception] | None, message: str | None) -> None:
    calls: list[list[str]] = []

    def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        return subprocess.CompletedProcess(command, code, stdout=stdout, stderr="")

    if error is None:
        assert stack_target("prod", which=lambda _: "/bin/pulumi", run=run) == Target("e", "r", None)
    else:
        with pytest.raises(error) as caught:
            stack_target("prod", which=lambda _: "/bin/pulumi", run=run)
        assert message is not None
        assert message in str(caught.value)
    assert calls == [["/bin/pulumi", "stack", "output", "--json", "--stack", "prod"]]


@pytest.mark.parametrize(("latency_us", "latency_ms"), [(250_000.0, 250.0), (1_500.0, 1.5), (None, None)])
def test_model_latency_is_converted_from_microseconds(latency_us: float | None, latency_ms: float | None) -> None:
    results = [
        {"Id": "inv0", "Values": [300.0]},
        {"Id": "e40", "Values": [0.01]},
        {"Id": "e50", "Values": []},
        {"Id": "lat0", "Values": [] if latency_us is None else [latency_us]},
    ]
    assert variant_rows(results, ["AllTraffic"]) == [VariantRow("AllTraffic", 300.0, 0.01, None, latency_ms)]


def test_format_table() -> None:
    assert format_table(["A", "LONGER"], [["xyz", "1"], ["w", "22"]]) == ["A    LONGER", "xyz  1", "w    22"]
