"""A fixed stand-in for training's ``model.tar.gz`` so snapshots never depend on a local ``make train``.

Infra reads only the artifact's manifest (scikit-learn version, features, classes) and hashes its bytes;
the baseline files only have to exist. The manifest mirrors what ``training/`` writes for the bundled
penguins data, so the drift alarms in a snapshot have the feature list a real deployment has. The
tarball is byte-stable (fixed member metadata, no gzip timestamp), although snapshots mask the sha256
anyway, so a real artifact diffs the same way.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Mapping
from pathlib import Path

# The bundled penguins data's schema, as `make train` writes it into the manifest.
PENGUIN_FEATURES = [
    {"name": "island", "kind": "categorical"},
    {"name": "bill_length_mm", "kind": "numeric"},
    {"name": "bill_depth_mm", "kind": "numeric"},
    {"name": "flipper_length_mm", "kind": "numeric"},
    {"name": "body_mass_g", "kind": "numeric"},
    {"name": "sex", "kind": "categorical"},
    {"name": "year", "kind": "numeric"},
]
PENGUIN_CLASSES = ["Adelie", "Chinstrap", "Gentoo"]

MANIFEST: dict[str, object] = {
    "manifest_version": 1,
    "framework": "sklearn",
    "sklearn_version": "1.9.0",
    "serving_image_version": "1.9-0",
    "python_version": "3.11",
    "target": "species",
    "features": PENGUIN_FEATURES,
    "classes": PENGUIN_CLASSES,
    "entry_point": "inference.py",
}
MEMBERS = {
    "code/inference.py": b"# stand-in: infra only checks that the serving code is packed\n",
    "model.joblib": b"stand-in model bytes",
}
# Model Monitor's statistics format, reduced to what the example request reads (means, most frequent
# category) and the values `make train` measures on the penguins data.
_STATISTICS = {
    "version": 0.0,
    "features": [
        {
            "name": "island",
            "inferred_type": "String",
            "string_statistics": {
                "distribution": {
                    "categorical": {
                        "buckets": [
                            {"value": "Biscoe", "count": 168},
                            {"value": "Dream", "count": 124},
                            {"value": "Torgersen", "count": 52},
                        ]
                    }
                }
            },
        },
        {"name": "bill_length_mm", "inferred_type": "Fractional", "numerical_statistics": {"mean": 43.92}},
        {"name": "bill_depth_mm", "inferred_type": "Fractional", "numerical_statistics": {"mean": 17.15}},
        {"name": "flipper_length_mm", "inferred_type": "Integral", "numerical_statistics": {"mean": 200.92}},
        {"name": "body_mass_g", "inferred_type": "Integral", "numerical_statistics": {"mean": 4201.75}},
        {
            "name": "sex",
            "inferred_type": "String",
            "string_statistics": {
                "distribution": {
                    "categorical": {"buckets": [{"value": "male", "count": 168}, {"value": "female", "count": 165}]}
                }
            },
        },
        {"name": "year", "inferred_type": "Integral", "numerical_statistics": {"mean": 2008.03}},
    ],
}
BASELINE = {"statistics.json": json.dumps(_STATISTICS) + "\n", "constraints.json": '{"version": 0.0}\n'}


def write_artifact(
    directory: Path,
    *,
    manifest: Mapping[str, object] | None = None,
    members: Mapping[str, bytes] | None = None,
    baseline: bool = True,
) -> Path:
    """Write a byte-stable ``model.tar.gz`` (and ``baseline/``) into ``directory``; return the tarball's path.

    ``members`` replaces the stand-in model and code files (``manifest.json`` is always written from
    ``manifest``), so a test can leave one out or change the bytes to get a new sha256.
    """
    directory.mkdir(parents=True, exist_ok=True)
    files = dict(MEMBERS if members is None else members)
    files["manifest.json"] = json.dumps(MANIFEST if manifest is None else manifest, indent=2, sort_keys=True).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    path = directory / "model.tar.gz"
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(buffer.getvalue())
    if baseline:
        (directory / "baseline").mkdir(exist_ok=True)
        for name, text in BASELINE.items():
            (directory / "baseline" / name).write_text(text)
    return path


def write_fixed_artifact(directory: Path) -> Path:
    """The artifact the committed snapshots are generated against."""
    return write_artifact(directory)
