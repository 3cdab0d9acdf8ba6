"""SageMaker controls: Security Hub SageMaker.4/.5, endpoint-configuration and data-capture encryption, Model Monitor
job isolation and encryption."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policy.controls.base import (
    DATA_QUALITY_JOB,
    ENDPOINT_CONFIG,
    LOCAL_NVME_FAMILIES,
    MODEL,
    Control,
    Resource,
    ResourceCheck,
    _get,
    _linked,
    _number,
    _of_type,
    _typed,
    _variants,
)


def _variant_instance_count(type_token: str, props: Mapping[str, Any]) -> list[str]:
    problems = []
    for variant in _variants(props):
        if variant.get("serverlessConfig"):
            continue  # serverless variants have no instances to spread
        count = variant.get("initialInstanceCount")
        if not isinstance(count, int | float) or count <= 1:
            problems.append(f"variant {variant.get('variantName')}: initialInstanceCount {_number(count)} is not > 1")
    return problems


def _model_network_isolation(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    configs = _of_type(resources, ENDPOINT_CONFIG)
    violations = []
    for model in _of_type(resources, MODEL):
        if model.props.get("enableNetworkIsolation") is True:
            continue
        serving: list[Mapping[str, Any]] = []
        for config in configs:
            variants = _variants(config.props)
            if config.property_dependencies.get("productionVariants"):
                # CrossGuard: the model's name is unknown before it exists, its URN is not.
                serving += variants if _linked(config, "productionVariants", model) else []
            else:
                name = model.props.get("name")
                serving += [v for v in variants if name is not None and v.get("modelName") == name]
        if serving and all(v.get("serverlessConfig") for v in serving):
            continue  # exempt: serverless inference does not support network isolation
        violations.append((model.urn, f"model {model.name}: enableNetworkIsolation is not true"))
    return violations


def has_local_nvme(instance_type: Any) -> bool:
    parts = str(instance_type).split(".")
    return len(parts) == 3 and parts[1] in LOCAL_NVME_FAMILIES


def _endpoint_config_kms(type_token: str, props: Mapping[str, Any]) -> list[str]:
    realtime = [v for v in _variants(props) if not v.get("serverlessConfig")]
    # Serverless endpoint configurations reject a KMS key, local-NVMe instances too (see above).
    needs_key = [v for v in realtime if not has_local_nvme(v.get("instanceType"))]
    if needs_key and not props.get("kmsKeyArn"):
        return ["kmsKeyArn is not set: the variants' ML storage volumes are not encrypted with the project key"]
    return []


def _data_capture_encrypted(type_token: str, props: Mapping[str, Any]) -> list[str]:
    capture = props.get("dataCaptureConfig")
    if isinstance(capture, Mapping) and capture.get("enableCapture") is not False and not capture.get("kmsKeyId"):
        return ["dataCaptureConfig.kmsKeyId is not set: captured requests and responses are not KMS-encrypted"]
    return []


def _monitoring_network(flag: str, label: str) -> ResourceCheck:
    def check(type_token: str, props: Mapping[str, Any]) -> list[str]:
        return [] if _get(props, "networkConfig", flag) is True else [f"networkConfig.{flag} is not true ({label})"]

    return check


CONTROLS: tuple[Control, ...] = (
    Control(
        "sagemaker.4-variant-instance-count",
        "SageMaker.4",
        "SageMaker.4: real-time production variants start with more than one instance (spread across "
        "Availability Zones); serverless variants have no instances and are exempt.",
        resource_check=_typed((ENDPOINT_CONFIG,), _variant_instance_count),
    ),
    Control(
        "sagemaker.5-model-network-isolation",
        "SageMaker.5",
        "SageMaker.5: models run with network isolation. Exempt: models served only by serverless "
        "variants, because serverless inference does not support network isolation.",
        stack_check=_model_network_isolation,
    ),
    Control(
        "sagemaker-endpoint-config-kms",
        "SageMaker (AWS FSBP endpoint configuration encryption)",
        "Endpoint configurations encrypt ML storage volumes with the project KMS key, where the instance type "
        "allows it (not serverless, not local-NVMe instance families).",
        resource_check=_typed((ENDPOINT_CONFIG,), _endpoint_config_kms),
    ),
    Control(
        "sagemaker-data-capture-kms",
        "SageMaker data capture encryption",
        "Data capture writes requests and responses to S3 encrypted with a KMS key.",
        resource_check=_typed((ENDPOINT_CONFIG,), _data_capture_encrypted),
    ),
    Control(
        "sagemaker.9-15-monitoring-network-isolation",
        "SageMaker.9-.15/.20/.22/.25 (network isolation)",
        "SageMaker.9-.15/.20/.22/.25 family: Model Monitor job definitions run with network isolation.",
        resource_check=_typed((DATA_QUALITY_JOB,), _monitoring_network("enableNetworkIsolation", "network isolation")),
    ),
    Control(
        "sagemaker.9-15-monitoring-inter-container-encryption",
        "SageMaker.9-.15/.20/.22/.25 (inter-container encryption)",
        "SageMaker.9-.15/.20/.22/.25 family: Model Monitor job definitions encrypt traffic between containers.",
        resource_check=_typed(
            (DATA_QUALITY_JOB,),
            _monitoring_network("enableInterContainerTrafficEncryption", "inter-container traffic encryption"),
        ),
    ),
)
