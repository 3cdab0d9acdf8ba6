"""A stand-in for training's model.tar.gz: infra reads only its manifest and hashes its bytes."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

MANIFEST = {
    "manifest_version": 1,
    "framework": "sklearn",
    "sklearn_version": "1.9.1",
    "serving_image_version": "1.9-0",
    "python_version": "3.11",
    "target": "species",
    "features": [
        {"name": "island", "kind": "categorical"},
        {"name": "bill_length_mm", "kind": "numeric"},
    ],
    "classes": ["Adelie", "Chinstrap", "Gentoo"],
    "entry_point": "inference.py",
}


def write_artifact(
    directory: Path,
    *,
    manifest: dict[str, Any] | None = None,
    members: tuple[str, ...] = ("model.joblib", "code/inference.py"),
    payload: bytes = b"model",
    baseline: bool = True,
) -> Path:
    """A model.tar.gz shaped like training's output (infra only reads the manifest and hashes it)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "model.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        files = {name: payload for name in members}
        files["manifest.json"] = json.dumps(manifest if manifest is not None else MANIFEST).encode()
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    if baseline:
        (directory / "baseline").mkdir(exist_ok=True)
        (directory / "baseline" / "statistics.json").write_text('{"version": 0.0}')
        (directory / "baseline" / "constraints.json").write_text('{"version": 0.0}')
    return path
