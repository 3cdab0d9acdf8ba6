"""One handler per resource type: the AWS API calls the provider makes to create it, and its state.

A handler receives the resource as the engine registered it (type, logical name, camelCase inputs)
and a ``Gateway`` that validates each request against botocore's model and sends it to the emulator
(or, where moto lacks the operation, only validates it). It returns the physical id and the state the
AWS provider would report (ids, ARNs and names as the API returned them), which the engine hands to
every resource that references this one.

Most inputs map onto the API generically (``rehearsal_requests.api_params``); the code here is only
where the provider splits one resource over several calls or renames an argument.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pulumi

from infra.mocks import autoname
from infra.rehearsal_requests import EmulatorRejectedError, UnmappedInputError, api_params

State = dict[str, Any]


class Gateway(Protocol):
    region: str
    account_id: str

    def send(self, service: str, operation: str, params: Mapping[str, Any], where: str) -> dict[str, Any] | None:
        """Validate, then create through the emulator; ``None`` when moto lacks the operation."""
        ...

    def read(self, service: str, operation: str, params: Mapping[str, Any], where: str) -> dict[str, Any]:
        """A read-only call the emulator must answer (describe/list)."""
        ...


@dataclass(frozen=True)
class Declared:
    """A custom resource as the engine registered it."""

    type: str
    name: str
    inputs: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"{self.type} {self.name}"

    def physical_name(self, key: str = "name") -> str:
        """The given name, or Pulumi's auto-name ``<logical>-<7 hex>`` when the program set none."""
        given = self.inputs.get(key)
        return str(given) if given else autoname(self.name, self.inputs)

    def state(self, **extra: Any) -> State:
        return {**self.inputs, **extra}


Handler = Callable[[Gateway, Declared], tuple[str, State]]


def _emulated(response: dict[str, Any] | None, r: Declared, operation: str) -> dict[str, Any]:
    """A response the handler needs (an id AWS generates); without it the rehearsal cannot go on."""
    if response is None:
        raise EmulatorRejectedError(f"{r.where}: {operation} is needed for the generated id, and moto lacks it")
    return response


def _arn(gw: Gateway, service: str, resource: str) -> str:
    """An ARN in AWS's format, where no API response carries one (e.g. moto lacks the operation)."""
    return f"arn:aws:{service}:{gw.region}:{gw.account_id}:{resource}"


# --------------------------------------------------------------------------------------------------
# S3: the provider splits a bucket's settings over separate resources, each one PutBucket* call.


