"""The managed executor: a SageMaker hyperparameter tuning job through SDK v3's ``HyperparameterTuner``.

The tuner wraps the ``ModelTrainer`` the launcher builds (``launch.model_trainer``), so the tuning job's
training jobs run the same image, entry script, metric definitions and channels as ``training.launch``.
A tuning job is a run, not infrastructure: it ends, its result is a model artifact, and re-running it
is a new search; so it is submitted from the workstation, not kept as stack state.

``--dry-run`` runs the SDK's real ``tune()`` against an in-process stand-in of AWS: every API call the
SDK makes (the code upload to S3, the default bucket lookup) is answered locally, and the
``CreateHyperParameterTuningJob`` request, already validated by botocore against the SageMaker service
model, is captured instead of sent and printed as JSON. Nothing reaches AWS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..launch import (
    CHANNELS,
    DEFAULT_BASE_JOB_NAME,
    DEFAULT_INSTANCE_TYPE,
    JobSpec,
    StackOutputs,
    model_trainer,
    read_stack_outputs,
    training_image,
)
from . import report
from .local import stage_source
from .space import CategoricalRange, IntegerRange, SearchSpace

# Stands in for the caller's account in a dry run (no STS call is made); pass --bucket to name the bucket.
DRY_RUN_ACCOUNT = "000000000000"
DRY_RUN_ROLE = f"arn:aws:iam::{DRY_RUN_ACCOUNT}:role/dry-run-training-role"


def parameter_ranges(space: SearchSpace) -> dict[str, Any]:
    """The search space's ranges as the SDK's parameter classes (values as SageMaker wants: strings)."""
    from sagemaker.core.parameter import CategoricalParameter, ContinuousParameter, IntegerParameter

    ranges: dict[str, Any] = {}
    for name, spec in space.parameters.items():
        if isinstance(spec, CategoricalRange):
            ranges[name] = CategoricalParameter(spec.strings())
        elif isinstance(spec, IntegerRange):
            ranges[name] = IntegerParameter(spec.min_value, spec.max_value, scaling_type=spec.scaling)
        else:
            ranges[name] = ContinuousParameter(spec.min_value, spec.max_value, scaling_type=spec.scaling)
    return ranges


def completion_criteria(space: SearchSpace) -> Any:
    from sagemaker.core.shapes import BestObjectiveNotImproving, TuningJobCompletionCriteria

    budget = space.budget
    if budget.stop_after_jobs_not_improving is None and budget.target_objective is None:
        return None
    kwargs: dict[str, Any] = {}
    if budget.stop_after_jobs_not_improving is not None:
        kwargs["best_objective_not_improving"] = BestObjectiveNotImproving(
            max_number_of_training_jobs_not_improving=budget.stop_after_jobs_not_improving
        )
    if budget.target_objective is not None:
        kwargs["target_objective_metric_value"] = budget.target_objective
    return TuningJobCompletionCriteria(**kwargs)


def build_tuner(space: SearchSpace, spec: JobSpec, session: Any, base_tuning_job_name: str | None = None) -> Any:
    from sagemaker.train.tuner import HyperparameterTuner

    trainer = model_trainer(spec, session)
    return HyperparameterTuner(
        model_trainer=trainer,
        objective_metric_name=space.objective.metric,
        objective_type=space.objective.type,
        hyperparameter_ranges=parameter_ranges(space),
        # The launcher's definitions, in the API's spelling: the objective is read from the log by them.
        metric_definitions=[{"Name": m["name"], "Regex": m["regex"]} for m in spec.metrics],
        strategy=space.strategy,
        max_jobs=None if space.strategy == "Grid" else space.budget.max_jobs,
        max_parallel_jobs=space.budget.max_parallel_jobs,
        max_runtime_in_seconds=space.budget.max_runtime_seconds,
        completion_criteria_config=completion_criteria(space),
        early_stopping_type=space.budget.training_job_early_stopping,
        random_seed=space.random_seed,
        base_tuning_job_name=base_tuning_job_name or DEFAULT_BASE_JOB_NAME,
    )


def start(tuner: Any, channels: Mapping[str, str], job_name: str | None) -> None:
    """``tune(wait=False)``, then remove the SDK's staging directory (the SDK leaves it to the garbage
    collector, which warns)."""
    try:
        tuner.tune(inputs=dict(channels), job_name=job_name, wait=False)
    finally:
        staging = getattr(tuner.model_trainer, "_tuner_temp_dir", None)
        if staging is not None:
            staging.cleanup()


class _Captured(Exception):  # noqa: N818 - control flow, never reaches the user
    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__("CreateHyperParameterTuningJob captured")
        self.params = params


class OfflineAWS:
    """Answers every AWS call of one boto3 session locally (botocore's ``before-call`` event).

    botocore validates each request against the service model before ``before-call`` fires, so a
    captured request is one AWS would parse. Unknown operations fail loudly: a dry run never guesses.
    """

    def __init__(self, region: str, bucket: str | None) -> None:
        import boto3

        self.region = region
        self.bucket = bucket or f"sagemaker-{region}-{DRY_RUN_ACCOUNT}"
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.refused: list[str] = []
        self.session = boto3.Session(region_name=region)
        self.session.events.register("provide-client-params", self._record)
        self.session.events.register("before-call", self._answer)
        self._pending: dict[str, dict[str, Any]] = {}

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self._pending[model.name] = dict(params)

    def _answer(self, model: Any, **_: Any) -> tuple[Any, dict[str, Any]]:
        from botocore.awsrequest import AWSResponse

        service = model.service_model.service_name
        params = self._pending.pop(model.name, {})
        self.calls.append((service, model.name, params))
        if (service, model.name) == ("sagemaker", "CreateHyperParameterTuningJob"):
            raise _Captured(params)
        answers: dict[tuple[str, str], dict[str, Any]] = {
            ("sts", "GetCallerIdentity"): {
                "Account": DRY_RUN_ACCOUNT,
                "Arn": f"arn:aws:iam::{DRY_RUN_ACCOUNT}:user/dry-run",
                "UserId": "DRYRUN",
            },
            ("s3", "ListBuckets"): {
                "Buckets": [{"Name": self.bucket, "CreationDate": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}]
            },
            ("s3", "HeadBucket"): {},
            ("s3", "PutObject"): {"ETag": '"dry-run"'},
        }
        if (service, model.name) not in answers:
            # An optional check the SDK makes (it goes on without an answer); anything it needs fails here.
            self.refused.append(f"{service}:{model.name}")
            raise RuntimeError(f"dry run: the SDK called {service}:{model.name}, which the dry run does not answer")
        return AWSResponse(url="https://dry-run.invalid/", status_code=200, headers={}, raw=None), answers[
            (service, model.name)
        ]


@dataclass(frozen=True)
class DryRunCalls:
    answered: list[str]
    refused: list[str]

    def summary(self) -> str:
        def counted(calls: list[str]) -> str:
            return ", ".join(f"{c} x{calls.count(c)}" if calls.count(c) > 1 else c for c in dict.fromkeys(calls))

        refused = f"; refused (the SDK went on without it): {counted(self.refused)}" if self.refused else ""
        return f"dry run: nothing was sent to AWS; answered locally: {counted(self.answered) or 'none'}{refused}"


def dry_run_request(
    space: SearchSpace,
    spec_for: Callable[[str | None], JobSpec],
    region: str,
    *,
    role: str | None,
    bucket: str | None,
    job_name: str | None,
) -> tuple[dict[str, Any], DryRunCalls]:
    """The exact ``CreateHyperParameterTuningJob`` parameters the SDK sends, and the other calls it made."""
    from sagemaker.core.helper.session_helper import Session

    offline = OfflineAWS(region, bucket)
    session = Session(boto_session=offline.session, default_bucket=offline.bucket)
    # The SDK checks the role with iam:SimulatePrincipalPolicy; a dry run has no IAM to ask, and the
    # SDK's documented switch turns that check off (restored afterwards).
    previous = os.environ.get("SAGEMAKER_VALIDATE_ROLE")
    os.environ["SAGEMAKER_VALIDATE_ROLE"] = "false"
    try:
        spec = spec_for(role or DRY_RUN_ROLE)
        tuner = build_tuner(space, spec, session)
        start(tuner, spec.channels, job_name)
    except _Captured as captured:
        answered = [f"{service}:{operation}" for service, operation, _ in offline.calls[:-1]]
        for refused in offline.refused:
            answered.remove(refused)
        return captured.params, DryRunCalls(answered=answered, refused=offline.refused)
    finally:
        if previous is None:
            os.environ.pop("SAGEMAKER_VALIDATE_ROLE", None)
        else:
            os.environ["SAGEMAKER_VALIDATE_ROLE"] = previous
    raise RuntimeError("dry run: the SDK returned without sending CreateHyperParameterTuningJob")


def _channels(args: argparse.Namespace) -> dict[str, str]:
    channels = {name: getattr(args, name) for name in CHANNELS if getattr(args, name, None)}
    for name, uri in channels.items():
        if not uri.startswith("s3://"):
            raise UserError(f"--{name} must be an s3:// URI (got {uri!r}); upload the CSV files to S3 first")
    return channels


def trials_from_listing(summaries: list[dict[str, Any]], metric: str) -> list[report.Trial]:
    """``ListTrainingJobsForHyperParameterTuningJob`` summaries as report rows, oldest first."""
    ordered = sorted(summaries, key=lambda s: (s["CreationTime"], s["TrainingJobName"]))
    trials = []
    for number, summary in enumerate(ordered):
        final = summary.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
        start, end = summary.get("TrainingStartTime"), summary.get("TrainingEndTime")
        trials.append(
            report.Trial(
                number=number,
                name=summary["TrainingJobName"],
                hyperparameters={k: str(v) for k, v in summary.get("TunedHyperParameters", {}).items()},
                status=summary["TrainingJobStatus"],
                objective=float(final["Value"]) if final.get("MetricName", metric) == metric and final else None,
                duration_seconds=(end - start).total_seconds() if start and end else None,
                failure_reason=summary.get("FailureReason"),
            )
        )
    return trials


# Where a stack's jobs stage and write (the stack's trainingOutputUri prefix, infra/storage/layout.py).
TRAINING_OUTPUT = "training-output/"
# SageMaker's limit on HyperParameterTuningJobName.
MAX_TUNING_JOB_NAME = 32


def stack_tuning_job_name(stack: StackOutputs, given: str | None, now: dt.datetime) -> str:
    """A tuning job name the stack's launcherPolicy allows: ``<trainingJobPrefix>-<MMDDhhmmss>``."""
    prefix = stack.training_job_prefix
    name = given or f"{prefix}-{now:%m%d%H%M%S}"
    if not name.startswith(prefix) or len(name) > MAX_TUNING_JOB_NAME:
        raise UserError(
            f"tuning job name {name!r} must start with the stack's trainingJobPrefix {prefix!r} (the launcherPolicy "
            f"allows only those) and have at most {MAX_TUNING_JOB_NAME} characters (SageMaker's limit)"
            + ("; pass a shorter --job-name" if given else "; pass --job-name")
        )
    return name


def main(args: argparse.Namespace, space: SearchSpace, environ: Mapping[str, str]) -> int:
    stack = read_stack_outputs(args.stack_outputs) if getattr(args, "stack_outputs", None) else None
    if stack is not None:
        if args.region and args.region != stack.region:
            raise UserError(f"--region {args.region} but the stack is in {stack.region}; drop --region")
        args.region = stack.region
        args.role = args.role or stack.training_role_arn
        args.job_name = stack_tuning_job_name(stack, args.job_name, dt.datetime.now(dt.UTC))
    region = args.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise UserError("no AWS region: pass --region or set AWS_REGION")
    if not args.dry_run and not args.role:
        raise UserError("--role is required to start a tuning job (an IAM role ARN SageMaker can assume)")
    channels = _channels(args)
    instance_type = args.instance_type or DEFAULT_INSTANCE_TYPE
    image = training_image(region, instance_type)
    with tempfile.TemporaryDirectory(prefix="tuning-source-") as tmp:
        # The SDK's tuner tars the source directory without the ignore patterns: hand it a clean copy.
        source_dir = stage_source(Path(tmp) / "code")

        def spec_for(role: str | None) -> JobSpec:
            return JobSpec(
                region=region,
                role=role,
                training_image=image,
                instance_type=instance_type,
                # The SDK's tuner uploads the source under <default bucket>/<this name>/ and ignores the
                # session's default prefix: with a stack, name the prefix here so it lands in training-output/.
                base_job_name=f"{TRAINING_OUTPUT}{stack.training_job_prefix}" if stack else DEFAULT_BASE_JOB_NAME,
                hyperparameters=dict(space.static_hyperparameters()),
                channels=channels,
                source_dir=source_dir,
                output_path=stack.training_output_uri if stack else None,
                kms_key_id=stack.kms_key_arn if stack else None,
            )

        if args.dry_run:
            staging = spec_for(args.role).staging
            request, calls = dry_run_request(
                space,
                spec_for,
                region,
                role=args.role,
                bucket=args.bucket or (staging[0] if staging else None),
                job_name=args.job_name,
            )
            print(json.dumps(request, indent=2, sort_keys=True, default=str))
            print(calls.summary(), file=sys.stderr)
            return 0
        return _submit(space, spec_for(args.role), region, args)  # pragma: no cover - needs an AWS account


def run_managed(space: SearchSpace, spec: JobSpec, session: Any, args: argparse.Namespace) -> int:
    """Submit, wait with progress lines, list the trials, write the report. Works on any SageMaker
    endpoint the session points at (AWS, or the emulator in tests)."""
    from ..watch import wait_for_tuning_job

    tuner = build_tuner(space, spec, session)
    start(tuner, spec.channels, args.job_name)
    name = tuner.latest_tuning_job.hyper_parameter_tuning_job_name
    client = session.sagemaker_client
    result = wait_for_tuning_job(client, name, poll_seconds=args.poll_seconds)
    summaries: list[dict[str, Any]] = []
    paginator = client.get_paginator("list_training_jobs_for_hyper_parameter_tuning_job")
    for page in paginator.paginate(HyperParameterTuningJobName=name):
        summaries.extend(page["TrainingJobSummaries"])
    trials = trials_from_listing(summaries, space.objective.metric)
    best = next((t for t in trials if t.name == result.best_training_job), None)
    paths = report.write(args.out, space, trials, best, extra={"tuning_job": name, "model_uri": result.model_uri})
    print(f"report: {paths['markdown']} {paths['png']}")
    from .. import publish

    # The best job's model and baseline, where a stack deploys them from (see training/publish.py).
    described = client.describe_training_job(TrainingJobName=result.best_training_job)
    publish.report(publish.publish(session.boto_session.client("s3"), described, kms_key_id=spec.kms_key_id))
    return 0


def _submit(space: SearchSpace, spec: JobSpec, region: str, args: argparse.Namespace) -> int:  # pragma: no cover
    import boto3
    from sagemaker.core.helper.session_helper import Session

    staging = spec.staging  # --stack-outputs: the stack's bucket (the source goes under base_job_name)
    bucket = staging[0] if staging else args.bucket
    session = Session(boto_session=boto3.Session(region_name=region), default_bucket=bucket)
    return run_managed(space, spec, session, args)
