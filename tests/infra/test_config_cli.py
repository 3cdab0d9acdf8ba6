"""Every class of configuration mistake, as a user makes it, through ``python -m offline.plan``.

Each case runs the command as a subprocess and asserts the exit code (2, the project's "input is wrong")
and the one line on stderr: no traceback, nothing else. Mocks only: what the real Pulumi CLI prints for
the same file is not observed here (it runs the same ``infra/config.py``, whose errors are
``pulumi.RunError``s, which the CLI prints without a traceback).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
TEMP_STACK = "cfgcheck"


@pytest.fixture
def stack_file() -> Iterator[Path]:
    """A throw-away stack file in the project root (where the CLI and the offline tools look)."""
    path = ROOT / f"Pulumi.{TEMP_STACK}.yaml"
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _stand_in_artifact(artifact: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stack files name build/model.tar.gz; the tests use the suite's stand-in, whatever build/ holds."""
    monkeypatch.setattr(sys.modules[__name__], "ARTIFACT", str(artifact))


ARTIFACT = ""


def plan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "offline.plan", *args, "--set", f"mlops:artifact={ARTIFACT}"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )


def _one_line_error(completed: subprocess.CompletedProcess[str]) -> str:
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert completed.stdout == ""
    return lines[0]


TAGS_64 = "{" + ", ".join(f"t{i}: v" for i in range(64)) + "}"
PROD_ALARMS = (
    "{notifyEmails: [oncall@penguin-lab.org], pageHttps: ['https://events.pagerduty.com/integration/abc/enqueue']}"
)

SET_CASES = [
    (
        "typo in a top-level key",
        ["--stack", "prod", "--set", "mlops:alarm={latencySloMs: 100}"],
        "error: [mlops:alarm] is not a known key in Pulumi.prod.yaml; did you mean mlops:alarms? Known: ",
    ),
    (
        "typo in another top-level key",
        ["--stack", "prod", "--set", "mlops:autoscalng={max: 3}"],
        "error: [mlops:autoscalng] is not a known key in Pulumi.prod.yaml; did you mean mlops:autoscaling? ",
    ),
    (
        "unknown key",
        ["--stack", "prod", "--set", "mlops:foo=1"],
        "error: [mlops:foo] is not a known key in Pulumi.prod.yaml Known: ",
    ),
    (
        "typo in a provider key",
        ["--stack", "prod", "--set", "aws:regoin=eu-west-1"],
        "error: [aws:regoin] is not a known key in Pulumi.prod.yaml; did you mean aws:region? Known: ",
    ),
    (
        "the project's own namespace",
        ["--stack", "prod", "--set", "sagemaker-mlops:alarms={latencySloMs: 100}"],
        "error: [sagemaker-mlops:alarms] is in the project's own namespace, which this program does not read",
    ),
    (
        "nested key through a --set path",
        ["--stack", "prod", "--set", "mlops:endpoint.memorySizeMb=3072"],
        "error: [mlops:endpoint.memorySizeMb] applies only to a serverless endpoint, and this one is realtime; ",
    ),
    (
        "a setting the rollout strategy does not use",
        ["--stack", "prod", "--set", "mlops:rollout={strategy: allAtOnce, trafficPercent: 10}"],
        "error: [mlops:rollout.trafficPercent] applies only to canary and linear rollouts, and this one is allAtOnce",
    ),
    (
        "a boolean that is not one",
        ["--stack", "prod", "--set", "mlops:retainData='yes'"],
        "error: [mlops:retainData] must be true or false, got 'yes'",
    ),
    (
        "an e-mail listed twice",
        ["--stack", "staging", "--set", "mlops:alarms={notifyEmails: [a@b.org, a@b.org]}"],
        "error: [mlops:alarms.notifyEmails] lists the same endpoint twice; SNS would subscribe it once, "
        "remove the copy",
    ),
    (
        "not an e-mail address",
        ["--stack", "staging", "--set", "mlops:alarms={notifyEmails: ['@']}"],
        "error: [mlops:alarms.notifyEmails] item 0 is not an e-mail address (...)",
    ),
    (
        "a placeholder in prod",
        [
            "--stack",
            "prod",
            "--set",
            "mlops:alarms.pageHttps=['https://events.pagerduty.com/integration/REPLACE_ME/enqueue']",
        ],
        "error: [mlops:alarms.pageHttps] item 0 is a placeholder (https://even...); prod must notify real endpoints: ",
    ),
    (
        "a region without the Model Monitor image",
        ["--stack", "prod", "--set", "aws:region=ap-southeast-4", "--set", f"mlops:alarms={PROD_ALARMS}"],
        "error: [aws:region] no Model Monitor analyzer image in region ap-southeast-4 ",
    ),
    (
        "a region of another partition",
        ["--stack", "dev", "--set", "aws:region=cn-north-1"],
        "error: [aws:region] cn-north-1 is in the aws-cn partition; this project deploys to the aws partition only",
    ),
    (
        "too many tags",
        ["--stack", "dev", "--set", f"mlops:tags={TAGS_64}"],
        "error: [mlops:tags] has 64 tags; AWS allows 50 per resource and the platform sets 4 "
        "(project, stack, environment, managed-by), so at most 46",
    ),
    (
        "a tag key over 128 characters",
        ["--stack", "dev", "--set", f"mlops:tags={{{'k' * 129}: v}}"],
        f"error: [mlops:tags.{'k' * 129}] keys are 1-128 letters, digits, spaces or _ . : / = + - @ (AWS tag rules)",
    ),
    (
        "a reserved tag prefix",
        ["--stack", "dev", "--set", "mlops:tags={'aws:owner': me}"],
        "error: [mlops:tags.aws:owner] uses the aws: prefix, which AWS reserves for its own tags",
    ),
    (
        "a platform tag overridden",
        ["--stack", "dev", "--set", "mlops:tags={environment: qa}"],
        "error: [mlops:tags.environment] is set by the platform on every resource "
        "(project, stack, environment, managed-by); remove it",
    ),
    (
        "a --set without a namespace",
        ["--stack", "dev", "--set", "endpoint=1"],
        "error: --set expects namespace:key[.path]=value, got 'endpoint=1'",
    ),
    (
        "an unknown stack",
        ["--stack", "qa"],
        "error: no stack file Pulumi.qa.yaml; known stacks: dev, local, prod, staging",
    ),
]


