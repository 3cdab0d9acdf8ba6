"""From a managed training job to a deployable stack config, against the emulator (moto).

The launcher's ``ModelTrainer`` request is sent through boto3 (botocore validates it against the SageMaker
service model before sending) to moto, which stores the job and describes it back; then the job's output
objects are put where SageMaker would write them, ``training.publish`` copies the model to its content
address with its manifest and baseline, and the printed stack config loads in ``infra.config`` as a
monitored prod stack. What this cannot prove: that SageMaker runs the job (moto completes it at once and
writes nothing) or that IAM allows each call (moto does not enforce policies).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pulumi
import pytest
import yaml
from moto import mock_aws
from training_support import REPO, clean_environ

from infra import config
from offline.stacks import load_stack_config
from review.fixture import MANIFEST, write_artifact
from training import launch, publish

# The SDK's ModelTrainer imports its own deprecated shim module (a third-party deprecation we cannot fix).
pytestmark = pytest.mark.filterwarnings("ignore:sagemaker.train.configs has been moved:DeprecationWarning")

REGION = "eu-west-1"
BUCKET = "sagemaker-mlops-prod-artifacts-1a2b3c4"
ROLE = "arn:aws:iam::123456789012:role/sagemaker-mlops-prod-training-role-5d6e7f8"
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"
STATISTICS = b'{"version": 0, "dataset": {"item_count": 344}}\n'
CONSTRAINTS = b'{"version": 0, "features": []}\n'


@contextlib.contextmanager
def sdk_leaks_its_upload_copy() -> Iterator[None]:
    """ModelTrainer.create_input_data_channel leaves a TemporaryDirectory to the garbage collector."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Implicitly cleaning up", ResourceWarning)
        yield


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    # The SDK checks the role with iam:SimulatePrincipalPolicy, which moto cannot evaluate.
    monkeypatch.setenv("SAGEMAKER_VALIDATE_ROLE", "false")
    with mock_aws():
        boto_session = boto3.Session(region_name=REGION)
        s3 = boto_session.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        key = boto_session.client("kms").create_key()["KeyMetadata"]["Arn"]
        yield {"session": boto_session, "s3": s3, "key": key}


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _spec(source_dir: Path, key: str) -> launch.JobSpec:
    return launch.JobSpec(
        region=REGION,
        role=ROLE,
        training_image=IMAGE,
        instance_type="ml.m5.large",
        base_job_name="sagemaker-mlops-prod",
        hyperparameters={"n_estimators": 50},
        channels={"train": f"s3://{BUCKET}/data/penguins/"},
        source_dir=source_dir,
        output_path=f"s3://{BUCKET}/training-output/",
        kms_key_id=key,
    )


