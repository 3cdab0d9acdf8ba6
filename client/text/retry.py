"""Retrying Comprehend calls that were throttled, with capped exponential backoff and full jitter.

Comprehend throttles real-time calls per account and Region (ThrottlingException, or
TooManyRequestsException on the job and endpoint operations). The clients this package builds switch
botocore's own retries off (`total_max_attempts=1`) so these are the only retries and their count is
known; a caller-supplied client keeps whatever retry configuration it has, and this loop runs on top.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

T = TypeVar("T")

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "InternalServerException",
        "ServiceUnavailableException",
    }
)


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_attempts` calls; the n-th wait is uniform in [0, min(max_delay, base_delay * 2**n)]."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[float, float], float] = field(default=random.uniform, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (0-based)."""
        return self.jitter(0.0, min(self.max_delay, self.base_delay * (2**attempt)))


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def error_message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", ""))


def call_with_retries(policy: RetryPolicy, call: Callable[[], T]) -> T:
    """`call()`, retried on a throttling or transient server error; the last error is raised."""
    for attempt in range(policy.max_attempts):
        try:
            return call()
        except ClientError as error:
            if error_code(error) not in RETRYABLE_CODES or attempt == policy.max_attempts - 1:
                raise
            policy.sleep(policy.delay(attempt))
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def comprehend_client(region: str, endpoint_url: str | None = None) -> Any:
    """A Comprehend client with botocore's retries off, so `RetryPolicy` alone decides."""
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return boto3.client("comprehend", region_name=region, endpoint_url=endpoint_url, config=config)
