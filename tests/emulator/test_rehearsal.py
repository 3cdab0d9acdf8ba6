"""The real program of each stack, created resource by resource in a local moto server, then read back.

What these tests cannot prove: that the real provider plugin sends the same requests (the rehearsal
builds them from the provider's inputs and botocore's model), IAM authorisation (moto does not
evaluate it here), and anything moto does not store (see offline/rehearsal/services/sagemaker.py) or lacks (the
validated-not-emulated resources, whose requests are only checked against the API model).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path

import pulumi
import pytest

from infra.iam import documents as iam_documents
from infra.iam import training_documents
from offline import tokens
from offline.emulator import Emulator
from offline.fakes import FAKE_ACCOUNT_ID
from offline.mocks import run_program
from offline.rehearsal.report import CREATED, VALIDATED_NOT_EMULATED
from offline.rehearsal.requests import (
    EmulatorRejectedError,
    RequestRejectedError,
    UnmappedInputError,
    UnsupportedResourceTypeError,
)
from offline.rehearsal.runner import EmulatorMocks
from offline.rehearsal.services import verify
from tests.emulator.conftest import Rehearsed
from tests.infra.test_program import APPLICATION_ALARMS, APPLICATIONS, BUCKET_TYPES, NETWORK, NOTEBOOK, REPLICATION

pytestmark = pytest.mark.emulator

# The applications' custom resources (their components make no AWS call).
_APPLICATIONS = {t: n for t, n in APPLICATIONS.items() if not t.startswith("mlops:")}
_COMMON = {
    **_APPLICATIONS,
    tokens.DASHBOARD: 1,
    # The hosting role, the training role and the two functions' roles.
    tokens.IAM_ROLE: 4,
    tokens.IAM_ROLE_POLICY: 4,
    tokens.KMS_ALIAS: 1,
    tokens.KMS_KEY: 1,
    **BUCKET_TYPES,
    # The capture and log buckets' EventBridge notifications and the endpoint's log group, beside the
    # artifact bucket's notification and the functions' log groups.
    tokens.S3_BUCKET_NOTIFICATION: _APPLICATIONS[tokens.S3_BUCKET_NOTIFICATION] + 2,
    tokens.LOG_GROUP: _APPLICATIONS[tokens.LOG_GROUP] + 1,
    tokens.SAGEMAKER_ENDPOINT: 1,
    tokens.SAGEMAKER_ENDPOINT_CONFIG: 1,
    tokens.SAGEMAKER_MODEL: 1,
    # The registry: its group, and the rule with its target that report approval decisions.
    tokens.SAGEMAKER_MODEL_PACKAGE_GROUP: 1,
    tokens.EVENT_RULE: 1,
    tokens.EVENT_TARGET: 1,
}
_REALTIME = {
    tokens.SCALING_POLICY: 1,
    tokens.SCALABLE_TARGET: 1,
    # The model tarball and the data-quality baseline (statistics.json, constraints.json).
    tokens.S3_OBJECT: 3,
    tokens.SAGEMAKER_DATA_QUALITY_JOB: 1,
}
# mlops:text, on in staging and prod: the recognizer, its role and policy, its two training files, and the
# text-analysis function with its role, policy, log group, queue, async config and permission.
_TEXT = {
    tokens.COMPREHEND_ENTITY_RECOGNIZER: 1,
    tokens.IAM_ROLE: _COMMON[tokens.IAM_ROLE] + 2,
    tokens.IAM_ROLE_POLICY: _COMMON[tokens.IAM_ROLE_POLICY] + 2,
    tokens.S3_OBJECT: _REALTIME[tokens.S3_OBJECT] + 2,
    tokens.LAMBDA_FUNCTION: _COMMON[tokens.LAMBDA_FUNCTION] + 1,
    tokens.LAMBDA_PERMISSION: _COMMON[tokens.LAMBDA_PERMISSION] + 1,
    tokens.LAMBDA_EVENT_INVOKE_CONFIG: _COMMON[tokens.LAMBDA_EVENT_INVOKE_CONFIG] + 1,
    tokens.SQS_QUEUE: _COMMON[tokens.SQS_QUEUE] + 1,
    tokens.LOG_GROUP: _COMMON[tokens.LOG_GROUP] + 1,
}
_TEXT_ALARMS = 3
EXPECTED_CREATED = {
    "dev": {
        **_COMMON,
        # The private network and the notebook (dev only by default); every one created in moto.
        **{t: n for t, n in NETWORK.items() if t.startswith("aws:")},
        **{t: n for t, n in NOTEBOOK.items() if t.startswith("aws:")},
        # + the notebook's role and its policy; the notebook uploaded for it beside the artifact.
        tokens.IAM_ROLE: _COMMON[tokens.IAM_ROLE] + 1,
        tokens.IAM_ROLE_POLICY: _COMMON[tokens.IAM_ROLE_POLICY] + 1,
        tokens.METRIC_ALARM: 6 + APPLICATION_ALARMS,
        tokens.S3_OBJECT: 2,
        tokens.SNS_TOPIC: 1,
        tokens.SNS_TOPIC_POLICY: 1,
    },
    "staging": {
        **_COMMON,
        **_REALTIME,
        **_TEXT,
        tokens.HTTP_API_AUTHORIZER: 1,
        tokens.METRIC_ALARM: 8 + APPLICATION_ALARMS + _TEXT_ALARMS,
        tokens.SNS_TOPIC: 1,
        tokens.SNS_TOPIC_POLICY: 1,
        tokens.SNS_SUBSCRIPTION: 1,
    },
    "prod": {
        **_COMMON,
        **_REALTIME,
        # The capture and log replicas in us-west-2, their key, the replication role and rules.
        **REPLICATION,
        **_TEXT,
        tokens.IAM_ROLE: _TEXT[tokens.IAM_ROLE] + 1,
        tokens.IAM_ROLE_POLICY: _TEXT[tokens.IAM_ROLE_POLICY] + 1,
        # The artifact bucket's (functions and EventBridge), the capture and log buckets' and their replicas'.
        tokens.S3_BUCKET_NOTIFICATION: _COMMON[tokens.S3_BUCKET_NOTIFICATION] + 2,
        tokens.HTTP_API_AUTHORIZER: 1,
        tokens.METRIC_ALARM: 9 + APPLICATION_ALARMS + _TEXT_ALARMS,
        tokens.SNS_TOPIC: 2,
        tokens.SNS_TOPIC_POLICY: 2,
        tokens.SNS_SUBSCRIPTION: 2,
    },
}
# moto 5.2.5 lacks cloudwatch:PutCompositeAlarm and sagemaker:CreateMonitoringSchedule.
EXPECTED_NOT_EMULATED = {
    "dev": {
        (tokens.COMPOSITE_ALARM, "sagemaker-mlops-dev-alarms-endpoint-unhealthy"),
    },
    "staging": {
        (tokens.COMPOSITE_ALARM, "sagemaker-mlops-staging-alarms-endpoint-unhealthy"),
        (tokens.SAGEMAKER_MONITORING_SCHEDULE, "sagemaker-mlops-staging-schedule"),
    },
    "prod": {
        (tokens.COMPOSITE_ALARM, "sagemaker-mlops-prod-alarms-endpoint-unhealthy"),
        (tokens.SAGEMAKER_MONITORING_SCHEDULE, "sagemaker-mlops-prod-schedule"),
    },
}
# Components (no AWS call). Every stack: ArtifactStore, ExecutionRole, ModelRelease, InferenceEndpoint, two
# EndpointAlarms, EndpointDashboard, Notifications (the notify topic), ModelRegistry, TrainingRole,
# ServiceLogGroups (the endpoint's log group), ScoringFunction, HttpApi and their two LambdaFunction blocks: 15.
# dev: + Network and NotebookWorkspace. staging: + EndpointAutoscaling, DataQualityMonitor, EntityRecognition,
# TextAnalysisFunction and its LambdaFunction block (mlops:text). prod: staging's + the page Notifications.
EXPECTED_COMPONENTS = {"dev": 15 + 2, "staging": 15 + 5, "prod": 15 + 5 + 1}
# Checks that compared something the emulator answered; the monitoring schedule (moto lacks
# CreateMonitoringSchedule) is reported as validated-not-emulated and never counted as passed.
# services/iam.py reads back every IAM role of the graph with 4 checks (its trust, its inline policy names,
# its policy document, no managed policies): dev's 5 roles (hosting, training, the two functions', the
# notebook's), staging's 6 (+ the text function's and Comprehend's data-access role), prod's 7 (+ the
# replication role). Beside the roles' checks:
# - dev: 87 for its serverless endpoint, registry, alarms, buckets, artifact, key, topic, log groups (one
#   "retention and key" check each: the functions', the API's, the endpoint's), queue, functions and API;
#   + the network (VPC 2, subnets 2, security groups 2 x 2, the 7 VPC endpoints 1 each: 15), + the notebook
#   and its lifecycle configuration (2) and the walkthrough object (bytes and key: 2);
# - staging: 126, with its realtime endpoint, monitor and autoscaling, and mlops:text (the recognizer 4, its
#   data-access role's 2 services/comprehend.py checks, the text function 5, its log group, queue, alarms
#   and training objects);
# - prod: staging's + the page topic (3), the no-invocations alarm (2), and per replicated bucket (capture,
#   logs) its rules and destinations and its replica's region (4).
_ROLE_CHECKS = 4
EXPECTED_CHECKS = {
    "dev": 87 + 15 + 2 + 2 + 5 * _ROLE_CHECKS,
    "staging": 126 + 6 * _ROLE_CHECKS,
    "prod": 126 + 3 + 2 + 4 + 7 * _ROLE_CHECKS,
}
STACKS = ("dev", "staging", "prod")


def expected_not_emulated_checks(stack: str, artifact_bucket: str) -> list[str]:
    """The checks the rehearsal names as not emulated, in its order (services in registration order)."""
    prefix = f"sagemaker-mlops-{stack}"
    notified = ("capture", "capture-replica", "logs", "logs-replica") if stack == "prod" else ("capture", "logs")
    return [
        # moto 5.2.5 lacks sagemaker:CreateMonitoringSchedule (realtime endpoints only).
        *([f"monitoring schedule {prefix}-data-quality"] if stack != "dev" else []),
        # moto does not store a function's LoggingConfig, and omits EventBridgeConfiguration from
        # GetBucketNotificationConfiguration: the artifact bucket's (services/lambda_.py) and the capture and
        # log buckets' and their replicas' EventBridge-only ones (services/s3_events.py, in name order).
        f"function {prefix}-predict: logging config",
        f"function {prefix}-scoring: logging config",
        *([f"function {prefix}-text-analysis: logging config"] if stack != "dev" else []),
        f"bucket {artifact_bucket}: EventBridge delivery",
        *(f"{prefix}-{b}-notifications: events to EventBridge" for b in notified),
        # moto keeps neither the notebook's platform nor its IMDS setting (CreateNotebookInstance ignores both).
        *(
            [f"notebook {prefix}-notebook: platform", f"notebook {prefix}-notebook: IMDS minimum version"]
            if stack == "dev"
            else []
        ),
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_every_declared_resource_is_created_or_named_as_validated_only(rehearsed: Rehearsed, stack: str) -> None:
    report = rehearsed(stack)
    assert report.created == dict(sorted(EXPECTED_CREATED[stack].items()))
    assert {(o.type, o.name) for o in report.not_emulated} == EXPECTED_NOT_EMULATED[stack]
    assert sum(report.counts("component").values()) == EXPECTED_COMPONENTS[stack]
    # Every custom resource the program declared has exactly one outcome: nothing passed through.
    declared = sorted((r.type, r.name) for r in report.plan.resources)
    assert sorted((o.type, o.name) for o in report.outcomes) == declared


@pytest.mark.parametrize("stack", STACKS)
def test_the_emulated_account_passes_every_check(rehearsed: Rehearsed, stack: str) -> None:
    report = rehearsed(stack)
    assert [f"{c.name}: {c.detail}" for c in report.failed_checks] == []
    assert len(report.read_back_checks) == EXPECTED_CHECKS[stack]
    # Validated against the API model, never counted as passed.
    not_emulated = expected_not_emulated_checks(stack, report.outputs["artifactBucket"])
    assert [c.name for c in report.not_emulated_checks] == not_emulated
    assert len(report.checks) == EXPECTED_CHECKS[stack] + len(not_emulated)
    assert report.passed is True


@pytest.mark.parametrize("stack", STACKS)
def test_endpoint_and_alarms_are_bound_to_the_endpoint_name(rehearsed: Rehearsed, stack: str) -> None:
    report = rehearsed(stack)
    passed = {c.name: c.detail for c in report.checks if c.passed}
    endpoint = f"sagemaker-mlops-{stack}"
    assert passed[f"endpoint {endpoint} InService"] == "InService"
    assert passed[f"alarm {endpoint}-5xx-error-rate: EndpointName/VariantName dimensions"] == (
        f'{{"EndpointName": "{endpoint}", "VariantName": "primary"}}'
    )
    assert passed[f"endpoint {endpoint}: auto-rollback alarms exist"] == (
        f"{endpoint}-5xx-error-rate, {endpoint}-model-latency-p99"
    )


@pytest.mark.parametrize("stack", STACKS)
def test_the_training_role_reads_back_exactly_as_its_documents(
    rehearsed: Rehearsed, emulator: Emulator, stack: str
) -> None:
    """The emulator's IAM holds the training role with exactly the trust and the one inline policy the
    pure functions give for the stack's ARNs. Cannot prove IAM's evaluation (moto stores, not enforces)."""
    report = rehearsed(stack)
    iam = emulator.client("iam", "us-east-1")
    role_name = str(report.outputs["trainingRoleArn"]).rsplit("/", 1)[-1]
    assert role_name.startswith(f"sagemaker-mlops-{stack}-training-role-")
    role = iam.get_role(RoleName=role_name)["Role"]
    assert role["Arn"] == report.outputs["trainingRoleArn"] != report.outputs["executionRoleArn"]
    assert role["AssumeRolePolicyDocument"] == iam_documents.sagemaker_trust_policy(FAKE_ACCOUNT_ID)
    names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    assert len(names) == 1
    assert names[0].startswith(f"sagemaker-mlops-{stack}-training-policy-")
    document = iam.get_role_policy(RoleName=role_name, PolicyName=names[0])["PolicyDocument"]
    bucket = str(report.outputs["artifactBucket"])
    assert document == training_documents.training_role_policy(
        account_id=FAKE_ACCOUNT_ID,
        region="us-east-1",
        artifact_bucket_arn=f"arn:aws:s3:::{bucket}",
        kms_key_arn=str(report.outputs["kmsKeyArn"]),
        image_repository_arn="arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
        role_arn=role["Arn"],
    )
    assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []


def test_the_drift_alarm_watches_the_schedule_and_the_endpoint(rehearsed: Rehearsed) -> None:
    report = rehearsed("prod")
    name = "alarm sagemaker-mlops-prod-data-drift: Endpoint/MonitoringSchedule dimensions"
    [check] = [c for c in report.checks if c.name == name]
    # The stand-in manifest has the seven penguin features, so the math alarm watches seven drift metrics.
    assert (check.passed, check.detail) == (
        True,
        '{"dimensions": [{"Endpoint": "sagemaker-mlops-prod", '
        '"MonitoringSchedule": "sagemaker-mlops-prod-data-quality"}], "metrics": 7}',
    )


def test_the_autoscaling_target_is_registered_on_the_variant(rehearsed: Rehearsed) -> None:
    report = rehearsed("prod")
    checks = {c.name: c for c in report.checks}
    target = checks["scalable target endpoint/sagemaker-mlops-prod/variant/primary: dimension, min, max"]
    assert (target.passed, target.detail) == (True, '[["sagemaker:variant:DesiredInstanceCount", 2, 6]]')


def test_artifact_bytes_in_emulated_s3_equal_the_file(rehearsed: Rehearsed, emulator: Emulator, artifact: Path) -> None:
    report = rehearsed("prod")
    match = re.match(r"^s3://([^/]+)/(.+)$", str(report.outputs["modelDataUrl"]))
    assert match is not None
    s3 = emulator.client("s3", "us-east-1")
    body = s3.get_object(Bucket=match.group(1), Key=match.group(2))["Body"].read()
    assert body == artifact.read_bytes()
    # Content-addressed: the key carries the file's sha256.
    assert match.group(2) == f"models/{hashlib.sha256(artifact.read_bytes()).hexdigest()}/model.tar.gz"
    baseline = s3.get_object(
        Bucket=match.group(1), Key=match.group(2).replace("model.tar.gz", "baseline/statistics.json")
    )
    assert baseline["Body"].read() == (artifact.parent / "baseline" / "statistics.json").read_bytes()


def test_verification_reads_the_emulator_not_the_inputs(rehearsed: Rehearsed, emulator: Emulator) -> None:
    """Suspend versioning behind the rehearsal's back: the versioning check must notice."""
    report = rehearsed("dev")
    bucket = str(report.outputs["artifactBucket"])
    s3 = emulator.client("s3", "us-east-1")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    try:
        checks = verify(report, lambda service: emulator.client(service, report.region))
    finally:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    failed = [(c.name, c.detail) for c in checks if c.status == "failed"]
    assert failed == [(f"bucket {bucket}: versioning", "expected Enabled, emulator has Suspended")]


