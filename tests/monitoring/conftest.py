"""Fixtures for the monitoring tests."""

from __future__ import annotations

import pulumi
import pytest

from tests.monitoring.monitoring_mocks import RecordingMocks


@pytest.fixture
def mocks() -> RecordingMocks:
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="mlops", stack="test", preview=False)
    return recording
