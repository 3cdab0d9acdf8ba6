"""Mutated-graph cases for the controls of the security findings, the network, the notebook and
replication: each entry is (policy, stack, ((resource name, mutation or None to remove), ...), expected).

``tests/policy/test_controls.py`` runs them with its own cases, so every control keeps a case that fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Mutation = Callable[[dict[str, Any]], None]
P, S, D = "sagemaker-mlops-prod", "sagemaker-mlops-staging", "sagemaker-mlops-dev"


def put(key: str, value: Any) -> Mutation:
    def change(props: dict[str, Any]) -> None:
        props[key] = value

    return change


def drop(key: str) -> Mutation:
    def change(props: dict[str, Any]) -> None:
        del props[key]

    return change


FINDINGS_CASES: list[tuple[str, str, tuple[tuple[str, Mutation | None], ...], tuple[tuple[str, str, str], ...]]] = [
    (
        "cloudwatch-log-group-kms-retention",
        "prod",
        ((f"{P}-logs-endpoint", drop("kmsKeyId")),),
        (
            (
                "cloudwatch-log-group-kms-retention",
                f"{P}-logs-endpoint",
                "kmsKeyId is not set: log events are encrypted with a key the account does not control",
            ),
        ),
    ),
    (
        "cloudwatch-log-group-kms-retention",
        "dev",
        ((f"{D}-logs-endpoint", put("retentionInDays", 0)),),
        (
            (
                "cloudwatch-log-group-kms-retention",
                f"{D}-logs-endpoint",
                "retentionInDays is not set: log events are kept forever",
            ),
        ),
    ),
    (
        "sagemaker-endpoint-log-group",
        "staging",
        ((f"{S}-logs-endpoint", None),),
        (
            (
                "sagemaker-endpoint-log-group",
                f"{S}-endpoint",
                f"endpoint {S}-endpoint: no log group /aws/sagemaker/Endpoints/{S} in the stack; SageMaker would "
                "create it with no retention and no customer managed key",
            ),
        ),
    ),
]
