"""Managed training: run the same ``train.py`` as a SageMaker training job (SageMaker Python SDK v3).

    python -m training.launch --train s3://bucket/penguins/ --role arn:aws:iam::123456789012:role/x \\
        --region eu-west-1 -H n_estimators=200 -H max_depth=6
    python -m training.launch --train s3://bucket/penguins/ --region eu-west-1 --dry-run
    python -m training.launch --stack-outputs build/prod-outputs.json --train s3://<artifactBucket>/data/penguins/

A real run needs an AWS account, credentials, an execution role SageMaker can assume, and the data in S3:
the SDK uploads a staged source directory holding only what the job runs (``train.py``, the modules it
imports and the files it packs into the model's ``code/``; never this launcher, the local server or
other workstation tools), the job runs ``python train.py --<hp> <value>`` in
the scikit-learn training image (same scikit-learn minor as the serving image, so the pickled model
loads), and SageMaker uploads ``/opt/ml/model`` as ``model.tar.gz``. ``--dry-run`` builds and validates the
same request with the SDK's own configuration classes and prints it, without any AWS call.

``--stack-outputs`` (the JSON of ``pulumi stack output --json``) trains for a stack: its training role, region,
``training-output/`` prefix, KMS key and job-name prefix become the defaults, matching its ``launcherPolicy``.
After the job the model is published to ``models/<sha256>/`` beside its manifest and the data-quality
baseline the job computed (``publish.py``), and the stack config lines to paste are printed.

The SDK is imported inside functions only: several v3 modules create boto3 clients at import time, and
nothing else in the training package (nor the deploy path) needs it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import sklearn

from .errors import HyperparameterError, TrainingError, UserError
from .evaluate import DIGITS, SUMMARY_METRICS
from .hyperparameters import SPECS
from .package import CODE_FILES, serving_image_version

SOURCE_DIR = Path(__file__).resolve().parent
ENTRY_SCRIPT = "train.py"
# train.py and every module it imports (tests check this against its imports); the job runs nothing else.
JOB_MODULES = (
    "__init__.py",
    "baseline.py",
    "contract.py",
    "errors.py",
    "evaluate.py",
    "fastpath_check.py",
    "features.py",
    "hyperparameters.py",
    "package.py",
    "split.py",
    ENTRY_SCRIPT,
    "validation.py",
)
DEFAULT_INSTANCE_TYPE = "ml.m5.large"
DEFAULT_BASE_JOB_NAME = "penguins-sklearn"
CHANNELS = ("train", "validation", "test")
# Never upload caches or local build output with the source directory.
# Also never the workstation tools beside the launcher (the tuner and its search space).
IGNORE_PATTERNS = [
    ".env",
    ".git",
    "__pycache__",
    ".DS_Store",
    ".cache",
    ".ipynb_checkpoints",
    ".mypy_cache",
    "tuning",
    "search_space.yaml",
]


def metric_definitions() -> list[dict[str, str]]:
    """Regexes matching the ``<split>:<metric>=<value>`` lines train.py prints (see evaluate.py)."""
    return [
        {"name": f"{split}:{metric}", "regex": f"{split}:{metric}=([0-9]+\\.[0-9]{{{DIGITS}}})"}
        for split in ("validation", "test")
        for metric in SUMMARY_METRICS
    ]


def training_image(region: str, instance_type: str) -> str:
    """The scikit-learn training image for the installed scikit-learn minor, from the SDK's bundled
    catalogue (no network call)."""
    from sagemaker.core import image_uris

    try:
        uri: str = image_uris.retrieve(
            framework="sklearn",
            region=region,
            version=serving_image_version(sklearn.__version__),
            image_scope="training",
            instance_type=instance_type,
        )
    except ValueError as exc:
        # The SDK's catalogue lists the scikit-learn images for processor "cpu" only, so a GPU type
        # (ml.g*, ml.p*) has no image; its own message advises upgrading the SDK, which would not help.
        if "processor" in str(exc):
            raise UserError(
                f"--instance-type {instance_type}: the SageMaker scikit-learn image runs on CPU instances only; "
                f"use a CPU type such as {DEFAULT_INSTANCE_TYPE}"
            ) from None
        reason = str(exc).split(". ")[0].rstrip(".")
        raise UserError(
            f"no scikit-learn training image for region {region} and instance type {instance_type} ({reason}); "
            f"check --region and --instance-type (default {DEFAULT_INSTANCE_TYPE})"
        ) from None
    return uri


@dataclass(frozen=True)
class JobSpec:
    region: str
    role: str | None
    training_image: str
    instance_type: str
    base_job_name: str
    hyperparameters: dict[str, object]
    channels: dict[str, str]
    source_dir: Path | None = None  # the staged source directory (stage_source); set before submitting
    metrics: list[dict[str, str]] = field(default_factory=metric_definitions)
    # With --stack-outputs: where the job writes (the stack's training-output/ prefix, its KMS key) and
    # where the SDK stages the source (the same bucket and prefix).
    output_path: str | None = None
    kms_key_id: str | None = None

    @property
    def staging(self) -> tuple[str, str] | None:
        """(bucket, key prefix) of ``output_path``, the SDK session's default bucket and prefix."""
        if self.output_path is None:
            return None
        bucket, _, prefix = self.output_path.removeprefix("s3://").partition("/")
        return bucket, prefix.rstrip("/")


