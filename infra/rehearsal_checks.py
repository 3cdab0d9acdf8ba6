"""Verification of the emulated account after a rehearsal: read back through boto3, compare.

Expected values come from the program (stack outputs and the registered inputs of each resource);
actual values only from the emulator's read APIs (describe/get/list), so a request the rehearsal
mangled, or one moto interpreted differently, shows up as a failed check, not as an echo of the
inputs. Every check has a stable name, pass/fail and a one-line detail.

What is not checked because moto 5.2.5 does not store it (it would read back a default, not what was
sent): SageMaker ``EnableNetworkIsolation`` (always ``False`` in moto's model) and the endpoint's
``DeploymentConfig`` (blue/green policy and auto-rollback alarms are not kept by ``CreateEndpoint``).
The API model validated both when the requests were built.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi
from botocore.exceptions import ClientError

from infra.mocks import RecordedResource

if TYPE_CHECKING:
    from infra.rehearsal import RehearsalReport

ClientFactory = Callable[[str], Any]

ENDPOINT_DIMENSIONS = ("EndpointName", "VariantName")
DRIFT_DIMENSIONS = ("Endpoint", "MonitoringSchedule")
SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"


@dataclass(frozen=True)
class Check:
    """One property of the emulated account, read back through boto3 after the rehearsal."""

    name: str
    passed: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


class _Checks:
    def __init__(self) -> None:
        self.results: list[Check] = []

    def add(self, name: str, passed: bool, detail: str) -> None:
        self.results.append(Check(name, bool(passed), detail))

    def equal(self, name: str, actual: Any, expected: Any) -> None:
        if actual == expected:
            self.add(name, True, _short(actual))
        else:
            self.add(name, False, f"expected {_short(expected)}, emulator has {_short(actual)}")

    @contextmanager
    def reading(self, name: str) -> Iterator[None]:
        """A read that fails (resource absent, wrong id) becomes a failed check with AWS's error."""
        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            self.add(name, False, f"{error.get('Code')}: {error.get('Message')}")
        except (KeyError, IndexError, StopIteration, ValueError) as exc:
            self.add(name, False, f"unexpected answer from the emulator ({type(exc).__name__}: {exc})")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 240 else text[:237] + "..."


def _declared(report: RehearsalReport, type_token: str) -> list[RecordedResource]:
    return [r for r in report.plan.resources if r.type == type_token]


def _int(value: Any) -> Any:
    """The engine carries numbers as doubles; compare whole numbers as integers."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _dimensions(dimensions: list[dict[str, str]]) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in dimensions}


def _s3_location(uri: str) -> tuple[str, str]:
    match = re.match(r"^s3://([^/]+)/(.+)$", uri)
    if not match:
        raise ValueError(f"not an s3:// object URI: {uri}")
    return match.group(1), match.group(2)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(report: RehearsalReport, client: ClientFactory) -> list[Check]:
    """Every check of the emulated account for ``report``'s stack, in a stable order."""
    checks = _Checks()
    _endpoint(report, client, checks)
    _model(report, client, checks)
    _autoscaling(report, client, checks)
    _alarms(report, client, checks)
    _buckets(report, client, checks)
    _objects(report, client, checks)
    _role(report, client, checks)
    _key(report, client, checks)
    _topics(report, client, checks)
    _dashboard(report, client, checks)
    _data_quality(report, client, checks)
    return checks.results


