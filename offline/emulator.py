"""A local AWS emulator (moto server) on 127.0.0.1, for the rehearsal and for the ``local`` stack.

``Emulator`` runs moto's ``ThreadedMotoServer`` inside this process as a context manager: bound to the
loopback address only, on a free port the OS picks (port 0, so parallel runs never collide), stopped on
exit even when the body raises. Every service answers on the same port: moto routes a request by the
service named in its SigV4 credential scope, so one endpoint URL serves S3, SageMaker, IAM, KMS, ...

``python -m offline.emulator --port 4566`` runs the same server in the foreground until Ctrl-C, for users
with the Pulumi CLI who point the AWS provider at it (``Pulumi.local.yaml``). That path (real
``pulumi up`` through the provider plugin against the emulator) cannot be run in this repository's
offline environment, which has neither the Pulumi CLI nor the provider plugin; only the rehearsal
(``python -m offline.rehearsal``) is run here.

Two corrections to moto 5.2.5's S3, applied in-process while an emulator runs (``_correct_moto``),
because without them moto rejects what AWS accepts:
- Bucket-policy evaluation (``moto/iam/policy_conditions.py``) evaluates only ``StringEquals`` and
  treats every other condition operator as satisfied, so the TLS-only statement (``Deny`` when
  ``Bool aws:SecureTransport`` is ``false``) becomes an unconditional ``Deny`` of every PutObject. Here
  a conditional statement applies only when its condition holds for the request context the
  provider's requests carry (``aws:SecureTransport=true``: the provider always uses HTTPS); a statement
  conditioned on a key that context lacks (``aws:SourceArn`` of a service principal) does not apply.
- PutBucketLogging's check of the target bucket's policy (``moto/s3/models.py``,
  ``FakeBucket._log_permissions_enabled_policy``) crashes with HTTP 500 on a statement whose
  ``Principal`` is the string ``"*"``; such statements are skipped (they cannot be the grant to
  ``logging.s3.amazonaws.com`` the check looks for).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sys
import threading
import urllib.request
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import boto3
from botocore.config import Config
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.s3.models import FakeBucket
from moto.s3.utils import LOGGING_SERVICE_PRINCIPAL
from moto.server import ThreadedMotoServer

from offline.cli import run, tcp_port
from offline.fakes import FAKE_CREDENTIALS

LOOPBACK = "127.0.0.1"
# moto's default account; the access key is not checked (moto's IAM auth is off by default).
# No retries: a local emulator either answers or has a bug; retrying a 500 only slows the failure down.
# No proxies: the emulator is on the loopback interface, never behind a proxy from the environment.
_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1}, proxies={}, connect_timeout=5, read_timeout=60)


class EmulatorError(Exception):
    """The emulator could not be started or reached."""


# One session for every client of the process: its loader parses each service model once, where a session
# per client parsed the same JSON again for every stack. botocore sessions are not safe for concurrent
# client creation (the program registers resources from a thread pool), hence the lock.
_SESSION: boto3.session.Session | None = None
_SESSION_LOCK = threading.Lock()


def client(service: str, endpoint_url: str, region: str) -> Any:
    """A boto3 client bound to the emulator with fake credentials; botocore validates every request."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = boto3.session.Session(**FAKE_CREDENTIALS)
        return _SESSION.client(service, region_name=region, endpoint_url=endpoint_url, config=_CLIENT_CONFIG)


def reset(endpoint_url: str) -> None:
    """Drop every emulated resource (moto's ``POST /moto-api/reset``), e.g. between two stacks."""
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST")
    # No proxy handler: the emulator is local, and a proxy from the environment must not see the call.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        if response.status != 200:
            raise EmulatorError(f"moto reset at {endpoint_url} answered HTTP {response.status}")


# The request context moto cannot derive from a plain-HTTP loopback request: the provider uses TLS.
_REQUEST_CONTEXT = {"aws:SecureTransport": "true"}
_corrected = threading.Lock()


def _statements(policy: bytes) -> list[dict[str, Any]]:
    statement = json.loads(policy.decode())["Statement"]
    return list(statement) if isinstance(statement, list) else [statement]


def _condition_holds(condition: dict[str, Any]) -> bool:
    """Whether an IAM ``Condition`` holds for ``_REQUEST_CONTEXT``; unknown keys or operators: no."""
    for operator, clauses in condition.items():
        op = operator.removesuffix("IfExists")
        for key, expected in clauses.items():
            actual = _REQUEST_CONTEXT.get(key)
            values = [str(v) for v in (expected if isinstance(expected, list) else [expected])]
            if actual is None:
                return False
            if op == "Bool":
                matched = actual.lower() in [v.lower() for v in values]
            elif op == "StringEquals":
                matched = actual in values
            elif op == "StringNotEquals":
                matched = actual not in values
            else:
                return False
            if not matched:
                return False
    return True


