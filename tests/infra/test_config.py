"""Stack config validation: each mistake fails with a message naming the key, the value and the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from infra import config
from infra.errors import ArtifactError, ConfigError
from offline.stacks import load_stack_config
from tests.infra.fakes import MANIFEST, write_artifact


def load_with(stack: str, artifact: Path, **overrides: Any) -> config.StackConfig:
    flat = load_stack_config(stack, {"mlops:artifact": str(artifact), **overrides})
    pulumi.runtime.set_all_config(flat)
    return config.load(project="sagemaker-mlops", stack=stack)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_committed_stack_files_are_valid(stack: str, artifact: Path) -> None:
    cfg = load_with(stack, artifact)
    assert cfg.environment == stack
    assert cfg.region == "us-east-1"
    assert cfg.endpoint.name == f"sagemaker-mlops-{stack}"
    assert cfg.artifact.serving_image_version == "1.9-0"


def test_environment_defaults_per_stack(artifact: Path) -> None:
    dev, staging, prod = (load_with(s, artifact) for s in ("dev", "staging", "prod"))
    assert (dev.endpoint.type, dev.rollout.strategy, dev.autoscaling, dev.retain_data) == (
        "serverless",
        "allAtOnce",
        None,
        False,
    )
    assert (staging.endpoint.type, staging.endpoint.instance_count, staging.rollout.strategy) == (
        "realtime",
        2,
        "canary",
    )
    assert staging.autoscaling == config.AutoscalingSettings(
        min=2, max=3, targetInvocationsPerInstance=600.0, scaleInCooldownSeconds=300, scaleOutCooldownSeconds=60
    )
    assert (prod.endpoint.instance_count, prod.retain_data, prod.data_quality_schedule) == (2, True, "hourly")
    assert prod.autoscaling == config.AutoscalingSettings(
        min=2, max=6, targetInvocationsPerInstance=600.0, scaleInCooldownSeconds=600, scaleOutCooldownSeconds=60
    )
    assert prod.tags == {
        "project": "sagemaker-mlops",
        "stack": "prod",
        "environment": "prod",
        "managed-by": "pulumi",
        "owner": "ml-platform",
        "cost-center": "ml-prod",
    }


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_every_environments_built_in_defaults_pass_validation(environment: str, artifact: Path) -> None:
    """A stack file naming only its environment gets the defaults of ARCHITECTURE.md's table, and they are valid."""
    # Staging and prod have no default identity provider: the JWT issuer and audience are the stack's.
    jwt = {"jwtIssuer": "https://issuer.example.org", "jwtAudience": ["web"]} if environment != "dev" else {}
    pulumi.runtime.set_all_config(
        {
            "aws:region": "us-east-1",
            "mlops:environment": environment,
            "mlops:artifact": str(artifact),
            **({"mlops:applications": json.dumps(jwt)} if jwt else {}),
        }
    )
    cfg = config.load(project="sagemaker-mlops", stack=f"bare-{environment}")
    expected = {
        "dev": ("serverless", 1, "allAtOnce", None, "off", False),
        "staging": ("realtime", 2, "canary", (2, 4), "daily", False),
        "prod": ("realtime", 2, "canary", (2, 4), "hourly", True),
    }[environment]
    scaling = (cfg.autoscaling.min_capacity, cfg.autoscaling.max_capacity) if cfg.autoscaling else None
    got = (
        cfg.endpoint.type,
        cfg.endpoint.instance_count,
        cfg.rollout.strategy,
        scaling,
        cfg.data_quality_schedule,
        cfg.retain_data,
    )
    assert got == expected


PROD_ENDPOINT = {
    "type": "realtime",
    "instanceType": "ml.m5.xlarge",
    "instanceCount": 2,
    "dataCapturePercent": 20,
}
DEV_ENDPOINT = {"type": "serverless", "memorySizeMb": 2048, "maxConcurrency": 5}