def _endpoint(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    sagemaker = client("sagemaker")
    outputs = report.outputs
    endpoint = str(outputs["endpointName"])
    with checks.reading(f"endpoint {endpoint} InService"):
        described = sagemaker.describe_endpoint(EndpointName=endpoint)
        checks.equal(f"endpoint {endpoint} InService", described["EndpointStatus"], "InService")
        checks.equal(
            f"endpoint {endpoint} serves config", described["EndpointConfigName"], outputs["endpointConfigName"]
        )
    for declared in _declared(report, "aws:sagemaker/endpointConfiguration:EndpointConfiguration"):
        name = str(declared.state["name"])
        want = declared.inputs["productionVariants"][0]
        with checks.reading(f"endpoint config {name}"):
            config = sagemaker.describe_endpoint_config(EndpointConfigName=name)
            variants = config["ProductionVariants"]
            got = variants[0]
            checks.equal(f"endpoint config {name}: one variant", len(variants), 1)
            checks.equal(
                f"endpoint config {name}: variant and model",
                [got["VariantName"], got["ModelName"]],
                [outputs["variantName"], outputs["modelName"]],
            )
            if "serverlessConfig" in want:
                serverless = want["serverlessConfig"]
                checks.equal(
                    f"endpoint config {name}: serverless memory/concurrency",
                    got.get("ServerlessConfig"),
                    {
                        "MemorySizeInMB": _int(serverless["memorySizeInMb"]),
                        "MaxConcurrency": _int(serverless["maxConcurrency"]),
                    },
                )
            else:
                checks.equal(
                    f"endpoint config {name}: instance type/count",
                    [got.get("InstanceType"), got.get("InitialInstanceCount")],
                    [want["instanceType"], _int(want["initialInstanceCount"])],
                )
            if declared.inputs.get("kmsKeyArn"):
                checks.equal(f"endpoint config {name}: volume KMS key", config.get("KmsKeyId"), outputs["kmsKeyArn"])
            capture = declared.inputs.get("dataCaptureConfig")
            if capture:
                got_capture = config.get("DataCaptureConfig", {})
                checks.equal(
                    f"endpoint config {name}: data capture",
                    [
                        got_capture.get("InitialSamplingPercentage"),
                        got_capture.get("DestinationS3Uri"),
                        got_capture.get("KmsKeyId"),
                    ],
                    [
                        _int(capture["initialSamplingPercentage"]),
                        f"s3://{outputs['captureBucket']}/capture",
                        outputs["kmsKeyArn"],
                    ],
                )


def _model(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    outputs = report.outputs
    name = str(outputs["modelName"])
    with checks.reading(f"model {name}"):
        model = client("sagemaker").describe_model(ModelName=name)
        container = model["PrimaryContainer"]
        checks.equal(
            f"model {name}: image, artifact, role",
            [container["Image"], container["ModelDataUrl"], model["ExecutionRoleArn"]],
            [outputs["servingImage"], outputs["modelDataUrl"], outputs["executionRoleArn"]],
        )
        bucket, key = _s3_location(str(container["ModelDataUrl"]))
        head = client("s3").head_object(Bucket=bucket, Key=key)
        checks.add(
            f"model {name}: artifact object exists", True, f"s3://{bucket}/{key} ({head['ContentLength']} bytes)"
        )


def _autoscaling(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    scaling = client("application-autoscaling")
    resource_id = f"endpoint/{report.outputs['endpointName']}/variant/{report.outputs['variantName']}"
    for declared in _declared(report, "aws:appautoscaling/target:Target"):
        with checks.reading(f"scalable target {resource_id}"):
            targets = scaling.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[resource_id])
            got = [(t["ScalableDimension"], t["MinCapacity"], t["MaxCapacity"]) for t in targets["ScalableTargets"]]
            want = [
                (
                    declared.inputs["scalableDimension"],
                    _int(declared.inputs["minCapacity"]),
                    _int(declared.inputs["maxCapacity"]),
                )
            ]
            checks.equal(f"scalable target {resource_id}: dimension, min, max", got, want)
    for declared in _declared(report, "aws:appautoscaling/policy:Policy"):
        name = str(declared.state["name"])
        with checks.reading(f"scaling policy {name}"):
            policies = scaling.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=resource_id)
            found = [p for p in policies["ScalingPolicies"] if p["PolicyName"] == name]
            config = found[0]["TargetTrackingScalingPolicyConfiguration"]
            want_config = declared.inputs["targetTrackingScalingPolicyConfiguration"]
            checks.equal(
                f"scaling policy {name}: target tracking on the endpoint variant",
                [
                    found[0]["ResourceId"],
                    found[0]["ScalableDimension"],
                    found[0]["PolicyType"],
                    config["PredefinedMetricSpecification"]["PredefinedMetricType"],
                    config["TargetValue"],
                ],
                [
                    resource_id,
                    declared.inputs["scalableDimension"],
                    "TargetTrackingScaling",
                    want_config["predefinedMetricSpecification"]["predefinedMetricType"],
                    want_config["targetValue"],
                ],
            )


def _alarms(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    cloudwatch = client("cloudwatch")
    endpoint, variant = report.outputs["endpointName"], report.outputs["variantName"]
    schedules = [
        str(s.inputs["name"]) for s in _declared(report, "aws:sagemaker/monitoringSchedule:MonitoringSchedule")
    ]
    declared = _declared(report, "aws:cloudwatch/metricAlarm:MetricAlarm")
    names = sorted(str(a.state["name"]) for a in declared)
    found: dict[str, dict[str, Any]] = {}
    with checks.reading("metric alarms"):
        for start in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
            answer = cloudwatch.describe_alarms(AlarmNames=names[start : start + 100], AlarmTypes=["MetricAlarm"])
            found.update({a["AlarmName"]: a for a in answer["MetricAlarms"]})
    for alarm in sorted(declared, key=lambda a: str(a.state["name"])):
        name = str(alarm.state["name"])
        got = found.get(name)
        if got is None:
            checks.add(f"alarm {name}", False, "not found in CloudWatch")
            continue
        if got.get("Metrics"):
            # The data-drift alarm: metric math over Model Monitor's per-feature metrics.
            dims = [_dimensions(m["MetricStat"]["Metric"]["Dimensions"]) for m in got["Metrics"] if "MetricStat" in m]
            declared_metrics = [q for q in alarm.inputs.get("metricQueries") or [] if q.get("metric")]
            checks.equal(
                f"alarm {name}: {'/'.join(DRIFT_DIMENSIONS)} dimensions",
                {
                    "metrics": len(dims),
                    "dimensions": [dict(t) for t in sorted({tuple(sorted(d.items())) for d in dims})],
                },
                {
                    "metrics": len(declared_metrics),
                    "dimensions": [{"Endpoint": endpoint, "MonitoringSchedule": schedule} for schedule in schedules],
                },
            )
        else:
            checks.equal(
                f"alarm {name}: {'/'.join(ENDPOINT_DIMENSIONS)} dimensions",
                _dimensions(got.get("Dimensions", [])),
                {"EndpointName": endpoint, "VariantName": variant},
            )
        checks.equal(
            f"alarm {name}: actions",
            sorted(got.get("AlarmActions", [])),
            sorted(alarm.inputs.get("alarmActions") or []),
        )
    for composite in _declared(report, "aws:cloudwatch/compositeAlarm:CompositeAlarm"):
        # The composite itself is validated, not emulated (moto lacks PutCompositeAlarm): check that
        # every alarm its rule names exists, as CloudWatch requires when it is created.
        referenced = sorted(set(re.findall(r'ALARM\("([^"]+)"\)', str(composite.inputs["alarmRule"]))))
        missing = [n for n in referenced if n not in found]
        checks.add(
            f"composite alarm {composite.state['alarmName']}: rule names existing alarms",
            bool(referenced) and not missing,
            f"missing: {missing}" if missing else f"{len(referenced)} alarms referenced, all present",
        )
    for endpoint_resource in _declared(report, "aws:sagemaker/endpoint:Endpoint"):
        rollback = (endpoint_resource.inputs.get("deploymentConfig") or {}).get("autoRollbackConfiguration") or {}
        referenced = sorted(str(a["alarmName"]) for a in rollback.get("alarms", []))
        if not referenced:
            continue
        missing = [n for n in referenced if n not in found]
        checks.add(
            f"endpoint {endpoint}: auto-rollback alarms exist",
            not missing,
            f"missing: {missing}" if missing else ", ".join(referenced),
        )


def _buckets(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    s3 = client("s3")
    outputs = report.outputs
    log_bucket = str(outputs["logBucket"])
    lifecycle_rules = {
        str(r.inputs["bucket"]): len(r.inputs["rules"])
        for r in _declared(report, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    }
    logging_targets = {
        str(r.inputs["bucket"]): (str(r.inputs["targetBucket"]), str(r.inputs["targetPrefix"]))
        for r in _declared(report, "aws:s3/bucketLogging:BucketLogging")
    }
    for output in ("artifactBucket", "captureBucket", "logBucket"):
        bucket = str(outputs[output])
        kms = output != "logBucket"
        with checks.reading(f"bucket {bucket}: encryption"):
            rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
            default = rule["ApplyServerSideEncryptionByDefault"]
            if kms:
                checks.equal(
                    f"bucket {bucket}: SSE-KMS with the project key",
                    [default["SSEAlgorithm"], default.get("KMSMasterKeyID"), rule.get("BucketKeyEnabled")],
                    ["aws:kms", outputs["kmsKeyArn"], True],
                )
            else:
                # S3 delivers server access logs only to SSE-S3 (AES256) buckets.
                checks.equal(f"bucket {bucket}: SSE-S3 (AES256)", default["SSEAlgorithm"], "AES256")
        with checks.reading(f"bucket {bucket}: versioning"):
            checks.equal(
                f"bucket {bucket}: versioning", s3.get_bucket_versioning(Bucket=bucket).get("Status"), "Enabled"
            )
        with checks.reading(f"bucket {bucket}: public access block"):
            block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
            checks.equal(
                f"bucket {bucket}: public access blocked",
                block,
                {
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        with checks.reading(f"bucket {bucket}: ownership"):
            rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
            checks.equal(
                f"bucket {bucket}: ACLs disabled", [r["ObjectOwnership"] for r in rules], ["BucketOwnerEnforced"]
            )
        with checks.reading(f"bucket {bucket}: TLS-only policy"):
            statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
            tls = [
                s
                for s in statements
                if s.get("Effect") == "Deny"
                and (s.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
            ]
            checks.add(
                f"bucket {bucket}: TLS-only policy", len(tls) == 1, f"{len(statements)} statements, {len(tls)} TLS deny"
            )
        with checks.reading(f"bucket {bucket}: lifecycle"):
            rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
            checks.equal(
                f"bucket {bucket}: lifecycle rules enabled",
                [r["Status"] for r in rules],
                ["Enabled"] * lifecycle_rules.get(bucket, 0),
            )
        if bucket != log_bucket:
            with checks.reading(f"bucket {bucket}: access logging"):
                enabled = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled", {})
                checks.equal(
                    f"bucket {bucket}: access logs to the log bucket",
                    (enabled.get("TargetBucket"), enabled.get("TargetPrefix")),
                    logging_targets.get(bucket),
                )


def _objects(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    s3 = client("s3")
    for declared in _declared(report, "aws:s3/bucketObjectv2:BucketObjectv2"):
        bucket, key = str(declared.inputs["bucket"]), str(declared.inputs["key"])
        source = declared.inputs["source"]
        path = Path(str(source.path)) if isinstance(source, pulumi.FileAsset) else None
        with checks.reading(f"object s3://{bucket}/{key}"):
            got = s3.get_object(Bucket=bucket, Key=key)
            body = got["Body"].read()
            want = _sha256(path.read_bytes()) if path else None
            checks.equal(f"object {key}: bytes equal {path.name if path else '?'} (sha256)", _sha256(body), want)
            checks.equal(
                f"object {key}: SSE-KMS with the project key",
                [got.get("ServerSideEncryption"), got.get("SSEKMSKeyId")],
                ["aws:kms", report.outputs["kmsKeyArn"]],
            )


def _role(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    iam = client("iam")
    role_name = str(report.outputs["executionRoleArn"]).rsplit("/", 1)[-1]
    with checks.reading(f"role {role_name}"):
        role = iam.get_role(RoleName=role_name)["Role"]
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        principals = [s.get("Principal", {}).get("Service") for s in trust["Statement"] if s.get("Effect") == "Allow"]
        checks.equal(f"role {role_name}: trusted by SageMaker only", principals, [SAGEMAKER_PRINCIPAL])
        declared = _declared(report, "aws:iam/rolePolicy:RolePolicy")
        names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        checks.equal(
            f"role {role_name}: inline policies", sorted(names), sorted(str(p.state["name"]) for p in declared)
        )
        for policy in declared:
            document = iam.get_role_policy(RoleName=role_name, PolicyName=str(policy.state["name"]))["PolicyDocument"]
            document = json.loads(document) if isinstance(document, str) else document
            checks.equal(
                f"role {role_name}: policy {policy.state['name']} as declared",
                document,
                json.loads(str(policy.inputs["policy"])),
            )
        attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
        checks.equal(f"role {role_name}: no managed policies", attached, [])


def _key(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    kms = client("kms")
    key_arn = str(report.outputs["kmsKeyArn"])
    with checks.reading("kms key"):
        metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
        rotation = kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"]
        checks.equal(
            f"kms key {metadata['KeyId']}: enabled, rotating", [metadata["KeyState"], rotation], ["Enabled", True]
        )
        aliases = kms.list_aliases(KeyId=metadata["KeyId"])["Aliases"]
        declared = sorted(str(a.inputs["name"]) for a in _declared(report, "aws:kms/alias:Alias"))
        checks.equal(f"kms key {metadata['KeyId']}: aliases", sorted(a["AliasName"] for a in aliases), declared)


def _topics(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    sns = client("sns")
    subscriptions = _declared(report, "aws:sns/topicSubscription:TopicSubscription")
    for topic in _declared(report, "aws:sns/topic:Topic"):
        arn = str(topic.state["arn"])
        name = arn.rsplit(":", 1)[-1]
        with checks.reading(f"topic {name}"):
            attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
            checks.equal(
                f"topic {name}: encrypted with the project key",
                attributes.get("KmsMasterKeyId"),
                report.outputs["kmsKeyArn"],
            )
            sids = sorted(s.get("Sid", "") for s in json.loads(attributes["Policy"])["Statement"])
            checks.equal(f"topic {name}: policy", sids, ["AllowCloudWatchAlarmsOfThisAccount", "DenyPublishWithoutTLS"])
            got = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
            want = sorted(
                (str(s.inputs["protocol"]), str(s.inputs["endpoint"]))
                for s in subscriptions
                if s.inputs["topic"] == arn
            )
            checks.equal(f"topic {name}: subscriptions", sorted((s["Protocol"], s["Endpoint"]) for s in got), want)


def _dashboard(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    name = str(report.outputs["dashboardName"])
    with checks.reading(f"dashboard {name}"):
        body = json.loads(client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
        text = json.dumps(body)
        widgets = len(body.get("widgets", []))
        endpoint = str(report.outputs["endpointName"])
        checks.add(f"dashboard {name}: widgets on the endpoint", widgets > 0 and endpoint in text, f"{widgets} widgets")


def _data_quality(report: RehearsalReport, client: ClientFactory, checks: _Checks) -> None:
    sagemaker, s3 = client("sagemaker"), client("s3")
    for declared in _declared(report, "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition"):
        name = str(declared.state["name"])
        with checks.reading(f"data-quality job {name}"):
            job = sagemaker.describe_data_quality_job_definition(JobDefinitionName=name)
            checks.equal(
                f"data-quality job {name}: endpoint and role",
                [job["DataQualityJobInput"]["EndpointInput"]["EndpointName"], job["RoleArn"]],
                [report.outputs["endpointName"], report.outputs["executionRoleArn"]],
            )
            baseline = job["DataQualityBaselineConfig"]
            for part in ("ConstraintsResource", "StatisticsResource"):
                bucket, key = _s3_location(str(baseline[part]["S3Uri"]))
                size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
                checks.add(f"data-quality job {name}: baseline {key.rsplit('/', 1)[-1]} exists", True, f"{size} bytes")
    for schedule in _declared(report, "aws:sagemaker/monitoringSchedule:MonitoringSchedule"):
        # The schedule is validated, not emulated (moto lacks CreateMonitoringSchedule): check that the
        # job definition it names exists, which SageMaker requires when it is created.
        job_name = str(schedule.inputs["monitoringScheduleConfig"]["monitoringJobDefinitionName"])
        with checks.reading(f"monitoring schedule {schedule.inputs['name']}: job definition exists"):
            sagemaker.describe_data_quality_job_definition(JobDefinitionName=job_name)
            checks.add(f"monitoring schedule {schedule.inputs['name']}: job definition exists", True, job_name)
