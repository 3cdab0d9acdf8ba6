"""Stack configuration: one declarative schema for every key the program reads, validated once, here.

Every namespace is checked: ``aws:`` (the provider's keys this project uses), ``mlops:`` (the program's),
and the project's own namespace, which Pulumi writes to when ``pulumi config set`` is given no namespace
and which this program does not read. A typo anywhere — a top-level key, a nested one, a ``--set`` path —
is an error naming the key, the nearest known key and the stack file. The schema is pydantic models with
extra keys forbidden; the environment defaults are data (``DEFAULTS``) validated by the same models; the
rules between fields (settings that do not apply to the endpoint type or rollout strategy, AWS limits,
region capability) follow the models. Every error has the form ``[mlops:autoscaling.max] must be >=
autoscaling.min (got 2 < 3)``.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from infra.errors import ArtifactError, ConfigError
from infra.model import images
from infra.model.artifact import ARTIFACT_KEY, LocalArtifact, read_local_artifact
from infra.model.remote import PUBLISHED, RemoteArtifact
from infra.partitions import SUPPORTED, partition
from infra.registry import resolve as registry
from infra.registry.documents import group_name
from infra.text.settings import DEFAULTS as TEXT_DEFAULTS
from infra.text.settings import TextSection, TextSettings, TrainingDataError, resolve
from monitoring.catalogue import MonitoringSettings
from monitoring.errors import UserInputError
from monitoring.instance_types import UnknownInstanceTypeError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where a registered version's artifact and baseline are fetched to (mlops:modelPackage), by sha256.
REGISTRY_CACHE = PROJECT_ROOT / "build" / "registry"
M = TypeVar("M", bound=BaseModel)

Environment = Literal["dev", "staging", "prod"]
EndpointType = Literal["realtime", "serverless"]
Strategy = Literal["allAtOnce", "canary", "linear"]
Schedule = Literal["off", "hourly", "daily"]
Family = Literal["sklearn", "xgboost"]

ENVIRONMENTS: tuple[Environment, ...] = ("dev", "staging", "prod")
# The SageMaker scikit-learn serving images the SDK's catalogue knows, by scikit-learn minor version.
SERVING_IMAGE_BY_SKLEARN_MINOR = {"1.9": "1.9-0", "1.4": "1.4-2-py312", "1.2": "1.2-1", "1.0": "1.0-1"}
# The exact scikit-learn a serving image ships, from its build files (aws/deep-learning-containers
# docker/sklearn/1.9-0/pyproject.toml pins scikit-learn==1.9.0). A model pickled by another patch release
# unpickles there with InconsistentVersionWarning, which scikit-learn does not support.
SKLEARN_VERSION_BY_SERVING_IMAGE = {"1.9-0": "1.9.0"}
BASELINE_FILES = ("statistics.json", "constraints.json")

# The provider settings this project documents (Pulumi.local.yaml uses the skip*/endpoint ones); any other
# aws: key is a typo the provider would silently ignore.
AWS_KEYS = (
    "region",
    "profile",
    "accessKey",
    "secretKey",
    "token",
    "sharedCredentialsFiles",
    "sharedConfigFiles",
    "assumeRole",
    "skipCredentialsValidation",
    "skipRequestingAccountId",
    "skipMetadataApiCheck",
    "skipRegionValidation",
    "s3UsePathStyle",
    "endpoints",
    "maxRetries",
    "retryMode",
)
# Keys whose value is a structure (JSON-encoded by the CLI) or a boolean; the rest are plain strings.
_STRUCTURED = (
    "endpoint",
    "rollout",
    "autoscaling",
    "alarms",
    "monitoring",
    "tags",
    "artifactManifest",
    "model",
    "applications",
    "text",
    "logs",
    "network",
    "notebook",
    "replication",
)
_BOOLEAN = ("retainData",)

# The platform's own tags, on every resource; AWS allows 50 tags per resource.
PLATFORM_TAGS = ("project", "stack", "environment", "managed-by")
MAX_TAGS = 50
_TAG_CHARS = re.compile(r"^[\w\s.:/=+\-@]*$")
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# CloudWatch alarm / SageMaker endpoint names: alphanumerics and hyphens, at most 63 characters.
_ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)
_HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s]*)?$")
# Values that are meant to be replaced before a deployment reaches anyone.
_PLACEHOLDER = re.compile(
    r"REPLACE[_-]?ME|CHANGE[_-]?ME|TODO|@example\.(com|org|net)\b|//([a-z0-9-]+\.)*example\.(com|org|net)\b", re.I
)
# Auto-named children append "-<7 hex>" to "<prefix>-<suffix>"; the longest suffix decides the prefix limit:
# S3 bucket names are at most 63 characters ("<prefix>-artifacts-xxxxxxx"), IAM role names 64.
_LONGEST_BUCKET_SUFFIX = len("-artifacts-") + 7
MAX_PREFIX = 63 - _LONGEST_BUCKET_SUFFIX


class _Section(BaseModel):
    """A config object: camelCase keys as users write them, unknown keys forbidden, types strict."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, alias_generator=to_camel, populate_by_name=True)


Count = Annotated[int, Field(ge=1, le=100)]
# YAML lists arrive as lists; the settings keep them as tuples (frozen). Items must still be strings.
Endpoints = Annotated[tuple[Annotated[str, Field(strict=True)], ...], Field(strict=False)]
Seconds = Annotated[int, Field(ge=0, le=3600)]


class EndpointSettings(_Section):
    name: str
    type: EndpointType
    variant_name: str = "primary"
    instance_type: str | None = None
    instance_count: Count = 1
    memory_size_mb: Annotated[int, Field(ge=1, le=1 << 20)] | None = None
    max_concurrency: Annotated[int, Field(ge=1, le=200)] | None = None
    data_capture_percent: Annotated[int, Field(ge=0, le=100)] = 0
    startup_timeout_seconds: Annotated[int, Field(ge=60, le=3600)] | None = None

    @property
    def serverless(self) -> bool:
        return self.type == "serverless"

    def require(self, field: str) -> int:
        """A setting the schema fills for this endpoint type (its defaults are data, see TYPE_DEFAULTS)."""
        value = getattr(self, field)
        if not isinstance(value, int):  # pragma: no cover - guaranteed by TYPE_DEFAULTS
            raise ConfigError(f"mlops:endpoint.{to_camel(field)}", f"is required for a {self.type} endpoint")
        return value


class RolloutSettings(_Section):
    strategy: Strategy
    traffic_percent: Annotated[int, Field(ge=1, le=100)] | None = None
    wait_seconds: Seconds = 600
    termination_wait_seconds: Seconds = 300
    max_execution_seconds: Annotated[int, Field(ge=600, le=14400)] = 3600


