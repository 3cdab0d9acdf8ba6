"""The XGBoost family's prod stack rehearsed in the emulator: the pipeline model is created through boto3
(botocore validates CreateModel with ``Containers`` and ``InferenceExecutionConfig``) and read back.

In a subprocess: moto's state is process-wide and the session's emulator already holds the prod stack
of the scikit-learn family under the same names. What this cannot prove: that SageMaker runs the three
containers (moto stores the model, it does not start containers).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from review.fixture import write_xgboost_artifact

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, sys
from pathlib import Path
from offline.rehearsal.runner import rehearse
report = rehearse("prod", artifact=Path(sys.argv[1]), overrides={"mlops:model": {"family": "xgboost"}})
model = "model " + str(report.outputs["modelName"])
print(json.dumps({
    "passed": report.passed,
    "failed": [c.name for c in report.failed_checks],
    "model_checks": [c.name.replace(str(report.outputs["modelName"]), "<model>")
                     for c in report.read_back_checks if c.name.startswith(model)],
    "created": report.created,
}))
"""

pytestmark = [pytest.mark.slow, pytest.mark.emulator]


def test_prod_rehearsal_reads_the_pipeline_model_back(tmp_path: Path) -> None:
    artifact = write_xgboost_artifact(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(artifact)],
        cwd=ROOT,
        env={**env, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["failed"] == []
    assert result["passed"] is True
    booster = [n for n in result["model_checks"] if n.endswith("/xgboost-model.tar.gz holds the uploaded bytes (size)")]
    assert len(booster) == 1
    assert [n for n in result["model_checks"] if "container model" not in n] == [
        "model <model>: pipeline containers (image, stage) in order",
        "model <model>: first and last container serve the artifact, role",
    ]
    assert len([n for n in result["model_checks"] if "container model" in n]) == 3
