"""A role SageMaker assumes (hosting, training, notebooks): one trust document, one-hour sessions."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from infra.iam import documents


def sagemaker_role(
    name: str, *, description: str, account_id: pulumi.Input[str], tags: Mapping[str, str], parent: pulumi.Resource
) -> aws.iam.Role:
    """Trusted by sagemaker.amazonaws.com of this account only (the confused-deputy guard in the trust)."""
    return aws.iam.Role(
        name,
        description=description,
        assume_role_policy=pulumi.Output.from_input(account_id).apply(
            lambda account: json.dumps(documents.sagemaker_trust_policy(account))
        ),
        # SageMaker's default session for these roles is one hour; nothing here needs more.
        max_session_duration=3600,
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
