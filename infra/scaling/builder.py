"""How the program builds the scaling domain for a stack."""

from __future__ import annotations

from infra.context import StackContext
from infra.scaling.endpoint_autoscaling import EndpointAutoscaling, EndpointAutoscalingArgs
from infra.serving.endpoint import InferenceEndpoint


def build(ctx: StackContext, serving: InferenceEndpoint) -> EndpointAutoscaling | None:
    """Serverless endpoints scale by concurrency and have no scalable target."""
    if ctx.config.autoscaling is None:
        return None
    return EndpointAutoscaling(
        ctx.prefix,
        EndpointAutoscalingArgs(
            endpoint_name=serving.endpoint_name,
            variant_name=serving.variant_name,
            settings=ctx.config.autoscaling,
            endpoint=serving.endpoint,
            tags=ctx.tags,
        ),
    )
