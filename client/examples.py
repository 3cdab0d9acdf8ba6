"""Example requests built from the model's schema, never a hard-coded row.

``example_record`` takes a typical value per feature from the data-quality baseline that ``make train``
writes (``build/baseline/statistics.json``, SageMaker Model Monitor's format): the most frequent category,
the mean of a numeric feature (rounded like the data). ``invoke_command`` is the ``aws`` CLI call for a
stack's ``invokeCommand`` output and the README.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from client.errors import SchemaError
from client.schema import ModelSchema


def example_record(schema: ModelSchema, statistics: Mapping[str, Any] | Path) -> dict[str, str | float]:
    document: Mapping[str, Any] = (
        json.loads(statistics.read_text(encoding="utf-8")) if isinstance(statistics, Path) else statistics
    )
    by_name = {str(f.get("name")): f for f in document.get("features", [])}
    record: dict[str, str | float] = {}
    for feature in schema.features:
        stats = by_name.get(feature.name)
        if stats is None:
            raise SchemaError(f"baseline statistics lack feature '{feature.name}'; rerun `make train`")
        if feature.kind == "numeric":
            mean = float(stats["numerical_statistics"]["mean"])
            record[feature.name] = round(mean) if stats.get("inferred_type") == "Integral" else round(mean, 1)
        else:
            buckets = stats["string_statistics"]["distribution"]["categorical"]["buckets"]
            record[feature.name] = str(max(buckets, key=lambda b: (b["count"], str(b["value"])))["value"])
    return record


def invoke_command(endpoint_name: str, region: str, record: Mapping[str, Any]) -> str:
    """The ``aws sagemaker-runtime invoke-endpoint`` call for one JSON record (answer on stdout)."""
    body = json.dumps(record, separators=(",", ":"))
    return (
        f"aws sagemaker-runtime invoke-endpoint --region {shlex.quote(region)} "
        f"--endpoint-name {shlex.quote(endpoint_name)} --content-type application/json --accept application/json "
        f"--body {shlex.quote(body)} --cli-binary-format raw-in-base64-out /dev/stdout"
    )