@pytest.mark.parametrize(
    ("stack", "overrides", "message"),
    [
        (
            "prod",
            {"mlops:autoscaling": {"min": 3, "max": 2}},
            "[mlops:autoscaling.max] must be >= autoscaling.min (got 2 < 3)",
        ),
        (
            "prod",
            {"mlops:endpoint": {**PROD_ENDPOINT, "instanceType": "m5.large"}},
            "[mlops:endpoint.instanceType] must be a SageMaker hosting instance type such as ml.m5.large, "
            "got 'm5.large'",
        ),
        (
            "dev",
            {"mlops:endpoint": {**DEV_ENDPOINT, "memorySizeMb": 1500}},
            "[mlops:endpoint.memorySizeMb] must be 1024, 2048, 3072, 4096, 5120 or 6144 for serverless "
            "inference, got 1500",
        ),
        (
            "dev",
            {"mlops:endpoint": {**DEV_ENDPOINT, "memorySizeMb": 8192}},
            "[mlops:endpoint.memorySizeMb] must be 1024, 2048, 3072, 4096, 5120 or 6144 for serverless "
            "inference, got 8192",
        ),
        (
            "prod",
            {"mlops:rollout": {"strategy": "canary", "trafficPercent": 60}},
            "[mlops:rollout.trafficPercent] canary size must be <= 50 percent, got 60",
        ),
        (
            "prod",
            {"mlops:rollout": {"strategy": "linear", "trafficPercent": 5}},
            "[mlops:rollout.trafficPercent] linear step must be 10-50 percent, got 5",
        ),
        (
            "prod",
            {"mlops:endpoint": {**PROD_ENDPOINT, "instanceCount": 1}},
            "[mlops:endpoint.instanceCount] must be >= 2 in prod so the variant spans Availability Zones "
            "(SageMaker.4), got 1",
        ),
        (
            "prod",
            {"mlops:endpoint": {**PROD_ENDPOINT, "instanceTyp": "ml.m5.large"}},
            "[mlops:endpoint.instanceTyp] is not a known setting in Pulumi.prod.yaml; did you mean instanceType? "
            "Known: dataCapturePercent, instanceCount, instanceType, maxConcurrency, memorySizeMb, name, "
            "startupTimeoutSeconds, type, variantName",
        ),
        (
            "prod",
            {"mlops:environment": "production"},
            "[mlops:environment] must be one of dev, staging, prod, got 'production'",
        ),
        (
            "prod",
            {"mlops:retainData": False},
            "[mlops:retainData] must be true in prod: buckets and key are protected from deletion",
        ),
        (
            "dev",
            {"mlops:rollout": {"strategy": "canary", "trafficPercent": 25}},
            "[mlops:rollout.strategy] must be allAtOnce for a serverless endpoint (one variant, no instances "
            "to shift), got 'canary'",
        ),
        (
            "dev",
            {"mlops:autoscaling": {"min": 1, "max": 2}},
            "[mlops:autoscaling] must not be set for a serverless endpoint (it scales by "
            "mlops:endpoint.maxConcurrency)",
        ),
        (
            "staging",
            {"mlops:endpoint": {"type": "realtime", "instanceType": "ml.m5.large", "instanceCount": 1}},
            "[mlops:rollout.strategy] canary needs mlops:endpoint.instanceCount >= 2 (got 1); add an instance "
            "or use allAtOnce",
        ),
        (
            "prod",
            {"mlops:alarms": {"pageHttps": ["http://pager.example.com"]}},
            "[mlops:alarms.pageHttps] item 0 is not an https:// URL (http://pager...)",
        ),
        (
            "prod",
            {"mlops:endpoint": {**PROD_ENDPOINT, "name": "-bad-"}},
            "[mlops:endpoint.name] must be 1-63 letters, digits or hyphens, not starting or ending with a "
            "hyphen, got '-bad-'",
        ),
        (
            "prod",
            {"mlops:endpoint": {**PROD_ENDPOINT, "instanceCount": "two"}},
            "[mlops:endpoint.instanceCount] must be an integer, got 'two'",
        ),
        (
            "prod",
            {"mlops:endpoint": {**PROD_ENDPOINT, "dataCapturePercent": 0}},
            "[mlops:monitoring.dataQualitySchedule] is 'hourly' but mlops:endpoint.dataCapturePercent is 0; "
            "enable capture or turn monitoring off",
        ),
    ],
)
def test_invalid_config_names_the_key(stack: str, overrides: dict[str, Any], message: str, artifact: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_with(stack, artifact, **overrides)
    assert str(raised.value) == message


def test_missing_region_names_the_fix(artifact: Path) -> None:
    flat = load_stack_config("prod", {"mlops:artifact": str(artifact)})
    del flat["aws:region"]
    pulumi.runtime.set_all_config(flat)
    with pytest.raises(ConfigError, match=r"^\[aws:region\] is not set; run `pulumi config set aws:region"):
        config.load(project="sagemaker-mlops", stack="prod")


def test_missing_artifact_says_run_make_train(tmp_path: Path) -> None:
    missing = tmp_path / "model.tar.gz"
    with pytest.raises(ArtifactError) as raised:
        load_with("prod", missing)
    assert str(raised.value) == (
        f"[mlops:artifact] artifact file {missing} does not exist; run `make train` first to build it "
        "(or point mlops:artifact at an s3:// URI from managed training)"
    )


def test_artifact_sklearn_version_must_match_serving_image(tmp_path: Path) -> None:
    old = write_artifact(tmp_path, manifest={**MANIFEST, "sklearn_version": "1.4.2"})
    with pytest.raises(ConfigError) as raised:
        load_with("prod", old)
    assert str(raised.value) == (
        "[mlops:artifact] serving image 1.9-0 does not match the artifact's scikit-learn 1.4.2 (needs image "
        "1.4-2-py312); unpickling would fail in the container. Retrain with the image's scikit-learn version "
        "or remove the override"
    )


def test_serving_image_override_must_match_artifact(artifact: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_with("prod", artifact, **{"mlops:servingImageVersion": "1.2-1"})
    assert str(raised.value).startswith(
        "[mlops:servingImageVersion] serving image 1.2-1 does not match the artifact's scikit-learn 1.9.0 "
        "(needs image 1.9-0)"
    )


def test_artifact_sklearn_patch_version_must_equal_the_images(tmp_path: Path) -> None:
    """1.9.1 and 1.9.0 share the minor (same image tag) but the image ships exactly 1.9.0."""
    newer = write_artifact(tmp_path, manifest={**MANIFEST, "sklearn_version": "1.9.1"})
    with pytest.raises(ArtifactError) as raised:
        load_with("prod", newer)
    assert str(raised.value) == (
        "[mlops:artifact] was trained with scikit-learn 1.9.1 but serving image 1.9-0 has scikit-learn 1.9.0; "
        "the model must be pickled by the exact version that unpickles it. Retrain with scikit-learn==1.9.0 "
        "(`pip install -c constraints.txt -e .` then `make train`)"
    )


def test_unsupported_sklearn_version_lists_supported(tmp_path: Path) -> None:
    odd = write_artifact(tmp_path, manifest={**MANIFEST, "sklearn_version": "1.7.0"})
    with pytest.raises(ArtifactError, match=r"scikit-learn 1\.7\.0, which no SageMaker scikit-learn serving"):
        load_with("prod", odd)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (("code/inference.py",), "has no model.joblib at its root; rebuild it with `make train`"),
        (("model.joblib",), "has no code/inference.py; rebuild it with `make train`"),
    ],
)
def test_incomplete_artifact_is_rejected(tmp_path: Path, members: tuple[str, ...], message: str) -> None:
    path = write_artifact(tmp_path, members=members)
    with pytest.raises(ArtifactError) as raised:
        load_with("prod", path)
    assert str(raised.value) == f"[mlops:artifact] {path} {message}"


