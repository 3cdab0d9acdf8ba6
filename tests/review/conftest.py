"""Fixtures for the review tests: the fixed artifact and the stacks' graphs recorded against it."""

from __future__ import annotations

import pytest

from review.fixture import write_fixed_artifact
from tests.review.graphs import Graphs


@pytest.fixture(scope="session")
def graphs(tmp_path_factory: pytest.TempPathFactory) -> Graphs:
    return Graphs(write_fixed_artifact(tmp_path_factory.mktemp("review-artifact")))
