"""Applications: the HTTP API's routes are authorized in prod, the functions' roles grant exactly their
documented statements, log groups are encrypted and expire, queues are encrypted.

The documented statements are written out here as patterns (Sid, actions, the shape of the resource),
not imported from ``functions.policies``: a rule that reused the builder could not catch its mistakes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from offline import tokens
from policy.controls.base import (
    ENDPOINT_CONFIG,
    IAM_POLICY_DOCUMENTS,
    ROLE,
    Control,
    Resource,
    _document,
    _get,
    _linked,
    _of_type,
    _seq,
    _statements,
    _typed,
)

FUNCTION = tokens.LAMBDA_FUNCTION
ROUTE = tokens.HTTP_API_ROUTE
LOG_GROUP = tokens.LOG_GROUP
QUEUE = tokens.SQS_QUEUE

_ARN = r"arn:aws:{service}:[a-z0-9-]+:\d{{12}}:"
_ENDPOINT = _ARN.format(service="sagemaker") + r"endpoint/[a-z0-9-]+"
_BUCKET = r"arn:aws:s3:::[a-z0-9.-]+"
_KEY = _ARN.format(service="kms") + r"key/[0-9a-f-]+"
_QUEUE = _ARN.format(service="sqs") + r"[A-Za-z0-9_-]+"
_OWN_LOGS = _ARN.format(service="logs") + r"log-group:/aws/lambda/{function}:\*"

# Sid -> (actions, resource pattern; {function} is the function's own name).
Documented = dict[str, tuple[tuple[str, ...], str]]
_SCORING: Documented = {
    "InvokeEndpoint": (("sagemaker:InvokeEndpoint",), _ENDPOINT),
    "ReadIncoming": (
        ("s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion", "s3:GetObjectVersionTagging"),
        _BUCKET + r"/incoming/\*",
    ),
    "MarkIncomingVersions": (("s3:PutObjectTagging", "s3:PutObjectVersionTagging"), _BUCKET + r"/incoming/\*"),
    "WritePredictions": (("s3:AbortMultipartUpload", "s3:PutObject"), _BUCKET + r"/predictions/\*"),
    "WriteErrorReports": (("s3:PutObject",), _BUCKET + r"/incoming/\*\.error\.json"),
    "UseStackKey": (("kms:Decrypt", "kms:GenerateDataKey"), _KEY),
    "SendToDeadLetterQueue": (("sqs:SendMessage",), _QUEUE),
    "WriteOwnLogs": (("logs:CreateLogStream", "logs:PutLogEvents"), _OWN_LOGS),
}
_PREDICT_API: Documented = {
    "InvokeEndpoint": _SCORING["InvokeEndpoint"],
    "WriteOwnLogs": _SCORING["WriteOwnLogs"],
}
_TEXT: Documented = {
    "ReadIncomingText": (("s3:GetObject",), _BUCKET + r"/text/incoming/\*"),
    "WriteTextOutput": (("s3:PutObject",), _BUCKET + r"/text/output/\*"),
    # Comprehend's detect APIs have no resource-level permissions; a job has no ARN before it starts.
    "AnalyseText": (
        (
            "comprehend:BatchDetectDominantLanguage",
            "comprehend:BatchDetectEntities",
            "comprehend:BatchDetectKeyPhrases",
            "comprehend:BatchDetectSentiment",
            "comprehend:StartEntitiesDetectionJob",
            "comprehend:StartKeyPhrasesDetectionJob",
            "comprehend:StartSentimentDetectionJob",
        ),
        r"\*",
    ),
    "PassDataAccessRole": (("iam:PassRole",), r"arn:aws:iam::\d{12}:role/[A-Za-z0-9+=,.@_-]+"),
    "UseStackKey": _SCORING["UseStackKey"],
    "SendToDeadLetterQueue": _SCORING["SendToDeadLetterQueue"],
    "WriteOwnLogs": _SCORING["WriteOwnLogs"],
}
# Sid -> the one Condition a documented statement carries (the others carry none). iam:PassRole goes to
# the service named, as iam-passrole-scoped requires of every PassRole statement.
DOCUMENTED_CONDITIONS: Mapping[str, Mapping[str, Any]] = {
    "PassDataAccessRole": {"StringEquals": {"iam:PassedToService": "comprehend.amazonaws.com"}},
}
# A function's handler decides which documented role it must have.
DOCUMENTED_ROLES: Mapping[str, Documented] = {
    "functions.scoring.handler": _SCORING,
    "functions.http_api.handler": _PREDICT_API,
    "functions.text_analysis.handler": _TEXT,
}


def _environment(resources: Sequence[Resource]) -> set[str]:
    return {str(_get(c.props, "tags", "environment")) for c in _of_type(resources, ENDPOINT_CONFIG)}


def _prod_route_auth(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    if "prod" not in _environment(resources):
        return []
    return [
        (
            route.urn,
            f"route {route.name} ({route.props.get('routeKey')}): authorizationType "
            f"{route.props.get('authorizationType') or 'NONE'} in prod; use JWT or AWS_IAM",
        )
        for route in _of_type(resources, ROUTE)
        if str(route.props.get("authorizationType") or "NONE") == "NONE"
    ]


def _statement_problems(function: str, statement: Mapping[str, Any], documented: Documented) -> list[str]:
    sid = str(statement.get("Sid") or "")
    if sid not in documented:
        return [f"statement {sid or '(no Sid)'} is not documented for this function"]
    actions, pattern = documented[sid]
    problems = []
    condition = DOCUMENTED_CONDITIONS.get(sid)
    keys = {"Sid", "Effect", "Action", "Resource"} | ({"Condition"} if condition is not None else set())
    if statement.get("Effect") != "Allow" or set(statement) - keys:
        problems.append(f"statement {sid} must be a plain Allow of Action on Resource")
    if condition is not None and statement.get("Condition") != condition:
        problems.append(f"statement {sid} has condition {statement.get('Condition')}, documented {dict(condition)}")
    got = tuple(sorted(str(a) for a in _seq(statement.get("Action"))))
    if got != actions:
        problems.append(f"statement {sid} allows {list(got)}, documented {list(actions)}")
    resources = [str(r) for r in _seq(statement.get("Resource"))]
    expected = re.compile(pattern.replace("{function}", re.escape(function)))
    if len(resources) != 1 or not expected.fullmatch(resources[0]):
        problems.append(f"statement {sid} on {resources}, not one resource of the documented shape")
    return problems


def _function_roles(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    violations: list[tuple[str, str]] = []
    roles = _of_type(resources, ROLE)
    policies = [r for r in resources if r.type in IAM_POLICY_DOCUMENTS]
    attachments = [r for r in resources if r.type == tokens.IAM_ROLE_POLICY_ATTACHMENT]
    for function in _of_type(resources, FUNCTION):
        documented = DOCUMENTED_ROLES.get(str(function.props.get("handler")))
        if documented is None:
            continue
        name = str(function.props.get("name"))
        role = next((r for r in roles if _linked(function, "role", r, identities=("arn",))), None)
        if role is None:
            violations.append((function.urn, f"function {name}: its role is not in the stack"))
            continue
        mine = [p for p in policies if _linked(p, "role", role, identities=("id", "name"))]
        attached = [a for a in attachments if _linked(a, "role", role, identities=("id", "name"))]
        if len(mine) != 1 or attached or _seq(role.props.get("managedPolicyArns")):
            violations.append(
                (
                    function.urn,
                    f"function {name}: role {role.name} must have exactly one inline policy and no "
                    f"attached ones (has {len(mine)} inline, {len(attached)} attached)",
                )
            )
            continue
        statements = _statements(_document(mine[0].props.get("policy")))
        problems = [p for s in statements for p in _statement_problems(name, s, documented)]
        sids = sorted(str(s.get("Sid") or "") for s in statements)
        if sids != sorted(documented):
            problems.append(f"statements {sids}, documented {sorted(documented)}")
        violations += [(mine[0].urn, f"function {name}: {p}") for p in problems]
    return violations


def _log_group(type_token: str, props: Mapping[str, Any]) -> list[str]:
    """Every log group of the stack: the functions' and API's, and the SageMaker endpoint's (infra/logs)."""
    problems = []
    if not props.get("kmsKeyId"):
        problems.append("log group is not encrypted with a KMS key (kmsKeyId)")
    retention = props.get("retentionInDays")
    # 0 (or unset) is CloudWatch Logs' "never expire"; a negative period is no retention either.
    if isinstance(retention, bool) or not isinstance(retention, int | float) or retention <= 0:
        problems.append("log group keeps events forever (no retentionInDays)")
    return problems


