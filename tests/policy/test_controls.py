"""The controls over each stack's recorded graph: every stack passes, every policy catches its mutation.

Each mutation edits a copy of what the mock runtime recorded (inputs for resource policies, the mock
provider state for stack policies, as CrossGuard hands them over) and asserts the exact violations that
appear. These prove the rules and the program agree; they do not prove AWS enforces the same thing
(Security Hub evaluates deployed resources, not this graph).
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from offline import tokens
from offline.graph import Plan
from policy.check import views
from policy.controls import CONTROLS, TAGGABLE, Resource, evaluate
from policy.controls.s3 import EVENT_NOTIFICATIONS
from review import snapshot
from tests.policy.findings_cases import FINDINGS_CASES
from tests.review.graphs import Graphs

Mutation = Callable[[dict[str, Any]], None]
Found = tuple[str, str, str]


def found(inputs: list[Resource], outputs: list[Resource]) -> list[Found]:
    return [(v.policy, (v.urn or "").rsplit("::", 1)[-1], v.message) for v in evaluate(inputs, outputs)]


def new_violations(plan: Plan, *edits: tuple[str, Mutation | None]) -> list[Found]:
    baseline = found(*views(plan))
    inputs, outputs = views(plan)
    for name, change in edits:
        inputs, outputs = edit(inputs, outputs, name, change)
    after = found(inputs, outputs)
    assert [f for f in baseline if f not in after] == []
    return [f for f in after if f not in baseline]


def edit(
    inputs: list[Resource], outputs: list[Resource], name: str, change: Mutation | None
) -> tuple[list[Resource], list[Resource]]:
    """Both views with resource ``name`` changed on a deep copy (removed when ``change`` is None)."""
    edited: list[list[Resource]] = []
    for view in (inputs, outputs):
        assert any(r.name == name for r in view), f"no resource {name}"
        out = []
        for resource in view:
            if resource.name != name:
                out.append(resource)
            elif change is not None:
                props = copy.deepcopy(dict(resource.props))
                change(props)
                out.append(Resource(resource.urn, resource.type, resource.name, props))
        edited.append(out)
    return edited[0], edited[1]


def setter(*path: str | int, value: Any) -> Mutation:
    def change(props: dict[str, Any]) -> None:
        target: Any = props
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def deleter(*path: str | int) -> Mutation:
    def change(props: dict[str, Any]) -> None:
        target: Any = props
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def edit_document(key: str, edit: Callable[[dict[str, Any]], None]) -> Mutation:
    """Edit a JSON policy document stored as a string property."""

    def change(props: dict[str, Any]) -> None:
        document = json.loads(props[key])
        edit(document)
        props[key] = json.dumps(document)

    return change


@dataclass(frozen=True)
class Case:
    policy: str
    stack: str
    edits: tuple[tuple[str, Mutation | None], ...]
    expected: tuple[Found, ...]


def _deny_tls_condition(document: dict[str, Any]) -> None:
    document["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"] = "true"


def _allow_everything(document: dict[str, Any]) -> None:
    document["Statement"].append({"Effect": "Allow", "Action": "*", "Resource": "*"})


def _statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in document["Statement"] if s.get("Sid") == sid)


def _pass_any_role(document: dict[str, Any]) -> None:
    _statement(document, "PassOnlyItselfToSageMaker")["Resource"] = "arn:aws:iam::123456789012:role/*"


def _pass_role_anywhere(document: dict[str, Any]) -> None:
    del _statement(document, "PassOnlyItselfToSageMaker")["Condition"]


def _drop_trust_condition(document: dict[str, Any]) -> None:
    del document["Statement"][0]["Condition"]


def _drop_source_arn(document: dict[str, Any]) -> None:
    del document["Statement"][0]["Condition"]["ArnLike"]


def _set_capture_sse_s3(props: dict[str, Any]) -> None:
    props["rules"][0]["applyServerSideEncryptionByDefault"] = {"sseAlgorithm": "AES256"}


def _grant_delete_predictions(document: dict[str, Any]) -> None:
    statement = next(s for s in document["Statement"] if s["Sid"] == "WritePredictions")
    statement["Action"] = [*statement["Action"], "s3:DeleteObject"]


def _invoke_any_endpoint(document: dict[str, Any]) -> None:
    next(s for s in document["Statement"] if s["Sid"] == "InvokeEndpoint")["Resource"] = "*"


def _drop_last_statement(document: dict[str, Any]) -> None:
    document["Statement"].pop()


def _pass_data_access_role_anywhere(document: dict[str, Any]) -> None:
    del _statement(document, "PassDataAccessRole")["Condition"]


P, S, D = "sagemaker-mlops-prod", "sagemaker-mlops-staging", "sagemaker-mlops-dev"
_VERSION = "arn:aws:sagemaker:us-east-1:123456789012:model-package"


def _ships(version: str, status: str) -> Mutation:
    """The tags the program puts on a model deployed from the registry (mlops:modelPackage)."""

    def change(props: dict[str, Any]) -> None:
        props["tags"] = {**props["tags"], "model-package": f"{_VERSION}/{version}", "model-package-status": status}

    return change


CASES = [
    Case(
        "s3.1-s3.8-block-public-access",
        "prod",
        ((f"{P}-capture-public-access", setter("blockPublicPolicy", value=False)),),
        (("s3.1-s3.8-block-public-access", f"{P}-capture", f"bucket {P}-capture: blockPublicPolicy is not true"),),
    ),
    Case(
        "s3.5-tls-only",
        "prod",
        ((f"{P}-artifacts-policy", edit_document("policy", _deny_tls_condition)),),
        (
            (
                "s3.5-tls-only",
                f"{P}-artifacts",
                f"bucket {P}-artifacts: its bucket policy does not deny s3:* to everyone when "
                "aws:SecureTransport is false",
            ),
        ),
    ),
    Case(
        "s3.9-access-logging",
        "prod",
        ((f"{P}-capture-logging", None),),
        (
            (
                "s3.9-access-logging",
                f"{P}-capture",
                f"bucket {P}-capture: has no server access logging (BucketLogging with a targetBucket)",
            ),
        ),
    ),
    Case(
        "s3.10-s3.13-lifecycle",
        "prod",
        ((f"{P}-artifacts-lifecycle", deleter("rules", 0, "noncurrentVersionExpiration")),),
        (
            (
                "s3.10-s3.13-lifecycle",
                f"{P}-artifacts",
                f"bucket {P}-artifacts: has no enabled rule expiring noncurrent versions "
                "(S3.10: versioned buckets need one)",
            ),
        ),
    ),
    Case(
        "s3.12-no-acls",
        "prod",
        ((f"{P}-logs-ownership", setter("rule", "objectOwnership", value="ObjectWriter")),),
        (
            (
                "s3.12-no-acls",
                f"{P}-logs",
                f"bucket {P}-logs: object ownership is not BucketOwnerEnforced (ACLs stay enabled)",
            ),
        ),
    ),
    Case(
        "s3.14-versioning",
        "prod",
        ((f"{P}-artifacts-versioning", setter("versioningConfiguration", "status", value="Suspended")),),
        (("s3.14-versioning", f"{P}-artifacts", f"bucket {P}-artifacts: versioning is not Enabled"),),
    ),
    Case(
        "s3.17-kms-encryption",
        "prod",
        ((f"{P}-capture-encryption", _set_capture_sse_s3),),
        (
            (
                "s3.17-kms-encryption",
                f"{P}-capture",
                f"bucket {P}-capture: default encryption is not SSE-KMS with a customer-managed key",
            ),
        ),
    ),
    # S3.11: the capture bucket's EventBridge-only notification, the artifact bucket's scoring one.
    Case(
        "s3.11-event-notifications",
        "prod",
        ((f"{P}-capture-notifications", setter("eventbridge", value=False)),),
        (
            (
                "s3.11-event-notifications",
                f"{P}-capture",
                f"bucket {P}-capture: its BucketNotification sends events nowhere (no eventbridge, topic, queue "
                "or function)",
            ),
        ),
    ),
    Case(
        "s3.11-event-notifications",
        "staging",
        ((f"{S}-scoring-notification", None),),
        (
            (
                "s3.11-event-notifications",
                f"{S}-artifacts",
                f"bucket {S}-artifacts: has no event notifications (S3.11: a BucketNotification, e.g. eventbridge "
                "true)",
            ),
        ),
    ),
    Case(
        "sagemaker.4-variant-instance-count",
        "staging",
        ((f"{S}-config", setter("productionVariants", 0, "initialInstanceCount", value=1.0)),),
        (("sagemaker.4-variant-instance-count", f"{S}-config", "variant primary: initialInstanceCount 1 is not > 1"),),
    ),
    Case(
        "sagemaker.5-model-network-isolation",
        "prod",
        ((f"{P}-model", setter("enableNetworkIsolation", value=False)),),
        (
            (
                "sagemaker.5-model-network-isolation",
                f"{P}-model",
                f"model {P}-model: enableNetworkIsolation is not true",
            ),
        ),
    ),
    Case(
        "sagemaker-endpoint-config-kms",
        "staging",
        ((f"{S}-config", deleter("kmsKeyArn")),),
        (
            (
                "sagemaker-endpoint-config-kms",
                f"{S}-config",
                "kmsKeyArn is not set: the variants' ML storage volumes are not encrypted with the project key",
            ),
        ),
    ),
    Case(
        "sagemaker-data-capture-kms",
        "staging",
        ((f"{S}-config", deleter("dataCaptureConfig", "kmsKeyId")),),
        (
            (
                "sagemaker-data-capture-kms",
                f"{S}-config",
                "dataCaptureConfig.kmsKeyId is not set: captured requests and responses are not KMS-encrypted",
            ),
        ),
    ),
    Case(
        "sagemaker.9-15-monitoring-network-isolation",
        "staging",
        ((f"{S}-job", setter("networkConfig", "enableNetworkIsolation", value=False)),),
        (
            (
                "sagemaker.9-15-monitoring-network-isolation",
                f"{S}-job",
                "networkConfig.enableNetworkIsolation is not true (network isolation)",
            ),
        ),
    ),
    Case(
        "sagemaker.9-15-monitoring-inter-container-encryption",
        "staging",
        ((f"{S}-job", setter("networkConfig", "enableInterContainerTrafficEncryption", value=False)),),
        (
            (
                "sagemaker.9-15-monitoring-inter-container-encryption",
                f"{S}-job",
                "networkConfig.enableInterContainerTrafficEncryption is not true (inter-container traffic encryption)",
            ),
        ),
    ),
    Case(
        "iam-no-full-access-policies",
        "dev",
        (
            (
                f"{D}-execution-role",
                setter("managedPolicyArns", value=["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]),
            ),
        ),
        (
            (
                "iam-no-full-access-policies",
                f"{D}-execution-role",
                "attaches the AWS managed policy arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
            ),
        ),
    ),
    Case(
        "iam-no-wildcard-action",
        "dev",
        ((f"{D}-execution-policy", edit_document("policy", _allow_everything)),),
        (("iam-no-wildcard-action", f"{D}-execution-policy", 'a statement allows Action "*"'),),
    ),
    Case(
        "iam-passrole-scoped",
        "prod",
        ((f"{P}-training-policy", edit_document("policy", _pass_any_role)),),
        (
            (
                "iam-passrole-scoped",
                f"{P}-training-policy",
                "PassOnlyItselfToSageMaker allows iam:PassRole on a wildcard resource; name the one role it passes",
            ),
        ),
    ),
    Case(
        "iam-passrole-scoped",
        "dev",
        ((f"{D}-training-policy", edit_document("policy", _pass_role_anywhere)),),
        (
            (
                "iam-passrole-scoped",
                f"{D}-training-policy",
                "PassOnlyItselfToSageMaker allows iam:PassRole without an iam:PassedToService condition",
            ),
        ),
    ),
    Case(
        "iam-sagemaker-trust-source-account",
        "dev",
        ((f"{D}-execution-role", edit_document("assumeRolePolicy", _drop_trust_condition)),),
        (
            (
                "iam-sagemaker-trust-source-account",
                f"{D}-execution-role",
                "trusts sagemaker.amazonaws.com without an aws:SourceAccount condition (confused deputy)",
            ),
        ),
    ),
    Case(
        "kms.4-key-rotation",
        "dev",
        ((f"{D}-key", setter("enableKeyRotation", value=False)),),
        (("kms.4-key-rotation", f"{D}-key", "enableKeyRotation is not true"),),
    ),
    Case(
        "mlops-alarm-dimensions",
        "dev",
        ((f"{D}-rollback-5xx-error-rate", deleter("dimensions", "VariantName")),),
        (
            (
                "mlops-alarm-dimensions",
                f"{D}-rollback-5xx-error-rate",
                "metric: AWS/SageMaker metrics need EndpointName and VariantName dimensions, got ['EndpointName']",
            ),
        ),
    ),
    Case(
        "mlops-alarm-dimensions",
        "prod",
        ((f"{P}-drift", deleter("metricQueries", 0, "metric", "dimensions", "MonitoringSchedule")),),
        (
            (
                "mlops-alarm-dimensions",
                f"{P}-drift",
                "metric query m0: aws/sagemaker/Endpoints/data-metrics metrics need Endpoint and MonitoringSchedule "
                "dimensions, got ['Endpoint']",
            ),
        ),
    ),
    Case(
        "mlops-prod-capacity",
        "prod",
        ((f"{P}-target", setter("minCapacity", value=1.0)),),
        (("mlops-prod-capacity", f"{P}-target", f"{P}-target: prod autoscaling minCapacity 1 is below 2"),),
    ),
    Case(
        "mlops-blue-green-rollback",
        "staging",
        ((f"{S}-endpoint", deleter("deploymentConfig", "autoRollbackConfiguration")),),
        (("mlops-blue-green-rollback", f"{S}-endpoint", f"endpoint {S}-endpoint: no auto-rollback alarms"),),
    ),
    Case(
        "mlops-blue-green-rollback",
        "staging",
        ((f"{S}-rollback-5xx-error-rate", setter("name", value="renamed")),),
        (
            (
                "mlops-blue-green-rollback",
                f"{S}-endpoint",
                f"endpoint {S}-endpoint: rollback alarms not in the stack: ['{S}-5xx-error-rate']",
            ),
        ),
    ),
    Case(
        "mlops-registry-approved-version",
        "prod",
        ((f"{P}-model", _ships(f"{P}-models/3", "PendingManualApproval")),),
        (
            (
                "mlops-registry-approved-version",
                f"{P}-model",
                f"model {P}-model: ships {_VERSION}/{P}-models/3, which is PendingManualApproval",
            ),
        ),
    ),
    Case(
        "mlops-registry-approved-version",
        "prod",
        ((f"{P}-model", _ships(f"{D}-models/1", "Approved")),),
        (
            (
                "mlops-registry-approved-version",
                f"{P}-model",
                f"model {P}-model: {_VERSION}/{D}-models/1 is not a version of this stack's group ({P}-models)",
            ),
        ),
    ),
    Case(
        "mlops-registry-approved-version",
        "dev",
        ((f"{D}-model", _ships(f"{D}-models/2", "Rejected")),),
        (
            (
                "mlops-registry-approved-version",
                f"{D}-model",
                f"model {D}-model: ships {_VERSION}/{D}-models/2, which is Rejected",
            ),
        ),
    ),
    Case(
        "mlops-required-tags",
        "dev",
        ((f"{D}-endpoint", deleter("tags", "managed-by")),),
        (("mlops-required-tags", f"{D}-endpoint", "missing tags: managed-by"),),
    ),
    # Applications: the HTTP API, the functions' roles, their log groups and queue.
    Case(
        "mlops-prod-api-authorization",
        "prod",
        ((f"{P}-api-predict", setter("authorizationType", value="NONE")),),
        (
            (
                "mlops-prod-api-authorization",
                f"{P}-api-predict",
                f"route {P}-api-predict (POST /predict): authorizationType NONE in prod; use JWT or AWS_IAM",
            ),
        ),
    ),
    Case(
        "mlops-function-role-documented",
        "staging",
        ((f"{S}-scoring-function-policy", edit_document("policy", _grant_delete_predictions)),),
        (
            (
                "mlops-function-role-documented",
                f"{S}-scoring-function-policy",
                f"function {S}-scoring: statement WritePredictions allows ['s3:AbortMultipartUpload', "
                "'s3:DeleteObject', 's3:PutObject'], documented ['s3:AbortMultipartUpload', 's3:PutObject']",
            ),
        ),
    ),
    Case(
        "mlops-function-role-documented",
        "dev",
        ((f"{D}-api-function-policy", edit_document("policy", _invoke_any_endpoint)),),
        (
            (
                "mlops-function-role-documented",
                f"{D}-api-function-policy",
                f"function {D}-predict: statement InvokeEndpoint on ['*'], not one resource of the documented shape",
            ),
        ),
    ),
    Case(
        "mlops-function-role-documented",
        "dev",
        ((f"{D}-scoring-function-policy", edit_document("policy", _drop_last_statement)),),
        (
            (
                "mlops-function-role-documented",
                f"{D}-scoring-function-policy",
                f"function {D}-scoring: statements ['InvokeEndpoint', 'MarkIncomingVersions', 'ReadIncoming', "
                "'SendToDeadLetterQueue', 'UseStackKey', 'WriteErrorReports', 'WritePredictions'], documented "
                "['InvokeEndpoint', 'MarkIncomingVersions', 'ReadIncoming', 'SendToDeadLetterQueue', 'UseStackKey', "
                "'WriteErrorReports', 'WriteOwnLogs', 'WritePredictions']",
            ),
        ),
    ),
    Case(
        "mlops-function-role-documented",
        "staging",
        ((f"{S}-text-analysis-function-policy", edit_document("policy", _pass_data_access_role_anywhere)),),
        (
            (
                "iam-passrole-scoped",
                f"{S}-text-analysis-function-policy",
                "PassDataAccessRole allows iam:PassRole without an iam:PassedToService condition",
            ),
            (
                "mlops-function-role-documented",
                f"{S}-text-analysis-function-policy",
                f"function {S}-text-analysis: statement PassDataAccessRole has condition None, documented "
                "{'StringEquals': {'iam:PassedToService': 'comprehend.amazonaws.com'}}",
            ),
        ),
    ),
    Case(
        "cloudwatch.16-log-group-retention-kms",
        "dev",
        ((f"{D}-scoring-function-logs", deleter("kmsKeyId")), (f"{D}-api-access-logs", deleter("retentionInDays"))),
        (
            (
                "cloudwatch.16-log-group-retention-kms",
                f"{D}-api-access-logs",
                "log group keeps events forever (no retentionInDays)",
            ),
            (
                "cloudwatch.16-log-group-retention-kms",
                f"{D}-scoring-function-logs",
                "log group is not encrypted with a KMS key (kmsKeyId)",
            ),
        ),
    ),
    Case(
        "sqs.1-queue-encrypted",
        "prod",
        ((f"{P}-scoring-function-dlq", deleter("kmsMasterKeyId")),),
        (
            (
                "sqs.1-queue-encrypted",
                f"{P}-scoring-function-dlq",
                "queue is not encrypted with a KMS key (kmsMasterKeyId)",
            ),
        ),
    ),
    # Comprehend: the custom models' keys and the data-access role's trust.
    Case(
        "comprehend-models-use-stack-key",
        "prod",
        ((f"{P}-text-recognizer", deleter("volumeKmsKeyId")),),
        (
            (
                "comprehend-models-use-stack-key",
                f"{P}-text-recognizer",
                f"{P}-text-recognizer: volumeKmsKeyId is not set: the training volume is encrypted with an AWS key",
            ),
        ),
    ),
    Case(
        "comprehend-models-use-stack-key",
        "staging",
        (
            (
                f"{S}-text-recognizer",
                setter("modelKmsKeyId", value="arn:aws:kms:us-east-1:210987654321:key/elsewhere"),
            ),
        ),
        (
            (
                "comprehend-models-use-stack-key",
                f"{S}-text-recognizer",
                f"{S}-text-recognizer: modelKmsKeyId is not a KMS key of this stack",
            ),
        ),
    ),
    Case(
        "comprehend-trust-source-conditions",
        "prod",
        ((f"{P}-text-role", edit_document("assumeRolePolicy", _drop_source_arn)),),
        (
            (
                "comprehend-trust-source-conditions",
                f"{P}-text-role",
                "trusts comprehend.amazonaws.com without aws:SourceArn condition (confused deputy)",
            ),
        ),
    ),
    Case(
        "comprehend-trust-source-conditions",
        "staging",
        ((f"{S}-text-role", edit_document("assumeRolePolicy", _drop_trust_condition)),),
        (
            (
                "comprehend-trust-source-conditions",
                f"{S}-text-role",
                "trusts comprehend.amazonaws.com without aws:SourceAccount and aws:SourceArn conditions "
                "(confused deputy)",
            ),
        ),
    ),
]

CASES += [Case(policy, stack, edits, expected) for policy, stack, edits, expected in FINDINGS_CASES]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.policy}-{c.stack}-{i}" for i, c in enumerate(CASES)])
def test_each_policy_catches_its_mutation(graphs: Graphs, case: Case) -> None:
    assert new_violations(graphs.plan(case.stack), *case.edits) == list(case.expected)


def test_the_classifier_keys_are_checked_too(graphs: Graphs) -> None:
    plan = graphs.plan("prod", **{"mlops:text.classifier": True})
    assert found(*views(plan)) == []
    assert new_violations(plan, (f"{P}-text-classifier", deleter("modelKmsKeyId"))) == [
        (
            "comprehend-models-use-stack-key",
            f"{P}-text-classifier",
            f"{P}-text-classifier: modelKmsKeyId is not set: the trained model is encrypted with an AWS key",
        )
    ]


def test_every_policy_has_a_mutation_case() -> None:
    assert sorted({c.policy for c in CASES}) == sorted(c.name for c in CONTROLS)


def _baseline_params() -> list[Any]:
    return [
        pytest.param(stack, control.name, id=f"{stack}-{control.name}")
        for stack in snapshot.STACKS
        for control in CONTROLS
    ]


@pytest.mark.parametrize(("stack", "policy"), _baseline_params())
def test_every_stack_passes_every_policy(graphs: Graphs, stack: str, policy: str) -> None:
    assert [f for f in found(*views(graphs.plan(stack))) if f[0] == policy] == []


@pytest.mark.parametrize("stack", snapshot.STACKS)
def test_no_violation_in_any_stack(graphs: Graphs, stack: str) -> None:
    assert found(*views(graphs.plan(stack))) == []


def test_log_bucket_sse_s3_exception_holds_only_while_it_receives_logs(graphs: Graphs) -> None:
    plan = graphs.plan("prod")
    encryption = plan.one(tokens.S3_BUCKET_ENCRYPTION, f"{P}-logs-encryption")
    assert encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    # With no bucket logging to it, the log bucket is an ordinary bucket and SSE-S3 is a violation.
    assert new_violations(plan, (f"{P}-artifacts-logging", None), (f"{P}-capture-logging", None)) == [
        (
            "s3.9-access-logging",
            f"{P}-artifacts",
            f"bucket {P}-artifacts: has no server access logging (BucketLogging with a targetBucket)",
        ),
        (
            "s3.9-access-logging",
            f"{P}-capture",
            f"bucket {P}-capture: has no server access logging (BucketLogging with a targetBucket)",
        ),
        (
            "s3.9-access-logging",
            f"{P}-logs",
            f"bucket {P}-logs: has no server access logging (BucketLogging with a targetBucket)",
        ),
        (
            "s3.17-kms-encryption",
            f"{P}-logs",
            f"bucket {P}-logs: default encryption is not SSE-KMS with a customer-managed key",
        ),
    ]


def test_serverless_model_is_exempt_from_network_isolation_only_while_serverless(graphs: Graphs) -> None:
    plan = graphs.plan("dev")
    assert plan.one(tokens.SAGEMAKER_MODEL).inputs["enableNetworkIsolation"] is False
    realtime = setter(
        "productionVariants",
        0,
        value={"variantName": "primary", "modelName": None, "instanceType": "ml.m5.large", "initialInstanceCount": 2.0},
    )

    def keep_model_name(props: dict[str, Any]) -> None:
        model_name = props["productionVariants"][0]["modelName"]
        realtime(props)
        props["productionVariants"][0]["modelName"] = model_name

    added = new_violations(plan, (f"{D}-config", keep_model_name))
    assert (
        "sagemaker.5-model-network-isolation",
        f"{D}-model",
        f"model {D}-model: enableNetworkIsolation is not true",
    ) in added


@pytest.mark.parametrize(
    ("instance_type", "flagged"), [("ml.g5.xlarge", False), ("ml.c5d.xlarge", False), ("ml.c5.xlarge", True)]
)
def test_local_nvme_instance_types_need_no_volume_key(graphs: Graphs, instance_type: str, flagged: bool) -> None:
    def change(props: dict[str, Any]) -> None:
        props["productionVariants"][0]["instanceType"] = instance_type
        del props["kmsKeyArn"]

    added = [
        f
        for f in new_violations(graphs.plan("staging"), (f"{S}-config", change))
        if f[0] == "sagemaker-endpoint-config-kms"
    ]
    assert len(added) == int(flagged)


def test_inputs_reach_policies_in_camel_case(graphs: Graphs) -> None:
    """The SDK registers camelCase names; CrossGuard's args.props are these same registered inputs."""
    model = graphs.plan("prod").one(tokens.SAGEMAKER_MODEL)
    assert {"enableNetworkIsolation", "executionRoleArn", "primaryContainer"} <= set(model.inputs)
    assert "enable_network_isolation" not in model.inputs
    assert "modelDataUrl" in model.inputs["primaryContainer"]