def s3_bucket(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name("bucket")
    params = api_params(
        "s3",
        "CreateBucket",
        r.inputs,
        where=r.where,
        renames={"bucket": "Bucket"},
        provider_only={"forceDestroy": "the provider empties the bucket before DeleteBucket"},
        skip=("tags",),
    )
    params["Bucket"] = name
    # us-east-1 is S3's default location and must not be named in CreateBucketConfiguration.
    if gw.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": gw.region}
    gw.send("s3", "CreateBucket", params, r.where)
    tags = r.inputs.get("tags") or {}
    if tags:
        tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
        gw.send("s3", "PutBucketTagging", {"Bucket": name, "Tagging": {"TagSet": tag_set}}, r.where)
    return name, r.state(
        bucket=name,
        arn=f"arn:aws:s3:::{name}",
        region=gw.region,
        bucketDomainName=f"{name}.s3.amazonaws.com",
        bucketRegionalDomainName=f"{name}.s3.{gw.region}.amazonaws.com",
    )


def _bucket_sub_resource(
    operation: str, wrap: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
) -> Handler:
    """A bucket sub-resource: one ``PutBucket*`` call; its id is the bucket name, as the provider's."""

    def handler(gw: Gateway, r: Declared) -> tuple[str, State]:
        inputs = dict(wrap(r.inputs)) if wrap else dict(r.inputs)
        params = api_params("s3", operation, inputs, where=r.where)
        gw.send("s3", operation, params, r.where)
        return str(r.inputs["bucket"]), r.state()

    return handler


def _nest(
    member: str, keys: tuple[str, ...], *, as_list: bool = False
) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """Move the provider's flattened arguments ``keys`` under the API's ``member`` structure."""

    def wrap(inputs: Mapping[str, Any]) -> dict[str, Any]:
        outer = {k: v for k, v in inputs.items() if k not in keys}
        inner = {k: v for k, v in inputs.items() if k in keys}
        if as_list:
            # e.g. ``rule`` (one object in the provider) -> ``OwnershipControls.Rules`` (a list).
            outer[member] = {"Rules": list(inner.values())}
        else:
            outer[member] = inner
        return outer

    return wrap


def _logging(inputs: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("targetBucket", "targetPrefix", "targetGrants", "targetObjectKeyFormat")
    outer = {k: v for k, v in inputs.items() if k not in keys}
    outer["BucketLoggingStatus"] = {"LoggingEnabled": {k: v for k, v in inputs.items() if k in keys}}
    return outer


def s3_object(gw: Gateway, r: Declared) -> tuple[str, State]:
    """``BucketObjectv2``: PutObject with the file's bytes, so the artifact really lands in S3."""
    inputs = dict(r.inputs)
    source = inputs.pop("source", None)
    if isinstance(source, pulumi.FileAsset):
        body = Path(str(source.path)).read_bytes()
    elif "content" in inputs:
        body = str(inputs.pop("content")).encode()
    else:
        raise UnmappedInputError(f"{r.where}: source {source!r} is not a FileAsset; the rehearsal uploads files only")
    tags = inputs.pop("tags", None) or {}
    params = api_params(
        "s3",
        "PutObject",
        inputs,
        where=r.where,
        renames={"kmsKeyId": "SSEKMSKeyId"},
        provider_only={"forceDestroy": "the provider removes object-lock holds before DeleteObject"},
    )
    params["Body"] = body
    if tags:
        # PutObject takes tags as a URL-encoded query string, not a list.
        params["Tagging"] = urllib.parse.urlencode(tags)
    response = gw.send("s3", "PutObject", params, r.where) or {}
    bucket, key = str(inputs["bucket"]), str(inputs["key"])
    return f"{bucket}/{key}", r.state(
        etag=str(response.get("ETag", "")).strip('"'),
        versionId=response.get("VersionId", ""),
        arn=f"arn:aws:s3:::{bucket}/{key}",
    )


# --------------------------------------------------------------------------------------------------
# KMS and IAM


def kms_key(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params(
        "kms",
        "CreateKey",
        r.inputs,
        where=r.where,
        provider_only={"deletionWindowInDays": "the waiting period of ScheduleKeyDeletion, on destroy"},
        skip=("enableKeyRotation",),
    )
    response = _emulated(gw.send("kms", "CreateKey", params, r.where), r, "kms:CreateKey")
    metadata = response["KeyMetadata"]
    key_id = str(metadata["KeyId"])
    if r.inputs.get("enableKeyRotation"):
        gw.send("kms", "EnableKeyRotation", {"KeyId": key_id}, r.where)
    return key_id, r.state(keyId=key_id, arn=str(metadata["Arn"]))


def kms_alias(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("kms", "CreateAlias", r.inputs, where=r.where, renames={"name": "AliasName"})
    gw.send("kms", "CreateAlias", params, r.where)
    aliases = gw.read("kms", "ListAliases", {"KeyId": params["TargetKeyId"]}, r.where)["Aliases"]
    alias = next(a for a in aliases if a["AliasName"] == params["AliasName"])
    return str(params["AliasName"]), r.state(
        arn=str(alias["AliasArn"]), targetKeyArn=_arn(gw, "kms", f"key/{alias['TargetKeyId']}")
    )


def iam_role(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    params = api_params(
        "iam",
        "CreateRole",
        r.inputs,
        where=r.where,
        renames={"name": "RoleName", "assumeRolePolicy": "AssumeRolePolicyDocument"},
        provider_only={"forceDetachPolicies": "the provider detaches policies before DeleteRole"},
    )
    params["RoleName"] = name
    response = _emulated(gw.send("iam", "CreateRole", params, r.where), r, "iam:CreateRole")
    role = response["Role"]
    return name, r.state(name=name, arn=str(role["Arn"]), uniqueId=str(role["RoleId"]))


def iam_role_policy(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    params = api_params(
        "iam",
        "PutRolePolicy",
        r.inputs,
        where=r.where,
        renames={"name": "PolicyName", "role": "RoleName", "policy": "PolicyDocument"},
    )
    params["PolicyName"] = name
    gw.send("iam", "PutRolePolicy", params, r.where)
    return f"{params['RoleName']}:{name}", r.state(name=name)


# --------------------------------------------------------------------------------------------------
# SageMaker


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
        arn = str(response[arn_member]) if response else _arn(gw, "sagemaker", f"{arn_kind}/{name.lower()}")
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


# --------------------------------------------------------------------------------------------------
# CloudWatch


def _dimensions(dimensions: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"Name": name, "Value": value} for name, value in dimensions.items()]


def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    """The provider's ``metricQuery`` flattens MetricStat: ``metric`` holds the metric and its stat."""
    result = {k: v for k, v in query.items() if k != "metric"}
    metric = query.get("metric")
    if metric:
        inner = {k: v for k, v in metric.items() if k in ("namespace", "metricName")}
        inner["Dimensions"] = _dimensions(metric.get("dimensions") or {})
        stat = {k: v for k, v in metric.items() if k in ("period", "stat", "unit")}
        unknown = set(metric) - {"namespace", "metricName", "dimensions", "period", "stat", "unit"}
        if unknown:
            raise UnmappedInputError(f"metricQuery.metric has unmapped keys {sorted(unknown)}")
        result["MetricStat"] = {"Metric": inner, **stat}
    return result


def metric_alarm(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    inputs = dict(r.inputs)
    if "dimensions" in inputs:
        inputs["dimensions"] = _dimensions(inputs["dimensions"] or {})
    if "metricQueries" in inputs:
        inputs["metricQueries"] = [_metric_query(q) for q in inputs["metricQueries"] or []]
    params = api_params(
        "cloudwatch",
        "PutMetricAlarm",
        inputs,
        where=r.where,
        renames={
            "name": "AlarmName",
            "metricQueries": "Metrics",
            # Plural in the provider, singular in the API.
            "evaluateLowSampleCountPercentiles": "EvaluateLowSampleCountPercentile",
        },
    )
    params["AlarmName"] = name
    gw.send("cloudwatch", "PutMetricAlarm", params, r.where)
    alarms = gw.read("cloudwatch", "DescribeAlarms", {"AlarmNames": [name]}, r.where)["MetricAlarms"]
    if len(alarms) != 1:
        raise EmulatorRejectedError(f"{r.where}: PutMetricAlarm succeeded but DescribeAlarms finds {len(alarms)}")
    arn = str(alarms[0]["AlarmArn"])
    return name, r.state(name=name, arn=arn)


def composite_alarm(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name("alarmName")
    params = api_params("cloudwatch", "PutCompositeAlarm", r.inputs, where=r.where)
    params["AlarmName"] = name
    response = gw.send("cloudwatch", "PutCompositeAlarm", params, r.where)
    arn = _arn(gw, "cloudwatch", f"alarm:{name}")
    if response is not None:
        alarms = gw.read(
            "cloudwatch", "DescribeAlarms", {"AlarmNames": [name], "AlarmTypes": ["CompositeAlarm"]}, r.where
        )
        arn = str(alarms["CompositeAlarms"][0]["AlarmArn"])
    return name, r.state(alarmName=name, arn=arn)


def dashboard(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("cloudwatch", "PutDashboard", r.inputs, where=r.where)
    response = gw.send("cloudwatch", "PutDashboard", params, r.where) or {}
    messages = response.get("DashboardValidationMessages") or []
    if messages:
        # PutDashboard stores a body with warnings; the provider reports them as an error.
        raise UnmappedInputError(f"{r.where}: PutDashboard validation messages: {json.dumps(messages)}")
    name = str(params["DashboardName"])
    got = gw.read("cloudwatch", "GetDashboard", {"DashboardName": name}, r.where)
    return name, r.state(dashboardArn=str(got["DashboardArn"]))


# --------------------------------------------------------------------------------------------------
# SNS: topic attributes are a string map in the API, separate arguments in the provider.

_TOPIC_ATTRIBUTES = {
    "displayName": "DisplayName",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "policy": "Policy",
    "deliveryPolicy": "DeliveryPolicy",
    "fifoTopic": "FifoTopic",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "signatureVersion": "SignatureVersion",
    "tracingConfig": "TracingConfig",
}


def sns_topic(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    attributes = {
        api: str(r.inputs[key]).lower() if isinstance(r.inputs[key], bool) else str(r.inputs[key])
        for key, api in _TOPIC_ATTRIBUTES.items()
        if r.inputs.get(key) is not None
    }
    params = api_params(
        "sns", "CreateTopic", r.inputs, where=r.where, renames={"name": "Name"}, skip=tuple(_TOPIC_ATTRIBUTES)
    )
    params["Name"] = name
    if attributes:
        params["Attributes"] = attributes
    response = _emulated(gw.send("sns", "CreateTopic", params, r.where), r, "sns:CreateTopic")
    arn = str(response["TopicArn"])
    return arn, r.state(name=name, arn=arn)


def sns_topic_policy(gw: Gateway, r: Declared) -> tuple[str, State]:
    """``TopicPolicy`` is the topic's ``Policy`` attribute, set with SetTopicAttributes."""
    params = api_params(
        "sns",
        "SetTopicAttributes",
        r.inputs,
        where=r.where,
        renames={"arn": "TopicArn", "policy": "AttributeValue"},
    )
    params["AttributeName"] = "Policy"
    gw.send("sns", "SetTopicAttributes", params, r.where)
    return str(r.inputs["arn"]), r.state()


def sns_subscription(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("sns", "Subscribe", r.inputs, where=r.where, renames={"topic": "TopicArn"})
    # The provider asks for the ARN even while an e-mail/HTTPS subscription awaits confirmation.
    params["ReturnSubscriptionArn"] = True
    response = gw.send("sns", "Subscribe", params, r.where) or {}
    arn = str(response.get("SubscriptionArn", ""))
    return arn, r.state(arn=arn)


# --------------------------------------------------------------------------------------------------
# Application Auto Scaling


def scalable_target(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("application-autoscaling", "RegisterScalableTarget", r.inputs, where=r.where)
    response = gw.send("application-autoscaling", "RegisterScalableTarget", params, r.where) or {}
    arn = str(response.get("ScalableTargetARN", ""))
    return str(params["ResourceId"]), r.state(arn=arn)


def scaling_policy(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    params = api_params(
        "application-autoscaling", "PutScalingPolicy", r.inputs, where=r.where, renames={"name": "PolicyName"}
    )
    params["PolicyName"] = name
    response = gw.send("application-autoscaling", "PutScalingPolicy", params, r.where) or {}
    alarm_arns = [str(a["AlarmARN"]) for a in response.get("Alarms", [])]
    return name, r.state(name=name, arn=str(response.get("PolicyARN", "")), alarmArns=alarm_arns)


HANDLERS: dict[str, Handler] = {
    "aws:s3/bucket:Bucket": s3_bucket,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _bucket_sub_resource(
        "PutBucketOwnershipControls", _nest("OwnershipControls", ("rule",), as_list=True)
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _bucket_sub_resource(
        "PutPublicAccessBlock",
        _nest(
            "PublicAccessBlockConfiguration",
            ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"),
        ),
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _bucket_sub_resource(
        "PutBucketEncryption", _nest("ServerSideEncryptionConfiguration", ("rules",))
    ),
    "aws:s3/bucketVersioning:BucketVersioning": _bucket_sub_resource("PutBucketVersioning"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _bucket_sub_resource(
        "PutBucketLifecycleConfiguration", _nest("LifecycleConfiguration", ("rules",))
    ),
    "aws:s3/bucketLogging:BucketLogging": _bucket_sub_resource("PutBucketLogging", _logging),
    "aws:s3/bucketPolicy:BucketPolicy": _bucket_sub_resource("PutBucketPolicy"),
    "aws:s3/bucketObjectv2:BucketObjectv2": s3_object,
    "aws:kms/key:Key": kms_key,
    "aws:kms/alias:Alias": kms_alias,
    "aws:iam/role:Role": iam_role,
    "aws:iam/rolePolicy:RolePolicy": iam_role_policy,
    "aws:sagemaker/model:Model": _sagemaker("CreateModel", "ModelName", "ModelArn", "model"),
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": _sagemaker(
        "CreateEndpointConfig",
        "EndpointConfigName",
        "EndpointConfigArn",
        "endpoint-config",
        # The provider calls the configuration's key ``kmsKeyArn``; the API ``KmsKeyId``.
        renames={"kmsKeyArn": "KmsKeyId"},
    ),
    "aws:sagemaker/endpoint:Endpoint": _sagemaker("CreateEndpoint", "EndpointName", "EndpointArn", "endpoint"),
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": _sagemaker(
        "CreateDataQualityJobDefinition",
        "JobDefinitionName",
        "JobDefinitionArn",
        "data-quality-job-definition",
        reshape=_data_quality_inputs,
    ),
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule": _sagemaker(
        "CreateMonitoringSchedule", "MonitoringScheduleName", "MonitoringScheduleArn", "monitoring-schedule"
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": metric_alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": composite_alarm,
    "aws:cloudwatch/dashboard:Dashboard": dashboard,
    "aws:sns/topic:Topic": sns_topic,
    "aws:sns/topicPolicy:TopicPolicy": sns_topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": sns_subscription,
    "aws:appautoscaling/target:Target": scalable_target,
    "aws:appautoscaling/policy:Policy": scaling_policy,
}
