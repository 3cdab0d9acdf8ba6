"""Inference endpoint: an auto-named endpoint configuration and a stable, in-place-updated endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pulumi_aws.sagemaker import (
    EndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationArgs as TrafficRouting,
)
from pulumi_aws.sagemaker import (
    EndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationCanarySizeArgs as CanarySize,
)
from pulumi_aws.sagemaker import (
    EndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationLinearStepSizeArgs as LinearStepSize,
)

from infra.config import EndpointSettings, RolloutSettings
from infra.storage.layout import CAPTURE_PREFIX

# Instance families with local NVMe storage: SageMaker rejects a volume KMS key for them (the
# instance store is always hardware-encrypted and there is no EBS volume to encrypt).
_LOCAL_NVME_FAMILIES = ("c5d", "m5d", "r5d", "g4dn", "g5", "g6", "p3dn", "p4d", "p5", "inf2", "trn1")
TRAFFIC_ROUTING = {"allAtOnce": "ALL_AT_ONCE", "canary": "CANARY", "linear": "LINEAR"}


def has_local_nvme(instance_type: str | None) -> bool:
    if instance_type is None:
        return False
    family = instance_type.split(".")[1]
    return family in _LOCAL_NVME_FAMILIES


def update_timeout_minutes(rollout: RolloutSettings) -> int:
    """Pulumi must wait at least as long as SageMaker may take to shift traffic and retire the old fleet."""
    return (rollout.max_execution_seconds + rollout.termination_wait_seconds) // 60 + 15


def traffic_routing(
    rollout: RolloutSettings,
) -> TrafficRouting:
    kind = TRAFFIC_ROUTING[rollout.strategy]
    # Steps are a share of the fleet's capacity, so they stay right when autoscaling changes its size.
    # The config schema sets a step for canary and linear rollouts; all-at-once has none.
    step_type, step_value = "CAPACITY_PERCENT", rollout.traffic_percent or 0
    return TrafficRouting(
        type=kind,
        # The bake time between steps, during which a firing rollback alarm reverts the update.
        wait_interval_in_seconds=rollout.wait_seconds,
        canary_size=(CanarySize(type=step_type, value=step_value) if kind == "CANARY" else None),
        linear_step_size=(LinearStepSize(type=step_type, value=step_value) if kind == "LINEAR" else None),
    )


@dataclass(frozen=True)
class InferenceEndpointArgs:
    model_name: pulumi.Input[str]
    settings: EndpointSettings
    rollout: RolloutSettings
    kms_key_arn: pulumi.Input[str]
    capture_bucket: pulumi.Input[str]
    rollback_alarm_names: Sequence[pulumi.Input[str]]
    tags: Mapping[str, str]
    # Created first, so SageMaker writes to the stack's log group instead of creating its own.
    log_groups: Sequence[pulumi.Resource] = ()


class InferenceEndpoint(pulumi.ComponentResource):
    """EndpointConfiguration (realtime variant or serverless) and the Endpoint with blue/green rollout."""

    def __init__(self, name: str, args: InferenceEndpointArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:serving:InferenceEndpoint", name, None, opts)
        s = args.settings
        if s.serverless:
            variant = aws.sagemaker.EndpointConfigurationProductionVariantArgs(
                variant_name=s.variant_name,
                model_name=args.model_name,
                serverless_config=aws.sagemaker.EndpointConfigurationProductionVariantServerlessConfigArgs(
                    memory_size_in_mb=s.require("memory_size_mb"), max_concurrency=s.require("max_concurrency")
                ),
            )
        else:
            variant = aws.sagemaker.EndpointConfigurationProductionVariantArgs(
                variant_name=s.variant_name,
                model_name=args.model_name,
                instance_type=s.instance_type,
                initial_instance_count=s.instance_count,
                initial_variant_weight=1.0,
                container_startup_health_check_timeout_in_seconds=s.startup_timeout_seconds,
                model_data_download_timeout_in_seconds=s.startup_timeout_seconds,
            )
        capture = (
            aws.sagemaker.EndpointConfigurationDataCaptureConfigArgs(
                enable_capture=True,
                initial_sampling_percentage=s.data_capture_percent,
                # SageMaker appends <endpoint>/<variant>/yyyy/mm/dd/hh/ under this prefix.
                destination_s3_uri=pulumi.Output.concat("s3://", args.capture_bucket, "/", CAPTURE_PREFIX.rstrip("/")),
                kms_key_id=args.kms_key_arn,
                capture_options=[
                    aws.sagemaker.EndpointConfigurationDataCaptureConfigCaptureOptionArgs(capture_mode="Input"),
                    aws.sagemaker.EndpointConfigurationDataCaptureConfigCaptureOptionArgs(capture_mode="Output"),
                ],
                capture_content_type_header=aws.sagemaker.EndpointConfigurationDataCaptureConfigCaptureContentTypeHeaderArgs(
                    csv_content_types=["text/csv"], json_content_types=["application/json"]
                ),
            )
            if s.data_capture_percent > 0
            else None
        )
        # No name: every attribute of an endpoint configuration forces replacement, and a fixed name
        # would make the replacement collide with the configuration still in service.
        self.config = aws.sagemaker.EndpointConfiguration(
            f"{name}-config",
            production_variants=[variant],
            data_capture_config=capture,
            kms_key_arn=None if s.serverless or has_local_nvme(s.instance_type) else args.kms_key_arn,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        timeout = f"{update_timeout_minutes(args.rollout)}m"
        self.endpoint = aws.sagemaker.Endpoint(
            f"{name}-endpoint",
            # A stable name: only endpoint_config_name changes between releases, which SageMaker applies
            # as an in-place UpdateEndpoint (blue/green), so the endpoint is never replaced.
            name=s.name,
            endpoint_config_name=self.config.name,
            deployment_config=aws.sagemaker.EndpointDeploymentConfigArgs(
                blue_green_update_policy=aws.sagemaker.EndpointDeploymentConfigBlueGreenUpdatePolicyArgs(
                    traffic_routing_configuration=traffic_routing(args.rollout),
                    termination_wait_in_seconds=args.rollout.termination_wait_seconds,
                    maximum_execution_timeout_in_seconds=args.rollout.max_execution_seconds,
                ),
                auto_rollback_configuration=aws.sagemaker.EndpointDeploymentConfigAutoRollbackConfigurationArgs(
                    alarms=[
                        aws.sagemaker.EndpointDeploymentConfigAutoRollbackConfigurationAlarmArgs(alarm_name=alarm)
                        for alarm in args.rollback_alarm_names
                    ]
                ),
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.config, *args.log_groups],
                custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout, delete="30m"),
            ),
        )
        self.endpoint_name = self.endpoint.name
        self.endpoint_arn = self.endpoint.arn
        self.config_name = self.config.name
        self.variant_name = s.variant_name
        self.register_outputs(
            {
                "endpoint_name": self.endpoint_name,
                "endpoint_arn": self.endpoint_arn,
                "config_name": self.config_name,
            }
        )
