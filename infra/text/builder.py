"""How the program builds the text domain for a stack (nothing when ``mlops:text.enabled`` is false)."""

from __future__ import annotations

from infra.context import StackContext
from infra.storage.artifact_store import ArtifactStore
from infra.text.recognizer import EntityRecognition, EntityRecognitionArgs


def build(ctx: StackContext, store: ArtifactStore) -> EntityRecognition | None:
    settings = ctx.config.text
    if settings is None:
        return None
    return EntityRecognition(
        f"{ctx.prefix}-text",
        EntityRecognitionArgs(
            account_id=ctx.account_id,
            region=ctx.region,
            artifact_bucket=store.artifact_bucket_name,
            artifact_bucket_arn=store.artifact_bucket.arn,
            kms_key_arn=store.key_arn,
            settings=settings,
            tags=ctx.tags,
        ),
    )
