"""How the program builds the iam domain for a stack."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi

from infra.context import StackContext
from infra.iam import documents
from infra.iam.execution_role import ExecutionRole, ExecutionRoleArgs
from infra.model.images import ServingImage
from infra.network.vpc import Network
from infra.storage.artifact_store import ArtifactStore


def build_execution_role(
    ctx: StackContext,
    store: ArtifactStore,
    image: ServingImage,
    algorithm: ServingImage | None = None,
    network: Network | None = None,
) -> ExecutionRole:
    return ExecutionRole(
        f"{ctx.prefix}-execution",
        ExecutionRoleArgs(
            account_id=ctx.account_id,
            region=ctx.region,
            artifact_bucket_arn=store.artifact_bucket.arn,
            capture_bucket_arn=store.capture_bucket.arn,
            kms_key_arn=store.key_arn,
            image_repository_arn=image.repository_arn
            if algorithm is None
            else (image.repository_arn, algorithm.repository_arn),
            alarm_name_prefix=ctx.endpoint_name,
            tags=ctx.tags,
            # Only a realtime model joins the network (serverless inference supports no VPC).
            vpc_access=network is not None and not ctx.config.endpoint.serverless,
        ),
    )


def deployer_policy_json(
    ctx: StackContext, role: ExecutionRole, function_role_arns: Sequence[pulumi.Input[str]] = ()
) -> pulumi.Output[str]:
    """What the identity running ``pulumi up``/``destroy`` needs beyond resource CRUD (attach it to the CI
    role): deleting a scaled endpoint fails unless its scalable target can be deregistered first; the
    functions' roles are passed to Lambda."""
    return pulumi.Output.all(ctx.account_id, role.role_arn, *function_role_arns).apply(
        lambda v: json.dumps(
            documents.deployer_policy(
                account_id=v[0],
                region=ctx.region,
                endpoint_name=ctx.endpoint_name,
                execution_role_arn=v[1],
                function_role_arns=[str(arn) for arn in v[2:]],
            )
        )
    )
