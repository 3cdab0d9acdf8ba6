"""A stand-in for training's model.tar.gz: infra reads only its manifest and hashes its bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from review.fixture import MANIFEST
from review.fixture import write_artifact as _write

__all__ = ["MANIFEST", "write_artifact"]


def write_artifact(
    directory: Path,
    *,
    manifest: dict[str, Any] | None = None,
    members: tuple[str, ...] = ("model.joblib", "code/inference.py"),
    payload: bytes = b"model",
    baseline: bool = True,
) -> Path:
    """``members`` are written with ``payload`` as their bytes: change it to get another sha256."""
    return _write(directory, manifest=manifest, members={name: payload for name in members}, baseline=baseline)
