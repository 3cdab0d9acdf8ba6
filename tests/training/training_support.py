"""Helpers shared by the training tests (a uniquely named module: tests/ has no packages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRAIN_SCRIPT = REPO / "training" / "train.py"
PENGUINS = REPO / "data" / "penguins.csv"
HEADER = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year"
# Marker appended to the copy of inference.py in the emulated SageMaker source dir: finding it in the
# model dir proves the job imported the copied files, not the repository's package.
SOURCE_COPY_MARKER = "# copied source dir marker"


def clean_environ(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test process environment without any SageMaker variable, plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SM_")}
    env.pop("PYTHONPATH", None)
    env.update(extra or {})
    return env


def contract_environ(root: Path, channels: Mapping[str, Path], **extra: str) -> dict[str, str]:
    """``SM_*`` variables as the SDK v3 driver sets them, rooted at ``root`` instead of /opt/ml."""
    env = {
        "SM_MODEL_DIR": str(root / "model"),
        "SM_OUTPUT_DATA_DIR": str(root / "output" / "data"),
        "SM_OUTPUT_DIR": str(root / "output"),
        "SM_CHANNELS": json.dumps(sorted(channels)),
        "SM_HPS": "{}",
        "SM_NUM_CPUS": "2",
        "SM_CURRENT_HOST": "algo-1",
    }
    for name, path in channels.items():
        env[f"SM_CHANNEL_{name.upper()}"] = str(path)
    env.update(extra)
    return env


def penguin_lines() -> list[str]:
    return PENGUINS.read_text(encoding="utf-8").splitlines()


def write_csv(path: Path, lines: Sequence[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def listing(directory: Path) -> list[str]:
    """Every file and directory under ``directory``, relative, sorted ([] when it does not exist)."""
    if not directory.exists():
        return []
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*"))


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_script(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, script: Path = TRAIN_SCRIPT
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait(process: subprocess.Popen[str]) -> Run:
    stdout, stderr = process.communicate(timeout=120)
    return Run(process.returncode, stdout, stderr)


@dataclass(frozen=True)
class LocalBuild:
    root: Path
    run: Run

    @property
    def model_dir(self) -> Path:
        return self.root / "build" / "model"

    @property
    def artifact(self) -> Path:
        return self.root / "build" / "model.tar.gz"

    @property
    def manifest(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads((self.model_dir / "manifest.json").read_text())
        return loaded

    def sha256_line(self) -> str:
        return next(line for line in self.run.stdout.splitlines() if line.startswith("sha256: "))


@dataclass(frozen=True)
class ContractRun:
    root: Path
    source_dir: Path
    run: Run


@dataclass(frozen=True)
class Trainings:
    first: LocalBuild
    second: LocalBuild
    other_seed: LocalBuild
    contract: ContractRun


def local_args(seed: int) -> list[str]:
    return [
        "--train",
        str(PENGUINS),
        "--n_estimators",
        "10",
        "--seed",
        str(seed),
        "--model-dir",
        "build/model",
        "--output-data-dir",
        "build",
        "--artifact",
        "build/model.tar.gz",
    ]