def _queue(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if not props.get("kmsMasterKeyId"):
        return ["queue is not encrypted with a KMS key (kmsMasterKeyId)"]
    return []


CONTROLS: tuple[Control, ...] = (
    Control(
        "mlops-prod-api-authorization",
        "mlops (ours)",
        "In prod, no API Gateway HTTP API route has authorization NONE (JWT or AWS_IAM only).",
        stack_check=_prod_route_auth,
    ),
    Control(
        "mlops-function-role-documented",
        "mlops (ours), IAM least privilege",
        "The scoring and HTTP API functions' roles have exactly one inline policy whose statements are the "
        "documented ones: the actions listed, each on one resource of the documented shape (the text "
        "function's iam:PassRole only to Comprehend).",
        stack_check=_function_roles,
    ),
    Control(
        "cloudwatch.16-log-group-retention-kms",
        "CloudWatch.16 (retention), KMS encryption",
        "CloudWatch.16: log groups keep events for a set retention period; and (ours) they are encrypted "
        "with a KMS key.",
        resource_check=_typed((LOG_GROUP,), _log_group),
    ),
    Control(
        "sqs.1-queue-encrypted",
        "SQS.1",
        "SQS.1: SQS queues are encrypted at rest, with a KMS key.",
        resource_check=_typed((QUEUE,), _queue),
    ),
)
