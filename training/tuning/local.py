"""The local executor: the search space run with Optuna on this machine, every trial a real ``train.py`` job.

Each trial runs the way a training job of the tuning job would: a copy of the source directory the
launcher uploads (the tuning tool left out) as the working directory, the data as a ``train`` channel,
``SM_*`` variables rooted in the trial's directory, and the hyperparameters turned into flags by the
SageMaker SDK v3 driver's own function. The objective is read from the trial's log (stdout and stderr,
as CloudWatch has them) with the regular expression of the launcher's metric definition, the last match
winning, as SageMaker does for a final metric. A non-zero exit is a Failed trial whose reason is the
failure file, as SageMaker shows it.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import optuna

from .. import launch, package
from ..baseline import BASELINE_DIR
from ..errors import UserError
from .report import Trial
from .space import CategoricalRange, ContinuousRange, IntegerRange, SearchSpace

CHANNEL = "train"
# Marks a directory as this tool's output, so a rerun may replace it (and never a directory it did not write).
MARKER = ".tuning-output"


@dataclass
class Outcome:
    trials: list[Trial]
    best: Trial | None
    baseline: Trial | None
    stopped_early: str | None = None
    artifact: Path | None = None
    sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _driver_utils() -> ModuleType:
    """The SDK v3 training driver's helper module, loaded from its file as the container runs it (its
    package ``__init__`` files would import the rest of the SDK, which creates AWS clients)."""
    spec = importlib.util.find_spec("sagemaker")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the SageMaker SDK (sagemaker>=3) is not installed")
    for root in spec.submodule_search_locations:
        path = Path(root) / "train" / "container_drivers" / "common" / "utils.py"
        if path.is_file():
            module_spec = importlib.util.spec_from_file_location("sagemaker_driver_utils", path)
            assert module_spec is not None
            assert module_spec.loader is not None
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
            return module
    raise RuntimeError("the SageMaker SDK v3 training driver is not installed (sagemaker-train)")


def cli_args(hyperparameters: Mapping[str, str]) -> list[str]:
    """``--name value`` flags exactly as the SDK v3 driver builds them from the job's hyperparameters."""
    args: list[str] = _driver_utils().hyperparameters_to_cli_args(dict(hyperparameters))
    return args


def stage_source(destination: Path) -> Path:
    """What a job receives as its source directory: the launcher's staged upload (train.py, the modules it
    imports and the model's code/ files; never this tool)."""
    return launch.stage_source(destination)


def stage_channel(data: Path, channel_dir: Path) -> Path:
    channel_dir.mkdir(parents=True, exist_ok=True)
    files = sorted(data.glob("*.csv")) if data.is_dir() else [data]
    for path in files:
        shutil.copy(path, channel_dir / path.name)
    return channel_dir


def read_objective(log: str, regex: str) -> float | None:
    matches = re.findall(regex, log)
    return float(matches[-1]) if matches else None


def _clean_environ(environ: Mapping[str, str]) -> dict[str, str]:
    return {key: value for key, value in environ.items() if not key.startswith("SM_") and key != "PYTHONPATH"}


def run_trial(
    number: int,
    hyperparameters: Mapping[str, str],
    *,
    source_dir: Path,
    channel_dir: Path,
    trial_dir: Path,
    regex: str,
    environ: Mapping[str, str],
    cpus: int = 1,
) -> Trial:
    """One training job under the script-mode contract, rooted at ``trial_dir`` instead of /opt/ml."""
    model_dir = trial_dir / "model"
    output_dir = trial_dir / "output"
    model_dir.mkdir(parents=True)
    (output_dir / "data").mkdir(parents=True)
    env = _clean_environ(environ) | {
        "SM_MODEL_DIR": str(model_dir),
        "SM_OUTPUT_DIR": str(output_dir),
        "SM_OUTPUT_DATA_DIR": str(output_dir / "data"),
        "SM_OUTPUT_FAILURE": str(output_dir / "failure"),
        "SM_CHANNELS": json.dumps([CHANNEL]),
        f"SM_CHANNEL_{CHANNEL.upper()}": str(channel_dir),
        "SM_HPS": json.dumps(dict(hyperparameters)),
        "SM_NUM_CPUS": str(cpus),
        "SM_CURRENT_HOST": "algo-1",
        "SM_HOSTS": json.dumps(["algo-1"]),
    }
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, str(source_dir / "train.py"), *cli_args(hyperparameters)],
        cwd=source_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    duration = time.monotonic() - started
    (trial_dir / "log.txt").write_text(completed.stdout, encoding="utf-8")
    objective = read_objective(completed.stdout, regex)
    failure_file = output_dir / "failure"
    reason: str | None = None
    if completed.returncode != 0:
        text = failure_file.read_text(encoding="utf-8").strip() if failure_file.is_file() else ""
        reason = text.splitlines()[0] if text else f"train.py exited with code {completed.returncode}"
    elif objective is None:
        reason = "the objective metric was not found in the training log"
    return Trial(
        number=number,
        name=trial_dir.name,
        hyperparameters=dict(hyperparameters),
        status="Completed" if reason is None else "Failed",
        objective=objective,
        duration_seconds=round(duration, 3),
        failure_reason=reason,
        directory=trial_dir,
    )


