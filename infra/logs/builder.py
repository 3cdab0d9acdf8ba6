"""How the program builds the log groups of a stack."""

from __future__ import annotations

from infra.context import StackContext
from infra.logs.log_groups import ServiceLogGroups, ServiceLogGroupsArgs, endpoint_log_group_name
from infra.storage.artifact_store import ArtifactStore


def build(ctx: StackContext, store: ArtifactStore) -> ServiceLogGroups:
    return ServiceLogGroups(
        f"{ctx.prefix}-logs",
        ServiceLogGroupsArgs(
            groups={"endpoint": endpoint_log_group_name(ctx.endpoint_name)},
            retention_days=ctx.config.logs.retention_days,
            kms_key_arn=store.key_arn,
            tags=ctx.tags,
            key=store.key,
        ),
    )