def test_artifact_check_compares_the_bytes_in_s3_with_the_uploaded_file(
    rehearsed: Rehearsed, emulator: Emulator
) -> None:
    """Overwrite the model artifact behind the rehearsal's back: the size check must notice."""
    report = rehearsed("dev")
    match = re.match(r"^s3://([^/]+)/(.+)$", str(report.outputs["modelDataUrl"]))
    assert match is not None
    s3 = emulator.client("s3", "us-east-1")
    original = s3.get_object(Bucket=match.group(1), Key=match.group(2))["Body"].read()
    s3.put_object(Bucket=match.group(1), Key=match.group(2), Body=b"truncated")
    try:
        checks = verify(report, lambda service: emulator.client(service, report.region))
    finally:
        s3.put_object(Bucket=match.group(1), Key=match.group(2), Body=original)
    failed = {c.name: c.detail for c in checks if c.status == "failed"}
    model = (
        f"model {report.outputs['modelName']}: artifact object {report.outputs['modelDataUrl']} "
        "holds the uploaded bytes (size)"
    )
    digest = hashlib.sha256(original).hexdigest()
    assert failed == {
        model: f"expected {len(original)}, emulator has 9",
        f"object {match.group(2)}: bytes equal model.tar.gz (sha256)": (
            f"expected {digest}, emulator has {hashlib.sha256(b'truncated').hexdigest()}"
        ),
    }


