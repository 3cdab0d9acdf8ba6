"""The security and reliability controls, as plain functions over resource types and properties.

Both enforcement paths call these functions: the CrossGuard pack (``policy/__main__.py``, run by
``pulumi preview/up --policy-pack policy``) and the offline checker (``python -m policy.check``) over the
graph the mock runtime records. Properties are the pulumi-aws names the engine sees, camelCase in both
paths: the Python SDK translates ``server_side_encryption`` to ``serverSideEncryption`` before it
registers a resource, and the engine hands analyzers exactly those registered inputs (pulumi
``pkg/resource/deploy/step_generator.go`` builds ``AnalyzerResource{Properties: inputs}``).

Two kinds of control:

- resource controls look at one resource's inputs (CrossGuard ``ResourceValidationPolicy``);
- stack controls look at the whole graph (CrossGuard ``StackValidationPolicy``, which sees outputs), for
  rules about resources that configure another one: pulumi-aws 7 models a bucket's public access block,
  policy, logging, lifecycle, ownership, versioning and encryption as separate resources.

A stack control links a companion to its bucket through the engine's property dependencies when it has
them (known during ``pulumi preview``) and otherwise by value (the offline checker, whose mock state has
every name). This module deliberately imports nothing from ``infra``: a policy that reuses the code it
checks cannot catch that code's mistakes.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy.controls import (
    applications,
    comprehend,
    iam,
    logs,
    network,
    notebook,
    platform,
    registry,
    replication,
    s3,
    sagemaker,
)
from policy.controls.base import TAGGABLE, Control, Resource, Violation

__all__ = ["CONTROLS", "TAGGABLE", "Control", "Resource", "Violation", "evaluate"]

# One module per area; the order is the pack's (policy names carry their control ids).
CONTROLS: tuple[Control, ...] = (
    *s3.CONTROLS,
    *sagemaker.CONTROLS,
    *iam.CONTROLS,
    *platform.CONTROLS,
    *registry.CONTROLS,
    *applications.CONTROLS,
    *comprehend.CONTROLS,
)
CONTROLS += logs.CONTROLS + notebook.CONTROLS + network.CONTROLS + replication.CONTROLS


def evaluate(
    inputs: Sequence[Resource], outputs: Sequence[Resource], controls: Sequence[Control] = CONTROLS
) -> list[Violation]:
    """Every violation of ``controls``: resource checks over each resource's inputs, stack checks over
    the outputs, as CrossGuard runs them (``ResourceValidationPolicy`` / ``StackValidationPolicy``)."""
    violations: list[Violation] = []
    for control in controls:
        if control.resource_check is not None:
            for resource in inputs:
                violations += [
                    Violation(control.name, resource.urn, m)
                    for m in control.resource_check(resource.type, resource.props)
                ]
        if control.stack_check is not None:
            violations += [Violation(control.name, urn, m) for urn, m in control.stack_check(outputs)]
    return violations
