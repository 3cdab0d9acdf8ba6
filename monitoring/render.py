"""Render a CloudWatch dashboard body offline to a PNG, from a deterministic synthetic sample.

    python -m monitoring.render --out build/dashboard.png [--serverless] [--environment prod]

The layout is the body's own 24-column grid; each metric widget is plotted from synthetic data generated
from a fixed seed (the PNG title says so: it is a preview of the layout and units, never live data).
The alarm widget becomes a table of synthetic states.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: no display in CI or containers

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from monitoring.catalogue import alarm_catalogue, alarm_name, default_settings
from monitoring.dashboard import GRID_COLUMNS, dashboard_body
from monitoring.errors import MonitoringError

DEFAULT_SEED = 7
COLUMN_INCHES = 0.75
ROW_INCHES = 0.55
TITLE_INCHES = 0.6
DPI = 100
WINDOW_MINUTES = 180
_STATE_COLOURS = {"OK": "#2e7d32", "ALARM": "#c62828", "INSUFFICIENT_DATA": "#9e9e9e"}
_FAKE_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class RenderResult:
    path: Path
    width_px: int
    height_px: int
    drawn: tuple[str, ...]  # "<type>:<title>" of every widget drawn, in body order


def figure_size_inches(body: dict[str, Any]) -> tuple[float, float]:
    rows = max(w["y"] + w["height"] for w in body["widgets"])
    return GRID_COLUMNS * COLUMN_INCHES, rows * ROW_INCHES + TITLE_INCHES


class SyntheticSample:
    """Plausible, coherent series per (metric, statistic), reproducible from `seed`.

    One shared traffic curve drives invocations, per-instance load and concurrency, so metric-math
    widgets (Invocations ÷ InvocationsPerInstance) give a sensible instance count.
    """

    def __init__(self, seed: int, minutes: int = WINDOW_MINUTES) -> None:
        self.seed = seed
        self.minutes = minutes
        rng = np.random.default_rng(seed)
        t = np.arange(minutes)
        self.traffic = np.maximum(5.0, 300 + 120 * np.sin(t / 35.0) + rng.normal(0, 20, minutes))
        self.instances = np.where(t < minutes * 2 // 3, 2.0, 3.0)  # a scale-out two thirds in

    def _rng(self, *key: str) -> np.random.Generator:
        # crc32, not hash(): Python's str hash is salted per process and would break reproducibility.
        return np.random.default_rng(self.seed + zlib.crc32("/".join(key).encode()))

    def series(self, metric_name: str, stat: str, period: int = 60) -> tuple[np.ndarray, np.ndarray]:
        """(minutes relative to now, values) for one metric; NaN where CloudWatch would have no datapoint."""
        step = max(1, period // 60)
        x = np.arange(-self.minutes, 0, step, dtype=float)
        idx = np.arange(0, self.minutes, step)
        rng = self._rng(metric_name, stat)
        n = len(idx)
        traffic = self.traffic[idx] * step
        quantile = {"p50": 1.0, "p90": 1.7, "p99": 2.8}.get(stat, 1.0)
        values: np.ndarray
        if metric_name == "Invocations":
            values = traffic
        elif metric_name == "InvocationsPerInstance":
            values = traffic / self.instances[idx]
        elif metric_name == "Invocation4XXErrors":
            values = np.clip(rng.normal(0.006, 0.002, n), 0, 1)
        elif metric_name == "Invocation5XXErrors":
            values = np.clip(rng.normal(0.001, 0.0005, n), 0, 1)
            values[n // 2 : n // 2 + 4] = 0.02  # a short incident, to show what an error spike looks like
        elif metric_name == "ModelLatency":
            values = 12_000 * quantile * (1 + 0.1 * rng.standard_normal(n)) * (1 + traffic / traffic.max() / 4)
        elif metric_name == "OverheadLatency":
            values = 1_500 * quantile**1.5 * (1 + 0.1 * rng.standard_normal(n))
        elif metric_name == "CPUUtilization":
            values = 40 + 60 * traffic / traffic.max() / self.instances[idx] * 2 + rng.normal(0, 4, n)
        elif metric_name == "MemoryUtilization":
            values = 38 + rng.normal(0, 1.5, n)
        elif metric_name == "DiskUtilization":
            values = np.linspace(21, 23, n)
        elif metric_name == "ConcurrentRequestsPerModel":
            values = 1 + rng.poisson(traffic / traffic.max() * 3)
        elif metric_name == "ServerlessConcurrentExecutionsUtilization":
            values = np.clip(traffic / traffic.max() * 0.5 + rng.normal(0, 0.03, n), 0, 1)
        elif metric_name == "ModelSetupTime":
            # Most periods have no cold start, hence no datapoint; both statistics share the same periods.
            cold_rng = self._rng(metric_name, "cold-starts")
            cold = cold_rng.random(n) < 0.2
            counts = cold_rng.integers(1, 4, n).astype(float)
            setup = 3.5e6 * (1 + 0.2 * cold_rng.standard_normal(n))
            values = np.where(cold, counts if stat == "SampleCount" else setup, np.nan)
        else:
            values = np.abs(100 + np.cumsum(rng.normal(0, 5, n)))
        return x, values

    def alarm_state(self, alarm: str) -> str:
        # The synthetic series end within every threshold (the 5XX spike has recovered), so a state
        # drawn at random would contradict the plots above it.
        return "OK"


def _widget_rect(widget: dict[str, Any], fig_w: float, fig_h: float) -> tuple[float, float, float, float]:
    left = widget["x"] * COLUMN_INCHES / fig_w
    width = widget["width"] * COLUMN_INCHES / fig_w
    top = (TITLE_INCHES + widget["y"] * ROW_INCHES) / fig_h
    height = widget["height"] * ROW_INCHES / fig_h
    return left, 1 - top - height, width, height


def _inset(rect: tuple[float, float, float, float], fig_w: float, fig_h: float) -> tuple[float, float, float, float]:
    """Leave room inside the grid cell for the title, tick labels and axis labels."""
    left, bottom, width, height = rect
    pad_l, pad_r, pad_b, pad_t = 0.75 / fig_w, 0.55 / fig_w, 0.45 / fig_h, 0.4 / fig_h
    return left + pad_l, bottom + pad_b, width - pad_l - pad_r, height - pad_b - pad_t


def _draw_metric(ax: Axes, widget: dict[str, Any], sample: SyntheticSample) -> None:
    props = widget["properties"]
    period = int(props.get("period", 60))
    by_id: dict[str, np.ndarray] = {}
    x_axis = np.arange(-sample.minutes, 0, max(1, period // 60), dtype=float)
    right: Axes | None = None
    for entry in props["metrics"]:
        options: dict[str, Any] = entry[-1] if isinstance(entry[-1], dict) else {}
        if "expression" in options:
            x, values = x_axis, _evaluate(options["expression"], by_id)
            label = options.get("label", options["expression"])
        else:
            stat = options.get("stat", props["stat"])
            x, values = sample.series(entry[1], stat, period)
            label = options.get("label", f"{entry[1]} {stat}")
            if "id" in options:
                by_id[options["id"]] = values
        if options.get("visible") is False:
            continue
        target = ax
        if options.get("yAxis") == "right":
            right = right or ax.twinx()
            target = right
        colour = f"C{len(ax.lines) + (len(right.lines) if right is not None else 0)}"
        # Sparse series (gaps where CloudWatch has no datapoint) need markers, or nothing is visible.
        marker = "o" if np.isnan(values).any() else None
        target.plot(x, values, label=label, linewidth=1.2, color=colour, marker=marker, markersize=3)
    ax.set_title(props["title"], fontsize=9, loc="left")
    ax.set_xlabel("minutes ago", fontsize=7)
    label = props.get("yAxis", {}).get("left", {}).get("label")
    if label:
        ax.set_ylabel(label, fontsize=7)
    ax.tick_params(labelsize=7)
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)  # µs values must read as written
    ax.set_xlim(-sample.minutes, 0)
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if right is not None:
        right.tick_params(labelsize=7)
        right.ticklabel_format(axis="y", style="plain", useOffset=False)
        more_handles, more_labels = right.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.legend(handles, labels, fontsize=6, loc="upper left", framealpha=0.7)


def _evaluate(expression: str, by_id: dict[str, np.ndarray]) -> np.ndarray:
    """The dashboard's only metric math is a ratio `mA/mB`; anything else is a renderer limitation."""
    numerator, _, denominator = expression.partition("/")
    if numerator not in by_id or denominator not in by_id:
        raise MonitoringError(f"the renderer only evaluates 'id/id' expressions over known ids (got {expression!r})")
    with np.errstate(divide="ignore", invalid="ignore"):
        result: np.ndarray = by_id[numerator] / by_id[denominator]
    return result