def _args(type_token: str, name: str, inputs: Mapping[str, object]) -> pulumi.runtime.MockResourceArgs:
    return pulumi.runtime.MockResourceArgs(typ=type_token, name=name, inputs=dict(inputs), custom=True)


def test_an_unknown_resource_type_fails_loudly_naming_the_type(emulator: Emulator) -> None:
    mocks = EmulatorMocks("us-east-1", emulator.url)
    with pytest.raises(UnsupportedResourceTypeError, match=r"unsupported resource type aws:made/up:Thing \(thing\)"):
        mocks.new_resource(_args("aws:made/up:Thing", "thing", {}))
    assert mocks.outcomes == []


def test_a_program_run_without_handlers_fails_instead_of_passing_through(emulator: Emulator, artifact: Path) -> None:
    from infra.program import build

    made: list[EmulatorMocks] = []

    def factory(region: str) -> EmulatorMocks:
        made.append(EmulatorMocks(region, emulator.url, handlers={}))
        return made[-1]

    with pytest.raises(UnsupportedResourceTypeError) as raised:
        run_program("dev", build, overrides={"mlops:artifact": str(artifact)}, mocks_factory=factory)
    assert raised.value.type_token.startswith("aws:")
    assert raised.value.type_token in str(raised.value)
    assert [o for o in made[0].outcomes if o.outcome != "component"] == []


