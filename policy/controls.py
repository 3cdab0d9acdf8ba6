"""The security and reliability controls, as plain functions over resource types and properties.

Both enforcement paths call these functions: the CrossGuard pack (``policy/__main__.py``, run by
``pulumi preview/up --policy-pack policy``) and the offline checker (``python -m policy.check``) over the
graph the mock runtime records. Properties are the pulumi-aws names the engine sees, camelCase in both
paths: the Python SDK translates ``server_side_encryption`` to ``serverSideEncryption`` before it
registers a resource, and the engine hands analyzers exactly those registered inputs (pulumi
``pkg/resource/deploy/step_generator.go`` builds ``AnalyzerResource{Properties: inputs}``).

Two kinds of control:

- resource controls look at one resource's inputs (CrossGuard ``ResourceValidationPolicy``);
- stack controls look at the whole graph (CrossGuard ``StackValidationPolicy``, which sees outputs), for
  rules about resources that configure another one: pulumi-aws 7 models a bucket's public access block,
  policy, logging, lifecycle, ownership, versioning and encryption as separate resources.

A stack control links a companion to its bucket through the engine's property dependencies when it has
them (known during ``pulumi preview``) and otherwise by value (the offline checker, whose mock state has
every name). This module deliberately imports nothing from ``infra``: a policy that reuses the code it
checks cannot catch that code's mistakes.
"""

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


# --------------------------------------------------------------------------------------------------
# Helpers that work on plain dicts and on CrossGuard's read-only proxies alike.


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


# --------------------------------------------------------------------------------------------------
# S3


