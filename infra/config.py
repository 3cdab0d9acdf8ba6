"""Stack configuration: read once from ``Pulumi.<stack>.yaml`` into frozen dataclasses, validated here.

Every error names the key as the user writes it (``[mlops:autoscaling.max]``), the value and the fix.
Unknown keys are errors too: a typo must never fall back silently to a default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pulumi

from infra.artifact import ARTIFACT_KEY, LocalArtifact, read_local_artifact
from infra.errors import ArtifactError, ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

Environment = Literal["dev", "staging", "prod"]
EndpointType = Literal["realtime", "serverless"]
Strategy = Literal["allAtOnce", "canary", "linear"]
Schedule = Literal["off", "hourly", "daily"]

ENVIRONMENTS: tuple[Environment, ...] = ("dev", "staging", "prod")
# The SageMaker scikit-learn serving images the SDK's catalogue knows, by scikit-learn minor version.
SERVING_IMAGE_BY_SKLEARN_MINOR = {"1.9": "1.9-0", "1.4": "1.4-2-py312", "1.2": "1.2-1", "1.0": "1.0-1"}
# The exact scikit-learn a serving image ships, from its build files (aws/deep-learning-containers
# docker/sklearn/1.9-0/pyproject.toml pins scikit-learn==1.9.0). A model pickled by another patch release
# unpickles there with InconsistentVersionWarning, which scikit-learn does not support.
SKLEARN_VERSION_BY_SERVING_IMAGE = {"1.9-0": "1.9.0"}
BASELINE_FILES = ("statistics.json", "constraints.json")
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")
# CloudWatch alarm / SageMaker endpoint names: alphanumerics and hyphens, at most 63 characters.
_ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


@dataclass(frozen=True)
class EndpointSettings:
    name: str
    type: EndpointType
    variant_name: str
    instance_type: str | None
    instance_count: int
    memory_size_mb: int
    max_concurrency: int
    data_capture_percent: int
    startup_timeout_seconds: int

    @property
    def serverless(self) -> bool:
        return self.type == "serverless"


@dataclass(frozen=True)
class RolloutSettings:
    strategy: Strategy
    traffic_percent: int
    wait_seconds: int
    termination_wait_seconds: int
    max_execution_seconds: int


@dataclass(frozen=True)
class AutoscalingSettings:
    min_capacity: int
    max_capacity: int
    target_invocations_per_instance: float
    scale_in_cooldown_seconds: int
    scale_out_cooldown_seconds: int


@dataclass(frozen=True)
class AlarmSettings:
    latency_slo_ms: float
    error_rate: float
    client_error_rate: float
    notify_emails: tuple[str, ...]
    notify_https: tuple[str, ...]
    page_https: tuple[str, ...]


@dataclass(frozen=True)
class ArtifactSource:
    """Either a local tarball (uploaded by the stack) or an ``s3://`` URI from managed training."""

    local: LocalArtifact | None
    s3_uri: str | None
    serving_image_version: str
    # Model Monitor baseline (statistics.json, constraints.json) built beside a local artifact.
    baseline_dir: Path | None = None


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

    @property
    def resource_prefix(self) -> str:
        return f"{self.project}-{self.stack}"


# --------------------------------------------------------------------------------------------------
# Reading one section of structured config, with key-level errors.


