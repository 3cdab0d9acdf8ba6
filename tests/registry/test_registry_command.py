"""``python -m training.registry`` against the emulator: register, approve, reject, list, promote.

Every request goes through boto3, which validates it against botocore's SageMaker model before sending;
moto stores the versions. What this cannot prove: SageMaker's own checks on a version (it verifies the
image exists and the role can read the artifact when a model is created from it, not here), IAM, and
the EventBridge event AWS emits for each decision (moto does not emit it).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from tests.registry.conftest import REGION, ROOT, client, env_for
from training import registry

pytestmark = pytest.mark.emulator
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "training.registry", "--endpoint-url", url, *args],
        cwd=ROOT,
        env=env_for(url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _group_and_bucket(url: str, group: str, bucket: str) -> None:
    client("sagemaker", url).create_model_package_group(ModelPackageGroupName=group)  # type: ignore[attr-defined]
    client("s3", url).create_bucket(Bucket=bucket)  # type: ignore[attr-defined]


def _main(url: str, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = registry.main(["--endpoint-url", url, *args], environ={"AWS_REGION": REGION})
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_register_records_image_artifact_metrics_baseline_sha256_and_commit(
    registry_url: str, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _group_and_bucket(registry_url, "cmd-dev-models", "cmd-dev-artifacts")
    tarball = model_dir / "model.tar.gz"
    sha = hashlib.sha256(tarball.read_bytes()).hexdigest()
    code, out, err = _main(
        registry_url,
        "register",
        "--group",
        "cmd-dev-models",
        "--artifact",
        str(tarball),
        "--bucket",
        "cmd-dev-artifacts",
        capsys=capsys,
    )
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/cmd-dev-models/1"
    assert (code, err) == (0, "")
    assert out == f"registered {arn} (PendingManualApproval), artifact sha256 {sha}\n"
    described: Any = client("sagemaker", registry_url).describe_model_package(ModelPackageName=arn)  # type: ignore[attr-defined]
    prefix = f"s3://cmd-dev-artifacts/models/{sha}"
    assert described["ModelApprovalStatus"] == "PendingManualApproval"
    assert described["InferenceSpecification"] == {
        "Containers": [
            {
                "Image": IMAGE,
                "ModelDataUrl": f"{prefix}/model.tar.gz",
                "Framework": "SKLEARN",
                "FrameworkVersion": "1.9.0",
            }
        ],
        "SupportedContentTypes": ["text/csv", "application/json"],
        "SupportedResponseMIMETypes": ["text/csv", "application/json"],
    }
    assert described["ModelMetrics"] == {
        "ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": f"{prefix}/metrics.json"}},
        "ModelDataQuality": {
            "Statistics": {"ContentType": "application/json", "S3Uri": f"{prefix}/baseline/statistics.json"},
            "Constraints": {"ContentType": "application/json", "S3Uri": f"{prefix}/baseline/constraints.json"},
        },
    }
    # The stand-in manifest records no commit, data or metrics: the checkout's HEAD stands in for the commit.
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    assert described["MetadataProperties"] == {"CommitId": head or "unknown", "GeneratedBy": "training/train.py"}
    assert described["CustomerMetadataProperties"] == {"sha256": sha}
    s3: Any = client("s3", registry_url)
    body = s3.get_object(Bucket="cmd-dev-artifacts", Key=f"models/{sha}/model.tar.gz")["Body"].read()
    assert body == tarball.read_bytes()


def test_the_create_request_carries_manifest_metrics_and_data_and_passes_the_api_model() -> None:
    artifact = registry.Artifact(
        "a" * 64,
        {
            "target": "species",
            "sklearn_version": "1.9.0",
            "serving_image_version": "1.9-0",
            "hyperparameters": {"estimator": "random_forest"},
            "metrics": {"validation": {"macro_f1": 0.981376, "accuracy": 1}, "test": {"macro_f1": 1.0}},
            "data_sha256": {"penguins.csv": "b" * 64},
            "git_commit": "c" * 40,
        },
    )
    request = registry.create_request(
        group="g",
        artifact=artifact,
        model_data_url="s3://b/models/a/model.tar.gz",
        image=IMAGE,
        metrics_uri=None,
        baseline_uris=None,
        description=None,
    )
    assert request["ModelPackageDescription"] == "species random_forest, scikit-learn 1.9.0"
    assert request["MetadataProperties"] == {"CommitId": "c" * 40, "GeneratedBy": "training/train.py"}
    assert request["CustomerMetadataProperties"] == {
        "sha256": "a" * 64,
        "data-sha256:penguins.csv": "b" * 64,
        "test:macro_f1": "1.000000",
        "validation:accuracy": "1.000000",
        "validation:macro_f1": "0.981376",
    }
    assert "ModelMetrics" not in request
    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model("CreateModelPackage").input_shape
    assert not ParamValidator().validate(request, shape).has_errors()
    broken = {**request, "ModelApprovalStatus": 1}
    assert ParamValidator().validate(broken, shape).has_errors()


def test_approve_reject_list_and_promote(
    registry_url: str, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _group_and_bucket(registry_url, "flow-dev-models", "flow-dev-artifacts")
    client("sagemaker", registry_url).create_model_package_group(ModelPackageGroupName="flow-prod-models")  # type: ignore[attr-defined]
    tarball = str(model_dir / "model.tar.gz")
    sha = hashlib.sha256((model_dir / "model.tar.gz").read_bytes()).hexdigest()
    base = "arn:aws:sagemaker:us-east-1:123456789012:model-package"
    register = ["register", "--group", "flow-dev-models", "--artifact", tarball, "--bucket", "flow-dev-artifacts"]
    assert _main(registry_url, *register, capsys=capsys)[0] == 0
    assert _main(registry_url, *register, capsys=capsys)[0] == 0

    # A pending version is not promoted: each environment approves what reaches it.
    code, out, err = _main(
        registry_url, "promote", f"{base}/flow-dev-models/1", "--to-group", "flow-prod-models", capsys=capsys
    )
    assert (code, out) == (2, "")
    assert err == (
        f"registry: {base}/flow-dev-models/1 is PendingManualApproval, not Approved: only an approved version is "
        f"promoted (python -m training.registry approve {base}/flow-dev-models/1 --reason ...)\n"
    )

    code, out, _ = _main(
        registry_url, "approve", f"{base}/flow-dev-models/1", "--reason", "F1 0.98 on the split", capsys=capsys
    )
    assert (code, out) == (0, f"{base}/flow-dev-models/1: Approved (F1 0.98 on the split)\n")
    code, out, _ = _main(registry_url, "reject", f"{base}/flow-dev-models/2", "--reason", "duplicate", capsys=capsys)
    assert (code, out) == (0, f"{base}/flow-dev-models/2: Rejected (duplicate)\n")
    described: Any = client("sagemaker", registry_url).describe_model_package(
        ModelPackageName=f"{base}/flow-dev-models/1"
    )  # type: ignore[attr-defined]
    # Who decided is the caller's identity; the registered sha256 survives the decision.
    assert described["CustomerMetadataProperties"] == {
        "sha256": sha,
        "decided-by": "arn:aws:sts::123456789012:user/moto",
    }
    assert described["ApprovalDescription"] == "F1 0.98 on the split"

    code, out, _ = _main(registry_url, "list", "--group", "flow-dev-models", capsys=capsys)
    assert code == 0
    assert out.splitlines() == [
        f"  1  Approved               {sha[:12]}  f1=?  {base}/flow-dev-models/1  F1 0.98 on the split",
        f"  2  Rejected               {sha[:12]}  f1=?  {base}/flow-dev-models/2  duplicate",
    ]

    code, out, _ = _main(
        registry_url, "promote", f"{base}/flow-dev-models/1", "--to-group", "flow-prod-models", capsys=capsys
    )
    assert (code, out) == (
        0,
        f"promoted {base}/flow-dev-models/1 to {base}/flow-prod-models/1 (PendingManualApproval); approve it there "
        "to deploy it\n",
    )
    promoted: Any = client("sagemaker", registry_url).describe_model_package(
        ModelPackageName=f"{base}/flow-prod-models/1"
    )  # type: ignore[attr-defined]
    assert promoted["ModelApprovalStatus"] == "PendingManualApproval"
    assert promoted["CustomerMetadataProperties"] == {"sha256": sha, "promoted-from": f"{base}/flow-dev-models/1"}
    assert promoted["InferenceSpecification"] == described["InferenceSpecification"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "line", "code"),
    [
        (
            ["register", "--group", "x-models", "--artifact", "no/such/model.tar.gz", "--bucket", "b1b"],
            "registry: --artifact no/such/model.tar.gz: no such file; run `make train` first",
            2,
        ),
        (
            ["register", "--group", "x-models", "--artifact", "README.md", "--bucket", "b1b"],
            "registry: README.md is not a readable model.tar.gz (ReadError); rebuild it",
            2,
        ),
        (
            ["register", "--group", "bad_name", "--artifact", "README.md"],
            "registry: --group must be a model package group name (1-63 letters, digits, hyphens), got 'bad_name'; "
            "use the stack output modelPackageGroupName",
            2,
        ),
        (
            ["register", "--group", "x-models", "--artifact", "README.md", "--bucket", "Bad_Bucket"],
            "registry: --bucket must be an S3 bucket name, got 'Bad_Bucket'",
            2,
        ),
        (
            ["register", "--group", "x-models", "--artifact", "s3://bucket/model.zip"],
            "registry: --artifact must be s3://<bucket>/<key>.tar.gz, got 's3://bucket/model.zip'",
            2,
        ),
        (
            ["approve", "arn:aws:sagemaker:us-east-1:123456789012:model/x"],
            "registry: 'arn:aws:sagemaker:us-east-1:123456789012:model/x' is not a model package version ARN "
            "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>); `list` shows them",
            2,
        ),
        (
            ["reject", "arn:aws:sagemaker:us-east-1:123456789012:model-package/x-models/1", "--reason", ""],
            "registry: --reason must be one line of 1-1024 characters",
            2,
        ),
        (
            ["reject", "arn:aws:sagemaker:us-east-1:123456789012:model-package/x-models/1"],
            "registry: python -m training.registry reject: the following arguments are required: --reason",
            2,
        ),
        (
            ["approve", "arn:aws:sagemaker:us-east-1:123456789012:model-package/x-models/9"],
            "registry: describe_model_package refused: ValidationException: Model package "
            "arn:aws:sagemaker:us-east-1:123456789012:model-package/x-models/9 not found",
            4,
        ),
    ],
)
def test_bad_input_is_one_line_and_its_exit_code(registry_url: str, args: list[str], line: str, code: int) -> None:
    """As a user runs it: a subprocess, stderr exactly one line, nothing on stdout, no traceback."""
    done = _cli(registry_url, *args)
    assert (done.returncode, done.stdout, done.stderr) == (code, "", line + "\n")


@pytest.mark.slow
def test_a_local_artifact_without_bucket_or_into_a_missing_group(registry_url: str, model_dir: Path) -> None:
    tarball = str(model_dir / "model.tar.gz")
    done = _cli(registry_url, "register", "--group", "x-models", "--artifact", tarball)
    assert (done.returncode, done.stderr) == (
        2,
        "registry: --bucket is required for a local artifact: the stack's artifactBucket output (the version's "
        "artifact must be in S3)\n",
    )
    client("s3", registry_url).create_bucket(Bucket="nogroup-artifacts")  # type: ignore[attr-defined]
    done = _cli(
        registry_url, "register", "--group", "missing-models", "--artifact", tarball, "--bucket", "nogroup-artifacts"
    )
    assert (done.returncode, done.stdout) == (4, "")
    assert done.stderr.startswith("registry: create_model_package refused: ValidationException: ")
    assert done.stderr.endswith("Model Package Group does not exist.\n")
    assert done.stderr.count("\n") == 1


def test_an_xgboost_family_version_records_both_images_and_its_booster(
    registry_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The registry takes the built-in algorithm's family as it takes scikit-learn's; whether SageMaker
    builds a serial pipeline from such a package is not provable offline (the stack builds its own)."""
    from review.fixture import write_xgboost_artifact

    _group_and_bucket(registry_url, "xgb-dev-models", "xgb-dev-artifacts")
    tarball = write_xgboost_artifact(tmp_path / "xgboost")
    booster = tarball.parent / "xgboost-model.tar.gz"
    sha = hashlib.sha256(tarball.read_bytes()).hexdigest()
    code, out, err = _main(
        registry_url,
        "register",
        "--group",
        "xgb-dev-models",
        "--artifact",
        str(tarball),
        "--bucket",
        "xgb-dev-artifacts",
        capsys=capsys,
    )
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/xgb-dev-models/1"
    assert (code, err) == (0, "")
    assert out == f"registered {arn} (PendingManualApproval), artifact sha256 {sha}\n"
    described: Any = client("sagemaker", registry_url).describe_model_package(ModelPackageName=arn)  # type: ignore[attr-defined]
    prefix = f"s3://xgb-dev-artifacts/models/{sha}"
    assert described["InferenceSpecification"]["Containers"] == [
        {"Image": IMAGE, "ModelDataUrl": f"{prefix}/model.tar.gz", "Framework": "SKLEARN", "FrameworkVersion": "1.9.0"},
        {
            "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5",
            "ModelDataUrl": f"{prefix}/xgboost-model.tar.gz",
            "Framework": "XGBOOST",
            "FrameworkVersion": "3.0.5",
        },
    ]
    s3: Any = client("s3", registry_url)
    body = s3.get_object(Bucket="xgb-dev-artifacts", Key=f"models/{sha}/xgboost-model.tar.gz")["Body"].read()
    assert body == booster.read_bytes()

    # A booster that is not the one the artifact was built with is refused before anything is written.
    booster.write_bytes(b"not the booster")
    code, out, err = _main(
        registry_url, "register", "--group", "xgb-dev-models", "--artifact", str(tarball), "--bucket", "x-b-c",
        capsys=capsys,
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert err == (
        f"registry: {booster} does not match the booster model.tar.gz was built with; rebuild with "
        "`make train-xgboost`\n"
    )
