"""The real Pulumi program, run per stack file under the recording mocks: the resource graph, exactly.

Mocks prove what the program declares (types, counts, inputs, dependencies, options); they do not prove
AWS accepts it. The emulator rehearsal creates the same resources in moto through botocore for that.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra import policies
from infra.mocks import MOCK_ACCOUNT_ID, Plan, RecordedResource
from tests.infra.conftest import PlanFor
from tests.infra.fakes import write_artifact

STACKS = ("dev", "staging", "prod")
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"

BUCKET_TYPES = {
    "aws:s3/bucket:Bucket": 3,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 3,
    "aws:s3/bucketLogging:BucketLogging": 2,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 3,
    "aws:s3/bucketPolicy:BucketPolicy": 3,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 3,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 3,
    "aws:s3/bucketVersioning:BucketVersioning": 3,
}
COMMON = {
    **BUCKET_TYPES,
    "aws:iam/role:Role": 1,
    "aws:iam/rolePolicy:RolePolicy": 1,
    "aws:kms/alias:Alias": 1,
    "aws:kms/key:Key": 1,
    "aws:sagemaker/endpoint:Endpoint": 1,
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": 1,
    "aws:sagemaker/model:Model": 1,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": 1,
    "aws:cloudwatch/dashboard:Dashboard": 1,
    "mlops:iam:ExecutionRole": 1,
    "mlops:model:ModelRelease": 1,
    "mlops:monitoring:EndpointAlarms": 2,
    "mlops:monitoring:EndpointDashboard": 1,
    "mlops:serving:InferenceEndpoint": 1,
    "mlops:storage:ArtifactStore": 1,
}
REALTIME = {
    "aws:appautoscaling/policy:Policy": 1,
    "aws:appautoscaling/target:Target": 1,
    "mlops:scaling:EndpointAutoscaling": 1,
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": 1,
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule": 1,
    "mlops:monitoring:DataQualityMonitor": 1,
    # The artifact plus the data-quality baseline's statistics and constraints.
    "aws:s3/bucketObjectv2:BucketObjectv2": 3,
}
EXPECTED_COUNTS = {
    "dev": {
        **COMMON,
        "aws:s3/bucketObjectv2:BucketObjectv2": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 6,
        "aws:sns/topic:Topic": 1,
        "aws:sns/topicPolicy:TopicPolicy": 1,
        "mlops:monitoring:Notifications": 1,
    },
    "staging": {
        **COMMON,
        **REALTIME,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 8,
        "aws:sns/topic:Topic": 1,
        "aws:sns/topicPolicy:TopicPolicy": 1,
        "aws:sns/topicSubscription:TopicSubscription": 1,
        "mlops:monitoring:Notifications": 1,
    },
    "prod": {
        **COMMON,
        **REALTIME,
        # The catalogue's 8 for an instance-backed endpoint, + the heartbeat, + the data-drift alarm.
        "aws:cloudwatch/metricAlarm:MetricAlarm": 9,
        "aws:sns/topic:Topic": 2,
        "aws:sns/topicPolicy:TopicPolicy": 2,
        "aws:sns/topicSubscription:TopicSubscription": 2,
        "mlops:monitoring:Notifications": 2,
    },
}


def counts(plan: Plan) -> dict[str, int]:
    result: dict[str, int] = {}
    for resource in plan.resources:
        result[resource.type] = result.get(resource.type, 0) + 1
    return result


def child(plan: Plan, type_token: str, bucket: RecordedResource) -> RecordedResource:
    """The bucket's companion resource of a given type (they reference the bucket by its id)."""
    matches = [r for r in plan.of_type(type_token) if r.inputs.get("bucket") == bucket.id]
    assert len(matches) == 1, f"{type_token} for {bucket.name}: {len(matches)}"
    return matches[0]


@pytest.mark.parametrize("stack", STACKS)
def test_resource_counts_per_type(stack: str, plan_for: PlanFor) -> None:
    assert counts(plan_for(stack)) == EXPECTED_COUNTS[stack]


