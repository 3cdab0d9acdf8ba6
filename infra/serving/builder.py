"""How the program builds the serving domain for a stack."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from infra.context import StackContext
from infra.model.release import ModelRelease
from infra.serving.endpoint import InferenceEndpoint, InferenceEndpointArgs
from infra.storage.artifact_store import ArtifactStore


def build(
    ctx: StackContext,
    release: ModelRelease,
    store: ArtifactStore,
    rollback_alarm_names: Sequence[pulumi.Input[str]],
    log_groups: Sequence[pulumi.Resource] = (),
) -> InferenceEndpoint:
    return InferenceEndpoint(
        ctx.prefix,
        InferenceEndpointArgs(
            model_name=release.model_name,
            settings=ctx.config.endpoint,
            rollout=ctx.config.rollout,
            kms_key_arn=store.key_arn,
            capture_bucket=store.capture_bucket_name,
            rollback_alarm_names=list(rollback_alarm_names),
            tags=ctx.tags,
            log_groups=log_groups,
        ),
    )
