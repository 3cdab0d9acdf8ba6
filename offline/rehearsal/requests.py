"""Pulumi resource inputs -> AWS API requests, shaped and validated by botocore's service model.

The pulumi-aws provider is bridged from the Terraform AWS provider, whose arguments mostly mirror the
AWS API: ``productionVariants[].initialInstanceCount`` is ``ProductionVariants[].InitialInstanceCount``.
``api_params`` walks the operation's input shape and maps each camelCase input key to the member with
the same name ignoring case, recursively through structures, lists and maps (map keys are data and
stay as they are). A key with no counterpart raises ``UnmappedInputError`` naming it: a provider argument
the rehearsal does not know how to send must never be dropped silently. Where the provider renames or
splits things (``name`` -> ``ModelName``, a tags map -> a list of Key/Value pairs), the caller passes
explicit ``renames``; arguments that only steer the provider (``forceDestroy``) are declared in
``provider_only`` with the reason.

``validate`` runs botocore's parameter validation on the final request, the same check a boto3 call
makes before anything is sent: unknown members, wrong types, missing required members and out-of-range
lengths are reported with the field's path.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from botocore.validate import ParamValidator

# Members of a tag structure, by service: most use Key/Value, KMS uses TagKey/TagValue.
_TAG_KEY_MEMBERS = ("Key", "TagKey")
_TAG_VALUE_MEMBERS = ("Value", "TagValue")


class RehearsalError(Exception):
    """Base of the rehearsal's errors; each message is one line naming the resource and the cause."""


class UnsupportedResourceTypeError(RehearsalError):
    def __init__(self, type_token: str, name: str) -> None:
        self.type_token = type_token
        super().__init__(
            f"unsupported resource type {type_token} ({name}): the rehearsal has no handler for it; "
            "add one in offline/rehearsal/services/"
        )


class UnmappedInputError(RehearsalError):
    """A resource input has no counterpart in the API request the rehearsal builds."""


class RequestRejectedError(RehearsalError):
    """botocore's validation (the AWS API model) rejected a request built from the program's inputs."""

    def __init__(self, where: str, operation: str, report: str) -> None:
        self.where = where
        self.operation = operation
        self.report = report
        super().__init__(f"{where}: {operation} rejected by the AWS API model: {' / '.join(report.splitlines())}")


class EmulatorRejectedError(RehearsalError):
    """The emulator (moto) refused a request that passed the API model: a semantic error."""


@cache
def operation_model(service: str, operation: str) -> OperationModel:
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(operation)


def validate(service: str, operation: str, params: Mapping[str, Any], where: str) -> None:
    """Raise ``RequestRejectedError`` unless ``params`` is a valid ``service:operation`` request."""
    shape = operation_model(service, operation).input_shape
    try:
        report = ParamValidator().validate(dict(params), shape)
    except ParamValidationError as exc:  # pragma: no cover - validate() reports, it does not raise
        raise RequestRejectedError(where, f"{service}:{operation}", str(exc)) from None
    if report.has_errors():
        raise RequestRejectedError(where, f"{service}:{operation}", report.generate_report())


def api_params(
    service: str,
    operation: str,
    inputs: Mapping[str, Any],
    *,
    where: str,
    renames: Mapping[str, str] | None = None,
    provider_only: Mapping[str, str] | None = None,
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Map ``inputs`` (camelCase, as the engine receives them) onto ``service:operation``'s request.

    ``renames``: input key -> exact API member name, where the provider names it differently.
    ``provider_only``: input key -> why it has no API counterpart (steers the provider, e.g. on delete).
    ``skip``: input keys the caller sends through another operation.
    """
    shape = operation_model(service, operation).input_shape
    renames = renames or {}
    provider_only = provider_only or {}
    params: dict[str, Any] = {}
    for key, value in inputs.items():
        if value is None or key in provider_only or key in skip:
            continue
        if key in renames:
            member = renames[key]
            if member not in shape.members:
                raise UnmappedInputError(f"{where}: {service}:{operation} has no member {member} (renamed from {key})")
        else:
            member = _member(shape, key, f"{where}: input {key}", f"{service}:{operation}")
        params[member] = convert(value, shape.members[member], f"{where}: input {key}")
    return params


def convert(value: Any, shape: Shape, where: str) -> Any:
    """Convert one input value to the API's form for ``shape`` (see the module docstring)."""
    if isinstance(shape, StructureShape):
        if not isinstance(value, Mapping):
            # Wrong-typed values pass through unchanged: botocore's validation names them.
            return value
        result: dict[str, Any] = {}
        for key, item in value.items():
            if item is None:
                continue
            member = _member(shape, key, f"{where}.{key}", shape.name)
            result[member] = convert(item, shape.members[member], f"{where}.{key}")
        return result
    if isinstance(shape, ListShape):
        if isinstance(value, Mapping) and _is_tag_list(shape):
            return tag_list(value, shape)
        if not isinstance(value, list | tuple):
            return value
        return [convert(item, shape.member, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(shape, MapShape):
        if not isinstance(value, Mapping):
            return value
        return {key: convert(item, shape.value, f"{where}.{key}") for key, item in value.items()}
    if shape.type_name in ("integer", "long") and isinstance(value, float) and value.is_integer():
        # The engine's wire format carries every number as a double; the provider converts whole
        # numbers to the schema's integer type. A fractional value stays a float, and validation
        # rejects it with the field named.
        return int(value)
    return value


def tag_list(tags: Mapping[str, Any], shape: ListShape) -> list[dict[str, Any]]:
    """A Pulumi tags map as the API's list of tag structures (``Key``/``Value`` or ``TagKey``/``TagValue``)."""
    member = shape.member
    assert isinstance(member, StructureShape)
    key_name = next(m for m in _TAG_KEY_MEMBERS if m in member.members)
    value_name = next(m for m in _TAG_VALUE_MEMBERS if m in member.members)
    return [{key_name: key, value_name: value} for key, value in tags.items()]


def _is_tag_list(shape: ListShape) -> bool:
    member = shape.member
    return (
        isinstance(member, StructureShape)
        and any(m in member.members for m in _TAG_KEY_MEMBERS)
        and any(m in member.members for m in _TAG_VALUE_MEMBERS)
    )


def _member(shape: StructureShape, key: str, where: str, owner: str) -> str:
    members = _members_by_lower_name(shape)
    found = members.get(key.lower())
    if found is None:
        raise UnmappedInputError(
            f"{where} has no counterpart in {owner} (members: {', '.join(shape.members)}); "
            "map it explicitly in offline/rehearsal/services/"
        )
    return found


def _members_by_lower_name(shape: StructureShape) -> dict[str, str]:
    return {name.lower(): name for name in shape.members}