@pytest.mark.parametrize("stack", STACKS)
def test_every_bucket_is_encrypted_private_versioned_and_tls_only(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    key = plan.one("aws:kms/key:Key")
    buckets = {r.name.rsplit("-", 1)[1]: r for r in plan.of_type("aws:s3/bucket:Bucket")}
    assert sorted(buckets) == ["artifacts", "capture", "logs"]
    for kind, bucket in buckets.items():
        sse = child(
            plan,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            bucket,
        )
        default = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
        if kind == "logs":
            # Server access logs can only be delivered to an SSE-S3 bucket.
            assert default == {"sseAlgorithm": "AES256"}
        else:
            assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.state["arn"]}
            assert sse.inputs["rules"][0]["bucketKeyEnabled"] is True
        pab = child(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket)
        assert {
            k: pab.inputs[k]
            for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        } == {
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        }
        ownership = child(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket)
        assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
        versioning = child(plan, "aws:s3/bucketVersioning:BucketVersioning", bucket)
        assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
        policy = json.loads(child(plan, "aws:s3/bucketPolicy:BucketPolicy", bucket).inputs["policy"])
        assert policy["Statement"][0] == policies.tls_only_statement(bucket.state["arn"])
        lifecycle = child(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket)
        first = lifecycle.inputs["rules"][0]
        assert first["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
        assert first["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
        if kind != "logs":
            logging = child(plan, "aws:s3/bucketLogging:BucketLogging", bucket)
            assert logging.inputs["targetBucket"] == buckets["logs"].id
            assert logging.inputs["targetPrefix"] == f"{bucket.name}/"
            # S3 validates the target's policy when logging is configured: the policy comes first.
            log_policy = child(plan, "aws:s3/bucketPolicy:BucketPolicy", buckets["logs"])
            assert log_policy.urn in logging.dependencies


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("staging", False), ("prod", True)])
def test_prod_data_is_protected_and_retained(stack: str, protected: bool, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    stateful = [*plan.of_type("aws:s3/bucket:Bucket"), plan.one("aws:kms/key:Key")]
    assert [(r.protect, r.retain_on_delete) for r in stateful] == [(protected, protected)] * 4
    assert [r.inputs["forceDestroy"] for r in plan.of_type("aws:s3/bucket:Bucket")] == [not protected] * 3
    assert plan.one("aws:kms/key:Key").inputs["enableKeyRotation"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_iam_documents_exactly(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    role = plan.one("aws:iam/role:Role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == policies.sagemaker_trust_policy(MOCK_ACCOUNT_ID)
    buckets = {r.name.rsplit("-", 1)[1]: r for r in plan.of_type("aws:s3/bucket:Bucket")}
    document = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert document == policies.execution_role_policy(
        account_id=MOCK_ACCOUNT_ID,
        region="us-east-1",
        artifact_bucket_arn=buckets["artifacts"].state["arn"],
        capture_bucket_arn=buckets["capture"].state["arn"],
        kms_key_arn=plan.one("aws:kms/key:Key").state["arn"],
        image_repository_arn="arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
        alarm_name_prefix=f"sagemaker-mlops-{stack}",
    )
    # No managed policies at all, let alone *FullAccess ones.
    assert "managedPolicyArns" not in role.inputs
    assert not [r for r in plan.resources if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"]


@pytest.mark.parametrize(("stack", "isolated"), [("dev", False), ("staging", True), ("prod", True)])
def test_model_container_contract_and_network_isolation(stack: str, isolated: bool, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    model = plan.one("aws:sagemaker/model:Model")
    artifact = plan.one("aws:s3/bucketObjectv2:BucketObjectv2", f"sagemaker-mlops-{stack}-artifact")
    # Serverless inference does not support network isolation; every realtime stack has it on.
    assert model.inputs["enableNetworkIsolation"] is isolated
    assert model.inputs["primaryContainer"] == {
        "image": IMAGE,
        "mode": "SingleModel",
        "modelDataUrl": f"s3://{artifact.inputs['bucket']}/{artifact.inputs['key']}",
        "environment": {
            "SAGEMAKER_PROGRAM": "inference.py",
            "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
            "SAGEMAKER_REGION": "us-east-1",
        },
    }
    assert artifact.inputs["key"].startswith("models/")
    assert artifact.inputs["key"].endswith("/model.tar.gz")
    assert artifact.inputs["serverSideEncryption"] == "aws:kms"
    assert artifact.inputs["source"].path.endswith("model.tar.gz")


@pytest.mark.parametrize("stack", STACKS)
def test_model_and_config_are_auto_named_endpoint_is_stable(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    assert "name" not in plan.one("aws:sagemaker/model:Model").inputs
    assert "name" not in plan.one("aws:sagemaker/endpointConfiguration:EndpointConfiguration").inputs
    assert plan.one("aws:sagemaker/endpoint:Endpoint").inputs["name"] == f"sagemaker-mlops-{stack}"


@pytest.mark.parametrize("stack", STACKS)
def test_dependencies_endpoint_config_model_role(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    model = plan.one("aws:sagemaker/model:Model")
    config = plan.one("aws:sagemaker/endpointConfiguration:EndpointConfiguration")
    endpoint = plan.one("aws:sagemaker/endpoint:Endpoint")
    assert config.inputs["productionVariants"][0]["modelName"] == model.state["name"]
    assert model.urn in config.dependencies
    assert config.urn in endpoint.dependencies
    assert endpoint.inputs["endpointConfigName"] == config.state["name"]
    # The model waits for the role's inline policy: SageMaker checks it can read the artifact.
    assert plan.one("aws:iam/rolePolicy:RolePolicy").urn in model.dependencies
    # The endpoint's auto-rollback names alarms that must already exist.
    rollback = [
        a.urn for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if (a.parent or "").endswith("-rollback")
    ]
    assert len(rollback) == 2
    assert set(rollback) <= set(endpoint.dependencies)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_autoscaling_target_and_policy(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    target = plan.one("aws:appautoscaling/target:Target")
    policy = plan.one("aws:appautoscaling/policy:Policy")
    endpoint = plan.one("aws:sagemaker/endpoint:Endpoint")
    expected = {"staging": (2, 3, 300), "prod": (2, 6, 600)}[stack]
    assert {
        k: target.inputs[k]
        for k in ("serviceNamespace", "scalableDimension", "resourceId", "minCapacity", "maxCapacity")
    } == {
        "serviceNamespace": "sagemaker",
        "scalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "resourceId": f"endpoint/sagemaker-mlops-{stack}/variant/primary",
        "minCapacity": expected[0],
        "maxCapacity": expected[1],
    }
    assert endpoint.urn in target.dependencies
    assert target.urn in policy.dependencies
    assert policy.inputs["policyType"] == "TargetTrackingScaling"
    assert policy.inputs["resourceId"] == target.inputs["resourceId"]
    assert policy.inputs["targetTrackingScalingPolicyConfiguration"] == {
        "targetValue": 600.0,
        "predefinedMetricSpecification": {"predefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        "scaleInCooldown": expected[2],
        "scaleOutCooldown": 60,
    }


def test_dev_has_no_autoscaling(plan_for: PlanFor) -> None:
    assert plan_for("dev").of_type("aws:appautoscaling/target:Target") == []


def test_dev_variant_is_serverless_without_capture_or_volume_key(plan_for: PlanFor) -> None:
    config = plan_for("dev").one("aws:sagemaker/endpointConfiguration:EndpointConfiguration")
    assert config.inputs["productionVariants"] == [
        {
            "variantName": "primary",
            "modelName": plan_for("dev").one("aws:sagemaker/model:Model").state["name"],
            "serverlessConfig": {"memorySizeInMb": 2048, "maxConcurrency": 5},
        }
    ]
    assert "dataCaptureConfig" not in config.inputs
    assert "kmsKeyArn" not in config.inputs


@pytest.mark.parametrize(
    ("stack", "instance_type", "count", "capture"),
    [("staging", "ml.m5.large", 2, 50), ("prod", "ml.m5.xlarge", 2, 20)],
)
def test_realtime_variant_capture_and_key(
    stack: str, instance_type: str, count: int, capture: int, plan_for: PlanFor
) -> None:
    plan = plan_for(stack)
    config = plan.one("aws:sagemaker/endpointConfiguration:EndpointConfiguration")
    key_arn = plan.one("aws:kms/key:Key").state["arn"]
    capture_bucket = next(b for b in plan.of_type("aws:s3/bucket:Bucket") if b.name.endswith("-capture"))
    variant = config.inputs["productionVariants"][0]
    assert variant["instanceType"] == instance_type
    assert variant["initialInstanceCount"] == count >= 2
    assert variant["initialVariantWeight"] == 1.0
    assert variant["containerStartupHealthCheckTimeoutInSeconds"] == 600
    assert config.inputs["kmsKeyArn"] == key_arn
    assert config.inputs["dataCaptureConfig"] == {
        "enableCapture": True,
        "initialSamplingPercentage": capture,
        "destinationS3Uri": f"s3://{capture_bucket.state['bucket']}/capture",
        "kmsKeyId": key_arn,
        "captureOptions": [{"captureMode": "Input"}, {"captureMode": "Output"}],
        "captureContentTypeHeader": {
            "csvContentTypes": ["text/csv"],
            "jsonContentTypes": ["application/json"],
        },
    }


@pytest.mark.parametrize(
    ("stack", "routing"),
    [
        ("dev", {"type": "ALL_AT_ONCE", "waitIntervalInSeconds": 0}),
        (
            "staging",
            {
                "type": "CANARY",
                "waitIntervalInSeconds": 300,
                "canarySize": {"type": "CAPACITY_PERCENT", "value": 50},
            },
        ),
        (
            "prod",
            {
                "type": "CANARY",
                "waitIntervalInSeconds": 600,
                "canarySize": {"type": "CAPACITY_PERCENT", "value": 25},
            },
        ),
    ],
)
def test_deployment_config_per_stack(stack: str, routing: dict[str, object], plan_for: PlanFor) -> None:
    endpoint = plan_for(stack).one("aws:sagemaker/endpoint:Endpoint")
    waits = {"dev": (0, 3600), "staging": (120, 3600), "prod": (600, 7200)}[stack]
    assert endpoint.inputs["deploymentConfig"] == {
        "blueGreenUpdatePolicy": {
            "trafficRoutingConfiguration": routing,
            "terminationWaitInSeconds": waits[0],
            "maximumExecutionTimeoutInSeconds": waits[1],
        },
        "autoRollbackConfiguration": {
            "alarms": [
                {"alarmName": f"sagemaker-mlops-{stack}-5xx-error-rate"},
                {"alarmName": f"sagemaker-mlops-{stack}-model-latency-p99"},
            ]
        },
    }


def test_linear_rollout_override(plan_for: PlanFor) -> None:
    plan = plan_for("prod", **{"mlops:rollout": {"strategy": "linear", "trafficPercent": 20, "waitSeconds": 120}})
    routing = plan.one("aws:sagemaker/endpoint:Endpoint").inputs["deploymentConfig"]["blueGreenUpdatePolicy"][
        "trafficRoutingConfiguration"
    ]
    assert routing == {
        "type": "LINEAR",
        "waitIntervalInSeconds": 120,
        "linearStepSize": {"type": "CAPACITY_PERCENT", "value": 20},
    }


@pytest.mark.parametrize("stack", STACKS)
def test_stack_outputs(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    outputs = plan.outputs
    endpoint = plan.one("aws:sagemaker/endpoint:Endpoint")
    assert sorted(outputs) == [
        "alarmNamePrefix",
        "alarmTopicArn",
        "artifactBucket",
        "captureBucket",
        "dashboardName",
        "deployerPolicy",
        "endpointArn",
        "endpointConfigName",
        "endpointName",
        "executionRoleArn",
        "invokeCommand",
        "kmsKeyArn",
        "logBucket",
        "modelDataUrl",
        "modelName",
        "region",
        "rollbackAlarmNames",
        "servingImage",
        "variantName",
    ]
    assert outputs["endpointName"] == f"sagemaker-mlops-{stack}"
    assert outputs["endpointArn"] == endpoint.state["arn"]
    assert outputs["region"] == "us-east-1"
    assert outputs["alarmNamePrefix"] == f"sagemaker-mlops-{stack}-"
    assert json.loads(outputs["deployerPolicy"]) == policies.deployer_policy(
        account_id=MOCK_ACCOUNT_ID,
        region="us-east-1",
        endpoint_name=f"sagemaker-mlops-{stack}",
        execution_role_arn=outputs["executionRoleArn"],
    )
    assert outputs["servingImage"] == IMAGE
    assert outputs["executionRoleArn"] == plan.one("aws:iam/role:Role").state["arn"]
    assert outputs["invokeCommand"].startswith(
        f"aws sagemaker-runtime invoke-endpoint --region us-east-1 --endpoint-name sagemaker-mlops-{stack} "
    )


def test_new_artifact_replaces_model_and_config_not_endpoint(plan_for: PlanFor, tmp_path: Path) -> None:
    """Mocks model auto-naming as a hash of inputs: a changed input gives a new physical name, as a
    replacement does in a real deployment (where Pulumi appends a random suffix instead)."""
    before = plan_for("prod")
    retrained = write_artifact(tmp_path / "retrained", payload=b"a different model")
    after = plan_for("prod", **{"mlops:artifact": str(retrained)})

    def names(plan: Plan) -> tuple[str, str, str, str]:
        return (
            plan.one("aws:sagemaker/model:Model").state["name"],
            plan.one("aws:sagemaker/endpointConfiguration:EndpointConfiguration").state["name"],
            plan.one("aws:sagemaker/endpoint:Endpoint").state["name"],
            plan.outputs["modelDataUrl"],
        )

    model0, config0, endpoint0, url0 = names(before)
    model1, config1, endpoint1, url1 = names(after)
    assert model1 != model0
    assert config1 != config0
    assert url1 != url0
    assert endpoint1 == endpoint0 == "sagemaker-mlops-prod"
    # Everything stateful keeps its logical identity (URN), so nothing else is replaced.
    assert sorted(r.urn for r in before.resources) == sorted(r.urn for r in after.resources)
