"""The plan diff: what a config or code change does to a stack, and which changes are dangerous.

These compare recorded graphs with the replacement rules of ``review.replacement``; they do not prove
what the real provider decides (only `pulumi preview` against a stack can), and they are only as right
as the ForceNew table, whose entries are checked against the pulumi-aws SDK in test_replacement.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from offline import tokens
from review import diff, snapshot
from review.diff import ABSENT, PropertyChange, compare, diff_graphs
from tests.review.graphs import Graphs

CONFIG = tokens.SAGEMAKER_ENDPOINT_CONFIG
ENDPOINT = tokens.SAGEMAKER_ENDPOINT
ALARM = tokens.METRIC_ALARM
C5 = {"type": "realtime", "instanceType": "ml.c5.xlarge", "instanceCount": 2, "dataCapturePercent": 20}
RENAMED = {**C5, "instanceType": "ml.m5.xlarge", "name": "other-name"}


def summary(result: diff.StackDiff) -> list[tuple[str, str, str, str]]:
    return [(r.action, r.type, r.name, r.verdict) for r in result.resources]


def resource(graph: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in graph["resources"] if r["name"] == name)
    return found


@pytest.mark.parametrize("stack", snapshot.STACKS)
def test_the_committed_graph_has_no_changes(graphs: Graphs, stack: str) -> None:
    result = diff_graphs(snapshot.load(stack), graphs.normalised(stack))
    assert (result.resources, result.outputs) == ((), ())


def test_new_instance_type_replaces_the_config_and_updates_the_endpoint_in_place(graphs: Graphs) -> None:
    result = diff_graphs(graphs.normalised("prod"), graphs.normalised("prod", **{"mlops:endpoint": C5}))
    assert summary(result) == [
        ("update", ALARM, "sagemaker-mlops-prod-alarms-cpu-utilization", "expected"),
        ("update", ENDPOINT, "sagemaker-mlops-prod-endpoint", "expected"),
        ("replace", CONFIG, "sagemaker-mlops-prod-config", "expected"),
    ]
    alarm, endpoint, config = result.resources
    assert config.changes == (
        PropertyChange(("productionVariants", 0, "instanceType"), "ml.m5.xlarge", "ml.c5.xlarge", replaces=True),
    )
    assert config.reason.startswith("a release: auto-named and immutable")
    # The endpoint keeps its name; only the configuration it points at changes, which is an in-place
    # UpdateEndpoint (blue/green), not a replacement.
    assert endpoint.action == "update"
    assert endpoint.changes == (
        PropertyChange(
            ("endpointConfigName",),
            "sagemaker-mlops-prod-config-<auto>",
            "sagemaker-mlops-prod-config-<auto>",
            replaces=False,
            cause="sagemaker-mlops-prod-config is replaced",
        ),
    )
    assert [c.display_path for c in alarm.changes] == ["alarmDescription"]
    assert result.dangerous == ()


def test_instance_type_cli_output_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code = diff.main(
        [
            "--stack",
            "prod",
            "--set",
            "mlops:endpoint={type: realtime, instanceType: ml.c5.xlarge, instanceCount: 2, dataCapturePercent: 20}",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert (
        " +- replace  aws:sagemaker/endpointConfiguration:EndpointConfiguration  sagemaker-mlops-prod-config\n" in out
    )
    assert (
        '             ~ productionVariants[0].instanceType: "ml.m5.xlarge" → "ml.c5.xlarge"   [forces replacement]\n'
        in out
    )
    assert "  ~ update   aws:sagemaker/endpoint:Endpoint  sagemaker-mlops-prod-endpoint\n" in out
    assert (
        '             ~ endpointConfigName: "sagemaker-mlops-prod-config-<auto>" → '
        "(known after apply: sagemaker-mlops-prod-config is replaced)\n" in out
    )
    assert out.endswith("   summary: 2 to update, 1 to replace; no dangerous change\n")


def test_renaming_the_endpoint_is_dangerous(graphs: Graphs) -> None:
    result = diff_graphs(graphs.normalised("prod"), graphs.normalised("prod", **{"mlops:endpoint": RENAMED}))
    assert [(r.type, r.name, r.action) for r in result.dangerous] == [
        (ENDPOINT, "sagemaker-mlops-prod-endpoint", "replace")
    ]
    endpoint = result.dangerous[0]
    assert endpoint.reason.startswith("renames the endpoint 'sagemaker-mlops-prod' -> 'other-name': ")
    assert PropertyChange(("name",), "sagemaker-mlops-prod", "other-name", replaces=True) in endpoint.changes
    # Alarms are named after the endpoint: they are replaced too, which is worth a look, not dangerous.
    renamed_alarms = [r for r in result.resources if r.type == ALARM]
    assert {(r.action, r.verdict) for r in renamed_alarms} == {("replace", "review")}
    assert len(renamed_alarms) == 9


def test_rename_cli_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code = diff.main(
        [
            "--stack",
            "prod",
            "--set",
            "mlops:endpoint={type: realtime, instanceType: ml.m5.xlarge, "
            "instanceCount: 2, dataCapturePercent: 20, name: other-name}",
        ]
    )
    captured = capsys.readouterr()
    assert code == diff.EXIT_DANGEROUS == 3
    assert "             DANGEROUS: renames the endpoint 'sagemaker-mlops-prod' -> 'other-name': " in captured.out
    assert captured.err == "\n1 DANGEROUS change(s): exit 3\n"


def test_changing_the_rollback_alarms_replaces_the_endpoint_under_its_name(graphs: Graphs) -> None:
    """auto_rollback_configuration is ForceNew in the provider: with a fixed name the create collides."""
    old, new = graphs.normalised("prod"), graphs.normalised("prod")
    alarms = resource(new, "sagemaker-mlops-prod-endpoint")["inputs"]["deploymentConfig"]["autoRollbackConfiguration"]
    alarms["alarms"].pop()
    result = diff_graphs(old, new)
    assert summary(result) == [("replace", ENDPOINT, "sagemaker-mlops-prod-endpoint", "dangerous")]
    assert result.resources[0].reason == (
        "replaces the endpoint under the same name: the create collides with the endpoint in service "
        "('Cannot create already existing endpoint')"
    )


@pytest.mark.parametrize(
    ("stack", "reason"),
    [
        ("prod", "protected: `pulumi up` refuses to delete it (remove `protect` first if intended)"),
        ("staging", "the bucket is deleted with its contents (model artifacts, captured data or access logs)"),
    ],
)
def test_removing_a_bucket_is_dangerous(graphs: Graphs, stack: str, reason: str) -> None:
    """A renamed logical name is a delete plus a create for Pulumi (unless an alias is declared)."""
    old, new = graphs.normalised(stack), graphs.normalised(stack)
    bucket = resource(new, f"sagemaker-mlops-{stack}-capture")
    new["resources"].remove(bucket)
    result = diff_graphs(old, new)
    assert [(r.action, r.name, r.verdict, r.reason) for r in result.dangerous] == [
        ("delete", f"sagemaker-mlops-{stack}-capture", "dangerous", reason)
    ]


def test_replacing_the_key_is_dangerous_and_reaches_everything_encrypted_with_it(graphs: Graphs) -> None:
    old, new = graphs.normalised("prod"), graphs.normalised("prod")
    resource(new, "sagemaker-mlops-prod-key")["inputs"]["keyUsage"] = "SIGN_VERIFY"
    result = diff_graphs(old, new)
    assert [(r.action, r.name) for r in result.dangerous] == [("replace", "sagemaker-mlops-prod-key")]
    encryption = next(r for r in result.resources if r.name == "sagemaker-mlops-prod-artifacts-encryption")
    assert (encryption.action, encryption.verdict) == ("update", "expected")
    assert [(c.display_path, c.cause) for c in encryption.changes] == [
        ("rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId", "sagemaker-mlops-prod-key is replaced")
    ]
    # The endpoint configuration's data capture names the key: immutable, so it is replaced, and the
    # endpoint follows it in place.
    actions = {r.name: r.action for r in result.resources}
    assert actions["sagemaker-mlops-prod-config"] == "replace"
    assert actions["sagemaker-mlops-prod-endpoint"] == "update"


def test_dependency_only_changes_are_shown_as_ordering(graphs: Graphs) -> None:
    old, new = graphs.normalised("dev"), graphs.normalised("dev")
    policy = resource(new, "sagemaker-mlops-dev-logs-policy")
    resource(new, "sagemaker-mlops-dev-artifacts-logging")["dependencies"].remove(policy["urn"])
    result = diff_graphs(old, new)
    assert summary(result) == [
        ("update", tokens.S3_BUCKET_LOGGING, "sagemaker-mlops-dev-artifacts-logging", "expected")
    ]
    rendered = diff.render(result)
    assert "             ~ [option] dependsOn: -sagemaker-mlops-dev-logs-policy\n" in rendered


def test_unknown_types_are_flagged_for_review() -> None:
    old = {"stack": "x", "outputs": {}, "resources": [_custom("aws:new/thing:Thing", {"size": 1})]}
    new = {"stack": "x", "outputs": {}, "resources": [_custom("aws:new/thing:Thing", {"size": 2})]}
    (change,) = diff_graphs(old, new).resources
    assert (change.action, change.verdict) == ("update", "review")
    assert change.reason == "replacement rules unknown for aws:new/thing:Thing: check the provider schema"


def _custom(type_token: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:x::p::{type_token}::thing",
        "type": type_token,
        "name": "thing",
        "custom": True,
        "protect": False,
        "retainOnDelete": False,
        "dependencies": [],
        "parent": None,
        "inputs": inputs,
    }


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"a": 1}, {"a": 1}, []),
        ({"a": 1}, {"a": 2}, [PropertyChange(("a",), 1, 2)]),
        ({"a": 1}, {}, [PropertyChange(("a",), 1, ABSENT)]),
        ({}, {"b": [1]}, [PropertyChange(("b",), ABSENT, [1])]),
        ({"l": [1, 2]}, {"l": [1]}, [PropertyChange(("l", 1), 2, ABSENT)]),
        ({"l": [{"x": "a"}]}, {"l": [{"x": "b"}]}, [PropertyChange(("l", 0, "x"), "a", "b")]),
        ({"d": {"__json": {"k": 1}}}, {"d": {"__json": {"k": 2}}}, [PropertyChange(("d", "__json", "k"), 1, 2)]),
    ],
)
def test_compare_reports_leaf_paths(old: dict[str, Any], new: dict[str, Any], expected: list[PropertyChange]) -> None:
    assert compare(old, new) == expected


@pytest.mark.parametrize(
    ("path", "display", "keys"),
    [
        (
            ("productionVariants", 0, "instanceType"),
            "productionVariants[0].instanceType",
            ("productionVariants", "instanceType"),
        ),
        (
            ("policy", "__json", "Statement", 2, "Action"),
            "policy.Statement[2].Action",
            ("policy", "Statement", "Action"),
        ),
        (("name",), "name", ("name",)),
    ],
)
def test_paths_read_like_the_program(path: tuple[str | int, ...], display: str, keys: tuple[str, ...]) -> None:
    change = PropertyChange(path, 1, 2)
    assert (change.display_path, change.keys) == (display, keys)


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("arn:aws:iam::1:role/app-role-<auto>", {"app-role"}),
        ("s3://app-artifacts-<auto>/models/<sha256>/model.tar.gz", {"app-artifacts"}),
        ("arn:aws:kms:us-east-1:1:key/<id:app-key>", {"app-key"}),
        ("sagemaker-mlops-prod", set()),
    ],
)
def test_references_finds_replaceable_names(value: str, names: set[str]) -> None:
    assert diff.references({"nested": [value]}) == names


def test_against_compares_with_another_snapshot_directory(
    graphs: Graphs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CI compares the pull request's graph with the base branch's snapshots."""
    base = graphs.normalised("prod")
    resource(base, "sagemaker-mlops-prod-config")["inputs"]["productionVariants"][0]["instanceType"] = "ml.m5.large"
    (tmp_path / "prod.json").write_text(snapshot.render(base))
    assert diff.main(["--stack", "prod", "--against", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        '             ~ productionVariants[0].instanceType: "ml.m5.large" → "ml.m5.xlarge"   [forces replacement]\n'
        in out
    )
    assert out.endswith("   summary: 1 to update, 1 to replace; no dangerous change\n")


def test_a_stack_new_on_this_branch_is_all_creates(graphs: Graphs, tmp_path: Path) -> None:
    result = diff_graphs(diff.baseline("dev", tmp_path), graphs.normalised("dev"))
    custom = [r for r in graphs.normalised("dev")["resources"] if r["custom"]]
    assert {(r.action, r.verdict) for r in result.resources} == {("create", "expected")}
    # dev's custom resources: the aws: types of tests/infra/test_program.py's EXPECTED_COUNTS["dev"].
    assert len(result.resources) == len(custom) == 99


def test_removing_protection_is_flagged_for_review(graphs: Graphs) -> None:
    old, new = graphs.normalised("prod"), graphs.normalised("prod")
    resource(new, "sagemaker-mlops-prod-key")["protect"] = False
    (change,) = diff_graphs(old, new).resources
    assert (change.action, change.verdict, change.reason) == (
        "update",
        "review",
        "protection removed: the next change may delete or replace it",
    )
    assert change.options == (PropertyChange(("protect",), True, False),)
