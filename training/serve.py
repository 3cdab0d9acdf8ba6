"""Serve ``model.tar.gz`` locally behind SageMaker's container contract, on gunicorn.

The artifact is unpacked the way SageMaker does (into a model directory), and the handlers are imported
from that directory's ``code/inference.py`` — the very file the AWS container would import — not from
this package. Contract: ``GET /ping`` answers 200 once the model is loaded; ``POST /invocations`` takes
``text/csv`` or ``application/json`` and answers with the handlers' content type; a client error answers
its status (400, 406, 413, 415) with a JSON body; a worker is never crashed by a request.

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
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask, Response, request
from gunicorn.app.base import BaseApplication

HOST = "127.0.0.1"
# SageMaker realtime endpoints accept at most 6 MB per invocation (serverless: 4 MB).
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
# SageMaker gives an invocation 60 s and a container 30 s between SIGTERM and SIGKILL.
INVOCATION_TIMEOUT_SECONDS = 60
GRACEFUL_SHUTDOWN_SECONDS = 30

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
    """Import ``code/inference.py`` from the unpacked artifact as the container does (module ``inference``)."""
    path = model_dir / "code" / "inference.py"
    spec = importlib.util.spec_from_file_location("inference", path)
    if spec is None or spec.loader is None:  # pragma: no cover - spec_from_file_location on a .py file
        raise ServeError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["inference"] = module
    spec.loader.exec_module(module)
    return module


def _error(status: int, error: str, message: str) -> Response:
    return Response(json.dumps({"error": error, "message": message}), status=status, mimetype="application/json")


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

    @app.get("/ping")
    def ping() -> Response:
        return Response("", status=200)

    @app.post("/invocations")
    def invocations() -> Response:
        started = time.perf_counter()
        # Bounded read (also for chunked bodies without Content-Length); an oversized body is drained so
        # the client receives the 413 rather than a connection reset.
        raw = request.stream.read(MAX_PAYLOAD_BYTES + 1)
        if len(raw) > MAX_PAYLOAD_BYTES:
            _drain(request.stream, 3 * MAX_PAYLOAD_BYTES)
            return _error(413, "PayloadTooLarge", f"request body exceeds {MAX_PAYLOAD_BYTES} bytes")
        try:
            data = handlers.input_fn(raw, request.content_type)
            prediction = handlers.predict_fn(data, model)
            body, content_type = handlers.output_fn(prediction, request.headers.get("Accept"))
        except client_error as exc:
            status = int(getattr(exc, "status_code", 400))
            logger.info("client error %s: %s", status, exc)
            return _error(status, type(exc).__name__, str(exc))
        response = Response(body, status=200, mimetype=content_type)
        response.headers["X-Model-Latency-Ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        return response

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
THREADS_PER_WORKER = 4
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--artifact", type=Path, default=Path("build/model.tar.gz"))
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (SageMaker uses 8080)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--worker-class", choices=WORKER_CLASSES, default=WORKER_CLASSES[0], help="gunicorn worker class"
    )
    parser.add_argument("--access-log", action="store_true", help="log one line per request to stdout")
    args = parser.parse_args(argv)
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
