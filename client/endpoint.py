"""Call a SageMaker endpoint from an application: typed predictions, batches split to the payload limit.

    from client.endpoint import EndpointClient
    client = EndpointClient.from_stack_outputs(outputs, manifest="build/manifest.json")
    client.predict([{"island": "Torgersen", "bill_length_mm": 39.1, ...}])  # -> [Prediction(...)]

Requests go through boto3's ``sagemaker-runtime`` ``InvokeEndpoint`` as ``text/csv`` with a header line
(the most rows per byte; the header makes the column order explicit) and ask for ``application/json``.

AWS constraints this module follows:
- payload limit per invocation: 6 MB on a realtime endpoint, 4 MB on a serverless one; a batch is split
  into as many requests as needed and the answers are joined in input order;
- retries are botocore's own (``standard`` or ``adaptive`` mode): throttling errors and transient 5xx
  responses are retried with jittered exponential backoff; a 4xx is never retried (the same payload would
  fail again). A container 4xx arrives as the service's ``ModelError`` (HTTP 424) whose
  ``OriginalMessage`` is the container's body: it becomes one ``PredictionRejectedError`` with the
  container's status and message;
- an invocation may take up to 60 s, so the read timeout is above that.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from client.errors import EndpointUnavailableError, PayloadTooLargeError, PredictionRejectedError, SchemaError
from client.schema import ModelSchema

EndpointType = Literal["realtime", "serverless"]
RetryMode = Literal["standard", "adaptive"]
PAYLOAD_LIMITS: dict[EndpointType, int] = {"realtime": 6 * 1024 * 1024, "serverless": 4 * 1024 * 1024}
CSV = "text/csv"
JSON = "application/json"
# SageMaker allows a container 60 s per invocation; wait a little longer before giving up on a read.
READ_TIMEOUT_SECONDS = 70
DEFAULT_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Prediction:
    label: str
    probabilities: Mapping[str, float]  # class -> probability, in the manifest's class order


def records_of(data: Any) -> list[Mapping[str, Any]]:
    """A list of records from a sequence of mappings or a pandas DataFrame (pandas is not required)."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(data, pandas.DataFrame):
        columns = [str(column) for column in data.columns]
        return [dict(zip(columns, row, strict=True)) for row in data.itertuples(index=False, name=None)]
    if isinstance(data, Mapping):
        raise SchemaError("predict takes a list of records or a DataFrame; wrap a single record in a list")
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise SchemaError(f"predict takes a list of records or a DataFrame, got {type(data).__name__}")
    return list(data)


