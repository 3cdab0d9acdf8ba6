"""The registry's pure builders: the group's name and the EventBridge pattern of its approval events."""

from __future__ import annotations

from typing import Any

# SageMaker emits this event on the default bus when a version is created or its approval status changes.
STATE_CHANGE = "SageMaker Model Package State Change"


def group_name(prefix: str) -> str:
    """One group per stack, named after it: the registry command and the resolver find it by this name."""
    return f"{prefix}-models"


def approval_event_pattern(group: str) -> dict[str, Any]:
    """Every state change of a version in ``group`` (registered, approved, rejected)."""
    return {
        "source": ["aws.sagemaker"],
        "detail-type": [STATE_CHANGE],
        "detail": {"ModelPackageGroupName": [group]},
    }
