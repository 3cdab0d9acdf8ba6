"""``mlops:modelPackage``: a stack deploys a registered version, resolved when the program runs.

The registry is the emulator in its own process (boto3's ``AWS_ENDPOINT_URL_*`` variables aim the
program's look-ups at it); the program itself runs under the recording mocks. What this cannot prove:
that the real provider and engine run the look-up at preview time exactly as here (they run the same
Python program, so they do), and anything SageMaker checks when it creates the model.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

from infra import config
from infra.errors import ConfigError
from offline import tokens
from offline.graph import Plan
from offline.mocks import run_program
from offline.stacks import load_stack_config
from policy.check import views
from policy.controls import evaluate
from tests.infra.fakes import write_artifact
from tests.registry.conftest import REGION, ROOT, client, env_for
from training import registry

pytestmark = pytest.mark.emulator
BASE = "arn:aws:sagemaker:us-east-1:123456789012:model-package"
PROD, DEV = "sagemaker-mlops-prod-models", "sagemaker-mlops-dev-models"


@pytest.fixture(scope="module")
def versions(registry_url: str, model_dir: Path) -> dict[str, str]:
    """prod: v1 Approved, v2 pending, v3 Rejected; dev: v1 pending, v2 Approved but its artifact overwritten."""
    sagemaker: Any = client("sagemaker", registry_url)
    for group in (PROD, DEV):
        sagemaker.create_model_package_group(ModelPackageGroupName=group)
    client("s3", registry_url).create_bucket(Bucket="promotion-artifacts")  # type: ignore[attr-defined]
    reg = registry.Registry(sagemaker, client("s3", registry_url), client("sts", registry_url))

    def add(group: str, tarball: Path) -> str:
        arn, _ = reg.register(
            group=group,
            artifact=str(tarball),
            region=REGION,
            bucket="promotion-artifacts",
            metrics=None,
            baseline=None,
            description=None,
        )
        return arn

    tarball = model_dir / "model.tar.gz"
    arns = {"approved": add(PROD, tarball), "pending": add(PROD, tarball), "rejected": add(PROD, tarball)}
    reg.decide(arns["approved"], "Approved", "F1 0.98, reviewed")
    reg.decide(arns["rejected"], "Rejected", "drifted on the new data")
    tampered_dir = model_dir.parent / "tampered"
    arns["dev-pending"] = add(DEV, tarball)
    tampered = write_artifact(tampered_dir, payload=b"other bytes")
    arns["tampered"] = add(DEV, tampered)
    reg.decide(arns["tampered"], "Approved", "looked fine")
    # Someone overwrites the registered object: the bytes no longer have the registered sha256.
    sha = hashlib.sha256(tampered.read_bytes()).hexdigest()
    client("s3", registry_url).put_object(  # type: ignore[attr-defined]
        Bucket="promotion-artifacts", Key=f"models/{sha}/model.tar.gz", Body=tarball.read_bytes()
    )
    return arns


@pytest.fixture
def aimed(registry_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for service in ("SAGEMAKER", "S3"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", registry_url)
    monkeypatch.setattr(config, "REGISTRY_CACHE", tmp_path / "registry")


def _plan(stack: str, package: str) -> Plan:
    from infra.program import build

    return run_program(stack, build, overrides={"mlops:modelPackage": package})


def _load(stack: str, package: str) -> config.StackConfig:
    pulumi.runtime.set_all_config(load_stack_config(stack, {"mlops:modelPackage": package}))
    return config.load(project="sagemaker-mlops", stack=stack)


def test_prod_deploys_the_latest_approved_version_and_shows_it(
    versions: dict[str, str], aimed: None, model_dir: Path
) -> None:
    sha = hashlib.sha256((model_dir / "model.tar.gz").read_bytes()).hexdigest()
    plan = _plan("prod", "latest-approved")
    shipped = {k: v for k, v in plan.outputs.items() if k.startswith("modelPackage") and "Group" not in k}
    assert shipped == {
        "modelPackage": versions["approved"],
        "modelPackageStatus": "Approved",
        "modelPackageApproval": "F1 0.98, reviewed",
        "modelPackageSha256": sha,
        "modelPackageSha256Prefix": sha[:12],
    }
    # The policy pack sees the tags the program put on the model, and the stack's own group.
    assert [v.message for v in evaluate(*views(plan))] == []


def test_an_arn_deploys_that_version_uploaded_under_its_sha256_with_its_tags(
    versions: dict[str, str], aimed: None, model_dir: Path
) -> None:
    sha = hashlib.sha256((model_dir / "model.tar.gz").read_bytes()).hexdigest()
    plan = _plan("prod", versions["approved"])
    model = plan.one(tokens.SAGEMAKER_MODEL)
    assert model.inputs["tags"]["model-package"] == versions["approved"]
    assert model.inputs["tags"]["model-package-status"] == "Approved"
    objects = {o.name: str(o.inputs["key"]) for o in plan.of_type(tokens.S3_OBJECT)}
    text = {name: key for name, key in objects.items() if name.startswith("sagemaker-mlops-prod-text-")}
    assert sorted(key for name, key in objects.items() if name not in text) == [
        f"models/{sha}/baseline/constraints.json",
        f"models/{sha}/baseline/statistics.json",
        f"models/{sha}/model.tar.gz",
    ]
    # Beside the release, only the entity recognizer's training files (mlops:text, on in prod), under their
    # own sha256 (tests/infra/test_text.py checks them).
    data = ROOT / "data" / "comprehend"
    assert text == {
        f"sagemaker-mlops-prod-text-training-{kind}": (
            f"text/training/{hashlib.sha256((data / file).read_bytes()).hexdigest()}/{file}"
        )
        for kind, file in (("documents", "documents.txt"), ("annotations", "annotations.csv"))
    }
    assert plan.outputs["modelPackage"] == versions["approved"]


def test_the_plan_diff_shows_which_version_ships(
    versions: dict[str, str], aimed: None, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reviewer's view (``make plan-diff`` with the stack's setting): the version and its sha256 prefix."""
    from review import diff

    sha = hashlib.sha256((model_dir / "model.tar.gz").read_bytes()).hexdigest()
    assert diff.main(["--stack", "prod", "--set", f"mlops:modelPackage={versions['approved']}"]) == 0
    out = capsys.readouterr().out
    assert f'~ tags.model-package: (absent) → "{versions["approved"]}"' in out
    assert f'~ modelPackage: (absent) → "{versions["approved"]}"' in out
    assert '~ modelPackageStatus: (absent) → "Approved"' in out
    assert f'~ modelPackageSha256Prefix: (absent) → "{sha[:12]}"' in out


