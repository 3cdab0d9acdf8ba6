"""Mutated-graph cases for the controls of the security findings, the network, the notebook and
replication: each entry is (policy, stack, ((resource name, mutation or None to remove), ...), expected).

``tests/policy/test_controls.py`` runs them with its own cases, so every control keeps a case that fails.
The endpoint log group (infra/logs) is under CloudWatch.16 like the functions' ones; a retention of 0 is
CloudWatch Logs' "never expire".
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
        "cloudwatch.16-log-group-retention-kms",
        "prod",
        ((f"{P}-logs-endpoint", drop("kmsKeyId")),),
        (
            (
                "cloudwatch.16-log-group-retention-kms",
                f"{P}-logs-endpoint",
                "log group is not encrypted with a KMS key (kmsKeyId)",
            ),
        ),
    ),
    (
        "cloudwatch.16-log-group-retention-kms",
        "dev",
        ((f"{D}-logs-endpoint", put("retentionInDays", 0)),),
        (
            (
                "cloudwatch.16-log-group-retention-kms",
                f"{D}-logs-endpoint",
                "log group keeps events forever (no retentionInDays)",
            ),
        ),
    ),
    (
        "cloudwatch.16-log-group-retention-kms",
        "staging",
        ((f"{S}-logs-endpoint", put("retentionInDays", -1)),),
        (
            (
                "cloudwatch.16-log-group-retention-kms",
                f"{S}-logs-endpoint",
                "log group keeps events forever (no retentionInDays)",
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
