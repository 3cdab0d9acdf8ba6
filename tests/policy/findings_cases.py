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
    (
        "sagemaker.1-notebook-no-direct-internet",
        "dev",
        ((f"{D}-notebook-instance", put("directInternetAccess", "Enabled")),),
        (
            (
                "sagemaker.1-notebook-no-direct-internet",
                f"{D}-notebook-instance",
                "directInternetAccess is Enabled, not Disabled",
            ),
        ),
    ),
    (
        "sagemaker.2-notebook-in-vpc",
        "dev",
        ((f"{D}-notebook-instance", drop("subnetId")),),
        (
            (
                "sagemaker.2-notebook-in-vpc",
                f"{D}-notebook-instance",
                "subnetId is not set: the notebook is not in a VPC",
            ),
        ),
    ),
    (
        "sagemaker.3-notebook-no-root",
        "dev",
        ((f"{D}-notebook-instance", drop("rootAccess")),),
        (("sagemaker.3-notebook-no-root", f"{D}-notebook-instance", "rootAccess is unset (Enabled), not Disabled"),),
    ),
    (
        "sagemaker.21-notebook-kms",
        "dev",
        ((f"{D}-notebook-instance", drop("kmsKeyId")),),
        (
            (
                "sagemaker.21-notebook-kms",
                f"{D}-notebook-instance",
                "kmsKeyId is not set: the volume is not encrypted with a customer key",
            ),
        ),
    ),
    (
        "sagemaker-notebook-imdsv2",
        "dev",
        (
            (
                f"{D}-notebook-instance",
                put("instanceMetadataServiceConfiguration", {"minimumInstanceMetadataServiceVersion": "1"}),
            ),
        ),
        (
            (
                "sagemaker-notebook-imdsv2",
                f"{D}-notebook-instance",
                "minimum instance metadata service version is 1, not 2",
            ),
        ),
    ),
    (
        "network-no-internet-ingress",
        "dev",
        ((f"{D}-network-endpoints-https", put("cidrIpv4", "0.0.0.0/0")),),
        (
            (
                "network-no-internet-ingress",
                f"{D}-network-endpoints-https",
                "ingress from 0.0.0.0/0 (the whole internet)",
            ),
        ),
    ),
    (
        "network-interface-endpoints-private",
        "dev",
        ((f"{D}-network-sts", put("privateDnsEnabled", False)),),
        (
            (
                "network-interface-endpoints-private",
                f"{D}-network-sts",
                "privateDnsEnabled is not true: the AWS SDKs would not resolve the service to it",
            ),
        ),
    ),
    (
        "s3-prod-cross-region-replication",
        "prod",
        ((f"{P}-capture-replication", None),),
        (
            (
                "s3-prod-cross-region-replication",
                f"{P}-capture",
                f"bucket {P}-capture: prod capture/log bucket is not replicated",
            ),
        ),
    ),
    (
        "s3-prod-cross-region-replication",
        "prod",
        ((f"{P}-logs-replica", put("region", "us-east-1")),),
        (
            (
                "s3-prod-cross-region-replication",
                f"{P}-logs",
                f"bucket {P}-logs: replicated, but to no bucket of the stack in another region",
            ),
        ),
    ),
]
