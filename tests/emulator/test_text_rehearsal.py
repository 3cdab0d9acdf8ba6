"""The optional document classifier rehearsed in the emulator and read back (in a subprocess: moto's state
is process-wide, and this stack variant reuses names the session's rehearsal of the stack creates).

moto stores the classifier and reports it TRAINED at once; nothing here proves Comprehend trains it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from offline.stacks import PROJECT_ROOT

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

SCRIPT = """
import json, sys
from offline.rehearsal.runner import rehearse
report = rehearse("dev", artifact=sys.argv[1], overrides={"mlops:text": {"enabled": True, "classifier": True}})
print(json.dumps({
    "passed": report.passed,
    "outputs": {k: v for k, v in report.outputs.items() if k.startswith("text") or k == "kmsKeyArn"},
    "checks": {c.name: [c.status, c.detail] for c in report.checks if c.name.startswith("classifier ")},
}))
"""


def test_the_classifier_is_created_and_read_back(tmp_path: Path) -> None:
    from tests.infra.fakes import write_artifact

    artifact = write_artifact(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(artifact)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    key, role = result["outputs"]["kmsKeyArn"], result["outputs"]["textDataAccessRoleArn"]
    assert result["passed"] is True
    # moto leaves "version/" out of classifier ARNs (AWS: document-classifier/<name>/version/<version>).
    assert result["outputs"]["textClassifierArn"] == (
        "arn:aws:comprehend:us-east-1:123456789012:document-classifier/sagemaker-mlops-dev-text-classes"
        "/v-afda356036ff3c29"
    )
    label = "classifier sagemaker-mlops-dev-text-classes"
    training = result["checks"].pop(f"{label}: training file")
    assert training[0] == "passed"
    assert training[1].startswith("s3://sagemaker-mlops-dev-artifacts-")
    assert training[1].endswith("/classifier.csv")
    assert result["checks"] == {
        f"{label}: version (from its ARN), mode and data-access role": [
            "passed",
            json.dumps(["v-afda356036ff3c29", "MULTI_CLASS", role]),
        ],
        f"{label}: model and volume keys are the stack key": ["passed", json.dumps([key, key])],
        f"{label}: output location and key": [
            "not-emulated",
            "validated, not emulated: moto does not return OutputDataConfig",
        ],
    }
