"""Notebook controls: Security Hub SageMaker.1/.2/.3/.21 and IMDSv2, one control each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from offline import tokens
from policy.controls.base import Control, _get, _typed

NOTEBOOK = tokens.SAGEMAKER_NOTEBOOK


def _direct_internet(type_token: str, props: Mapping[str, Any]) -> list[str]:
    # The API's default is Enabled: an unset value is direct internet access.
    value = props.get("directInternetAccess")
    return [] if value == "Disabled" else [f"directInternetAccess is {value or 'unset (Enabled)'}, not Disabled"]


def _in_vpc(type_token: str, props: Mapping[str, Any]) -> list[str]:
    problems = []
    if not props.get("subnetId"):
        problems.append("subnetId is not set: the notebook is not in a VPC")
    if not props.get("securityGroups"):
        problems.append("securityGroups is empty: a notebook in a VPC needs its security groups")
    return problems


def _root_access(type_token: str, props: Mapping[str, Any]) -> list[str]:
    value = props.get("rootAccess")
    return [] if value == "Disabled" else [f"rootAccess is {value or 'unset (Enabled)'}, not Disabled"]


def _customer_key(type_token: str, props: Mapping[str, Any]) -> list[str]:
    return [] if props.get("kmsKeyId") else ["kmsKeyId is not set: the volume is not encrypted with a customer key"]


def _imds_v2(type_token: str, props: Mapping[str, Any]) -> list[str]:
    version = _get(props, "instanceMetadataServiceConfiguration", "minimumInstanceMetadataServiceVersion")
    return [] if version == "2" else [f"minimum instance metadata service version is {version or 'unset (1)'}, not 2"]


def _notebook(check: Any) -> Any:
    return _typed((NOTEBOOK,), check)


CONTROLS: tuple[Control, ...] = (
    Control(
        "sagemaker.1-notebook-no-direct-internet",
        "SageMaker.1",
        "SageMaker.1: notebook instances have no direct internet access.",
        resource_check=_notebook(_direct_internet),
    ),
    Control(
        "sagemaker.2-notebook-in-vpc",
        "SageMaker.2",
        "SageMaker.2: notebook instances are launched in a VPC subnet with security groups.",
        resource_check=_notebook(_in_vpc),
    ),
    Control(
        "sagemaker.3-notebook-no-root",
        "SageMaker.3",
        "SageMaker.3: users have no root access to notebook instances.",
        resource_check=_notebook(_root_access),
    ),
    Control(
        "sagemaker.21-notebook-kms",
        "SageMaker.21",
        "SageMaker.21: notebook instances are encrypted with a customer managed KMS key.",
        resource_check=_notebook(_customer_key),
    ),
    Control(
        "sagemaker-notebook-imdsv2",
        "SageMaker notebook IMDSv2",
        "Notebook instances accept only IMDSv2 (minimum instance metadata service version 2).",
        resource_check=_notebook(_imds_v2),
    ),
)
