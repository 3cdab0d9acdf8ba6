"""``mlops:applications``: defaults per environment, and one line naming the key for each mistake.

These prove the config rules; they cannot prove the identity provider behind ``jwtIssuer`` exists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from infra import config
from infra.applications import builder
from infra.errors import ConfigError
from offline.stacks import load_stack_config

JWT = {"jwtIssuer": "https://issuer.example.org", "jwtAudience": ["web"]}


def load(stack: str, artifact: Path, applications: dict[str, Any] | None) -> config.StackConfig:
    overrides: dict[str, Any] = {"mlops:artifact": str(artifact)}
    if applications is not None:
        overrides["mlops:applications"] = json.dumps(applications)
    pulumi.runtime.set_all_config(load_stack_config(stack, overrides))
    return config.load(project="sagemaker-mlops", stack=stack)


@pytest.mark.parametrize(
    ("stack", "retention", "rate", "burst", "per_instance", "jwt", "reserved"),
    [
        ("dev", 14, 10.0, 20, None, False, 2),
        ("staging", 30, 50.0, 100, 4, True, 6),
        ("prod", 365, 100.0, 200, 4, True, 12),
    ],
)
def test_committed_stacks(
    stack: str,
    retention: int,
    rate: float,
    burst: int,
    per_instance: int | None,
    jwt: bool,
    reserved: int,
    artifact: Path,
) -> None:
    cfg = load(stack, artifact, None)
    apps = cfg.applications
    assert apps is not None
    assert (apps.log_retention_days, apps.throttling_rate_limit, apps.throttling_burst_limit) == (
        retention,
        rate,
        burst,
    )
    assert (apps.endpoint_concurrency_per_instance, apps.jwt, apps.cors_allow_origins) == (per_instance, jwt, ())
    assert (apps.scoring_memory_mb, apps.scoring_timeout_seconds, apps.api_timeout_seconds) == (1024, 900, 29)
    assert builder.scoring_concurrency(cfg) == reserved


def test_measured_concurrency_and_share_size_the_reserved_concurrency(artifact: Path) -> None:
    cfg = load("prod", artifact, {**JWT, "endpointConcurrencyPerInstance": 10, "scoringConcurrencyShare": 0.25})
    # 6 instances (autoscaling max) x 10 concurrent requests x 0.25.
    assert builder.scoring_concurrency(cfg) == 15


@pytest.mark.parametrize(
    ("stack", "applications", "message"),
    [
        (
            "staging",
            {},
            "[mlops:applications.jwtIssuer] is required in staging (the HTTP API's JWT authorizer): "
            "pulumi config set --path 'mlops:applications.jwtIssuer' https://<your identity provider>",
        ),
        (
            "prod",
            {"jwtIssuer": "https://issuer.example.org"},
            "[mlops:applications.jwtAudience] is required in prod (the client ids the JWT authorizer accepts): "
            "pulumi config set --path 'mlops:applications.jwtAudience[0]' <client id>",
        ),
        (
            "prod",
            {**JWT, "jwtIssuer": "http://issuer.example.org"},
            "[mlops:applications.jwtIssuer] must be an https:// URL, got 'http://issuer.example.org'",
        ),
        (
            "dev",
            JWT,
            "[mlops:applications.jwtIssuer] applies only to staging and prod; dev authorizes with AWS_IAM",
        ),
        (
            "dev",
            {"endpointConcurrencyPerInstance": 4},
            "[mlops:applications.endpointConcurrencyPerInstance] applies only to a realtime endpoint; a serverless "
            "endpoint's capacity is mlops:endpoint.maxConcurrency",
        ),
        (
            "dev",
            {"logRetentionDays": 10},
            "[mlops:applications.logRetentionDays] must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, "
            "14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 10",
        ),
        (
            "prod",
            {**JWT, "corsAllowOrigins": ["*"]},
            "[mlops:applications.corsAllowOrigins] must not be * in prod; list the web applications' origins",
        ),
        (
            "staging",
            {**JWT, "corsAllowOrigins": ["https://app.example.org/path"]},
            "[mlops:applications.corsAllowOrigins] item 0 must be an origin such as https://app.example.org "
            "(no path), got 'https://app.example.org/path'",
        ),
        (
            "dev",
            {"apiTimeoutSeconds": 30},
            "[mlops:applications.apiTimeoutSeconds] must be between 1 and 29, got 30",
        ),
        (
            "dev",
            {"scoringTimeoutSecond": 900},
            "[mlops:applications.scoringTimeoutSecond] is not a known setting in Pulumi.dev.yaml; did you mean "
            "scoringTimeoutSeconds?",
        ),
    ],
)
def test_mistakes_are_one_line_naming_the_key(
    stack: str, applications: dict[str, Any], message: str, artifact: Path
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(stack, artifact, applications)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_an_s3_artifact_needs_the_manifest_named(artifact: Path) -> None:
    pulumi.runtime.set_all_config(
        load_stack_config("dev", {"mlops:artifact": "s3://my-training-bucket/jobs/job-1/output/model.tar.gz"})
    )
    cfg = config.load(project="sagemaker-mlops", stack="dev")
    with pytest.raises(ConfigError) as caught:
        builder.manifest(cfg)
    assert str(caught.value) == (
        "[mlops:applications.manifest] is required with an s3:// artifact: the functions check requests against "
        "the model's manifest.json; pulumi config set --path 'mlops:applications.manifest' build/manifest.json"
    )
