"""The real program of each stack, created resource by resource in a local moto server, then read back.

What these tests cannot prove: that the real provider plugin sends the same requests (the rehearsal
builds them from the provider's inputs and botocore's model), IAM authorisation (moto does not
evaluate it here), and anything moto does not store (see offline/rehearsal/services/sagemaker.py) or lacks (the
validated-not-emulated resources, whose requests are only checked against the API model).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import pulumi
import pytest

from offline import tokens
from offline.emulator import Emulator
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
from tests.infra.test_program import BUCKET_TYPES, NETWORK, NOTEBOOK, REPLICATION

pytestmark = pytest.mark.emulator

_COMMON = {
    tokens.DASHBOARD: 1,
    tokens.IAM_ROLE: 1,
    tokens.IAM_ROLE_POLICY: 1,
    tokens.KMS_ALIAS: 1,
    tokens.KMS_KEY: 1,
    **BUCKET_TYPES,
    tokens.S3_BUCKET_NOTIFICATION: 2,
    tokens.LOG_GROUP: 1,
    tokens.SAGEMAKER_ENDPOINT: 1,
    tokens.SAGEMAKER_ENDPOINT_CONFIG: 1,
    tokens.SAGEMAKER_MODEL: 1,
}
_REALTIME = {
    tokens.SCALING_POLICY: 1,
    tokens.SCALABLE_TARGET: 1,
    # The model tarball and the data-quality baseline (statistics.json, constraints.json).
    tokens.S3_OBJECT: 3,
    tokens.SAGEMAKER_DATA_QUALITY_JOB: 1,
}
EXPECTED_CREATED = {
    "dev": {
        **_COMMON,
        # The private network and the notebook (dev only by default); every one created in moto.
        **{t: n for t, n in NETWORK.items() if t.startswith("aws:")},
        **{t: n for t, n in NOTEBOOK.items() if t.startswith("aws:")},
        tokens.IAM_ROLE: 2,
        tokens.IAM_ROLE_POLICY: 2,
        tokens.METRIC_ALARM: 6,
        tokens.S3_OBJECT: 2,
        tokens.SNS_TOPIC: 1,
        tokens.SNS_TOPIC_POLICY: 1,
    },
    "staging": {
        **_COMMON,
        **_REALTIME,
        tokens.METRIC_ALARM: 8,
        tokens.SNS_TOPIC: 1,
        tokens.SNS_TOPIC_POLICY: 1,
        tokens.SNS_SUBSCRIPTION: 1,
    },
    "prod": {
        **_COMMON,
        **_REALTIME,
        # The capture and log replicas in us-west-2, their key, the replication role and rules.
        **REPLICATION,
        tokens.METRIC_ALARM: 9,
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
EXPECTED_COMPONENTS = {"dev": 11, "staging": 11, "prod": 12}
# Checks that compared something the emulator answered; the monitoring schedule (moto lacks
# CreateMonitoringSchedule) is reported as validated-not-emulated and never counted as passed.
# + the endpoint log group (retention, key). moto 5.2.5 keeps a bucket's EventBridgeConfiguration but
# leaves it out of GetBucketNotificationConfiguration: those two checks are not-emulated.
# dev: + the network (VPC, 2 subnets, 2 security groups x 2 directions, 7 endpoints), the notebook's
# lifecycle and instance, the notebook role (trust, policies, the policy, no managed policies) and the
# notebook uploaded for it (its bytes in S3).
# prod: + the replication role (trust, policies, the policy, no managed policies) and each replication
# configuration read back (role, rules and destinations; the replica in us-west-2).
EXPECTED_CHECKS = {"dev": 77, "staging": 69, "prod": 82}
EXPECTED_NOT_EMULATED_CHECKS = {
    "dev": [],
    "staging": ["monitoring schedule sagemaker-mlops-staging-data-quality"],
    "prod": ["monitoring schedule sagemaker-mlops-prod-data-quality"],
}
for _stack, _names in EXPECTED_NOT_EMULATED_CHECKS.items():
    _names += [f"sagemaker-mlops-{_stack}-{b}-notifications: events to EventBridge" for b in ("capture", "logs")]
STACKS = ("dev", "staging", "prod")
# prod's replicas too, in name order (the verifier sorts them).
EXPECTED_NOT_EMULATED_CHECKS["prod"][1:] = [
    f"sagemaker-mlops-prod-{b}-notifications: events to EventBridge"
    for b in ("capture", "capture-replica", "logs", "logs-replica")
]
# moto keeps neither the notebook's platform nor its IMDS setting (CreateNotebookInstance ignores both).
EXPECTED_NOT_EMULATED_CHECKS["dev"] += [
    "notebook sagemaker-mlops-dev-notebook: platform",
    "notebook sagemaker-mlops-dev-notebook: IMDS minimum version",
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
    assert [c.name for c in report.not_emulated_checks] == EXPECTED_NOT_EMULATED_CHECKS[stack]
    assert len(report.checks) == EXPECTED_CHECKS[stack] + len(EXPECTED_NOT_EMULATED_CHECKS[stack])
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
