"""This project's own rules: alarm dimensions, prod capacity, blue/green with rollback alarms, required tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policy.controls.base import (
    ENDPOINT,
    ENDPOINT_CONFIG,
    METRIC_ALARM,
    MODEL_MONITOR_NAMESPACE,
    REQUIRED_TAGS,
    SAGEMAKER_NAMESPACES,
    SCALABLE_TARGET,
    TAGGABLE,
    Control,
    Resource,
    _get,
    _linked,
    _number,
    _of_type,
    _seq,
    _typed,
    _variants,
)


def _dimension_problems(where: str, namespace: Any, dimensions: Any) -> list[str]:
    keys = set(dimensions) if isinstance(dimensions, Mapping) else set()
    if not keys:
        return [f"{where}: no dimensions (an alarm without dimensions watches nothing)"]
    if namespace in SAGEMAKER_NAMESPACES and not {"EndpointName", "VariantName"} <= keys:
        return [f"{where}: {namespace} metrics need EndpointName and VariantName dimensions, got {sorted(keys)}"]
    if namespace == MODEL_MONITOR_NAMESPACE and not {"Endpoint", "MonitoringSchedule"} <= keys:
        return [f"{where}: {namespace} metrics need Endpoint and MonitoringSchedule dimensions, got {sorted(keys)}"]
    return []


def _alarm_dimensions(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if props.get("metricName"):
        return _dimension_problems("metric", props.get("namespace"), props.get("dimensions"))
    problems = []
    for query in _seq(props.get("metricQueries")):
        metric = _get(query, "metric")
        if isinstance(metric, Mapping):
            where = f"metric query {_get(query, 'id')}"
            problems += _dimension_problems(where, metric.get("namespace"), metric.get("dimensions"))
    return problems


def _environment(resources: Sequence[Resource]) -> set[str]:
    return {str(_get(c.props, "tags", "environment")) for c in _of_type(resources, ENDPOINT_CONFIG)}


def _prod_capacity(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    if "prod" not in _environment(resources):
        return []
    violations = []
    for config in _of_type(resources, ENDPOINT_CONFIG):
        for variant in _variants(config.props):
            count = variant.get("initialInstanceCount")
            if variant.get("serverlessConfig") or not isinstance(count, int | float) or count < 2:
                violations.append(
                    (
                        config.urn,
                        f"{config.name}: prod variant {variant.get('variantName')} must be real-time, >= 2 instances",
                    )
                )
    for target in _of_type(resources, SCALABLE_TARGET):
        minimum = target.props.get("minCapacity")
        if target.props.get("serviceNamespace") == "sagemaker" and (
            not isinstance(minimum, int | float) or minimum < 2
        ):
            violations.append(
                (target.urn, f"{target.name}: prod autoscaling minCapacity {_number(minimum)} is below 2")
            )
    return violations


def _blue_green(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    configs = _of_type(resources, ENDPOINT_CONFIG)
    alarm_names = {a.props.get("name") for a in _of_type(resources, METRIC_ALARM)}
    violations = []
    for endpoint in _of_type(resources, ENDPOINT):
        serving = [c for c in configs if _linked(endpoint, "endpointConfigName", c, ("name",))]
        if not any(v for c in serving for v in _variants(c.props) if not v.get("serverlessConfig")):
            continue  # serverless endpoints update all at once: there is no fleet to shift
        routing = _get(endpoint.props, "deploymentConfig", "blueGreenUpdatePolicy", "trafficRoutingConfiguration")
        if not isinstance(routing, Mapping) or not routing.get("type"):
            violations.append((endpoint.urn, f"endpoint {endpoint.name}: no blue/green traffic routing"))
        alarms = [
            _get(a, "alarmName")
            for a in _seq(_get(endpoint.props, "deploymentConfig", "autoRollbackConfiguration", "alarms"))
        ]
        if not alarms:
            violations.append((endpoint.urn, f"endpoint {endpoint.name}: no auto-rollback alarms"))
        missing = sorted(str(a) for a in alarms if a not in alarm_names)
        if missing:
            violations.append((endpoint.urn, f"endpoint {endpoint.name}: rollback alarms not in the stack: {missing}"))
    return violations


def _required_tags(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if type_token not in TAGGABLE:
        return []
    tags = props.get("tags")
    present = {k for k, v in tags.items() if v} if isinstance(tags, Mapping) else set()
    missing = [t for t in REQUIRED_TAGS if t not in present]
    return [f"missing tags: {', '.join(missing)}"] if missing else []


CONTROLS: tuple[Control, ...] = (
    Control(
        "mlops-alarm-dimensions",
        "mlops (ours)",
        "CloudWatch metric alarms carry dimensions; AWS/SageMaker and /aws/sagemaker/Endpoints metrics carry "
        "EndpointName and VariantName, Model Monitor metrics Endpoint and MonitoringSchedule.",
        resource_check=_typed((METRIC_ALARM,), _alarm_dimensions),
    ),
    Control(
        "mlops-prod-capacity",
        "mlops (ours)",
        "In prod, every endpoint variant is real-time with at least 2 instances and autoscaling never goes "
        "below 2 (one instance is one Availability Zone).",
        stack_check=_prod_capacity,
    ),
    Control(
        "mlops-blue-green-rollback",
        "mlops (ours)",
        "Real-time endpoints roll out blue/green with auto-rollback alarms that exist in the stack.",
        stack_check=_blue_green,
    ),
    Control(
        "mlops-required-tags",
        "mlops (ours)",
        f"Taggable resources carry the tags {', '.join(REQUIRED_TAGS)} (S3 objects excepted).",
        resource_check=_required_tags,
    ),
)
