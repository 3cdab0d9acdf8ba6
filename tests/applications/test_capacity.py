"""Reserved concurrency of the scoring function, derived from the endpoint's capacity (pure arithmetic)."""

from __future__ import annotations

import pytest

from functions.capacity import endpoint_concurrency, reserved_concurrency


@pytest.mark.parametrize(
    ("kwargs", "capacity", "reserved"),
    [
        ({"serverless": True, "max_concurrency": 5}, 5, 2),  # dev: maxConcurrency 5
        ({"serverless": False, "max_instances": 6, "concurrency_per_instance": 4}, 24, 12),  # prod: max 6
        ({"serverless": False, "max_instances": 2, "concurrency_per_instance": 1}, 2, 1),
        ({"serverless": True, "max_concurrency": 1}, 1, 1),  # never 0: a 0 would stop the function
    ],
)
def test_reserved_is_half_the_endpoint_capacity(kwargs: dict[str, int], capacity: int, reserved: int) -> None:
    assert endpoint_concurrency(**kwargs) == capacity  # type: ignore[arg-type]
    assert reserved_concurrency(capacity) == reserved


@pytest.mark.parametrize(
    "kwargs",
    [
        {"serverless": True},
        {"serverless": False, "max_instances": 2},
        {"serverless": False, "concurrency_per_instance": 2},
    ],
)
def test_capacity_needs_its_inputs(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"needs"):
        endpoint_concurrency(**kwargs)  # type: ignore[arg-type]


def test_share_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"^share must be in \(0, 1\], got 1.5$"):
        reserved_concurrency(10, 1.5)
