"""The functions' configuration: Lambda environment variables, read once per execution environment.

Endpoints of AWS services are boto3's own settings (``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL_SQS``,
``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME``): unset in AWS, pointed at the emulator and the local model server
offline, so the handlers' code is the same in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from client.endpoint import PAYLOAD_LIMITS, EndpointClient, EndpointType
from client.schema import ModelSchema

INCOMING_PREFIX = "incoming/"
PREDICTIONS_PREFIX = "predictions/"
ERROR_REPORT_SUFFIX = ".error.json"


class SettingsError(Exception):
    """A missing or invalid environment variable; names the variable and the fix."""


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is not set; the stack sets it on the function")
    return value


def _integer(environ: Mapping[str, str], name: str, default: int, low: int) -> int:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"environment variable {name} must be an integer, got {raw!r}") from None
    if value < low:
        raise SettingsError(f"environment variable {name} must be >= {low}, got {value}")
    return value


@dataclass(frozen=True)
class EndpointSettings:
    endpoint_name: str
    endpoint_type: EndpointType
    region: str
    manifest: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> EndpointSettings:
        endpoint_type = _required(environ, "ENDPOINT_TYPE")
        if endpoint_type not in PAYLOAD_LIMITS:
            raise SettingsError(
                f"environment variable ENDPOINT_TYPE must be realtime or serverless, got {endpoint_type!r}"
            )
        return cls(
            endpoint_name=_required(environ, "ENDPOINT_NAME"),
            endpoint_type=endpoint_type,
            region=_required(environ, "AWS_REGION"),
            manifest=Path(_required(environ, "MODEL_MANIFEST")),
        )

    def client(self, **options: object) -> EndpointClient:
        return EndpointClient(
            self.endpoint_name,
            ModelSchema.from_manifest(self.manifest),
            region=self.region,
            endpoint_type=self.endpoint_type,
            **options,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class ScoringSettings:
    endpoint: EndpointSettings
    dead_letter_queue_url: str
    # Beyond this size the file goes to SageMaker batch transform, not to one Lambda invocation.
    max_object_bytes: int
    rows_per_chunk: int
    # Stop before Lambda's timeout kills the function mid-write: this much time must remain to start a chunk.
    time_margin_seconds: int

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ScoringSettings:
        return cls(
            endpoint=EndpointSettings.from_environ(environ),
            dead_letter_queue_url=_required(environ, "DEAD_LETTER_QUEUE_URL"),
            max_object_bytes=_integer(environ, "MAX_OBJECT_BYTES", 256 * 1024 * 1024, 1),
            rows_per_chunk=_integer(environ, "ROWS_PER_CHUNK", 20_000, 1),
            time_margin_seconds=_integer(environ, "TIME_MARGIN_SECONDS", 30, 0),
        )


@dataclass(frozen=True)
class HttpSettings:
    endpoint: EndpointSettings
    # A synchronous Lambda invocation carries at most 6 MB each way; 1 MB of records answers well under it.
    max_request_bytes: int

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> HttpSettings:
        return cls(
            endpoint=EndpointSettings.from_environ(environ),
            max_request_bytes=_integer(environ, "MAX_REQUEST_BYTES", 1024 * 1024, 1),
        )
