"""The local server behind SageMaker's container contract: a real gunicorn process on 127.0.0.1.

Proves our server's contract (ping, content types, status codes, payload limit, batches, concurrency,
graceful shutdown) with the handlers imported from the unpacked artifact. It cannot prove AWS's own
container behaves the same; test_training_container_errors covers our side of that boundary.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from training_support import REPO, Trainings, clean_environ, penguin_lines

from training import serve

pytestmark = pytest.mark.slow

LINES = penguin_lines()
HEADER = LINES[0]
ROWS = LINES[1:]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    log: Path

    def output(self) -> str:
        return self.log.read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_ping(url: str, process: subprocess.Popen[str], log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not answer /ping in time")


def start(artifact: Path, log: Path, workers: int = 2) -> Server:
    port = free_port()
    # A file, not a pipe: the access log of hundreds of requests would fill a pipe and block the server.
    with log.open("w") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "training.serve",
                "--artifact",
                str(artifact),
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=REPO,
            env=clean_environ(),
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    url = f"http://127.0.0.1:{port}"
    wait_for_ping(url, process, log)
    return Server(url, process, log)


@pytest.fixture(scope="module")
def server(trainings: Trainings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(trainings.first.artifact, tmp_path_factory.mktemp("serve") / "server.log")
    yield running
    running.process.send_signal(signal.SIGTERM)
    running.process.wait(timeout=40)


def post(url: str, body: bytes, content_type: str, accept: str | None = "application/json") -> tuple[int, str, bytes]:
    headers = {"Content-Type": content_type}
    if accept is not None:
        headers["Accept"] = accept
    req = urllib.request.Request(f"{url}/invocations", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def features(line: str) -> str:
    return line.split(",", 1)[1]


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, bytes]:
    """POST with exactly ``headers`` (urllib would add a form Content-Type to a body without one)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("POST", "/invocations", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def test_ping_is_an_empty_json_200_like_the_container(server: Server) -> None:
    with urllib.request.urlopen(f"{server.url}/ping", timeout=5) as response:
        assert (response.status, response.headers["Content-Type"], response.read()) == (200, "application/json", b"")


def test_missing_content_type_is_read_as_json_like_the_container(server: Server) -> None:
    names = HEADER.split(",")[1:]
    record = dict(zip(names, features(ROWS[200]).split(","), strict=True))
    status, content_type, body = raw_post(server.url, json.dumps([record]).encode(), {})
    assert (status, content_type) == (200, "application/json")
    assert [row["label"] for row in json.loads(body)] == ["Gentoo"]


def test_invalid_utf8_in_text_csv_is_refused_as_the_container_decodes_it(server: Server) -> None:
    status, _, body = raw_post(server.url, b"\xffBiscoe,39.1,18.7,181,3750,male,2007", {"Content-Type": "text/csv"})
    assert (status, json.loads(body)) == (
        400,
        {"error": "BadRequestError", "message": "request body is not UTF-8 (invalid byte at character 0)"},
    )


def test_two_stalled_uploads_do_not_block_other_clients(server: Server) -> None:
    """Two clients announce a body and stop sending (slow uploads); a third must still be answered.

    With the two sync workers this server had, each stalled upload held a whole worker and the third
    request waited until gunicorn's 60 s timeout. Cannot prove how many stalled clients it takes to
    block it (2 workers x 8 threads)."""
    host, port = server.url.removeprefix("http://").split(":")
    stalled = []
    for _ in range(2):
        sock = socket.create_connection((host, int(port)), timeout=5)
        sock.sendall(
            b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\nBis"
        )
        stalled.append(sock)
    time.sleep(0.5)  # let both be accepted and start reading their bodies
    try:
        status, _, body = raw_post(server.url, features(ROWS[0]).encode(), {"Content-Type": "text/csv"})
        assert (status, [row["label"] for row in json.loads(body)]) == (200, ["Adelie"])
    finally:
        for sock in stalled:
            sock.close()


def test_csv_with_header_gives_labels_and_probabilities(server: Server) -> None:
    status, content_type, body = post(server.url, "\n".join([HEADER, *ROWS[:3]]).encode(), "text/csv")
    assert (status, content_type) == (200, "application/json")
    answer = json.loads(body)
    assert [row["label"] for row in answer] == ["Adelie", "Adelie", "Adelie"]
    assert all(sorted(row["probabilities"]) == ["Adelie", "Chinstrap", "Gentoo"] for row in answer)


def test_json_instances_answered_as_csv(server: Server) -> None:
    names = HEADER.split(",")[1:]
    record = dict(zip(names, features(ROWS[200]).split(","), strict=True))
    status, content_type, body = post(
        server.url, json.dumps({"instances": [record]}).encode(), "application/json", accept="text/csv"
    )
    assert (status, content_type) == (200, "text/csv; charset=utf-8")
    label, *probabilities = body.decode().strip().split(",")
    assert label == "Gentoo"
    assert len(probabilities) == 3


@pytest.mark.parametrize(
    ("body", "content_type", "accept", "status", "error"),
    [
        (b"{broken", "application/json", "application/json", 400, "BadRequestError"),
        (b"", "text/csv", "application/json", 400, "BadRequestError"),
        (b"Biscoe,abc,18.7,181,3750,male,2007", "text/csv", "application/json", 400, "BadRequestError"),
        (b"\x00\x01", "application/x-npy", "application/json", 415, "UnsupportedContentTypeError"),
        (b"Biscoe,39.1,18.7,181,3750,male,2007", "text/csv", "image/png", 406, "NotAcceptableError"),
        # Accept is checked before the body is parsed or the model runs.
        (b"{broken", "application/json", "image/png", 406, "NotAcceptableError"),
    ],
)
def test_client_errors_answer_their_status_as_json(
    server: Server, body: bytes, content_type: str, accept: str, status: int, error: str
) -> None:
    got_status, got_type, got_body = post(server.url, body, content_type, accept)
    assert (got_status, got_type) == (status, "application/json")
    assert json.loads(got_body)["error"] == error


def test_payload_over_six_megabytes_is_413(server: Server) -> None:
    body = b"Biscoe,39.1,18.7,181,3750,male,2007\n" * (serve.MAX_PAYLOAD_BYTES // 35 + 10)
    status, _, answer = post(server.url, body, "text/csv")
    assert status == 413
    assert json.loads(answer)["error"] == "PayloadTooLarge"


def test_unknown_route_is_404_json(server: Server) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(f"{server.url}/predict", timeout=5)
    assert raised.value.code == 404
    assert json.loads(raised.value.read())["error"] == "NotFound"


def test_large_batch(server: Server) -> None:
    rows = [features(line) for line in ROWS] * 30  # 10,320 rows
    status, _, body = post(server.url, "\n".join(rows).encode(), "text/csv")
    assert status == 200
    assert len(json.loads(body)) == len(rows) == 10320


def test_concurrent_requests_all_answered_consistently(server: Server) -> None:
    body = "\n".join([features(ROWS[0]), features(ROWS[200]), features(ROWS[300])]).encode()

    def call(_: int) -> tuple[int, list[str]]:
        status, _, answer = post(server.url, body, "text/csv")
        return status, [row["label"] for row in json.loads(answer)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(40)))
    assert results == [(200, ["Adelie", "Gentoo", "Chinstrap"])] * 40


def test_server_survives_bad_requests(server: Server) -> None:
    for _ in range(20):
        post(server.url, b"\xff\xfe garbage", "application/json")
    assert post(server.url, features(ROWS[0]).encode(), "text/csv")[0] == 200
    assert server.process.poll() is None


def test_sigterm_shuts_down_gracefully(trainings: Trainings, tmp_path: Path) -> None:
    running = start(trainings.first.artifact, tmp_path / "server.log", workers=1)
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=40) == 0
    output = running.output()
    assert "Handling signal: term" in output
    assert "Shutting down: Master" in output


