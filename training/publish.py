"""After a managed job: put its model where a stack deploys it from, with the Model Monitor baseline.

SageMaker leaves ``<output path>/<job>/output/model.tar.gz`` (the model directory) and ``output.tar.gz``
(``SM_OUTPUT_DATA_DIR``: metrics, plots and the ``baseline/`` train.py computed from the train channel).
Model Monitor needs the baseline as plain S3 objects, and the stack's hosting role reads ``models/``
only, so this copies the model to its content address in the same bucket and writes beside it::

    models/<sha256>/model.tar.gz                  the job's bytes (server-side copy, SSE-KMS)
    models/<sha256>/manifest.json                 the model's manifest.json
    models/<sha256>/baseline/statistics.json      Model Monitor's baseline statistics
    models/<sha256>/baseline/constraints.json     and constraints

then prints the stack config to paste: ``mlops:artifact`` and ``mlops:artifactManifest`` (sha256,
scikit-learn version, features), which is all preview needs, with no S3 read.

Workstation side (boto3 only): never imported by train.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PlatformError

MODELS_PREFIX = "models/"
BASELINE_MEMBERS = ("baseline/statistics.json", "baseline/constraints.json")
_S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")


class PublishError(PlatformError):
    """The job's output is not what train.py writes, or S3 refused a read or write (exit code 4)."""


@dataclass(frozen=True)
class PublishedModel:
    uri: str
    sha256: str
    sklearn_version: str
    features: tuple[str, ...]
    baseline_uris: dict[str, str]
    # manifest.json and the baseline, as published: the stack's functions package the manifest and build
    # invokeCommand from the statistics at preview, without reading S3.
    files: dict[str, bytes] = field(default_factory=dict)


def _split(uri: str) -> tuple[str, str]:
    match = _S3_URI.match(uri)
    if match is None:
        raise PublishError(f"the job's model URI {uri!r} is not an s3:// URI")
    return match["bucket"], match["key"]


def _members(data: bytes, names: tuple[str, ...], source: str) -> dict[str, bytes]:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            found = {}
            for name in names:
                member = tar.extractfile(name) if name in tar.getnames() else None
                if member is None:
                    raise PublishError(
                        f"{source} has no {name}; the job ran a train.py that does not write it (relaunch with this "
                        "repository's training code)"
                    )
                found[name] = member.read()
            return found
    except (tarfile.TarError, OSError) as exc:
        raise PublishError(f"{source} is not a readable .tar.gz ({exc})") from None


def _call(what: str, uri: str, action: Callable[[], Any]) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return action()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise PublishError(
            f"S3 refused {what} {uri}: {error.get('Code', 'error')}: {error.get('Message', exc)}; the launching "
            "identity needs the stack's launcherPolicy output"
        ) from None
    except BotoCoreError as exc:
        raise PublishError(f"cannot reach S3 for {what} {uri}: {exc}") from None


def publish(s3: Any, description: Mapping[str, Any], *, kms_key_id: str | None = None) -> PublishedModel:
    """Copy a Completed job's model to ``models/<sha256>/`` with its manifest and baseline."""
    model_uri = description.get("ModelArtifacts", {}).get("S3ModelArtifacts")
    if not model_uri:
        raise PublishError(f"training job {description.get('TrainingJobName')} reports no model artifact")
    bucket, key = _split(str(model_uri))
    output_key = f"{key.rsplit('/', 1)[0]}/output.tar.gz"
    model = _call("reading", model_uri, lambda: s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    output_uri = f"s3://{bucket}/{output_key}"
    output = _call("reading", output_uri, lambda: s3.get_object(Bucket=bucket, Key=output_key)["Body"].read())
    manifest_bytes = _members(model, ("manifest.json",), model_uri)["manifest.json"]
    baseline = _members(output, BASELINE_MEMBERS, output_uri)
    try:
        manifest = json.loads(manifest_bytes)
        sklearn_version = str(manifest["sklearn_version"])
        features = tuple(str(f["name"]) for f in manifest["features"])
    except (ValueError, KeyError, TypeError) as exc:
        raise PublishError(f"{model_uri} has an unreadable manifest.json ({exc})") from None

    sha256 = hashlib.sha256(model).hexdigest()
    prefix = f"{MODELS_PREFIX}{sha256}/"
    encryption: dict[str, str] = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id} if kms_key_id else {}
    target = f"s3://{bucket}/{prefix}model.tar.gz"
    _call(
        "copying to",
        target,
        lambda: s3.copy_object(
            Bucket=bucket, Key=f"{prefix}model.tar.gz", CopySource={"Bucket": bucket, "Key": key}, **encryption
        ),
    )
    files = {"manifest.json": manifest_bytes, **baseline}
    for name, body in files.items():

        def put(name: str = name, body: bytes = body) -> Any:
            return s3.put_object(
                Bucket=bucket, Key=f"{prefix}{name}", Body=body, ContentType="application/json", **encryption
            )

        _call("writing", f"s3://{bucket}/{prefix}{name}", put)
    return PublishedModel(
        uri=target,
        sha256=sha256,
        sklearn_version=sklearn_version,
        features=features,
        baseline_uris={
            member.split("/")[1].removesuffix(".json"): f"s3://{bucket}/{prefix}{member}" for member in BASELINE_MEMBERS
        },
        files=files,
    )


# Where report() keeps the published manifest and baseline on this machine (relative to the project).
LOCAL_COPIES = Path("build/published")


def local_manifest(published: PublishedModel, root: Path = LOCAL_COPIES) -> Path:
    return root / published.sha256 / "manifest.json"


def stack_config_lines(published: PublishedModel) -> list[str]:
    """The YAML to paste under ``config:`` in ``Pulumi.<stack>.yaml`` (two-space indented, as Pulumi writes)."""
    return [
        f"  mlops:artifact: {published.uri}",
        "  mlops:artifactManifest:",
        f"    sha256: {published.sha256}",
        f'    sklearnVersion: "{published.sklearn_version}"',
        # JSON is YAML: a flow list, each name quoted whatever characters the CSV header used.
        f"    features: {json.dumps(list(published.features))}",
    ]


def report(published: PublishedModel, emit: Callable[[str], None] = print, root: Path = LOCAL_COPIES) -> None:
    directory = local_manifest(published, root).parent
    for name, body in published.files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(body)
    emit(f"published: {published.uri}")
    emit(f"baseline: {published.baseline_uris['statistics']} {published.baseline_uris['constraints']}")
    emit("stack config (paste under config: in Pulumi.<stack>.yaml, then `pulumi preview` / `pulumi up`):")
    for line in stack_config_lines(published):
        emit(line)
    # The functions' package carries the model's schema: the copy kept here, beside its baseline statistics
    # (a key inside mlops:applications, which the stack file already has: set by path, not pasted).
    emit(f"and: pulumi config set --path 'mlops:applications.manifest' {local_manifest(published, root).as_posix()}")
