"""The dashboard body builder: widget layout, metric arrays, region on every metric widget. Pure."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from monitoring.dashboard import check_dashboard_name, dashboard_body
from monitoring.errors import UserInputError

ARNS = [
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:penguins-prod-5xx-error-rate",
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:penguins-prod-model-latency-p99",
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:penguins-prod-no-invocations",
]


def _body(serverless: bool, arns: list[str] | None = None) -> dict[str, Any]:
    return dashboard_body("penguins-prod", "AllTraffic", "eu-west-1", ARNS if arns is None else arns, serverless)


def _layout(body: dict[str, Any]) -> list[tuple[str, str, int, int, int, int]]:
    rows = []
    for w in body["widgets"]:
        props = w["properties"]
        title = props.get("title") or props["markdown"].splitlines()[0]
        rows.append((w["type"], title, w["x"], w["y"], w["width"], w["height"]))
    return rows


@pytest.mark.parametrize(
    ("serverless", "layout"),
    [
        (
            False,
            [
                ("text", "## penguins-prod / AllTraffic (realtime, eu-west-1)", 0, 0, 24, 2),
                ("metric", "Invocations (per minute)", 0, 2, 8, 6),
                ("metric", "Error rates (4XX / 5XX)", 8, 2, 8, 6),
                ("metric", "ModelLatency p50 / p90 / p99 (µs)", 16, 2, 8, 6),
                ("metric", "OverheadLatency p50 / p99 (µs)", 0, 8, 8, 6),
                ("metric", "Instances in service (≈ Invocations ÷ InvocationsPerInstance)", 8, 8, 8, 6),
                ("metric", "CPUUtilization (% summed over vCPUs)", 16, 8, 8, 6),
                ("metric", "Memory / disk utilisation (%)", 0, 14, 8, 6),
                ("metric", "ConcurrentRequestsPerModel (10 s resolution)", 8, 14, 16, 6),
                ("alarm", "Alarm status", 0, 20, 24, 3),
            ],
        ),
        (
            True,
            [
                ("text", "## penguins-prod / AllTraffic (serverless, eu-west-1)", 0, 0, 24, 2),
                ("metric", "Invocations (per minute)", 0, 2, 8, 6),
                ("metric", "Error rates (4XX / 5XX)", 8, 2, 8, 6),
                ("metric", "ModelLatency p50 / p90 / p99 (µs)", 16, 2, 8, 6),
                ("metric", "OverheadLatency p50 / p99 (µs)", 0, 8, 8, 6),
                ("metric", "Concurrency utilisation (of MaxConcurrency)", 8, 8, 8, 6),
                ("metric", "ModelSetupTime: cold starts (µs)", 16, 8, 8, 6),
                ("alarm", "Alarm status", 0, 14, 24, 3),
            ],
        ),
    ],
)
def test_layout(serverless: bool, layout: list[tuple[str, str, int, int, int, int]]) -> None:
    assert _layout(_body(serverless)) == layout


@pytest.mark.parametrize("serverless", [False, True])
def test_grid_is_24_columns_without_overlap(serverless: bool) -> None:
    widgets = _body(serverless)["widgets"]
    cells = [
        {(col, row) for col in range(w["x"], w["x"] + w["width"]) for row in range(w["y"], w["y"] + w["height"])}
        for w in widgets
    ]
    assert all(w["x"] + w["width"] <= 24 for w in widgets)
    assert all(not (a & b) for a, b in itertools.combinations(cells, 2))


@pytest.mark.parametrize("serverless", [False, True])
def test_every_metric_widget_has_the_region_and_well_formed_metrics(serverless: bool) -> None:
    for widget in _body(serverless)["widgets"]:
        if widget["type"] != "metric":
            continue
        props = widget["properties"]
        assert props["region"] == "eu-west-1"
        assert props["view"] == "timeSeries"
        for metric in props["metrics"]:
            assert isinstance(metric[-1], dict)
            if "expression" in metric[-1]:
                assert len(metric) == 1
                continue
            namespace, _name, *dims = metric[:-1]
            assert namespace in ("AWS/SageMaker", "/aws/sagemaker/Endpoints")
            # Both dimensions, always: SageMaker publishes endpoint metrics only with both.
            assert dims == ["EndpointName", "penguins-prod", "VariantName", "AllTraffic"]


def _widget(body: dict[str, Any], title_start: str) -> dict[str, Any]:
    return next(w for w in body["widgets"] if w["properties"].get("title", "").startswith(title_start))


def test_latency_widget_is_p50_p90_p99_in_microseconds() -> None:
    props = _widget(_body(False), "ModelLatency")["properties"]
    dims = ["EndpointName", "penguins-prod", "VariantName", "AllTraffic"]
    assert props["metrics"] == [
        ["AWS/SageMaker", "ModelLatency", *dims, {"stat": "p50", "label": "p50 (µs)"}],
        ["AWS/SageMaker", "ModelLatency", *dims, {"stat": "p90", "label": "p90 (µs)"}],
        ["AWS/SageMaker", "ModelLatency", *dims, {"stat": "p99", "label": "p99 (µs)"}],
    ]
    assert props["yAxis"] == {"left": {"label": "µs", "showUnits": False}}


def test_error_widget_uses_average_as_a_rate() -> None:
    props = _widget(_body(False), "Error rates")["properties"]
    assert props["stat"] == "Average"
    assert [m[1] for m in props["metrics"]] == ["Invocation4XXErrors", "Invocation5XXErrors"]


def test_instance_count_is_metric_math_over_invocations_per_instance() -> None:
    metrics = _widget(_body(False), "Instances in service")["properties"]["metrics"]
    assert metrics[0][1] == "Invocations"
    assert metrics[0][-1] == {"id": "m1", "visible": False}
    assert metrics[1][1] == "InvocationsPerInstance"
    assert metrics[1][-1]["id"] == "m2"
    assert metrics[2] == [{"expression": "m1/m2", "id": "e1", "label": "≈ instances", "yAxis": "right"}]


@pytest.mark.parametrize(
    ("serverless", "present", "absent"),
    [
        (
            False,
            {"CPUUtilization", "MemoryUtilization", "DiskUtilization", "ConcurrentRequestsPerModel"},
            {"ModelSetupTime"},
        ),
        (
            True,
            {"ModelSetupTime", "ServerlessConcurrentExecutionsUtilization"},
            {"CPUUtilization", "MemoryUtilization"},
        ),
    ],
)
def test_metrics_per_endpoint_kind(serverless: bool, present: set[str], absent: set[str]) -> None:
    names = {
        m[1]
        for w in _body(serverless)["widgets"]
        if w["type"] == "metric"
        for m in w["properties"]["metrics"]
        if "expression" not in m[-1]
    }
    assert present <= names
    assert not absent & names


def test_alarm_widget_lists_the_arns_and_the_body_is_json() -> None:
    body = _body(False)
    alarm = body["widgets"][-1]
    assert alarm["type"] == "alarm"
    assert alarm["properties"] == {"title": "Alarm status", "alarms": ARNS, "sortBy": "stateUpdatedTimestamp"}
    assert json.loads(json.dumps(body)) == body


@pytest.mark.parametrize(("count", "height"), [(1, 3), (4, 3), (5, 4), (8, 4), (12, 5)])
def test_alarm_widget_height_grows_with_the_alarms(count: int, height: int) -> None:
    assert _body(False, [f"arn:a:{i}" for i in range(count)])["widgets"][-1]["height"] == height


def test_no_alarm_widget_without_alarms() -> None:
    assert [w["type"] for w in _body(True, [])["widgets"]].count("alarm") == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "AllTraffic", "eu-west-1", [], False), "non-empty endpoint_name"),
        (("e", "AllTraffic", "", [], False), "non-empty endpoint_name"),
        (("e", "AllTraffic", "eu-west-1", ["a"] * 101, False), "at most 100 alarms (got 101)"),
    ],
)
def test_dashboard_body_rejects(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(UserInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dashboard_body(*args)


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("penguins-prod", True),
        ("a_b-C9", True),
        ("x" * 255, True),
        ("x" * 256, False),
        ("has space", False),
        ("", False),
    ],
)
def test_dashboard_name(name: str, ok: bool) -> None:
    if ok:
        assert check_dashboard_name(name) == name
    else:
        with pytest.raises(UserInputError, match="dashboard name"):
            check_dashboard_name(name)
