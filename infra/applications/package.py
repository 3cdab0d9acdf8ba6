"""The functions' deployment package: ``client/``, ``functions/`` and the model's manifest, nothing else.

The zip is an ``AssetArchive`` of the repository's source files by content, listed in sorted order and
without ``__pycache__``: the same sources and manifest give the same archive hash on every machine, so a
``pulumi preview`` after an unrelated change shows no code update. The runtime's boto3/botocore are the
only dependencies (``client`` imports nothing else; pandas is detected, never imported), so no packages are
vendored and the archive is a few hundred kilobytes, far below Lambda's 50 MB zip limit.
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi

from infra.errors import ArtifactError
from infra.model.artifact import ARTIFACT_KEY, MANIFEST_MEMBER

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ("client", "functions")
# The handlers read the schema from this path, relative to the package root (/var/task).
MANIFEST_PATH = "manifest.json"


def source_files(root: Path = PROJECT_ROOT) -> list[str]:
    """The package's Python files, relative to ``root``, sorted."""
    files = [
        path.relative_to(root).as_posix()
        for package in PACKAGES
        for path in (root / package).rglob("*.py")
        if "__pycache__" not in path.parts
    ]
    return sorted(files)


def read_manifest(artifact: Path) -> dict[str, Any]:
    """The model's ``manifest.json`` from the artifact tarball (the feature schema the handlers check)."""
    try:
        with tarfile.open(artifact, "r:gz") as tar:
            member = tar.extractfile(MANIFEST_MEMBER)
            if member is None:
                raise KeyError(MANIFEST_MEMBER)
            return dict(json.loads(member.read().decode("utf-8")))
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise ArtifactError(
            ARTIFACT_KEY, f"{artifact}: cannot read {MANIFEST_MEMBER} ({exc}); rebuild it with `make train`"
        ) from None


def archive(manifest: Mapping[str, Any], root: Path = PROJECT_ROOT) -> pulumi.AssetArchive:
    assets: dict[str, pulumi.Asset | pulumi.Archive] = {
        relative: pulumi.FileAsset(str(root / relative)) for relative in source_files(root)
    }
    assets[MANIFEST_PATH] = pulumi.StringAsset(json.dumps(dict(manifest), indent=2, sort_keys=True))
    return pulumi.AssetArchive(assets)