def test_a_wrong_typed_field_is_rejected_by_the_api_model_and_nothing_is_created(emulator: Emulator) -> None:
    mocks = EmulatorMocks("us-east-1", emulator.url)
    inputs = {"name": "bad-alarm", "metricName": "Invocations", "evaluationPeriods": "three", "threshold": 1.0}
    with pytest.raises(RequestRejectedError) as raised:
        mocks.new_resource(_args(tokens.METRIC_ALARM, "bad", inputs))
    assert raised.value.operation == "cloudwatch:PutMetricAlarm"
    assert raised.value.report == (
        "Invalid type for parameter EvaluationPeriods, value: three, type: <class 'str'>, valid types: <class 'int'>"
    )
    alarms = emulator.client("cloudwatch", "us-east-1").describe_alarms(AlarmNames=["bad-alarm"])
    assert alarms["MetricAlarms"] == []


def test_a_fractional_count_is_not_rounded_into_validity(emulator: Emulator) -> None:
    mocks = EmulatorMocks("us-east-1", emulator.url)
    inputs = {"name": "half-alarm", "metricName": "Invocations", "evaluationPeriods": 1.5, "threshold": 1.0}
    with pytest.raises(RequestRejectedError, match=r"Invalid type for parameter EvaluationPeriods, value: 1\.5"):
        mocks.new_resource(_args(tokens.METRIC_ALARM, "half", inputs))


