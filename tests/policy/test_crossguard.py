"""The CrossGuard pack, driven through pulumi-policy's own analyzer service in-process.

The Pulumi CLI starts ``policy/__main__.py`` and calls the pack's gRPC ``Analyze`` (each resource's
inputs) and ``AnalyzeStack`` (all resources) methods. Here the same service object receives the recorded
resources serialised the way the engine sends them (protobuf Structs of the registered, camelCase
inputs), so these tests prove the wiring, the enforcement level and that both paths report exactly the
same violations. They cannot prove what a real `pulumi preview` sends; only the CLI can.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from offline import tokens
from offline.graph import Plan, RecordedResource
from policy.check import check
from policy.controls import CONTROLS
from policy.pack import PACK_NAME, build_policies
from review import snapshot
from tests.review.graphs import Graphs

DESCRIPTIONS = {c.name: c.description for c in CONTROLS}


def servicer() -> _PolicyAnalyzerServicer:
    return _PolicyAnalyzerServicer(PACK_NAME, "0.0.1", build_policies(), EnforcementLevel.MANDATORY)


def struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    json_format.ParseDict(serialize_properties(props), message)
    return message


def property_dependencies(resource: RecordedResource, plan: Plan) -> dict[str, proto.AnalyzerPropertyDependencies]:
    """Which dependencies each top-level input came from (the engine records this; the mock does not):
    a dependency whose physical name appears in the input's value."""
    result = {}
    for key, value in resource.inputs.items():
        text = str(value)
        urns = [
            dep.urn
            for dep in (plan.by_urn(u) for u in resource.dependencies)
            if dep.custom
            and any(isinstance(dep.state.get(k), str) and dep.state[k] in text for k in ("name", "bucket"))
        ]
        if urns:
            result[key] = proto.AnalyzerPropertyDependencies(urns=urns)
    return result


def analyze(plan: Plan, outputs: Mapping[str, Mapping[str, Any]] | None = None) -> list[tuple[str, str, str, int]]:
    """Every diagnostic the pack reports for ``plan``: (policy, urn, message, enforcement level)."""
    service = servicer()
    custom = [r for r in plan.resources if r.custom]
    diagnostics = []
    for resource in custom:
        request = proto.AnalyzeRequest(
            type=resource.type, properties=struct(resource.inputs), urn=resource.urn, name=resource.name
        )
        # Resource policies report without a URN: the engine attributes them to the analyzed resource.
        diagnostics += [(d, resource.urn) for d in servicer_analyze(service, request)]
    stack = proto.AnalyzeStackRequest(
        resources=[
            proto.AnalyzerResource(
                type=r.type,
                properties=struct((outputs or {}).get(r.urn, r.state)),
                urn=r.urn,
                name=r.name,
                parent=r.parent or "",
                dependencies=r.dependencies,
                propertyDependencies=property_dependencies(r, plan),
            )
            for r in custom
        ]
    )
    diagnostics += [(d, d.urn) for d in service.AnalyzeStack(stack, None).diagnostics]
    return sorted((d.policyName, urn, d.message, d.enforcementLevel) for d, urn in diagnostics)


def servicer_analyze(service: _PolicyAnalyzerServicer, request: proto.AnalyzeRequest) -> list[Any]:
    return list(service.Analyze(request, None).diagnostics)


def test_pack_has_one_mandatory_policy_per_control() -> None:
    policies = build_policies()
    assert [p.name for p in policies] == [c.name for c in CONTROLS]
    assert len({p.name for p in policies}) == len(policies)
    assert {p.enforcement_level for p in policies} == {EnforcementLevel.MANDATORY}
    kinds = {p.name: type(p) for p in policies}
    assert kinds["kms.4-key-rotation"] is ResourceValidationPolicy
    assert kinds["s3.5-tls-only"] is StackValidationPolicy


SECURITY_HUB_IDS = {
    "s3.1-s3.8-block-public-access": "S3.1/S3.8",
    "s3.5-tls-only": "S3.5",
    "s3.9-access-logging": "S3.9",
    "s3.10-s3.13-lifecycle": "S3.10/S3.13",
    "s3.11-event-notifications": "S3.11",
    "s3.12-no-acls": "S3.12",
    "s3.14-versioning": "S3.14",
    "s3.17-kms-encryption": "S3.17",
    "sagemaker.4-variant-instance-count": "SageMaker.4",
    "sagemaker.5-model-network-isolation": "SageMaker.5",
    "sagemaker.9-15-monitoring-network-isolation": "SageMaker.9-.15/.20/.22/.25",
    "sagemaker.9-15-monitoring-inter-container-encryption": "SageMaker.9-.15/.20/.22/.25",
    "kms.4-key-rotation": "KMS.4",
    "cloudwatch.16-log-group-retention-kms": "CloudWatch.16",
    "sqs.1-queue-encrypted": "SQS.1",
    "sagemaker.1-notebook-no-direct-internet": "SageMaker.1",
    "sagemaker.2-notebook-in-vpc": "SageMaker.2",
    "sagemaker.3-notebook-no-root": "SageMaker.3",
    "sagemaker.21-notebook-kms": "SageMaker.21",
}


