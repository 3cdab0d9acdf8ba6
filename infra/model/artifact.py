"""Reads the trained artifact (``model.tar.gz``) the stack deploys: its sha256 and its manifest.

The manifest is written by ``training/`` at packaging time; infra only reads the keys it needs, so the
two packages stay decoupled (``infra`` never imports ``training``).
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from infra.errors import ArtifactError

ARTIFACT_KEY = "mlops:artifact"
MANIFEST_MEMBER = "manifest.json"


@dataclass(frozen=True)
class LocalArtifact:
    """A tarball on disk: content-addressed by its sha256, described by its manifest."""

    path: Path
    sha256: str
    sklearn_version: str
    serving_image_version: str
    target: str
    features: tuple[str, ...]
    classes: tuple[str, ...]
    has_code: bool


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_local_artifact(path: Path) -> LocalArtifact:
    """Open the tarball once: hash it and read ``manifest.json`` from its root."""
    if not path.is_file():
        raise ArtifactError(
            ARTIFACT_KEY,
            f"artifact file {path} does not exist; run `make train` first to build it "
            "(or point mlops:artifact at an s3:// URI from managed training)",
        )
    try:
        with tarfile.open(path, "r:gz") as tar:
            names = set(tar.getnames())
            member = tar.extractfile(MANIFEST_MEMBER) if MANIFEST_MEMBER in names else None
            if member is None:
                raise ArtifactError(
                    ARTIFACT_KEY,
                    f"{path} has no {MANIFEST_MEMBER} at its root; rebuild it with `make train`",
                )
            manifest = json.loads(member.read().decode("utf-8"))
    except (tarfile.TarError, OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(
            ARTIFACT_KEY, f"{path} is not a readable model.tar.gz ({exc}); rebuild it with `make train`"
        ) from exc
    if "model.joblib" not in names:
        raise ArtifactError(ARTIFACT_KEY, f"{path} has no model.joblib at its root; rebuild it with `make train`")
    try:
        return LocalArtifact(
            path=path,
            sha256=sha256_of(path),
            sklearn_version=str(manifest["sklearn_version"]),
            serving_image_version=str(manifest["serving_image_version"]),
            target=str(manifest["target"]),
            features=tuple(str(f["name"]) for f in manifest["features"]),
            classes=tuple(str(c) for c in manifest["classes"]),
            # With network isolation the container cannot fetch code: it must be inside the tarball.
            has_code="code/inference.py" in names,
        )
    except (KeyError, TypeError) as exc:
        raise ArtifactError(
            ARTIFACT_KEY, f"{path} has a manifest without the key {exc}; rebuild it with `make train`"
        ) from exc