@pytest.mark.parametrize(("case", "args", "message"), SET_CASES, ids=[c[0] for c in SET_CASES])
def test_config_mistake_is_one_line_and_exit_2(case: str, args: list[str], message: str) -> None:
    assert _one_line_error(plan(*args)).startswith(message), case


FILE_CASES = [
    (
        "yaml syntax",
        "config:\n  mlops:environment: dev\n  mlops:endpoint: {type: [\n",
        "error: Pulumi.cfgcheck.yaml:4:1: ",
    ),
    (
        "tab indentation",
        "config:\n\tmlops:environment: dev\n",
        "error: Pulumi.cfgcheck.yaml:2:1: found character '\\t' that cannot start any token; "
        "indent with spaces, not tabs",
    ),
    (
        "config not a mapping",
        "config: [a, b]\n",
        "error: Pulumi.cfgcheck.yaml: `config:` must be a mapping of keys, got list",
    ),
    (
        "duplicate key",
        "config:\n  mlops:environment: dev\n  mlops:environment: prod\n",
        "error: Pulumi.cfgcheck.yaml:3:3: key 'mlops:environment' appears twice; "
        "keep one (YAML would silently use the last)",
    ),
]


@pytest.mark.parametrize(("case", "text", "message"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_malformed_stack_file_is_one_line_and_exit_2(stack_file: Path, case: str, text: str, message: str) -> None:
    stack_file.write_text(text)
    assert _one_line_error(plan("--stack", TEMP_STACK)).startswith(message), case


def test_a_closed_pipe_is_quiet() -> None:
    """``python -m offline.plan --stack prod | head -1``: the reader leaves early; no BrokenPipeError."""
    command = f"{sys.executable} -m offline.plan --stack prod --set mlops:artifact={ARTIFACT} | head -1"
    completed = subprocess.run(command, shell=True, capture_output=True, text=True, check=False, cwd=ROOT, timeout=120)
    assert completed.stdout == "stack prod of project sagemaker-mlops: 147 resources\n"
    assert completed.stderr == ""
