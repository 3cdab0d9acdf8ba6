"""The load test's sizing arithmetic and guards (the ramp itself is a bench script: timings are not tested).

Cannot prove the measured RPS means anything for a real instance; it only checks how a measurement
becomes a target-tracking value and which stack value it is compared with.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import load_test
from bench.load_test import Step


def step(concurrency: int, ok: int, errors: int, p95: float) -> Step:
    return Step(concurrency, ok + errors, errors, 1.0, p95 / 2, p95)


@pytest.mark.parametrize(("rps", "safety", "target"), [(100.0, 0.5, 3000.0), (20.0, 0.5, 600.0), (10.0, 1.0, 600.0)])
def test_target_value_is_rps_times_60_times_safety(rps: float, safety: float, target: float) -> None:
    assert load_test.target_value(rps, safety) == target


@pytest.mark.parametrize(
    ("steps", "best"),
    [
        ([step(1, 40, 0, 20), step(2, 90, 0, 30), step(4, 120, 0, 39)], 120.0),
        ([step(1, 40, 0, 20), step(2, 90, 0, 30), step(4, 150, 0, 41)], 90.0),  # latency doubled
        ([step(1, 40, 0, 20), step(2, 90, 1, 30)], 40.0),  # errors above 1 %
        ([step(1, 40, 0, 20), step(2, 80, 0, 30), step(4, 70, 0, 35)], 80.0),  # saturated: best, not last
        ([step(1, 0, 5, 20)], None),
        ([], None),
    ],
)
def test_max_sustainable_rps(steps: list[Step], best: float | None) -> None:
    assert load_test.max_sustainable_rps(steps, latency_factor=2.0, max_error_rate=0.01) == best


def test_configured_target_from_the_stack_files(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    assert load_test.configured_target(root / "Pulumi.prod.yaml") == 600.0
    assert load_test.configured_target(root / "Pulumi.dev.yaml") is None
    bare = tmp_path / "Pulumi.x.yaml"
    bare.write_text("config:\n  mlops:endpoint:\n    type: realtime\n")
    assert load_test.configured_target(bare) == load_test.DEFAULT_TARGET


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:8080"])
def test_loopback_urls_are_accepted(url: str) -> None:
    assert load_test.loopback_url(url) == url


def test_other_urls_are_refused_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_test.main(["--url", "http://10.0.0.1:8080"]) == 2
    assert capsys.readouterr().err == (
        "error: --url 'http://10.0.0.1:8080' is not a loopback address; "
        "load-test a real endpoint with --endpoint-name\n"
    )
