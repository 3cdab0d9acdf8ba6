"""Fixtures of the application tests: a trained artifact, the real local server, an S3/SQS emulator.

Once per session: ``train.py`` writes a real ``model.tar.gz`` into a temporary directory (as ``make
train`` does), ``training.serve`` serves it on 127.0.0.1 on an ephemeral port (gunicorn, the SageMaker
Runtime route mounted), and a moto server on 127.0.0.1 plays S3 and SQS. boto3 reaches them through its
own endpoint settings (``AWS_ENDPOINT_URL_S3`` / ``_SQS`` / ``_SAGEMAKER_RUNTIME``), exactly how the
handlers are pointed at them offline, so the handlers run unmodified.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

REPO = Path(__file__).resolve().parents[2]
PENGUINS = REPO / "data" / "penguins.csv"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Model:
    artifact: Path
    manifest: Path


@dataclass(frozen=True)
class Runtime:
    url: str
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _environ() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SM_", "AWS_ENDPOINT_URL"))}
    env.pop("PYTHONPATH", None)
    return env


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    root = tmp_path_factory.mktemp("model")
    completed = subprocess.run(
        [sys.executable, str(REPO / "training" / "train.py"), "--train", str(PENGUINS), "--target", "species"]
        + [
            "--model-dir",
            str(root / "model"),
            "--output-data-dir",
            str(root),
            "--artifact",
            str(root / "model.tar.gz"),
        ],
        cwd=root,
        env=_environ(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return Model(artifact=root / "model.tar.gz", manifest=root / "manifest.json")


@pytest.fixture(scope="session")
def runtime(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    port = free_port()
    log = tmp_path_factory.mktemp("runtime") / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "training.serve", "--artifact", str(model.artifact), "--port", str(port)]
            + ["--workers", "2"],
            cwd=REPO,
            env=_environ(),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{LOOPBACK}:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"server did not answer /ping:\n{log.read_text()}") from None
            time.sleep(0.2)
    yield Runtime(url, log)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=40)


@pytest.fixture(scope="session")
def aws_emulator() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def offline_aws(monkeypatch: pytest.MonkeyPatch, aws_emulator: str, runtime: Runtime) -> None:
    """Point boto3 (S3, SQS, SageMaker Runtime) at the emulator and the local server, by boto3's own settings."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", aws_emulator)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", aws_emulator)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", runtime.url)


def penguin_lines() -> list[str]:
    return PENGUINS.read_text(encoding="utf-8").splitlines()
