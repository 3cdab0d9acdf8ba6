"""The Pulumi program: reads the stack config once, then composes one builder per domain.

Order matters where AWS needs it: the rollback alarms exist before the endpoint names them; the
execution role's policy exists before the model (SageMaker checks it can read the artifact); the
scalable target waits for the endpoint.
"""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws

from infra import config, observability
from infra.context import StackContext
from infra.iam import builder as iam
from infra.logs import builder as logs
from infra.model import builder as model
from infra.network import builder as network_builder
from infra.notebook import builder as notebook_builder
from infra.scaling import builder as scaling
from infra.serving import builder as serving
from infra.serving.invocation import invocation_command
from infra.storage import builder as storage


def build() -> dict[str, Any]:
    ctx = StackContext(config.load(), aws.get_caller_identity_output().account_id)
    image = model.serving_image(ctx)
    store = storage.build(ctx)
    network = network_builder.build(ctx)
    role = iam.build_execution_role(ctx, store, image, network)
    release = model.build_release(ctx, store, role, image, network)
    alerting = observability.build_alerting(ctx, store)
    log_groups = logs.build(ctx, store)
    endpoint = serving.build(
        ctx, release, store, alerting.rollback_alarm_names, log_groups=list(log_groups.log_groups.values())
    )
    scaling.build(ctx, endpoint)
    dashboard = observability.build_endpoint_monitoring(ctx, alerting, endpoint, store, role, release)

    notebook = notebook_builder.build(ctx, store, network)

    region = ctx.region
    optional: dict[str, Any] = {}
    if network is not None:
        # Training, tuning and Comprehend jobs launched for this stack run in these (VpcConfig).
        optional["networkSubnetIds"] = network.subnet_ids
        optional["networkSecurityGroupIds"] = network.security_group_ids
    if notebook is not None:
        optional["notebookName"] = notebook.notebook_name
        optional["notebookRoleArn"] = notebook.role_arn
    return optional | {
        "endpointName": endpoint.endpoint_name,
        "endpointArn": endpoint.endpoint_arn,
        "endpointConfigName": endpoint.config_name,
        "variantName": endpoint.variant_name,
        "region": region,
        "modelName": release.model_name,
        "modelDataUrl": release.model_data_url,
        "servingImage": image.uri,
        "artifactBucket": store.artifact_bucket_name,
        "captureBucket": store.capture_bucket_name,
        "logBucket": store.log_bucket_name,
        "executionRoleArn": role.role_arn,
        "kmsKeyArn": store.key_arn,
        "alarmTopicArn": alerting.notify.topic_arn,
        "rollbackAlarmNames": alerting.rollback_alarm_names,
        # Every alarm of the endpoint is named with this prefix (`python -m monitoring status --stack`).
        "alarmNamePrefix": f"{ctx.endpoint_name}-",
        "dashboardName": dashboard.dashboard_name,
        "invokeCommand": endpoint.endpoint_name.apply(lambda name: invocation_command(name, region)),
        "deployerPolicy": iam.deployer_policy_json(ctx, role),
    }
