"""Fixtures for the monitoring tests: the project's one mock runtime, recording each component's children."""

from __future__ import annotations

import pytest

from offline.mocks import ComponentRecorder


@pytest.fixture
def mocks() -> ComponentRecorder:
    return ComponentRecorder()
