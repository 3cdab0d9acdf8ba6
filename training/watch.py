"""Waiting for a SageMaker training or tuning job, one progress line per change (workstation side).

The launcher and the tuner submit without the SDK's own wait and poll ``Describe*`` here instead, so the
output is the project's: a line per status change (primary and secondary status, with SageMaker's status
message), a line per metric value the job reports (``FinalMetricDataList``, parsed by SageMaker from the
log with the launcher's metric definitions), the model's S3 URI at the end, and for a failed job one
line with SageMaker's ``FailureReason`` (which is train.py's failure file).

Never imported by train.py; the SDK is not needed, only a boto3 SageMaker client.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import TrainingError

TERMINAL = frozenset({"Completed", "Failed", "Stopped"})
DEFAULT_POLL_SECONDS = 30.0


class JobFailedError(TrainingError):
    """The job ended Failed or Stopped (exit code 4: the platform run failed; the message is SageMaker's reason)."""

    exit_code = 4


@dataclass(frozen=True)
class TrainingJobResult:
    name: str
    status: str
    model_uri: str | None
    metrics: dict[str, float]
    description: dict[str, Any]


def _metric_lines(name: str, description: dict[str, Any], seen: dict[str, float]) -> list[str]:
    lines = []
    for metric in description.get("FinalMetricDataList", []):
        metric_name, value = metric["MetricName"], float(metric["Value"])
        if seen.get(metric_name) != value:
            seen[metric_name] = value
            lines.append(f"{name}: metric {metric_name}={value:.6f}")
    return lines


def wait_for_training_job(
    client: Any,
    name: str,
    *,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    emit: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> TrainingJobResult:
    """Poll ``DescribeTrainingJob`` until the job ends; raise ``JobFailedError`` unless it Completed."""
    last: tuple[str, str | None] | None = None
    seen: dict[str, float] = {}
    while True:
        description: dict[str, Any] = client.describe_training_job(TrainingJobName=name)
        status = description["TrainingJobStatus"]
        secondary = description.get("SecondaryStatus")
        if (status, secondary) != last:
            last = (status, secondary)
            transitions = description.get("SecondaryStatusTransitions") or []
            message = transitions[-1].get("StatusMessage") if transitions else None
            detail = f" ({secondary})" if secondary and secondary != status else ""
            emit(f"{name}: {status}{detail}" + (f": {message}" if message else ""))
        for line in _metric_lines(name, description, seen):
            emit(line)
        if status in TERMINAL:
            break
        sleep(poll_seconds)
    if status != "Completed":
        reason = description.get("FailureReason") or "SageMaker gave no failure reason"
        raise JobFailedError(f"training job {name} {status}: {reason}")
    model_uri = description.get("ModelArtifacts", {}).get("S3ModelArtifacts")
    emit(f"model: {model_uri}")
    return TrainingJobResult(name=name, status=status, model_uri=model_uri, metrics=seen, description=description)


@dataclass(frozen=True)
class TuningJobResult:
    name: str
    status: str
    best_training_job: str | None
    best_objective: float | None
    model_uri: str | None
    description: dict[str, Any]


COUNTERS = ("Completed", "InProgress", "RetryableError", "NonRetryableError", "Stopped")


def wait_for_tuning_job(
    client: Any,
    name: str,
    *,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    emit: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> TuningJobResult:
    """Poll ``DescribeHyperParameterTuningJob``: a line per status, job-count and best-objective change."""
    last_status: str | None = None
    last_counters: tuple[int, ...] | None = None
    last_best: tuple[str, float] | None = None
    while True:
        description: dict[str, Any] = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        status = description["HyperParameterTuningJobStatus"]
        if status != last_status:
            last_status = status
            emit(f"{name}: {status}")
        counters = description.get("TrainingJobStatusCounters") or {}
        values = tuple(int(counters.get(key, 0)) for key in COUNTERS)
        if values != last_counters:
            last_counters = values
            emit(f"{name}: training jobs " + " ".join(f"{k}={v}" for k, v in zip(COUNTERS, values, strict=True)))
        best = description.get("BestTrainingJob")
        if best and "FinalHyperParameterTuningJobObjectiveMetric" in best:
            metric = best["FinalHyperParameterTuningJobObjectiveMetric"]
            current = (best["TrainingJobName"], float(metric["Value"]))
            if current != last_best:
                last_best = current
                emit(f"{name}: best {current[0]} metric {metric['MetricName']}={current[1]:.6f}")
        if status in TERMINAL:
            break
        sleep(poll_seconds)
    if status != "Completed":
        reason = description.get("FailureReason") or "SageMaker gave no failure reason"
        raise JobFailedError(f"tuning job {name} {status}: {reason}")
    if last_best is None:
        raise JobFailedError(
            f"tuning job {name} Completed without a best training job; no trial reported the objective"
        )
    best_description = client.describe_training_job(TrainingJobName=last_best[0])
    model_uri = best_description.get("ModelArtifacts", {}).get("S3ModelArtifacts")
    emit(f"model: {model_uri}")
    return TuningJobResult(
        name=name,
        status=status,
        best_training_job=last_best[0],
        best_objective=last_best[1],
        model_uri=model_uri,
        description=description,
    )
