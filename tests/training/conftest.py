"""Fixtures for the training tests: SageMaker-style environments and trained artifacts.

Trainings are expensive relative to the rest of the suite, so the artifacts every test reads are built
once per session, by running ``train.py`` as a script in concurrent subprocesses, exactly as SageMaker
and ``make train`` run it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from training_support import (
    PENGUINS,
    SOURCE_COPY_MARKER,
    ContractRun,
    LocalBuild,
    Trainings,
    clean_environ,
    contract_environ,
    local_args,
    run_script,
    wait,
    write_csv,
)

from training import launch


@pytest.fixture(scope="session")
def trainings(tmp_path_factory: pytest.TempPathFactory) -> Trainings:
    """Four concurrent script runs: two identical local builds, one with another seed, one job under the
    SageMaker contract from the source dir ``training.launch`` uploads, used alone (cwd = that dir)."""
    roots = {name: tmp_path_factory.mktemp(name) for name in ("first", "second", "other_seed", "job")}

    def cpus(count: int, root: Path) -> dict[str, str]:
        # Different CPU counts (n_jobs while fitting) must still give the same bytes.
        return clean_environ({"SM_NUM_CPUS": str(count), "SM_OUTPUT_FAILURE": str(root / "failure")})

    processes = {
        "first": run_script(local_args(7), cpus(2, roots["first"]), roots["first"]),
        "second": run_script(local_args(7), cpus(1, roots["second"]), roots["second"]),
        "other_seed": run_script(local_args(8), clean_environ(), roots["other_seed"]),
    }

    job = roots["job"]
    source_dir = job / "input" / "data" / "code"
    launch.stage_source(source_dir)
    with (source_dir / "inference.py").open("a", encoding="utf-8") as handle:
        handle.write(f"\n{SOURCE_COPY_MARKER}\n")
    train_channel = job / "input" / "data" / "train"
    train_channel.mkdir(parents=True)
    shutil.copy(PENGUINS, train_channel / "penguins.csv")
    env = clean_environ(
        contract_environ(
            job,
            {"train": train_channel},
            SM_CHANNELS=json.dumps(["code", "sm_drivers", "train"]),
            SM_HPS=json.dumps({"n_estimators": 10, "seed": 3, "max_depth": 5}),
        )
    )
    # Hyperparameter flags as the SDK v3 driver passes them: JSON-encoded values, strings quoted or not.
    args = ["--n_estimators", "10", "--max_depth", "5", "--estimator", '"random_forest"', "--min_f1", "0.5"]
    processes["job"] = run_script(args, env, source_dir, script=source_dir / "train.py")

    runs = {name: wait(process) for name, process in processes.items()}
    for name, run in runs.items():
        assert run.returncode == 0, f"{name} training failed:\n{run.stdout}\n{run.stderr}"
    return Trainings(
        first=LocalBuild(roots["first"], runs["first"]),
        second=LocalBuild(roots["second"], runs["second"]),
        other_seed=LocalBuild(roots["other_seed"], runs["other_seed"]),
        contract=ContractRun(job, source_dir, runs["job"]),
    )


@pytest.fixture
def penguins_channel(tmp_path: Path) -> Callable[[Sequence[str]], Path]:
    """Write CSV lines as the single file of a ``train`` channel directory; return the directory."""

    def make(lines: Sequence[str]) -> Path:
        channel = tmp_path / "input" / "data" / "train"
        write_csv(channel / "data.csv", lines)
        return channel

    return make
