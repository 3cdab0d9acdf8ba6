"""Fixtures of the emulator tests: one moto server per session, each stack rehearsed at most once.

moto's state is process-wide (every in-process server shares its backends), so nothing here resets
the emulator: stacks have distinct resource names and each is rehearsed once per session. Tests that
need a reset (the CLI's) run in a subprocess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from offline.emulator import Emulator
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.runner import rehearse
from tests.infra.fakes import write_artifact

Rehearsed = Callable[[str], RehearsalReport]


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture(scope="session")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_artifact(tmp_path_factory.mktemp("emulator-artifact"))


@pytest.fixture(scope="session")
def rehearsed(emulator: Emulator, artifact: Path) -> Rehearsed:
    """The rehearsal report of a stack against the session's emulator (rehearsed once, then cached)."""
    reports: dict[str, RehearsalReport] = {}

    def _rehearsed(stack: str) -> RehearsalReport:
        if stack not in reports:
            reports[stack] = rehearse(stack, artifact=artifact, endpoint_url=emulator.url)
        return reports[stack]

    return _rehearsed
