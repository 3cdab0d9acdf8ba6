"""Lambda behind API Gateway HTTP API ``POST /predict`` (Lambda proxy integration, payload format 2.0).

Request: ``Content-Type: application/json``, body a record, a list of records, or ``{"instances": [...]}``
(the container's JSON forms). Response 200: ``{"predictions": [{"label": ..., "probabilities": {...}}]}``
in input order.

A caller's mistake is a 4xx with ``{"error": <code>, "message": <one line>}``, never a 500:
- 400 malformed JSON, bad base64, not UTF-8, a missing/misspelt feature or a bad value (checked here,
  before the model is called), or the model's own 400 with its message;
- 413 a body over ``MAX_REQUEST_BYTES`` (a synchronous Lambda invocation carries at most 6 MB each way, and
  the answer must fit too) — larger batches go through S3 (``incoming/``);
- 415 a content type other than JSON; 404/405 another path or method.
The model failing or being unreachable after the client's retries is a 503 (retry later); only a bug in
this function is a 500. Logs carry the request id, status and record count — never the request body.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from client.endpoint import EndpointClient
from client.errors import EndpointUnavailableError, PayloadTooLargeError, PredictionRejectedError, SchemaError
from functions.settings import HttpSettings

logger = logging.getLogger("functions.http_api")

ROUTE_PATH = "/predict"
JSON = "application/json"


class RequestError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": JSON},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def error(status: int, code: str, message: str) -> dict[str, Any]:
    return response(status, {"error": code, "message": message})


@dataclass
class PredictApi:
    client: EndpointClient
    max_request_bytes: int

    def handle(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        request_id = str(event.get("requestContext", {}).get("requestId", getattr(context, "aws_request_id", "-")))
        records = 0
        try:
            records_in = self._records(event)
            records = len(records_in)
            predictions = self.client.predict(records_in)
            answer = response(200, {"predictions": [asdict(p) for p in predictions]})
        except RequestError as exc:
            answer = error(exc.status, exc.code, exc.message)
        except PayloadTooLargeError as exc:
            answer = error(413, "PayloadTooLarge", str(exc))
        except SchemaError as exc:
            answer = error(400, "BadRequest", str(exc))
        except PredictionRejectedError as exc:
            # The model's own status (400, 413, 415, 406) and message, passed through.
            answer = error(exc.status, "ModelRejected", exc.message)
        except EndpointUnavailableError as exc:
            logger.error("request %s: model unavailable: %s", request_id, exc)
            answer = error(503, "ModelUnavailable", "the model is unavailable right now; retry later")
        logger.info("request %s: status %s, %d record(s)", request_id, answer["statusCode"], records)
        return answer

    def _records(self, event: Mapping[str, Any]) -> list[Any]:
        http = event.get("requestContext", {}).get("http", {})
        if event.get("rawPath", http.get("path")) != ROUTE_PATH:
            raise RequestError(404, "NotFound", f"this API serves POST {ROUTE_PATH}")
        if http.get("method") != "POST":
            raise RequestError(405, "MethodNotAllowed", f"this API serves POST {ROUTE_PATH}")
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        content_type = headers.get("content-type", "")
        if content_type.split(";", 1)[0].strip().lower() != JSON:
            shown = content_type[:60] if content_type else "none"
            raise RequestError(415, "UnsupportedMediaType", f"content type {shown!r} is not supported; send {JSON}")
        raw = event.get("body") or ""
        if event.get("isBase64Encoded"):
            try:
                body = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise RequestError(400, "BadRequest", "the body is marked base64 but is not valid base64") from None
        else:
            body = raw.encode("utf-8")
        if len(body) > self.max_request_bytes:
            raise RequestError(
                413,
                "PayloadTooLarge",
                f"the body is {len(body)} bytes, over the {self.max_request_bytes}-byte limit; split the batch "
                "or upload it as a CSV under incoming/ for batch scoring",
            )
        if not body.strip():
            raise RequestError(
                400, "BadRequest", 'the body is empty; send a record, a list of records or {"instances": [...]}'
            )
        try:
            document = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise RequestError(400, "BadRequest", "the body is not UTF-8") from None
        except json.JSONDecodeError as exc:
            raise RequestError(
                400, "BadRequest", f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
        except RecursionError:
            raise RequestError(400, "BadRequest", "the JSON body is nested too deeply") from None
        if isinstance(document, dict) and "instances" in document:
            extra = sorted(str(key) for key in document if key != "instances")
            if extra:
                raise RequestError(400, "BadRequest", f"unexpected key(s) next to 'instances': {', '.join(extra)}")
            document = document["instances"]
        elif isinstance(document, dict):
            document = [document]
        if not isinstance(document, list) or not document:
            raise RequestError(
                400, "BadRequest", 'send a record, a non-empty list of records or {"instances": [records]}'
            )
        return document


_api: PredictApi | None = None


def build(environ: Mapping[str, str]) -> PredictApi:
    settings = HttpSettings.from_environ(environ)
    return PredictApi(settings.endpoint.client(), settings.max_request_bytes)


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point (``functions.http_api.handler``)."""
    global _api
    if _api is None:
        _api = build(os.environ)
    return _api.handle(event, context)