def _csv_line(cells: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")


def split(header: bytes, lines: Sequence[bytes], limit: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` ranges of ``lines`` whose body (header + lines) fits in ``limit`` bytes."""
    start, size = 0, len(header)
    for index, line in enumerate(lines):
        if len(header) + len(line) > limit:
            raise PayloadTooLargeError(
                f"record {index + 1} alone makes a {len(header) + len(line)}-byte request, over the endpoint's "
                f"{limit}-byte payload limit; shorten its values"
            )
        if size + len(line) > limit:
            yield start, index
            start, size = index, len(header)
        size += len(line)
    if start < len(lines):
        yield start, len(lines)


class EndpointClient:
    """Predictions from one SageMaker endpoint, checked against the model's schema before any request."""

    def __init__(
        self,
        endpoint_name: str,
        schema: ModelSchema,
        *,
        region: str | None = None,
        endpoint_type: EndpointType = "realtime",
        payload_limit: int | None = None,
        retry_mode: RetryMode = "standard",
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        endpoint_url: str | None = None,
        session: boto3.session.Session | None = None,
    ) -> None:
        if endpoint_type not in PAYLOAD_LIMITS:
            raise ValueError(f"endpoint_type must be realtime or serverless, got {endpoint_type!r}")
        if retry_mode not in ("standard", "adaptive"):
            raise ValueError(f"retry_mode must be standard or adaptive, got {retry_mode!r}")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        self.endpoint_name = endpoint_name
        self.schema = schema
        self.endpoint_type = endpoint_type
        self.payload_limit = payload_limit if payload_limit is not None else PAYLOAD_LIMITS[endpoint_type]
        config = Config(
            retries={"mode": retry_mode, "total_max_attempts": max_attempts},
            read_timeout=READ_TIMEOUT_SECONDS,
            connect_timeout=5,
            user_agent_extra="mlops-client",
        )
        self.runtime = (session or boto3.session.Session()).client(
            "sagemaker-runtime", region_name=region, endpoint_url=endpoint_url, config=config
        )
        self.requests_sent = 0

    @classmethod
    def from_stack_outputs(
        cls, outputs: Mapping[str, Any], manifest: Mapping[str, Any] | Path | str, **options: Any
    ) -> EndpointClient:
        """From ``pulumi stack output --json``: ``endpointName``, ``region`` and, when exported, ``endpointType``.

        Without ``endpointType`` the client assumes the smaller serverless limit (4 MB), which both kinds
        of endpoint accept.
        """
        missing = [key for key in ("endpointName", "region") if not outputs.get(key)]
        if missing:
            raise ValueError(
                f"stack outputs lack {', '.join(missing)}; pass the output of `pulumi stack output --json`"
            )
        endpoint_type = str(outputs.get("endpointType") or "serverless")
        return cls(
            str(outputs["endpointName"]),
            ModelSchema.from_manifest(manifest),
            region=str(outputs["region"]),
            endpoint_type=endpoint_type,  # type: ignore[arg-type]  # checked in __init__
            **options,
        )

    def predict(self, data: Any, *, first_row: int = 1) -> list[Prediction]:
        """One prediction per record, in input order; every record is checked before the first request.

        ``first_row`` numbers the records in error messages (a caller scoring a file in chunks passes the
        chunk's first row).
        """
        rows = self.schema.rows(records_of(data), first_row=first_row)
        if not rows:
            return []
        header = _csv_line(self.schema.names)
        lines = [_csv_line(cells) for cells in rows]
        ranges = list(split(header, lines, self.payload_limit))
        predictions: list[Prediction] = []
        for start, stop in ranges:
            body = header + b"".join(lines[start:stop])
            predictions.extend(self._invoke(body, stop - start, first_row=first_row + start))
        return predictions

    def _invoke(self, body: bytes, expected: int, *, first_row: int) -> list[Prediction]:
        self.requests_sent += 1
        try:
            response = self.runtime.invoke_endpoint(
                EndpointName=self.endpoint_name, Body=body, ContentType=CSV, Accept=JSON
            )
            answer = response["Body"].read()
        except ClientError as exc:
            raise _mapped(exc, first_row) from None
        except BotoCoreError as exc:  # connection refused, timeouts, after botocore's retries
            raise EndpointUnavailableError(f"endpoint {self.endpoint_name} unreachable: {exc}") from None
        return _predictions(answer, expected, self.schema.classes)


def _mapped(exc: ClientError, first_row: int) -> Exception:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    metadata = exc.response.get("ResponseMetadata", {})
    status = int(metadata.get("HTTPStatusCode", 0))
    attempts = int(metadata.get("RetryAttempts", 0)) + 1
    where = f" (in the request starting at record {first_row})" if first_row > 1 else ""
    if code == "ModelError":
        original = int(exc.response.get("OriginalStatusCode", 0) or 0)
        text = str(exc.response.get("OriginalMessage", "") or error.get("Message", ""))
        message = _container_message(text)
        if 400 <= original < 500:
            return PredictionRejectedError(original, code, message + where)
        return EndpointUnavailableError(
            f"the model failed ({original or 'no status'}): {message}{where}", attempts=attempts
        )
    if 400 <= status < 500 and code not in _THROTTLING:
        return PredictionRejectedError(status, code, str(error.get("Message", "")) + where)
    return EndpointUnavailableError(
        f"endpoint answered {status} {code} after {attempts} attempt(s): {error.get('Message', '')}",
        attempts=attempts,
    )


# Codes botocore's standard retry mode treats as throttling (retried; if they persist, not a caller error).
_THROTTLING = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException", "ModelNotReadyException"})


def _container_message(text: str) -> str:
    """Our container answers ``{"error": ..., "message": ...}``; other containers' bodies are kept as text."""
    try:
        document = json.loads(text)
    except ValueError:
        return text.strip()
    if isinstance(document, dict) and isinstance(document.get("message"), str):
        return str(document["message"])
    return text.strip()


def _predictions(answer: bytes, expected: int, classes: Sequence[str]) -> list[Prediction]:
    try:
        document = json.loads(answer)
        predictions = [
            Prediction(label=str(item["label"]), probabilities={c: float(item["probabilities"][c]) for c in classes})
            for item in document
        ]
    except (ValueError, TypeError, KeyError) as exc:
        raise EndpointUnavailableError(
            f"endpoint answered a body that is not a list of predictions for classes {list(classes)} ({exc!r}); "
            "is the deployed model the one in this manifest?"
        ) from None
    if len(predictions) != expected:
        raise EndpointUnavailableError(f"endpoint answered {len(predictions)} predictions for {expected} records")
    return predictions
