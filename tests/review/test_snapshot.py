"""Plan snapshots: the committed graphs match the program, and what they mask is exactly the volatile part.

Snapshots prove what the program declares for each stack file; they do not prove AWS accepts it (the
emulator rehearsal does) or what a real `pulumi preview` would print (it needs the CLI and a stack).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from offline import tokens
from review import snapshot
from review.fixture import write_fixed_artifact
from tests.review.graphs import Graphs


@pytest.mark.parametrize("stack", snapshot.STACKS)
def test_graph_matches_the_committed_snapshot(graphs: Graphs, stack: str) -> None:
    diff = snapshot.differences(stack, graphs.normalised(stack))
    assert diff == "", (
        f"the resource graph of {stack} differs from {snapshot.label(stack)}: review `make plan-diff`, then run "
        f"`make snapshot` and commit snapshots/ if the change is intended.\n{diff}"
    )


def test_auto_names_and_key_ids_become_tokens(graphs: Graphs) -> None:
    plan = graphs.plan("prod")
    model = plan.one(tokens.SAGEMAKER_MODEL)
    key = plan.one(tokens.KMS_KEY, "sagemaker-mlops-prod-key")
    generated = snapshot.generated_names(plan)
    assert generated[model.state["name"]] == "sagemaker-mlops-prod-model-<auto>"
    assert generated[key.state["keyId"]] == "<id:sagemaker-mlops-prod-key>"
    # A name given as an input (the endpoint's) is the real name, not a mock artefact: never masked.
    assert "sagemaker-mlops-prod" not in generated
    rendered = snapshot.render(graphs.normalised("prod"))
    assert model.state["name"] not in rendered
    assert key.state["keyId"] not in rendered
    assert '"executionRoleArn": "arn:aws:iam::123456789012:role/sagemaker-mlops-prod-execution-role-<auto>"' in rendered


def test_no_mock_hash_suffix_sha256_or_machine_path_survives(graphs: Graphs) -> None:
    plan = graphs.plan("prod")
    rendered = snapshot.render(graphs.normalised("prod"))
    for resource in plan.resources:
        assert not re.search(re.escape(resource.name) + r"-[0-9a-f]{7}(?![0-9a-z])", rendered), resource.name
    assert not re.search(r"[0-9a-f]{64}", rendered)
    assert str(graphs.artifact.parent) not in rendered
    upload = next(r for r in graphs.normalised("prod")["resources"] if r["name"] == "sagemaker-mlops-prod-artifact")
    assert upload["inputs"]["source"] == {"__asset": "file", "path": "<artifact-dir>/model.tar.gz"}
    assert upload["inputs"]["key"] == "models/<sha256>/model.tar.gz"


def test_json_documents_are_stored_decoded(graphs: Graphs) -> None:
    role = next(r for r in graphs.normalised("dev")["resources"] if r["name"] == "sagemaker-mlops-dev-execution-role")
    trust = role["inputs"]["assumeRolePolicy"]
    assert list(trust) == [snapshot.JSON_KEY]
    assert trust[snapshot.JSON_KEY]["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    # The engine carries numbers as doubles; snapshots write whole numbers as integers.
    assert role["inputs"]["maxSessionDuration"] == 3600
    assert isinstance(role["inputs"]["maxSessionDuration"], int)


def test_a_different_artifact_gives_the_same_snapshot(graphs: Graphs, tmp_path: Path) -> None:
    """Same model, other bytes (another gzip timestamp) and another directory: identical snapshot."""
    artifact = write_fixed_artifact(tmp_path / "elsewhere")
    artifact.write_bytes(gzip.compress(gzip.decompress(artifact.read_bytes()), mtime=1_700_000_000))
    assert snapshot.capture("prod", {snapshot.ARTIFACT_KEY: str(artifact)}) == graphs.normalised("prod")


def test_check_passes_on_the_committed_snapshots(capsys: pytest.CaptureFixture[str]) -> None:
    assert snapshot.main(["--check", "--stack", "dev"]) == 0
    assert capsys.readouterr().out == "snapshots match: dev\n"


def test_check_fails_with_the_diff_and_the_fix(
    graphs: Graphs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = graphs.normalised("dev")
    stale["outputs"]["region"] = "eu-west-1"
    (tmp_path / "dev.json").write_text(snapshot.render(stale))
    monkeypatch.setattr(snapshot, "SNAPSHOT_DIR", tmp_path)
    assert snapshot.main(["--check", "--stack", "dev"]) == 1
    captured = capsys.readouterr()
    assert '-    "region": "eu-west-1",\n+    "region": "us-east-1",\n' in captured.out
    assert captured.out.startswith("--- a/snapshots/dev.json\n+++ b/snapshots/dev.json\n")
    assert "run `make snapshot` and commit snapshots/" in captured.err


def test_write_creates_the_file_check_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(snapshot, "SNAPSHOT_DIR", tmp_path)
    assert snapshot.main(["--write", "--stack", "dev"]) == 0
    assert capsys.readouterr().out == "wrote snapshots/dev.json (116 resources)\n"
    assert json.loads((tmp_path / "dev.json").read_text())["stack"] == "dev"
    assert snapshot.main(["--check", "--stack", "dev"]) == 0


def test_missing_snapshot_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "SNAPSHOT_DIR", tmp_path)
    with pytest.raises(
        FileNotFoundError, match=r"^no snapshot snapshots/prod\.json; run `make snapshot` to create it$"
    ):
        snapshot.load("prod")