def test_missing_artifact_is_a_one_line_error(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "training.serve", "--artifact", str(tmp_path / "none.tar.gz")],
        cwd=REPO,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr == f"error: artifact {tmp_path / 'none.tar.gz'} does not exist; run `make train` first\n"


def test_handlers_come_from_the_artifact_not_the_package(trainings: Trainings, tmp_path: Path) -> None:
    model_dir = serve.unpack(trainings.first.artifact, tmp_path)
    module = serve.load_handlers(model_dir)
    assert Path(module.__file__ or "") == model_dir / "code" / "inference.py"
    assert os.path.samefile(module.__file__ or "", tmp_path / "code" / "inference.py")


def test_connections_are_kept_alive(server: Server) -> None:
    """Two invocations on one TCP connection (gthread worker); the sync worker closed it after each.

    It cannot prove SageMaker's front end reuses connections, only that the server allows it."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        statuses = []
        for _ in range(2):
            connection.request(
                "POST", "/invocations", body=ROWS[0].split(",", 1)[1], headers={"Content-Type": "text/csv"}
            )
            response = connection.getresponse()
            response.read()
            statuses.append((response.status, response.getheader("Connection"), response.will_close))
            if len(statuses) == 1:
                first_socket = connection.sock
        assert statuses == [(200, "keep-alive", False), (200, "keep-alive", False)]
        assert connection.sock is first_socket
    finally:
        connection.close()


def test_no_access_log_line_unless_asked(server: Server) -> None:
    with urllib.request.urlopen(f"{server.url}/ping", timeout=10) as response:
        assert response.status == 200
    assert "GET /ping" not in server.output()
    assert "POST /invocations" not in server.output()


@pytest.mark.parametrize(("access_log", "expected"), [(False, None), (True, "-")])
def test_access_log_option(access_log: bool, expected: str | None) -> None:
    options = serve.ModelServer(Flask("test"), 8080, 2, access_log=access_log).options
    assert options["accesslog"] == expected
    assert (options["worker_class"], options["threads"], options["keepalive"]) == ("gthread", 8, 5)


@pytest.mark.parametrize(("worker_class", "expected"), [("gthread", ("ThreadWorker", 8)), ("sync", ("SyncWorker", 1))])
def test_threads_only_for_the_threaded_worker(worker_class: str, expected: tuple[str, int]) -> None:
    """gunicorn replaces `sync` by gthread when threads > 1; `--worker-class sync` must stay sync."""
    server = serve.ModelServer(Flask("test"), 8080, 2, worker_class=worker_class)
    assert (server.cfg.worker_class.__name__, server.cfg.threads) == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "99999"], "argument --port: expected a whole number from 1 to 65535, got 99999"),
        (["--port", "http"], "argument --port: expected a whole number from 1 to 65535, got 'http'"),
        (["--workers", "0"], "argument --workers: expected a whole number from 1 to 64, got 0"),
        (
            ["--worker-class", "eventlet"],
            "argument --worker-class: invalid choice: 'eventlet' (choose from 'gthread', 'gevent', 'sync')",
        ),
    ],
)
def test_bad_flags_give_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    """Refused before the artifact is opened or a port bound; cannot prove gunicorn's own errors are one line."""
    with pytest.raises(SystemExit) as exited:
        serve.main(["--artifact", "does-not-matter.tar.gz", *argv])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {message}; run python -m training.serve --help for the accepted flags\n"


def test_gevent_without_the_package_is_one_line_and_exit_4(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """gevent is not a project dependency; hides it from find_spec, so it cannot prove the gevent worker runs."""
    real = serve.importlib.util.find_spec
    monkeypatch.setattr(serve.importlib.util, "find_spec", lambda name: None if name == "gevent" else real(name))
    assert serve.main(["--worker-class", "gevent"]) == 4
    captured = capsys.readouterr()
    assert captured.err == "error: --worker-class gevent needs the gevent package (pip install gevent); not installed\n"
