"""CloudWatch Logs controls: the stack owns its log groups (retention, customer managed key), and every
SageMaker endpoint's log group exists in the stack before SageMaker would create it unencrypted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from offline import tokens
from policy.controls.base import ENDPOINT, Control, Resource, _of_type, _typed

LOG_GROUP = tokens.LOG_GROUP
ENDPOINT_LOG_GROUP_PREFIX = "/aws/sagemaker/Endpoints/"


def _log_group_kms_and_retention(type_token: str, props: Mapping[str, Any]) -> list[str]:
    problems = []
    if not props.get("kmsKeyId"):
        problems.append("kmsKeyId is not set: log events are encrypted with a key the account does not control")
    retention = props.get("retentionInDays")
    if not isinstance(retention, int | float) or retention <= 0:
        problems.append("retentionInDays is not set: log events are kept forever")
    return problems


def _endpoint_log_groups(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    groups = {r.props.get("name") for r in _of_type(resources, LOG_GROUP)}
    violations = []
    for endpoint in _of_type(resources, ENDPOINT):
        name = endpoint.props.get("name")
        expected = f"{ENDPOINT_LOG_GROUP_PREFIX}{name}"
        if name is not None and expected not in groups:
            violations.append(
                (
                    endpoint.urn,
                    f"endpoint {endpoint.name}: no log group {expected} in the stack; SageMaker would create it "
                    "with no retention and no customer managed key",
                )
            )
    return violations


CONTROLS: tuple[Control, ...] = (
    Control(
        "cloudwatch-log-group-kms-retention",
        "CloudWatch Logs encryption and retention (IaC scanner)",
        "Log groups are encrypted with a customer managed KMS key and have a retention period.",
        resource_check=_typed((LOG_GROUP,), _log_group_kms_and_retention),
    ),
    Control(
        "sagemaker-endpoint-log-group",
        "SageMaker endpoint logs (IaC scanner)",
        "Every SageMaker endpoint's log group /aws/sagemaker/Endpoints/<name> is created by the stack.",
        stack_check=_endpoint_log_groups,
    ),
)
