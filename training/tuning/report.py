"""The tuning report both executors end with: a table of trials and one PNG.

The table (``trials.md``, ``trials.csv``, and ``tuning.json`` with everything) lists each trial's tuned
hyperparameters, objective, duration and status. The PNG shows the objective per trial with the best so
far, and the objective against each tuned hyperparameter.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .space import CategoricalRange, SearchSpace

PNG = "tuning.png"
MARKDOWN = "trials.md"
CSV = "trials.csv"
JSON = "tuning.json"


@dataclass(frozen=True)
class Trial:
    """One training job of a search: a local trial or a SageMaker training job of the tuning job."""

    number: int
    name: str
    hyperparameters: dict[str, str]
    status: str  # SageMaker's TrainingJobStatus vocabulary: Completed, Failed, Stopped, InProgress
    objective: float | None
    duration_seconds: float | None
    failure_reason: str | None
    directory: Path | None = None


def _objective_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.6f}"


def _duration_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table_rows(trials: Sequence[Trial], parameters: Sequence[str], best: Trial | None) -> list[list[str]]:
    header = ["trial", *parameters, "objective", "duration_s", "status", "best"]
    rows = [header]
    for trial in trials:
        rows.append(
            [
                trial.name,
                *(trial.hyperparameters.get(name, "-") for name in parameters),
                _objective_text(trial.objective),
                _duration_text(trial.duration_seconds),
                trial.status if trial.failure_reason is None else f"{trial.status}: {trial.failure_reason}",
                "*" if best is not None and trial.name == best.name else "",
            ]
        )
    return rows


def markdown(rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    header, *body = rows
    return "\n".join([line(header), line(["---"] * len(header)), *(line(row) for row in body)]) + "\n"


def write(
    out: Path,
    space: SearchSpace,
    trials: Sequence[Trial],
    best: Trial | None,
    baseline: Trial | None = None,
    extra: dict[str, object] | None = None,
) -> dict[str, Path]:
    """Write the table, the JSON summary and the PNG into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    parameters = list(space.parameters)
    rows = table_rows(trials, parameters, best)
    (out / MARKDOWN).write_text(markdown(rows), encoding="utf-8")
    with (out / CSV).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    def as_dict(trial: Trial | None) -> dict[str, object] | None:
        if trial is None:
            return None
        return {
            "name": trial.name,
            "hyperparameters": trial.hyperparameters,
            "status": trial.status,
            "objective": trial.objective,
            "duration_seconds": trial.duration_seconds,
            "failure_reason": trial.failure_reason,
        }

    summary: dict[str, object] = {
        "objective": {"metric": space.objective.metric, "type": space.objective.type},
        "strategy": space.strategy,
        "trials": [as_dict(trial) for trial in trials],
        "best": as_dict(best),
        "baseline": as_dict(baseline),
        **(extra or {}),
    }
    (out / JSON).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    plot(out / PNG, space, trials, baseline)
    return {"markdown": out / MARKDOWN, "csv": out / CSV, "json": out / JSON, "png": out / PNG}


def best_so_far(trials: Sequence[Trial], maximize: bool) -> list[float | None]:
    """Running best objective over Completed trials, in trial order (None until the first one)."""
    running: list[float | None] = []
    best: float | None = None
    for trial in trials:
        if trial.status == "Completed" and trial.objective is not None:
            better = best is None or (trial.objective > best if maximize else trial.objective < best)
            best = trial.objective if better else best
        running.append(best)
    return running


def plot(path: Path, space: SearchSpace, trials: Sequence[Trial], baseline: Trial | None) -> None:
    import matplotlib

    matplotlib.use("Agg")  # headless: workstations over SSH, CI
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    parameters = list(space.parameters)
    columns = 2
    rows = 1 + math.ceil(len(parameters) / columns)
    figure = plt.figure(figsize=(11, 3.4 * rows), layout="constrained")
    grid = figure.add_gridspec(rows, columns)
    metric = space.objective.metric
    maximize = space.objective.type == "Maximize"

    ok = [t for t in trials if t.status == "Completed" and t.objective is not None]
    failed = [t for t in trials if t not in ok]
    scores = [float(t.objective or 0.0) for t in ok]
    top = figure.add_subplot(grid[0, :])
    top.scatter([t.number + 1 for t in ok], scores, color="tab:blue", label="trial", zorder=3)
    scored_failures = [t for t in failed if t.objective is not None]
    if scored_failures:
        top.scatter(
            [t.number + 1 for t in scored_failures],
            [float(t.objective or 0.0) for t in scored_failures],
            color="tab:red",
            marker="x",
            label="failed (objective logged)",
            zorder=3,
        )
    running = best_so_far(trials, maximize)
    steps = [(t.number + 1, value) for t, value in zip(trials, running, strict=True) if value is not None]
    if steps:
        top.step([x for x, _ in steps], [y for _, y in steps], where="post", color="tab:green", label="best so far")
    if baseline is not None and baseline.objective is not None:
        top.axhline(baseline.objective, color="grey", linestyle="--", label=f"untuned default {baseline.objective:.4f}")
    top.set_xlabel("trial")
    top.set_ylabel(metric)
    top.set_title(f"{metric} per trial ({space.strategy}, {space.objective.type})")
    top.legend(loc="lower right")

    for index, name in enumerate(parameters):
        axis = figure.add_subplot(grid[1 + index // columns, index % columns])
        spec = space.parameters[name]
        if isinstance(spec, CategoricalRange):
            categories = spec.strings()
            xs = [float(categories.index(t.hyperparameters[name])) for t in ok]
            axis.set_xticks(range(len(categories)), categories)
        else:
            xs = [float(t.hyperparameters[name]) for t in ok]
            if spec.scaling == "Logarithmic":
                axis.set_xscale("log")
                axis.xaxis.set_minor_formatter(NullFormatter())
        axis.scatter(xs, scores, color="tab:blue")
        axis.set_xlabel(name)
        axis.set_ylabel(metric)
    figure.savefig(path, dpi=100)
    plt.close(figure)