@pytest.mark.slow
@pytest.mark.emulator
def test_a_stack_job_round_trips_and_its_published_model_deploys_as_a_monitored_stack(
    aws: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = aws["s3"]
    spec = _spec(launch.stage_source(tmp_path / "code"), aws["key"])
    lines: list[str] = []
    with sdk_leaks_its_upload_copy():
        result = launch.run_job(spec, launch.session_for(spec, aws["session"]), emit=lines.append, sleep=lambda _: None)
    name = result.name
    assert name.startswith("sagemaker-mlops-prod-")
    described = boto3.client("sagemaker", region_name=REGION).describe_training_job(TrainingJobName=name)
    assert described["RoleArn"] == ROLE
    assert described["AlgorithmSpecification"]["TrainingImage"] == IMAGE
    assert described["OutputDataConfig"] == {
        "S3OutputPath": f"s3://{BUCKET}/training-output/",
        "KmsKeyId": aws["key"],
        "CompressionType": "GZIP",
    }
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in described["InputDataConfig"]}
    assert channels["train"] == f"s3://{BUCKET}/data/penguins/"
    # The SDK staged the source and its drivers under the stack's training-output/<base>/<job>/input/,
    # which is what the training role may read.
    for channel in ("code", "sm_drivers"):
        assert channels[channel] == f"s3://{BUCKET}/training-output/sagemaker-mlops-prod/{name}/input/{channel}"
    staged = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"training-output/sagemaker-mlops-prod/{name}/input/code/")
    assert sorted(o["Key"].rsplit("/input/code/", 1)[1] for o in staged["Contents"]) == sorted(launch.staged_files())
    model_uri = f"s3://{BUCKET}/training-output/{name}/output/model.tar.gz"
    assert lines[-1] == f"model: {model_uri}"

    # What SageMaker would have uploaded: the model directory and the output data directory.
    model = write_artifact(tmp_path / "job").read_bytes()
    s3.put_object(Bucket=BUCKET, Key=f"training-output/{name}/output/model.tar.gz", Body=model)
    output = _tar(
        {"metrics.json": b"{}", "baseline/statistics.json": STATISTICS, "baseline/constraints.json": CONSTRAINTS}
    )
    s3.put_object(Bucket=BUCKET, Key=f"training-output/{name}/output/output.tar.gz", Body=output)

    published = publish.publish(s3, result.description, kms_key_id=aws["key"])
    sha = hashlib.sha256(model).hexdigest()
    prefix = f"models/{sha}/"
    assert published.uri == f"s3://{BUCKET}/{prefix}model.tar.gz"
    for key, body in {
        "model.tar.gz": model,
        "manifest.json": None,
        "baseline/statistics.json": STATISTICS,
        "baseline/constraints.json": CONSTRAINTS,
    }.items():
        stored = s3.get_object(Bucket=BUCKET, Key=prefix + key)
        assert (stored["ServerSideEncryption"], stored["SSEKMSKeyId"]) == ("aws:kms", aws["key"])
        if body is not None:
            assert stored["Body"].read() == body
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=prefix + "manifest.json")["Body"].read()) == MANIFEST

    publish.report(published, root=tmp_path / "published")
    printed = capsys.readouterr().out.splitlines()
    # The copies the stack reads at preview: the manifest (the functions' schema) and the baseline beside it.
    kept = tmp_path / "published" / sha
    assert json.loads((kept / "manifest.json").read_text()) == MANIFEST
    assert (kept / "baseline/statistics.json").read_bytes() == STATISTICS
    assert (kept / "baseline/constraints.json").read_bytes() == CONSTRAINTS
    features = [f["name"] for f in MANIFEST["features"]]  # type: ignore[attr-defined]
    assert printed == [
        f"published: s3://{BUCKET}/{prefix}model.tar.gz",
        f"baseline: s3://{BUCKET}/{prefix}baseline/statistics.json s3://{BUCKET}/{prefix}baseline/constraints.json",
        "stack config (paste under config: in Pulumi.<stack>.yaml, then `pulumi preview` / `pulumi up`):",
        f"  mlops:artifact: s3://{BUCKET}/{prefix}model.tar.gz",
        "  mlops:artifactManifest:",
        f"    sha256: {sha}",
        '    sklearnVersion: "1.9.0"',
        f"    features: {json.dumps(features)}",
        f"and: pulumi config set --path 'mlops:applications.manifest' {(kept / 'manifest.json').as_posix()}",
    ]
    # The pasted lines are YAML the stack loads: prod, monitored hourly, with the baseline beside the model.
    pasted = yaml.safe_load("config:\n" + "\n".join(printed[3:-1]))["config"]
    pasted["mlops:applications.manifest"] = str(kept / "manifest.json")
    pulumi.runtime.set_all_config(load_stack_config("prod", pasted))
    cfg = config.load(project="sagemaker-mlops", stack="prod")
    assert cfg.data_quality_schedule == "hourly"
    assert cfg.artifact.remote is not None
    assert cfg.artifact.remote.uri == published.uri
    assert cfg.artifact.remote.baseline_uris == published.baseline_uris


def test_a_job_without_the_baseline_is_a_platform_error(aws: dict[str, Any], tmp_path: Path) -> None:
    s3 = aws["s3"]
    s3.put_object(
        Bucket=BUCKET, Key="training-output/job-1/output/model.tar.gz", Body=write_artifact(tmp_path).read_bytes()
    )
    s3.put_object(Bucket=BUCKET, Key="training-output/job-1/output/output.tar.gz", Body=_tar({"metrics.json": b"{}"}))
    description = {
        "TrainingJobName": "job-1",
        "ModelArtifacts": {"S3ModelArtifacts": f"s3://{BUCKET}/training-output/job-1/output/model.tar.gz"},
    }
    with pytest.raises(publish.PublishError) as caught:
        publish.publish(s3, description)
    assert caught.value.exit_code == 4
    assert str(caught.value) == (
        f"s3://{BUCKET}/training-output/job-1/output/output.tar.gz has no baseline/statistics.json; the job ran a "
        "train.py that does not write it (relaunch with this repository's training code)"
    )


