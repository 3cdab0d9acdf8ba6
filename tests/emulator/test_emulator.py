"""The local moto server: loopback only, a free port, stopped even when the body raises, and the two
corrections to moto's S3 it applies (see offline/emulator.py)."""

from __future__ import annotations

import json
import re
import socket

import pytest
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

from infra.storage import documents as storage_documents
from offline.emulator import LOOPBACK, Emulator, EmulatorError, _bucket_permission, _log_delivery_allowed
from offline.rehearsal.runner import moto_implements

pytestmark = pytest.mark.emulator


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(2)
        return probe.connect_ex((LOOPBACK, port)) == 0


def test_the_server_listens_on_loopback_only(emulator: Emulator) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emulator.url)
    assert _accepts(emulator.port) is True


def _serve_then_fail(emulator: Emulator, seen: list[int]) -> None:
    with emulator:
        seen.append(emulator.port)
        assert _accepts(emulator.port) is True
        raise RuntimeError("boom")


def test_the_server_stops_when_the_block_raises() -> None:
    second, seen = Emulator(), list[int]()
    with pytest.raises(RuntimeError, match="boom"):
        _serve_then_fail(second, seen)
    assert second.running is False
    assert _accepts(seen[0]) is False


def test_a_busy_port_is_an_error_not_a_hang(emulator: Emulator) -> None:
    with pytest.raises(EmulatorError, match=rf"^cannot listen on 127\.0\.0\.1:{emulator.port}: "):
        Emulator(emulator.port).start()


@pytest.mark.parametrize(
    ("service", "operation", "implemented"),
    [
        ("cloudwatch", "PutCompositeAlarm", False),
        ("sagemaker", "CreateMonitoringSchedule", False),
        ("sagemaker", "CreateDataQualityJobDefinition", True),
        ("sagemaker", "CreateEndpoint", True),
        ("application-autoscaling", "PutScalingPolicy", True),
        ("cloudwatch", "PutMetricAlarm", True),
        # S3 routes by path and method; it counts as implemented (an unknown call would answer 500).
        ("s3", "PutBucketLogging", True),
    ],
)
def test_which_operations_moto_serves(service: str, operation: str, implemented: bool) -> None:
    assert moto_implements(service, operation) is implemented


def _bucket(policy: dict[str, object] | None) -> FakeBucket:
    # moto marks FakeBucket abstract for CloudFormation (is_created); S3 itself instantiates it like this.
    bucket = FakeBucket("logs", account_id="123456789012", region_name="us-east-1")  # type: ignore[abstract]
    bucket.policy = json.dumps(policy).encode() if policy is not None else None
    return bucket


def _deny(condition: dict[str, object] | None) -> dict[str, object]:
    statement: dict[str, object] = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        # The project's TLS-only statement: the provider's requests use TLS, so it does not apply.
        (storage_documents.bucket_policy("arn:aws:s3:::logs"), PermissionResult.NEUTRAL),
        (_deny({"Bool": {"aws:SecureTransport": "false"}}), PermissionResult.NEUTRAL),
        (_deny({"Bool": {"aws:SecureTransport": "true"}}), PermissionResult.DENIED),
        (_deny(None), PermissionResult.DENIED),
        # A condition on a key the request context lacks: the statement does not apply.
        (_deny({"StringEquals": {"aws:SourceAccount": "123456789012"}}), PermissionResult.NEUTRAL),
        (None, PermissionResult.NEUTRAL),
    ],
    ids=["project-tls-only", "tls-deny", "deny-when-tls", "unconditional-deny", "unknown-key", "no-policy"],
)
def test_bucket_policy_conditions_are_evaluated_against_a_tls_request(
    policy: dict[str, object] | None, expected: PermissionResult
) -> None:
    assert _bucket_permission(_bucket(policy), "s3:PutObject", "arn:aws:s3:::logs/key") == expected


def test_log_delivery_is_found_after_a_statement_with_a_string_principal() -> None:
    source = "arn:aws:s3:::artifacts"
    bucket = _bucket(storage_documents.log_bucket_policy("arn:aws:s3:::logs", "123456789012", [source]))
    assert _log_delivery_allowed(bucket, "artifacts/") is True
    assert _log_delivery_allowed(_bucket(storage_documents.bucket_policy("arn:aws:s3:::logs")), "artifacts/") is False


def test_moto_is_corrected_while_an_emulator_runs(emulator: Emulator) -> None:
    assert FakeBucket.get_permission is _bucket_permission
    Emulator().start().stop()
    # Another emulator stopping does not undo the corrections the session's emulator relies on.
    assert FakeBucket.get_permission is _bucket_permission
