"""Managed training of the XGBoost family: the built-in algorithm, no training code (SageMaker SDK v3).

    python -m training.launch_boost --train s3://bucket/data/xgboost/train/ \\
        --validation s3://bucket/data/xgboost/validation/ --output s3://bucket/training-output/ \\
        --role arn:aws:iam::123456789012:role/x --region eu-west-1 -H eta=0.1
    python -m training.launch_boost ... --dry-run

The channels are the files ``python -m training.train_boost`` writes to ``build/xgboost/channels/``
(upload ``train.csv`` and ``validation.csv`` under the stack bucket's ``data/`` prefix): label index first,
no header, numbers only, declared ``text/csv``. The job runs the built-in XGBoost training image of the
image version the local twin matches (``boost.IMAGE_VERSION``), in algorithm mode: ``ModelTrainer`` with
``training_image`` and no ``source_code``, the built-in hyperparameter names, and no metric definitions
(the algorithm declares its own, ``validation:mlogloss`` and the rest). Its output ``model.tar.gz``
holds ``xgboost-model``, which is the XGBoost family's ``xgboost-model.tar.gz``.

``--dry-run`` prints the CreateTrainingJob request this job sends and validates it against botocore's
SageMaker service model (the same check boto3 makes before any call), without credentials or network.
Exit codes: 0 ok, 2 bad flags, 4 the SDK or botocore refused the request.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from . import boost
from .errors import HyperparameterError, PlatformError, TrainingError
from .train_boost import _hyperparameter, parse_hyperparameters

DEFAULT_INSTANCE_TYPE = "ml.m5.large"
DEFAULT_BASE_JOB_NAME = "penguins-xgboost"
MAX_RUNTIME_SECONDS = 3600
CHANNELS = ("train", "validation")


def training_image(region: str) -> str:
    """The built-in XGBoost training image from the SDK's bundled catalogue (no network call)."""
    from sagemaker.core import image_uris

    try:
        uri: str = image_uris.retrieve(
            framework="xgboost", region=region, version=boost.IMAGE_VERSION, image_scope="training"
        )
    except ValueError as exc:
        reason = str(exc).split(". ")[0].rstrip(".")
        raise HyperparameterError(f"no built-in XGBoost image {boost.IMAGE_VERSION} in {region} ({reason})") from None
    return uri


@dataclass(frozen=True)
class BoostJob:
    region: str
    role: str
    image: str
    channels: dict[str, str]
    output: str
    hyperparameters: dict[str, str]
    instance_type: str = DEFAULT_INSTANCE_TYPE
    base_job_name: str = DEFAULT_BASE_JOB_NAME
    tags: dict[str, str] = field(default_factory=dict)


def create_training_job_request(job: BoostJob, name: str) -> dict[str, Any]:
    """The CreateTrainingJob parameters of ``job`` (what ModelTrainer sends for an algorithm image)."""
    return {
        "TrainingJobName": name,
        "RoleArn": job.role,
        "AlgorithmSpecification": {"TrainingImage": job.image, "TrainingInputMode": "File"},
        "HyperParameters": dict(job.hyperparameters),
        "InputDataConfig": [
            {
                "ChannelName": channel,
                "ContentType": boost.CONTENT_TYPE,
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": uri,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
            for channel, uri in job.channels.items()
        ],
        "OutputDataConfig": {"S3OutputPath": job.output},
        "ResourceConfig": {"InstanceType": job.instance_type, "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
        # The algorithm reads its channels and writes its model; it needs no network.
        "EnableNetworkIsolation": True,
    }


def validate(request: dict[str, Any]) -> None:
    """botocore's own parameter validation against the SageMaker service model (PlatformError if refused)."""
    import botocore.session
    from botocore.exceptions import ParamValidationError
    from botocore.validate import validate_parameters

    operation = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateTrainingJob")
    try:
        validate_parameters(request, operation.input_shape)
    except ParamValidationError as exc:
        raise PlatformError(f"botocore refuses the CreateTrainingJob request: {exc}".replace("\n", " ")) from None


def model_trainer(job: BoostJob, session: Any) -> Any:
    """ModelTrainer in algorithm mode: the algorithm image, no source code."""
    from sagemaker.core.training.configs import Compute, InputData, OutputDataConfig, StoppingCondition
    from sagemaker.train.model_trainer import ModelTrainer

    return ModelTrainer(
        sagemaker_session=session,
        role=job.role,
        base_job_name=job.base_job_name,
        training_image=job.image,
        compute=Compute(instance_type=job.instance_type, instance_count=1),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=MAX_RUNTIME_SECONDS),
        output_data_config=OutputDataConfig(s3_output_path=job.output),
        input_data_config=[
            InputData(channel_name=name, data_source=uri, content_type=boost.CONTENT_TYPE)
            for name, uri in job.channels.items()
        ],
        hyperparameters=job.hyperparameters,
    )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise HyperparameterError(f"{message}; run python -m training.launch_boost --help for the accepted flags")


def _s3(raw: str) -> str:
    if not raw.startswith("s3://") or len(raw) <= len("s3://"):
        raise argparse.ArgumentTypeError(f"expected an s3:// URI, got {raw[:60]!r}")
    return raw


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m training.launch_boost", description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--train", type=_s3, required=True, help="S3 prefix of the train channel (train.csv)")
    parser.add_argument("--validation", type=_s3, required=True, help="S3 prefix of the validation channel")
    parser.add_argument("--output", type=_s3, required=True, help="S3 prefix for the job's model.tar.gz")
    parser.add_argument("--region", required=True)
    parser.add_argument("--role", default="arn:aws:iam::123456789012:role/dry-run", help="execution role ARN")
    parser.add_argument("--num-class", type=int, default=3, help="classes in the train channel (label 0..n-1)")
    parser.add_argument("--instance-type", default=DEFAULT_INSTANCE_TYPE)
    parser.add_argument("-H", "--hyperparameter", type=_hyperparameter, action="append", default=[])
    parser.add_argument("--dry-run", action="store_true", help="print and validate the request; no AWS call")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.num_class < 2:
            raise HyperparameterError(f"--num-class must be at least 2, got {args.num_class}")
        job = BoostJob(
            region=args.region,
            role=args.role,
            image=training_image(args.region),
            channels={"train": args.train, "validation": args.validation},
            output=args.output,
            hyperparameters=parse_hyperparameters(args.hyperparameter).algorithm(args.num_class),
            instance_type=args.instance_type,
        )
        request = create_training_job_request(job, f"{job.base_job_name}-dry-run")
        validate(request)
        if args.dry_run:
            print(json.dumps(request, indent=2, sort_keys=True))
            return 0
        submit(job)  # pragma: no cover - needs an AWS account
    except TrainingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


def submit(job: BoostJob) -> None:  # pragma: no cover - needs an AWS account
    import boto3
    from sagemaker.core.helper.session_helper import Session

    session = Session(boto_session=boto3.Session(region_name=job.region))
    model_trainer(job, session).train(wait=False, logs=False)


if __name__ == "__main__":
    sys.exit(main())
