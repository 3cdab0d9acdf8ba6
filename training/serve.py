"""Serve ``model.tar.gz`` locally behind SageMaker's container contract, on gunicorn.

The artifact is unpacked the way SageMaker does (into a model directory), and the handlers are imported
from that directory's ``code/inference.py`` — the very file the AWS container would import — not from
this package. Contract: ``GET /ping`` answers 200 once the model is loaded; ``POST /invocations`` takes
``text/csv`` or ``application/json`` and answers with the handlers' content type; a client error answers
its status (400, 406, 413, 415) with a JSON body; a worker is never crashed by a request. The same
server answers the SageMaker Runtime API's ``POST /endpoints/{name}/invocations`` (``runtime_api``).

It behaves like AWS's serving framework (``sagemaker-containers`` 2.8.6.post2, checked by ``make
container-test``) on what a client sees: ``/ping`` is an empty ``application/json`` 200; a request with no
``Content-Type`` is read as ``application/json``; no ``Accept`` or ``*/*`` means ``application/json``;
``text/csv`` and ``application/json`` bodies reach the handlers as text decoded the way that framework
decodes them; CSV answers are ``text/csv; charset=utf-8``. Workers are gunicorn ``gthread``: a client
that stalls mid-upload holds one thread, not a whole worker (the container uses gevent for the same).

``python -m training.serve --artifact build/model.tar.gz --port 8080`` (``make serve``). Binds 127.0.0.1
only. SIGTERM or Ctrl-C drains in-flight requests (gunicorn's graceful shutdown), as SageMaker allows a
container 30 seconds between SIGTERM and SIGKILL.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from flask import Flask, Response, request
from gunicorn.app.base import BaseApplication

from training import runtime_api

HOST = "127.0.0.1"
# SageMaker realtime endpoints accept at most 6 MB per invocation (serverless: 4 MB).
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
# SageMaker gives an invocation 60 s and a container 30 s between SIGTERM and SIGKILL.
INVOCATION_TIMEOUT_SECONDS = 60
GRACEFUL_SHUTDOWN_SECONDS = 30
# Threads per worker: each stalled or slow client holds one of them.
THREADS_PER_WORKER = 8
JSON = "application/json"
# The media types AWS's framework decodes to text before calling input_fn (compared verbatim).
TEXT_TYPES = ("application/json", "text/csv")

logger = logging.getLogger("training.serve")


class ServeError(Exception):
    """The artifact cannot be served (missing, not a model tarball, no inference code)."""


def unpack(artifact: Path, model_dir: Path) -> Path:
    """Extract like SageMaker does to /opt/ml/model; refuse members escaping the directory."""
    if not artifact.is_file():
        raise ServeError(f"artifact {artifact} does not exist; run `make train` first")
    try:
        with tarfile.open(artifact, "r:gz") as tar:
            tar.extractall(model_dir, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise ServeError(f"{artifact} is not a readable model.tar.gz ({exc}); rebuild it with `make train`") from exc
    if not (model_dir / "code" / "inference.py").is_file():
        raise ServeError(f"{artifact} has no code/inference.py; rebuild it with `make train`")
    return model_dir


def load_handlers(model_dir: Path) -> ModuleType:
    """Import ``code/inference.py`` from the unpacked artifact as the container does (module ``inference``).

    code/ goes on ``sys.path`` first, as the container's gunicorn ``--pythonpath`` has its copy of it:
    sibling modules packed beside inference.py import as top-level modules (``import fastpath``).
    """
    code_dir = str(model_dir / "code")
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)
    path = model_dir / "code" / "inference.py"
    spec = importlib.util.spec_from_file_location("inference", path)
    if spec is None or spec.loader is None:  # pragma: no cover - spec_from_file_location on a .py file
        raise ServeError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["inference"] = module
    spec.loader.exec_module(module)
    return module


def _error(status: int, error: str, message: str) -> Response:
    return Response(json.dumps({"error": error, "message": message}), status=status, mimetype=JSON)


def container_view(raw: bytes, headers: Any) -> tuple[bytes | str, str, str]:
    """Body, content type and accept as AWS's framework hands them to the handlers.

    ``ContentType`` (the header some AWS services send) or ``Content-Type``, else JSON; ``Accept``
    missing or ``*/*`` becomes JSON; a body whose content type is exactly ``text/csv`` or
    ``application/json`` is decoded as UTF-8 with invalid bytes replaced (werkzeug's ``as_text``).
    """
    content_type = headers.get("ContentType") or headers.get("Content-Type") or JSON
    accept = headers.get("Accept")
    if not accept or accept == "*/*":
        accept = JSON
    body: bytes | str = raw.decode("utf-8", "replace") if content_type in TEXT_TYPES else raw
    return body, content_type, accept


def _drain(stream: Any, limit: int) -> None:
    """Read and drop the rest of an oversized body, up to ``limit`` bytes."""
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 16))
        if not chunk:
            return
        remaining -= len(chunk)


