"""How the program builds the registry domain for a stack."""

from __future__ import annotations

import pulumi

from infra.context import StackContext
from infra.registry.documents import group_name
from infra.registry.model_registry import ModelRegistry, ModelRegistryArgs


def build(ctx: StackContext, topic_arn: pulumi.Input[str]) -> ModelRegistry:
    return ModelRegistry(
        ctx.prefix,
        ModelRegistryArgs(
            group_name=group_name(ctx.prefix),
            topic_arn=topic_arn,
            retain=ctx.config.retain_data,
            tags=ctx.tags,
        ),
    )