class _Section:
    """A config object such as ``mlops:endpoint``; remembers which keys were read to reject the rest."""

    def __init__(self, key: str, raw: Mapping[str, Any] | None) -> None:
        self.key = key
        if raw is not None and not isinstance(raw, Mapping):
            raise ConfigError(key, f"must be a mapping of settings, got {raw!r}")
        self.raw: Mapping[str, Any] = raw or {}
        self.read: set[str] = set()

    def name(self, field: str) -> str:
        return f"{self.key}.{field}"

    def _get(self, field: str, default: Any) -> Any:
        self.read.add(field)
        return self.raw.get(field, default)

    def integer(self, field: str, default: int, *, low: int, high: int) -> int:
        value = self._get(field, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(self.name(field), f"must be an integer, got {value!r}")
        if not low <= value <= high:
            raise ConfigError(self.name(field), f"must be between {low} and {high}, got {value}")
        return value

    def number(self, field: str, default: float, *, low: float, high: float) -> float:
        value = self._get(field, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(self.name(field), f"must be a number, got {value!r}")
        if not low <= value <= high:
            raise ConfigError(self.name(field), f"must be between {low} and {high}, got {value}")
        return float(value)

    def choice(self, field: str, default: str, choices: tuple[str, ...]) -> str:
        value = self._get(field, default)
        if value not in choices:
            raise ConfigError(self.name(field), f"must be one of {', '.join(choices)}, got {value!r}")
        return str(value)

    def text(self, field: str, default: str | None) -> str | None:
        value = self._get(field, default)
        if value is not None and not isinstance(value, str):
            raise ConfigError(self.name(field), f"must be a string, got {value!r}")
        return value

    def strings(self, field: str) -> tuple[str, ...]:
        value = self._get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(self.name(field), f"must be a list of non-empty strings, got {value!r}")
        return tuple(value)

    def reject_unknown(self) -> None:
        unknown = sorted(set(self.raw) - self.read)
        if unknown:
            raise ConfigError(
                self.name(unknown[0]),
                f"is not a known setting; known settings of {self.key} are: {', '.join(sorted(self.read))}",
            )


# --------------------------------------------------------------------------------------------------
# Environment defaults (ARCHITECTURE.md's table); every value can be overridden in the stack file.

_DEFAULTS: dict[Environment, dict[str, Any]] = {
    "dev": {
        "endpoint_type": "serverless",
        "instance_count": 1,
        "strategy": "allAtOnce",
        "schedule": "off",
        "retain": False,
    },
    "staging": {
        "endpoint_type": "realtime",
        "instance_count": 1,
        "strategy": "canary",
        "schedule": "daily",
        "retain": False,
    },
    "prod": {
        "endpoint_type": "realtime",
        "instance_count": 2,
        "strategy": "canary",
        "schedule": "hourly",
        "retain": True,
    },
}


def _endpoint(env: Environment, prefix: str, raw: Any) -> EndpointSettings:
    s = _Section("mlops:endpoint", raw)
    defaults = _DEFAULTS[env]
    name = s.text("name", prefix) or prefix
    if not _ENDPOINT_NAME.match(name):
        raise ConfigError(
            s.name("name"),
            f"must be 1-63 letters, digits or hyphens, not starting or ending with a hyphen, got {name!r}",
        )
    endpoint_type = s.choice("type", defaults["endpoint_type"], ("realtime", "serverless"))
    variant = s.text("variantName", "primary") or "primary"
    instance_type = s.text("instanceType", None if endpoint_type == "serverless" else "ml.m5.large")
    count = s.integer("instanceCount", defaults["instance_count"], low=1, high=100)
    memory = s.integer("memorySizeMb", 2048, low=0, high=1 << 20)
    concurrency = s.integer("maxConcurrency", 5, low=1, high=200)
    capture = s.integer("dataCapturePercent", 0 if endpoint_type == "serverless" else 20, low=0, high=100)
    startup = s.integer("startupTimeoutSeconds", 600, low=60, high=3600)
    s.reject_unknown()

    if endpoint_type == "realtime":
        if instance_type is None or not _INSTANCE_TYPE.match(instance_type):
            raise ConfigError(
                s.name("instanceType"),
                f"must be a SageMaker hosting instance type such as ml.m5.large, got {instance_type!r}",
            )
        if env == "prod" and count < 2:
            # Security Hub SageMaker.4: a single instance is a single AZ; prod needs >= 2 to spread.
            raise ConfigError(
                s.name("instanceCount"),
                f"must be >= 2 in prod so the variant spans Availability Zones (SageMaker.4), got {count}",
            )
    else:
        if instance_type is not None:
            raise ConfigError(
                s.name("instanceType"),
                f"must not be set for a serverless endpoint (got {instance_type!r}); "
                "remove it or set mlops:endpoint.type to realtime",
            )
        if not 1024 <= memory <= 6144 or memory % 1024:
            raise ConfigError(
                s.name("memorySizeMb"),
                f"must be 1024, 2048, 3072, 4096, 5120 or 6144 for serverless inference, got {memory}",
            )
        if capture:
            raise ConfigError(
                s.name("dataCapturePercent"),
                f"must be 0 for a serverless endpoint (serverless inference has no data capture), got {capture}",
            )
    return EndpointSettings(
        name=name,
        type="serverless" if endpoint_type == "serverless" else "realtime",
        variant_name=variant,
        instance_type=instance_type,
        instance_count=count,
        memory_size_mb=memory,
        max_concurrency=concurrency,
        data_capture_percent=capture,
        startup_timeout_seconds=startup,
    )


def _rollout(env: Environment, raw: Any) -> RolloutSettings:
    s = _Section("mlops:rollout", raw)
    strategy = s.choice("strategy", _DEFAULTS[env]["strategy"], ("allAtOnce", "canary", "linear"))
    percent = s.integer("trafficPercent", 25 if strategy == "canary" else 50, low=1, high=100)
    wait = s.integer("waitSeconds", 600, low=0, high=3600)
    termination = s.integer("terminationWaitSeconds", 300, low=0, high=3600)
    max_execution = s.integer("maxExecutionSeconds", 3600, low=600, high=14400)
    s.reject_unknown()
    # SageMaker: a canary step must be <= 50 % of the fleet; a linear step between 10 % and 50 %.
    if strategy == "canary" and percent > 50:
        raise ConfigError(s.name("trafficPercent"), f"canary size must be <= 50 percent, got {percent}")
    if strategy == "linear" and not 10 <= percent <= 50:
        raise ConfigError(s.name("trafficPercent"), f"linear step must be 10-50 percent, got {percent}")
    return RolloutSettings(
        strategy="canary" if strategy == "canary" else "linear" if strategy == "linear" else "allAtOnce",
        traffic_percent=percent,
        wait_seconds=wait,
        termination_wait_seconds=termination,
        max_execution_seconds=max_execution,
    )


def _autoscaling(env: Environment, endpoint: EndpointSettings, raw: Any) -> AutoscalingSettings | None:
    s = _Section("mlops:autoscaling", raw)
    if endpoint.serverless:
        if raw:
            raise ConfigError(
                "mlops:autoscaling",
                "must not be set for a serverless endpoint (it scales by mlops:endpoint.maxConcurrency)",
            )
        return None
    low = s.integer("min", endpoint.instance_count, low=1, high=100)
    high = s.integer("max", max(endpoint.instance_count, low) * 2, low=1, high=100)
    # AWS sizing rule: target = max RPS of one instance x 60 x safety factor (0.5 to start).
    target = s.number("targetInvocationsPerInstance", 600.0, low=1.0, high=1_000_000.0)
    scale_in = s.integer("scaleInCooldownSeconds", 300, low=0, high=3600)
    scale_out = s.integer("scaleOutCooldownSeconds", 60, low=0, high=3600)
    s.reject_unknown()
    if high < low:
        raise ConfigError(s.name("max"), f"must be >= autoscaling.min (got {high} < {low})")
    if low < endpoint.instance_count:
        raise ConfigError(
            s.name("min"),
            f"must be >= mlops:endpoint.instanceCount (got {low} < {endpoint.instance_count}); "
            "scaling in below the deployed count would undo the availability it buys",
        )
    if env == "prod" and low < 2:
        raise ConfigError(s.name("min"), f"must be >= 2 in prod, got {low}")
    return AutoscalingSettings(low, high, target, scale_in, scale_out)


def _alarms(raw: Any) -> AlarmSettings:
    s = _Section("mlops:alarms", raw)
    slo = s.number("latencySloMs", 250.0, low=1.0, high=60_000.0)
    error_rate = s.number("errorRate", 0.01, low=0.0001, high=1.0)
    client_rate = s.number("clientErrorRate", 0.05, low=0.0001, high=1.0)
    emails = s.strings("notifyEmails")
    notify_https = s.strings("notifyHttps")
    page_https = s.strings("pageHttps")
    s.reject_unknown()
    for field, values in (("notifyHttps", notify_https), ("pageHttps", page_https)):
        for url in values:
            if not url.startswith("https://"):
                raise ConfigError(s.name(field), f"must list https:// URLs, got {url!r}")
    for email in emails:
        if "@" not in email:
            raise ConfigError(s.name("notifyEmails"), f"must list e-mail addresses, got {email!r}")
    return AlarmSettings(slo, error_rate, client_rate, emails, notify_https, page_https)


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


def load(project: str | None = None, stack: str | None = None) -> StackConfig:
    """Read and validate the current stack's configuration (call once, from the program)."""
    project = project or pulumi.get_project()
    stack = stack or pulumi.get_stack()
    mlops = pulumi.Config("mlops")
    aws = pulumi.Config("aws")

    region = aws.get("region")
    if not region:
        raise ConfigError("aws:region", "is not set; run `pulumi config set aws:region <region>`")
    environment = mlops.get("environment") or ""
    if environment not in ENVIRONMENTS:
        raise ConfigError("mlops:environment", f"must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}")
    env: Environment = "dev" if environment == "dev" else "staging" if environment == "staging" else "prod"
    prefix = f"{project}-{stack}"

    def obj(key: str) -> Any:
        try:
            return mlops.get_object(key)
        except Exception as exc:  # pulumi raises a generic error for malformed JSON values
            raise ConfigError(f"mlops:{key}", f"is not valid structured config ({exc})") from exc

    artifact_value = mlops.get("artifact")
    if not artifact_value:
        raise ArtifactError(ARTIFACT_KEY, "is not set; set it to build/model.tar.gz (built by `make train`)")
    artifact = _artifact(artifact_value, mlops.get("servingImageVersion"))
    endpoint = _endpoint(env, prefix, obj("endpoint"))
    rollout = _rollout(env, obj("rollout"))
    if endpoint.serverless and rollout.strategy != "allAtOnce":
        raise ConfigError(
            "mlops:rollout.strategy",
            f"must be allAtOnce for a serverless endpoint (one variant, no instances to shift), "
            f"got {rollout.strategy!r}",
        )
    if rollout.strategy in ("canary", "linear") and endpoint.instance_count < 2:
        # A canary or linear step is at most half the fleet; a one-instance fleet has no half to shift.
        raise ConfigError(
            "mlops:rollout.strategy",
            f"{rollout.strategy} needs mlops:endpoint.instanceCount >= 2 (got {endpoint.instance_count}); "
            "add an instance or use allAtOnce",
        )
    autoscaling = _autoscaling(env, endpoint, obj("autoscaling"))
    alarms = _alarms(obj("alarms"))

    mon = _Section("mlops:monitoring", obj("monitoring"))
    schedule = mon.choice("dataQualitySchedule", _DEFAULTS[env]["schedule"], ("off", "hourly", "daily"))
    mon.reject_unknown()
    if endpoint.serverless and schedule != "off":
        raise ConfigError(
            "mlops:monitoring.dataQualitySchedule",
            f"must be off for a serverless endpoint (no data capture to monitor), got {schedule!r}",
        )
    if schedule != "off" and artifact.baseline_dir is None:
        raise ConfigError(
            "mlops:monitoring.dataQualitySchedule",
            f"is {schedule!r} but the artifact has no data-quality baseline "
            f"({' and '.join(BASELINE_FILES)} under build/baseline/); run `make train` to build it with the "
            "artifact, or turn monitoring off",
        )
    if schedule != "off" and endpoint.data_capture_percent == 0:
        raise ConfigError(
            "mlops:monitoring.dataQualitySchedule",
            f"is {schedule!r} but mlops:endpoint.dataCapturePercent is 0; enable capture or turn monitoring off",
        )

    retain_raw = mlops.get_bool("retainData")
    retain = _DEFAULTS[env]["retain"] if retain_raw is None else retain_raw
    if env == "prod" and not retain:
        raise ConfigError("mlops:retainData", "must be true in prod: buckets and key are protected from deletion")

    tags_raw = obj("tags") or {}
    if not isinstance(tags_raw, Mapping) or not all(isinstance(v, str) for v in tags_raw.values()):
        raise ConfigError("mlops:tags", f"must be a mapping of strings, got {tags_raw!r}")
    tags = {"project": project, "stack": stack, "environment": env, "managed-by": "pulumi", **tags_raw}

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
        data_quality_schedule="off" if schedule == "off" else "hourly" if schedule == "hourly" else "daily",
        retain_data=bool(retain),
        tags=tags,
    )
