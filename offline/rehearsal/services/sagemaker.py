"""SageMaker: model, endpoint configuration, endpoint, data-quality job definition, monitoring schedule.

What is not checked because moto does not store it (it would read back a default, not what was
sent): ``EnableNetworkIsolation`` (always ``False`` in moto's model), a pipeline model's
``InferenceExecutionConfig`` and the endpoint's
``DeploymentConfig`` (blue/green policy and auto-rollback alarms are not kept by ``CreateEndpoint``).
The API model validated both when the requests were built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, arn_of
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, as_int, resources_of, s3_location
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params


def _sagemaker(
    operation: str,
    name_member: str,
    arn_member: str,
    arn_kind: str,
    *,
    renames: Mapping[str, str] | None = None,
    reshape: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Handler:
    def handler(gw: Gateway, r: Declared) -> tuple[str, State]:
        name = r.physical_name()
        inputs = reshape(dict(r.inputs)) if reshape else dict(r.inputs)
        params = api_params(
            "sagemaker", operation, inputs, where=r.where, renames={"name": name_member, **(renames or {})}
        )
        params[name_member] = name
        response = gw.send("sagemaker", operation, params, r.where)
        arn = str(response[arn_member]) if response else arn_of(gw, "sagemaker", f"{arn_kind}/{name.lower()}")
        return name, r.state(name=name, arn=arn)

    return handler


def _data_quality_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """The provider models ``monitoringOutputs`` as one object (a Terraform block of at most one);
    the API takes a list of MonitoringOutput."""
    output = dict(inputs.get("dataQualityJobOutputConfig") or {})
    if isinstance(output.get("monitoringOutputs"), Mapping):
        output["monitoringOutputs"] = [output["monitoringOutputs"]]
        inputs["dataQualityJobOutputConfig"] = output
    return inputs


def _endpoint(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    sagemaker = client("sagemaker")
    outputs = report.outputs
    endpoint = str(outputs["endpointName"])
    with checks.reading(f"endpoint {endpoint} InService"):
        described = sagemaker.describe_endpoint(EndpointName=endpoint)
        checks.equal(f"endpoint {endpoint} InService", described["EndpointStatus"], "InService")
        checks.equal(
            f"endpoint {endpoint} serves config", described["EndpointConfigName"], outputs["endpointConfigName"]
        )
    for declared in resources_of(report, tokens.SAGEMAKER_ENDPOINT_CONFIG):
        name = str(declared.state["name"])
        want = declared.inputs["productionVariants"][0]
        with checks.reading(f"endpoint config {name}"):
            config = sagemaker.describe_endpoint_config(EndpointConfigName=name)
            variants = config["ProductionVariants"]
            got = variants[0]
            checks.equal(f"endpoint config {name}: one variant", len(variants), 1)
            checks.equal(
                f"endpoint config {name}: variant and model",
                [got["VariantName"], got["ModelName"]],
                [outputs["variantName"], outputs["modelName"]],
            )
            if "serverlessConfig" in want:
                serverless = want["serverlessConfig"]
                checks.equal(
                    f"endpoint config {name}: serverless memory/concurrency",
                    got.get("ServerlessConfig"),
                    {
                        "MemorySizeInMB": as_int(serverless["memorySizeInMb"]),
                        "MaxConcurrency": as_int(serverless["maxConcurrency"]),
                    },
                )
            else:
                checks.equal(
                    f"endpoint config {name}: instance type/count",
                    [got.get("InstanceType"), got.get("InitialInstanceCount")],
                    [want["instanceType"], as_int(want["initialInstanceCount"])],
                )
            if declared.inputs.get("kmsKeyArn"):
                checks.equal(f"endpoint config {name}: volume KMS key", config.get("KmsKeyId"), outputs["kmsKeyArn"])
            capture = declared.inputs.get("dataCaptureConfig")
            if capture:
                got_capture = config.get("DataCaptureConfig", {})
                checks.equal(
                    f"endpoint config {name}: data capture",
                    [
                        got_capture.get("InitialSamplingPercentage"),
                        got_capture.get("DestinationS3Uri"),
                        got_capture.get("KmsKeyId"),
                    ],
                    [
                        as_int(capture["initialSamplingPercentage"]),
                        f"s3://{outputs['captureBucket']}/capture",
                        outputs["kmsKeyArn"],
                    ],
                )


def _uploaded_sizes(report: RehearsalReport) -> dict[tuple[str, str], int]:
    """Size of every file the stack uploads, keyed by (bucket, key): what a read-back must find."""
    sizes: dict[tuple[str, str], int] = {}
    for obj in resources_of(report, tokens.S3_OBJECT):
        source = obj.inputs.get("source")
        if isinstance(source, pulumi.FileAsset):
            sizes[(str(obj.inputs["bucket"]), str(obj.inputs["key"]))] = Path(str(source.path)).stat().st_size
    return sizes


def _model(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    outputs = report.outputs
    name = str(outputs["modelName"])
    with checks.reading(f"model {name}"):
        model = client("sagemaker").describe_model(ModelName=name)
        # moto answers an empty PrimaryContainer for a pipeline model.
        if not model.get("PrimaryContainer"):
            _pipeline_model(report, client, checks, model)
            return
        container = model["PrimaryContainer"]
        checks.equal(
            f"model {name}: image, artifact, role",
            [container["Image"], container["ModelDataUrl"], model["ExecutionRoleArn"]],
            [outputs["servingImage"], outputs["modelDataUrl"], outputs["executionRoleArn"]],
        )
        bucket, key = s3_location(str(container["ModelDataUrl"]))
        head = client("s3").head_object(Bucket=bucket, Key=key)
        checks.equal(
            f"model {name}: artifact object s3://{bucket}/{key} holds the uploaded bytes (size)",
            head["ContentLength"],
            _uploaded_sizes(report).get((bucket, key)),
        )


def _pipeline_model(report: RehearsalReport, client: ClientFactory, checks: Checks, model: dict[str, Any]) -> None:
    """The XGBoost family's serial pipeline: three containers read back in order, each model object present."""
    outputs = report.outputs
    name = str(outputs["modelName"])
    declared = next(iter(resources_of(report, tokens.SAGEMAKER_MODEL)))
    want = declared.inputs["containers"]
    got = model.get("Containers", [])
    checks.equal(
        f"model {name}: pipeline containers (image, stage) in order",
        [(c.get("Image"), c.get("Environment", {}).get("MLOPS_PIPELINE_STAGE")) for c in got],
        [(c["image"], (c.get("environment") or {}).get("MLOPS_PIPELINE_STAGE")) for c in want],
    )
    checks.equal(
        f"model {name}: first and last container serve the artifact, role",
        [got[0].get("ModelDataUrl"), got[-1].get("ModelDataUrl"), model["ExecutionRoleArn"]],
        [outputs["modelDataUrl"], outputs["modelDataUrl"], outputs["executionRoleArn"]],
    )
    checks.not_emulated(
        f"model {name}: inference execution mode Serial",
        "validated against the API model, not stored by moto's CreateModel",
    )
    sizes = _uploaded_sizes(report)
    for container in got:
        bucket, key = s3_location(str(container["ModelDataUrl"]))
        head = client("s3").head_object(Bucket=bucket, Key=key)
        checks.equal(
            f"model {name}: container model s3://{bucket}/{key} holds the uploaded bytes (size)",
            head["ContentLength"],
            sizes.get((bucket, key)),
        )