# The stack outputs (`pulumi stack output --json`) a launch for that stack reads.
STACK_OUTPUT_KEYS = ("region", "trainingRoleArn", "trainingOutputUri", "trainingJobPrefix", "kmsKeyArn")


@dataclass(frozen=True)
class StackOutputs:
    region: str
    training_role_arn: str
    training_output_uri: str
    training_job_prefix: str
    kms_key_arn: str


def read_stack_outputs(path: Path) -> StackOutputs:
    """The outputs of the stack the job trains for, from ``pulumi stack output --json > FILE``."""
    hint = "write it with `pulumi stack output --json --stack <stack> > FILE`"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"--stack-outputs {path}: no such file; {hint}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"--stack-outputs {path}: not a JSON document ({exc}); {hint}") from None
    if not isinstance(document, dict):
        raise UserError(f"--stack-outputs {path}: expected a JSON object of stack outputs; {hint}")
    missing = [key for key in STACK_OUTPUT_KEYS if not isinstance(document.get(key), str) or not document[key]]
    if missing:
        raise UserError(
            f"--stack-outputs {path}: no {', '.join(missing)}; update the stack (`pulumi up`) so it exports the "
            "training outputs, then write the file again"
        )
    values = [str(document[key]) for key in STACK_OUTPUT_KEYS]
    if not values[2].startswith("s3://"):
        raise UserError(f"--stack-outputs {path}: trainingOutputUri must be an s3:// URI, got {values[2]!r}")
    return StackOutputs(*values)


# The data-quality baseline's builder (baseline.py imports it): pure pandas, no Pulumi, no AWS. Staged as
# the package ``monitoring/`` beside train.py, which is on sys.path in the job (the script's directory).
MONITORING_DIR = SOURCE_DIR.parent / "monitoring"
MONITORING_MODULES = ("__init__.py", "baseline.py", "errors.py")


def staged_files() -> dict[str, Path]:
    """Path in the source directory -> file in the repository: the job's modules, the model's code/ files,
    and the monitoring modules the baseline needs."""
    files = {name: SOURCE_DIR / name for name in JOB_MODULES}
    files.update({source.name: source for source in CODE_FILES.values()})
    files.update({f"monitoring/{name}": MONITORING_DIR / name for name in MONITORING_MODULES})
    return dict(sorted(files.items()))


def stage_source(destination: Path) -> Path:
    """Copy what the training job runs into ``destination`` (as in the repository); return it."""
    for name, source in staged_files().items():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return destination


