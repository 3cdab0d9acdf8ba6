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
from typing import Any

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
    # "sklearn" (model.joblib) or "xgboost" (preprocess.joblib + xgboost-model, and beside the tarball the
    # built-in container's own tarball holding only xgboost-model, whose sha256 the manifest records).
    framework: str = "sklearn"
    booster_path: Path | None = None
    booster_sha256: str | None = None
    algorithm_image_version: str | None = None


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
    framework = str(manifest.get("framework", "sklearn"))
    if framework == "xgboost":
        return _xgboost_artifact(path, names, manifest)
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


XGBOOST_MEMBERS = ("preprocess.joblib", "xgboost-model", "code/inference.py", "code/handlers.py")


def _xgboost_artifact(path: Path, names: set[str], manifest: Any) -> LocalArtifact:
    rebuild = "rebuild it with `make train-xgboost`"
    missing = [member for member in XGBOOST_MEMBERS if member not in names]
    if missing:
        raise ArtifactError(
            ARTIFACT_KEY, f"{path} is an XGBoost-family artifact without {', '.join(missing)}; {rebuild}"
        )
    try:
        booster = manifest["booster"]
        booster_path = path.parent / str(booster["file"])
        booster_sha = str(booster["sha256"])
        artifact = LocalArtifact(
            path=path,
            sha256=sha256_of(path),
            sklearn_version=str(manifest["sklearn_version"]),
            serving_image_version=str(manifest["serving_image_version"]),
            target=str(manifest["target"]),
            features=tuple(str(f["name"]) for f in manifest["features"]),
            classes=tuple(str(c) for c in manifest["classes"]),
            has_code=True,
            framework="xgboost",
            booster_path=booster_path,
            booster_sha256=booster_sha,
            algorithm_image_version=str(manifest["algorithm_image_version"]),
        )
    except (KeyError, TypeError) as exc:
        raise ArtifactError(ARTIFACT_KEY, f"{path} has an XGBoost manifest without the key {exc}; {rebuild}") from exc
    # The built-in container loads every top-level file of its model directory as a booster, so it gets its
    # own tarball (only xgboost-model), built beside the artifact and pinned by the manifest's sha256.
    if not booster_path.is_file():
        raise ArtifactError(ARTIFACT_KEY, f"{booster_path} (the built-in container's model) does not exist; {rebuild}")
    if sha256_of(booster_path) != booster_sha:
        raise ArtifactError(
            ARTIFACT_KEY,
            f"{booster_path} is not the booster {path} was packaged with (sha256 differs from its manifest); {rebuild}",
        )
    return artifact
