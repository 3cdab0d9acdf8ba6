"""An s3:// artifact published by managed training, with ``mlops:artifactManifest``: config and graph.

Mocks and subprocesses only: what is proven is that the stack deploys the published URI, monitors it with
the baseline beside it, and refuses inconsistent facts in one line. Not proven: that the objects exist in
S3 (preview reads nothing; ``training.launch`` writes them, tested in tests/training).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pulumi
import pytest

from infra import config
from offline import tokens
from offline.stacks import load_stack_config
from tests.infra.conftest import PlanFor

ROOT = Path(__file__).resolve().parents[2]
SHA = "5" * 64
URI = f"s3://sagemaker-mlops-prod-artifacts-1a2b3c4/models/{SHA}/model.tar.gz"
FEATURES = ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"]
MANIFEST = {"sha256": SHA, "sklearnVersion": "1.9.0", "features": FEATURES}


def _load(stack: str, **overrides: Any) -> config.StackConfig:
    pulumi.runtime.set_all_config(load_stack_config(stack, overrides))
    return config.load(project="sagemaker-mlops", stack=stack)


def test_published_artifact_with_its_manifest_is_a_remote_artifact_with_the_baseline_beside_it() -> None:
    cfg = _load("prod", **{"mlops:artifact": URI, "mlops:artifactManifest": MANIFEST})
    assert cfg.artifact.local is None
    assert cfg.artifact.s3_uri == URI
    assert cfg.artifact.serving_image_version == "1.9-0"
    assert cfg.artifact.remote is not None
    assert (cfg.artifact.remote.sha256, cfg.artifact.remote.sklearn_version) == (SHA, "1.9.0")
    assert cfg.artifact.remote.features == tuple(FEATURES)
    assert cfg.artifact.remote.baseline_uris == {
        "statistics": f"s3://sagemaker-mlops-prod-artifacts-1a2b3c4/models/{SHA}/baseline/statistics.json",
        "constraints": f"s3://sagemaker-mlops-prod-artifacts-1a2b3c4/models/{SHA}/baseline/constraints.json",
    }
    assert cfg.data_quality_schedule == "hourly"


def test_an_unmonitored_stack_still_takes_any_s3_artifact_without_a_manifest() -> None:
    cfg = _load("dev", **{"mlops:artifact": "s3://my-training-bucket/jobs/job-1/output/model.tar.gz"})
    assert (cfg.artifact.remote, cfg.data_quality_schedule) == (None, "off")


def test_the_monitored_graph_uses_the_published_model_and_baseline_and_uploads_nothing(
    plan_for: PlanFor, artifact: Path, tmp_path: Path
) -> None:
    # What training.launch keeps beside the published model: its manifest.json and baseline statistics.
    kept = tmp_path / "published"
    (kept / "baseline").mkdir(parents=True)
    with tarfile.open(artifact) as tar:
        (kept / "manifest.json").write_bytes(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    shutil.copy(artifact.parent / "baseline" / "statistics.json", kept / "baseline" / "statistics.json")
    plan = plan_for(
        "prod",
        **{
            "mlops:artifact": URI,
            "mlops:artifactManifest": MANIFEST,
            "mlops:applications.manifest": str(kept / "manifest.json"),
        },
    )
    model = plan.one(tokens.SAGEMAKER_MODEL)
    assert model.inputs["primaryContainer"]["modelDataUrl"] == URI
    # Nothing of the model is uploaded by the stack: the launcher published it. The only objects are the
    # entity recognizer's training files (mlops:text, on in prod; tests/infra/test_text.py), not the model's.
    assert sorted(o.name for o in plan.of_type(tokens.S3_OBJECT)) == [
        "sagemaker-mlops-prod-text-training-annotations",
        "sagemaker-mlops-prod-text-training-documents",
    ]
    job = plan.one(tokens.SAGEMAKER_DATA_QUALITY_JOB)
    baseline = job.inputs["dataQualityBaselineConfig"]
    assert baseline == {
        "constraintsResource": {"s3Uri": URI.replace("model.tar.gz", "baseline/constraints.json")},
        "statisticsResource": {"s3Uri": URI.replace("model.tar.gz", "baseline/statistics.json")},
    }
    drift = [a for a in plan.of_type(tokens.METRIC_ALARM) if a.name.endswith("-drift")]
    assert len(drift) == 1
    watched = json.dumps(drift[0].inputs["metricQueries"])
    assert all(f"feature_baseline_drift_{name}" in watched for name in FEATURES)


def _plan(*sets: str) -> subprocess.CompletedProcess[str]:
    args = [arg for value in sets for arg in ("--set", value)]
    return subprocess.run(
        [sys.executable, "-m", "offline.plan", "--stack", "prod", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )


def _manifest(**changes: Any) -> str:
    return "mlops:artifactManifest=" + json.dumps({**MANIFEST, **changes})


ERRORS = [
    (
        "monitored stack, s3 artifact, no manifest",
        (f"mlops:artifact={URI}",),
        "error: [mlops:monitoring.dataQualitySchedule] is 'hourly' but the s3:// artifact has no "
        "mlops:artifactManifest (its features and baseline); paste the stack config `python -m training.launch` "
        "printed, or turn monitoring off",
    ),
    (
        "a manifest for a local artifact",
        ("mlops:artifact=LOCAL", _manifest()),
        "error: [mlops:artifactManifest] applies to an s3:// mlops:artifact only (a local tarball's manifest is "
        "read from it); remove it",
    ),
    (
        "not the published layout",
        ("mlops:artifact=s3://bucket-1/training-output/job-1/output/model.tar.gz", _manifest()),
        "error: [mlops:artifact] must be s3://<bucket>/models/<sha256>/model.tar.gz with mlops:artifactManifest "
        "(where training.launch publishes a model with its baseline; the stack's roles read models/ only), got "
        "'s3://bucket-1/training-output/job-1/output/model.tar.gz'",
    ),
    (
        "sha256 of another run",
        (f"mlops:artifact={URI}", _manifest(sha256="6" * 64)),
        "error: [mlops:artifactManifest.sha256] is 666666666666… but mlops:artifact is models/555555555555…/; "
        "paste both from the same training.launch run",
    ),
    (
        "a scikit-learn without a serving image",
        (f"mlops:artifact={URI}", _manifest(sklearnVersion="0.23.2")),
        "error: [mlops:artifactManifest.sklearnVersion] is 0.23.2, which no SageMaker scikit-learn serving image "
        "provides; retrain with one of 1.9, 1.4, 1.2, 1.0",
    ),
    (
        "another patch release than the image's",
        (f"mlops:artifact={URI}", _manifest(sklearnVersion="1.9.1")),
        "error: [mlops:artifactManifest.sklearnVersion] is 1.9.1 but serving image 1.9-0 unpickles with "
        "scikit-learn 1.9.0; the model must be pickled by that exact version: retrain with scikit-learn==1.9.0",
    ),
    (
        "an image override for another scikit-learn",
        (f"mlops:artifact={URI}", _manifest(), "mlops:servingImageVersion=1.4-2-py312"),
        "error: [mlops:servingImageVersion] is 1.4-2-py312 but the artifact was trained with scikit-learn 1.9.0 "
        "(needs image 1.9-0); unpickling would fail in the container. Remove the override or retrain",
    ),
    (
        "a feature twice",
        (f"mlops:artifact={URI}", _manifest(features=["island", "island"])),
        "error: [mlops:artifactManifest.features] lists a feature twice; paste the list training.launch printed",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "sets", "line"), ERRORS, ids=[case for case, _, _ in ERRORS])
def test_inconsistent_remote_artifact_is_one_line_exit_2(
    case: str, sets: tuple[str, ...], line: str, artifact: Path
) -> None:
    completed = _plan(*(value.replace("=LOCAL", f"={artifact}") for value in sets))
    assert (completed.returncode, completed.stdout) == (2, ""), completed.stderr
    assert completed.stderr == line + "\n"
