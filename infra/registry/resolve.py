"""``mlops:modelPackage``: the registered version a stack deploys, resolved when the program runs.

No pulumi-aws data source reads model packages, so the program asks SageMaker itself (boto3, the same
credentials and region as the provider, and the stack's ``aws:endpoints`` for sagemaker and s3 when set;
otherwise ``AWS_ENDPOINT_URL_SAGEMAKER`` / ``AWS_ENDPOINT_URL_S3`` can point it at an emulator).
``latest-approved`` is the newest Approved version of the stack's own group; an ARN names one version,
which must belong to that group (a version reaches another stack by ``promote``, so each environment
approves it itself).

The version's artifact is read back from S3 and hashed: it must be the sha256 the version was registered
with, and its manifest's metrics must equal the registered ones. It is then deployed exactly like a
local artifact (uploaded under ``models/<sha256>/`` of the stack's own bucket, with the baseline the
version carries), so the execution role keeps reading its own bucket only and a release stays a new
model plus an in-place endpoint update.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.errors import ConfigError, RegistryUnavailableError

KEY = "mlops:modelPackage"
LATEST_APPROVED = "latest-approved"
APPROVED, REJECTED = "Approved", "Rejected"
# CustomerMetadataProperties written by `python -m training.registry register`.
SHA256_PROPERTY = "sha256"
_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:([a-z0-9-]+):(\d{12}):model-package/([a-zA-Z0-9-]{1,63})/(\d+)$")
_S3 = re.compile(r"^s3://([^/]+)/(.+)$")
_METRIC = re.compile(r"^(train|validation|test):[A-Za-z0-9_]+$")
APPROVE_COMMAND = "python -m training.registry approve"


@dataclass(frozen=True)
class ResolvedPackage:
    """The version a stack deploys, as read from the registry and checked against its artifact."""

    arn: str
    group: str
    version: int
    status: str
    sha256: str
    image: str
    model_data_url: str
    approval: str
    artifact_path: Path

    @property
    def tags(self) -> dict[str, str]:
        """On the SageMaker model: which registered version it serves (what the policy pack checks)."""
        return {"model-package": self.arn, "model-package-status": self.status}

    def outputs(self) -> dict[str, Any]:
        """Stack outputs naming what ships, one value each so the plan diff shows every one whole."""
        return {
            "modelPackage": self.arn,
            "modelPackageStatus": self.status,
            "modelPackageApproval": self.approval,
            "modelPackageSha256": self.sha256,
            # The plan diff masks full sha256s (snapshots must not change with every artifact): the prefix
            # still shows a reviewer which bytes ship.
            "modelPackageSha256Prefix": self.sha256[:12],
        }


def _clients(region: str, endpoints: Mapping[str, str]) -> tuple[Any, Any]:
    import boto3

    return (
        boto3.client("sagemaker", region_name=region, endpoint_url=endpoints.get("sagemaker")),
        boto3.client("s3", region_name=region, endpoint_url=endpoints.get("s3")),
    )


def provider_endpoints(value: str | None) -> dict[str, str]:
    """The stack's ``aws:endpoints`` (a list of service → URL maps, as the provider reads it): the look-up
    goes where the provider sends the stack's own requests, e.g. the emulator of ``Pulumi.local.yaml``."""
    if not value:
        return {}
    try:
        entries = json.loads(value)
    except json.JSONDecodeError:
        raise ConfigError("aws:endpoints", "is not valid structured config (a list of service: URL maps)") from None
    merged: dict[str, str] = {}
    for entry in entries if isinstance(entries, list) else [entries]:
        if isinstance(entry, Mapping):
            merged.update({str(k): str(v) for k, v in entry.items() if k in ("sagemaker", "s3")})
    return merged


