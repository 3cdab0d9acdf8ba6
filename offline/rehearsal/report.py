"""The outcome of a rehearsal: what happened to each declared resource, and the read-back checks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from offline.graph import Plan
from offline.rehearsal.readback import Check

Outcome = Literal["created", "validated-not-emulated", "component"]
CREATED: Outcome = "created"
VALIDATED_NOT_EMULATED: Outcome = "validated-not-emulated"
COMPONENT: Outcome = "component"


@dataclass(frozen=True)
class ResourceOutcome:
    type: str
    name: str
    outcome: Outcome
    physical_id: str | None = None
    # Every request built for the resource (``service:Operation``), all validated against the model.
    operations: tuple[str, ...] = ()
    # Of those, the ones moto lacks: validated, not sent.
    not_emulated: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "outcome": self.outcome,
            "id": self.physical_id,
            "operations": list(self.operations),
            "notEmulated": list(self.not_emulated),
        }


@dataclass
class RehearsalReport:
    stack: str
    region: str
    endpoint_url: str
    outcomes: list[ResourceOutcome]
    outputs: dict[str, Any]
    plan: Plan
    checks: list[Check] = field(default_factory=list)

    def counts(self, outcome: Outcome) -> dict[str, int]:
        return dict(sorted(Counter(o.type for o in self.outcomes if o.outcome == outcome).items()))

    @property
    def created(self) -> dict[str, int]:
        return self.counts(CREATED)

    @property
    def not_emulated(self) -> list[ResourceOutcome]:
        return [o for o in self.outcomes if o.outcome == VALIDATED_NOT_EMULATED]

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if c.status == "failed"]

    @property
    def read_back_checks(self) -> list[Check]:
        """The checks that compared something the emulator answered: the count the rehearsal reports."""
        return [c for c in self.checks if c.read_back]

    @property
    def not_emulated_checks(self) -> list[Check]:
        return [c for c in self.checks if not c.read_back]

    @property
    def passed(self) -> bool:
        return bool(self.read_back_checks) and not self.failed_checks

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "region": self.region,
            "endpointUrl": self.endpoint_url,
            "passed": self.passed,
            "created": self.created,
            "validatedNotEmulated": [o.to_json() for o in self.not_emulated],
            "components": self.counts(COMPONENT),
            "resources": [o.to_json() for o in self.outcomes],
            "checks": [c.to_json() for c in self.checks],
            "outputs": self.outputs,
        }