def _draw_text(ax: Axes, widget: dict[str, Any]) -> None:
    text = widget["properties"]["markdown"].replace("## ", "").replace("**", "")
    ax.axis("off")
    ax.text(0.005, 0.5, text, fontsize=9, va="center", ha="left", wrap=True, transform=ax.transAxes)


def _draw_alarms(ax: Axes, widget: dict[str, Any], sample: SyntheticSample) -> None:
    names = [arn.split(":alarm:", 1)[-1] for arn in widget["properties"]["alarms"]]
    states = [sample.alarm_state(n) for n in names]
    ax.axis("off")
    ax.set_title(widget["properties"]["title"] + " (synthetic states)", fontsize=9, loc="left")
    half = (len(names) + 1) // 2
    columns = [
        list(zip(names[:half], states[:half], strict=True)),
        list(zip(names[half:], states[half:], strict=True)),
    ]
    rows = [a + b for a, b in zip(columns[0], columns[1] + [("", "")] * (half - len(columns[1])), strict=True)]
    table = ax.table(
        cellText=rows,
        colLabels=["Alarm", "State", "Alarm", "State"],
        colWidths=[0.36, 0.14, 0.36, 0.14],
        loc="upper center",
        cellLoc="left",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (row, col), cell in table.get_celld().items():
        if row > 0 and col % 2 == 1:
            state = cell.get_text().get_text()
            cell.get_text().set_color(_STATE_COLOURS.get(state, "black"))
            cell.get_text().set_fontweight("bold")


def render_dashboard(body: dict[str, Any], out: Path, *, title: str, seed: int = DEFAULT_SEED) -> RenderResult:
    """Draw every widget of `body` at its grid position into `out` (PNG)."""
    sample = SyntheticSample(seed)
    fig_w, fig_h = figure_size_inches(body)
    fig: Figure = plt.figure(figsize=(fig_w, fig_h), dpi=DPI)
    drawn: list[str] = []
    try:
        fig.suptitle(f"{title} (synthetic sample, seed {seed}; not live data)", fontsize=12, y=1 - 0.2 / fig_h)
        for widget in body["widgets"]:
            rect = _widget_rect(widget, fig_w, fig_h)
            frame = fig.add_axes(rect)  # the grid cell, like the console's widget border
            frame.set_xticks([])
            frame.set_yticks([])
            for spine in frame.spines.values():
                spine.set_color("#d0d0d0")
            kind = widget["type"]
            if kind == "metric":
                _draw_metric(fig.add_axes(_inset(rect, fig_w, fig_h)), widget, sample)
                drawn.append(f"metric:{widget['properties']['title']}")
            elif kind == "alarm":
                _draw_alarms(fig.add_axes(_inset(rect, fig_w, fig_h)), widget, sample)
                drawn.append(f"alarm:{widget['properties']['title']}")
            elif kind == "text":
                _draw_text(frame, widget)
                drawn.append("text:" + widget["properties"]["markdown"].splitlines()[0].lstrip("# "))
            else:
                raise MonitoringError(f"the renderer does not know widget type {kind!r}")
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=DPI, format="png")
    finally:
        plt.close(fig)
    return RenderResult(out, round(fig_w * DPI), round(fig_h * DPI), tuple(drawn))