def _data_quality(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    sagemaker, s3 = client("sagemaker"), client("s3")
    for declared in resources_of(report, tokens.SAGEMAKER_DATA_QUALITY_JOB):
        name = str(declared.state["name"])
        with checks.reading(f"data-quality job {name}"):
            job = sagemaker.describe_data_quality_job_definition(JobDefinitionName=name)
            checks.equal(
                f"data-quality job {name}: endpoint and role",
                [job["DataQualityJobInput"]["EndpointInput"]["EndpointName"], job["RoleArn"]],
                [report.outputs["endpointName"], report.outputs["executionRoleArn"]],
            )
            baseline = job["DataQualityBaselineConfig"]
            for part in ("ConstraintsResource", "StatisticsResource"):
                bucket, key = s3_location(str(baseline[part]["S3Uri"]))
                size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
                checks.equal(
                    f"data-quality job {name}: baseline {key.rsplit('/', 1)[-1]} holds the uploaded bytes (size)",
                    size,
                    _uploaded_sizes(report).get((bucket, key)),
                )
    for schedule in resources_of(report, tokens.SAGEMAKER_MONITORING_SCHEDULE):
        # moto lacks CreateMonitoringSchedule: the schedule was validated against the API model but there is
        # nothing to read back. Its job definition must exist (SageMaker requires it), which a read can fail.
        job_name = str(schedule.inputs["monitoringScheduleConfig"]["monitoringJobDefinitionName"])
        check = f"monitoring schedule {schedule.inputs['name']}"
        with checks.reading(f"{check}: job definition {job_name} exists"):
            sagemaker.describe_data_quality_job_definition(JobDefinitionName=job_name)
            checks.not_emulated(check, f"validated, not emulated; its job definition {job_name} exists")


def _model_package_group(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name("modelPackageGroupName")
    params = api_params("sagemaker", "CreateModelPackageGroup", r.inputs, where=r.where)
    params["ModelPackageGroupName"] = name
    response = gw.send("sagemaker", "CreateModelPackageGroup", params, r.where)
    arn = str(response["ModelPackageGroupArn"]) if response else arn_of(gw, "sagemaker", f"model-package-group/{name}")
    return name, r.state(modelPackageGroupName=name, arn=arn)


def _registry(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    sagemaker = client("sagemaker")
    for declared in resources_of(report, tokens.SAGEMAKER_MODEL_PACKAGE_GROUP):
        name = str(declared.state["modelPackageGroupName"])
        with checks.reading(f"model package group {name}"):
            group = sagemaker.describe_model_package_group(ModelPackageGroupName=name)
            checks.equal(
                f"model package group {name}: ARN and description (stack outputs)",
                [group["ModelPackageGroupArn"], group.get("ModelPackageGroupDescription"), name],
                [
                    report.outputs["modelPackageGroupArn"],
                    declared.inputs["modelPackageGroupDescription"],
                    report.outputs["modelPackageGroupName"],
                ],
            )
            tags = sagemaker.list_tags(ResourceArn=group["ModelPackageGroupArn"])["Tags"]
            checks.equal(
                f"model package group {name}: tags",
                {t["Key"]: t["Value"] for t in tags},
                dict(declared.inputs.get("tags") or {}),
            )


HANDLERS: dict[str, Handler] = {
    tokens.SAGEMAKER_MODEL: _sagemaker("CreateModel", "ModelName", "ModelArn", "model"),
    tokens.SAGEMAKER_ENDPOINT_CONFIG: _sagemaker(
        "CreateEndpointConfig",
        "EndpointConfigName",
        "EndpointConfigArn",
        "endpoint-config",
        # The provider calls the configuration's key ``kmsKeyArn``; the API ``KmsKeyId``.
        renames={"kmsKeyArn": "KmsKeyId"},
    ),
    tokens.SAGEMAKER_ENDPOINT: _sagemaker("CreateEndpoint", "EndpointName", "EndpointArn", "endpoint"),
    tokens.SAGEMAKER_DATA_QUALITY_JOB: _sagemaker(
        "CreateDataQualityJobDefinition",
        "JobDefinitionName",
        "JobDefinitionArn",
        "data-quality-job-definition",
        reshape=_data_quality_inputs,
    ),
    tokens.SAGEMAKER_MONITORING_SCHEDULE: _sagemaker(
        "CreateMonitoringSchedule", "MonitoringScheduleName", "MonitoringScheduleArn", "monitoring-schedule"
    ),
    tokens.SAGEMAKER_MODEL_PACKAGE_GROUP: _model_package_group,
}

CHECKS: tuple[Verifier, ...] = (_endpoint, _model, _data_quality, _registry)
