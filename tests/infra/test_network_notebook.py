"""The private network and the notebook in the graph: dev creates both by default, staging and prod
neither; a network the user brings is validated and wired into the realtime model.

The mocks prove what the program declares; they do not prove EC2 accepts the endpoints or that the
notebook starts (the rehearsal creates the network and the notebook in moto; no AWS account is used).
"""

from __future__ import annotations

import base64
import json

import pytest

from infra.notebook import documents as notebook_documents
from offline import tokens
from offline.fakes import FAKE_ACCOUNT_ID
from offline.graph import Plan
from tests.infra.conftest import PlanFor

D = "sagemaker-mlops-dev"
EXISTING = {
    "mode": "existing",
    "vpcId": "vpc-0abc12345def67890",
    "subnetIds": ["subnet-0aaa1111bbb22222c", "subnet-0ddd3333eee44444f"],
    "securityGroupIds": ["sg-0123456789abcdef0"],
}


def _by_name(plan: Plan, type_token: str) -> dict[str, dict[str, object]]:
    return {r.name: r.inputs for r in plan.of_type(type_token)}


def test_dev_network_is_private_in_two_zones_with_the_endpoints_sagemaker_needs(plan_for: PlanFor) -> None:
    plan = plan_for("dev")
    vpc = plan.one(tokens.EC2_VPC)
    assert (vpc.inputs["cidrBlock"], vpc.inputs["enableDnsSupport"], vpc.inputs["enableDnsHostnames"]) == (
        "10.42.0.0/16",
        True,
        True,
    )
    subnets = {r.name: (r.inputs["cidrBlock"], r.inputs["availabilityZone"]) for r in plan.of_type(tokens.EC2_SUBNET)}
    assert subnets == {
        f"{D}-network-private-0": ("10.42.0.0/20", "us-east-1a"),
        f"{D}-network-private-1": ("10.42.16.0/20", "us-east-1b"),
    }
    endpoints = {r.inputs["serviceName"]: r.inputs["vpcEndpointType"] for r in plan.of_type(tokens.EC2_VPC_ENDPOINT)}
    assert endpoints == {
        "com.amazonaws.us-east-1.s3": "Gateway",
        "com.amazonaws.us-east-1.sagemaker.api": "Interface",
        "com.amazonaws.us-east-1.sagemaker.runtime": "Interface",
        "com.amazonaws.us-east-1.sts": "Interface",
        "com.amazonaws.us-east-1.logs": "Interface",
        "com.amazonaws.us-east-1.ecr.api": "Interface",
        "com.amazonaws.us-east-1.ecr.dkr": "Interface",
    }
    subnet_ids = sorted(r.id for r in plan.of_type(tokens.EC2_SUBNET))
    endpoints_sg = plan.one(tokens.EC2_SECURITY_GROUP, f"{D}-network-endpoints")
    for endpoint in plan.of_type(tokens.EC2_VPC_ENDPOINT):
        if endpoint.inputs["vpcEndpointType"] == "Interface":
            assert endpoint.inputs["privateDnsEnabled"] is True
            assert sorted(endpoint.inputs["subnetIds"]) == subnet_ids
            assert endpoint.inputs["securityGroupIds"] == [endpoints_sg.id]
        else:
            assert endpoint.inputs["routeTableIds"] == [plan.one(tokens.EC2_ROUTE_TABLE).id]
    # No internet or NAT gateway, no route but the VPC's local one: nothing leaves except through endpoints.
    assert not [r for r in plan.resources if "internetGateway" in r.type or "natGateway" in r.type]
    assert "routes" not in plan.one(tokens.EC2_ROUTE_TABLE).inputs


def test_no_security_group_rule_admits_the_internet(plan_for: PlanFor) -> None:
    plan = plan_for("dev")
    workloads = plan.one(tokens.EC2_SECURITY_GROUP, f"{D}-network-workloads").id
    endpoints = plan.one(tokens.EC2_SECURITY_GROUP, f"{D}-network-endpoints").id
    ingress = {
        n: (
            i["securityGroupId"],
            i["ipProtocol"],
            i.get("fromPort"),
            i.get("cidrIpv4"),
            i.get("referencedSecurityGroupId"),
        )
        for n, i in _by_name(plan, tokens.VPC_INGRESS_RULE).items()
    }
    assert ingress == {
        f"{D}-network-endpoints-https": (endpoints, "tcp", 443, "10.42.0.0/16", None),
        f"{D}-network-workloads-self": (workloads, "-1", None, None, workloads),
    }
    egress = {
        n: (i["ipProtocol"], i.get("referencedSecurityGroupId"), i.get("prefixListId"))
        for n, i in _by_name(plan, tokens.VPC_EGRESS_RULE).items()
    }
    assert egress == {
        f"{D}-network-workloads-self-out": ("-1", workloads, None),
        f"{D}-network-workloads-endpoints": ("tcp", endpoints, None),
        f"{D}-network-workloads-s3": ("tcp", None, "pl-63a5400a"),
    }


