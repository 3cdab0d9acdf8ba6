"""IAM: roles and their inline policies."""

from __future__ import annotations

import json
from typing import Any

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, emulated
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params

SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"


def iam_role(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    params = api_params(
        "iam",
        "CreateRole",
        r.inputs,
        where=r.where,
        renames={"name": "RoleName", "assumeRolePolicy": "AssumeRolePolicyDocument"},
        provider_only={"forceDetachPolicies": "the provider detaches policies before DeleteRole"},
    )
    params["RoleName"] = name
    response = emulated(gw.send("iam", "CreateRole", params, r.where), r, "iam:CreateRole")
    role = response["Role"]
    return name, r.state(name=name, arn=str(role["Arn"]), uniqueId=str(role["RoleId"]))


def iam_role_policy(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    params = api_params(
        "iam",
        "PutRolePolicy",
        r.inputs,
        where=r.where,
        renames={"name": "PolicyName", "role": "RoleName", "policy": "PolicyDocument"},
    )
    params["PolicyName"] = name
    gw.send("iam", "PutRolePolicy", params, r.where)
    return f"{params['RoleName']}:{name}", r.state(name=name)


def _role(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    """Every role of the stack (the execution role first) with exactly its own inline policies."""
    iam = client("iam")
    execution = str(report.outputs["executionRoleArn"]).rsplit("/", 1)[-1]
    roles = sorted((str(r.id) for r in resources_of(report, tokens.IAM_ROLE)), key=lambda n: n != execution)
    for role_name in roles:
        _one_role(iam, role_name, report, checks)


def _one_role(iam: Any, role_name: str, report: RehearsalReport, checks: Checks) -> None:
    with checks.reading(f"role {role_name}"):
        role = iam.get_role(RoleName=role_name)["Role"]
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        principals = [s.get("Principal", {}).get("Service") for s in trust["Statement"] if s.get("Effect") == "Allow"]
        declared_role = next(r for r in resources_of(report, tokens.IAM_ROLE) if str(r.id) == role_name)
        declared_trust = json.loads(str(declared_role.inputs["assumeRolePolicy"]))
        service = [
            s.get("Principal", {}).get("Service") for s in declared_trust["Statement"] if s.get("Effect") == "Allow"
        ]
        # The hosting and notebook roles trust SageMaker; the replication role S3.
        label = "SageMaker" if service == [SAGEMAKER_PRINCIPAL] else ", ".join(map(str, service))
        checks.equal(f"role {role_name}: trusted by {label} only", principals, service)
        declared = [p for p in resources_of(report, tokens.IAM_ROLE_POLICY) if p.inputs.get("role") == role_name]
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


HANDLERS: dict[str, Handler] = {tokens.IAM_ROLE: iam_role, tokens.IAM_ROLE_POLICY: iam_role_policy}

CHECKS: tuple[Verifier, ...] = (_role,)
