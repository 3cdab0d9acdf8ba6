"""Replication control: in prod, the data-capture destination and the access-log targets are replicated
to buckets of another region (versioning does not survive the loss of a region)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from offline import tokens
from policy.controls.base import BUCKET, ENDPOINT_CONFIG, Control, Resource, _get, _linked, _of_type, _seq, log_targets

REPLICATION = tokens.S3_BUCKET_REPLICATION


def _capture_buckets(resources: Sequence[Resource]) -> set[str]:
    names = set()
    for config in _of_type(resources, ENDPOINT_CONFIG):
        uri = _get(config.props, "dataCaptureConfig", "destinationS3Uri")
        match = re.match(r"^s3://([^/]+)", str(uri or ""))
        if match:
            names.add(match.group(1))
    return names


def _destinations(rule_set: Resource) -> list[Any]:
    return [
        _get(rule, "destination", "bucket")
        for rule in _seq(rule_set.props.get("rules"))
        if isinstance(rule, Mapping) and rule.get("status") == "Enabled"
    ]


def _prod_replication(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    buckets = _of_type(resources, BUCKET)
    if not any(_get(b.props, "tags", "environment") == "prod" for b in buckets):
        return []
    configs = _of_type(resources, REPLICATION)
    by_arn = {b.props.get("arn"): b for b in buckets}
    replicas = {str(d) for c in configs for d in _destinations(c)}
    targets, capture = log_targets(resources), _capture_buckets(resources)
    violations = []
    for bucket in buckets:
        if bucket.props.get("arn") in replicas:
            continue  # a replica itself
        if bucket.urn not in targets and bucket.props.get("bucket") not in capture:
            continue
        ours = [c for c in configs if _linked(c, "bucket", bucket)]
        destinations = [by_arn.get(d) for c in ours for d in _destinations(c)]
        region = bucket.props.get("region")
        elsewhere = [d for d in destinations if d is not None and d.props.get("region") not in (None, region)]
        if not ours:
            violations.append((bucket.urn, f"bucket {bucket.name}: prod capture/log bucket is not replicated"))
        elif not elsewhere:
            violations.append(
                (bucket.urn, f"bucket {bucket.name}: replicated, but to no bucket of the stack in another region")
            )
    return violations


CONTROLS: tuple[Control, ...] = (
    Control(
        "s3-prod-cross-region-replication",
        "S3 cross-region replication (IaC scanner)",
        "Prod's data-capture bucket and access-log buckets replicate every object to a bucket in another region.",
        stack_check=_prod_replication,
    ),
)