def sdk_config(spec: JobSpec) -> dict[str, Any]:
    """The SDK v3 configuration objects for ``spec`` (pydantic models: they validate their fields)."""
    from sagemaker.core.training.configs import Compute, InputData, MetricDefinition, OutputDataConfig, SourceCode

    if spec.source_dir is None:
        raise ValueError("stage the source directory first (stage_source)")
    output: dict[str, Any] = {}
    if spec.output_path is not None:
        output["output_data_config"] = OutputDataConfig(s3_output_path=spec.output_path, kms_key_id=spec.kms_key_id)
    return {
        **output,
        "source_code": SourceCode(
            source_dir=str(spec.source_dir), entry_script=ENTRY_SCRIPT, ignore_patterns=IGNORE_PATTERNS
        ),
        "compute": Compute(instance_type=spec.instance_type, instance_count=1),
        "input_data_config": [InputData(channel_name=name, data_source=uri) for name, uri in spec.channels.items()],
        "metric_definitions": [MetricDefinition(name=m["name"], regex=m["regex"]) for m in spec.metrics],
    }


def dry_run_request(spec: JobSpec) -> dict[str, Any]:
    config = sdk_config(spec)
    source = spec.source_dir or Path()
    return {
        "region": spec.region,
        "role": spec.role,
        "base_job_name": spec.base_job_name,
        "training_image": spec.training_image,
        "source_code": config["source_code"].model_dump(exclude_none=True),
        "source_files": sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()),
        "compute": config["compute"].model_dump(exclude_none=True),
        "hyperparameters": spec.hyperparameters,
        "input_data_config": [channel.model_dump(exclude_none=True) for channel in config["input_data_config"]],
        "metric_definitions": [m.model_dump() for m in config["metric_definitions"]],
        **(
            {"output_data_config": config["output_data_config"].model_dump(exclude_none=True)}
            if "output_data_config" in config
            else {}
        ),
    }


def model_trainer(spec: JobSpec, session: Any) -> Any:
    """The SDK v3 ``ModelTrainer`` for ``spec`` (the managed tuner wraps this same trainer)."""
    from sagemaker.train.model_trainer import ModelTrainer

    config = sdk_config(spec)
    return ModelTrainer(
        sagemaker_session=session,
        role=spec.role,
        base_job_name=spec.base_job_name,
        training_image=spec.training_image,
        source_code=config["source_code"],
        compute=config["compute"],
        hyperparameters=spec.hyperparameters,
        output_data_config=config.get("output_data_config"),
    ).with_metric_definitions(config["metric_definitions"])


def session_for(spec: JobSpec, boto_session: Any) -> Any:
    """The SDK session: with a stack, its training-output/ prefix is where the SDK stages the source."""
    from sagemaker.core.helper.session_helper import Session

    staging = spec.staging
    if staging is None:
        return Session(boto_session=boto_session)
    return Session(boto_session=boto_session, default_bucket=staging[0], default_bucket_prefix=staging[1])


def run_job(spec: JobSpec, session: Any, **wait: Any) -> Any:
    """Start the job and wait for it with our own lines (watch.py); the ``TrainingJobResult``."""
    from .watch import wait_for_training_job

    trainer = model_trainer(spec, session)
    trainer.train(input_data_config=sdk_config(spec)["input_data_config"], wait=False, logs=False)
    return wait_for_training_job(session.sagemaker_client, trainer._latest_training_job.training_job_name, **wait)


def submit(spec: JobSpec) -> None:  # pragma: no cover - needs an AWS account
    import boto3

    from . import publish

    session = session_for(spec, boto3.Session(region_name=spec.region))
    result = run_job(spec, session)
    # Model Monitor reads the baseline as plain objects and the stack deploys from models/<sha256>/.
    published = publish.publish(session.boto_session.client("s3"), result.description, kms_key_id=spec.kms_key_id)
    publish.report(published)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message}; run launch.py --help for the accepted flags")