def test_dev_notebook_is_hardened_and_stops_itself(plan_for: PlanFor) -> None:
    plan = plan_for("dev")
    notebook = plan.one(tokens.SAGEMAKER_NOTEBOOK)
    lifecycle = plan.one(tokens.SAGEMAKER_NOTEBOOK_LIFECYCLE)
    role = plan.one(tokens.IAM_ROLE, f"{D}-notebook-role")
    subnet = plan.one(tokens.EC2_SUBNET, f"{D}-network-private-0")
    workloads = plan.one(tokens.EC2_SECURITY_GROUP, f"{D}-network-workloads")
    key = plan.one(tokens.KMS_KEY)
    assert {k: v for k, v in notebook.inputs.items() if k != "tags"} == {
        "name": f"{D}-notebook",
        "roleArn": role.state["arn"],
        "instanceType": "ml.t3.medium",
        "volumeSize": 5,
        "platformIdentifier": "notebook-al2023-v1",
        "directInternetAccess": "Disabled",
        "rootAccess": "Disabled",
        "subnetId": subnet.id,
        "securityGroups": [workloads.id],
        "kmsKeyId": key.state["arn"],
        "instanceMetadataServiceConfiguration": {"minimumInstanceMetadataServiceVersion": "2"},
        "lifecycleConfigName": f"{D}-notebook-lifecycle",
    }
    script = base64.b64decode(lifecycle.inputs["onStart"]).decode()
    bucket = plan.one(tokens.S3_BUCKET, f"{D}-artifacts").state["bucket"]
    assert f'"s3://{bucket}/notebooks/" /home/ec2-user/SageMaker/notebooks/' in script
    assert "ExecStart=/usr/bin/python3 /usr/local/lib/mlops/idle_check.py 3600" in script
    assert "systemctl enable --now mlops-idle-check.timer" in script
    assert plan.one(tokens.IAM_ROLE_POLICY, f"{D}-notebook-policy").urn in notebook.dependencies
    # The repository's notebooks are in S3, encrypted with the project key, before the script copies them.
    upload = plan.one(tokens.S3_OBJECT, f"{D}-notebook-walkthrough")
    assert (upload.inputs["key"], upload.inputs["kmsKeyId"]) == ("notebooks/walkthrough.ipynb", key.state["arn"])
    assert upload.urn in notebook.dependencies


def test_idle_time_comes_from_config(plan_for: PlanFor) -> None:
    plan = plan_for("dev", **{"mlops:notebook": json.dumps({"idleMinutes": 15})})
    script = base64.b64decode(plan.one(tokens.SAGEMAKER_NOTEBOOK_LIFECYCLE).inputs["onStart"]).decode()
    assert "idle_check.py 900" in script


def test_notebook_role_policy_is_the_documented_one(plan_for: PlanFor) -> None:
    plan = plan_for("dev")
    policy = json.loads(plan.one(tokens.IAM_ROLE_POLICY, f"{D}-notebook-policy").inputs["policy"])
    assert policy == notebook_documents.notebook_role_policy(
        account_id=FAKE_ACCOUNT_ID,
        region="us-east-1",
        prefix=D,
        artifact_bucket_arn=plan.one(tokens.S3_BUCKET, f"{D}-artifacts").state["arn"],
        kms_key_arn=plan.one(tokens.KMS_KEY).state["arn"],
        endpoint_name=D,
        notebook_name=f"{D}-notebook",
        training_role_arn=plan.one(tokens.IAM_ROLE, f"{D}-training-role").state["arn"],
    )
    assert not [r for r in plan.resources if r.type == tokens.IAM_ROLE_POLICY_ATTACHMENT]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_staging_and_prod_have_no_network_and_no_notebook_by_default(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    assert [r.type for r in plan.resources if r.type.startswith(("aws:ec2/", "aws:vpc/")) or "notebook" in r.type] == []
    assert "vpcConfig" not in plan.one(tokens.SAGEMAKER_MODEL).inputs
    assert not {"networkSubnetIds", "notebookName"} & set(plan.outputs)


def test_prod_notebook_is_allowed_only_when_asked_for(plan_for: PlanFor) -> None:
    plan = plan_for("prod", **{"mlops:network": json.dumps(EXISTING), "mlops:notebook": json.dumps({"enabled": True})})
    notebook = plan.one(tokens.SAGEMAKER_NOTEBOOK)
    assert (notebook.inputs["subnetId"], notebook.inputs["securityGroups"]) == (
        "subnet-0aaa1111bbb22222c",
        ["sg-0123456789abcdef0"],
    )


def test_a_brought_network_reaches_the_realtime_model_and_the_outputs(plan_for: PlanFor) -> None:
    plan = plan_for("staging", **{"mlops:network": json.dumps(EXISTING)})
    # Nothing is created for a network the user brings.
    assert [r.type for r in plan.resources if r.type.startswith(("aws:ec2/", "aws:vpc/"))] == []
    assert plan.one(tokens.SAGEMAKER_MODEL).inputs["vpcConfig"] == {
        "subnets": EXISTING["subnetIds"],
        "securityGroupIds": EXISTING["securityGroupIds"],
    }
    assert plan.outputs["networkSubnetIds"] == EXISTING["subnetIds"]
    assert plan.outputs["networkSecurityGroupIds"] == EXISTING["securityGroupIds"]
    # The execution role's policy (the stack's other roles are the functions', training's and text's).
    role_policy = json.loads(
        plan.one(tokens.IAM_ROLE_POLICY, "sagemaker-mlops-staging-execution-policy").inputs["policy"]
    )
    assert role_policy["Statement"][-1]["Sid"] == "AttachModelContainersToTheStacksSubnets"


def test_serverless_dev_model_stays_out_of_the_vpc(plan_for: PlanFor) -> None:
    """Serverless inference does not support a VPC configuration: dev's network serves the notebook only."""
    plan = plan_for("dev")
    assert "vpcConfig" not in plan.one(tokens.SAGEMAKER_MODEL).inputs
    assert sorted(plan.outputs["networkSubnetIds"]) == sorted(r.id for r in plan.of_type(tokens.EC2_SUBNET))