class AutoscalingSettings(_Section):
    min_capacity: Count = Field(alias="min")
    max_capacity: Count = Field(alias="max")
    # AWS sizing rule: target = max RPS of one instance x 60 x safety factor (0.5 to start).
    target_invocations_per_instance: Annotated[float, Field(ge=1.0, le=1_000_000.0)] = 600.0
    scale_in_cooldown_seconds: Seconds = 300
    scale_out_cooldown_seconds: Seconds = 60


class AlarmSettings(_Section):
    latency_slo_ms: Annotated[float, Field(ge=1.0, le=60_000.0)] = 250.0
    error_rate: Annotated[float, Field(ge=0.0001, le=1.0)] = 0.01
    client_error_rate: Annotated[float, Field(ge=0.0001, le=1.0)] = 0.05
    # Notification endpoints: set them as secrets (`pulumi config set --secret --path ...`).
    notify_emails: Endpoints = ()
    notify_https: Endpoints = ()
    page_https: Endpoints = ()


class MonitoringSection(_Section):
    data_quality_schedule: Schedule


class ArtifactManifestSection(_Section):
    """``mlops:artifactManifest``: the facts of an s3:// artifact, as ``training.launch`` prints them."""

    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    sklearn_version: Annotated[str, Field(pattern=r"^\d+\.\d+(\.\d+)?$")]
    features: Annotated[tuple[Annotated[str, Field(strict=True, min_length=1)], ...], Field(strict=False, min_length=1)]


class ModelSection(_Section):
    """``mlops:model``: which model family the stack serves (the artifact must be of that family)."""

    family: Family = "sklearn"


# The built-in XGBoost image the XGBoost family serves when the artifact is an s3:// URI (a local
# artifact's manifest names its own); its xgboost release is the one training/boost.py pins.
XGBOOST_IMAGE_VERSION = "3.0-5"
# The built-in container's tarball (only ``xgboost-model``), beside the family's artifact.
BOOSTER_TARBALL = "xgboost-model.tar.gz"


# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


class ApplicationSettings(_Section):
    """``mlops:applications``: the scoring function, the HTTP API and their function."""

    log_retention_days: int
    # Lambda: 128 MB to 10,240 MB; up to 900 s. The scoring handler stops 30 s before its timeout.
    scoring_memory_mb: Annotated[int, Field(ge=128, le=10240)] = 1024
    scoring_timeout_seconds: Annotated[int, Field(ge=60, le=900)] = 900
    # Concurrent requests one endpoint instance sustains (the load test's "sustainable concurrency per
    # instance"); realtime endpoints only, a serverless endpoint states mlops:endpoint.maxConcurrency.
    endpoint_concurrency_per_instance: Annotated[int, Field(ge=1, le=1000)] | None = None
    # The share of the endpoint's capacity batch scoring may take; online callers keep the rest.
    scoring_concurrency_share: Annotated[float, Field(ge=0.05, le=1.0)] = 0.5
    api_memory_mb: Annotated[int, Field(ge=128, le=10240)] = 512
    # API Gateway HTTP APIs wait at most 30 s for an integration: the function must answer before that.
    api_timeout_seconds: Annotated[int, Field(ge=1, le=29)] = 29
    throttling_rate_limit: Annotated[float, Field(ge=1.0, le=10_000.0)]
    throttling_burst_limit: Annotated[int, Field(ge=1, le=5000)]
    cors_allow_origins: Endpoints = ()
    # The JWT authorizer (staging and prod); dev authorizes with AWS_IAM (SigV4) instead.
    jwt_issuer: str | None = None
    jwt_audience: Endpoints = ()
    latency_alarm_ms: Annotated[float, Field(ge=1.0, le=30_000.0)] = 1000.0
    # The model's manifest.json, for an s3:// artifact (a local artifact carries its own).
    manifest: str | None = None

    @property
    def jwt(self) -> bool:
        return self.jwt_issuer is not None


# Per environment, as data: dev keeps logs briefly and throttles low; prod keeps a year.
APPLICATION_DEFAULTS: dict[Environment, dict[str, Any]] = {
    "dev": {"logRetentionDays": 14, "throttlingRateLimit": 10.0, "throttlingBurstLimit": 20},
    "staging": {"logRetentionDays": 30, "throttlingRateLimit": 50.0, "throttlingBurstLimit": 100},
    "prod": {"logRetentionDays": 365, "throttlingRateLimit": 100.0, "throttlingBurstLimit": 200},
}
# Realtime endpoints without a measured value: 4 concurrent requests per instance (2 workers x 2).
DEFAULT_CONCURRENCY_PER_INSTANCE = 4
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


class _Keys(_Section):
    """The ``mlops:`` namespace: every top-level key the program reads."""

    environment: Environment
    artifact: str = ""
    artifact_manifest: dict[str, Any] | None = None
    serving_image_version: str | None = None
    endpoint: dict[str, Any] = {}
    rollout: dict[str, Any] = {}
    autoscaling: dict[str, Any] | None = None
    alarms: dict[str, Any] = {}
    monitoring: dict[str, Any] = {}
    retain_data: bool | None = None
    tags: dict[str, str] = {}
    # A registered version instead of the artifact file: `latest-approved` or a version ARN.
    model_package: str | None = None
    model: dict[str, Any] = {}
    text: dict[str, Any] = {}
    applications: dict[str, Any] = {}
    logs: dict[str, Any] = {}
    network: dict[str, Any] = {}
    notebook: dict[str, Any] = {}
    replication: dict[str, Any] = {}


# --------------------------------------------------------------------------------------------------
# Logs, network, notebook and replication: what the security findings and the notebook need.

NetworkMode = Literal["off", "create", "existing"]
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")
_SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$")
_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")
_CIDR = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})$")
_NOTEBOOK_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
# A second region for each supported primary: replicas live far enough away to survive a regional event.
REPLICA_REGION = {
    "us-east-1": "us-west-2",
    "us-east-2": "us-west-2",
    "us-west-2": "us-east-1",
    "us-west-1": "us-east-1",
}
REPLICA_REGION |= {"eu-west-1": "eu-central-1", "eu-central-1": "eu-west-1", "eu-west-2": "eu-west-1"}
REPLICA_REGION |= {
    "ap-southeast-2": "ap-southeast-1",
    "ap-southeast-1": "ap-southeast-2",
    "ap-northeast-1": "ap-northeast-3",
}
WORKSPACE_DEFAULTS: dict[Environment, dict[str, Any]] = {
    # dev: a hardened notebook in a private network of its own; nothing replicated.
    "dev": {"retentionDays": 30, "network": "create", "notebook": True, "replication": False},
    "staging": {"retentionDays": 90, "network": "off", "notebook": False, "replication": False},
    # prod: capture data and access logs survive the loss of the region.
    "prod": {"retentionDays": 365, "network": "off", "notebook": False, "replication": True},
}
Ids = Annotated[tuple[Annotated[str, Field(strict=True)], ...], Field(strict=False)]


