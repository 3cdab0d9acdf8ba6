"""The events AWS delivers to the functions, built the way the services build them (for tests and the demo).

- ``s3_object_created``: an S3 event notification (event structure version 2.1) as Lambda receives it from
  a bucket notification: ``Records[].s3.object`` with the URL-encoded key, size, eTag, versionId and
  sequencer of the object version that was written.
- ``http_api_request``: an API Gateway HTTP API proxy event, payload format version 2.0 (lower-cased
  headers, ``rawPath``, ``requestContext.http``, ``body`` with ``isBase64Encoded``).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus


def s3_object_created(
    *,
    bucket: str,
    key: str,
    size: int,
    etag: str,
    version_id: str | None,
    sequencer: str = "0062E99A88DC407460",
    region: str = "us-east-1",
    event_name: str = "ObjectCreated:Put",
    configuration_id: str = "score-incoming",
) -> dict[str, Any]:
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag.strip('"')}
    if version_id is not None:
        obj["versionId"] = version_id
    obj["sequencer"] = sequencer
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "eventName": event_name,
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLEUPLOADER"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": "C3D13FE58DE4C810",
                    "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration_id,
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": obj,
                },
            }
        ]
    }


def s3_event_for(s3: Any, bucket: str, key: str, *, version_id: str | None = None) -> dict[str, Any]:
    """The notification S3 sends for an object version that exists now (read back with HeadObject)."""
    head = s3.head_object(Bucket=bucket, Key=key, **({"VersionId": version_id} if version_id else {}))
    version = head.get("VersionId")
    return s3_object_created(
        bucket=bucket,
        key=key,
        size=int(head["ContentLength"]),
        etag=str(head["ETag"]),
        version_id=None if version in (None, "null") else str(version),
    )


def http_api_request(
    *,
    body: bytes | str | None,
    content_type: str | None = "application/json",
    method: str = "POST",
    path: str = "/predict",
    base64_encoded: bool = False,
    request_id: str = "JKJaXmPLvHcESHA=",
) -> dict[str, Any]:
    headers = {"host": "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "curl/8.5.0"}
    if content_type is not None:
        headers["content-type"] = content_type
    raw = body.encode() if isinstance(body, str) else body
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "curl/8.5.0",
            },
            "requestId": request_id,
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(datetime.now(UTC).timestamp() * 1000),
        },
        "isBase64Encoded": base64_encoded,
    }
    if raw is not None:
        event["body"] = base64.b64encode(raw).decode() if base64_encoded else raw.decode("utf-8")
    return event
