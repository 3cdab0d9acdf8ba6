"""The cost estimate: exact arithmetic on a small hand-computed graph, and the committed price table.

The arithmetic is proven exactly (Decimal, no rounding until display); whether the committed prices are
today's AWS prices is not something an offline test can prove: the table says it is copied by hand.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from offline import tokens
from offline.graph import Plan, RecordedResource
from review import cost, snapshot
from review.cost import Assumptions, PricingError, estimate, runs_per_month
from tests.review.graphs import Graphs

D = Decimal
PRICES: dict[str, Any] = {
    "region": "test-1",
    "as_of": "2026-01-01",
    "sources": {"sagemaker": "https://example.test/sagemaker"},
    "hours_per_month": D(720),
    "sagemaker": {
        "realtime_instance_hour": {"ml.t.small": D("0.5")},
        "processing_instance_hour": {"ml.p.small": D("1.0")},
        "serverless_gb_second": D("0.00001"),
        "data_processed_in_gb": D("0.02"),
        "data_processed_out_gb": D("0.02"),
    },
    "s3": {"standard_gb_month": D("0.02")},
    "kms": {"customer_managed_key_month": D(1)},
    "privatelink": {"interface_endpoint_az_hour": D("0.01"), "data_processed_gb": D("0.01")},
    "cloudwatch": {
        "standard_alarm_metric_month": D("0.1"),
        "high_resolution_alarm_metric_month": D("0.3"),
        "composite_alarm_month": D("0.5"),
        "dashboard_month": D(3),
        "free_dashboards": D(3),
    },
    "sns": {
        "email_per_100k": D(2),
        "free_email_per_month": D(1000),
        "https_per_million": D("0.6"),
        "free_https_per_month": D(100000),
    },
}
ASSUME = Assumptions(
    serverless_requests_min=1000,
    serverless_requests_max=100_000,
    serverless_duration_ms=D(500),
    payload_kb_in=D(2),
    payload_kb_out=D(4),
    s3_gb=D(100),
    monitoring_run_minutes=D(15),
    notifications_per_subscription=100,
)


def resource(type_token: str, name: str, inputs: dict[str, Any], physical: str | None = None) -> RecordedResource:
    """As the mock runtime records it: numbers as doubles, the physical name in the provider state."""
    return RecordedResource(
        urn=f"urn:pulumi:test::p::{type_token}::{name}",
        type=type_token,
        name=name,
        parent=None,
        dependencies=[],
        custom=True,
        protect=False,
        retain_on_delete=False,
        inputs=inputs,
        state={**inputs, "name": physical or inputs.get("name") or name},
    )


def hand_graph() -> Plan:
    sagemaker = "aws:sagemaker/"
    metric = {"namespace": "AWS/SageMaker", "metricName": "Invocations", "period": 3600.0}
    resources = [
        resource(
            sagemaker + "endpointConfiguration:EndpointConfiguration",
            "rt-config",
            {"productionVariants": [{"variantName": "a", "instanceType": "ml.t.small", "initialInstanceCount": 2.0}]},
            physical="rt-config-1",
        ),
        resource(sagemaker + "endpoint:Endpoint", "rt", {"name": "rt", "endpointConfigName": "rt-config-1"}),
        resource(
            tokens.SCALABLE_TARGET,
            "rt-target",
            {
                "serviceNamespace": "sagemaker",
                "resourceId": "endpoint/rt/variant/a",
                "minCapacity": 2.0,
                "maxCapacity": 5.0,
            },
        ),
        resource(
            sagemaker + "endpointConfiguration:EndpointConfiguration",
            "sl-config",
            {"productionVariants": [{"variantName": "b", "serverlessConfig": {"memorySizeInMb": 3072.0}}]},
            physical="sl-config-1",
        ),
        resource(sagemaker + "endpoint:Endpoint", "sl", {"name": "sl", "endpointConfigName": "sl-config-1"}),
        resource(
            sagemaker + "dataQualityJobDefinition:DataQualityJobDefinition",
            "job",
            {
                "jobResources": {"clusterConfig": {"instanceType": "ml.p.small", "instanceCount": 2.0}},
                "stoppingCondition": {"maxRuntimeInSeconds": 1800.0},
            },
            physical="job-1",
        ),
        resource(
            sagemaker + "monitoringSchedule:MonitoringSchedule",
            "sched",
            {
                "monitoringScheduleConfig": {
                    "monitoringJobDefinitionName": "job-1",
                    "scheduleConfig": {"scheduleExpression": "cron(0 0 ? * * *)"},
                }
            },
        ),
        resource(tokens.S3_BUCKET, "b1", {}),
        resource(tokens.S3_BUCKET, "b2", {}),
        resource(tokens.KMS_KEY, "key", {}),
        resource(tokens.METRIC_ALARM, "simple", {**metric, "period": 300.0}),
        resource(tokens.METRIC_ALARM, "fast", {**metric, "period": 10.0}),
        resource(
            tokens.METRIC_ALARM,
            "math",
            {
                "metricQueries": [{"id": f"m{i}", "metric": metric} for i in range(3)]
                + [{"id": "e", "expression": "MAX([m0,m1,m2])"}]
            },
        ),
        resource(tokens.COMPOSITE_ALARM, "any", {}),
        *[resource(tokens.DASHBOARD, f"d{i}", {}) for i in range(4)],
        *[resource(tokens.SNS_SUBSCRIPTION, f"e{i}", {"protocol": "email"}) for i in range(11)],
        resource(tokens.SNS_SUBSCRIPTION, "h", {"protocol": "https"}),
    ]
    return Plan(project="p", stack="test", resources=resources, outputs={})


def test_hand_computed_graph_line_by_line() -> None:
    result = estimate(hand_graph(), PRICES, ASSUME)
    lines = [
        (line.item, line.quantity_min, line.quantity_max, line.unit_price, line.monthly_min, line.monthly_max)
        for line in result.lines
    ]
    assert lines == [
        # 2..5 instances x 720 h x $0.5
        ("SageMaker real-time rt/a: ml.t.small x 2-5 instances", D(1440), D(3600), D("0.5"), D(720), D(1800)),
        # requests x 0.5 s x 3 GB
        ("SageMaker sl/b serverless 3072 MB: compute", D(1500), D(150000), D("0.00001"), D("0.015"), D("1.5")),
        # requests x 2 KB / 1024^2
        (
            "SageMaker sl/b serverless 3072 MB: data processed in",
            D("0.0019073486328125"),
            D("0.19073486328125"),
            D("0.02"),
            D("0.00003814697265625"),
            D("0.003814697265625"),
        ),
        (
            "SageMaker sl/b serverless 3072 MB: data processed out",
            D("0.003814697265625"),
            D("0.3814697265625"),
            D("0.02"),
            D("0.0000762939453125"),
            D("0.00762939453125"),
        ),
        # daily: 720 / 24 = 30 runs x (15 min .. 30 min stopping condition) x 2 instances
        ("Model Monitor sched: ml.p.small x 2, 30 runs", D(15), D(30), D("1.0"), D(15), D(30)),
        ("S3 Standard storage (2 buckets, assumed total)", D(100), D(100), D("0.02"), D(2), D(2)),
        ("KMS customer-managed keys", D(1), D(1), D(1), D(1), D(1)),
        # 1 simple + 3 metrics of the math alarm; the 10-second alarm is high resolution
        ("CloudWatch metric alarms, standard resolution", D(4), D(4), D("0.1"), D("0.4"), D("0.4")),
        ("CloudWatch metric alarms, high resolution", D(1), D(1), D("0.3"), D("0.3"), D("0.3")),
        ("CloudWatch composite alarms", D(1), D(1), D("0.5"), D("0.5"), D("0.5")),
        ("CloudWatch dashboards (4; the first 3 a month are free)", D(1), D(1), D(3), D(3), D(3)),
        # 11 x 100 = 1,100 e-mails, 1,000 free: 100 billable = 0.001 x 100k
        (
            "SNS email notifications (1,100 a month, after the free tier)",
            D("0.001"),
            D("0.001"),
            D(2),
            D("0.002"),
            D("0.002"),
        ),
        ("SNS https notifications (100 a month, after the free tier)", D(0), D(0), D("0.6"), D(0), D(0)),
        # No private network in the graph: the line is there, at zero, with the price a created one bills.
        (
            "VPC interface endpoints: none (mlops:network off; mode create bills 6 endpoints x 2 AZs)",
            D(0),
            D(0),
            D("0.01"),
            D(0),
            D(0),
        ),
    ]
    assert result.total_min == D("742.21711444091796875")
    assert result.total_max == D("1838.713444091796875")


def test_a_variant_without_autoscaling_is_priced_at_its_initial_count() -> None:
    plan = hand_graph()
    plan.resources = [r for r in plan.resources if r.type != tokens.SCALABLE_TARGET]
    first = estimate(plan, PRICES, ASSUME).lines[0]
    assert (first.item, first.monthly_min, first.monthly_max) == (
        "SageMaker real-time rt/a: ml.t.small x 2-2 instances",
        D(720),
        D(720),
    )


def test_rendered_table_has_totals_and_assumptions() -> None:
    text = cost.render(estimate(hand_graph(), PRICES, ASSUME))
    lines = text.splitlines()
    assert lines[0] == (
        "== test: estimated monthly cost, test-1, list prices as of 2026-01-01 "
        "(copied by hand from the AWS pricing pages: refresh pricing/ before relying on them)"
    )
    assert lines[1].split() == ["item", "quantity", "/", "month", "unit", "price", "monthly", "min", "monthly", "max"]
    total = next(line for line in lines if line.startswith("total"))
    assert total.split() == ["total", "$742.22", "$1,838.71"]
    assert "  - S3: 100 GB stored in total across the stack's buckets (Standard storage class)" in lines


@pytest.mark.parametrize(
    ("expression", "runs"),
    [("cron(0 * ? * * *)", D(730)), ("cron(0 0 ? * * *)", D(730) / 24), ("cron(15 3 * * ? *)", D(730) / 24)],
)
def test_runs_per_month(expression: str, runs: Decimal) -> None:
    assert runs_per_month(expression, D(730)) == runs


@pytest.mark.parametrize("expression", ["cron(0 0 1 * ? *)", "cron(0/5 * ? * * *)", "rate(1 hour)"])
def test_other_schedules_are_refused(expression: str) -> None:
    with pytest.raises(PricingError, match="only hourly and daily cron schedules"):
        runs_per_month(expression, D(730))


def test_missing_price_names_the_key_and_the_source() -> None:
    plan = hand_graph()
    config = plan.resources[0]
    config.inputs["productionVariants"][0]["instanceType"] = "ml.unknown.large"
    with pytest.raises(
        PricingError,
        match=r"^no price sagemaker\.realtime_instance_hour\.ml\.unknown\.large in the price table; "
        r"add it from https://example\.test/sagemaker$",
    ):
        estimate(plan, PRICES, ASSUME)


def test_committed_price_table_is_dated_sourced_and_marked_as_hand_copied() -> None:
    table = json.loads((cost.PRICING_DIR / "us-east-1.json").read_text())
    assert table["region"] == "us-east-1"
    assert table["as_of"] == "2026-11-26"
    assert "by hand" in table["provenance"].lower()
    assert "refresh" in table["provenance"].lower()
    assert sorted(table["sources"]) == ["cloudwatch", "data_transfer", "kms", "privatelink", "s3", "sagemaker", "sns"]
    assert all(url.startswith("https://aws.amazon.com/") for url in table["sources"].values())


@pytest.mark.parametrize("stack", snapshot.STACKS)
def test_every_stack_is_priced_from_the_committed_table(graphs: Graphs, stack: str) -> None:
    prices = cost.load_prices("us-east-1")
    result = estimate(graphs.plan(stack), prices)
    hours = prices["hours_per_month"]
    first = result.lines[0]
    if stack == "dev":
        # Serverless: no idle cost, so the minimum (no traffic) of its lines is zero.
        assert first.item == "SageMaker sagemaker-mlops-dev/primary serverless 2048 MB: compute"
        assert (first.monthly_min, first.quantity_max) == (D(0), D(1_000_000) * D("0.1") * D(2))
    else:
        instance, low, high = {"staging": ("ml.m5.large", 2, 3), "prod": ("ml.m5.xlarge", 2, 6)}[stack]
        price = prices["sagemaker"]["realtime_instance_hour"][instance]
        assert (first.monthly_min, first.monthly_max) == (low * hours * price, high * hours * price)
    assert result.total_min == sum((line.monthly_min for line in result.lines), D(0))
