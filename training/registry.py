"""``python -m training.registry``: a stack's model registry — register, approve, reject, list, promote.

Each stack owns one SageMaker Model Package Group (stack output ``modelPackageGroupName``). A trained
model, local or managed, tuned or not, becomes a version of that group:

- ``register``: the artifact (a local ``model.tar.gz``, uploaded to ``s3://<bucket>/models/<sha256>/``,
  or an ``s3://`` artifact from managed training, read back and hashed), the serving image named by its
  manifest, the metrics (``metrics.json`` as the package's model-quality report, the headline values as
  metadata), the Model Monitor baseline when one is beside it, the training data sha256 and the code
  commit. Status ``PendingManualApproval``.
- ``approve`` / ``reject --reason``: the version's approval decision, who made it and why.
- ``list``: every version of a group with its status, sha256 and validation macro F1.
- ``promote``: an Approved version copied into the next environment's group, where it waits for that
  environment's own approval (an approval in dev is not an approval in prod).

Works against an AWS account (the usual boto3 credentials) or the local emulator (``--endpoint-url``).

Exit codes: 0 done; 2 the input is wrong (a flag, a file, an ARN, a version that is not Approved);
4 the platform failed (AWS or the emulator refused a request or could not be reached).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK, EXIT_INPUT, EXIT_PLATFORM = 0, 2, 4
PENDING, APPROVED, REJECTED = "PendingManualApproval", "Approved", "Rejected"
# CustomerMetadataProperties keys the stack reads back when it deploys a version (infra/registry/resolve.py).
SHA256_KEY = "sha256"
DATA_SHA256_PREFIX = "data-sha256:"
PROMOTED_FROM_KEY = "promoted-from"
DECIDED_BY_KEY = "decided-by"
ARTIFACT_MEMBER, MANIFEST_MEMBER = "model.joblib", "manifest.json"
# The XGBoost family's artifact: the feature pipeline and the booster, and the booster alone in its own
# tarball beside it (what the built-in container loads), pinned by sha256 in the manifest.
XGBOOST_MEMBERS = ("preprocess.joblib", "xgboost-model")
BOOSTER_TARBALL = "xgboost-model.tar.gz"
BASELINE_FILES = ("statistics.json", "constraints.json")
CONTENT_TYPES = ["text/csv", "application/json"]
# SageMaker's limits (the API model's patterns; botocore validates types and lengths, not patterns).
_GROUP = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_PACKAGE_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:\d{12}:model-package/([a-zA-Z0-9-]{1,63})/(\d+)$")
_S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])/(.+\.tar\.gz)$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_METADATA = re.compile(r"^[\w\s.:/=+\-@]*$")
MAX_REASON = 1024


class RegistryInputError(Exception):
    """The user's input is wrong; the message names it and the fix (exit 2)."""


class RegistryPlatformError(Exception):
    """AWS or the emulator refused a request or could not be reached (exit 4)."""


@dataclass(frozen=True)
class Artifact:
    """A model tarball as the registry records it."""

    sha256: str
    manifest: dict[str, Any]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_artifact(path: Path, shown: str) -> Artifact:
    """Hash the tarball and read ``manifest.json`` from its root; anything else is one input error."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            names = set(tar.getnames())
            member = tar.extractfile(MANIFEST_MEMBER) if MANIFEST_MEMBER in names else None
            if member is None:
                raise RegistryInputError(f"{shown} has no {MANIFEST_MEMBER} at its root; build it with `make train`")
            manifest = json.loads(member.read().decode("utf-8"))
            xgboost = isinstance(manifest, dict) and manifest.get("framework") == "xgboost"
            for required in XGBOOST_MEMBERS if xgboost else (ARTIFACT_MEMBER,):
                if required not in names:
                    build = "make train-xgboost" if xgboost else "make train"
                    raise RegistryInputError(f"{shown} has no {required} at its root; build it with `{build}`")
    except (tarfile.TarError, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegistryInputError(f"{shown} is not a readable model.tar.gz ({type(exc).__name__}); rebuild it") from None
    for key in ("serving_image_version", "sklearn_version", "target"):
        if not isinstance(manifest.get(key), str):
            raise RegistryInputError(f"{shown}: its manifest has no {key}; rebuild it with `make train`")
    return Artifact(sha256_file(path), manifest)


def code_commit(manifest: Mapping[str, Any]) -> str:
    """The commit of the training code the manifest names; else the checkout's HEAD; else ``unknown``."""
    recorded = manifest.get("git_commit")
    if isinstance(recorded, str) and recorded:
        return recorded
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"


