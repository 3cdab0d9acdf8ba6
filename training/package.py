"""The model artifact: model directory layout, manifest, reproducible ``model.tar.gz``, atomic publish.

Layout (the same whether SageMaker tars ``SM_MODEL_DIR`` or we build the tarball locally)::

    model.joblib        the fitted scikit-learn Pipeline (scikit-learn classes only)
    manifest.json       what the platform needs to deploy and check the model (keys below)
    code/inference.py   serving handlers and the sibling modules listed in SERVING_MODULES; the
                        container imports them from its copy of /opt/ml/model/code, so a
                        network-isolated endpoint needs no code download at start
    code/fastpath.py    the compact evaluator inference.py serves with, checked against predict_proba
                        (``check_fast_path``) before anything is published
    code/pyproject.toml and code/_build/code_backend.py
                        a build with no requirements for the `pip install .` the container runs
                        in that copy at start-up (see code_backend.py): without it the install
                        downloads setuptools, which fails with no network

The tarball is byte-reproducible: same data, hyperparameters and seed give the same sha256, because
members are sorted with fixed metadata (mtime 0, uid/gid 0, empty owner names), the gzip header has no
timestamp or file name, and the manifest holds no time. The infrastructure addresses artifacts by that
sha256, so an unchanged model never causes a redeploy.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import joblib
import pandas as pd
import sklearn
from sklearn.pipeline import Pipeline

from . import fastpath_check
from .errors import PlatformError
from .validation import Schema

MANIFEST_VERSION = 1
MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
CODE_DIR = "code"
ENTRY_POINT = "inference.py"
_HERE = Path(__file__).resolve().parent
INFERENCE_SOURCE = _HERE / ENTRY_POINT
FASTPATH = "fastpath.py"
# Top-level modules of code/: the entry point and the sibling modules it imports (``import fastpath``,
# never ``from training import ...``: in the container code/ is a directory on sys.path, not a package).
SERVING_MODULES = (ENTRY_POINT, FASTPATH)
# Every file of code/ (path under code/ -> source in this directory).
CODE_FILES: dict[str, Path] = {
    **{name: _HERE / name for name in SERVING_MODULES},
    "pyproject.toml": _HERE / "code_pyproject.toml",
    "_build/code_backend.py": _HERE / "code_backend.py",
}

# scikit-learn minor version -> SageMaker scikit-learn serving image tag (from the SageMaker SDK's image
# catalogue). A model must be served by the scikit-learn minor it was trained with, or unpickling fails.
SERVING_IMAGE_VERSIONS = {"1.9": "1.9-0", "1.4": "1.4-2-py312", "1.2": "1.2-1"}

MANIFEST_KEYS = (
    "manifest_version",
    "framework",
    "sklearn_version",
    "serving_image_version",
    "python_version",
    "target",
    "features",
    "classes",
    "data_sha256",
    "hyperparameters",
    "metrics",
    "git_commit",
    "entry_point",
)


def serving_image_version(sklearn_version: str) -> str:
    minor = ".".join(sklearn_version.split(".")[:2])
    try:
        return SERVING_IMAGE_VERSIONS[minor]
    except KeyError:
        raise PlatformError(
            f"scikit-learn {sklearn_version} has no SageMaker serving image in this project "
            f"(known minors: {', '.join(sorted(SERVING_IMAGE_VERSIONS))}); install a scikit-learn version "
            "with a serving image, or add its image tag to SERVING_IMAGE_VERSIONS"
        ) from None


def git_commit(environ: Mapping[str, str] | None = None) -> str | None:
    """The last commit that changed the training code; else ``GIT_COMMIT``; else None (training job).

    Not HEAD: a commit elsewhere in the repository (docs, infra) must not change the artifact's bytes,
    or every such commit would ship a "new" model. The data is identified by ``data_sha256``.
    """
    try:
        completed = subprocess.run(
            ["git", "log", "-1", "--format=%H", "--", "."],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        completed = None
    if completed is not None and completed.returncode == 0 and completed.stdout.strip():
        return completed.stdout.strip()
    env = os.environ if environ is None else environ
    return env.get("GIT_COMMIT") or None


def build_manifest(
    *,
    schema: Schema,
    classes: list[str],
    data_sha256: dict[str, str],
    hyperparameters: dict[str, object],
    metrics: dict[str, dict[str, float | None]],
    commit: str | None,
) -> dict[str, object]:
    manifest: dict[str, object] = {
        "manifest_version": MANIFEST_VERSION,
        "framework": "sklearn",
        "sklearn_version": sklearn.__version__,
        "serving_image_version": serving_image_version(sklearn.__version__),
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        "target": schema.target,
        "features": [{"name": f.name, "kind": f.kind} for f in schema.features],
        "classes": classes,
        "data_sha256": data_sha256,
        "hyperparameters": hyperparameters,
        "metrics": metrics,
        "git_commit": commit,
        "entry_point": ENTRY_POINT,
    }
    assert tuple(manifest) == MANIFEST_KEYS
    return manifest


def manifest_bytes(manifest: Mapping[str, object]) -> bytes:
    return (json.dumps(manifest, indent=2) + "\n").encode("utf-8")


def member_paths() -> list[str]:
    """Every file of the model directory, relative to it."""
    return [MODEL_FILE, MANIFEST_FILE, *(f"{CODE_DIR}/{name}" for name in CODE_FILES)]


def write_model_dir(directory: Path, pipeline: Pipeline, manifest: Mapping[str, object]) -> None:
    """Write the artifact members into an (empty) staging directory."""
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, directory / MODEL_FILE)
    (directory / MANIFEST_FILE).write_bytes(manifest_bytes(manifest))
    for name, source in CODE_FILES.items():
        target = directory / CODE_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def check_fast_path(pipeline: Pipeline, rows: pd.DataFrame) -> str:
    """Refuse (``FastPathMismatchError``) a pipeline whose serving fast path differs from ``predict_proba``
    on the training rows or the generated edge rows; return the line to print."""
    report = fastpath_check.check(pipeline, rows)
    if report is None:
        return "serving fast path: not available for this pipeline; the endpoint uses predict_proba"
    return f"serving fast path: equal to predict_proba on {report.rows} training and edge rows"


def _members(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*"), key=lambda p: p.relative_to(directory).as_posix())


def build_tarball(directory: Path, destination: Path) -> str:
    """Tar and gzip ``directory`` deterministically into ``destination``; return its sha256."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in _members(directory):
            info = tarfile.TarInfo(path.relative_to(directory).as_posix())
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if path.is_dir():
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            else:
                data = path.read_bytes()
                info.size = len(data)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(data))
    destination.parent.mkdir(parents=True, exist_ok=True)
    with destination.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(buffer.getvalue())
    return hashlib.sha256(destination.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Outputs:
    """Where a run publishes: the model dir, and optionally a tarball with a manifest copy beside it."""

    model_dir: Path
    artifact: Path | None

    @property
    def manifest_copy(self) -> Path | None:
        return None if self.artifact is None else self.artifact.parent / MANIFEST_FILE

    def published_paths(self) -> list[Path]:
        paths = [self.model_dir / relative for relative in member_paths()]
        if self.artifact is not None and self.manifest_copy is not None:
            paths += [self.artifact, self.manifest_copy]
        return paths

    def clear(self) -> None:
        """Remove what an earlier run published here, so a failed run leaves no stale artifact behind."""
        for path in self.published_paths():
            path.unlink(missing_ok=True)
        code_dir = self.model_dir / CODE_DIR
        for directory in sorted({p.parent for p in self.published_paths() if code_dir in p.parents}, reverse=True):
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()


@dataclass(frozen=True)
class Published:
    model_dir: Path
    artifact: Path | None
    sha256: str | None
    manifest_copy: Path | None


def _replace(source: Path, target: Path) -> None:
    """Move ``source`` over ``target`` atomically: copied beside it first (the temporary directory may be
    on another file system), then renamed, so a reader sees the old file or the new one, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.move(source, partial)
    os.replace(partial, target)


def publish(outputs: Outputs, pipeline: Pipeline, manifest: Mapping[str, object]) -> Published:
    """Stage everything in a temporary directory, then move it into place.

    Nothing reaches ``SM_MODEL_DIR`` or the tarball path until every file is complete: a run that fails
    while packaging leaves no half-written model for SageMaker to upload or for a deploy to pick up.
    """
    with tempfile.TemporaryDirectory(prefix="model-staging-") as tmp:
        staging = Path(tmp) / "model"
        write_model_dir(staging, pipeline, manifest)
        sha256: str | None = None
        staged_tarball = Path(tmp) / "model.tar.gz"
        if outputs.artifact is not None:
            sha256 = build_tarball(staging, staged_tarball)

        for relative in member_paths():
            _replace(staging / relative, outputs.model_dir / relative)
        if outputs.artifact is not None and outputs.manifest_copy is not None:
            _replace(staged_tarball, outputs.artifact)
            partial = outputs.manifest_copy.with_name(f".{outputs.manifest_copy.name}.partial")
            partial.write_bytes(manifest_bytes(manifest))
            os.replace(partial, outputs.manifest_copy)
    return Published(
        model_dir=outputs.model_dir,
        artifact=outputs.artifact,
        sha256=sha256,
        manifest_copy=outputs.manifest_copy,
    )