def test_a_missing_output_is_s3s_refusal_in_one_line(aws: dict[str, Any]) -> None:
    description = {"ModelArtifacts": {"S3ModelArtifacts": f"s3://{BUCKET}/training-output/job-2/output/model.tar.gz"}}
    with pytest.raises(publish.PublishError) as caught:
        publish.publish(aws["s3"], description)
    assert str(caught.value) == (
        f"S3 refused reading s3://{BUCKET}/training-output/job-2/output/model.tar.gz: NoSuchKey: The specified key "
        "does not exist.; the launching identity needs the stack's launcherPolicy output"
    )


def _outputs(tmp_path: Path, name: str = "outputs.json", **changes: Any) -> Path:
    document = {
        "region": REGION,
        "trainingRoleArn": ROLE,
        "trainingOutputUri": f"s3://{BUCKET}/training-output/",
        "trainingJobPrefix": "sagemaker-mlops-prod",
        "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/0b1c",
        **changes,
    }
    path = tmp_path / name
    path.write_text(json.dumps({k: v for k, v in document.items() if v is not None}), encoding="utf-8")
    return path


def test_dry_run_for_a_stack_takes_its_role_region_prefix_output_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--stack-outputs", str(_outputs(tmp_path)), "--train", f"s3://{BUCKET}/data/penguins/", "--dry-run"]
    assert launch.main(argv, environ={}) == 0
    request = json.loads(capsys.readouterr().out)
    assert (request["region"], request["role"], request["base_job_name"]) == (REGION, ROLE, "sagemaker-mlops-prod")
    assert request["output_data_config"] == {
        "s3_output_path": f"s3://{BUCKET}/training-output/",
        "kms_key_id": "arn:aws:kms:eu-west-1:123456789012:key/0b1c",
    }


def _launch(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "training.launch", *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env=clean_environ(),
        timeout=120,
    )


@pytest.mark.slow
def test_stack_outputs_mistakes_are_one_line_exit_2(tmp_path: Path) -> None:
    train = ["--train", f"s3://{BUCKET}/data/penguins/", "--dry-run"]
    missing = tmp_path / "none.json"
    cases = [
        (
            ["--stack-outputs", str(missing), *train],
            f"launch failed: --stack-outputs {missing}: no such file; write it with "
            "`pulumi stack output --json --stack <stack> > FILE`",
        ),
        (
            ["--stack-outputs", str(_outputs(tmp_path, "old.json", trainingRoleArn=None, kmsKeyArn="")), *train],
            f"launch failed: --stack-outputs {tmp_path / 'old.json'}: no trainingRoleArn, kmsKeyArn; update the "
            "stack (`pulumi up`) so it exports the training outputs, then write the file again",
        ),
        (
            ["--stack-outputs", str(_outputs(tmp_path)), "--region", "us-east-1", *train],
            "launch failed: --region us-east-1 but the stack is in eu-west-1; drop --region or use that region",
        ),
        (
            ["--stack-outputs", str(_outputs(tmp_path)), "--base-job-name", "penguins", *train],
            "launch failed: --base-job-name penguins must start with the stack's trainingJobPrefix "
            "sagemaker-mlops-prod (the launcherPolicy allows only jobs named so)",
        ),
    ]
    for argv, line in cases:
        completed = _launch(*argv)
        assert (completed.returncode, completed.stdout, completed.stderr) == (2, "", line + "\n")


def test_a_failed_job_is_the_launchers_one_line_with_exit_4(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The launcher's mapping only: the job's failure itself is scripted (watch tests cover the waiter)."""
    from training import watch

    def failed(spec: launch.JobSpec) -> None:
        raise watch.JobFailedError("training job j-1 Failed: AlgorithmError: evaluation gate failed")

    monkeypatch.setattr(launch, "submit", failed)
    argv = ["--train", "s3://b/penguins/", "--role", ROLE, "--region", REGION]
    assert launch.main(argv, environ={}) == 4
    assert capsys.readouterr().err == "launch failed: training job j-1 Failed: AlgorithmError: evaluation gate failed\n"
