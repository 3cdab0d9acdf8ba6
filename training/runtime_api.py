"""The SageMaker Runtime API in front of the local model server: ``POST /endpoints/{EndpointName}/invocations``.

Applications call a deployed model through the ``sagemaker-runtime`` service (``InvokeEndpoint``), not the
container's ``/invocations``. Mounting this route on the local server lets the unmodified boto3 client —
``boto3.client("sagemaker-runtime", endpoint_url="http://127.0.0.1:8080")`` — get real predictions offline.

What the service adds around the container, as botocore's ``sagemaker-runtime`` model describes it
(protocol ``rest-json``; the error code travels in the ``x-amzn-ErrorType`` header):
- success: the container's body and ``Content-Type``, plus ``x-Amzn-Invoked-Production-Variant`` (the
  variant that answered) and, when the container sets it, ``X-Amzn-SageMaker-Custom-Attributes``;
- a container answering 4xx or 5xx: HTTP 424 ``ModelError`` with ``OriginalStatusCode``,
  ``OriginalMessage`` (the container's body, verbatim), ``LogStreamArn`` and ``Message``;
- the service's own request checks: ``ValidationError`` (HTTP 400), e.g. a body over the 6 MB limit
  before it reaches the container.

Any endpoint name is served (the local server hosts one model); it only appears in ``LogStreamArn``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Flask, Response, request

# SageMaker realtime endpoints accept at most 6 MB per invocation; the service refuses more itself.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
VARIANT_HEADER = "x-Amzn-Invoked-Production-Variant"
ERROR_TYPE_HEADER = "x-amzn-ErrorType"
# CreateEndpoint's name rule: alphanumerics and hyphens, at most 63 characters.
_ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


def _service_error(status: int, code: str, message: str, **extra: object) -> Response:
    body = json.dumps({"Message": message, **extra})
    response = Response(body, status=status, mimetype="application/x-amz-json-1.1")
    response.headers[ERROR_TYPE_HEADER] = code
    return response


def log_stream_arn(region: str, account: str, endpoint_name: str, variant_name: str) -> str:
    """Where SageMaker writes the container's logs for one variant (``/aws/sagemaker/Endpoints/<name>``)."""
    return (
        f"arn:aws:logs:{region}:{account}:log-group:/aws/sagemaker/Endpoints/{endpoint_name}"
        f":log-stream:{variant_name}/local"
    )


def model_error(
    endpoint_name: str, original_status: int, original_body: str, *, region: str, account: str, variant_name: str
) -> Response:
    """The service's answer when the container answered ``original_status`` (>= 400)."""
    kind = "client" if original_status < 500 else "server"
    stream = log_stream_arn(region, account, endpoint_name, variant_name)
    message = (
        f'Received {kind} error ({original_status}) from primary with message "{original_body}". '
        f"See the log stream {stream} for more information."
    )
    return _service_error(
        424,
        "ModelError",
        message,
        ErrorCode=f"{kind.upper()}_ERROR_FROM_MODEL",
        OriginalStatusCode=original_status,
        OriginalMessage=original_body,
        LogStreamArn=stream,
    )


def mount(
    app: Flask,
    invoke: Callable[[], Response],
    *,
    variant_name: str = "AllTraffic",
    region: str = "us-east-1",
    account: str = "000000000000",
) -> None:
    """Add ``POST /endpoints/<name>/invocations`` to ``app``, answering through the container view ``invoke``.

    ``invoke`` is the server's ``/invocations`` view: it reads the same request (body, ``Content-Type``,
    ``Accept``), so both routes give byte-identical predictions.
    """

    @app.post("/endpoints/<endpoint_name>/invocations")
    def invoke_endpoint(endpoint_name: str) -> Response:
        if not _ENDPOINT_NAME.match(endpoint_name):
            return _service_error(
                400,
                "ValidationError",
                f"1 validation error detected: Value '{endpoint_name[:63]}' at 'endpointName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*",
            )
        if request.content_length is not None and request.content_length > MAX_PAYLOAD_BYTES:
            return _service_error(
                400,
                "ValidationError",
                f"Request body of {request.content_length} bytes exceeds the {MAX_PAYLOAD_BYTES}-byte limit "
                "of InvokeEndpoint; split the batch",
            )
        answer = invoke()
        if answer.status_code >= 400:
            return model_error(
                endpoint_name,
                answer.status_code,
                answer.get_data(as_text=True),
                region=region,
                account=account,
                variant_name=variant_name,
            )
        answer.headers[VARIANT_HEADER] = variant_name
        return answer
