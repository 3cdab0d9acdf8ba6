"""``python -m offline.rehearsal``, run as a user runs it (a subprocess: the CLI resets its emulator, and
moto's state is process-wide, so it must not share this process's session emulator)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from offline import tokens
from offline.stacks import PROJECT_ROOT
from tests.emulator.test_rehearsal import EXPECTED_CREATED

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "offline.rehearsal", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_missing_artifact_is_one_line_without_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "model.tar.gz"
    result = _cli("--stack", "dev", "--artifact", str(missing))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: stack dev: [mlops:artifact] artifact file {missing} does not exist; run `make train` first "
        "to build it (or point mlops:artifact at an s3:// URI from managed training)\n"
    )


def test_a_rehearsal_that_passes_exits_zero_with_its_report(artifact: Path) -> None:
    result = _cli("--stack", "dev", "--artifact", str(artifact), "--json")
    assert result.returncode == 0, result.stderr
    [report] = json.loads(result.stdout)
    assert (report["stack"], report["passed"]) == ("dev", True)
    assert report["created"] == dict(sorted(EXPECTED_CREATED["dev"].items()))
    assert [(r["type"], r["notEmulated"]) for r in report["validatedNotEmulated"]] == [
        (tokens.COMPOSITE_ALARM, ["cloudwatch:PutCompositeAlarm"])
    ]
    assert [c for c in report["checks"] if c["status"] == "failed"] == []
    # What moto does not store (the functions' LoggingConfig, the artifact bucket's EventBridge switch, the
    # capture and log buckets' EventBridge-only notifications, the notebook's IMDS setting and platform) is
    # reported as not emulated, never as passed.
    assert sorted(c["name"].split(": ", 1)[1] for c in report["checks"] if c["status"] == "not-emulated") == [
        "EventBridge delivery",
        "IMDS minimum version",
        "events to EventBridge",
        "events to EventBridge",
        "logging config",
        "logging config",
        "platform",
    ]
