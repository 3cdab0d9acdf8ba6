"""Prod's capture and log buckets replicated to a second region, in the graph, exactly.

The mocks prove the declared replicas, key, role and rules; moto proves S3 accepts the configuration
(the rehearsal); neither proves objects arrive in the other region, which only AWS does.
"""

from __future__ import annotations

import json

import pytest

from infra.storage import documents
from offline import tokens
from tests.infra.conftest import PlanFor

P = "sagemaker-mlops-prod"


def test_prod_replicas_live_in_the_second_region_encrypted_with_its_key(plan_for: PlanFor) -> None:
    plan = plan_for("prod")
    replica_key = plan.one(tokens.KMS_KEY, f"{P}-replica-key")
    assert (replica_key.inputs["region"], replica_key.inputs["enableKeyRotation"], replica_key.protect) == (
        "us-west-2",
        True,
        True,
    )
    replicas = {b.name: b for b in plan.of_type(tokens.S3_BUCKET) if "region" in b.inputs}
    assert sorted(replicas) == [f"{P}-capture-replica", f"{P}-logs-replica"]
    for bucket in replicas.values():
        assert bucket.inputs["region"] == "us-west-2"
        versioning = next(v for v in plan.of_type(tokens.S3_BUCKET_VERSIONING) if v.inputs["bucket"] == bucket.id)
        assert (versioning.inputs["region"], versioning.inputs["versioningConfiguration"]) == (
            "us-west-2",
            {"status": "Enabled"},
        )
    encryption = {
        e.inputs["bucket"]: e.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
        for e in plan.of_type(tokens.S3_BUCKET_ENCRYPTION)
    }
    assert encryption[replicas[f"{P}-capture-replica"].id] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": replica_key.state["arn"],
    }
    # The log replica receives the capture replica's access logs: SSE-S3, as S3 logging requires.
    assert encryption[replicas[f"{P}-logs-replica"].id] == {"sseAlgorithm": "AES256"}


def test_replication_rules_and_order(plan_for: PlanFor) -> None:
    plan = plan_for("prod")
    buckets = {b.name: b for b in plan.of_type(tokens.S3_BUCKET)}
    role = plan.one(tokens.IAM_ROLE, f"{P}-replication-role")
    replica_key = plan.one(tokens.KMS_KEY, f"{P}-replica-key")
    configs = {c.name: c for c in plan.of_type(tokens.S3_BUCKET_REPLICATION)}
    assert sorted(configs) == [f"{P}-capture-replication", f"{P}-logs-replication"]
    capture = configs[f"{P}-capture-replication"]
    assert capture.inputs["bucket"] == buckets[f"{P}-capture"].id
    assert capture.inputs["role"] == role.state["arn"]
    assert capture.inputs["rules"] == [
        {
            "id": "replicate-everything",
            "status": "Enabled",
            "priority": 1,
            "filter": {"prefix": ""},
            "deleteMarkerReplication": {"status": "Enabled"},
            "sourceSelectionCriteria": {"sseKmsEncryptedObjects": {"status": "Enabled"}},
            "destination": {
                "bucket": buckets[f"{P}-capture-replica"].state["arn"],
                "storageClass": "STANDARD",
                "encryptionConfiguration": {"replicaKmsKeyId": replica_key.state["arn"]},
            },
        }
    ]
    logs_rule = configs[f"{P}-logs-replication"].inputs["rules"][0]
    assert "sourceSelectionCriteria" not in logs_rule
    assert logs_rule["destination"] == {"bucket": buckets[f"{P}-logs-replica"].state["arn"], "storageClass": "STANDARD"}
    # S3 refuses the configuration until both buckets are versioned and the role's policy exists.
    versioning = {v.inputs["bucket"]: v.urn for v in plan.of_type(tokens.S3_BUCKET_VERSIONING)}
    policy = plan.one(tokens.IAM_ROLE_POLICY, f"{P}-replication-policy")
    assert {versioning[buckets[f"{P}-capture"].id], versioning[buckets[f"{P}-capture-replica"].id], policy.urn} <= set(
        capture.dependencies
    )


def test_replication_role_is_least_privilege(plan_for: PlanFor) -> None:
    plan = plan_for("prod")
    arn = {b.name: b.state["arn"] for b in plan.of_type(tokens.S3_BUCKET)}
    role = plan.one(tokens.IAM_ROLE, f"{P}-replication-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}
    policy = json.loads(plan.one(tokens.IAM_ROLE_POLICY, f"{P}-replication-policy").inputs["policy"])
    assert policy == documents.replication_role_policy(
        sources=[arn[f"{P}-capture"], arn[f"{P}-logs"]],
        destinations=[arn[f"{P}-capture-replica"], arn[f"{P}-logs-replica"]],
        source_key_arn=plan.one(tokens.KMS_KEY, f"{P}-key").state["arn"],
        replica_key_arn=plan.one(tokens.KMS_KEY, f"{P}-replica-key").state["arn"],
        source_region="us-east-1",
        replica_region="us-west-2",
    )
    kms = [s for s in policy["Statement"] if s["Sid"].endswith("ThroughS3")]
    assert [s["Condition"]["StringEquals"]["kms:ViaService"] for s in kms] == [
        "s3.us-east-1.amazonaws.com",
        "s3.us-west-2.amazonaws.com",
    ]


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_other_stacks_do_not_replicate(stack: str, plan_for: PlanFor) -> None:
    assert plan_for(stack).of_type(tokens.S3_BUCKET_REPLICATION) == []


def test_replication_is_switchable_and_its_region_configurable(plan_for: PlanFor) -> None:
    off = plan_for("prod", **{"mlops:replication": json.dumps({"enabled": False})})
    assert off.of_type(tokens.S3_BUCKET_REPLICATION) == []
    elsewhere = plan_for("prod", **{"mlops:replication": json.dumps({"region": "eu-west-1"})})
    assert elsewhere.one(tokens.KMS_KEY, f"{P}-replica-key").inputs["region"] == "eu-west-1"
