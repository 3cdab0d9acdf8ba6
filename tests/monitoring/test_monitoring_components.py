"""Pulumi components under the mock runtime: every registered resource, with exact inputs.

The recording mocks prove what the program asks the provider for (types, names, inputs, parents) and
that the argument names exist in the typed pulumi-aws SDK. They cannot prove AWS accepts the values.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest

from monitoring.alarms import EndpointAlarms, EndpointAlarmsArgs, actions_for
from monitoring.catalogue import AlarmSpec, alarm_catalogue, default_settings, split_rollback
from monitoring.dashboard import dashboard_body
from monitoring.dashboard_component import EndpointDashboard, EndpointDashboardArgs
from monitoring.data_quality import (
    HOURLY,
    DataQualityMonitor,
    DataQualityMonitorArgs,
    drift_alarm_groups,
)
from monitoring.errors import UserInputError
from monitoring.notifications import (
    Notifications,
    NotificationsArgs,
    cloudwatch_kms_statement,
    subscription_suffix,
    topic_policy_document,
)
from offline import tokens
from offline.fakes import FAKE_ACCOUNT_ID as ACCOUNT
from offline.graph import reveal
from offline.mocks import ComponentRecorder

REGION = "us-east-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NOTIFY = f"arn:aws:sns:{REGION}:{ACCOUNT}:notify"
PAGE = f"arn:aws:sns:{REGION}:{ACCOUNT}:page"
METRIC_ALARM = tokens.METRIC_ALARM
COMPOSITE = tokens.COMPOSITE_ALARM


def _prod_specs() -> tuple[AlarmSpec, ...]:
    return alarm_catalogue(default_settings("prod", serverless=False, instance_type="ml.m5.large"))


def _after(*outputs: Any) -> pulumi.Output[list[Any]]:
    """Resolve once every given output is known, i.e. after every child was registered."""
    return pulumi.Output.all(*outputs)


# --- Notifications ---------------------------------------------------------------------------------


def test_topic_policy_document_exactly() -> None:
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
    assert topic_policy_document(arn, ACCOUNT) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowCloudWatchAlarmsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            },
            {
                "Sid": "DenyPublishWithoutTLS",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sns:Publish",
                "Resource": arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def test_cloudwatch_kms_statement_exactly() -> None:
    assert cloudwatch_kms_statement(ACCOUNT) == {
        "Sid": "AllowCloudWatchAlarmsToUseTheKeyForSNS",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }


@pytest.mark.parametrize(
    ("endpoint", "suffix"),
    [("oncall@example.com", "d876c66bad"), ("https://hooks.example.com/x", "2eef74cce4")],
)
def test_subscription_suffix_is_stable(endpoint: str, suffix: str) -> None:
    assert subscription_suffix(endpoint) == suffix


@pulumi.runtime.test
def test_notifications_resources(mocks: ComponentRecorder) -> pulumi.Output[Any]:
    component = Notifications(
        "prod-alerts",
        NotificationsArgs(
            kms_key_arn=KEY,
            account_id=ACCOUNT,
            email_endpoints=("oncall@example.com", "ml@example.com"),
            https_endpoints=("https://hooks.example.com/x",),
            display_name="penguins prod alarms",
        ),
    )

    def check(values: list[Any]) -> None:
        topic_arn, topic_urn = values[0], values[1]
        # The topic is auto-named by the provider (``<logical>-<7 hex>``), and its ARN carries that name.
        assert re.fullmatch(rf"arn:aws:sns:{REGION}:{ACCOUNT}:prod-alerts-topic-[0-9a-f]{{7}}", topic_arn)
        assert topic_urn.endswith("mlops:monitoring:Notifications$aws:sns/topic:Topic::prod-alerts-topic")
        assert mocks.inputs("prod-alerts-topic") == {
            "displayName": "penguins prod alarms",
            "kmsMasterKeyId": KEY,
        }
        policy = mocks.inputs("prod-alerts-topic-policy")
        assert policy["arn"] == topic_arn
        assert json.loads(policy["policy"]) == topic_policy_document(topic_arn, ACCOUNT)
        subscriptions = {r.name: mocks.inputs(r.name) for r in mocks.of_type(tokens.SNS_SUBSCRIPTION)}
        endpoints = (
            ("email", "oncall@example.com"),
            ("email", "ml@example.com"),
            ("https", "https://hooks.example.com/x"),
        )
        # Endpoints are secrets: masked in what the engine records, the real value underneath.
        assert subscriptions == {
            f"prod-alerts-{protocol}-{subscription_suffix(endpoint)}": {
                "topic": topic_arn,
                "protocol": protocol,
                "endpoint": "[secret]",
            }
            for protocol, endpoint in endpoints
        }
        assert {
            reveal(mocks.named(f"prod-alerts-{protocol}-{subscription_suffix(endpoint)}").inputs)["endpoint"]
            for protocol, endpoint in endpoints
        } == {endpoint for _, endpoint in endpoints}
        assert len(mocks.resources) == 1 + 1 + 1 + 3  # component, topic, policy, subscriptions

    return _after(
        component.topic_arn,
        component.topic.urn,
        component.topic_policy.id,
        *[s.id for s in component.subscriptions],
    ).apply(check)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"email_endpoints": ("not-an-address",)}, "is not an e-mail address"),
        ({"https_endpoints": ("http://insecure.example.com",)}, "must start with https://"),
        ({"email_endpoints": ("a@example.com", "a@example.com")}, "email_endpoints lists an endpoint twice"),
    ],
)
def test_notifications_args_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        NotificationsArgs(kms_key_arn=KEY, account_id=ACCOUNT, **kwargs)


# --- EndpointAlarms --------------------------------------------------------------------------------


@pulumi.runtime.test
def test_endpoint_alarms_one_alarm_per_spec_with_exact_inputs(mocks: ComponentRecorder) -> pulumi.Output[Any]:
    specs = _prod_specs()
    component = EndpointAlarms(
        "prod-alarms",
        EndpointAlarmsArgs(
            specs=specs,
            endpoint_name="penguins-prod",
            variant_name="AllTraffic",
            alarm_name_prefix="penguins-prod",
            notify_actions=(NOTIFY,),
            page_actions=(PAGE,),
        ),
    )

    def check(_: list[Any]) -> None:
        alarms = mocks.of_type(METRIC_ALARM)
        # Registration order is not deterministic under the async runtime; names and count are.
        assert sorted(a.name for a in alarms) == sorted(f"prod-alarms-{s.key}" for s in specs)
        assert len(alarms) == len(specs) == 8
        assert mocks.of_type(COMPOSITE) == []
        for spec in specs:
            inputs = mocks.inputs(f"prod-alarms-{spec.key}")
            # Both dimensions on every alarm: without an exact match the alarm watches nothing.
            assert inputs["dimensions"] == {"EndpointName": "penguins-prod", "VariantName": "AllTraffic"}
            assert inputs["name"] == f"penguins-prod-{spec.key}"
            expected_actions = [NOTIFY, PAGE] if spec.severity == "page" else [NOTIFY]
            assert inputs["alarmActions"] == inputs["okActions"] == expected_actions
            assert "unit" not in inputs
        assert mocks.inputs("prod-alarms-model-latency-p99") == {
            "name": "penguins-prod-model-latency-p99",
            "alarmDescription": specs[1].description,
            "namespace": "AWS/SageMaker",
            "metricName": "ModelLatency",
            "dimensions": {"EndpointName": "penguins-prod", "VariantName": "AllTraffic"},
            "extendedStatistic": "p99",
            "evaluateLowSampleCountPercentiles": "evaluate",
            "period": 60,
            "evaluationPeriods": 5,
            "datapointsToAlarm": 3,
            "threshold": 250000,
            "comparisonOperator": "GreaterThanThreshold",
            "treatMissingData": "notBreaching",
            "alarmActions": [NOTIFY, PAGE],
            "okActions": [NOTIFY, PAGE],
        }
        cpu = mocks.inputs("prod-alarms-cpu-utilization")
        assert (cpu["namespace"], cpu["metricName"], cpu["statistic"], cpu["threshold"]) == (
            "/aws/sagemaker/Endpoints",
            "CPUUtilization",
            "Average",
            160,
        )
        heartbeat = mocks.inputs("prod-alarms-no-invocations")
        assert (heartbeat["treatMissingData"], heartbeat["comparisonOperator"], heartbeat["threshold"]) == (
            "breaching",
            "LessThanThreshold",
            1,
        )

    return _after(*component.alarm_arns.values()).apply(check)


@pulumi.runtime.test
def test_endpoint_alarms_used_twice_around_the_endpoint(mocks: ComponentRecorder) -> pulumi.Output[Any]:
    """Rollback alarms first (stable name string), the rest after (endpoint name as an Output)."""
    rollback, rest = split_rollback(_prod_specs())
    guards = EndpointAlarms(
        "prod-rollback-alarms",
        EndpointAlarmsArgs(
            specs=rollback,
            endpoint_name="penguins-prod",
            variant_name="AllTraffic",
            alarm_name_prefix="penguins-prod",
            notify_actions=(NOTIFY,),
        ),
    )
    endpoint_name = pulumi.Output.from_input("penguins-prod")  # stands for endpoint.name
    others = EndpointAlarms(
        "prod-alarms",
        EndpointAlarmsArgs(
            specs=rest,
            endpoint_name=endpoint_name,
            variant_name="AllTraffic",
            alarm_name_prefix="penguins-prod",
            notify_actions=(NOTIFY,),
            page_actions=(PAGE,),
            composite=True,
            composite_also_covers=tuple(guards.alarm_names.values()),
        ),
    )
    assert others.composite_alarm_arn is not None

    def check(values: list[Any]) -> None:
        names = values[: len(rollback)]
        assert names == ["penguins-prod-5xx-error-rate", "penguins-prod-model-latency-p99"]
        assert mocks.inputs("prod-alarms-endpoint-unhealthy") == {
            "alarmName": "penguins-prod-endpoint-unhealthy",
            "alarmDescription": "The endpoint is unhealthy: at least one of its alarms is in ALARM.",
            "alarmRule": " OR ".join(
                f'ALARM("penguins-prod-{key}")'
                for key in (
                    "5xx-error-rate",
                    "model-latency-p99",
                    "4xx-error-rate",
                    "overhead-latency-p99",
                    "cpu-utilization",
                    "memory-utilization",
                    "disk-utilization",
                    "no-invocations",
                )
            ),
            "alarmActions": [],
            "okActions": [],
        }
        assert values[-1] == f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:penguins-prod-endpoint-unhealthy"
        assert len(mocks.of_type(METRIC_ALARM)) == 8
        assert mocks.inputs("prod-alarms-cpu-utilization")["dimensions"]["EndpointName"] == "penguins-prod"
        # The 5XX rollback alarm notifies only: that instance got no page actions.
        assert mocks.inputs("prod-rollback-alarms-5xx-error-rate")["alarmActions"] == [NOTIFY]

    return _after(*guards.alarm_names.values(), *others.alarm_arns.values(), others.composite_alarm_arn).apply(check)


@pytest.mark.parametrize(("severity", "expected"), [("page", ["n1", "n2", "p1"]), ("notify", ["n1", "n2"])])
def test_actions_for(severity: str, expected: list[str]) -> None:
    assert actions_for(severity, ["n1", "n2"], ["p1"]) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"specs": ()}, "specs is empty"),
        ({"alarm_name_prefix": ""}, "alarm_name_prefix must be non-empty"),
        ({"alarm_name_prefix": "x" * 250}, "alarm names are limited to 255"),
        ({"notify_actions": ("a", "b", "c"), "page_actions": ("d", "e", "f")}, "exceed 5 ARNs"),
        ({"composite_also_covers": ("x",)}, "but composite=False"),
        ({"composite": True, "composite_actions": tuple("abcdef")}, "composite_actions exceed 5"),
    ],
)
def test_endpoint_alarms_args_validation(kwargs: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {
        "specs": _prod_specs()[:2],
        "endpoint_name": "e",
        "variant_name": "v",
        "alarm_name_prefix": "p",
    }
    with pytest.raises(UserInputError, match=message):
        EndpointAlarmsArgs(**{**values, **kwargs})


def test_endpoint_alarms_args_reject_duplicate_keys() -> None:
    spec = _prod_specs()[0]
    with pytest.raises(UserInputError, match="duplicate keys"):
        EndpointAlarmsArgs(specs=(spec, spec), endpoint_name="e", variant_name="v", alarm_name_prefix="p")


# --- EndpointDashboard -----------------------------------------------------------------------------


@pulumi.runtime.test
def test_dashboard_component_body(mocks: ComponentRecorder) -> pulumi.Output[Any]:
    arn = pulumi.Output.from_input(f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:penguins-dev-5xx-error-rate")
    component = EndpointDashboard(
        "dev-dashboard",
        EndpointDashboardArgs(
            dashboard_name="penguins-dev",
            endpoint_name=pulumi.Output.from_input("penguins-dev"),
            variant_name="AllTraffic",
            region=REGION,
            alarm_arns=(arn,),
            serverless=True,
        ),
    )

    def check(values: list[Any]) -> None:
        inputs = mocks.inputs("dev-dashboard-dashboard")
        assert inputs["dashboardName"] == "penguins-dev"
        expected = dashboard_body(
            "penguins-dev",
            "AllTraffic",
            REGION,
            [f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:penguins-dev-5xx-error-rate"],
            True,
        )
        assert json.loads(inputs["dashboardBody"]) == expected
        assert values[0] == f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/penguins-dev"
        assert values[1].endswith(
            "mlops:monitoring:EndpointDashboard$aws:cloudwatch/dashboard:Dashboard::dev-dashboard-dashboard"
        )

    return _after(component.dashboard_arn, component.dashboard.urn).apply(check)


def test_dashboard_args_validate_the_name() -> None:
    with pytest.raises(UserInputError, match="dashboard name"):
        EndpointDashboardArgs("bad name", "e", "v", REGION, (), False)


# --- DataQualityMonitor ----------------------------------------------------------------------------

FEATURES = ("island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year")


def _monitor_args(**overrides: Any) -> DataQualityMonitorArgs:
    values: dict[str, Any] = {
        "endpoint_name": "penguins-prod",
        "schedule_name": "penguins-prod-data-quality",
        "role_arn": f"arn:aws:iam::{ACCOUNT}:role/monitor",
        "image_uri": "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer",
        "baseline_constraints_s3_uri": "s3://bucket/baseline/constraints.json",
        "baseline_statistics_s3_uri": "s3://bucket/baseline/statistics.json",
        "output_s3_uri": "s3://bucket/monitoring/reports",
        "kms_key_arn": KEY,
        "feature_names": FEATURES,
        "alarm_name": "penguins-prod-data-drift",
        "alarm_actions": (NOTIFY,),
    }
    values.update(overrides)
    return DataQualityMonitorArgs(**values)


@pulumi.runtime.test
def test_data_quality_monitor_resources(mocks: ComponentRecorder) -> pulumi.Output[Any]:
    component = DataQualityMonitor("prod-data-quality", _monitor_args())

    def check(_: list[Any]) -> None:
        job_name = mocks.named("prod-data-quality-job").state["name"]
        assert re.fullmatch(r"prod-data-quality-job-[0-9a-f]{7}", job_name)
        assert mocks.inputs("prod-data-quality-job") == {
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/monitor",
            "dataQualityAppSpecification": {
                "imageUri": "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer",
                "environment": {"publish_cloudwatch_metrics": "Enabled"},
            },
            "dataQualityBaselineConfig": {
                "constraintsResource": {"s3Uri": "s3://bucket/baseline/constraints.json"},
                "statisticsResource": {"s3Uri": "s3://bucket/baseline/statistics.json"},
            },
            "dataQualityJobInput": {
                "endpointInput": {
                    "endpointName": "penguins-prod",
                    "localPath": "/opt/ml/processing/input/endpoint",
                }
            },
            "dataQualityJobOutputConfig": {
                "kmsKeyId": KEY,
                "monitoringOutputs": {
                    "s3Output": {
                        "s3Uri": "s3://bucket/monitoring/reports",
                        "localPath": "/opt/ml/processing/output",
                        "s3UploadMode": "EndOfJob",
                    }
                },
            },
            "jobResources": {
                "clusterConfig": {
                    "instanceCount": 1,
                    "instanceType": "ml.m5.xlarge",
                    "volumeSizeInGb": 20,
                    "volumeKmsKeyId": KEY,
                }
            },
            "networkConfig": {"enableNetworkIsolation": True, "enableInterContainerTrafficEncryption": True},
            "stoppingCondition": {"maxRuntimeInSeconds": 3600},
        }
        assert mocks.inputs("prod-data-quality-schedule") == {
            "name": "penguins-prod-data-quality",
            "monitoringScheduleConfig": {
                "monitoringType": "DataQuality",
                # The provider-generated name of the job definition above.
                "monitoringJobDefinitionName": job_name,
                "scheduleConfig": {"scheduleExpression": "cron(0 * ? * * *)"},
            },
        }
        alarm = mocks.inputs("prod-data-quality-drift")
        queries = alarm.pop("metricQueries")
        assert alarm == {
            "name": "penguins-prod-data-drift",
            "alarmDescription": (
                "Model Monitor measured a distribution distance above 0.1 between captured requests and the "
                "training baseline for at least one of: " + ", ".join(FEATURES) + "."
            ),
            "evaluationPeriods": 1,
            "datapointsToAlarm": 1,
            "threshold": 0.1,
            "comparisonOperator": "GreaterThanThreshold",
            "treatMissingData": "notBreaching",
            "alarmActions": [NOTIFY],
            "okActions": [NOTIFY],
        }
        assert queries[0] == {
            "id": "m0",
            "returnData": False,
            "metric": {
                "namespace": "aws/sagemaker/Endpoints/data-metrics",
                "metricName": "feature_baseline_drift_island",
                "dimensions": {
                    "Endpoint": "penguins-prod",
                    "MonitoringSchedule": "penguins-prod-data-quality",
                },
                "period": 3600,
                "stat": "Maximum",
            },
        }
        assert [q["metric"]["metricName"] for q in queries[:-1]] == [f"feature_baseline_drift_{f}" for f in FEATURES]
        assert queries[-1] == {
            "id": "drift",
            "expression": "MAX([m0,m1,m2,m3,m4,m5,m6])",
            "label": "largest feature drift distance",
            "returnData": True,
        }

    return _after(component.schedule_arn, *component.alarm_arns, component.job_definition_name).apply(check)


@pulumi.runtime.test
def test_more_than_ten_features_split_into_alarms(mocks: ComponentRecorder) -> pulumi.Output[Any]:
    features = tuple(f"f{i}" for i in range(12))
    component = DataQualityMonitor("dq", _monitor_args(feature_names=features, schedule_expression=HOURLY))

    def check(_: list[Any]) -> None:
        alarms = {r.name: mocks.inputs(r.name) for r in mocks.of_type(METRIC_ALARM)}
        assert sorted(alarms) == ["dq-drift-1", "dq-drift-2"]
        assert alarms["dq-drift-1"]["name"] == "penguins-prod-data-drift-1"
        assert len(alarms["dq-drift-1"]["metricQueries"]) == 11
        assert alarms["dq-drift-2"]["metricQueries"][-1]["expression"] == "MAX([m0,m1])"

    return _after(*component.alarm_arns).apply(check)


@pytest.mark.parametrize(
    ("features", "groups"),
    [
        (("a",), [("a",)]),
        (tuple("abcdefghij"), [tuple("abcdefghij")]),
        (tuple("abcdefghijk"), [tuple("abcdefghij"), ("k",)]),
    ],
)
def test_drift_alarm_groups(features: tuple[str, ...], groups: list[tuple[str, ...]]) -> None:
    assert drift_alarm_groups(features) == groups


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"feature_names": ()}, "at least one feature name"),
        ({"feature_names": ("a", "a")}, "lists a feature twice"),
        ({"schedule_expression": "rate(1 hour)"}, "must be a cron"),
        ({"max_runtime_in_seconds": 3601}, "between 1 and 3600 for cron"),
        ({"max_runtime_in_seconds": 0}, "between 1 and 3600"),
        ({"drift_threshold": 0.0}, "drift_threshold must be in"),
        ({"volume_size_in_gb": 0}, "must be >= 1"),
        ({"instance_type": "m5.xlarge"}, "must be an ml"),
    ],
)
def test_data_quality_args_validation(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        _monitor_args(**overrides)
