"""The recorded resource graph: what the engine would receive for each resource, plus the stack outputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

# How the engine's wire format marks a secret value: {SIG: SECRET_SIG, "value": ...}.
_SIG = pulumi.runtime.rpc._special_sig_key
_SECRET_SIG = pulumi.runtime.rpc._special_secret_sig
SECRET_MASK = "[secret]"


def is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(_SIG) == _SECRET_SIG


def reveal(value: Any) -> Any:
    """``value`` with every secret unwrapped (for the emulator, which must receive the real request)."""
    if is_secret(value):
        return reveal(value["value"])
    if isinstance(value, Mapping):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [reveal(v) for v in value]
    return value


def jsonable(value: Any) -> Any:
    """A JSON-able copy of a registered value; secrets are masked, so no export or snapshot holds one."""
    if is_secret(value):
        return SECRET_MASK
    if isinstance(value, pulumi.FileAsset):
        return {"__asset": "file", "path": str(value.path)}
    if isinstance(value, pulumi.asset.Asset | pulumi.asset.Archive):
        return {"__asset": type(value).__name__}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@dataclass
class RecordedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    dependencies: list[str]
    custom: bool
    protect: bool
    retain_on_delete: bool
    inputs: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "dependencies": sorted(self.dependencies),
            "custom": self.custom,
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "inputs": jsonable(self.inputs),
        }


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[RecordedResource]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> RecordedResource:
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_token} {name or ''}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> RecordedResource:
        for resource in self.resources:
            if resource.urn == urn:
                return resource
        raise LookupError(urn)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_json() for r in self.resources],
            "outputs": jsonable(self.outputs),
        }
