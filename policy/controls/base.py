"""What every control works with: the resource view, the graph helpers and the resource types they read."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from offline import tokens

BUCKET = tokens.S3_BUCKET


PUBLIC_ACCESS_BLOCK = tokens.S3_PUBLIC_ACCESS_BLOCK


BUCKET_POLICY = tokens.S3_BUCKET_POLICY


BUCKET_LOGGING = tokens.S3_BUCKET_LOGGING


BUCKET_LIFECYCLE = tokens.S3_BUCKET_LIFECYCLE


BUCKET_OWNERSHIP = tokens.S3_OWNERSHIP_CONTROLS


BUCKET_VERSIONING = tokens.S3_BUCKET_VERSIONING


BUCKET_ENCRYPTION = tokens.S3_BUCKET_ENCRYPTION


BUCKET_NOTIFICATION = tokens.S3_BUCKET_NOTIFICATION


BUCKET_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")


MODEL = tokens.SAGEMAKER_MODEL


ENDPOINT_CONFIG = tokens.SAGEMAKER_ENDPOINT_CONFIG


ENDPOINT = tokens.SAGEMAKER_ENDPOINT


DATA_QUALITY_JOB = tokens.SAGEMAKER_DATA_QUALITY_JOB


SCALABLE_TARGET = tokens.SCALABLE_TARGET


METRIC_ALARM = tokens.METRIC_ALARM


KMS_KEY = tokens.KMS_KEY


ROLE = tokens.IAM_ROLE


IAM_POLICY_DOCUMENTS = {
    tokens.IAM_ROLE_POLICY: "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}


POLICY_ATTACHMENTS = {
    tokens.IAM_ROLE_POLICY_ATTACHMENT: "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
}


REQUIRED_TAGS = ("project", "stack", "environment", "managed-by")


# Resource types of this program that accept tags (pulumi-aws 7), kept complete by a test.
# S3 objects are left out on purpose: object tags are data-plane labels S3 bills per tag and caps at ten
# per object; cost allocation for stored data comes from the bucket's tags.
TAGGABLE = frozenset(
    {
        ROLE,
        KMS_KEY,
        BUCKET,
        MODEL,
        ENDPOINT_CONFIG,
        ENDPOINT,
        DATA_QUALITY_JOB,
        tokens.SAGEMAKER_MONITORING_SCHEDULE,
        METRIC_ALARM,
        tokens.COMPOSITE_ALARM,
        tokens.SNS_TOPIC,
        SCALABLE_TARGET,
        tokens.SAGEMAKER_MODEL_PACKAGE_GROUP,
        tokens.EVENT_RULE,
        "aws:comprehend/entityRecognizer:EntityRecognizer",
        "aws:comprehend/documentClassifier:DocumentClassifier",
        tokens.LAMBDA_FUNCTION,
        tokens.SQS_QUEUE,
        tokens.LOG_GROUP,
        tokens.HTTP_API,
        tokens.HTTP_API_STAGE,
    }
    | {
        tokens.LOG_GROUP,
        tokens.EC2_VPC,
        tokens.EC2_SUBNET,
        tokens.EC2_ROUTE_TABLE,
        tokens.EC2_SECURITY_GROUP,
        tokens.EC2_VPC_ENDPOINT,
        tokens.VPC_INGRESS_RULE,
        tokens.VPC_EGRESS_RULE,
        tokens.SAGEMAKER_NOTEBOOK,
        tokens.SAGEMAKER_NOTEBOOK_LIFECYCLE,
    }
)


SAGEMAKER_NAMESPACES = ("AWS/SageMaker", "/aws/sagemaker/Endpoints")


MODEL_MONITOR_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"


# Instance families with local NVMe storage: SageMaker rejects a volume KMS key for them, because the
# instance store is hardware-encrypted and there is no EBS volume to encrypt.
LOCAL_NVME_FAMILIES = frozenset({"c5d", "m5d", "r5d", "g4dn", "g5", "g6", "p3dn", "p4d", "p5", "inf2", "trn1"})


@dataclass(frozen=True)
class Resource:
    """One resource as a stack control sees it. ``property_dependencies`` maps a property to the URNs
    of the resources its value came from (CrossGuard knows them, the offline checker does not)."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Violation:
    policy: str
    urn: str | None
    message: str


ResourceCheck = Callable[[str, Mapping[str, Any]], list[str]]


StackCheck = Callable[[Sequence[Resource]], list[tuple[str, str]]]


@dataclass(frozen=True)
class Control:
    """``name`` is the policy name (it carries the control id); ``check`` takes (type, props) for a
    resource control or the resource list for a stack control."""

    name: str
    control_id: str
    description: str
    resource_check: ResourceCheck | None = None
    stack_check: StackCheck | None = None


def _seq(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes | Mapping):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]


def _number(value: Any) -> str:
    """Numbers reach policies as doubles (the engine's wire format): show 2.0 as 2."""
    return f"{value:g}" if isinstance(value, int | float) and not isinstance(value, bool) else repr(value)


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _document(value: Any) -> Mapping[str, Any] | None:
    """An IAM/S3 policy document from its JSON string (or an already decoded mapping)."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return None
        return decoded if isinstance(decoded, Mapping) else None
    return None


def _statements(document: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return [s for s in _seq(_get(document, "Statement")) if isinstance(s, Mapping)]


def _linked(
    resource: Resource, prop: str, target: Resource, identities: Sequence[str] = ("bucket", "id", "name")
) -> bool:
    """Whether ``resource.props[prop]`` refers to ``target``."""
    dependencies = resource.property_dependencies.get(prop)
    if dependencies:
        return target.urn in dependencies
    value = resource.props.get(prop)
    if value is None:
        return False
    return any(target.props.get(key) == value for key in identities if target.props.get(key) is not None)


def _companions(bucket: Resource, resources: Sequence[Resource], type_token: str) -> list[Resource]:
    return [r for r in resources if r.type == type_token and _linked(r, "bucket", bucket)]


def _of_type(resources: Sequence[Resource], type_token: str) -> list[Resource]:
    return [r for r in resources if r.type == type_token]


def log_targets(resources: Sequence[Resource]) -> set[str]:
    """URNs of the buckets that receive S3 server access logs."""
    loggings = _of_type(resources, BUCKET_LOGGING)
    return {b.urn for b in _of_type(resources, BUCKET) if any(_linked(lg, "targetBucket", b) for lg in loggings)}


def _per_bucket(
    check: Callable[[Resource, Sequence[Resource], bool], list[str]],
) -> StackCheck:
    def run(resources: Sequence[Resource]) -> list[tuple[str, str]]:
        targets = log_targets(resources)
        return [
            (bucket.urn, f"bucket {bucket.name}: {message}")
            for bucket in _of_type(resources, BUCKET)
            for message in check(bucket, resources, bucket.urn in targets)
        ]

    return run


def _typed(types: Collection[str], check: ResourceCheck) -> ResourceCheck:
    def run(type_token: str, props: Mapping[str, Any]) -> list[str]:
        return check(type_token, props) if type_token in types else []

    return run


def _variants(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [v for v in _seq(props.get("productionVariants")) if isinstance(v, Mapping)]