def _call(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response: dict[str, Any] = getattr(client, operation)(**params)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        message = " ".join(str(error.get("Message", "")).split())[:300]
        code = str(error.get("Code", "error"))
        if code == "ValidationException" and "not found" in message.lower():
            raise ConfigError(
                KEY, f"{message}; `python -m training.registry list --group ...` shows the versions"
            ) from None
        raise RegistryUnavailableError(f"[{KEY}] {operation} refused: {code}: {message}") from None
    except BotoCoreError as exc:
        raise RegistryUnavailableError(f"[{KEY}] {operation} failed: {' '.join(str(exc).split())[:300]}") from None
    return response


def _latest_approved(sagemaker: Any, group: str) -> str:
    listed = _call(
        sagemaker,
        "list_model_packages",
        ModelPackageGroupName=group,
        ModelApprovalStatus=APPROVED,
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=1,
    ).get("ModelPackageSummaryList", [])
    if not listed:
        raise ConfigError(
            KEY,
            f"latest-approved: group {group} has no Approved version; register one "
            f"(python -m training.registry register --group {group} ...) and approve it ({APPROVE_COMMAND} ARN)",
        )
    return str(listed[0]["ModelPackageArn"])


def _download(s3: Any, uri: str, destination: Path) -> None:
    match = _S3.match(uri)
    if match is None:
        raise ConfigError(KEY, f"the version's artifact {uri!r} is not an s3:// URI")
    body = _call(s3, "get_object", Bucket=match.group(1), Key=match.group(2))["Body"]
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    with partial.open("wb") as sink:
        for chunk in iter(lambda: body.read(1 << 20), b""):
            sink.write(chunk)
    partial.replace(destination)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest_metrics(path: Path) -> dict[str, str]:
    """The manifest's metrics in the registry's spelling (``validation:macro_f1`` → ``0.981376``)."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member is not None else {}
    except (tarfile.TarError, OSError, KeyError, json.JSONDecodeError):
        return {}
    values: dict[str, str] = {}
    for split, metrics in (manifest.get("metrics") or {}).items():
        for name, value in (metrics or {}).items() if isinstance(metrics, Mapping) else ():
            if isinstance(value, int | float) and not isinstance(value, bool):
                values[f"{split}:{name}"] = f"{float(value):.6f}"
    return values


def check_status(arn: str, status: str, approval: str, environment: str) -> None:
    """Prod deploys only Approved versions; no stack deploys a Rejected one."""
    fix = f"{APPROVE_COMMAND} {arn} --reason '...'"
    if status == REJECTED:
        raise ConfigError(
            KEY,
            f"{arn} is Rejected ({approval or 'no reason given'}); a rejected version is never deployed: "
            f"register a new one, or reverse the decision with {fix}",
        )
    if environment == "prod" and status != APPROVED:
        raise ConfigError(KEY, f"{arn} is {status}; prod deploys only Approved versions: {fix}")


def resolve(
    value: str,
    *,
    group: str,
    region: str,
    environment: str,
    cache_dir: Path,
    endpoints: Mapping[str, str] | None = None,
) -> ResolvedPackage:
    """Find the version ``value`` names, check it may ship here, and fetch its artifact and baseline."""
    sagemaker, s3 = _clients(region, endpoints or {})
    if value == LATEST_APPROVED:
        arn = _latest_approved(sagemaker, group)
    else:
        match = _ARN.match(value)
        if match is None:
            raise ConfigError(
                KEY,
                f"must be {LATEST_APPROVED} or a model package version ARN "
                f"(arn:aws:sagemaker:{region}:<account>:model-package/{group}/<version>), got {value[:80]!r}",
            )
        if match.group(3) != group or match.group(1) != region:
            raise ConfigError(
                KEY,
                f"{value} is not a version of this stack's group {group} in {region}; promote it first: "
                f"python -m training.registry promote {value} --to-group {group}",
            )
        arn = value
    described = _call(sagemaker, "describe_model_package", ModelPackageName=arn)
    status = str(described.get("ModelApprovalStatus", "unknown"))
    approval = " ".join(str(described.get("ApprovalDescription", "")).split())
    check_status(arn, status, approval, environment)

    properties = described.get("CustomerMetadataProperties") or {}
    registered = str(properties.get(SHA256_PROPERTY, ""))
    if not re.fullmatch(r"[0-9a-f]{64}", registered):
        raise ConfigError(
            KEY,
            f"{arn} records no artifact sha256 (CustomerMetadataProperties.sha256); register the model with "
            "`python -m training.registry register`, which records it",
        )
    container = (described.get("InferenceSpecification") or {}).get("Containers", [{}])[0]
    model_data_url, image = str(container.get("ModelDataUrl", "")), str(container.get("Image", ""))
    directory = cache_dir / registered
    artifact = directory / "model.tar.gz"
    _download(s3, model_data_url, artifact)
    actual = _sha256(artifact)
    if actual != registered:
        raise ConfigError(
            KEY,
            f"{arn}: the artifact at {model_data_url} has sha256 {actual[:12]}… but was registered with "
            f"{registered[:12]}…; it changed after registration, so it is not the approved model: "
            "register the artifact again and approve the new version",
        )
    manifest_metrics = _manifest_metrics(artifact)
    for key, recorded in sorted(properties.items()):
        if _METRIC.match(str(key)) and manifest_metrics.get(str(key)) != recorded:
            raise ConfigError(
                KEY,
                f"{arn}: the registry records {key}={recorded} but the artifact's manifest says "
                f"{manifest_metrics.get(str(key), 'nothing')}; register the artifact again",
            )
    quality = (described.get("ModelMetrics") or {}).get("ModelDataQuality") or {}
    for part, stem in (("Statistics", "statistics"), ("Constraints", "constraints")):
        uri = (quality.get(part) or {}).get("S3Uri")
        if uri:
            _download(s3, str(uri), directory / "baseline" / f"{stem}.json")
    return ResolvedPackage(
        arn=arn,
        group=group,
        version=int(described.get("ModelPackageVersion") or arn.rsplit("/", 1)[-1]),
        status=status,
        sha256=registered,
        image=image,
        model_data_url=model_data_url,
        approval=approval,
        artifact_path=artifact,
    )
