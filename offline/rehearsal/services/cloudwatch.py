"""CloudWatch: metric alarms (plain and metric math), composite alarms, dashboards."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, arn_of
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import EmulatorRejectedError, UnmappedInputError, api_params

ENDPOINT_DIMENSIONS = ("EndpointName", "VariantName")
DRIFT_DIMENSIONS = ("Endpoint", "MonitoringSchedule")


def _dimensions(dimensions: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"Name": name, "Value": value} for name, value in dimensions.items()]


def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    """The provider's ``metricQuery`` flattens MetricStat: ``metric`` holds the metric and its stat."""
    result = {k: v for k, v in query.items() if k != "metric"}
    metric = query.get("metric")
    if metric:
        inner = {k: v for k, v in metric.items() if k in ("namespace", "metricName")}
        inner["Dimensions"] = _dimensions(metric.get("dimensions") or {})
        stat = {k: v for k, v in metric.items() if k in ("period", "stat", "unit")}
        unknown = set(metric) - {"namespace", "metricName", "dimensions", "period", "stat", "unit"}
        if unknown:
            raise UnmappedInputError(f"metricQuery.metric has unmapped keys {sorted(unknown)}")
        result["MetricStat"] = {"Metric": inner, **stat}
    return result


def metric_alarm(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    inputs = dict(r.inputs)
    if "dimensions" in inputs:
        inputs["dimensions"] = _dimensions(inputs["dimensions"] or {})
    if "metricQueries" in inputs:
        inputs["metricQueries"] = [_metric_query(q) for q in inputs["metricQueries"] or []]
    params = api_params(
        "cloudwatch",
        "PutMetricAlarm",
        inputs,
        where=r.where,
        renames={
            "name": "AlarmName",
            "metricQueries": "Metrics",
            # Plural in the provider, singular in the API.
            "evaluateLowSampleCountPercentiles": "EvaluateLowSampleCountPercentile",
        },
    )
    params["AlarmName"] = name
    gw.send("cloudwatch", "PutMetricAlarm", params, r.where)
    alarms = gw.read("cloudwatch", "DescribeAlarms", {"AlarmNames": [name]}, r.where)["MetricAlarms"]
    if len(alarms) != 1:
        raise EmulatorRejectedError(f"{r.where}: PutMetricAlarm succeeded but DescribeAlarms finds {len(alarms)}")
    arn = str(alarms[0]["AlarmArn"])
    return name, r.state(name=name, arn=arn)


def composite_alarm(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name("alarmName")
    params = api_params("cloudwatch", "PutCompositeAlarm", r.inputs, where=r.where)
    params["AlarmName"] = name
    response = gw.send("cloudwatch", "PutCompositeAlarm", params, r.where)
    arn = arn_of(gw, "cloudwatch", f"alarm:{name}")
    if response is not None:
        alarms = gw.read(
            "cloudwatch", "DescribeAlarms", {"AlarmNames": [name], "AlarmTypes": ["CompositeAlarm"]}, r.where
        )
        arn = str(alarms["CompositeAlarms"][0]["AlarmArn"])
    return name, r.state(alarmName=name, arn=arn)


def dashboard(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("cloudwatch", "PutDashboard", r.inputs, where=r.where)
    response = gw.send("cloudwatch", "PutDashboard", params, r.where) or {}
    messages = response.get("DashboardValidationMessages") or []
    if messages:
        # PutDashboard stores a body with warnings; the provider reports them as an error.
        raise UnmappedInputError(f"{r.where}: PutDashboard validation messages: {json.dumps(messages)}")
    name = str(params["DashboardName"])
    got = gw.read("cloudwatch", "GetDashboard", {"DashboardName": name}, r.where)
    return name, r.state(dashboardArn=str(got["DashboardArn"]))


def _dimension_map(dimensions: list[dict[str, str]]) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in dimensions}


def _alarms(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    cloudwatch = client("cloudwatch")
    endpoint, variant = report.outputs["endpointName"], report.outputs["variantName"]
    schedules = [str(s.inputs["name"]) for s in resources_of(report, tokens.SAGEMAKER_MONITORING_SCHEDULE)]
    declared = resources_of(report, tokens.METRIC_ALARM)
    names = sorted(str(a.state["name"]) for a in declared)
    found: dict[str, dict[str, Any]] = {}
    with checks.reading("metric alarms"):
        for start in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
            answer = cloudwatch.describe_alarms(AlarmNames=names[start : start + 100], AlarmTypes=["MetricAlarm"])
            found.update({a["AlarmName"]: a for a in answer["MetricAlarms"]})
    for alarm in sorted(declared, key=lambda a: str(a.state["name"])):
        name = str(alarm.state["name"])
        got = found.get(name)
        if got is None:
            checks.add(f"alarm {name}", False, "not found in CloudWatch")
            continue
        if got.get("Metrics"):
            # The data-drift alarm: metric math over Model Monitor's per-feature metrics.
            dims = [
                _dimension_map(m["MetricStat"]["Metric"]["Dimensions"]) for m in got["Metrics"] if "MetricStat" in m
            ]
            declared_metrics = [q for q in alarm.inputs.get("metricQueries") or [] if q.get("metric")]
            checks.equal(
                f"alarm {name}: {'/'.join(DRIFT_DIMENSIONS)} dimensions",
                {
                    "metrics": len(dims),
                    "dimensions": [dict(t) for t in sorted({tuple(sorted(d.items())) for d in dims})],
                },
                {
                    "metrics": len(declared_metrics),
                    "dimensions": [{"Endpoint": endpoint, "MonitoringSchedule": schedule} for schedule in schedules],
                },
            )
        elif str(alarm.inputs.get("namespace", "")).lower().startswith(("aws/sagemaker", "/aws/sagemaker")):
            checks.equal(
                f"alarm {name}: {'/'.join(ENDPOINT_DIMENSIONS)} dimensions",
                _dimension_map(got.get("Dimensions", [])),
                {"EndpointName": endpoint, "VariantName": variant},
            )
        else:
            # The applications' alarms (AWS/Lambda, AWS/SQS, AWS/ApiGateway): the dimensions declared.
            checks.equal(
                f"alarm {name}: {'/'.join(sorted(alarm.inputs.get('dimensions') or {}))} dimensions",
                _dimension_map(got.get("Dimensions", [])),
                dict(alarm.inputs.get("dimensions") or {}),
            )
        checks.equal(
            f"alarm {name}: actions",
            sorted(got.get("AlarmActions", [])),
            sorted(alarm.inputs.get("alarmActions") or []),
        )
    for composite in resources_of(report, tokens.COMPOSITE_ALARM):
        # The composite itself is validated, not emulated (moto lacks PutCompositeAlarm): check that
        # every alarm its rule names exists, as CloudWatch requires when it is created.
        referenced = sorted(set(re.findall(r'ALARM\("([^"]+)"\)', str(composite.inputs["alarmRule"]))))
        missing = [n for n in referenced if n not in found]
        checks.add(
            f"composite alarm {composite.state['alarmName']}: rule names existing alarms",
            bool(referenced) and not missing,
            f"missing: {missing}" if missing else f"{len(referenced)} alarms referenced, all present",
        )
    for endpoint_resource in resources_of(report, tokens.SAGEMAKER_ENDPOINT):
        rollback = (endpoint_resource.inputs.get("deploymentConfig") or {}).get("autoRollbackConfiguration") or {}
        referenced = sorted(str(a["alarmName"]) for a in rollback.get("alarms", []))
        if not referenced:
            continue
        missing = [n for n in referenced if n not in found]
        checks.add(
            f"endpoint {endpoint}: auto-rollback alarms exist",
            not missing,
            f"missing: {missing}" if missing else ", ".join(referenced),
        )


def _dashboard(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    name = str(report.outputs["dashboardName"])
    with checks.reading(f"dashboard {name}"):
        body = json.loads(client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
        text = json.dumps(body)
        widgets = len(body.get("widgets", []))
        endpoint = str(report.outputs["endpointName"])
        checks.add(f"dashboard {name}: widgets on the endpoint", widgets > 0 and endpoint in text, f"{widgets} widgets")


HANDLERS: dict[str, Handler] = {
    tokens.METRIC_ALARM: metric_alarm,
    tokens.COMPOSITE_ALARM: composite_alarm,
    tokens.DASHBOARD: dashboard,
}

CHECKS: tuple[Verifier, ...] = (_alarms, _dashboard)
