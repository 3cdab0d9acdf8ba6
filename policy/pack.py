"""The controls of ``policy.controls`` as CrossGuard policies (pulumi-policy's Python SDK)."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.controls import CONTROLS, Control, Resource

PACK_NAME = "sagemaker-mlops-controls"


def stack_resource(resource: PolicyResource) -> Resource:
    """A CrossGuard stack resource (its outputs) in the controls' terms, with its property dependencies,
    which the engine knows during preview, when most names and ARNs are not."""
    return Resource(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        props=resource.props,
        property_dependencies={k: tuple(d.urn for d in v) for k, v in resource.property_dependencies.items()},
    )


def as_policy(control: Control) -> Policy:
    """One mandatory CrossGuard policy per control: a violation fails `pulumi preview` and `pulumi up`."""
    resource_check, stack_check = control.resource_check, control.stack_check
    if resource_check is not None and stack_check is None:

        def validate_resource(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            for message in resource_check(args.resource_type, args.props):
                report_violation(message, None)

        return ResourceValidationPolicy(
            name=control.name,
            description=control.description,
            validate=validate_resource,
            enforcement_level=EnforcementLevel.MANDATORY,
        )
    if stack_check is not None and resource_check is None:

        def validate_stack(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            for urn, message in stack_check([stack_resource(r) for r in args.resources]):
                report_violation(message, urn)

        return StackValidationPolicy(
            name=control.name,
            description=control.description,
            validate=validate_stack,
            enforcement_level=EnforcementLevel.MANDATORY,
        )
    raise ValueError(f"control {control.name} must have exactly one of resource_check, stack_check")


def build_policies() -> list[Policy]:
    return [as_policy(control) for control in CONTROLS]
