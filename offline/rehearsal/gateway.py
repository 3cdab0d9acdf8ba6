"""What a resource handler works with: the resource as the engine registered it, and the gateway to AWS.

A handler receives the resource (type, logical name, camelCase inputs) and a ``Gateway`` that
validates each request against botocore's model and sends it to the emulator (or, where moto lacks
the operation, only validates it). It returns the physical id and the state the AWS provider would
report (ids, ARNs and names as the API returned them), which the engine hands to every resource that
references this one. Most inputs map onto the API generically (``requests.api_params``); handler code
exists only where the provider splits one resource over several calls or renames an argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from offline.mocks import autoname
from offline.rehearsal.requests import EmulatorRejectedError

State = dict[str, Any]


class Gateway(Protocol):
    region: str
    account_id: str

    def send(self, service: str, operation: str, params: Mapping[str, Any], where: str) -> dict[str, Any] | None:
        """Validate, then create through the emulator; ``None`` when moto lacks the operation."""
        ...

    def read(self, service: str, operation: str, params: Mapping[str, Any], where: str) -> dict[str, Any]:
        """A read-only call the emulator must answer (describe/list)."""
        ...


@dataclass(frozen=True)
class Declared:
    """A custom resource as the engine registered it."""

    type: str
    name: str
    inputs: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"{self.type} {self.name}"

    def physical_name(self, key: str = "name") -> str:
        """The given name, or Pulumi's auto-name ``<logical>-<7 hex>`` when the program set none."""
        given = self.inputs.get(key)
        return str(given) if given else autoname(self.name, self.inputs)

    def state(self, **extra: Any) -> State:
        return {**self.inputs, **extra}


Handler = Callable[[Gateway, Declared], tuple[str, State]]


def emulated(response: dict[str, Any] | None, r: Declared, operation: str) -> dict[str, Any]:
    """A response the handler needs (an id AWS generates); without it the rehearsal cannot go on."""
    if response is None:
        raise EmulatorRejectedError(f"{r.where}: {operation} is needed for the generated id, and moto lacks it")
    return response


def arn_of(gw: Gateway, service: str, resource: str) -> str:
    """An ARN in AWS's format, where no API response carries one (e.g. moto lacks the operation)."""
    return f"arn:aws:{service}:{gw.region}:{gw.account_id}:{resource}"