def test_an_input_without_api_counterpart_is_named(emulator: Emulator) -> None:
    mocks = EmulatorMocks("us-east-1", emulator.url)
    inputs = {"executionRoleArn": "arn:aws:iam::123456789012:role/r", "bogusSetting": True}
    with pytest.raises(UnmappedInputError, match=r"input bogusSetting has no counterpart in sagemaker:CreateModel"):
        mocks.new_resource(_args(tokens.SAGEMAKER_MODEL, "m", inputs))


def test_a_request_moto_cannot_serve_is_validated_not_created(emulator: Emulator) -> None:
    mocks = EmulatorMocks("us-east-1", emulator.url)
    with pytest.raises(RequestRejectedError, match=r"Invalid type for parameter AlarmRule, value: 5"):
        mocks.new_resource(_args(tokens.COMPOSITE_ALARM, "c", {"alarmName": "c", "alarmRule": 5}))
    good = {"alarmName": "only-validated", "alarmRule": 'ALARM("x")'}
    physical_id, state = mocks.new_resource(_args(tokens.COMPOSITE_ALARM, "ok", good))
    assert (physical_id, state["arn"]) == (
        "only-validated",
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:only-validated",
    )
    assert [(o.name, o.outcome, o.not_emulated) for o in mocks.outcomes] == [
        ("ok", VALIDATED_NOT_EMULATED, ("cloudwatch:PutCompositeAlarm",))
    ]
    assert CREATED not in {o.outcome for o in mocks.outcomes}


