"""Size autoscaling by load: ramp concurrency against one endpoint instance until latency or errors rise.

    python bench/load_test.py --url http://127.0.0.1:8080 --stack prod          # the local server (make serve)
    python bench/load_test.py --endpoint-name sagemaker-mlops-prod --region us-east-1 --stack prod  # AWS

Requests go through the application client (``client.endpoint``), one record each, with botocore retries
off so throttling and errors show instead of being absorbed. Concurrency doubles each step (1, 2, 4, ...)
for ``--step-seconds``; a step is sustainable while its p95 latency stays within ``--latency-factor`` of
the first step's and its error rate within ``--max-error-rate``. The ramp stops at the first step that is
not, at ``--max-concurrency``, or when ``--max-seconds`` is spent.

AWS's target-tracking rule for ``SageMakerVariantInvocationsPerInstance`` (a per-minute metric):
``target = max sustainable RPS of one instance x 60 x safety factor`` (0.5 to start). The value printed
beside it is the stack's ``mlops:autoscaling.targetInvocationsPerInstance`` (``Pulumi.<stack>.yaml``).
Against a real endpoint, load one instance (scale the variant to 1, or divide by ``--instances``).
``--url`` must be a loopback address: this tool never sends load to anything else by URL.

Exit codes: 0 measured, 2 bad arguments or unreadable stack file, 3 no step was sustainable.
"""

from __future__ import annotations

import argparse
import ipaddress
import statistics
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from client.endpoint import EndpointClient  # noqa: E402
from client.errors import PredictionError  # noqa: E402
from client.schema import ModelSchema  # noqa: E402

TARGET_KEY = "targetInvocationsPerInstance"
# infra/config.py's default when a realtime stack does not set the key.
DEFAULT_TARGET = 600.0


