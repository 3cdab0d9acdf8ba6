"""Target-tracking autoscaling of a realtime endpoint variant's instance count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.config import AutoscalingSettings

SERVICE_NAMESPACE = "sagemaker"
SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
PREDEFINED_METRIC = "SageMakerVariantInvocationsPerInstance"


def scalable_resource_id(endpoint_name: str, variant_name: str) -> str:
    return f"endpoint/{endpoint_name}/variant/{variant_name}"


@dataclass(frozen=True)
class EndpointAutoscalingArgs:
    endpoint_name: pulumi.Input[str]
    variant_name: str
    settings: AutoscalingSettings
    endpoint: pulumi.Resource
    tags: Mapping[str, str]


class EndpointAutoscaling(pulumi.ComponentResource):
    """Scalable target + target-tracking policy on invocations per instance (per minute)."""

    def __init__(self, name: str, args: EndpointAutoscalingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:scaling:EndpointAutoscaling", name, None, opts)
        s = args.settings
        self.target = aws.appautoscaling.Target(
            f"{name}-target",
            service_namespace=SERVICE_NAMESPACE,
            scalable_dimension=SCALABLE_DIMENSION,
            resource_id=pulumi.Output.from_input(args.endpoint_name).apply(
                lambda endpoint: scalable_resource_id(endpoint, args.variant_name)
            ),
            min_capacity=s.min_capacity,
            max_capacity=s.max_capacity,
            tags=dict(args.tags),
            # Registering while the endpoint is Creating/Updating fails: wait for the endpoint resource.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.endpoint]),
        )
        self.policy = aws.appautoscaling.Policy(
            f"{name}-invocations",
            policy_type="TargetTrackingScaling",
            service_namespace=self.target.service_namespace,
            scalable_dimension=self.target.scalable_dimension,
            resource_id=self.target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=s.target_invocations_per_instance,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type=PREDEFINED_METRIC
                ),
                scale_in_cooldown=s.scale_in_cooldown_seconds,
                scale_out_cooldown=s.scale_out_cooldown_seconds,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.target]),
        )
        self.register_outputs({"resource_id": self.target.resource_id})