def sampler(space: SearchSpace) -> optuna.samplers.BaseSampler:
    """SageMaker's strategies as Optuna samplers: Bayesian → TPE, Random → random, Grid → grid."""
    if space.strategy == "Random":
        return optuna.samplers.RandomSampler(seed=space.random_seed)
    if space.strategy == "Grid":
        grid = {name: spec.strings() for name, spec in space.parameters.items() if isinstance(spec, CategoricalRange)}
        return optuna.samplers.GridSampler(grid, seed=space.random_seed)
    # Bayesian. TPE starts from random trials; a third of the budget (at least 2) leaves the rest guided.
    # constant_liar keeps parallel workers from proposing the same point while trials are running.
    return optuna.samplers.TPESampler(
        seed=space.random_seed, n_startup_trials=max(2, space.trial_count() // 3), constant_liar=True
    )


def suggest(trial: optuna.trial.BaseTrial, space: SearchSpace) -> dict[str, str]:
    """One point of the space, as the string hyperparameters SageMaker would pass to the job.

    Scalings: Linear → uniform; Logarithmic → log-uniform; ReverseLogarithmic → 1 - log-uniform over
    1 - range (dense near 1, SageMaker's meaning); Auto → SageMaker picks the scale, locally linear.
    """
    values: dict[str, str] = {}
    for name, spec in space.parameters.items():
        if isinstance(spec, CategoricalRange):
            values[name] = str(trial.suggest_categorical(name, spec.strings()))
        elif isinstance(spec, IntegerRange):
            number = trial.suggest_int(name, spec.min_value, spec.max_value, log=spec.scaling == "Logarithmic")
            values[name] = str(number)
        else:
            values[name] = repr(_suggest_float(trial, name, spec))
    return values


def _suggest_float(trial: optuna.trial.BaseTrial, name: str, spec: ContinuousRange) -> float:
    if spec.scaling == "ReverseLogarithmic":
        # 1 - max > 0 is guaranteed by the space (max < 1); the internal name records the transform.
        complement = trial.suggest_float(f"1-{name}", 1.0 - spec.max_value, 1.0 - spec.min_value, log=True)
        return 1.0 - complement
    return float(trial.suggest_float(name, spec.min_value, spec.max_value, log=spec.scaling == "Logarithmic"))


class _TrialFailedError(Exception):
    """A trial that did not produce an objective: Optuna records it as FAIL and the search goes on."""


class _Completion:
    """TuningJobCompletionCriteria, locally: stop when the target is reached or the best stalls."""

    def __init__(self, space: SearchSpace, results: Callable[[], list[Trial]]) -> None:
        self.space = space
        self.results = results
        self.reason: str | None = None

    def check(self) -> str | None:
        """Why the search should stop now, over trials in the order they finished; None to go on."""
        finished = [r for r in self.results() if r.status == "Completed" and r.objective is not None]
        if not finished:
            return None
        sign = 1.0 if self.space.objective.type == "Maximize" else -1.0
        target = self.space.budget.target_objective
        patience = self.space.budget.stop_after_jobs_not_improving
        best = -math.inf
        since = 0
        for result in finished:
            assert result.objective is not None
            if sign * result.objective > best:
                best, since = sign * result.objective, 0
            else:
                since += 1
        if target is not None and best >= sign * target:
            return f"target objective {target} reached"
        if patience is not None and since >= patience:
            return f"{since} finished trials in a row did not improve on the best"
        return None

    def __call__(self, study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
        if self.reason is None:
            self.reason = self.check()
        if self.reason is not None:
            study.stop()


def best_of(results: Sequence[Trial], maximize: bool) -> Trial | None:
    """The best Completed trial; ties go to the earliest trial (deterministic across runs)."""
    scored = [r for r in results if r.status == "Completed" and r.objective is not None]
    if not scored:
        return None

    def key(result: Trial) -> tuple[float, int]:
        assert result.objective is not None
        return (-result.objective if maximize else result.objective, result.number)

    return min(scored, key=key)


def run(
    space: SearchSpace,
    data: Path,
    out: Path,
    *,
    environ: Mapping[str, str] | None = None,
    progress: Callable[[str], None] = print,
    baseline: bool = True,
) -> Outcome:
    """Run the whole search into ``out`` (trials/, best/); returns every trial and the best one."""
    environ = dict(os.environ if environ is None else environ)
    # Trials run with the staged source dir as their working directory: every path must be absolute.
    out, data = out.resolve(), data.resolve()
    commit = package.git_commit(environ)
    if commit:
        # The staged copy is not a git checkout: hand train.py the commit of the code it was copied from.
        environ["GIT_COMMIT"] = commit
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise UserError(f"--out {out} holds files this tool did not write; pass a new or empty directory")
        shutil.rmtree(out)  # an earlier search's output: replaced as a whole, so no stale trial survives
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(
        "written by python -m training.tuning local; replaced by the next run\n", encoding="utf-8"
    )
    source_dir = stage_source(out / "input" / "code")
    channel_dir = stage_channel(data, out / "input" / "data" / CHANNEL)
    regex = space.objective.regex()
    static = space.static_hyperparameters()
    parallel = space.budget.max_parallel_jobs
    # Trials share the machine's cores: each gets its share as SM_NUM_CPUS (n_jobs while fitting).
    cpus = max(1, (os.cpu_count() or 1) // parallel)
    lock = threading.Lock()
    results: list[Trial] = []

    def execute(number: int, tuned: Mapping[str, str], directory: Path) -> Trial:
        return run_trial(
            number,
            static | dict(tuned),
            source_dir=source_dir,
            channel_dir=channel_dir,
            trial_dir=directory,
            regex=regex,
            environ=environ,
            cpus=cpus,
        )

    def objective(trial: optuna.Trial) -> float:
        tuned = suggest(trial, space)
        result = execute(trial.number, tuned, out / "trials" / f"trial-{trial.number:03d}")
        with lock:
            results.append(result)
        progress(_progress_line(result, space.trial_count()))
        if result.status != "Completed" or result.objective is None:
            raise _TrialFailedError(result.failure_reason)
        return result.objective

    reference: Trial | None = None
    if baseline:
        # The untuned configuration on the same split, outside the budget: what tuning has to beat.
        reference = execute(-1, space.default_hyperparameters(), out / "baseline")
        progress(_progress_line(reference, space.trial_count(), label="baseline (untuned defaults)"))

    # Our progress line reports every trial, failures with their one-line reason; Optuna's own log would
    # repeat a failed trial with a traceback of the objective function.
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(
        direction="maximize" if space.objective.type == "Maximize" else "minimize", sampler=sampler(space)
    )
    if space.strategy == "Grid":
        # Every combination queued up front, in a fixed order: parallel workers each take the next one,
        # so none runs twice and none is skipped (GridSampler alone may race between threads).
        grid = {name: spec.strings() for name, spec in space.parameters.items() if isinstance(spec, CategoricalRange)}
        for combination in itertools.product(*grid.values()):
            study.enqueue_trial(dict(zip(grid, combination, strict=True)))
    completion = _Completion(space, lambda: list(results))
    study.optimize(
        objective,
        n_trials=space.trial_count(),
        timeout=space.budget.max_runtime_seconds,
        n_jobs=parallel,
        catch=(_TrialFailedError,),
        callbacks=[completion],
    )
    ordered = sorted(results, key=lambda r: r.number)
    best = best_of(ordered, maximize=space.objective.type == "Maximize")
    outcome = Outcome(trials=ordered, best=best, baseline=reference, stopped_early=completion.reason)
    if best is not None:
        assert best.directory is not None
        best_dir = out / "best"
        best_dir.mkdir()
        # What SageMaker does with the best job's /opt/ml/model: a model.tar.gz, here built reproducibly.
        outcome.artifact = best_dir / "model.tar.gz"
        outcome.sha256 = package.build_tarball(best.directory / "model", outcome.artifact)
        shutil.copy(best.directory / "model" / package.MANIFEST_FILE, best_dir / package.MANIFEST_FILE)
        shutil.copy(best.directory / "output" / "data" / "metrics.json", best_dir / "metrics.json")
        # The trial's data-quality baseline beside the artifact, where a monitored stack looks for it.
        shutil.copytree(best.directory / "output" / "data" / BASELINE_DIR, best_dir / BASELINE_DIR)
    return outcome


def _progress_line(result: Trial, total: int, label: str | None = None) -> str:
    name = label or f"trial {result.number + 1}/{total}"
    hps = " ".join(f"{key}={value}" for key, value in sorted(result.hyperparameters.items()))
    score = "-" if result.objective is None else f"{result.objective:.6f}"
    tail = "" if result.failure_reason is None else f" ({result.failure_reason})"
    return f"{name}: {result.status} objective={score} in {result.duration_seconds:.1f}s {hps}{tail}"
