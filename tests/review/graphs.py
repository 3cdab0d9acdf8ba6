"""Recorded and normalised graphs of the stack files, cached per session (shared by review and policy tests).

Every graph is recorded against the fixed artifact of ``review.fixture``, the one the committed
snapshots were generated from.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from offline.graph import Plan
from offline.plan import record
from review import snapshot


class Graphs:
    def __init__(self, artifact: Path) -> None:
        self.artifact = artifact
        self._plans: dict[str, Plan] = {}

    def plan(self, stack: str, **overrides: Any) -> Plan:
        """The recorded graph; callers must not mutate it (it is shared)."""
        key = json.dumps([stack, overrides], sort_keys=True)
        if key not in self._plans:
            self._plans[key] = record(stack, {snapshot.ARTIFACT_KEY: str(self.artifact), **overrides})
        return self._plans[key]

    def normalised(self, stack: str, **overrides: Any) -> dict[str, Any]:
        """A fresh copy of the normalised graph (safe to mutate)."""
        return copy.deepcopy(snapshot.normalise(self.plan(stack, **overrides), self.artifact.parent))
