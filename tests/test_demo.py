"""``make demo`` end to end, as a user runs it: train, rehearse dev and prod in the emulator, serve, invoke.

Proves the one-command path works on this machine with no AWS account and no Pulumi CLI; what each step
proves on its own is tested in tests/training, tests/emulator and tests/infra.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.emulator]


def test_demo_runs_every_step_and_prints_predictions() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    completed = subprocess.run(
        [sys.executable, "-m", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    out = completed.stdout
    assert completed.returncode == 0, completed.stderr
    assert re.findall(r"^\[(\d+)/11\] ", out, flags=re.MULTILINE) == [str(i) for i in range(1, 12)]
    assert out.count("      ok (") == 11
    # Both families' metrics side by side, the XGBoost family's from its local twin.
    assert "      | xgboost (built-in algorithm, local twin) | validation | 0.9710 | 0.9694 | 0.9997 |" in out
    assert "Traceback" not in out + completed.stderr
    assert re.search(
        r"^  dev: 98 resources created in the emulator across \d+ types; read-back checks (\d+)/\1 passed$", out, re.M
    )
    assert re.search(
        r"^  prod: 124 resources created in the emulator across \d+ types; read-back checks (\d+)/\1 passed$", out, re.M
    )
    assert (
        "endpoint sagemaker-mlops-prod (arn:aws:sagemaker:us-east-1:123456789012:endpoint/sagemaker-mlops-prod)" in out
    )
    assert re.search(r"^    5/5 correct; text/csv [\d.]+ ms, application/json [\d.]+ ms", out, re.M)
    # The application step: every row scored, a re-delivery does nothing, the HTTP API answers 200 and 400.
    assert re.search(r"^      scoring handler on the S3 event: .*\"status\": \"scored\", \"rows\": 344", out, re.M)
    assert "      same event again: duplicate (version already scored)" in out
    assert "      POST /predict (valid): 200 " in out
    assert "      POST /predict (misspelt feature): 400 " in out
    # The text step labels which answers are the emulator's fixed responses.
    assert "      [FIXED] real time sentiment (one document per call): the same answer for two different texts" in out
    assert "      [NOT IMPLEMENTED] real time entities (Batch*): " in out
    # The registry step: a real search, the best registered, approved, promoted, deployed, then rejected.
    base = "arn:aws:sagemaker:us-east-1:123456789012:model-package"
    assert len(re.findall(r"^      trial \d: Completed, validation macro F1 [\d.]+ ", out, re.M)) == 2
    assert re.search(rf"^      registered {base}/sagemaker-mlops-dev-models/1 \(PendingManualApproval\)", out, re.M)
    assert f"      promoted to {base}/sagemaker-mlops-prod-models/1 (PendingManualApproval" in out
    assert re.search(
        r"^      prod rehearsal deploying it: rehearsal passed: 1 stacks, 124 resources created", out, re.M
    )
    assert (
        f"        modelPackage = {base}/sagemaker-mlops-prod-models/1\n        modelPackageStatus = Approved\n" in out
    )
    assert (
        f"      prod plan now fails (exit 2): error: [mlops:modelPackage] {base}/sagemaker-mlops-prod-models/1 is "
        "Rejected (demo: rejected after review); a rejected version is never deployed" in out
    )
    assert "demo finished in" in out