def _hyperparameter(raw: str) -> tuple[str, object]:
    name, sep, value = raw.partition("=")
    name = name.strip()
    if not sep or name not in SPECS:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE with NAME one of {', '.join(SPECS)}, got {raw!r}")
    try:
        # The same parser train.py applies, so a bad value fails here rather than in a billed job.
        return name, SPECS[name].parse(value)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{name}: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="launch.py", description=(__doc__ or "").split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--train", required=True, help="S3 URI of the train channel (CSV files)")
    parser.add_argument("--validation", help="S3 URI of an optional validation channel")
    parser.add_argument("--test", help="S3 URI of an optional test channel")
    parser.add_argument(
        "--stack-outputs",
        type=Path,
        help="JSON of `pulumi stack output --json` for the stack the model is for: its training role, region, "
        "output prefix, key and job-name prefix become the defaults",
    )
    parser.add_argument(
        "--role",
        help="IAM role ARN the training job assumes (default: the stack's trainingRoleArn; required unless "
        "--stack-outputs or --dry-run)",
    )
    parser.add_argument("--region", help="AWS region (default: the stack's, else AWS_REGION or AWS_DEFAULT_REGION)")
    parser.add_argument("--instance-type", default=DEFAULT_INSTANCE_TYPE)
    parser.add_argument(
        "--base-job-name",
        help=f"job name prefix (default: the stack's trainingJobPrefix, else {DEFAULT_BASE_JOB_NAME})",
    )
    parser.add_argument(
        "-H",
        "--hyperparameter",
        dest="hyperparameters",
        action="append",
        type=_hyperparameter,
        default=[],
        metavar="NAME=VALUE",
        help=f"train.py hyperparameter, repeatable; names: {', '.join(SPECS)}",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the job request; call no AWS API")
    return parser


def build_spec(argv: Sequence[str] | None, environ: Mapping[str, str]) -> tuple[JobSpec, bool]:
    args = build_parser().parse_args(argv)
    channels = {name: getattr(args, name) for name in CHANNELS if getattr(args, name)}
    for name, uri in channels.items():
        if not uri.startswith("s3://"):
            raise UserError(f"--{name} must be an s3:// URI (got {uri!r}); upload the CSV files to S3 first")
    stack = read_stack_outputs(args.stack_outputs) if args.stack_outputs else None
    if stack is not None and args.region and args.region != stack.region:
        raise UserError(f"--region {args.region} but the stack is in {stack.region}; drop --region or use that region")
    region = (
        args.region
        or (stack.region if stack else None)
        or environ.get("AWS_REGION")
        or environ.get("AWS_DEFAULT_REGION")
    )
    if not region:
        raise UserError("no AWS region: pass --region or set AWS_REGION")
    role = args.role or (stack.training_role_arn if stack else None)
    if not args.dry_run and not role:
        raise UserError(
            "--role is required to start a training job (an IAM role ARN SageMaker can assume); or pass "
            "--stack-outputs to use the stack's training role"
        )
    base_job_name = args.base_job_name or (stack.training_job_prefix if stack else DEFAULT_BASE_JOB_NAME)
    if stack is not None and not base_job_name.startswith(stack.training_job_prefix):
        raise UserError(
            f"--base-job-name {base_job_name} must start with the stack's trainingJobPrefix "
            f"{stack.training_job_prefix} (the launcherPolicy allows only jobs named so)"
        )
    hyperparameters = dict(args.hyperparameters)
    if len(hyperparameters) != len(args.hyperparameters):
        raise HyperparameterError("a hyperparameter is given twice; pass each -H NAME=VALUE once")
    spec = JobSpec(
        region=region,
        role=role,
        training_image=training_image(region, args.instance_type),
        instance_type=args.instance_type,
        base_job_name=base_job_name,
        hyperparameters=hyperparameters,
        channels=channels,
        output_path=stack.training_output_uri if stack else None,
        kms_key_id=stack.kms_key_arn if stack else None,
    )
    return spec, bool(args.dry_run)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    try:
        spec, dry_run = build_spec(argv, os.environ if environ is None else environ)
        with tempfile.TemporaryDirectory(prefix="training-source-") as tmp:
            spec = dataclasses.replace(spec, source_dir=stage_source(Path(tmp) / "code"))
            if dry_run:
                print(json.dumps(dry_run_request(spec), indent=2))
                return 0
            submit(spec)
    except TrainingError as exc:  # includes watch.JobFailedError: the job's FailureReason, one line
        print(f"launch failed: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
