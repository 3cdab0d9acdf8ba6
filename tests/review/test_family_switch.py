"""Switching a stack's model family is a release, not a rebuild: new model, new endpoint configuration,
the endpoint updated in place.

These compare recorded graphs with the replacement rules of ``review.replacement``, as the rest of the
plan-diff tests do; they cannot prove what the real provider decides (only `pulumi preview` can), nor
that SageMaker accepts the pipeline model (the rehearsal sends it to the API model and moto).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from offline import tokens
from review import diff, snapshot
from review.diff import diff_graphs
from review.fixture import write_xgboost_artifact
from tests.review.graphs import Graphs


@pytest.fixture(scope="module")
def xgboost_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_xgboost_artifact(tmp_path_factory.mktemp("xgboost-artifact"))


def _xgboost(artifact: Path) -> dict[str, object]:
    return {"mlops:model": {"family": "xgboost"}, "mlops:artifact": str(artifact)}


def test_prod_family_switch_is_a_release_with_an_in_place_endpoint_update(
    graphs: Graphs, xgboost_artifact: Path
) -> None:
    # Each graph normalised against its own artifact's directory, as the committed snapshot and a stack
    # that points at build/xgboost/ would be: the uploads' file paths are not a change.
    switched = snapshot.normalise(graphs.plan("prod", **_xgboost(xgboost_artifact)), xgboost_artifact.parent)
    result = diff_graphs(graphs.normalised("prod"), switched)
    actions = {(r.action, r.type, r.name, r.verdict) for r in result.resources}
    assert actions == {
        ("replace", tokens.SAGEMAKER_MODEL, "sagemaker-mlops-prod-model", "expected"),
        ("replace", tokens.SAGEMAKER_ENDPOINT_CONFIG, "sagemaker-mlops-prod-config", "expected"),
        ("update", tokens.SAGEMAKER_ENDPOINT, "sagemaker-mlops-prod-endpoint", "expected"),
        ("update", tokens.IAM_ROLE_POLICY, "sagemaker-mlops-prod-execution-policy", "expected"),
        ("create", tokens.S3_OBJECT, "sagemaker-mlops-prod-booster", "expected"),
    }
    assert result.dangerous == ()
    model = next(r for r in result.resources if r.type == tokens.SAGEMAKER_MODEL)
    assert {c.display_path for c in model.changes if c.replaces} == {
        "containers",
        "inferenceExecutionConfig",
        "primaryContainer",
    }


def test_family_switch_cli_exits_0(xgboost_artifact: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = diff.main(
        ["--stack", "prod", "--set", "mlops:model.family=xgboost", "--set", f"mlops:artifact={xgboost_artifact}"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert " +- replace  aws:sagemaker/model:Model  sagemaker-mlops-prod-model\n" in out
    assert "  ~ update   aws:sagemaker/endpoint:Endpoint  sagemaker-mlops-prod-endpoint\n" in out
    assert out.endswith("   summary: 1 to create, 2 to update, 2 to replace; no dangerous change\n")