@dataclass(frozen=True)
class Step:
    concurrency: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    first_error: str | None = None

    @property
    def rps(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 1.0


def target_value(max_rps: float, safety_factor: float) -> float:
    """AWS's rule: invocations per instance per minute to track."""
    return max_rps * 60 * safety_factor


def sustainable(step: Step, baseline_p95_ms: float, latency_factor: float, max_error_rate: float) -> bool:
    return step.requests > 0 and step.error_rate <= max_error_rate and step.p95_ms <= baseline_p95_ms * latency_factor


def max_sustainable_rps(steps: Sequence[Step], latency_factor: float, max_error_rate: float) -> float | None:
    """The best RPS among the steps before the first unsustainable one (None when the first already fails)."""
    if not steps:
        return None
    baseline = steps[0].p95_ms
    best: float | None = None
    for step in steps:
        if not sustainable(step, baseline, latency_factor, max_error_rate):
            break
        best = step.rps if best is None else max(best, step.rps)
    return best


def configured_target(stack_file: Path) -> float | None:
    """The stack's target (None for a serverless endpoint, which has no instance autoscaling)."""
    document = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
    config: Mapping[str, Any] = document.get("config") or {}
    endpoint = config.get("mlops:endpoint") or {}
    if endpoint.get("type") == "serverless":
        return None
    autoscaling = config.get("mlops:autoscaling") or {}
    return float(autoscaling.get(TARGET_KEY, DEFAULT_TARGET))


def loopback_url(url: str) -> str:
    host = urlsplit(url).hostname or ""
    try:
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return url
    except ValueError:
        pass
    raise ValueError(f"--url {url!r} is not a loopback address; load-test a real endpoint with --endpoint-name")


def run_step(client: EndpointClient, record: Mapping[str, Any], concurrency: int, seconds: float) -> Step:
    latencies: list[float] = []
    errors = 0
    first_error: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            reason = None
            try:
                client.predict([record])
            except PredictionError as exc:
                reason = str(exc)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if reason is not None:
                    errors += 1
                    first_error[:1] = first_error[:1] or [reason]

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    reason = first_error[0] if first_error else None
    return Step(concurrency, len(latencies), errors, took, statistics.median(ordered), p95, reason)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/load_test.py", description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="the local server (loopback only), e.g. http://127.0.0.1:8080")
    target.add_argument("--endpoint-name", help="a real SageMaker endpoint, called through the client")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--stack", default="prod", help="reads Pulumi.<stack>.yaml for the configured target")
    parser.add_argument("--manifest", type=Path, default=ROOT / "build" / "manifest.json")
    parser.add_argument("--instances", type=int, default=1, help="instances behind the endpoint under load")
    parser.add_argument("--step-seconds", type=float, default=5.0)
    parser.add_argument("--max-concurrency", type=int, default=32)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="bound on the whole ramp")
    parser.add_argument("--latency-factor", type=float, default=2.0)
    parser.add_argument("--max-error-rate", type=float, default=0.01)
    parser.add_argument("--safety-factor", type=float, default=0.5)
    args = parser.parse_args(argv)

    try:
        if args.url is not None:
            loopback_url(args.url)
        if not 0 < args.safety_factor <= 1 or args.instances < 1 or args.step_seconds <= 0:
            raise ValueError("--safety-factor must be in (0, 1], --instances >= 1, --step-seconds > 0")
        stack_file = ROOT / f"Pulumi.{args.stack}.yaml"
        configured = configured_target(stack_file)
        schema = ModelSchema.from_manifest(args.manifest)
    except (ValueError, OSError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # The local server checks no signature: sign with placeholders, never with the caller's real keys.
    session = (
        boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name=args.region)
        if args.url is not None
        else None
    )
    client = EndpointClient(
        args.endpoint_name or "local",
        schema,
        region=args.region,
        endpoint_url=args.url,
        max_attempts=1,
        session=session,
    )
    rows = (ROOT / "data" / "penguins.csv").read_text(encoding="utf-8").splitlines()
    names = rows[0].split(",")
    record = {k: v for k, v in zip(names, rows[1].split(","), strict=True) if k != schema.target}

    print(f"ramping {args.url or args.endpoint_name}: {args.step_seconds:g} s per step, at most {args.max_seconds:g} s")
    print(f"  {'conc':>4}  {'requests':>8}  {'errors':>6}  {'rps':>8}  {'p50 ms':>7}  {'p95 ms':>7}")
    steps: list[Step] = []
    deadline = time.monotonic() + args.max_seconds
    concurrency = 1
    while concurrency <= args.max_concurrency and time.monotonic() + args.step_seconds <= deadline:
        step = run_step(client, record, concurrency, args.step_seconds)
        steps.append(step)
        print(
            f"  {step.concurrency:>4}  {step.requests:>8}  {step.errors:>6}  {step.rps:>8.1f}  "
            f"{step.p50_ms:>7.1f}  {step.p95_ms:>7.1f}",
            flush=True,
        )
        if step.first_error is not None:
            print(f"        first error: {step.first_error}")
        if not sustainable(step, steps[0].p95_ms, args.latency_factor, args.max_error_rate):
            break
        concurrency *= 2
    best = max_sustainable_rps(steps, args.latency_factor, args.max_error_rate)
    if best is None:
        print("no step was sustainable (errors or latency from the first step); check the endpoint", file=sys.stderr)
        return 3
    per_instance = best / args.instances
    best_step = next(step for step in steps if step.rps == best)
    print(f"sustainable concurrency per instance: {max(1, best_step.concurrency // args.instances)}")
    value = target_value(per_instance, args.safety_factor)
    print(f"max sustainable RPS per instance: {per_instance:.1f}")
    print(f"target-tracking value (RPS x 60 x {args.safety_factor:g}): {value:.0f} invocations per instance per minute")
    if configured is None:
        print(f"Pulumi.{args.stack}.yaml: serverless endpoint, no instance autoscaling to size")
    else:
        print(f"Pulumi.{args.stack}.yaml [mlops:autoscaling.{TARGET_KEY}]: {configured:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