def serving_image(region: str, version: str) -> str:
    """The scikit-learn serving image the manifest names, from the SageMaker SDK's bundled catalogue."""
    from sagemaker.core import image_uris

    try:
        uri: str = image_uris.retrieve(framework="sklearn", region=region, version=version, image_scope="inference")
    except ValueError as exc:
        raise RegistryInputError(f"no scikit-learn serving image {version!r} in {region}: {exc}") from None
    return uri


def _metadata_value(value: object) -> str:
    text = f"{value:.6f}" if isinstance(value, float) else str(value)
    return text if _METADATA.match(text) and 1 <= len(text) <= 256 else "unprintable"


def customer_metadata(artifact: Artifact) -> dict[str, str]:
    """What the registry shows without reading S3: the sha256, the data's sha256s, the headline metrics."""
    properties = {SHA256_KEY: artifact.sha256}
    data = artifact.manifest.get("data_sha256") or {}
    if isinstance(data, Mapping):
        for name, digest in sorted(data.items()):
            properties[f"{DATA_SHA256_PREFIX}{name}"[:128]] = _metadata_value(digest)
    metrics = artifact.manifest.get("metrics") or {}
    if isinstance(metrics, Mapping):
        for split, values in sorted(metrics.items()):
            if isinstance(values, Mapping):
                for name, value in sorted(values.items()):
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        properties[f"{split}:{name}"] = _metadata_value(float(value))
    # SageMaker keeps at most 50 properties per version.
    return dict(list(properties.items())[:50])