def create_app(model_dir: Path) -> Flask:
    """The WSGI app: the model is loaded here, once (before gunicorn forks its workers)."""
    handlers = load_handlers(model_dir)
    try:
        model = handlers.model_fn(str(model_dir))
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        raise ServeError(f"model_fn could not load {model_dir}: {exc}") from exc
    client_error: type[Exception] = handlers.ClientError
    app = Flask("training.serve")

    def invoke(raw: bytes, headers: Any) -> Response:
        """One invocation through the handlers; a client error becomes its status with a JSON body."""
        started = time.perf_counter()
        body, content_type, accept = container_view(raw, headers)
        try:
            handlers.choose_accept(accept)  # 406 before the model runs
            data = handlers.input_fn(body, content_type)
            prediction = handlers.predict_fn(data, model)
            answer, answer_type = handlers.output_fn(prediction, accept)
        except client_error as exc:
            status = int(getattr(exc, "status_code", 400))
            logger.info("client error %s: %s", status, exc)
            return _error(status, type(exc).__name__, str(exc))
        response = Response(answer, status=200, mimetype=answer_type)
        response.headers["X-Model-Latency-Ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        return response

    @app.get("/ping")
    def ping() -> Response:
        return Response(b"", status=200, mimetype=JSON)

    @app.post("/invocations")
    def invocations() -> Response:
        # Bounded read (also for chunked bodies without Content-Length); an oversized body is drained so
        # the client receives the 413 rather than a connection reset.
        raw = request.stream.read(MAX_PAYLOAD_BYTES + 1)
        if len(raw) > MAX_PAYLOAD_BYTES:
            _drain(request.stream, 3 * MAX_PAYLOAD_BYTES)
            return _error(413, "PayloadTooLarge", f"request body exceeds {MAX_PAYLOAD_BYTES} bytes")
        return invoke(raw, request.headers)

    runtime_api.mount(app, invocations)

    @app.errorhandler(404)
    def not_found(_: Any) -> Response:
        return _error(404, "NotFound", "the container serves GET /ping and POST /invocations")

    @app.errorhandler(405)
    def not_allowed(_: Any) -> Response:
        return _error(405, "MethodNotAllowed", "the container serves GET /ping and POST /invocations")

    return app


# gunicorn's sync worker answers every request with `Connection: close`, so each invocation pays a
# TCP handshake; a threaded worker keeps connections open (measured in bench/README.md).
WORKER_CLASSES = ("gthread", "gevent", "sync")
KEEPALIVE_SECONDS = 5


class ModelServer(BaseApplication):  # type: ignore[misc]
    """gunicorn with the app preloaded (one model load, shared copy-on-write by the workers).

    No access log by default, as in AWS's container (its gunicorn runs without one): a line per request
    costs the worker a write per invocation. ``--access-log`` turns it on for local debugging.
    """

    def __init__(
        self,
        app: Flask,
        port: int,
        workers: int,
        worker_class: str = WORKER_CLASSES[0],
        access_log: bool = False,
    ) -> None:
        self.application = app
        self.options = {
            "bind": f"{HOST}:{port}",
            "workers": workers,
            "worker_class": worker_class,
            # gunicorn silently turns `sync` with threads > 1 into gthread: threads only for gthread.
            "threads": THREADS_PER_WORKER if worker_class == "gthread" else 1,
            "keepalive": KEEPALIVE_SECONDS,
            "preload_app": True,
            "timeout": INVOCATION_TIMEOUT_SECONDS,
            "graceful_timeout": GRACEFUL_SHUTDOWN_SECONDS,
            "accesslog": "-" if access_log else None,
            "loglevel": "info",
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line and exit 2 (the input is wrong), as every command of the project; argparse's own
        # error() prints the whole usage block first.
        print(f"error: {message}; run python -m training.serve --help for the accepted flags", file=sys.stderr)
        sys.exit(2)


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low} to {high}, got {raw[:40]!r}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {value}")
        return value

    return parse


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="python -m training.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--artifact", type=Path, default=Path("build/model.tar.gz"))
    parser.add_argument("--port", type=_bounded(1, 65535), default=8080, help="port on 127.0.0.1 (SageMaker uses 8080)")
    parser.add_argument("--workers", type=_bounded(1, 64), default=2)
    parser.add_argument(
        "--worker-class", choices=WORKER_CLASSES, default=WORKER_CLASSES[0], help="gunicorn worker class"
    )
    parser.add_argument("--access-log", action="store_true", help="log one line per request to stdout")
    args = parser.parse_args(argv)
    if args.worker_class == "gevent" and importlib.util.find_spec("gevent") is None:
        # gevent is what AWS's image runs, but not a dependency of this project (bench/README.md).
        print(
            "error: --worker-class gevent needs the gevent package (pip install gevent); not installed", file=sys.stderr
        )
        return 4
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with tempfile.TemporaryDirectory(prefix="model-") as tmp:
        try:
            app = create_app(unpack(args.artifact, Path(tmp)))
        except ServeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        ModelServer(app, args.port, args.workers, args.worker_class, args.access_log).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