def test_the_emulator_rejects_a_reference_to_a_missing_model(emulator: Emulator) -> None:
    """The API model accepts any model name; moto knows the model does not exist, as SageMaker would."""
    mocks = EmulatorMocks("us-east-1", emulator.url)
    variant = {
        "variantName": "primary",
        "modelName": "no-such-model",
        "instanceType": "ml.m5.large",
        "initialInstanceCount": 1.0,
    }
    config = tokens.SAGEMAKER_ENDPOINT_CONFIG
    with pytest.raises(EmulatorRejectedError, match=r"sagemaker:CreateEndpointConfig rejected by the emulator: "):
        mocks.new_resource(_args(config, "orphan-config", {"productionVariants": [variant]}))


@pytest.mark.parametrize("stack", STACKS)
def test_unnamed_resources_get_pulumi_style_auto_names(rehearsed: Rehearsed, emulator: Emulator, stack: str) -> None:
    report = rehearsed(stack)
    model, config = str(report.outputs["modelName"]), str(report.outputs["endpointConfigName"])
    assert re.fullmatch(rf"sagemaker-mlops-{stack}-model-[0-9a-f]{{7}}", model)
    assert re.fullmatch(rf"sagemaker-mlops-{stack}-config-[0-9a-f]{{7}}", config)
    described = emulator.client("sagemaker", "us-east-1").describe_model(ModelName=model)
    assert described["ModelArn"] == f"arn:aws:sagemaker:us-east-1:123456789012:model/{model}"