def _public_access(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    blocks = _companions(bucket, resources, PUBLIC_ACCESS_BLOCK)
    if not blocks:
        return ["has no BucketPublicAccessBlock"]
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    return [f"{flag} is not true" for flag in flags if not any(b.props.get(flag) is True for b in blocks)]


def _denies_insecure_transport(statement: Mapping[str, Any], arn: Any) -> bool:
    principal = statement.get("Principal")
    actions = _seq(statement.get("Action"))
    resources = {str(r) for r in _seq(statement.get("Resource"))}
    if isinstance(arn, str):
        covers = {arn, f"{arn}/*"} <= resources
    else:
        covers = any(r.endswith("/*") for r in resources) and any(not r.endswith("/*") for r in resources)
    return (
        statement.get("Effect") == "Deny"
        and (principal == "*" or _get(principal, "AWS") == "*")
        and ("s3:*" in actions or "*" in actions)
        and str(_get(statement, "Condition", "Bool", "aws:SecureTransport")).lower() == "false"
        and covers
    )


def _tls_only(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    policies = _companions(bucket, resources, BUCKET_POLICY)
    if not policies:
        return ["has no bucket policy (S3.5 needs one that denies requests without TLS)"]
    arn = bucket.props.get("arn")
    for policy in policies:
        if any(_denies_insecure_transport(s, arn) for s in _statements(_document(policy.props.get("policy")))):
            return []
    return ["its bucket policy does not deny s3:* to everyone when aws:SecureTransport is false"]


def _access_logging(bucket: Resource, resources: Sequence[Resource], is_log_target: bool) -> list[str]:
    if is_log_target:
        # The access-log bucket itself is not logged: logging it into itself would log every log write.
        return []
    loggings = [lg for lg in _companions(bucket, resources, BUCKET_LOGGING) if lg.props.get("targetBucket")]
    if not loggings:
        return ["has no server access logging (BucketLogging with a targetBucket)"]
    if any(_linked(lg, "targetBucket", bucket) for lg in loggings):
        return ["logs into itself"]
    return []


def _lifecycle(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    rules = [
        rule
        for config in _companions(bucket, resources, BUCKET_LIFECYCLE)
        for rule in _seq(config.props.get("rules"))
        if isinstance(rule, Mapping) and rule.get("status") == "Enabled"
    ]
    if not rules:
        return ["has no enabled lifecycle rule (S3.13)"]
    if not any(rule.get("noncurrentVersionExpiration") for rule in rules):
        return ["has no enabled rule expiring noncurrent versions (S3.10: versioned buckets need one)"]
    return []


def _no_acls(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    problems = []
    ownership = [_get(c.props, "rule", "objectOwnership") for c in _companions(bucket, resources, BUCKET_OWNERSHIP)]
    if "BucketOwnerEnforced" not in ownership:
        problems.append("object ownership is not BucketOwnerEnforced (ACLs stay enabled)")
    if any(_companions(bucket, resources, acl) for acl in BUCKET_ACLS) or bucket.props.get("acl") not in (
        None,
        "private",
    ):
        problems.append("has an ACL")
    return problems


def _versioning(bucket: Resource, resources: Sequence[Resource], _: bool) -> list[str]:
    statuses = [
        _get(v.props, "versioningConfiguration", "status") for v in _companions(bucket, resources, BUCKET_VERSIONING)
    ]
    return [] if "Enabled" in statuses else ["versioning is not Enabled"]


def _kms_encryption(bucket: Resource, resources: Sequence[Resource], is_log_target: bool) -> list[str]:
    defaults = [
        _get(rule, "applyServerSideEncryptionByDefault")
        for config in _companions(bucket, resources, BUCKET_ENCRYPTION)
        for rule in _seq(config.props.get("rules"))
    ]
    defaults = [d for d in defaults if isinstance(d, Mapping)]
    if any(d.get("sseAlgorithm") in ("aws:kms", "aws:kms:dsse") and d.get("kmsMasterKeyId") for d in defaults):
        return []
    if is_log_target and any(d.get("sseAlgorithm") == "AES256" for d in defaults):
        # Documented exception: S3 server access logging cannot deliver to a bucket whose default
        # encryption is SSE-KMS, so the access-log bucket uses SSE-S3.
        return []
    return ["default encryption is not SSE-KMS with a customer-managed key"]


# --------------------------------------------------------------------------------------------------
# SageMaker


def _variants(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [v for v in _seq(props.get("productionVariants")) if isinstance(v, Mapping)]


def _variant_instance_count(type_token: str, props: Mapping[str, Any]) -> list[str]:
    problems = []
    for variant in _variants(props):
        if variant.get("serverlessConfig"):
            continue  # serverless variants have no instances to spread
        count = variant.get("initialInstanceCount")
        if not isinstance(count, int | float) or count <= 1:
            problems.append(f"variant {variant.get('variantName')}: initialInstanceCount {_number(count)} is not > 1")
    return problems


def _model_network_isolation(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    configs = _of_type(resources, ENDPOINT_CONFIG)
    violations = []
    for model in _of_type(resources, MODEL):
        if model.props.get("enableNetworkIsolation") is True:
            continue
        serving: list[Mapping[str, Any]] = []
        for config in configs:
            variants = _variants(config.props)
            if config.property_dependencies.get("productionVariants"):
                # CrossGuard: the model's name is unknown before it exists, its URN is not.
                serving += variants if _linked(config, "productionVariants", model) else []
            else:
                name = model.props.get("name")
                serving += [v for v in variants if name is not None and v.get("modelName") == name]
        if serving and all(v.get("serverlessConfig") for v in serving):
            continue  # exempt: serverless inference does not support network isolation
        violations.append((model.urn, f"model {model.name}: enableNetworkIsolation is not true"))
    return violations


def has_local_nvme(instance_type: Any) -> bool:
    parts = str(instance_type).split(".")
    return len(parts) == 3 and parts[1] in LOCAL_NVME_FAMILIES


def _endpoint_config_kms(type_token: str, props: Mapping[str, Any]) -> list[str]:
    realtime = [v for v in _variants(props) if not v.get("serverlessConfig")]
    # Serverless endpoint configurations reject a KMS key, local-NVMe instances too (see above).
    needs_key = [v for v in realtime if not has_local_nvme(v.get("instanceType"))]
    if needs_key and not props.get("kmsKeyArn"):
        return ["kmsKeyArn is not set: the variants' ML storage volumes are not encrypted with the project key"]
    return []


def _data_capture_encrypted(type_token: str, props: Mapping[str, Any]) -> list[str]:
    capture = props.get("dataCaptureConfig")
    if isinstance(capture, Mapping) and capture.get("enableCapture") is not False and not capture.get("kmsKeyId"):
        return ["dataCaptureConfig.kmsKeyId is not set: captured requests and responses are not KMS-encrypted"]
    return []


def _monitoring_network(flag: str, label: str) -> ResourceCheck:
    def check(type_token: str, props: Mapping[str, Any]) -> list[str]:
        return [] if _get(props, "networkConfig", flag) is True else [f"networkConfig.{flag} is not true ({label})"]

    return check


# --------------------------------------------------------------------------------------------------
# IAM and KMS


def _full_access(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if type_token == ROLE:
        arns = _seq(props.get("managedPolicyArns"))
    else:
        arns = _seq(props.get(POLICY_ATTACHMENTS[type_token]))
    return [f"attaches the AWS managed policy {arn}" for arn in arns if str(arn).endswith("FullAccess")]


def _allows_every_action(document: Mapping[str, Any] | None) -> bool:
    return any(
        s.get("Effect") == "Allow" and any(a in ("*", "*:*") for a in _seq(s.get("Action")))
        for s in _statements(document)
    )


def _wildcard_action(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if type_token == ROLE:
        documents = [_document(_get(p, "policy")) for p in _seq(props.get("inlinePolicies"))]
    else:
        documents = [_document(props.get(IAM_POLICY_DOCUMENTS[type_token]))]
    return ['a statement allows Action "*"'] if any(_allows_every_action(d) for d in documents) else []


def _trust_source_account(type_token: str, props: Mapping[str, Any]) -> list[str]:
    problems = []
    for statement in _statements(_document(props.get("assumeRolePolicy"))):
        services = _seq(_get(statement, "Principal", "Service"))
        if statement.get("Effect") != "Allow" or "sagemaker.amazonaws.com" not in services:
            continue
        conditions = statement.get("Condition")
        operators = conditions.values() if isinstance(conditions, Mapping) else []
        if not any(isinstance(o, Mapping) and "aws:SourceAccount" in o for o in operators):
            problems.append("trusts sagemaker.amazonaws.com without an aws:SourceAccount condition (confused deputy)")
    return problems


def _key_rotation(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if props.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return []  # KMS rotates only symmetric encryption keys
    return [] if props.get("enableKeyRotation") is True else ["enableKeyRotation is not true"]


# --------------------------------------------------------------------------------------------------
# This project's own rules


def _dimension_problems(where: str, namespace: Any, dimensions: Any) -> list[str]:
    keys = set(dimensions) if isinstance(dimensions, Mapping) else set()
    if not keys:
        return [f"{where}: no dimensions (an alarm without dimensions watches nothing)"]
    if namespace in SAGEMAKER_NAMESPACES and not {"EndpointName", "VariantName"} <= keys:
        return [f"{where}: {namespace} metrics need EndpointName and VariantName dimensions, got {sorted(keys)}"]
    if namespace == MODEL_MONITOR_NAMESPACE and not {"Endpoint", "MonitoringSchedule"} <= keys:
        return [f"{where}: {namespace} metrics need Endpoint and MonitoringSchedule dimensions, got {sorted(keys)}"]
    return []


def _alarm_dimensions(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if props.get("metricName"):
        return _dimension_problems("metric", props.get("namespace"), props.get("dimensions"))
    problems = []
    for query in _seq(props.get("metricQueries")):
        metric = _get(query, "metric")
        if isinstance(metric, Mapping):
            where = f"metric query {_get(query, 'id')}"
            problems += _dimension_problems(where, metric.get("namespace"), metric.get("dimensions"))
    return problems


def _environment(resources: Sequence[Resource]) -> set[str]:
    return {str(_get(c.props, "tags", "environment")) for c in _of_type(resources, ENDPOINT_CONFIG)}


def _prod_capacity(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    if "prod" not in _environment(resources):
        return []
    violations = []
    for config in _of_type(resources, ENDPOINT_CONFIG):
        for variant in _variants(config.props):
            count = variant.get("initialInstanceCount")
            if variant.get("serverlessConfig") or not isinstance(count, int | float) or count < 2:
                violations.append(
                    (
                        config.urn,
                        f"{config.name}: prod variant {variant.get('variantName')} must be real-time, >= 2 instances",
                    )
                )
    for target in _of_type(resources, SCALABLE_TARGET):
        minimum = target.props.get("minCapacity")
        if target.props.get("serviceNamespace") == "sagemaker" and (
            not isinstance(minimum, int | float) or minimum < 2
        ):
            violations.append(
                (target.urn, f"{target.name}: prod autoscaling minCapacity {_number(minimum)} is below 2")
            )
    return violations


def _blue_green(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    configs = _of_type(resources, ENDPOINT_CONFIG)
    alarm_names = {a.props.get("name") for a in _of_type(resources, METRIC_ALARM)}
    violations = []
    for endpoint in _of_type(resources, ENDPOINT):
        serving = [c for c in configs if _linked(endpoint, "endpointConfigName", c, ("name",))]
        if not any(v for c in serving for v in _variants(c.props) if not v.get("serverlessConfig")):
            continue  # serverless endpoints update all at once: there is no fleet to shift
        routing = _get(endpoint.props, "deploymentConfig", "blueGreenUpdatePolicy", "trafficRoutingConfiguration")
        if not isinstance(routing, Mapping) or not routing.get("type"):
            violations.append((endpoint.urn, f"endpoint {endpoint.name}: no blue/green traffic routing"))
        alarms = [
            _get(a, "alarmName")
            for a in _seq(_get(endpoint.props, "deploymentConfig", "autoRollbackConfiguration", "alarms"))
        ]
        if not alarms:
            violations.append((endpoint.urn, f"endpoint {endpoint.name}: no auto-rollback alarms"))
        missing = sorted(str(a) for a in alarms if a not in alarm_names)
        if missing:
            violations.append((endpoint.urn, f"endpoint {endpoint.name}: rollback alarms not in the stack: {missing}"))
    return violations


def _required_tags(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if type_token not in TAGGABLE:
        return []
    tags = props.get("tags")
    present = {k for k, v in tags.items() if v} if isinstance(tags, Mapping) else set()
    missing = [t for t in REQUIRED_TAGS if t not in present]
    return [f"missing tags: {', '.join(missing)}"] if missing else []


def _typed(types: Collection[str], check: ResourceCheck) -> ResourceCheck:
    def run(type_token: str, props: Mapping[str, Any]) -> list[str]:
        return check(type_token, props) if type_token in types else []

    return run


CONTROLS: tuple[Control, ...] = (
    Control(
        "s3.1-s3.8-block-public-access",
        "S3.1/S3.8",
        "S3.1/S3.8: every bucket has a public access block with all four settings on.",
        stack_check=_per_bucket(_public_access),
    ),
    Control(
        "s3.5-tls-only",
        "S3.5",
        "S3.5: every bucket policy denies s3:* to everyone when aws:SecureTransport is false.",
        stack_check=_per_bucket(_tls_only),
    ),
    Control(
        "s3.9-access-logging",
        "S3.9",
        "S3.9: every bucket writes server access logs to another bucket (the log bucket itself is exempt).",
        stack_check=_per_bucket(_access_logging),
    ),
    Control(
        "s3.10-s3.13-lifecycle",
        "S3.10/S3.13",
        "S3.10/S3.13: every bucket has an enabled lifecycle rule, including one expiring noncurrent versions.",
        stack_check=_per_bucket(_lifecycle),
    ),
    Control(
        "s3.12-no-acls",
        "S3.12",
        "S3.12: ACLs are disabled (object ownership BucketOwnerEnforced) and no bucket ACL is declared.",
        stack_check=_per_bucket(_no_acls),
    ),
    Control(
        "s3.14-versioning",
        "S3.14",
        "S3.14: versioning is enabled on every bucket.",
        stack_check=_per_bucket(_versioning),
    ),
    Control(
        "s3.17-kms-encryption",
        "S3.17",
        "S3.17: default encryption is SSE-KMS with a customer-managed key. Exception: the access-log bucket "
        "uses SSE-S3, because S3 server access logging cannot deliver to an SSE-KMS encrypted bucket.",
        stack_check=_per_bucket(_kms_encryption),
    ),
    Control(
        "sagemaker.4-variant-instance-count",
        "SageMaker.4",
        "SageMaker.4: real-time production variants start with more than one instance (spread across "
        "Availability Zones); serverless variants have no instances and are exempt.",
        resource_check=_typed((ENDPOINT_CONFIG,), _variant_instance_count),
    ),
    Control(
        "sagemaker.5-model-network-isolation",
        "SageMaker.5",
        "SageMaker.5: models run with network isolation. Exempt: models served only by serverless "
        "variants, because serverless inference does not support network isolation.",
        stack_check=_model_network_isolation,
    ),
    Control(
        "sagemaker-endpoint-config-kms",
        "SageMaker (AWS FSBP endpoint configuration encryption)",
        "Endpoint configurations encrypt ML storage volumes with the project KMS key, where the instance type "
        "allows it (not serverless, not local-NVMe instance families).",
        resource_check=_typed((ENDPOINT_CONFIG,), _endpoint_config_kms),
    ),
    Control(
        "sagemaker-data-capture-kms",
        "SageMaker data capture encryption",
        "Data capture writes requests and responses to S3 encrypted with a KMS key.",
        resource_check=_typed((ENDPOINT_CONFIG,), _data_capture_encrypted),
    ),
    Control(
        "sagemaker.9-15-monitoring-network-isolation",
        "SageMaker.9-.15/.20/.22/.25 (network isolation)",
        "SageMaker.9-.15/.20/.22/.25 family: Model Monitor job definitions run with network isolation.",
        resource_check=_typed((DATA_QUALITY_JOB,), _monitoring_network("enableNetworkIsolation", "network isolation")),
    ),
    Control(
        "sagemaker.9-15-monitoring-inter-container-encryption",
        "SageMaker.9-.15/.20/.22/.25 (inter-container encryption)",
        "SageMaker.9-.15/.20/.22/.25 family: Model Monitor job definitions encrypt traffic between containers.",
        resource_check=_typed(
            (DATA_QUALITY_JOB,),
            _monitoring_network("enableInterContainerTrafficEncryption", "inter-container traffic encryption"),
        ),
    ),
    Control(
        "iam-no-full-access-policies",
        "IAM least privilege (no *FullAccess)",
        "No role, user or group attaches an AWS managed *FullAccess policy (e.g. AmazonSageMakerFullAccess).",
        resource_check=_typed((ROLE, *POLICY_ATTACHMENTS), _full_access),
    ),
    Control(
        "iam-no-wildcard-action",
        'IAM.1-style (no Action "*")',
        'No IAM policy statement allows every action (Action "*").',
        resource_check=_typed((ROLE, *IAM_POLICY_DOCUMENTS), _wildcard_action),
    ),
    Control(
        "iam-sagemaker-trust-source-account",
        "IAM confused-deputy guard",
        "Roles SageMaker may assume restrict the trust to this account with an aws:SourceAccount condition.",
        resource_check=_typed((ROLE,), _trust_source_account),
    ),
    Control(
        "kms.4-key-rotation",
        "KMS.4",
        "KMS.4: automatic rotation is enabled on symmetric customer-managed keys.",
        resource_check=_typed((KMS_KEY,), _key_rotation),
    ),
    Control(
        "mlops-alarm-dimensions",
        "mlops (ours)",
        "CloudWatch metric alarms carry dimensions; AWS/SageMaker and /aws/sagemaker/Endpoints metrics carry "
        "EndpointName and VariantName, Model Monitor metrics Endpoint and MonitoringSchedule.",
        resource_check=_typed((METRIC_ALARM,), _alarm_dimensions),
    ),
    Control(
        "mlops-prod-capacity",
        "mlops (ours)",
        "In prod, every endpoint variant is real-time with at least 2 instances and autoscaling never goes "
        "below 2 (one instance is one Availability Zone).",
        stack_check=_prod_capacity,
    ),
    Control(
        "mlops-blue-green-rollback",
        "mlops (ours)",
        "Real-time endpoints roll out blue/green with auto-rollback alarms that exist in the stack.",
        stack_check=_blue_green,
    ),
    Control(
        "mlops-required-tags",
        "mlops (ours)",
        f"Taggable resources carry the tags {', '.join(REQUIRED_TAGS)} (S3 objects excepted).",
        resource_check=_required_tags,
    ),
)


def evaluate(
    inputs: Sequence[Resource], outputs: Sequence[Resource], controls: Sequence[Control] = CONTROLS
) -> list[Violation]:
    """Every violation of ``controls``: resource checks over each resource's inputs, stack checks over
    the outputs, as CrossGuard runs them (``ResourceValidationPolicy`` / ``StackValidationPolicy``)."""
    violations: list[Violation] = []
    for control in controls:
        if control.resource_check is not None:
            for resource in inputs:
                violations += [
                    Violation(control.name, resource.urn, m)
                    for m in control.resource_check(resource.type, resource.props)
                ]
        if control.stack_check is not None:
            violations += [Violation(control.name, urn, m) for urn, m in control.stack_check(outputs)]
    return violations