@pytest.mark.parametrize(("name", "control_id"), sorted(SECURITY_HUB_IDS.items()))
def test_security_hub_ids_appear_in_the_description(name: str, control_id: str) -> None:
    assert DESCRIPTIONS[name].startswith(f"{control_id}")


def test_controls_without_a_security_hub_id_are_the_projects_own() -> None:
    own = sorted(set(DESCRIPTIONS) - set(SECURITY_HUB_IDS))
    assert own == [
        "comprehend-models-use-stack-key",
        "comprehend-trust-source-conditions",
        "iam-no-full-access-policies",
        "iam-no-wildcard-action",
        "iam-passrole-scoped",
        "iam-sagemaker-trust-source-account",
        "mlops-alarm-dimensions",
        "mlops-blue-green-rollback",
        "mlops-function-role-documented",
        "mlops-prod-api-authorization",
        "mlops-prod-capacity",
        "mlops-registry-approved-version",
        "mlops-required-tags",
        "network-interface-endpoints-private",
        "network-no-internet-ingress",
        "s3-prod-cross-region-replication",
        "sagemaker-data-capture-kms",
        "sagemaker-endpoint-config-kms",
        "sagemaker-endpoint-log-group",
        "sagemaker-notebook-imdsv2",
    ]


@pytest.mark.parametrize("stack", snapshot.STACKS)
def test_crossguard_reports_exactly_what_the_offline_checker_reports(graphs: Graphs, stack: str) -> None:
    plan = graphs.plan(stack)
    offline = sorted(
        (v.policy, v.urn or "", f"{DESCRIPTIONS[v.policy]}\n{v.message}", proto.MANDATORY) for v in check(plan)
    )
    assert analyze(plan) == offline
    assert offline == []


def test_a_violation_is_mandatory_through_crossguard(graphs: Graphs) -> None:
    plan = copy.deepcopy(graphs.plan("dev"))
    key = plan.one(tokens.KMS_KEY)
    key.inputs["enableKeyRotation"] = False
    assert analyze(plan) == [
        (
            "kms.4-key-rotation",
            key.urn,
            f"{DESCRIPTIONS['kms.4-key-rotation']}\nenableKeyRotation is not true",
            proto.MANDATORY,
        )
    ]


def test_preview_links_buckets_through_property_dependencies(graphs: Graphs) -> None:
    """During preview new buckets have no name yet: companions are matched by property dependencies,
    and a policy that must read an unknown value is reported as unable to run (advisory), as
    pulumi-policy does, instead of passing or failing silently."""
    plan = graphs.plan("dev")
    outputs: dict[str, dict[str, Any]] = {}
    for resource in plan.resources:
        if not resource.custom:
            continue
        state = copy.deepcopy(resource.state)
        if resource.type == tokens.S3_BUCKET:
            state["bucket"] = state["arn"] = state["id"] = UNKNOWN_STRING_VALUE
        if resource.type.startswith("aws:s3/bucket") and "bucket" in state and resource.type != tokens.S3_BUCKET:
            state["bucket"] = UNKNOWN_STRING_VALUE
        if resource.type == tokens.S3_BUCKET_POLICY:
            state["policy"] = UNKNOWN_STRING_VALUE
        outputs[resource.urn] = state
    diagnostics = analyze(plan, outputs)
    assert [(d[0], d[3]) for d in diagnostics] == [("s3.5-tls-only", proto.ADVISORY)]
    assert "can't run policy 's3.5-tls-only'" in diagnostics[0][2]
    assert "during preview" in diagnostics[0][2]


@pytest.mark.slow
def test_the_pack_boots_the_way_the_cli_starts_it(tmp_path: Path) -> None:
    """The CLI's Python analyzer runs the pack directory (``runpy.run_path``) from elsewhere and talks
    gRPC to the port it prints. Same here, from an unrelated working directory: what the CLI itself adds
    (starting the process from PulumiPolicy.yaml, the engine calls) is not covered."""
    pack_dir = Path(__file__).resolve().parents[2] / "policy"
    command = [sys.executable, "-u", "-c", f"import runpy; runpy.run_path({str(pack_dir)!r}, run_name='__main__')"]
    with subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            port = int(process.stdout.readline())
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = analyzer_pb2_grpc.AnalyzerStub(channel)
                info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
                assert info.name == PACK_NAME
                assert [p.name for p in info.policies] == [c.name for c in CONTROLS]
                assert {p.enforcementLevel for p in info.policies} == {proto.MANDATORY}
                response = stub.Analyze(
                    proto.AnalyzeRequest(
                        type=tokens.KMS_KEY,
                        properties=struct({"enableKeyRotation": False, "tags": {}}),
                        urn="urn:pulumi:s::p::aws:kms/key:Key::k",
                        name="k",
                    ),
                    timeout=30,
                )
                assert sorted(d.policyName for d in response.diagnostics) == [
                    "kms.4-key-rotation",
                    "mlops-required-tags",
                ]
        finally:
            process.terminate()
            process.wait(timeout=30)
