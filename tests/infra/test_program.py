"""The real Pulumi program, run per stack file under the recording mocks: the resource graph, exactly.

Mocks prove what the program declares (types, counts, inputs, dependencies, options); they do not prove
AWS accepts it. The emulator rehearsal creates the same resources in moto through botocore for that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from infra.iam import documents as iam_documents
from infra.iam import training_documents
from infra.storage import documents as storage_documents
from offline import tokens
from offline.fakes import FAKE_ACCOUNT_ID
from offline.graph import Plan, RecordedResource
from tests.infra.conftest import PlanFor
from tests.infra.fakes import write_artifact

STACKS = ("dev", "staging", "prod")
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"


def combine(*features: Mapping[str, int]) -> dict[str, int]:
    """A stack's counts per type: each feature's dict holds only what that feature adds, so they sum
    (a spread like ``{**A, **B}`` would let B's count of a shared type replace A's instead of adding to it)."""
    result: dict[str, int] = {}
    for feature in features:
        for type_token, n in feature.items():
            result[type_token] = result.get(type_token, 0) + n
    return result


# The artifact, capture and log buckets, each with its companions (the log bucket logs nowhere).
BUCKET_TYPES = {
    tokens.S3_BUCKET: 3,
    tokens.S3_BUCKET_LIFECYCLE: 3,
    tokens.S3_BUCKET_LOGGING: 2,
    tokens.S3_OWNERSHIP_CONTROLS: 3,
    tokens.S3_BUCKET_POLICY: 3,
    tokens.S3_PUBLIC_ACCESS_BLOCK: 3,
    tokens.S3_BUCKET_ENCRYPTION: 3,
    tokens.S3_BUCKET_VERSIONING: 3,
}
# Every stack: the store and its key, the hosting role, the released model (its artifact object), the
# endpoint, its dashboard, composite alarm and the notify topic.
CORE = {
    **BUCKET_TYPES,
    tokens.KMS_KEY: 1,
    tokens.KMS_ALIAS: 1,
    tokens.IAM_ROLE: 1,
    tokens.IAM_ROLE_POLICY: 1,
    tokens.S3_OBJECT: 1,
    tokens.SAGEMAKER_ENDPOINT: 1,
    tokens.SAGEMAKER_ENDPOINT_CONFIG: 1,
    tokens.SAGEMAKER_MODEL: 1,
    tokens.COMPOSITE_ALARM: 1,
    tokens.DASHBOARD: 1,
    tokens.SNS_TOPIC: 1,
    tokens.SNS_TOPIC_POLICY: 1,
    "mlops:iam:ExecutionRole": 1,
    "mlops:model:ModelRelease": 1,
    "mlops:monitoring:EndpointAlarms": 2,
    "mlops:monitoring:EndpointDashboard": 1,
    "mlops:monitoring:Notifications": 1,
    "mlops:serving:InferenceEndpoint": 1,
    "mlops:storage:ArtifactStore": 1,
}
# The endpoint's alarm catalogue (mlops:monitoring:EndpointAlarms): the 2 rollback alarms + 4 for a
# serverless endpoint, + 5 for an instance-backed one, + prod's no-invocations heartbeat.
ENDPOINT_ALARMS = {"dev": 2 + 4, "staging": 2 + 5, "prod": 2 + 5 + 1}
# The training role and its policy (training/publish.py's jobs run as it).
TRAINING = {tokens.IAM_ROLE: 1, tokens.IAM_ROLE_POLICY: 1, "mlops:iam:TrainingRole": 1}
# The model registry: its package group, and the rule with its target that report approval decisions.
REGISTRY = {
    tokens.SAGEMAKER_MODEL_PACKAGE_GROUP: 1,
    tokens.EVENT_RULE: 1,
    tokens.EVENT_TARGET: 1,
    "mlops:registry:ModelRegistry": 1,
}
# The scanner's findings: the endpoint's log group, the capture and log buckets' EventBridge notifications.
FINDINGS = {
    tokens.LOG_GROUP: 1,
    tokens.S3_BUCKET_NOTIFICATION: 2,
    "mlops:logs:ServiceLogGroups": 1,
}
# The scoring function and the HTTP API (tests/infra/test_applications.py asserts their inputs): two
# functions with their roles, policies and log groups, the API's access log group, and the artifact
# bucket's one notification configuration.
APPLICATIONS = {
    tokens.LAMBDA_FUNCTION: 2,
    tokens.LAMBDA_PERMISSION: 2,
    tokens.LAMBDA_EVENT_INVOKE_CONFIG: 1,
    tokens.IAM_ROLE: 2,
    tokens.IAM_ROLE_POLICY: 2,
    tokens.S3_BUCKET_NOTIFICATION: 1,
    tokens.SQS_QUEUE: 1,
    tokens.LOG_GROUP: 3,
    tokens.HTTP_API: 1,
    tokens.HTTP_API_INTEGRATION: 1,
    tokens.HTTP_API_ROUTE: 1,
    tokens.HTTP_API_STAGE: 1,
    "mlops:applications:ScoringFunction": 1,
    "mlops:applications:HttpApi": 1,
    "mlops:applications:LambdaFunction": 2,
}
# Errors and throttles of both functions, the queue's depth, the API's 5xx and latency.
APPLICATION_ALARMS = 7
# staging and prod: a JWT authorizer in front of the route (dev's route is AWS_IAM).
JWT = {tokens.HTTP_API_AUTHORIZER: 1}
# A realtime endpoint: its autoscaling, and the data-quality monitor with its baseline's statistics and
# constraints (two objects beside the artifact) and its drift alarm.
REALTIME = {
    tokens.SCALING_POLICY: 1,
    tokens.SCALABLE_TARGET: 1,
    "mlops:scaling:EndpointAutoscaling": 1,
    tokens.SAGEMAKER_DATA_QUALITY_JOB: 1,
    tokens.SAGEMAKER_MONITORING_SCHEDULE: 1,
    "mlops:monitoring:DataQualityMonitor": 1,
    tokens.S3_OBJECT: 2,
    tokens.METRIC_ALARM: 1,
}
# mlops:text (on by default in staging and prod): the recognizer, its data-access role and policy, the
# two training files (documents, annotations), and the text-analysis function (a LambdaFunction block with
# its role, policy, log group, queue, async config, permission and 3 alarms; its notification is an
# entry in the artifact bucket's one configuration, not a resource).
TEXT = {
    tokens.COMPREHEND_ENTITY_RECOGNIZER: 1,
    tokens.IAM_ROLE: 2,
    tokens.IAM_ROLE_POLICY: 2,
    tokens.S3_OBJECT: 2,
    tokens.LAMBDA_FUNCTION: 1,
    tokens.LAMBDA_PERMISSION: 1,
    tokens.LAMBDA_EVENT_INVOKE_CONFIG: 1,
    tokens.SQS_QUEUE: 1,
    tokens.LOG_GROUP: 1,
    tokens.METRIC_ALARM: 3,
    "mlops:applications:LambdaFunction": 1,
    "mlops:text:EntityRecognition": 1,
    "mlops:text:TextAnalysisFunction": 1,
}
NETWORK = {
    tokens.EC2_VPC: 1,
    tokens.EC2_SUBNET: 2,
    tokens.EC2_ROUTE_TABLE: 1,
    tokens.EC2_ROUTE_TABLE_ASSOCIATION: 2,
    tokens.EC2_SECURITY_GROUP: 2,
    tokens.VPC_INGRESS_RULE: 2,
    tokens.VPC_EGRESS_RULE: 3,
    # S3 (gateway) + SageMaker API and runtime, STS, CloudWatch Logs, ECR API and Docker (interface).
    tokens.EC2_VPC_ENDPOINT: 7,
    "mlops:network:Network": 1,
}
# The notebook, its lifecycle script, its role and policy, and the walkthrough uploaded for it.
NOTEBOOK = {
    tokens.SAGEMAKER_NOTEBOOK: 1,
    tokens.SAGEMAKER_NOTEBOOK_LIFECYCLE: 1,
    tokens.IAM_ROLE: 1,
    tokens.IAM_ROLE_POLICY: 1,
    tokens.S3_OBJECT: 1,
    "mlops:notebook:NotebookWorkspace": 1,
}
# prod: the capture and log buckets' replicas in the second region (each bucket with its 7 companions
# less logging of the log replica) and their EventBridge notifications, the replica key and alias, the
# replication role and its policy, one replication configuration per source bucket.
REPLICAS = {
    **{t: 2 for t in BUCKET_TYPES},
    tokens.S3_BUCKET_LOGGING: 1,
    tokens.S3_BUCKET_NOTIFICATION: 2,
    tokens.S3_BUCKET_REPLICATION: 2,
    tokens.KMS_KEY: 1,
    tokens.KMS_ALIAS: 1,
    tokens.IAM_ROLE: 1,
    tokens.IAM_ROLE_POLICY: 1,
}
# The notify topic's e-mail subscription (staging and prod), and prod's page topic with its HTTPS one.
EMAIL = {tokens.SNS_SUBSCRIPTION: 1}
PAGE = {
    tokens.SNS_TOPIC: 1,
    tokens.SNS_TOPIC_POLICY: 1,
    tokens.SNS_SUBSCRIPTION: 1,
    "mlops:monitoring:Notifications": 1,
}
EVERY_STACK = (CORE, TRAINING, REGISTRY, FINDINGS, APPLICATIONS, {tokens.METRIC_ALARM: APPLICATION_ALARMS})
EXPECTED_COUNTS = {
    "dev": combine(*EVERY_STACK, {tokens.METRIC_ALARM: ENDPOINT_ALARMS["dev"]}, NETWORK, NOTEBOOK),
    "staging": combine(*EVERY_STACK, {tokens.METRIC_ALARM: ENDPOINT_ALARMS["staging"]}, JWT, REALTIME, TEXT, EMAIL),
    "prod": combine(
        *EVERY_STACK, {tokens.METRIC_ALARM: ENDPOINT_ALARMS["prod"]}, JWT, REALTIME, TEXT, EMAIL, PAGE, REPLICAS
    ),
}
# tests/emulator/test_rehearsal.py spreads this over its prod base: prod's counts of the types replication adds to.
REPLICATION = {t: EXPECTED_COUNTS["prod"][t] for t in REPLICAS}


def counts(plan: Plan) -> dict[str, int]:
    result: dict[str, int] = {}
    for resource in plan.resources:
        result[resource.type] = result.get(resource.type, 0) + 1
    return result


def primary_buckets(plan: Plan) -> list[RecordedResource]:
    """The stack's three buckets, without prod's replicas in the second region (tests/infra/test_replication.py)."""
    return [b for b in plan.of_type(tokens.S3_BUCKET) if "region" not in b.inputs]


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
    key = plan.one(tokens.KMS_KEY, f"sagemaker-mlops-{stack}-key")
    buckets = {r.name.rsplit("-", 1)[1]: r for r in primary_buckets(plan)}
    assert sorted(buckets) == ["artifacts", "capture", "logs"]
    for kind, bucket in buckets.items():
        sse = child(
            plan,
            tokens.S3_BUCKET_ENCRYPTION,
            bucket,
        )
        default = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
        if kind == "logs":
            # Server access logs can only be delivered to an SSE-S3 bucket.
            assert default == {"sseAlgorithm": "AES256"}
        else:
            assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.state["arn"]}
            assert sse.inputs["rules"][0]["bucketKeyEnabled"] is True
        pab = child(plan, tokens.S3_PUBLIC_ACCESS_BLOCK, bucket)
        assert {
            k: pab.inputs[k]
            for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        } == {
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        }
        ownership = child(plan, tokens.S3_OWNERSHIP_CONTROLS, bucket)
        assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
        versioning = child(plan, tokens.S3_BUCKET_VERSIONING, bucket)
        assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
        policy = json.loads(child(plan, tokens.S3_BUCKET_POLICY, bucket).inputs["policy"])
        assert policy["Statement"][0] == storage_documents.tls_only_statement(bucket.state["arn"])
        lifecycle = child(plan, tokens.S3_BUCKET_LIFECYCLE, bucket)
        first = lifecycle.inputs["rules"][0]
        assert first["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
        assert first["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
        if kind != "logs":
            logging = child(plan, tokens.S3_BUCKET_LOGGING, bucket)
            assert logging.inputs["targetBucket"] == buckets["logs"].id
            assert logging.inputs["targetPrefix"] == f"{bucket.name}/"
            # S3 validates the target's policy when logging is configured: the policy comes first.
            log_policy = child(plan, tokens.S3_BUCKET_POLICY, buckets["logs"])
            assert log_policy.urn in logging.dependencies


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("staging", False), ("prod", True)])
def test_prod_data_is_protected_and_retained(stack: str, protected: bool, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    stateful = [*primary_buckets(plan), plan.one(tokens.KMS_KEY, f"sagemaker-mlops-{stack}-key")]
    assert [(r.protect, r.retain_on_delete) for r in stateful] == [(protected, protected)] * 4
    assert [r.inputs["forceDestroy"] for r in primary_buckets(plan)] == [not protected] * 3
    assert plan.one(tokens.KMS_KEY, f"sagemaker-mlops-{stack}-key").inputs["enableKeyRotation"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_iam_documents_exactly(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    role = plan.one(tokens.IAM_ROLE, f"sagemaker-mlops-{stack}-execution-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == iam_documents.sagemaker_trust_policy(FAKE_ACCOUNT_ID)
    buckets = {r.name.rsplit("-", 1)[1]: r for r in primary_buckets(plan)}
    document = json.loads(
        plan.one(tokens.IAM_ROLE_POLICY, f"sagemaker-mlops-{stack}-execution-policy").inputs["policy"]
    )
    assert document == iam_documents.execution_role_policy(
        account_id=FAKE_ACCOUNT_ID,
        region="us-east-1",
        artifact_bucket_arn=buckets["artifacts"].state["arn"],
        capture_bucket_arn=buckets["capture"].state["arn"],
        kms_key_arn=plan.one(tokens.KMS_KEY, f"sagemaker-mlops-{stack}-key").state["arn"],
        image_repository_arn="arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
        alarm_name_prefix=f"sagemaker-mlops-{stack}",
    )
    # No managed policies at all, let alone *FullAccess ones.
    assert "managedPolicyArns" not in role.inputs
    assert not [r for r in plan.resources if r.type == tokens.IAM_ROLE_POLICY_ATTACHMENT]


@pytest.mark.parametrize("stack", STACKS)
def test_training_role_and_launcher_policy_exactly(stack: str, plan_for: PlanFor) -> None:
    """The training role is its own role (not the hosting one), its policy and the exported launcher policy
    are exactly the documents' functions of the stack's ARNs. Cannot prove SageMaker runs a job with it."""
    plan = plan_for(stack)
    role = plan.one(tokens.IAM_ROLE, f"sagemaker-mlops-{stack}-training-role")
    assert role.parent is not None
    assert role.parent.endswith(f"mlops:iam:TrainingRole::sagemaker-mlops-{stack}-training")
    assert json.loads(role.inputs["assumeRolePolicy"]) == iam_documents.sagemaker_trust_policy(FAKE_ACCOUNT_ID)
    assert "managedPolicyArns" not in role.inputs
    policy = plan.one(tokens.IAM_ROLE_POLICY, f"sagemaker-mlops-{stack}-training-policy")
    assert policy.inputs["role"] == role.state["name"]
    artifacts = next(r for r in plan.of_type(tokens.S3_BUCKET) if r.name.endswith("-artifacts"))
    key_arn = plan.one(tokens.KMS_KEY, f"sagemaker-mlops-{stack}-key").state["arn"]
    assert json.loads(policy.inputs["policy"]) == training_documents.training_role_policy(
        account_id=FAKE_ACCOUNT_ID,
        region="us-east-1",
        artifact_bucket_arn=artifacts.state["arn"],
        kms_key_arn=key_arn,
        image_repository_arn="arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
        role_arn=role.state["arn"],
    )
    outputs = plan.outputs
    assert outputs["trainingRoleArn"] == role.state["arn"]
    assert outputs["trainingRoleArn"] != outputs["executionRoleArn"]
    assert outputs["trainingJobPrefix"] == f"sagemaker-mlops-{stack}"
    assert outputs["trainingOutputUri"] == f"s3://{artifacts.state['bucket']}/training-output/"
    assert json.loads(outputs["launcherPolicy"]) == training_documents.launcher_policy(
        account_id=FAKE_ACCOUNT_ID,
        region="us-east-1",
        job_name_prefix=f"sagemaker-mlops-{stack}",
        artifact_bucket_arn=artifacts.state["arn"],
        kms_key_arn=key_arn,
        training_role_arn=role.state["arn"],
    )


@pytest.mark.parametrize(("stack", "isolated"), [("dev", False), ("staging", True), ("prod", True)])
def test_model_container_contract_and_network_isolation(stack: str, isolated: bool, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    model = plan.one(tokens.SAGEMAKER_MODEL)
    artifact = plan.one(tokens.S3_OBJECT, f"sagemaker-mlops-{stack}-artifact")
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
    assert "name" not in plan.one(tokens.SAGEMAKER_MODEL).inputs
    assert "name" not in plan.one(tokens.SAGEMAKER_ENDPOINT_CONFIG).inputs
    assert plan.one(tokens.SAGEMAKER_ENDPOINT).inputs["name"] == f"sagemaker-mlops-{stack}"


@pytest.mark.parametrize("stack", STACKS)
def test_dependencies_endpoint_config_model_role(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    model = plan.one(tokens.SAGEMAKER_MODEL)
    config = plan.one(tokens.SAGEMAKER_ENDPOINT_CONFIG)
    endpoint = plan.one(tokens.SAGEMAKER_ENDPOINT)
    assert config.inputs["productionVariants"][0]["modelName"] == model.state["name"]
    assert model.urn in config.dependencies
    assert config.urn in endpoint.dependencies
    assert endpoint.inputs["endpointConfigName"] == config.state["name"]
    # The model waits for the role's inline policy: SageMaker checks it can read the artifact.
    assert plan.one(tokens.IAM_ROLE_POLICY, f"sagemaker-mlops-{stack}-execution-policy").urn in model.dependencies
    # The endpoint's auto-rollback names alarms that must already exist.
    rollback = [a.urn for a in plan.of_type(tokens.METRIC_ALARM) if (a.parent or "").endswith("-rollback")]
    assert len(rollback) == 2
    assert set(rollback) <= set(endpoint.dependencies)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_autoscaling_target_and_policy(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    target = plan.one(tokens.SCALABLE_TARGET)
    policy = plan.one(tokens.SCALING_POLICY)
    endpoint = plan.one(tokens.SAGEMAKER_ENDPOINT)
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
    assert plan_for("dev").of_type(tokens.SCALABLE_TARGET) == []


def test_dev_variant_is_serverless_without_capture_or_volume_key(plan_for: PlanFor) -> None:
    config = plan_for("dev").one(tokens.SAGEMAKER_ENDPOINT_CONFIG)
    assert config.inputs["productionVariants"] == [
        {
            "variantName": "primary",
            "modelName": plan_for("dev").one(tokens.SAGEMAKER_MODEL).state["name"],
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
    config = plan.one(tokens.SAGEMAKER_ENDPOINT_CONFIG)
    key_arn = plan.one(tokens.KMS_KEY, f"sagemaker-mlops-{stack}-key").state["arn"]
    capture_bucket = next(b for b in primary_buckets(plan) if b.name.endswith("-capture"))
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
    endpoint = plan_for(stack).one(tokens.SAGEMAKER_ENDPOINT)
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
    routing = plan.one(tokens.SAGEMAKER_ENDPOINT).inputs["deploymentConfig"]["blueGreenUpdatePolicy"][
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
    endpoint = plan.one(tokens.SAGEMAKER_ENDPOINT)
    # dev's network and notebook add their ids (training jobs and the notebook's users read them).
    extra = ["networkSecurityGroupIds", "networkSubnetIds", "notebookName", "notebookRoleArn"] if stack == "dev" else []
    assert sorted(set(outputs) - set(extra)) == [
        "alarmNamePrefix",
        "alarmTopicArn",
        "artifactBucket",
        "captureBucket",
        "dashboardName",
        "deployerPolicy",
        "endpointArn",
        "endpointConfigName",
        "endpointName",
        "endpointType",
        "executionRoleArn",
        "invokeCommand",
        "kmsKeyArn",
        "launcherPolicy",
        "logBucket",
        "modelDataUrl",
        "modelName",
        "modelPackageGroupArn",
        "modelPackageGroupName",
        "predictFunctionName",
        "predictUrl",
        "region",
        "rollbackAlarmNames",
        "scoringDeadLetterQueueUrl",
        "scoringFunctionName",
        "servingImage",
        *(
            ["textDataAccessRoleArn", "textDeadLetterQueueUrl", "textDeployerPolicy", "textFunctionName"]
            if stack != "dev"
            else []
        ),
        *(["textRecognizerArn"] if stack != "dev" else []),
        "trainingJobPrefix",
        "trainingOutputUri",
        "trainingRoleArn",
        "variantName",
    ]
    assert outputs["endpointName"] == f"sagemaker-mlops-{stack}"
    assert outputs["endpointArn"] == endpoint.state["arn"]
    assert outputs["region"] == "us-east-1"
    assert outputs["alarmNamePrefix"] == f"sagemaker-mlops-{stack}-"
    assert json.loads(outputs["deployerPolicy"]) == iam_documents.deployer_policy(
        account_id=FAKE_ACCOUNT_ID,
        region="us-east-1",
        endpoint_name=f"sagemaker-mlops-{stack}",
        execution_role_arn=outputs["executionRoleArn"],
        function_role_arns=[
            plan.one(tokens.IAM_ROLE, f"sagemaker-mlops-{stack}-scoring-function-role").state["arn"],
            plan.one(tokens.IAM_ROLE, f"sagemaker-mlops-{stack}-api-function-role").state["arn"],
            # The text-analysis function's (mlops:text, on in staging and prod).
            *(
                [plan.one(tokens.IAM_ROLE, f"sagemaker-mlops-{stack}-text-analysis-function-role").state["arn"]]
                if stack != "dev"
                else []
            ),
        ],
    )
    assert outputs["servingImage"] == IMAGE
    assert (
        outputs["executionRoleArn"] == plan.one(tokens.IAM_ROLE, f"sagemaker-mlops-{stack}-execution-role").state["arn"]
    )
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
            plan.one(tokens.SAGEMAKER_MODEL).state["name"],
            plan.one(tokens.SAGEMAKER_ENDPOINT_CONFIG).state["name"],
            plan.one(tokens.SAGEMAKER_ENDPOINT).state["name"],
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
