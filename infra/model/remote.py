"""An artifact in S3 from managed training, and what the stack knows of it without calling AWS.

``training.launch`` publishes a finished job's model into the stack's artifact bucket under its content
address, ``models/<sha256>/model.tar.gz``, with the Model Monitor baseline beside it
(``models/<sha256>/baseline/statistics.json`` and ``constraints.json``: plain objects, as Model Monitor
reads them) and prints the stack config to paste: the URI and ``mlops:artifactManifest`` (the sha256, the
scikit-learn version and the feature columns from the model's manifest.json). Preview therefore needs no
S3 read; the hosting role reads ``models/`` only, so the layout is also what lets the endpoint load it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra.storage.layout import MODELS_PREFIX

# s3://<bucket>/models/<sha256>/model.tar.gz
PUBLISHED = re.compile(
    rf"^s3://(?P<bucket>[a-z0-9][a-z0-9.\-]{{1,61}}[a-z0-9])/{MODELS_PREFIX}(?P<sha256>[0-9a-f]{{64}})/model\.tar\.gz$"
)
BASELINE_STEMS = ("statistics", "constraints")


def baseline_uris(artifact_uri: str) -> dict[str, str]:
    """The baseline documents beside an artifact: ``<dir>/baseline/<stem>.json``."""
    directory = artifact_uri.rsplit("/", 1)[0]
    return {stem: f"{directory}/baseline/{stem}.json" for stem in BASELINE_STEMS}


@dataclass(frozen=True)
class RemoteArtifact:
    uri: str
    sha256: str
    sklearn_version: str
    features: tuple[str, ...]

    @property
    def baseline_uris(self) -> dict[str, str]:
        return baseline_uris(self.uri)
