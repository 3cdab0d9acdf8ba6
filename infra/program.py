"""The Pulumi program: reads the stack config once, then composes one builder per domain.

Order matters where AWS needs it: the rollback alarms exist before the endpoint names them; the
execution role's policy exists before the model (SageMaker checks it can read the artifact); the
scalable target waits for the endpoint.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from infra import config, observability
from infra.applications import builder as applications
from infra.context import StackContext
from infra.iam import builder as iam
from infra.iam import training_builder as training_iam
from infra.logs import builder as logs
from infra.model import builder as model
from infra.network import builder as network_builder
from infra.notebook import builder as notebook_builder
from infra.registry import builder as registry
from infra.scaling import builder as scaling
from infra.serving import builder as serving
from infra.storage import builder as storage
from infra.storage.layout import TRAINING_OUTPUT_PREFIX
from infra.text import builder as text


def build() -> dict[str, Any]:
    ctx = StackContext(config.load(), aws.get_caller_identity_output().account_id)
    image = model.serving_image(ctx)
    store = storage.build(ctx)
    network = network_builder.build(ctx)
    role = iam.build_execution_role(ctx, store, image, model.algorithm_image(ctx), network)
    release = model.build_release(ctx, store, role, image, network)
    alerting = observability.build_alerting(ctx, store)
    models = registry.build(ctx, alerting.notify.topic_arn)
    log_groups = logs.build(ctx, store)
    endpoint = serving.build(
        ctx, release, store, alerting.rollback_alarm_names, log_groups=list(log_groups.log_groups.values())
    )
    scaling.build(ctx, endpoint)
    dashboard = observability.build_endpoint_monitoring(ctx, alerting, endpoint, store, role, release)
    training_role = training_iam.build_training_role(ctx, store, image)
    text_domain = text.build(ctx, store, alerting.notify_actions)
    recognition = text_domain.recognition if text_domain is not None else None
    apps = applications.build(
        ctx,
        store,
        alerting.notify_actions,
        more_lambda_functions=text_domain.bucket_notifications if text_domain is not None else (),
        more_permissions=text_domain.notification_permissions if text_domain is not None else (),
    )
    invoke = applications.invoke_command(ctx.config, apps.manifest)

    notebook = notebook_builder.build(ctx, store, network, training_role.role_arn)

    region = ctx.region
    package = ctx.config.artifact.package
    # Which registered version ships (mlops:modelPackage): in the plan and the plan diff for reviewers.
    shipped = package.outputs() if package is not None else {}
    optional: dict[str, Any] = {}
    if network is not None:
        # Training, tuning and Comprehend jobs launched for this stack run in these (VpcConfig).
        optional["networkSubnetIds"] = network.subnet_ids
        optional["networkSecurityGroupIds"] = network.security_group_ids
    if notebook is not None:
        optional["notebookName"] = notebook.notebook_name
        optional["notebookRoleArn"] = notebook.role_arn
    return {
        **optional,
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
        "invokeCommand": endpoint.endpoint_name.apply(invoke),
        "deployerPolicy": iam.deployer_policy_json(
            ctx,
            role,
            [*apps.role_arns, *([text_domain.function.function.role_arn] if text_domain is not None else [])],
        ),
        # The custom entity recognizer's version ARN and the role Comprehend assumes (mlops:text).
        **(
            {
                "textRecognizerArn": recognition.recognizer_arn,
                "textDataAccessRoleArn": recognition.role_arn,
                # Attach beside deployerPolicy: the deployer passes the data-access role to Comprehend.
                "textDeployerPolicy": recognition.deployer_policy_json,
            }
            | (
                {
                    "textFunctionName": text_domain.function.function_name,
                    "textDeadLetterQueueUrl": text_domain.function.queue_url,
                }
                if text_domain is not None
                else {}
            )
            if recognition is not None
            else {}
        ),
        **(
            {"textClassifierArn": recognition.classifier.arn}
            if recognition is not None and recognition.classifier is not None
            else {}
        ),
        # The client library picks the payload limit from it (6 MB realtime, 4 MB serverless).
        "endpointType": ctx.config.endpoint.type,
        "predictUrl": apps.api.url,
        "predictFunctionName": apps.api.function_name,
        "scoringFunctionName": apps.scoring.function_name,
        "scoringDeadLetterQueueUrl": apps.scoring.queue_url,
        # Managed training (`python -m training.launch --stack-outputs`): the role jobs assume, where
        # they write, the job-name prefix, and what the identity launching them needs.
        "trainingRoleArn": training_role.role_arn,
        "trainingOutputUri": pulumi.Output.concat("s3://", store.artifact_bucket_name, "/", TRAINING_OUTPUT_PREFIX),
        "trainingJobPrefix": ctx.prefix,
        "launcherPolicy": training_iam.launcher_policy_json(ctx, store, training_role),
        "modelPackageGroupName": models.group_name,
        "modelPackageGroupArn": models.group_arn,
        **shipped,
    }
