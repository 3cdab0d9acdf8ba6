"""S3: the provider splits a bucket's settings over separate resources, each one PutBucket* call."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of, sha256
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import UnmappedInputError, api_params


def s3_bucket(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name("bucket")
    params = api_params(
        "s3",
        "CreateBucket",
        r.inputs,
        where=r.where,
        renames={"bucket": "Bucket"},
        provider_only={"forceDestroy": "the provider empties the bucket before DeleteBucket"},
        skip=("tags",),
    )
    params["Bucket"] = name
    # us-east-1 is S3's default location and must not be named in CreateBucketConfiguration.
    if gw.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": gw.region}
    gw.send("s3", "CreateBucket", params, r.where)
    tags = r.inputs.get("tags") or {}
    if tags:
        tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
        gw.send("s3", "PutBucketTagging", {"Bucket": name, "Tagging": {"TagSet": tag_set}}, r.where)
    return name, r.state(
        bucket=name,
        arn=f"arn:aws:s3:::{name}",
        region=gw.region,
        bucketDomainName=f"{name}.s3.amazonaws.com",
        bucketRegionalDomainName=f"{name}.s3.{gw.region}.amazonaws.com",
    )


def _bucket_sub_resource(
    operation: str, wrap: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
) -> Handler:
    """A bucket sub-resource: one ``PutBucket*`` call; its id is the bucket name, as the provider's."""

    def handler(gw: Gateway, r: Declared) -> tuple[str, State]:
        inputs = dict(wrap(r.inputs)) if wrap else dict(r.inputs)
        params = api_params("s3", operation, inputs, where=r.where)
        gw.send("s3", operation, params, r.where)
        return str(r.inputs["bucket"]), r.state()

    return handler


def _nest(
    member: str, keys: tuple[str, ...], *, as_list: bool = False
) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """Move the provider's flattened arguments ``keys`` under the API's ``member`` structure."""

    def wrap(inputs: Mapping[str, Any]) -> dict[str, Any]:
        outer = {k: v for k, v in inputs.items() if k not in keys}
        inner = {k: v for k, v in inputs.items() if k in keys}
        if as_list:
            # e.g. ``rule`` (one object in the provider) -> ``OwnershipControls.Rules`` (a list).
            outer[member] = {"Rules": list(inner.values())}
        else:
            outer[member] = inner
        return outer

    return wrap