class LogSettings(_Section):
    retention_days: int = 30


class NetworkSettings(_Section):
    mode: NetworkMode = "off"
    vpc_id: str | None = None
    subnet_ids: Ids = ()
    security_group_ids: Ids = ()
    cidr: str = "10.42.0.0/16"
    availability_zones: Ids = ()

    @property
    def enabled(self) -> bool:
        return self.mode != "off"


class NotebookSettings(_Section):
    enabled: bool = False
    instance_type: str = "ml.t3.medium"
    volume_size_gb: Annotated[int, Field(ge=5, le=16384)] = 5
    # The notebook stops itself after this long without kernel activity (its lifecycle configuration).
    idle_minutes: Annotated[int, Field(ge=5, le=1440)] = 60


class ReplicationSettings(_Section):
    enabled: bool = False
    region: str | None = None


def _workspace(env: Environment, region: str, raw: Mapping[str, Any], file: str) -> dict[str, Any]:
    """Logs, network, notebook and replication settings over the environment's defaults, then their rules."""
    defaults = WORKSPACE_DEFAULTS[env]
    logs = _validated(
        LogSettings,
        "mlops:logs",
        {"retentionDays": defaults["retentionDays"], **_mapping("mlops:logs", raw.get("logs"))},
        file,
    )
    if logs.retention_days not in LOG_RETENTION_DAYS:
        raise ConfigError(
            "mlops:logs.retentionDays",
            f"must be one of CloudWatch Logs' retention periods ({', '.join(map(str, LOG_RETENTION_DAYS))}), "
            f"got {logs.retention_days}",
        )
    network_raw = _mapping("mlops:network", raw.get("network"))
    network = _validated(NetworkSettings, "mlops:network", {"mode": defaults["network"], **network_raw}, file)
    _check_network(network, network_raw)
    notebook_raw = _mapping("mlops:notebook", raw.get("notebook"))
    notebook = _validated(NotebookSettings, "mlops:notebook", {"enabled": defaults["notebook"], **notebook_raw}, file)
    if not _NOTEBOOK_INSTANCE_TYPE.match(notebook.instance_type):
        raise ConfigError(
            "mlops:notebook.instanceType",
            f"must be a notebook instance type such as ml.t3.medium, got {_described(notebook.instance_type)}",
        )
    if notebook.enabled and not network.enabled:
        # SageMaker.1/.2: without direct internet access a notebook needs a subnet and security groups.
        raise ConfigError(
            "mlops:notebook.enabled",
            "needs a network: the notebook has no direct internet access, so it runs in a VPC subnet; set "
            "mlops:network.mode to create or existing",
        )
    replication_raw = _mapping("mlops:replication", raw.get("replication"))
    replication = _validated(
        ReplicationSettings, "mlops:replication", {"enabled": defaults["replication"], **replication_raw}, file
    )
    if replication.enabled:
        target = replication.region or REPLICA_REGION.get(region)
        if target is None:
            raise ConfigError(
                "mlops:replication.region",
                f"is not set and {region} has no default replica region; set it to another region of the "
                "aws partition (`pulumi config set --path 'mlops:replication.region' REGION`)",
            )
        if not _REGION.match(target) or partition(target) != partition(region):
            raise ConfigError(
                "mlops:replication.region",
                f"must be an aws-partition region such as us-west-2, got {_described(target)}",
            )
        if target == region:
            raise ConfigError(
                "mlops:replication.region",
                f"must differ from aws:region ({region}): a replica in the same region "
                "does not survive the loss of the region",
            )
        replication = ReplicationSettings(enabled=True, region=target)
    elif "region" in replication_raw:
        raise ConfigError("mlops:replication.region", "applies only when mlops:replication.enabled is true; remove it")
    return {"logs": logs, "network": network, "notebook": notebook, "replication": replication}


def _check_network(network: NetworkSettings, raw: Mapping[str, Any]) -> None:
    own = ("vpcId", "subnetIds", "securityGroupIds")
    created = ("cidr", "availabilityZones")
    if network.mode == "off":
        for field in (*own, *created):
            if field in raw:
                raise ConfigError(
                    f"mlops:network.{field}", "applies only when mlops:network.mode is create or existing"
                )
        return
    if network.mode == "existing":
        for field in created:
            if field in raw:
                raise ConfigError(f"mlops:network.{field}", "applies only to mode create (this network is existing)")
        if network.vpc_id is None or not _VPC_ID.match(network.vpc_id):
            raise ConfigError(
                "mlops:network.vpcId", f"must be a VPC id such as vpc-0abc12345def67890, got {network.vpc_id!r}"
            )
        ids = (
            ("subnetIds", network.subnet_ids, _SUBNET_ID, "subnet-"),
            ("securityGroupIds", network.security_group_ids, _SECURITY_GROUP_ID, "sg-"),
        )
        for field, values, syntax, prefix in ids:
            for index, value in enumerate(values):
                if not syntax.match(value):
                    raise ConfigError(
                        f"mlops:network.{field}",
                        f"item {index} must be an id such as {prefix}0abc12345def67890, got {_described(value)}",
                    )
            if len(set(values)) != len(values):
                raise ConfigError(f"mlops:network.{field}", "lists the same id twice; remove the copy")
        if len(network.subnet_ids) < 2:
            raise ConfigError(
                "mlops:network.subnetIds",
                f"must list at least 2 subnets in different Availability Zones, got {len(network.subnet_ids)}",
            )
        if not network.security_group_ids:
            raise ConfigError("mlops:network.securityGroupIds", "must list at least 1 security group")
        return
    for field in own:
        if field in raw:
            raise ConfigError(f"mlops:network.{field}", "applies only to mode existing (this network is created)")
    match = _CIDR.match(network.cidr)
    if not match or any(int(octet) > 255 for octet in match.groups()[:4]) or not 16 <= int(match.group(5)) <= 24:
        raise ConfigError(
            "mlops:network.cidr",
            f"must be an IPv4 block from /16 to /24 such as 10.42.0.0/16, got {_described(network.cidr)}",
        )
    zones = network.availability_zones
    if zones and (len(zones) < 2 or len(set(zones)) != len(zones)):
        raise ConfigError(
            "mlops:network.availabilityZones", f"must list at least 2 different Availability Zones, got {list(zones)}"
        )


# --------------------------------------------------------------------------------------------------
# Environment defaults (ARCHITECTURE.md's table), as data. Each level applies only where it makes sense:
# the environment picks the endpoint type and rollout; the type picks its own settings.

