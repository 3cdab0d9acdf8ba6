"""The client library's errors: one base, a caller's mistake distinct from an unavailable endpoint."""

from __future__ import annotations


class PredictionError(Exception):
    """Base of every error the client raises; ``str()`` is one line naming the problem and the fix."""


class SchemaError(PredictionError, ValueError):
    """The records do not match the model's feature schema; raised before any request is sent."""


class PayloadTooLargeError(PredictionError, ValueError):
    """One record alone exceeds the endpoint's payload limit, so no split can send it."""


class PredictionRejectedError(PredictionError):
    """The endpoint refused the request (a 4xx): the container's or the service's status and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"endpoint rejected the request ({status} {code}): {message}")
        self.status = status
        self.code = code
        self.message = message


class EndpointUnavailableError(PredictionError):
    """The endpoint failed (5xx, throttling, network) after botocore's retries, or answered malformed."""

    def __init__(self, message: str, *, attempts: int | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
