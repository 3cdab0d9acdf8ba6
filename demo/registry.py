"""The demo's registry step: tune → best → registered (pending) → approved → promoted → prod deploys it →
rejected → the prod plan refuses it.

The registry is the demo's emulator, where the dev and prod stacks were just rehearsed (their groups and
artifact buckets exist there). The prod rehearsal that deploys the approved version runs in its own
process with its own emulator for the stack's resources (a rehearsal creates every resource, and they
already exist in the demo's), while its ``mlops:modelPackage`` look-up goes to the demo's registry
through boto3's ``AWS_ENDPOINT_URL_SAGEMAKER`` / ``AWS_ENDPOINT_URL_S3`` variables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Two trials, two at a time: enough to show a search choosing its best in a few seconds of the demo.
DEMO_BUDGET = {"max_jobs": 2, "max_parallel_jobs": 2}


class RegistryDemoError(Exception):
    """A step of the registry demo did not do what it shows."""


@dataclass(frozen=True)
class RegistryDemo:
    best_objective: float
    dev_arn: str
    prod_arn: str
    deployed: str
    refusal: str


def _subprocess(command: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, env=dict(env), capture_output=True, text=True, timeout=600, check=False)


def tune(data: Path, out: Path, say: Callable[[str], None]) -> tuple[Path, float]:
    """A real local search over the shipped search space, on a tiny budget; returns the best artifact."""
    from training.tuning import local, space

    document: dict[str, Any] = yaml.safe_load((ROOT / "training" / "search_space.yaml").read_text())
    document["budget"] = {**document["budget"], **DEMO_BUDGET}
    searched = space.parse(document, "training/search_space.yaml (demo budget: 2 trials)")
    outcome = local.run(searched, data, out, progress=lambda _line: None, baseline=False)
    for trial in outcome.trials:
        objective = "-" if trial.objective is None else f"{trial.objective:.6f}"
        params = ", ".join(f"{k}={v}" for k, v in sorted(trial.hyperparameters.items()))
        say(f"trial {trial.number}: {trial.status}, validation macro F1 {objective} ({params})")
    if outcome.best is None or outcome.artifact is None or outcome.best.objective is None:
        raise RegistryDemoError("no trial of the search succeeded")
    say(f"best: trial {outcome.best.number}, {outcome.artifact.relative_to(ROOT)} sha256 {outcome.sha256}")
    return outcome.artifact, outcome.best.objective


def run(
    *,
    data: Path,
    out: Path,
    emulator_url: str,
    region: str,
    dev_outputs: Mapping[str, Any],
    prod_outputs: Mapping[str, Any],
    say: Callable[[str], None],
) -> RegistryDemo:
    from offline.emulator import client
    from training import registry

    artifact, objective = tune(data, out, say)
    # Prod monitors data quality: the version carries the baseline of the data it was trained on.
    built = _subprocess(
        [sys.executable, "-m", "monitoring.baseline", "--data", str(data)]
        + ["--manifest", str(artifact.parent / "manifest.json"), "--out", str(artifact.parent / "baseline")],
        os.environ,
    )
    if built.returncode != 0:
        raise RegistryDemoError(f"baseline of the best model: {built.stderr.strip()[-300:]}")

    reg = registry.Registry(
        client("sagemaker", emulator_url, region),
        client("s3", emulator_url, region),
        client("sts", emulator_url, region),
    )
    dev_arn, sha = reg.register(
        group=str(dev_outputs["modelPackageGroupName"]),
        artifact=str(artifact),
        region=region,
        bucket=str(dev_outputs["artifactBucket"]),
        metrics=None,
        baseline=None,
        description=None,
    )
    say(f"registered {dev_arn} (PendingManualApproval), sha256 {sha[:12]}…")
    reason = f"tuned: validation macro F1 {objective:.6f}"
    approved = reg.decide(dev_arn, registry.APPROVED, reason)
    say(f"{dev_arn}: {approved['ModelApprovalStatus']} ({reason})")
    prod_group = str(prod_outputs["modelPackageGroupName"])
    prod_arn = reg.promote(dev_arn, prod_group)
    say(f"promoted to {prod_arn} (PendingManualApproval: prod approves for itself)")
    approved = reg.decide(prod_arn, registry.APPROVED, "prod: reviewed the dev results")
    say(f"{prod_arn}: {approved['ModelApprovalStatus']}")

    env = {**os.environ, "AWS_ENDPOINT_URL_SAGEMAKER": emulator_url, "AWS_ENDPOINT_URL_S3": emulator_url}
    setting = f"mlops:modelPackage={prod_arn}"
    rehearsal = _subprocess([sys.executable, "-m", "offline.rehearsal", "--stack", "prod", "--set", setting], env)
    lines = rehearsal.stdout.strip().splitlines()
    if rehearsal.returncode != 0 or not lines or not lines[-1].startswith("rehearsal passed"):
        reason_line = (rehearsal.stderr.strip() or rehearsal.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise RegistryDemoError(f"prod rehearsal of {prod_arn}: exit {rehearsal.returncode}: {reason_line[0]}")
    shown = [line.strip() for line in lines if line.strip().startswith("modelPackage")]
    if f"modelPackage = {prod_arn}" not in shown or "modelPackageStatus = Approved" not in shown:
        raise RegistryDemoError(f"the prod rehearsal did not report {prod_arn} as the Approved version it deploys")
    say(f"prod rehearsal deploying it: {lines[-1]}")
    for line in shown:
        say(f"  {line}")

    reg.decide(prod_arn, registry.REJECTED, "demo: rejected after review")
    say(f"{prod_arn}: Rejected (demo: rejected after review)")
    plan = _subprocess([sys.executable, "-m", "offline.plan", "--stack", "prod", "--set", setting], env)
    refusal = plan.stderr.strip()
    if plan.returncode != 2 or plan.stdout or len(refusal.splitlines()) != 1:
        raise RegistryDemoError(
            f"the prod plan of a rejected version should fail with one line, got exit {plan.returncode}"
        )
    say(f"prod plan now fails (exit {plan.returncode}): {refusal}")
    return RegistryDemo(objective, dev_arn, prod_arn, lines[-1], refusal)