def create_request(
    *,
    group: str,
    artifact: Artifact,
    model_data_url: str,
    image: str,
    metrics_uri: str | None,
    baseline_uris: Mapping[str, str] | None,
    description: str | None,
    booster: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The CreateModelPackage request of a new version (boto3 validates it against the API model)."""
    manifest = artifact.manifest
    metrics: dict[str, Any] = {}
    if metrics_uri:
        metrics["ModelQuality"] = {"Statistics": {"ContentType": "application/json", "S3Uri": metrics_uri}}
    if baseline_uris:
        metrics["ModelDataQuality"] = {
            "Statistics": {"ContentType": "application/json", "S3Uri": baseline_uris["statistics"]},
            "Constraints": {"ContentType": "application/json", "S3Uri": baseline_uris["constraints"]},
        }
    estimator = (manifest.get("hyperparameters") or {}).get("estimator", "model")
    request: dict[str, Any] = {
        "ModelPackageGroupName": group,
        "ModelPackageDescription": (
            description or f"{manifest['target']} {estimator}, scikit-learn {manifest['sklearn_version']}"
        )[:1024],
        "InferenceSpecification": {
            "Containers": [
                {
                    "Image": image,
                    "ModelDataUrl": model_data_url,
                    "Framework": "SKLEARN",
                    "FrameworkVersion": manifest["sklearn_version"],
                },
                # The XGBoost family: the built-in algorithm's image and the booster (image, ModelDataUrl).
                *(
                    [
                        {
                            "Image": booster[0],
                            "ModelDataUrl": booster[1],
                            "Framework": "XGBOOST",
                            "FrameworkVersion": str(manifest["xgboost_version"]),
                        }
                    ]
                    if booster is not None
                    else []
                ),
            ],
            "SupportedContentTypes": CONTENT_TYPES,
            "SupportedResponseMIMETypes": CONTENT_TYPES,
        },
        "ModelApprovalStatus": PENDING,
        "MetadataProperties": {"CommitId": code_commit(manifest), "GeneratedBy": "training/train.py"},
        "CustomerMetadataProperties": customer_metadata(artifact),
    }
    if metrics:
        request["ModelMetrics"] = metrics
    return request


class Registry:
    """The registry calls, over boto3 clients for SageMaker, S3 and STS (any endpoint)."""

    def __init__(self, sagemaker: Any, s3: Any, sts: Any) -> None:
        self.sagemaker, self.s3, self.sts = sagemaker, s3, sts

    def _call(self, client: Any, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

        try:
            response: dict[str, Any] = getattr(client, operation)(**params)
        except ParamValidationError as exc:
            raise RegistryInputError(" ".join(str(exc).split())) from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            message = " ".join(str(error.get("Message", "")).split())[:300]
            raise RegistryPlatformError(f"{operation} refused: {error.get('Code', 'error')}: {message}") from None
        except BotoCoreError as exc:
            raise RegistryPlatformError(f"{operation} failed: {' '.join(str(exc).split())[:300]}") from None
        response.pop("ResponseMetadata", None)
        return response

    def describe(self, arn: str) -> dict[str, Any]:
        return self._call(self.sagemaker, "describe_model_package", ModelPackageName=package_arn(arn))

    def _upload(self, path: Path, bucket: str, key: str) -> str:
        # No SSE header: the bucket's default encryption (SSE-KMS with the stack's key) applies.
        with path.open("rb") as body:
            self._call(self.s3, "put_object", Bucket=bucket, Key=key, Body=body)
        return f"s3://{bucket}/{key}"

    def register(
        self,
        *,
        group: str,
        artifact: str,
        region: str,
        bucket: str | None,
        metrics: Path | None,
        baseline: Path | None,
        description: str | None,
    ) -> tuple[str, str]:
        """Create a PendingManualApproval version of ``group``; return its ARN and the artifact's sha256."""
        _group(group)
        if bucket is not None and not _BUCKET.match(bucket):
            raise RegistryInputError(f"--bucket must be an S3 bucket name, got {bucket!r}")
        s3_match = _S3_URI.match(artifact)
        with tempfile.TemporaryDirectory(prefix="registry-") as scratch:
            if s3_match:
                local = Path(scratch) / "model.tar.gz"
                body = self._call(self.s3, "get_object", Bucket=s3_match.group(1), Key=s3_match.group(2))["Body"]
                with local.open("wb") as sink:
                    for chunk in iter(lambda: body.read(1 << 20), b""):
                        sink.write(chunk)
                facts = read_artifact(local, artifact)
                model_data_url, prefix_bucket = artifact, s3_match.group(1)
                prefix = s3_match.group(2).rsplit("/", 1)[0] + "/" if "/" in s3_match.group(2) else ""
                # Managed training publishes the booster tarball beside the artifact.
                booster_url = f"s3://{prefix_bucket}/{prefix}{BOOSTER_TARBALL}"
            else:
                if artifact.startswith("s3://"):
                    raise RegistryInputError(f"--artifact must be s3://<bucket>/<key>.tar.gz, got {artifact!r}")
                path = Path(artifact)
                if not path.is_file():
                    raise RegistryInputError(f"--artifact {artifact}: no such file; run `make train` first")
                if bucket is None:
                    raise RegistryInputError(
                        "--bucket is required for a local artifact: the stack's artifactBucket output "
                        "(the version's artifact must be in S3)"
                    )
                facts = read_artifact(path, artifact)
                prefix_bucket, prefix = bucket, f"models/{facts.sha256}/"
                # The booster is checked before anything is written.
                booster_file = _booster_beside(path, facts) if facts.manifest.get("framework") == "xgboost" else None
                model_data_url = self._upload(path, bucket, f"{prefix}model.tar.gz")
                if booster_file is not None:
                    booster_url = self._upload(booster_file, bucket, f"{prefix}{BOOSTER_TARBALL}")
                metrics = metrics if metrics is not None else _beside(path, "metrics.json")
                baseline = baseline if baseline is not None else _beside(path, "baseline")
            metrics_uri = None
            if metrics is not None:
                if not metrics.is_file():
                    raise RegistryInputError(f"--metrics {metrics}: no such file")
                metrics_uri = self._upload(metrics, prefix_bucket, f"{prefix}metrics.json")
            baseline_uris: dict[str, str] | None = None
            if baseline is not None:
                files = [baseline / name for name in BASELINE_FILES]
                if not all(f.is_file() for f in files):
                    raise RegistryInputError(
                        f"--baseline {baseline}: needs {' and '.join(BASELINE_FILES)} "
                        "(python -m monitoring.baseline builds them)"
                    )
                baseline_uris = {f.stem: self._upload(f, prefix_bucket, f"{prefix}baseline/{f.name}") for f in files}
            image = serving_image(region, facts.manifest["serving_image_version"])
            booster = None
            if facts.manifest.get("framework") == "xgboost":
                booster = (xgboost_image(region, str(facts.manifest["algorithm_image_version"])), booster_url)
            request = create_request(
                group=group,
                artifact=facts,
                model_data_url=model_data_url,
                image=image,
                metrics_uri=metrics_uri,
                baseline_uris=baseline_uris,
                description=description,
                booster=booster,
            )
        arn = str(self._call(self.sagemaker, "create_model_package", **request)["ModelPackageArn"])
        return arn, facts.sha256

    def decide(self, arn: str, status: str, reason: str) -> dict[str, Any]:
        """Approve or reject a version; record why (ApprovalDescription) and who (the caller's ARN)."""
        if not reason.strip() or len(reason) > MAX_REASON or "\n" in reason:
            raise RegistryInputError(f"--reason must be one line of 1-{MAX_REASON} characters")
        described = self.describe(arn)
        caller = str(self._call(self.sts, "get_caller_identity").get("Arn", "unknown"))
        # UpdateModelPackage's CustomerMetadataProperties adds keys on AWS; the emulator replaces the whole
        # map with what is sent, so the existing properties are sent again with the decision.
        properties = {**(described.get("CustomerMetadataProperties") or {}), DECIDED_BY_KEY: caller[:256]}
        self._call(
            self.sagemaker,
            "update_model_package",
            ModelPackageArn=described["ModelPackageArn"],
            ModelApprovalStatus=status,
            ApprovalDescription=reason,
            CustomerMetadataProperties=properties,
        )
        return self.describe(arn)

    def versions(self, group: str) -> list[dict[str, Any]]:
        """Every version of ``group``, oldest first, described (the listing lacks the metadata)."""
        _group(group)
        summaries: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self._call(
                self.sagemaker,
                "list_model_packages",
                ModelPackageGroupName=group,
                SortBy="CreationTime",
                SortOrder="Ascending",
                **({"NextToken": token} if token else {}),
            )
            summaries.extend(page.get("ModelPackageSummaryList", []))
            token = page.get("NextToken")
            if not token:
                break
        return [self.describe(str(s["ModelPackageArn"])) for s in summaries]

    def promote(self, arn: str, to_group: str) -> str:
        """Copy an Approved version into ``to_group`` as PendingManualApproval; return the new ARN."""
        _group(to_group)
        source = self.describe(arn)
        if source.get("ModelApprovalStatus") != APPROVED:
            raise RegistryInputError(
                f"{source['ModelPackageArn']} is {source.get('ModelApprovalStatus')}, not Approved: only an approved "
                f"version is promoted (python -m training.registry approve {source['ModelPackageArn']} --reason ...)"
            )
        if source.get("ModelPackageGroupName") == to_group:
            raise RegistryInputError(f"--to-group {to_group} is the version's own group; name the next stack's group")
        properties = dict(source.get("CustomerMetadataProperties") or {})
        properties.pop(DECIDED_BY_KEY, None)
        properties[PROMOTED_FROM_KEY] = str(source["ModelPackageArn"])
        request: dict[str, Any] = {
            "ModelPackageGroupName": to_group,
            "ModelPackageDescription": source.get("ModelPackageDescription", "")[:1024],
            "InferenceSpecification": source["InferenceSpecification"],
            "ModelApprovalStatus": PENDING,
            "CustomerMetadataProperties": properties,
        }
        for key in ("MetadataProperties", "ModelMetrics"):
            if source.get(key):
                request[key] = source[key]
        return str(self._call(self.sagemaker, "create_model_package", **request)["ModelPackageArn"])


def _booster_beside(path: Path, facts: Artifact) -> Path:
    """The XGBoost family's booster tarball next to the artifact, checked against the manifest's sha256."""
    pinned = facts.manifest.get("booster") or {}
    booster = path.parent / str(pinned.get("file", BOOSTER_TARBALL))
    if not booster.is_file():
        raise RegistryInputError(f"{booster} is missing beside {path.name}; build both with `make train-xgboost`")
    if sha256_file(booster) != pinned.get("sha256"):
        raise RegistryInputError(
            f"{booster} does not match the booster {path.name} was built with; rebuild with `make train-xgboost`"
        )
    return booster


def xgboost_image(region: str, version: str) -> str:
    """The built-in XGBoost algorithm's image the manifest names, from the SDK's bundled catalogue."""
    from sagemaker.core import image_uris

    try:
        uri: str = image_uris.retrieve(framework="xgboost", region=region, version=version, image_scope="inference")
    except ValueError as exc:
        raise RegistryInputError(f"no built-in XGBoost image {version!r} in {region}: {exc}") from None
    return uri


def _beside(path: Path, name: str) -> Path | None:
    candidate = path.parent / name
    return candidate if candidate.exists() else None


def _group(name: str) -> str:
    if not _GROUP.match(name):
        raise RegistryInputError(
            f"--group must be a model package group name (1-63 letters, digits, hyphens), got {name!r}; "
            "use the stack output modelPackageGroupName"
        )
    return name


def package_arn(value: str) -> str:
    if not _PACKAGE_ARN.match(value):
        raise RegistryInputError(
            f"{value!r} is not a model package version ARN "
            "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>); `list` shows them"
        )
    return value


def row(described: Mapping[str, Any]) -> str:
    properties = described.get("CustomerMetadataProperties") or {}
    return "  ".join(
        [
            f"{described.get('ModelPackageVersion', '?'):>3}",
            f"{described.get('ModelApprovalStatus', '?'):<21}",
            str(properties.get(SHA256_KEY, "?"))[:12],
            f"f1={properties.get('validation:macro_f1', '?')}",
            str(described.get("ModelPackageArn")),
            str(described.get("ApprovalDescription", "")),
        ]
    ).rstrip()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise RegistryInputError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m training.registry", description=(__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--region", help="AWS region (default: AWS_REGION or AWS_DEFAULT_REGION)")
    parser.add_argument("--endpoint-url", help="send every request here, e.g. the local emulator's URL")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    register = commands.add_parser("register", help="register a model as a PendingManualApproval version")
    register.add_argument("--group", required=True, help="the stack output modelPackageGroupName")
    register.add_argument("--artifact", required=True, help="a local model.tar.gz or s3://<bucket>/<key>.tar.gz")
    register.add_argument("--bucket", help="the stack output artifactBucket (where a local artifact is uploaded)")
    register.add_argument("--metrics", type=Path, help="metrics.json (default: the one beside a local artifact)")
    register.add_argument("--baseline", type=Path, help="Model Monitor baseline directory (default: beside it)")
    register.add_argument("--description", help="the version's description")
    approve = commands.add_parser("approve", help="approve a version")
    approve.add_argument("arn")
    approve.add_argument("--reason", default="approved", help="why (the version's ApprovalDescription)")
    reject = commands.add_parser("reject", help="reject a version")
    reject.add_argument("arn")
    reject.add_argument("--reason", required=True, help="why (the version's ApprovalDescription)")
    listing = commands.add_parser("list", help="every version of a group")
    listing.add_argument("--group", required=True)
    promote = commands.add_parser("promote", help="copy an Approved version into the next stack's group")
    promote.add_argument("arn")
    promote.add_argument("--to-group", required=True, help="the next stack's modelPackageGroupName")
    return parser


