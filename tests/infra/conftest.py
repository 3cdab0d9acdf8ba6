"""Fixtures for the infra tests: a small artifact with a manifest, and plans of each stack."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from offline.graph import Plan
from offline.mocks import run_program
from tests.infra.fakes import write_artifact


@pytest.fixture(scope="session")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_artifact(tmp_path_factory.mktemp("artifact"))


PlanFor = Callable[..., Plan]


@pytest.fixture(scope="session")
def plan_for(artifact: Path) -> PlanFor:
    """Run the real program for a stack file under the recording mocks (cached per arguments)."""
    from infra.program import build

    cache: dict[str, Plan] = {}

    def _plan(stack: str, **overrides: Any) -> Plan:
        merged = {"mlops:artifact": str(artifact), **overrides}
        key = json.dumps([stack, merged], sort_keys=True, default=str)
        if key not in cache:
            cache[key] = run_program(stack, build, overrides=merged)
        return cache[key]

    return _plan
