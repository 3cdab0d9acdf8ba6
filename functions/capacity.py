"""How many scoring functions may run at once without starving the endpoint (reserved concurrency).

One scoring invocation keeps at most one InvokeEndpoint request in flight (the client sends a file's
batches one after another), so N concurrent invocations put at most N concurrent requests on the
endpoint. Batch scoring gets ``share`` of what the endpoint sustains at its largest size — instances x
concurrent requests one instance sustains (the load test's ``sustainable concurrency per instance``), or
a serverless endpoint's ``maxConcurrency`` — and online callers keep the rest. Lambda's reserved
concurrency caps the function there; S3 events beyond it wait in Lambda's asynchronous queue (up to six
hours) instead of overloading the model.
"""

from __future__ import annotations

import math


def endpoint_concurrency(
    *, serverless: bool, max_concurrency: int = 0, max_instances: int = 0, concurrency_per_instance: int = 0
) -> int:
    """Concurrent requests the endpoint sustains at its largest size."""
    if serverless:
        if max_concurrency < 1:
            raise ValueError("a serverless endpoint needs max_concurrency >= 1")
        return max_concurrency
    if max_instances < 1 or concurrency_per_instance < 1:
        raise ValueError("a realtime endpoint needs max_instances >= 1 and concurrency_per_instance >= 1")
    return max_instances * concurrency_per_instance


def reserved_concurrency(endpoint_capacity: int, share: float = 0.5) -> int:
    """The scoring function's reserved concurrency: ``share`` of the endpoint's capacity, at least 1."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    return max(1, math.floor(endpoint_capacity * share))