DEFAULTS: dict[Environment, dict[str, Any]] = {
    "dev": {"type": "serverless", "instanceCount": 1, "strategy": "allAtOnce", "schedule": "off", "retainData": False},
    # Two instances: a canary is at most half the fleet, so a one-instance fleet cannot canary.
    "staging": {"type": "realtime", "instanceCount": 2, "strategy": "canary", "schedule": "daily", "retainData": False},
    "prod": {"type": "realtime", "instanceCount": 2, "strategy": "canary", "schedule": "hourly", "retainData": True},
}
TYPE_DEFAULTS: dict[EndpointType, dict[str, Any]] = {
    "serverless": {"memorySizeMb": 2048, "maxConcurrency": 5, "dataCapturePercent": 0},
    "realtime": {"instanceType": "ml.m5.large", "dataCapturePercent": 20, "startupTimeoutSeconds": 600},
}
STRATEGY_DEFAULTS: dict[Strategy, dict[str, Any]] = {
    "allAtOnce": {},
    "canary": {"trafficPercent": 25},
    "linear": {"trafficPercent": 50},
}
# Settings that exist only for one endpoint type or rollout strategy: elsewhere they are refused.
ONLY_FOR_TYPE: dict[str, EndpointType] = {
    "memorySizeMb": "serverless",
    "maxConcurrency": "serverless",
    "instanceType": "realtime",
    "instanceCount": "realtime",
    "startupTimeoutSeconds": "realtime",
}
SERVERLESS_MEMORY = (1024, 2048, 3072, 4096, 5120, 6144)


@dataclass(frozen=True)
class ArtifactSource:
    """Either a local tarball (uploaded by the stack) or an ``s3://`` URI from managed training."""

    local: LocalArtifact | None
    s3_uri: str | None
    serving_image_version: str
    # Model Monitor baseline (statistics.json, constraints.json) built beside a local artifact.
    baseline_dir: Path | None = None
    # An s3:// artifact published by training.launch, with the facts of mlops:artifactManifest.
    remote: RemoteArtifact | None = None
    # The registered version (mlops:modelPackage) the artifact was resolved from, if any.
    package: registry.ResolvedPackage | None = None


@dataclass(frozen=True)
class BoosterSource:
    """The XGBoost family's second model: the built-in container's tarball and the image that loads it."""

    image_version: str
    local: Path | None
    sha256: str | None
    s3_uri: str | None


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    environment: Environment
    region: str
    artifact: ArtifactSource
    endpoint: EndpointSettings
    rollout: RolloutSettings
    autoscaling: AutoscalingSettings | None
    alarms: AlarmSettings
    data_quality_schedule: Schedule
    retain_data: bool
    tags: Mapping[str, str]
    # The alarm catalogue's inputs, validated with the rest of the config.
    monitoring: MonitoringSettings
    # Keys Pulumi holds as secrets (`pulumi config set --secret`); their values never reach the plan.
    secret_keys: frozenset[str] = frozenset()
    # mlops:model.family; the XGBoost family also serves the built-in algorithm's model (booster).
    model_family: Family = "sklearn"
    booster: BoosterSource | None = None
    # The custom entity recognizer (mlops:text), its training data checked; None when the stack has none.
    text: TextSettings | None = None
    # ``mlops:applications``; None only for a StackConfig built by hand (the loader always sets it).
    applications: ApplicationSettings | None = None
    # Log retention, the private network, the notebook and cross-region replication (see _workspace).
    logs: LogSettings = dataclasses.field(default_factory=LogSettings)
    network: NetworkSettings = dataclasses.field(default_factory=NetworkSettings)
    notebook: NotebookSettings = dataclasses.field(default_factory=NotebookSettings)
    replication: ReplicationSettings = dataclasses.field(default_factory=ReplicationSettings)

    @property
    def resource_prefix(self) -> str:
        return f"{self.project}-{self.stack}"


# --------------------------------------------------------------------------------------------------
# Errors in the message style of the whole project.


def _unknown(key: str, field: str, known: Sequence[str], file: str, *, namespace: str = "") -> ConfigError:
    """``[mlops:alarm] is not a known key in Pulumi.prod.yaml; did you mean mlops:alarms? Known: ...``"""
    qualified = [f"{namespace}:{k}" if namespace else k for k in known]
    match = difflib.get_close_matches(field, list(known), n=1, cutoff=0.6)
    nearest = f"; did you mean {f'{namespace}:' if namespace else ''}{match[0]}?" if match else ""
    return ConfigError(
        key,
        f"is not a known {'key' if namespace else 'setting'} in {file}{nearest} Known: {', '.join(sorted(qualified))}",
    )