def test_corrupt_artifact_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "model.tar.gz"
    path.write_bytes(b"not a tarball")
    with pytest.raises(ArtifactError, match=r"is not a readable model\.tar\.gz"):
        load_with("prod", path)


def test_monitoring_needs_a_baseline(tmp_path: Path) -> None:
    path = write_artifact(tmp_path, baseline=False)
    with pytest.raises(ConfigError) as raised:
        load_with("prod", path)
    assert str(raised.value).startswith(
        "[mlops:monitoring.dataQualitySchedule] is 'hourly' but the artifact has no data-quality baseline"
    )
    # dev has monitoring off: the same artifact is fine there.
    assert load_with("dev", path).artifact.baseline_dir is None


def test_s3_artifact_uri_is_accepted() -> None:
    pulumi.runtime.set_all_config(
        load_stack_config("dev", {"mlops:artifact": "s3://my-training-bucket/jobs/job-1/output/model.tar.gz"})
    )
    cfg = config.load(project="sagemaker-mlops", stack="dev")
    assert cfg.artifact.local is None
    assert cfg.artifact.s3_uri == "s3://my-training-bucket/jobs/job-1/output/model.tar.gz"
    assert cfg.artifact.serving_image_version == "1.9-0"


def test_structured_values_reach_the_program_json_encoded() -> None:
    flat = load_stack_config("prod", {"mlops:retainData": True})
    assert json.loads(flat["mlops:autoscaling"]) == {
        "min": 2,
        "max": 6,
        "targetInvocationsPerInstance": 600,
        "scaleInCooldownSeconds": 600,
        "scaleOutCooldownSeconds": 60,
    }
    assert flat["mlops:retainData"] == "true"
