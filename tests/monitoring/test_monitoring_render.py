"""The offline PNG renderer: size follows the grid, every widget is drawn, the sample is reproducible.

It cannot prove the picture is pleasant to read; that was checked by eye (see the report).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from monitoring.render import SyntheticSample, example_body, figure_size_inches, main, render_dashboard


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _body(serverless: bool) -> dict:  # type: ignore[type-arg]
    return example_body(
        endpoint_name="penguins-prod",
        variant_name="AllTraffic",
        region="us-east-1",
        environment="prod",
        serverless=serverless,
        instance_type="ml.m5.large",
    )


@pytest.mark.parametrize(
    ("serverless", "size", "widgets"),
    [
        (
            False,
            (1800, 1380),
            [
                "text:penguins-prod / AllTraffic (realtime, us-east-1)",
                "metric:Invocations (per minute)",
                "metric:Error rates (4XX / 5XX)",
                "metric:ModelLatency p50 / p90 / p99 (µs)",
                "metric:OverheadLatency p50 / p99 (µs)",
                "metric:Instances in service (≈ Invocations ÷ InvocationsPerInstance)",
                "metric:CPUUtilization (% summed over vCPUs)",
                "metric:Memory / disk utilisation (%)",
                "metric:ConcurrentRequestsPerModel (10 s resolution)",
                "alarm:Alarm status",
            ],
        ),
        (
            True,
            (1800, 1050),
            [
                "text:penguins-prod / AllTraffic (serverless, us-east-1)",
                "metric:Invocations (per minute)",
                "metric:Error rates (4XX / 5XX)",
                "metric:ModelLatency p50 / p90 / p99 (µs)",
                "metric:OverheadLatency p50 / p99 (µs)",
                "metric:Concurrency utilisation (of MaxConcurrency)",
                "metric:ModelSetupTime: cold starts (µs)",
                "alarm:Alarm status",
            ],
        ),
    ],
)
def test_png_has_the_grid_size_and_every_widget(
    tmp_path: Path, serverless: bool, size: tuple[int, int], widgets: list[str]
) -> None:
    body = _body(serverless)
    result = render_dashboard(body, tmp_path / "out" / "dashboard.png", title="t")
    assert result.path.is_file()
    assert _png_size(result.path) == size == (result.width_px, result.height_px)
    assert list(result.drawn) == widgets
    assert len(result.drawn) == len(body["widgets"])
    width_in, height_in = figure_size_inches(body)
    assert (round(width_in * 100), round(height_in * 100)) == size


def test_cli_writes_the_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "build" / "dashboard.png"
    assert main(["--out", str(out), "--serverless", "--environment", "dev"]) == 0
    assert _png_size(out) == (1800, 1050)
    assert capsys.readouterr().out == f"wrote {out} (1800x1050 px, 8 widgets)\n"


def test_cli_reports_a_bad_instance_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path / "x.png"), "--instance-type", "ml.m5.huge"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown SageMaker instance type 'ml.m5.huge'")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    ("metric", "stat"), [("Invocations", "Sum"), ("ModelLatency", "p99"), ("ModelSetupTime", "Maximum")]
)
def test_synthetic_sample_is_reproducible_from_the_seed(metric: str, stat: str) -> None:
    first = SyntheticSample(7).series(metric, stat)[1]
    again = SyntheticSample(7).series(metric, stat)[1]
    other = SyntheticSample(8).series(metric, stat)[1]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other, equal_nan=True)


def test_synthetic_latency_percentiles_are_ordered() -> None:
    sample = SyntheticSample(7)
    p50, p90, p99 = (sample.series("ModelLatency", p)[1] for p in ("p50", "p90", "p99"))
    assert float(np.mean(p50)) < float(np.mean(p90)) < float(np.mean(p99))
