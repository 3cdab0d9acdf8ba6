"""``python -m offline.plan``: the graph export users and reviewers read, offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offline import plan, tokens


def test_json_export_lists_every_resource_with_its_graph_fields(
    artifact: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert plan.main(["--stack", "prod", "--json", "--set", f"mlops:artifact={artifact}"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert (exported["project"], exported["stack"]) == ("sagemaker-mlops", "prod")
    assert len(exported["resources"]) == 147
    for resource in exported["resources"]:
        assert sorted(resource) == [
            "custom",
            "dependencies",
            "inputs",
            "name",
            "parent",
            "protect",
            "retainOnDelete",
            "type",
            "urn",
        ]
        assert resource["urn"].endswith(f"{resource['type']}::{resource['name']}")
    endpoint = next(r for r in exported["resources"] if r["type"] == tokens.SAGEMAKER_ENDPOINT)
    assert endpoint["parent"].endswith("mlops:serving:InferenceEndpoint::sagemaker-mlops-prod")
    assert endpoint["inputs"]["name"] == "sagemaker-mlops-prod"
    assert exported["outputs"]["endpointName"] == "sagemaker-mlops-prod"
    # The artifact upload is shown as the file it uploads, not as an opaque object.
    upload = next(r for r in exported["resources"] if r["name"] == "sagemaker-mlops-prod-artifact")
    assert upload["inputs"]["source"] == {"__asset": "file", "path": str(artifact)}


def test_table_shows_parent_dependencies_and_inputs(artifact: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--stack", "staging", "--set", f"mlops:artifact={artifact}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("stack staging of project sagemaker-mlops: 119 resources\n")
    block = out.split("aws:appautoscaling/target:Target  sagemaker-mlops-staging-target\n", 1)[1].split("\n\n")[0]
    assert "    parent:     sagemaker-mlops-staging\n" in block
    assert "    depends on: sagemaker-mlops-staging-endpoint\n" in block
    assert "      resourceId = endpoint/sagemaker-mlops-staging/variant/primary" in block
    assert "      minCapacity = 2" in block
    assert "  rollbackAlarmNames = " in out


def test_unknown_stack_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--stack", "qa"]) == 2
    err = capsys.readouterr().err
    assert err == "error: no stack file Pulumi.qa.yaml; known stacks: dev, local, prod, staging\n"


def test_config_error_is_a_one_line_error(artifact: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = plan.main(
        [
            "--stack",
            "prod",
            "--set",
            f"mlops:artifact={artifact}",
            "--set",
            "mlops:rollout={strategy: canary, trafficPercent: 75}",
        ]
    )
    assert code == 2
    assert (
        capsys.readouterr().err == "error: [mlops:rollout.trafficPercent] canary size must be <= 50 percent, got 75\n"
    )