def registry_for(region: str, endpoint_url: str | None) -> Registry:
    import boto3

    def client(service: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=endpoint_url)

    return Registry(client("sagemaker"), client("s3"), client("sts"))


def _main(argv: Sequence[str] | None, environ: Mapping[str, str]) -> int:
    args = build_parser().parse_args(argv)
    region = args.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise RegistryInputError("no region: pass --region (the stack's aws:region) or set AWS_REGION")
    if args.endpoint_url is not None and not re.match(r"^https?://[^\s]+$", args.endpoint_url):
        raise RegistryInputError(f"--endpoint-url must be an http(s):// URL, got {args.endpoint_url!r}")
    if getattr(args, "arn", None) is not None:
        package_arn(args.arn)
    registry = registry_for(region, args.endpoint_url)
    if args.command == "register":
        arn, sha = registry.register(
            group=args.group,
            artifact=args.artifact,
            region=region,
            bucket=args.bucket,
            metrics=args.metrics,
            baseline=args.baseline,
            description=args.description,
        )
        print(f"registered {arn} ({PENDING}), artifact sha256 {sha}")
    elif args.command in ("approve", "reject"):
        status = APPROVED if args.command == "approve" else REJECTED
        described = registry.decide(args.arn, status, args.reason)
        print(f"{described['ModelPackageArn']}: {described['ModelApprovalStatus']} ({args.reason})")
    elif args.command == "list":
        for described in registry.versions(args.group):
            print(row(described))
    else:
        arn = registry.promote(args.arn, args.to_group)
        print(f"promoted {args.arn} to {arn} ({PENDING}); approve it there to deploy it")
    return EXIT_OK


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    try:
        return _main(argv, os.environ if environ is None else environ)
    except RegistryInputError as exc:
        print(f"registry: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except RegistryPlatformError as exc:
        print(f"registry: {exc}", file=sys.stderr)
        return EXIT_PLATFORM


if __name__ == "__main__":
    sys.exit(main())