def _described(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _schema_error(section: str, model: type[BaseModel], error: ValidationError, file: str) -> ConfigError:
    """The first problem pydantic found, as ``[mlops:<section>.<key>] <problem>``."""
    first = error.errors()[0]
    path = ".".join(str(p) for p in first["loc"] if not isinstance(p, int))
    separator = ":" if ":" not in section else "."
    key = f"{section}{separator}{path}" if path else section
    kind, value, ctx = first["type"], first.get("input"), first.get("ctx") or {}
    known = [f.alias or name for name, f in model.model_fields.items()]
    if kind == "extra_forbidden":
        return _unknown(key, str(first["loc"][-1]), known, file)
    if kind == "missing":
        return ConfigError(key, "is required")
    if kind.startswith("int"):
        return ConfigError(key, f"must be an integer, got {_described(value)}")
    if kind.startswith("float"):
        return ConfigError(key, f"must be a number, got {_described(value)}")
    if kind.startswith("bool"):
        return ConfigError(key, f"must be true or false, got {_described(value)}")
    if kind.startswith("string"):
        return ConfigError(key, f"must be a string, got {_described(value)}")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return ConfigError(key, f"must be a mapping of settings, got {_described(value)}")
    if kind in ("tuple_type", "list_type"):
        return ConfigError(key, f"must be a list, got {_described(value)}")
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return ConfigError(key, f"must be one of {expected}, got {_described(value)}")
    if kind in ("greater_than_equal", "less_than_equal"):
        # The location is the key as written (camelCase alias); the fields are keyed by their Python names.
        field = next((f for n, f in model.model_fields.items() if str(first["loc"][0]) in (n, f.alias)), None)
        low, high = _bounds(field)
        return ConfigError(key, f"must be between {low} and {high}, got {value}")
    return ConfigError(key, f"{first['msg']} (got {_described(value)})")


def _bounds(field: Any) -> tuple[Any, Any]:
    low = high = None
    for meta in getattr(field, "metadata", []) or []:
        low = getattr(meta, "ge", low)
        high = getattr(meta, "le", high)
    return low, high


def _validated(model: type[M], section: str, data: Mapping[str, Any], file: str) -> M:
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise _schema_error(section, model, exc, file) from None


def _mapping(key: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"must be a mapping of settings, got {_described(value)}")
    return dict(value)


# --------------------------------------------------------------------------------------------------
# Reading the raw config the engine hands the program.


def raw_config() -> tuple[dict[str, str], frozenset[str]]:
    """Every config key of the stack (``namespace:key`` → value as the CLI passes it) and the secret ones."""
    values: dict[str, str] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret = {*runtime_config.get_config_secret_keys_env(), *runtime_config._SECRET_KEYS.get()}
    return values, frozenset(secret)


def _decode(key: str, field: str, value: str) -> Any:
    if field in _STRUCTURED:
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(key, f"is not valid structured config ({exc.msg} at column {exc.colno})") from None
    if field in _BOOLEAN:
        if value not in ("true", "false"):
            raise ConfigError(key, f"must be true or false, got {_described(value)}")
        return value == "true"
    return value


def _namespaces(values: Mapping[str, str], project: str, file: str) -> tuple[str | None, dict[str, Any]]:
    """The region and the decoded ``mlops:`` keys; a key in any other place is an error."""
    known_mlops = [f.alias or name for name, f in _Keys.model_fields.items()]
    region: str | None = None
    mlops: dict[str, Any] = {}
    for key in sorted(values):
        namespace, _, field = key.partition(":")
        if namespace == "aws":
            if field not in AWS_KEYS:
                raise _unknown(key, field, AWS_KEYS, file, namespace="aws")
            if field == "region":
                region = values[key]
        elif namespace == "mlops":
            if field not in known_mlops:
                raise _unknown(key, field, known_mlops, file, namespace="mlops")
            mlops[field] = _decode(key, field, values[key])
        elif namespace == project:
            raise ConfigError(
                key,
                f"is in the project's own namespace, which this program does not read (`pulumi config set` "
                f"without a namespace writes there). Move it: `pulumi config rm {key}` and set it as "
                f"mlops:{field} (e.g. `pulumi config set --path 'mlops:{field}.<setting>' VALUE`)",
            )
        elif namespace != "pulumi":
            raise ConfigError(
                key, f"is in an unknown namespace {namespace!r} in {file}; the program reads aws: and mlops:"
            )
    return region, mlops


# --------------------------------------------------------------------------------------------------
# Sections: user values over the defaults that apply, then the rules between fields.


def _endpoint(env: Environment, prefix: str, raw: dict[str, Any], file: str) -> EndpointSettings:
    kind = raw.get("type", DEFAULTS[env]["type"])
    if kind not in ("realtime", "serverless"):
        raise ConfigError("mlops:endpoint.type", f"must be one of realtime, serverless, got {_described(kind)}")
    for field, only in ONLY_FOR_TYPE.items():
        if field in raw and only != kind:
            raise ConfigError(
                f"mlops:endpoint.{field}",
                f"applies only to a {only} endpoint, and this one is {kind}; remove it "
                f"(or set mlops:endpoint.type to {only})",
            )
    defaults: dict[str, Any] = {"name": prefix, "type": kind, **TYPE_DEFAULTS[kind]}
    if kind == "realtime":
        defaults["instanceCount"] = DEFAULTS[env]["instanceCount"]
    s = _validated(EndpointSettings, "mlops:endpoint", {**defaults, **raw}, file)
    if not _ENDPOINT_NAME.match(s.name):
        raise ConfigError(
            "mlops:endpoint.name",
            f"must be 1-63 letters, digits or hyphens, not starting or ending with a hyphen, got {s.name!r}",
        )
    if s.serverless:
        if s.memory_size_mb not in SERVERLESS_MEMORY:
            raise ConfigError(
                "mlops:endpoint.memorySizeMb",
                f"must be 1024, 2048, 3072, 4096, 5120 or 6144 for serverless inference, got {s.memory_size_mb}",
            )
        if s.data_capture_percent:
            raise ConfigError(
                "mlops:endpoint.dataCapturePercent",
                "must be 0 for a serverless endpoint (serverless inference has no data capture), "
                f"got {s.data_capture_percent}",
            )
        return s
    if s.instance_type is None or not _INSTANCE_TYPE.match(s.instance_type):
        raise ConfigError(
            "mlops:endpoint.instanceType",
            f"must be a SageMaker hosting instance type such as ml.m5.large, got {s.instance_type!r}",
        )
    if env == "prod" and s.instance_count < 2:
        # Security Hub SageMaker.4: a single instance is a single AZ; prod needs >= 2 to spread.
        raise ConfigError(
            "mlops:endpoint.instanceCount",
            f"must be >= 2 in prod so the variant spans Availability Zones (SageMaker.4), got {s.instance_count}",
        )
    return s


def _rollout(env: Environment, endpoint: EndpointSettings, raw: dict[str, Any], file: str) -> RolloutSettings:
    strategy = raw.get("strategy", DEFAULTS[env]["strategy"] if not endpoint.serverless else "allAtOnce")
    if strategy == "allAtOnce" and "trafficPercent" in raw:
        raise ConfigError(
            "mlops:rollout.trafficPercent",
            "applies only to canary and linear rollouts, and this one is allAtOnce; remove it or change "
            "mlops:rollout.strategy",
        )
    defaults = {"strategy": strategy, **STRATEGY_DEFAULTS.get(strategy, {})}
    s = _validated(RolloutSettings, "mlops:rollout", {**defaults, **raw}, file)
    percent = s.traffic_percent or 0
    # SageMaker: a canary step must be <= 50 % of the fleet; a linear step between 10 % and 50 %.
    if s.strategy == "canary" and percent > 50:
        raise ConfigError("mlops:rollout.trafficPercent", f"canary size must be <= 50 percent, got {percent}")
    if s.strategy == "linear" and not 10 <= percent <= 50:
        raise ConfigError("mlops:rollout.trafficPercent", f"linear step must be 10-50 percent, got {percent}")
    if endpoint.serverless and s.strategy != "allAtOnce":
        raise ConfigError(
            "mlops:rollout.strategy",
            f"must be allAtOnce for a serverless endpoint (one variant, no instances to shift), got {s.strategy!r}",
        )
    if s.strategy in ("canary", "linear") and endpoint.instance_count < 2:
        # A canary or linear step is at most half the fleet; a one-instance fleet has no half to shift.
        raise ConfigError(
            "mlops:rollout.strategy",
            f"{s.strategy} needs mlops:endpoint.instanceCount >= 2 (got {endpoint.instance_count}); "
            "add an instance or use allAtOnce",
        )
    return s


def _autoscaling(
    env: Environment, endpoint: EndpointSettings, raw: dict[str, Any] | None, file: str
) -> AutoscalingSettings | None:
    if endpoint.serverless:
        if raw:
            raise ConfigError(
                "mlops:autoscaling",
                "must not be set for a serverless endpoint (it scales by mlops:endpoint.maxConcurrency)",
            )
        return None
    raw = _mapping("mlops:autoscaling", raw)
    low = raw.get("min", endpoint.instance_count)
    defaults = {
        "min": endpoint.instance_count,
        "max": max(endpoint.instance_count, low if isinstance(low, int) else 0) * 2,
    }
    s = _validated(AutoscalingSettings, "mlops:autoscaling", {**defaults, **raw}, file)
    if s.max_capacity < s.min_capacity:
        raise ConfigError(
            "mlops:autoscaling.max", f"must be >= autoscaling.min (got {s.max_capacity} < {s.min_capacity})"
        )
    if s.min_capacity < endpoint.instance_count:
        raise ConfigError(
            "mlops:autoscaling.min",
            f"must be >= mlops:endpoint.instanceCount (got {s.min_capacity} < {endpoint.instance_count}); "
            "scaling in below the deployed count would undo the availability it buys",
        )
    if env == "prod" and s.min_capacity < 2:
        raise ConfigError("mlops:autoscaling.min", f"must be >= 2 in prod, got {s.min_capacity}")
    return s


def _alarms(env: Environment, raw: dict[str, Any], file: str) -> AlarmSettings:
    s = _validated(AlarmSettings, "mlops:alarms", raw, file)
    lists = {"notifyEmails": s.notify_emails, "notifyHttps": s.notify_https, "pageHttps": s.page_https}
    for field, values in lists.items():
        key = f"mlops:alarms.{field}"
        syntax, what = (_EMAIL, "an e-mail address") if field == "notifyEmails" else (_HTTPS_URL, "an https:// URL")
        for value in values:
            if not syntax.match(value):
                # The value may be a secret: name its position, never echo it whole.
                raise ConfigError(key, f"item {values.index(value)} is not {what} ({_masked(value)})")
            if env == "prod" and _PLACEHOLDER.search(value):
                raise ConfigError(
                    key,
                    f"item {values.index(value)} is a placeholder ({_masked(value)}); prod must notify real "
                    f"endpoints: pulumi config set --secret --path '{key}[{values.index(value)}]' VALUE",
                )
        if len(set(values)) != len(values):
            raise ConfigError(key, "lists the same endpoint twice; SNS would subscribe it once, remove the copy")
    return s


def _applications(env: Environment, endpoint: EndpointSettings, raw: dict[str, Any], file: str) -> ApplicationSettings:
    key = "mlops:applications"
    if endpoint.serverless and "endpointConcurrencyPerInstance" in raw:
        raise ConfigError(
            f"{key}.endpointConcurrencyPerInstance",
            "applies only to a realtime endpoint; a serverless endpoint's capacity is mlops:endpoint.maxConcurrency",
        )
    defaults = dict(APPLICATION_DEFAULTS[env])
    if not endpoint.serverless:
        defaults["endpointConcurrencyPerInstance"] = DEFAULT_CONCURRENCY_PER_INSTANCE
    s = _validated(ApplicationSettings, key, {**defaults, **raw}, file)
    if s.log_retention_days not in LOG_RETENTION_DAYS:
        raise ConfigError(
            f"{key}.logRetentionDays",
            f"must be one of CloudWatch Logs' retention periods ({', '.join(map(str, LOG_RETENTION_DAYS))}), "
            f"got {s.log_retention_days}",
        )
    if env == "dev":
        for field, value in (("jwtIssuer", s.jwt_issuer), ("jwtAudience", s.jwt_audience)):
            if value:
                raise ConfigError(f"{key}.{field}", "applies only to staging and prod; dev authorizes with AWS_IAM")
    else:
        if s.jwt_issuer is None:
            raise ConfigError(
                f"{key}.jwtIssuer",
                f"is required in {env} (the HTTP API's JWT authorizer): "
                f"pulumi config set --path '{key}.jwtIssuer' https://<your identity provider>",
            )
        if not _HTTPS_URL.match(s.jwt_issuer):
            raise ConfigError(f"{key}.jwtIssuer", f"must be an https:// URL, got {_described(s.jwt_issuer)}")
        if not s.jwt_audience:
            raise ConfigError(
                f"{key}.jwtAudience",
                f"is required in {env} (the client ids the JWT authorizer accepts): "
                f"pulumi config set --path '{key}.jwtAudience[0]' <client id>",
            )
    for index, origin in enumerate(s.cors_allow_origins):
        if origin == "*":
            if env == "prod":
                raise ConfigError(
                    f"{key}.corsAllowOrigins", "must not be * in prod; list the web applications' origins"
                )
        elif not _ORIGIN.match(origin):
            raise ConfigError(
                f"{key}.corsAllowOrigins",
                f"item {index} must be an origin such as https://app.example.org (no path), got {_described(origin)}",
            )
    return s


def _masked(value: str) -> str:
    """Enough of a possibly secret value to recognise it, never all of it."""
    return f"{value[:12]}..." if len(value) > 12 else "..."


def _tags(project: str, stack: str, env: Environment, raw: Any, file: str) -> dict[str, str]:
    tags = _mapping("mlops:tags", raw)
    for key, value in tags.items():
        where = f"mlops:tags.{key}"
        if not isinstance(value, str):
            raise ConfigError(where, f"must be a string, got {_described(value)}")
        if key in PLATFORM_TAGS:
            raise ConfigError(
                where, f"is set by the platform on every resource ({', '.join(PLATFORM_TAGS)}); remove it"
            )
        if key.lower().startswith("aws:"):
            raise ConfigError(where, "uses the aws: prefix, which AWS reserves for its own tags")
        if not 1 <= len(key) <= 128 or not _TAG_CHARS.match(key):
            raise ConfigError(where, "keys are 1-128 letters, digits, spaces or _ . : / = + - @ (AWS tag rules)")
        if len(value) > 256 or not _TAG_CHARS.match(value):
            raise ConfigError(
                where, "values are at most 256 letters, digits, spaces or _ . : / = + - @ (AWS tag rules)"
            )
    allowed = MAX_TAGS - len(PLATFORM_TAGS)
    if len(tags) > allowed:
        raise ConfigError(
            "mlops:tags",
            f"has {len(tags)} tags; AWS allows {MAX_TAGS} per resource and the platform sets "
            f"{len(PLATFORM_TAGS)} ({', '.join(PLATFORM_TAGS)}), so at most {allowed}",
        )
    return {"project": project, "stack": stack, "environment": env, "managed-by": "pulumi", **tags}


def _region(region: str | None) -> str:
    if not region:
        raise ConfigError("aws:region", "is not set; run `pulumi config set aws:region <region>`")
    if not _REGION.match(region):
        raise ConfigError("aws:region", f"must be an AWS region such as us-east-1, got {_described(region)}")
    if partition(region) not in SUPPORTED:
        raise ConfigError(
            "aws:region",
            f"{region} is in the {partition(region)} partition; this project deploys to the aws partition only "
            "(its IAM documents and the serving images it resolves are the aws partition's)",
        )
    return region


def _artifact(value: str, image_override: str | None) -> ArtifactSource:
    if value.startswith("s3://"):
        if not re.match(r"^s3://[a-z0-9.\-]{3,63}/.+\.tar\.gz$", value):
            raise ArtifactError(ARTIFACT_KEY, f"must be s3://<bucket>/<key>.tar.gz, got {value!r}")
        version = image_override or SERVING_IMAGE_BY_SKLEARN_MINOR["1.9"]
        if version not in SERVING_IMAGE_BY_SKLEARN_MINOR.values():
            raise ConfigError(
                "mlops:servingImageVersion",
                f"must be one of {', '.join(SERVING_IMAGE_BY_SKLEARN_MINOR.values())}, got {version!r}",
            )
        return ArtifactSource(local=None, s3_uri=value, serving_image_version=version)
    path = Path(value)
    local = read_local_artifact(path if path.is_absolute() else PROJECT_ROOT / path)
    minor = ".".join(local.sklearn_version.split(".")[:2])
    expected = SERVING_IMAGE_BY_SKLEARN_MINOR.get(minor)
    if expected is None:
        raise ArtifactError(
            ARTIFACT_KEY,
            f"was trained with scikit-learn {local.sklearn_version}, which no SageMaker scikit-learn serving "
            f"image provides; retrain with one of {', '.join(SERVING_IMAGE_BY_SKLEARN_MINOR)}",
        )
    version = image_override or local.serving_image_version
    if version != expected or local.serving_image_version != expected:
        raise ConfigError(
            "mlops:servingImageVersion" if image_override else ARTIFACT_KEY,
            f"serving image {version} does not match the artifact's scikit-learn {local.sklearn_version} "
            f"(needs image {expected}); unpickling would fail in the container. Retrain with the image's "
            "scikit-learn version or remove the override",
        )
    served = SKLEARN_VERSION_BY_SERVING_IMAGE.get(version)
    if served is not None and local.sklearn_version != served:
        raise ArtifactError(
            ARTIFACT_KEY,
            f"was trained with scikit-learn {local.sklearn_version} but serving image {version} has scikit-learn "
            f"{served}; the model must be pickled by the exact version that unpickles it. Retrain with "
            f"scikit-learn=={served} (`pip install -c constraints.txt -e .` then `make train`)",
        )
    if not local.has_code:
        raise ArtifactError(ARTIFACT_KEY, f"{local.path} has no code/inference.py; rebuild it with `make train`")
    baseline = local.path.parent / "baseline"
    has_baseline = all((baseline / f).is_file() for f in BASELINE_FILES)
    return ArtifactSource(
        local=local,
        s3_uri=None,
        serving_image_version=version,
        baseline_dir=baseline if has_baseline else None,
    )


def _remote_artifact(source: ArtifactSource, raw: Any, file: str) -> ArtifactSource:
    """An s3:// artifact with ``mlops:artifactManifest``: its layout, sha256 and versions checked."""
    key = "mlops:artifactManifest"
    if source.s3_uri is None:
        raise ConfigError(
            key, "applies to an s3:// mlops:artifact only (a local tarball's manifest is read from it); remove it"
        )
    manifest = _validated(ArtifactManifestSection, key, _mapping(key, raw), file)
    published = PUBLISHED.match(source.s3_uri)
    if published is None:
        raise ArtifactError(
            ARTIFACT_KEY,
            f"must be s3://<bucket>/models/<sha256>/model.tar.gz with {key} (where training.launch publishes a "
            f"model with its baseline; the stack's roles read models/ only), got {source.s3_uri!r}",
        )
    if published["sha256"] != manifest.sha256:
        raise ConfigError(
            f"{key}.sha256",
            f"is {manifest.sha256[:12]}… but mlops:artifact is models/{published['sha256'][:12]}…/; paste both "
            "from the same training.launch run",
        )
    minor = ".".join(manifest.sklearn_version.split(".")[:2])
    expected = SERVING_IMAGE_BY_SKLEARN_MINOR.get(minor)
    if expected is None:
        raise ConfigError(
            f"{key}.sklearnVersion",
            f"is {manifest.sklearn_version}, which no SageMaker scikit-learn serving image provides; retrain with one "
            f"of {', '.join(SERVING_IMAGE_BY_SKLEARN_MINOR)}",
        )
    image = source.serving_image_version
    if image != expected:
        raise ConfigError(
            "mlops:servingImageVersion",
            f"is {image} but the artifact was trained with scikit-learn {manifest.sklearn_version} (needs image "
            f"{expected}); unpickling would fail in the container. Remove the override or retrain",
        )
    served = SKLEARN_VERSION_BY_SERVING_IMAGE.get(image)
    if served is not None and manifest.sklearn_version != served:
        raise ConfigError(
            f"{key}.sklearnVersion",
            f"is {manifest.sklearn_version} but serving image {image} unpickles with scikit-learn {served}; the "
            f"model must be pickled by that exact version: retrain with scikit-learn=={served}",
        )
    if len(set(manifest.features)) != len(manifest.features):
        raise ConfigError(f"{key}.features", "lists a feature twice; paste the list training.launch printed")
    remote = RemoteArtifact(source.s3_uri, manifest.sha256, manifest.sklearn_version, manifest.features)
    return dataclasses.replace(source, remote=remote)


def _booster(family: Family, artifact: ArtifactSource) -> BoosterSource | None:
    """The artifact must be of the stack's family; the XGBoost family's booster comes with it."""
    local = artifact.local
    framework = local.framework if local is not None else None
    if local is not None and framework != family:
        build = "`make train-xgboost` builds build/xgboost/model.tar.gz" if family == "xgboost" else "`make train`"
        raise ConfigError(
            "mlops:model.family",
            f"is {family} but mlops:artifact {local.path.name} is a {framework}-family artifact; point "
            f"mlops:artifact at one of the {family} family ({build}) or set the family to {framework}",
        )
    if family != "xgboost":
        return None
    if local is not None:
        return BoosterSource(
            image_version=local.algorithm_image_version or XGBOOST_IMAGE_VERSION,
            local=local.booster_path,
            sha256=local.booster_sha256,
            s3_uri=None,
        )
    # Managed training and the registry put the booster tarball beside the artifact.
    return BoosterSource(
        image_version=XGBOOST_IMAGE_VERSION,
        local=None,
        sha256=None,
        s3_uri=str(artifact.s3_uri).rsplit("/", 1)[0] + "/" + BOOSTER_TARBALL,
    )


def _monitoring_settings(env: Environment, endpoint: EndpointSettings, alarms: AlarmSettings) -> MonitoringSettings:
    """The stack's alarm settings in the monitoring package's terms; its errors become config errors."""
    try:
        return MonitoringSettings(
            environment=env,
            serverless=endpoint.serverless,
            instance_type=endpoint.instance_type,
            latency_slo_ms=alarms.latency_slo_ms,
            error_rate_threshold=alarms.error_rate,
            client_error_rate_threshold=alarms.client_error_rate,
            # Only prod treats silence as an incident: dev and staging idle for hours legitimately.
            heartbeat=env == "prod",
        )
    except UnknownInstanceTypeError as exc:
        raise ConfigError("mlops:endpoint.instanceType", str(exc)) from exc
    except UserInputError as exc:
        raise ConfigError("mlops:alarms", str(exc)) from exc


def _text(env: Environment, raw: Any, file: str) -> TextSettings | None:
    """``mlops:text`` over the environment's default; the training data is checked before anything exists."""
    section = _validated(TextSection, "mlops:text", {**TEXT_DEFAULTS[env], **_mapping("mlops:text", raw)}, file)
    if not section.enabled:
        return None
    try:
        return resolve(section, PROJECT_ROOT, file)
    except TrainingDataError as exc:
        raise ConfigError(exc.key, exc.problem) from None


def load(project: str | None = None, stack: str | None = None) -> StackConfig:
    """Read and validate the current stack's configuration (call once, from the program)."""
    project = project or pulumi.get_project()
    stack = stack or pulumi.get_stack()
    file = f"Pulumi.{stack}.yaml"
    values, secret_keys = raw_config()
    region_value, raw = _namespaces(values, project, file)
    region = _region(region_value)

    if "environment" not in raw:
        raise ConfigError("mlops:environment", f"must be one of {', '.join(ENVIRONMENTS)}, got ''")
    if ("artifact" not in raw or not raw["artifact"]) and not raw.get("modelPackage"):
        raise ArtifactError(ARTIFACT_KEY, "is not set; set it to build/model.tar.gz (built by `make train`)")
    keys = _validated(_Keys, "mlops", raw, file)
    env = keys.environment
    prefix = f"{project}-{stack}"
    if len(prefix) > MAX_PREFIX:
        raise ConfigError(
            "mlops",
            f"project and stack name {prefix!r} are {len(prefix)} characters; bucket names derived from them "
            f"allow at most {MAX_PREFIX} (S3's 63 minus the auto-name suffix): use a shorter stack name",
        )
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", prefix):
        raise ConfigError(
            "mlops",
            f"project and stack name {prefix!r} must be lowercase letters, digits and hyphens (S3 bucket names)",
        )

    if keys.model_package:
        # The registered version decides the model: its artifact, read back from S3 and checked against the
        # registry, goes through the same checks as a local file (image, scikit-learn, code, baseline).
        package = registry.resolve(
            keys.model_package,
            group=group_name(prefix),
            region=region,
            environment=env,
            cache_dir=REGISTRY_CACHE,
            endpoints=registry.provider_endpoints(values.get("aws:endpoints")),
        )
        artifact = replace(_artifact(str(package.artifact_path), keys.serving_image_version), package=package)
        tag = package.image.rsplit(":", 1)[-1]
        if not tag.startswith(f"{artifact.serving_image_version}-"):
            raise ConfigError(
                registry.KEY,
                f"{package.arn} was registered with image {package.image}, but its artifact needs serving image "
                f"{artifact.serving_image_version}; register the artifact again",
            )
    else:
        artifact = _artifact(keys.artifact, keys.serving_image_version)
        if keys.artifact_manifest is not None:
            artifact = _remote_artifact(artifact, keys.artifact_manifest, file)
    family = _validated(ModelSection, "mlops:model", _mapping("mlops:model", raw.get("model")), file).family
    booster = _booster(family, artifact)
    endpoint = _endpoint(env, prefix, _mapping("mlops:endpoint", raw.get("endpoint")), file)
    rollout = _rollout(env, endpoint, _mapping("mlops:rollout", raw.get("rollout")), file)
    autoscaling = _autoscaling(env, endpoint, raw.get("autoscaling"), file)
    alarms = _alarms(env, _mapping("mlops:alarms", raw.get("alarms")), file)

    default_schedule = DEFAULTS[env]["schedule"] if not endpoint.serverless else "off"
    monitoring_raw = {"dataQualitySchedule": default_schedule, **_mapping("mlops:monitoring", raw.get("monitoring"))}
    schedule = _validated(MonitoringSection, "mlops:monitoring", monitoring_raw, file).data_quality_schedule
    if endpoint.serverless and schedule != "off":
        raise ConfigError(
            "mlops:monitoring.dataQualitySchedule",
            f"must be off for a serverless endpoint (no data capture to monitor), got {schedule!r}",
        )
    if schedule != "off" and artifact.baseline_dir is None and artifact.local is not None:
        raise ConfigError(
            "mlops:monitoring.dataQualitySchedule",
            f"is {schedule!r} but the artifact has no data-quality baseline "
            f"({' and '.join(BASELINE_FILES)} under build/baseline/); run `make train` to build it with the "
            "artifact, or turn monitoring off",
        )
    if schedule != "off" and artifact.s3_uri is not None and artifact.remote is None:
        raise ConfigError(
            "mlops:monitoring.dataQualitySchedule",
            f"is {schedule!r} but the s3:// artifact has no mlops:artifactManifest (its features and baseline); "
            "paste the stack config `python -m training.launch` printed, or turn monitoring off",
        )
    if schedule != "off" and endpoint.data_capture_percent == 0:
        raise ConfigError(
            "mlops:monitoring.dataQualitySchedule",
            f"is {schedule!r} but mlops:endpoint.dataCapturePercent is 0; enable capture or turn monitoring off",
        )

    retain = DEFAULTS[env]["retainData"] if keys.retain_data is None else keys.retain_data
    if env == "prod" and not retain:
        raise ConfigError("mlops:retainData", "must be true in prod: buckets and key are protected from deletion")
    tags = _tags(project, stack, env, raw.get("tags"), file)
    text = _text(env, raw.get("text"), file)
    applications = _applications(env, endpoint, _mapping("mlops:applications", raw.get("applications")), file)

    # Region capability, at config time: the images this stack deploys must exist in the region.
    images.sklearn_serving_image(region, artifact.serving_image_version)
    if booster is not None:
        images.xgboost_algorithm_image(region, booster.image_version)
    if schedule != "off":
        images.model_monitor_image_uri(region)

    return StackConfig(
        project=project,
        stack=stack,
        environment=env,
        region=region,
        artifact=artifact,
        endpoint=endpoint,
        rollout=rollout,
        autoscaling=autoscaling,
        alarms=alarms,
        data_quality_schedule=schedule,
        retain_data=bool(retain),
        tags=tags,
        monitoring=_monitoring_settings(env, endpoint, alarms),
        secret_keys=secret_keys,
        model_family=family,
        booster=booster,
        text=text,
        applications=applications,
        **_workspace(env, region, raw, file),
    )
