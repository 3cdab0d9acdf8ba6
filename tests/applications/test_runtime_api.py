"""The SageMaker Runtime API of the local server, called by the unmodified boto3 ``sagemaker-runtime`` client.

Proves botocore parses our answers as the service's (output headers, ``ModelError`` and
``ValidationError`` shapes from its own service model). It cannot prove SageMaker's wording of messages
or headers the service adds beyond that model.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.applications.conftest import Runtime, penguin_lines

pytestmark = pytest.mark.slow

LINES = penguin_lines()
HEADER = LINES[0]


def container(url: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"{url}/invocations",
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_invoke_endpoint_returns_the_container_predictions(runtime: Runtime) -> None:
    body = "\n".join([HEADER, *LINES[1:6], LINES[200]]).encode()
    client = boto3.client("sagemaker-runtime", region_name="us-east-1", endpoint_url=runtime.url)
    answer = client.invoke_endpoint(
        EndpointName="sagemaker-mlops-dev", Body=body, ContentType="text/csv", Accept="application/json"
    )
    status, direct = container(runtime.url, body, "text/csv")
    assert status == 200
    assert answer["Body"].read() == direct
    assert answer["ContentType"] == "application/json"
    assert answer["InvokedProductionVariant"] == "AllTraffic"
    assert [row["label"] for row in json.loads(direct)] == ["Adelie"] * 5 + ["Gentoo"]


def test_bad_payload_raises_model_error_with_the_container_message(runtime: Runtime) -> None:
    body = f"{HEADER}\n{LINES[1].replace('39.1', 'long')}".encode()
    client = boto3.client("sagemaker-runtime", region_name="us-east-1", endpoint_url=runtime.url)
    with pytest.raises(ClientError) as caught:
        client.invoke_endpoint(EndpointName="sagemaker-mlops-dev", Body=body, ContentType="text/csv")
    error = caught.value
    container_message = "column 'bill_length_mm' row 1 holds 'long'; expected a number (or null/empty for missing)"
    assert type(error).__name__ == "ModelError"
    assert error.response["Error"]["Code"] == "ModelError"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error.response["OriginalStatusCode"] == 400
    assert json.loads(error.response["OriginalMessage"]) == {"error": "BadRequestError", "message": container_message}
    assert error.response["LogStreamArn"] == (
        "arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/sagemaker-mlops-dev"
        ":log-stream:AllTraffic/local"
    )
    assert error.response["Error"]["Message"].startswith("Received client error (400) from primary with message")
    # Never retried: a 4xx would fail the same way again.
    assert error.response["ResponseMetadata"]["RetryAttempts"] == 0


def test_unsupported_content_type_is_a_model_error_415(runtime: Runtime) -> None:
    client = boto3.client("sagemaker-runtime", region_name="us-east-1", endpoint_url=runtime.url)
    with pytest.raises(ClientError) as caught:
        client.invoke_endpoint(EndpointName="sagemaker-mlops-dev", Body=b"x", ContentType="application/x-npy")
    assert caught.value.response["OriginalStatusCode"] == 415
    assert json.loads(caught.value.response["OriginalMessage"])["message"] == (
        "unsupported content type 'application/x-npy'; send text/csv or application/json"
    )


def test_oversized_body_is_the_service_validation_error(runtime: Runtime) -> None:
    client = boto3.client("sagemaker-runtime", region_name="us-east-1", endpoint_url=runtime.url)
    with pytest.raises(ClientError) as caught:
        client.invoke_endpoint(
            EndpointName="sagemaker-mlops-dev", Body=b"1" * (6 * 1024 * 1024 + 1), ContentType="text/csv"
        )
    assert caught.value.response["Error"] == {
        "Code": "ValidationError",
        "Message": "Request body of 6291457 bytes exceeds the 6291456-byte limit of InvokeEndpoint; split the batch",
    }
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_invalid_endpoint_name_is_a_validation_error(runtime: Runtime) -> None:
    client = boto3.client("sagemaker-runtime", region_name="us-east-1", endpoint_url=runtime.url)
    with pytest.raises(ClientError) as caught:
        client.invoke_endpoint(EndpointName="bad_name", Body=b"x", ContentType="text/csv")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert (
        "Value 'bad_name' at 'endpointName' failed to satisfy constraint" in caught.value.response["Error"]["Message"]
    )