def test_the_stacks_provider_endpoints_decide_where_the_look_up_goes(
    versions: dict[str, str], registry_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No AWS_ENDPOINT_URL_* here: ``aws:endpoints`` (as in Pulumi.local.yaml) aims the look-up, as the provider."""
    monkeypatch.setattr(config, "REGISTRY_CACHE", tmp_path / "registry")
    endpoints = [{"sagemaker": registry_url, "s3": registry_url, "iam": "http://127.0.0.1:9"}]
    pulumi.runtime.set_all_config(
        load_stack_config("prod", {"mlops:modelPackage": versions["approved"], "aws:endpoints": endpoints})
    )
    cfg = config.load(project="sagemaker-mlops", stack="prod")
    assert cfg.artifact.package is not None
    assert (cfg.artifact.package.arn, cfg.artifact.package.status) == (versions["approved"], "Approved")


def test_dev_may_deploy_a_pending_version_of_its_own_group(versions: dict[str, str], aimed: None) -> None:
    cfg = _load("dev", versions["dev-pending"])
    assert cfg.artifact.package is not None
    assert (cfg.artifact.package.status, cfg.artifact.package.version) == ("PendingManualApproval", 1)


@pytest.mark.parametrize(
    ("stack", "which", "message"),
    [
        (
            "dev",
            "tampered",
            "{arn}: the artifact at s3://promotion-artifacts/models/{sha}/model.tar.gz has sha256 {actual}… but was "
            "registered with {short}…; it changed after registration, so it is not the approved model: register the "
            "artifact again and approve the new version",
        ),
        (
            "prod",
            "dev-pending",
            "{arn} is not a version of this stack's group sagemaker-mlops-prod-models in us-east-1; promote it first: "
            "python -m training.registry promote {arn} --to-group sagemaker-mlops-prod-models",
        ),
        (
            "dev",
            "rejected",
            "{arn} is not a version of this stack's group sagemaker-mlops-dev-models in us-east-1; promote it first: "
            "python -m training.registry promote {arn} --to-group sagemaker-mlops-dev-models",
        ),
    ],
)
def test_refused_versions(
    versions: dict[str, str], aimed: None, model_dir: Path, stack: str, which: str, message: str
) -> None:
    arn = versions[which]
    tampered = model_dir.parent / "tampered" / "model.tar.gz"
    sha = hashlib.sha256(tampered.read_bytes()).hexdigest()
    actual = hashlib.sha256((model_dir / "model.tar.gz").read_bytes()).hexdigest()
    with pytest.raises(ConfigError) as caught:
        _load(stack, arn)
    assert caught.value.key == "mlops:modelPackage"
    assert caught.value.problem == message.format(arn=arn, sha=sha, actual=actual[:12], short=sha[:12])


def test_latest_approved_in_a_group_without_approved_versions(registry_url: str, aimed: None) -> None:
    client("sagemaker", registry_url).create_model_package_group(  # type: ignore[attr-defined]
        ModelPackageGroupName="sagemaker-mlops-staging-models"
    )
    with pytest.raises(ConfigError) as caught:
        _load("staging", "latest-approved")
    assert caught.value.problem == (
        "latest-approved: group sagemaker-mlops-staging-models has no Approved version; register one "
        "(python -m training.registry register --group sagemaker-mlops-staging-models ...) and approve it "
        "(python -m training.registry approve ARN)"
    )


def test_a_value_that_is_neither_latest_approved_nor_an_arn(aimed: None) -> None:
    with pytest.raises(ConfigError) as caught:
        _load("prod", "latest")
    assert str(caught.value) == (
        "[mlops:modelPackage] must be latest-approved or a model package version ARN "
        "(arn:aws:sagemaker:us-east-1:<account>:model-package/sagemaker-mlops-prod-models/<version>), got 'latest'"
    )


def test_a_misspelt_key_names_the_nearest(aimed: None, tmp_path: Path) -> None:
    pulumi.runtime.set_all_config(load_stack_config("prod", {"mlops:modelPackages": "latest-approved"}))
    with pytest.raises(ConfigError) as caught:
        config.load(project="sagemaker-mlops", stack="prod")
    assert str(caught.value).startswith(
        "[mlops:modelPackages] is not a known key in Pulumi.prod.yaml; did you mean mlops:modelPackage? Known: "
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("which", "line"),
    [
        (
            "pending",
            "error: [mlops:modelPackage] {arn} is PendingManualApproval; prod deploys only Approved versions: "
            "python -m training.registry approve {arn} --reason '...'",
        ),
        (
            "rejected",
            "error: [mlops:modelPackage] {arn} is Rejected (drifted on the new data); a rejected version is never "
            "deployed: register a new one, or reverse the decision with python -m training.registry approve {arn} "
            "--reason '...'",
        ),
    ],
)
def test_prod_plan_of_an_unapproved_version_is_one_line_and_exit_2(
    versions: dict[str, str], registry_url: str, which: str, line: str
) -> None:
    """As a reviewer runs it: ``python -m offline.plan`` in a subprocess, the registry in the emulator."""
    arn = versions[which]
    done = subprocess.run(
        [sys.executable, "-m", "offline.plan", "--stack", "prod", "--set", f"mlops:modelPackage={arn}"],
        cwd=ROOT,
        env=env_for(registry_url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, "", line.format(arn=arn) + "\n")


@pytest.mark.slow
def test_an_unreachable_registry_is_a_platform_error(tmp_path: Path) -> None:
    env = env_for("http://127.0.0.1:9")
    env["AWS_MAX_ATTEMPTS"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "offline.plan", "--stack", "prod", "--set", "mlops:modelPackage=latest-approved"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (done.returncode, done.stdout) == (4, "")
    assert done.stderr == (
        "error: [mlops:modelPackage] list_model_packages failed: Could not connect to the endpoint URL: "
        '"http://127.0.0.1:9/"\n'
    )
    assert json.dumps(done.stderr).count("\\n") == 1