def test_taggable_list_matches_the_pulumi_aws_sdk(graphs: Graphs) -> None:
    declared = {r.type for stack in snapshot.STACKS for r in graphs.plan(stack).resources if r.custom}
    # The optional document classifier is off in every stack file.
    declared |= {r.type for r in graphs.plan("prod", **{"mlops:text.classifier": True}).resources if r.custom}
    accepts_tags = set()
    for type_token in declared:
        module, cls = type_token.split(":")[1].split("/")[0], type_token.split(":")[2]
        # `lambda` is a Python keyword: pulumi-aws's module is `lambda_`.
        resource_class = getattr(
            importlib.import_module(f"pulumi_aws.{module}_" if module == "lambda" else f"pulumi_aws.{module}"), cls
        )
        if "tags" in inspect.signature(resource_class._internal_init).parameters:
            accepts_tags.add(type_token)
    assert sorted(accepts_tags - TAGGABLE) == [tokens.S3_OBJECT]
    assert sorted(TAGGABLE - accepts_tags) == []


@pytest.mark.parametrize("stack", snapshot.STACKS)
def test_s3_11_every_bucket_notifies_eventbridge(graphs: Graphs, stack: str) -> None:
    """The artifact bucket's notification (the functions' and EventBridge) and the capture and log buckets'
    pass S3.11; that S3 delivers the events is not provable offline."""
    assert EVENT_NOTIFICATIONS in CONTROLS
    assert evaluate(*views(graphs.plan(stack)), controls=[EVENT_NOTIFICATIONS]) == []


def test_s3_11_catches_a_notification_that_sends_nowhere(graphs: Graphs) -> None:
    inputs, outputs = edit(
        *views(graphs.plan("prod")), "sagemaker-mlops-prod-capture-notifications", setter("eventbridge", value=False)
    )
    found_now = [(v.urn or "").rsplit("::", 1)[-1] for v in evaluate(inputs, outputs, controls=[EVENT_NOTIFICATIONS])]
    assert found_now == ["sagemaker-mlops-prod-capture"]
