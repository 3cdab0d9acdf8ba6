"""IAM and KMS controls: no *FullAccess, no Action "*", the confused-deputy guard on SageMaker's trust, KMS.4."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy.controls.base import (
    IAM_POLICY_DOCUMENTS,
    KMS_KEY,
    POLICY_ATTACHMENTS,
    ROLE,
    Control,
    _document,
    _get,
    _seq,
    _statements,
    _typed,
)


def _full_access(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if type_token == ROLE:
        arns = _seq(props.get("managedPolicyArns"))
    else:
        arns = _seq(props.get(POLICY_ATTACHMENTS[type_token]))
    return [f"attaches the AWS managed policy {arn}" for arn in arns if str(arn).endswith("FullAccess")]


def _allows_every_action(document: Mapping[str, Any] | None) -> bool:
    return any(
        s.get("Effect") == "Allow" and any(a in ("*", "*:*") for a in _seq(s.get("Action")))
        for s in _statements(document)
    )


def _wildcard_action(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if type_token == ROLE:
        documents = [_document(_get(p, "policy")) for p in _seq(props.get("inlinePolicies"))]
    else:
        documents = [_document(props.get(IAM_POLICY_DOCUMENTS[type_token]))]
    return ['a statement allows Action "*"'] if any(_allows_every_action(d) for d in documents) else []


def _passrole_problems(document: Mapping[str, Any] | None) -> list[str]:
    problems = []
    for statement in _statements(document):
        actions = _seq(statement.get("Action"))
        if statement.get("Effect") != "Allow" or not any(a in ("iam:PassRole", "iam:*") for a in actions):
            continue
        sid = statement.get("Sid") or "a statement"
        if any("*" in str(r) for r in _seq(statement.get("Resource"))):
            problems.append(f"{sid} allows iam:PassRole on a wildcard resource; name the one role it passes")
        conditions = statement.get("Condition")
        operators = conditions.values() if isinstance(conditions, Mapping) else []
        if not any(isinstance(o, Mapping) and "iam:PassedToService" in o for o in operators):
            problems.append(f"{sid} allows iam:PassRole without an iam:PassedToService condition")
    return problems


def _passrole_scoped(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if type_token == ROLE:
        documents = [_document(_get(p, "policy")) for p in _seq(props.get("inlinePolicies"))]
    else:
        documents = [_document(props.get(IAM_POLICY_DOCUMENTS[type_token]))]
    return [problem for d in documents for problem in _passrole_problems(d)]


def _trust_source_account(type_token: str, props: Mapping[str, Any]) -> list[str]:
    problems = []
    for statement in _statements(_document(props.get("assumeRolePolicy"))):
        services = _seq(_get(statement, "Principal", "Service"))
        if statement.get("Effect") != "Allow" or "sagemaker.amazonaws.com" not in services:
            continue
        conditions = statement.get("Condition")
        operators = conditions.values() if isinstance(conditions, Mapping) else []
        if not any(isinstance(o, Mapping) and "aws:SourceAccount" in o for o in operators):
            problems.append("trusts sagemaker.amazonaws.com without an aws:SourceAccount condition (confused deputy)")
    return problems


def _key_rotation(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if props.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return []  # KMS rotates only symmetric encryption keys
    return [] if props.get("enableKeyRotation") is True else ["enableKeyRotation is not true"]


CONTROLS: tuple[Control, ...] = (
    Control(
        "iam-no-full-access-policies",
        "IAM least privilege (no *FullAccess)",
        "No role, user or group attaches an AWS managed *FullAccess policy (e.g. AmazonSageMakerFullAccess).",
        resource_check=_typed((ROLE, *POLICY_ATTACHMENTS), _full_access),
    ),
    Control(
        "iam-no-wildcard-action",
        'IAM.1-style (no Action "*")',
        'No IAM policy statement allows every action (Action "*").',
        resource_check=_typed((ROLE, *IAM_POLICY_DOCUMENTS), _wildcard_action),
    ),
    Control(
        "iam-passrole-scoped",
        "IAM PassRole scoping",
        "iam:PassRole names the roles it passes (no wildcard) and the service they go to (iam:PassedToService).",
        resource_check=_typed((ROLE, *IAM_POLICY_DOCUMENTS), _passrole_scoped),
    ),
    Control(
        "iam-sagemaker-trust-source-account",
        "IAM confused-deputy guard",
        "Roles SageMaker may assume restrict the trust to this account with an aws:SourceAccount condition.",
        resource_check=_typed((ROLE,), _trust_source_account),
    ),
    Control(
        "kms.4-key-rotation",
        "KMS.4",
        "KMS.4: automatic rotation is enabled on symmetric customer-managed keys.",
        resource_check=_typed((KMS_KEY,), _key_rotation),
    ),
)
