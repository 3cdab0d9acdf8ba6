"""How the program builds the network of a stack (none when ``mlops:network.mode`` is off)."""

from __future__ import annotations

import pulumi_aws as aws

from infra.context import StackContext
from infra.network.vpc import Network, NetworkArgs


def build(ctx: StackContext) -> Network | None:
    settings = ctx.config.network
    if not settings.enabled:
        return None
    zones = None
    if settings.mode == "create" and not settings.availability_zones:
        zones = aws.get_availability_zones_output(state="available").names
    return Network(f"{ctx.prefix}-network", NetworkArgs(settings, ctx.region, ctx.tags, default_zones=zones))
