"""The IaC scanner's findings, answered in the graph: bucket notifications, the endpoint's log group and
the project key's grant to CloudWatch Logs, per stack.

The mocks prove what the program declares; they do not prove S3 delivers events to EventBridge or that
SageMaker writes into the pre-created log group (AWS does both by name; the emulator rehearsal creates
the same resources in moto).
"""

from __future__ import annotations

import json

import pytest

from offline import tokens
from offline.fakes import FAKE_ACCOUNT_ID
from tests.infra.conftest import PlanFor

STACKS = ("dev", "staging", "prod")
RETENTION = {"dev": 30, "staging": 90, "prod": 365}


@pytest.mark.parametrize("stack", STACKS)
def test_capture_and_log_buckets_send_events_to_eventbridge(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    prefix = f"sagemaker-mlops-{stack}"
    notifications = {
        n.name: (n.inputs["bucket"], n.inputs["eventbridge"])
        for n in plan.of_type(tokens.S3_BUCKET_NOTIFICATION)
        if "region" not in n.inputs  # prod's replicas: tests/infra/test_replication.py
    }
    buckets = {b.name: b.id for b in plan.of_type(tokens.S3_BUCKET)}
    assert notifications == {
        f"{prefix}-capture-notifications": (buckets[f"{prefix}-capture"], True),
        f"{prefix}-logs-notifications": (buckets[f"{prefix}-logs"], True),
        # The artifact bucket's one notification configuration is the scoring application's, which turns
        # EventBridge on too (tests/infra/test_applications.py checks its function configurations).
        f"{prefix}-scoring-notification": (buckets[f"{prefix}-artifacts"], True),
    }


@pytest.mark.parametrize("stack", STACKS)
def test_endpoint_log_group_exists_before_the_endpoint(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    # The stack's other log groups are the functions' and the API's (tests/infra/test_applications.py).
    group = plan.one(tokens.LOG_GROUP, f"sagemaker-mlops-{stack}-logs-endpoint")
    key = plan.one(tokens.KMS_KEY, f"sagemaker-mlops-{stack}-key")
    endpoint = plan.one(tokens.SAGEMAKER_ENDPOINT)
    assert group.name == f"sagemaker-mlops-{stack}-logs-endpoint"
    assert group.inputs["name"] == f"/aws/sagemaker/Endpoints/{endpoint.inputs['name']}"
    assert group.inputs["retentionInDays"] == RETENTION[stack]
    assert group.inputs["kmsKeyId"] == key.state["arn"]
    # The key policy grants CloudWatch Logs before the log group names the key.
    assert key.urn in group.dependencies
    assert group.urn in endpoint.dependencies


def test_retention_comes_from_config(plan_for: PlanFor) -> None:
    plan = plan_for("staging", **{"mlops:logs": json.dumps({"retentionDays": 14})})
    assert plan.one(tokens.LOG_GROUP, "sagemaker-mlops-staging-logs-endpoint").inputs["retentionInDays"] == 14


@pytest.mark.parametrize("stack", STACKS)
def test_key_policy_grants_cloudwatch_logs_of_this_account_and_region(stack: str, plan_for: PlanFor) -> None:
    policy = json.loads(plan_for(stack).one(tokens.KMS_KEY, f"sagemaker-mlops-{stack}-key").inputs["policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [
        "AccountAdministersKeyThroughIam",
        "CloudWatchAlarmsPublishToEncryptedTopic",
        "EventBridgeRulesPublishToEncryptedTopic",
        "CloudWatchLogsEncryptLogGroups",
    ]
    logs = policy["Statement"][3]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{FAKE_ACCOUNT_ID}:log-group:*"}
    }