def test_the_recognizer_is_read_back_with_its_keys_role_and_version(rehearsed: Rehearsed) -> None:
    report = rehearsed("prod")
    passed = {c.name: c.detail for c in report.checks if c.passed}
    recognizer = "recognizer sagemaker-mlops-prod-text-entities"
    key, role = str(report.outputs["kmsKeyArn"]), str(report.outputs["textDataAccessRoleArn"])
    assert passed[f"{recognizer}: version name"] == "v-095c3967dbabe70a"
    assert passed[f"{recognizer}: data-access role"] == role
    assert passed[f"{recognizer}: model and volume keys are the stack key"] == f'["{key}", "{key}"]'
    assert report.outputs["textRecognizerArn"] == (
        "arn:aws:comprehend:us-east-1:123456789012:entity-recognizer/sagemaker-mlops-prod-text-entities"
        "/version/v-095c3967dbabe70a"
    )
    role_name = role.rsplit("/", 1)[-1]
    assert passed[f"role {role_name}: trusted by Comprehend only, for this account's resources"] == (
        '[["comprehend.amazonaws.com", ["aws:SourceAccount", "aws:SourceArn"]]]'
    )


def test_the_trust_check_reads_the_emulator(rehearsed: Rehearsed, emulator: Emulator) -> None:
    """Drop the trust's conditions behind the rehearsal's back: the Comprehend role check must notice."""
    report = rehearsed("staging")
    role_name = str(report.outputs["textDataAccessRoleArn"]).rsplit("/", 1)[-1]
    iam = emulator.client("iam", "us-east-1")
    original = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    loose = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "comprehend.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(loose))
    try:
        checks = verify(report, lambda service: emulator.client(service, report.region))
    finally:
        restored = original if isinstance(original, str) else json.dumps(original)
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=restored)
    failed = [(c.name, c.detail) for c in checks if c.status == "failed"]
    assert failed == [
        (
            f"role {role_name}: trusted by Comprehend only, for this account's resources",
            'expected [["comprehend.amazonaws.com", ["aws:SourceAccount", "aws:SourceArn"]]], '
            'emulator has [["comprehend.amazonaws.com", []]]',
        )
    ]
