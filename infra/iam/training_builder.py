"""How the program builds the training identity of a stack: the role jobs assume, the launcher's policy."""

from __future__ import annotations

import json

import pulumi

from infra.context import StackContext
from infra.iam import training_documents
from infra.iam.training_role import TrainingRole, TrainingRoleArgs
from infra.model.images import ServingImage
from infra.storage.artifact_store import ArtifactStore


def build_training_role(ctx: StackContext, store: ArtifactStore, image: ServingImage) -> TrainingRole:
    return TrainingRole(
        f"{ctx.prefix}-training",
        TrainingRoleArgs(
            account_id=ctx.account_id,
            region=ctx.region,
            artifact_bucket_arn=store.artifact_bucket.arn,
            kms_key_arn=store.key_arn,
            image_repository_arn=image.repository_arn,
            tags=ctx.tags,
        ),
    )


def launcher_policy_json(ctx: StackContext, store: ArtifactStore, role: TrainingRole) -> pulumi.Output[str]:
    """Attach to the identity that runs ``training.launch`` for this stack (jobs named ``<prefix>-…``)."""
    return pulumi.Output.all(ctx.account_id, store.artifact_bucket.arn, store.key_arn, role.role_arn).apply(
        lambda v: json.dumps(
            training_documents.launcher_policy(
                account_id=v[0],
                region=ctx.region,
                job_name_prefix=ctx.prefix,
                artifact_bucket_arn=v[1],
                kms_key_arn=v[2],
                training_role_arn=v[3],
            )
        )
    )