def example_body(
    *,
    endpoint_name: str,
    variant_name: str,
    region: str,
    environment: str,
    serverless: bool,
    instance_type: str,
) -> dict[str, Any]:
    """The dashboard body a stack would get, with alarm ARNs built from the catalogue (fake account)."""
    settings = default_settings(
        environment,  # type: ignore[arg-type]  # validated by MonitoringSettings
        serverless=serverless,
        instance_type=None if serverless else instance_type,
    )
    arns = [
        f"arn:aws:cloudwatch:{region}:{_FAKE_ACCOUNT}:alarm:{alarm_name(endpoint_name, spec)}"
        for spec in alarm_catalogue(settings)
    ]
    return dashboard_body(endpoint_name, variant_name, region, arns, serverless)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitoring.render", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="PNG to write, e.g. build/dashboard.png")
    parser.add_argument("--endpoint-name", default="sagemaker-mlops-prod")
    parser.add_argument("--variant-name", default="primary")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--environment", choices=["dev", "staging", "prod"], default="prod")
    parser.add_argument("--serverless", action="store_true", help="render the serverless layout")
    parser.add_argument("--instance-type", default="ml.m5.large", help="realtime only; scales the CPU alarm")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    try:
        body = example_body(
            endpoint_name=args.endpoint_name,
            variant_name=args.variant_name,
            region=args.region,
            environment=args.environment,
            serverless=args.serverless,
            instance_type=args.instance_type,
        )
        result = render_dashboard(body, args.out, title=f"{args.endpoint_name} dashboard", seed=args.seed)
    except MonitoringError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print(f"wrote {result.path} ({result.width_px}x{result.height_px} px, {len(result.drawn)} widgets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