def _logging(inputs: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("targetBucket", "targetPrefix", "targetGrants", "targetObjectKeyFormat")
    outer = {k: v for k, v in inputs.items() if k not in keys}
    outer["BucketLoggingStatus"] = {"LoggingEnabled": {k: v for k, v in inputs.items() if k in keys}}
    return outer


def s3_object(gw: Gateway, r: Declared) -> tuple[str, State]:
    """``BucketObjectv2``: PutObject with the file's bytes, so the artifact really lands in S3."""
    inputs = dict(r.inputs)
    source = inputs.pop("source", None)
    if isinstance(source, pulumi.FileAsset):
        body = Path(str(source.path)).read_bytes()
    elif "content" in inputs:
        body = str(inputs.pop("content")).encode()
    else:
        raise UnmappedInputError(f"{r.where}: source {source!r} is not a FileAsset; the rehearsal uploads files only")
    tags = inputs.pop("tags", None) or {}
    params = api_params(
        "s3",
        "PutObject",
        inputs,
        where=r.where,
        renames={"kmsKeyId": "SSEKMSKeyId"},
        provider_only={"forceDestroy": "the provider removes object-lock holds before DeleteObject"},
    )
    params["Body"] = body
    if tags:
        # PutObject takes tags as a URL-encoded query string, not a list.
        params["Tagging"] = urllib.parse.urlencode(tags)
    response = gw.send("s3", "PutObject", params, r.where) or {}
    bucket, key = str(inputs["bucket"]), str(inputs["key"])
    return f"{bucket}/{key}", r.state(
        etag=str(response.get("ETag", "")).strip('"'),
        versionId=response.get("VersionId", ""),
        arn=f"arn:aws:s3:::{bucket}/{key}",
    )


def _buckets(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    s3 = client("s3")
    outputs = report.outputs
    log_bucket = str(outputs["logBucket"])
    lifecycle_rules = {
        str(r.inputs["bucket"]): len(r.inputs["rules"]) for r in resources_of(report, tokens.S3_BUCKET_LIFECYCLE)
    }
    logging_targets = {
        str(r.inputs["bucket"]): (str(r.inputs["targetBucket"]), str(r.inputs["targetPrefix"]))
        for r in resources_of(report, tokens.S3_BUCKET_LOGGING)
    }
    for output in ("artifactBucket", "captureBucket", "logBucket"):
        bucket = str(outputs[output])
        kms = output != "logBucket"
        with checks.reading(f"bucket {bucket}: encryption"):
            rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
            default = rule["ApplyServerSideEncryptionByDefault"]
            if kms:
                checks.equal(
                    f"bucket {bucket}: SSE-KMS with the project key",
                    [default["SSEAlgorithm"], default.get("KMSMasterKeyID"), rule.get("BucketKeyEnabled")],
                    ["aws:kms", outputs["kmsKeyArn"], True],
                )
            else:
                # S3 delivers server access logs only to SSE-S3 (AES256) buckets.
                checks.equal(f"bucket {bucket}: SSE-S3 (AES256)", default["SSEAlgorithm"], "AES256")
        with checks.reading(f"bucket {bucket}: versioning"):
            checks.equal(
                f"bucket {bucket}: versioning", s3.get_bucket_versioning(Bucket=bucket).get("Status"), "Enabled"
            )
        with checks.reading(f"bucket {bucket}: public access block"):
            block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
            checks.equal(
                f"bucket {bucket}: public access blocked",
                block,
                {
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        with checks.reading(f"bucket {bucket}: ownership"):
            rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
            checks.equal(
                f"bucket {bucket}: ACLs disabled", [r["ObjectOwnership"] for r in rules], ["BucketOwnerEnforced"]
            )
        with checks.reading(f"bucket {bucket}: TLS-only policy"):
            statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
            tls = [
                s
                for s in statements
                if s.get("Effect") == "Deny"
                and (s.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
            ]
            checks.add(
                f"bucket {bucket}: TLS-only policy", len(tls) == 1, f"{len(statements)} statements, {len(tls)} TLS deny"
            )
        with checks.reading(f"bucket {bucket}: lifecycle"):
            rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
            checks.equal(
                f"bucket {bucket}: lifecycle rules enabled",
                [r["Status"] for r in rules],
                ["Enabled"] * lifecycle_rules.get(bucket, 0),
            )
        if bucket != log_bucket:
            with checks.reading(f"bucket {bucket}: access logging"):
                enabled = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled", {})
                checks.equal(
                    f"bucket {bucket}: access logs to the log bucket",
                    (enabled.get("TargetBucket"), enabled.get("TargetPrefix")),
                    logging_targets.get(bucket),
                )


def _objects(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    s3 = client("s3")
    for declared in resources_of(report, tokens.S3_OBJECT):
        bucket, key = str(declared.inputs["bucket"]), str(declared.inputs["key"])
        source = declared.inputs["source"]
        path = Path(str(source.path)) if isinstance(source, pulumi.FileAsset) else None
        with checks.reading(f"object s3://{bucket}/{key}"):
            got = s3.get_object(Bucket=bucket, Key=key)
            body = got["Body"].read()
            want = sha256(path.read_bytes()) if path else None
            checks.equal(f"object {key}: bytes equal {path.name if path else '?'} (sha256)", sha256(body), want)
            checks.equal(
                f"object {key}: SSE-KMS with the project key",
                [got.get("ServerSideEncryption"), got.get("SSEKMSKeyId")],
                ["aws:kms", report.outputs["kmsKeyArn"]],
            )


HANDLERS: dict[str, Handler] = {
    tokens.S3_BUCKET: s3_bucket,
    tokens.S3_OWNERSHIP_CONTROLS: _bucket_sub_resource(
        "PutBucketOwnershipControls", _nest("OwnershipControls", ("rule",), as_list=True)
    ),
    tokens.S3_PUBLIC_ACCESS_BLOCK: _bucket_sub_resource(
        "PutPublicAccessBlock",
        _nest(
            "PublicAccessBlockConfiguration",
            ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"),
        ),
    ),
    tokens.S3_BUCKET_ENCRYPTION: _bucket_sub_resource(
        "PutBucketEncryption", _nest("ServerSideEncryptionConfiguration", ("rules",))
    ),
    tokens.S3_BUCKET_VERSIONING: _bucket_sub_resource("PutBucketVersioning"),
    tokens.S3_BUCKET_LIFECYCLE: _bucket_sub_resource(
        "PutBucketLifecycleConfiguration", _nest("LifecycleConfiguration", ("rules",))
    ),
    tokens.S3_BUCKET_LOGGING: _bucket_sub_resource("PutBucketLogging", _logging),
    tokens.S3_BUCKET_POLICY: _bucket_sub_resource("PutBucketPolicy"),
    tokens.S3_OBJECT: s3_object,
}

CHECKS: tuple[Verifier, ...] = (_buckets, _objects)