def _bucket_permission(bucket: FakeBucket, action: str, resource: str) -> PermissionResult:
    """S3 bucket-policy evaluation where a conditional statement applies only when its condition holds."""
    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    permitted = False
    for raw in _statements(bucket.policy):
        if "Condition" in raw and not _condition_holds(raw["Condition"]):
            continue
        unconditional = {k: v for k, v in raw.items() if k != "Condition"}
        result = IAMPolicyStatement(unconditional).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return result
        permitted = permitted or result == PermissionResult.PERMITTED
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


def _log_delivery_allowed(target_bucket: FakeBucket, target_prefix: str | None) -> bool:
    """moto's check that the target bucket's policy lets S3's logging service write, tolerating
    statements whose principal is a string such as ``"*"``."""
    if not target_bucket.policy:
        return False
    arn = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}"
    resources = {f"{arn}/{target_prefix or ''}*", f"{arn}/*", arn}
    for statement in _statements(target_bucket.policy):
        principal = statement.get("Principal")
        if not isinstance(principal, dict) or principal.get("Service") != LOGGING_SERVICE_PRINCIPAL:
            continue
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") == "Allow" and "s3:PutObject" in actions and statement.get("Resource") in resources:
            return True
    return False


_ORIGINALS = {
    "get_permission": FakeBucket.__dict__["get_permission"],
    "_log_permissions_enabled_policy": FakeBucket.__dict__["_log_permissions_enabled_policy"],
}
_CORRECTIONS = {
    "get_permission": _bucket_permission,
    "_log_permissions_enabled_policy": staticmethod(_log_delivery_allowed),
}
_running_emulators = 0


def _correct_moto(apply: bool) -> None:
    """Apply the corrections described in the module docstring while at least one emulator runs in
    this process (moto's classes are process-wide), and restore moto's own code after the last one."""
    global _running_emulators
    with _corrected:
        _running_emulators += 1 if apply else -1
        if _running_emulators == (1 if apply else 0):
            for name, value in (_CORRECTIONS if apply else _ORIGINALS).items():
                setattr(FakeBucket, name, value)


def _check_port_free(port: int) -> None:
    """ThreadedMotoServer binds in its thread: a busy port would kill that thread and leave ``start()``
    waiting forever for a ready signal, so a fixed port is probed first (same reuse flag as werkzeug)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError as exc:
            raise EmulatorError(f"cannot listen on {LOOPBACK}:{port}: {exc.strerror or exc}") from None


class Emulator:
    """``with Emulator() as emu: emu.url`` — a moto server on 127.0.0.1, stopped when the block exits."""

    def __init__(self, port: int = 0, *, quiet: bool = True) -> None:
        self._requested_port = port
        self._server: ThreadedMotoServer | None = None
        self._quiet = quiet
        self.url = ""
        self.port = 0

    def start(self) -> Emulator:
        if self._server is not None:
            raise EmulatorError("the emulator is already running")
        if self._quiet:
            # Request lines, and the traceback werkzeug logs for an operation moto lacks (callers see the
            # HTTP 500 and name the gap themselves).
            logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        if self._requested_port:
            _check_port_free(self._requested_port)
        server = ThreadedMotoServer(ip_address=LOOPBACK, port=self._requested_port, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        if host != LOOPBACK:
            server.stop()
            raise EmulatorError(f"the emulator bound {host}, expected {LOOPBACK} only")
        _correct_moto(apply=True)
        self._server, self.port, self.url = server, port, f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            _correct_moto(apply=False)

    @property
    def running(self) -> bool:
        return self._server is not None

    def reset(self) -> None:
        if not self.running:
            raise EmulatorError("the emulator is not running")
        reset(self.url)

    def client(self, service: str, region: str) -> Any:
        return client(service, self.url, region)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command: a user mistake is one line on stderr and exit 2 (offline.cli's exit codes)."""
    return run(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m offline.emulator",
        description="Run the local AWS emulator (moto) on 127.0.0.1 in the foreground until Ctrl-C.",
    )
    parser.add_argument("--port", type=tcp_port, default=4566, help="port on 127.0.0.1 (default 4566)")
    args = parser.parse_args(argv)
    stopped = threading.Event()
    # Ctrl-C, and SIGTERM from a process manager (`make emulator` in the background), stop the server.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        with Emulator(args.port, quiet=False) as emulator:
            print(f"AWS emulator (moto) listening on {emulator.url}; Ctrl-C to stop", flush=True)
            print("  pulumi stack select local && pulumi up   # Pulumi.local.yaml points at it", flush=True)
            while not stopped.wait(timeout=1):
                pass
    except EmulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("emulator stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
