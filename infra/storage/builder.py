"""How the program builds the storage domain for a stack."""

from __future__ import annotations

from infra.context import StackContext
from infra.storage.artifact_store import ArtifactStore, ArtifactStoreArgs


def build(ctx: StackContext) -> ArtifactStore:
    replication = ctx.config.replication
    return ArtifactStore(
        ctx.prefix,
        ArtifactStoreArgs(
            ctx.account_id,
            ctx.region,
            ctx.config.retain_data,
            ctx.tags,
            replica_region=replication.region if replication.enabled else None,
        ),
    )
