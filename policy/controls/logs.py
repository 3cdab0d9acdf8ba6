"""CloudWatch Logs controls: every SageMaker endpoint's log group exists in the stack before SageMaker would
create it unencrypted. Retention and the customer managed key of every log group (this one included) are
CloudWatch.16 (``policy.controls.applications``)."""

from __future__ import annotations

from collections.abc import Sequence

from offline import tokens
from policy.controls.base import ENDPOINT, Control, Resource, _of_type

LOG_GROUP = tokens.LOG_GROUP
ENDPOINT_LOG_GROUP_PREFIX = "/aws/sagemaker/Endpoints/"


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
        "sagemaker-endpoint-log-group",
        "SageMaker endpoint logs (IaC scanner)",
        "Every SageMaker endpoint's log group /aws/sagemaker/Endpoints/<name> is created by the stack.",
        stack_check=_endpoint_log_groups,
    ),
)
