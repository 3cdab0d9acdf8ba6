"""Our server vs MLServer 1.7.1 + mlserver-sklearn on the same model file, same client, same rows.

Both serve ``build/model.tar.gz``'s ``model.joblib`` on 127.0.0.1 with 2 worker processes each. wrk
(Debian package ``wrk``) drives both; without it a small Python load generator does (slower: it competes
for the same cores, so its numbers are lower bounds for both servers). Bodies: 1 and 100 complete
penguin rows, as CSV and JSON records for ours and as a V2 inference request (pandas codec, one input per
column, ``predict_proba`` output) for MLServer. Every (rows, connections) cell runs each server in turn,
interleaved, for ``--repetitions`` rounds; the table shows median req/s with min-max, median p50/p99 and
the per-round ratio ours/MLServer (median, min-max).

MLServer is installed on first use into ``build/mlserver-venv`` (pip, PyPI): ``mlserver==1.7.1``,
``mlserver-sklearn==1.7.1``, ``uvloop<0.22`` (1.7.1 does not start with uvloop 0.22) and this venv's
scikit-learn, numpy and pandas versions (the pickle must load under the same scikit-learn).

``--settings`` instead compares our own server's configurations (worker class, access log, fast path).

    python bench/serving_vs_mlserver.py [--repetitions 3] [--duration 5] [--settings]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
ARTIFACT = BUILD / "model.tar.gz"
MLSERVER_VENV = BUILD / "mlserver-venv"
MLSERVER_PINS = ["mlserver==1.7.1", "mlserver-sklearn==1.7.1", "uvloop<0.22"]
HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 120
CONNECTIONS = (1, 4, 16, 64)
ROWS = (1, 100)


@dataclass(frozen=True)
class Body:
    path: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Target:
    name: str
    port: int
    body: Body


@dataclass(frozen=True)
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _penguin_rows() -> tuple[list[str], list[list[str]]]:
    lines = (ROOT / "data" / "penguins.csv").read_text(encoding="utf-8").splitlines()
    names = lines[0].split(",")[1:]
    rows = [line.split(",")[1:] for line in lines[1:] if "NA" not in line.split(",")]
    return names, rows


def _bodies(size: int) -> dict[str, Body]:
    names, rows = _penguin_rows()
    batch = (rows * (size // len(rows) + 1))[:size]
    numeric = {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"}
    records = [
        {name: float(value) if name in numeric else value for name, value in zip(names, row, strict=True)}
        for row in batch
    ]
    v2 = {
        "parameters": {"content_type": "pd"},
        "inputs": [
            {
                "name": name,
                "shape": [len(batch)],
                "datatype": "FP64" if name in numeric else "BYTES",
                "data": [record[name] for record in records],
            }
            for name in names
        ],
        "outputs": [{"name": "predict_proba"}],
    }
    return {
        "csv": Body("/invocations", "text/csv", ("\n".join(",".join(row) for row in batch) + "\n").encode()),
        "json": Body("/invocations", "application/json", json.dumps(records).encode()),
        "v2": Body("/v2/models/penguins/infer", "application/json", json.dumps(v2).encode()),
    }


def _post(port: int, body: Body) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://{HOST}:{port}{body.path}", data=body.data, headers={"Content-Type": body.content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def _wait_ready(port: int, path: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"server on port {port} not ready after {STARTUP_TIMEOUT_S} s; see {log}")


@contextmanager
def _server(command: list[str], port: int, ready_path: str, log: Path, cwd: Path) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_ready(port, ready_path, process, log)
            yield
        finally:
            # Only the process group this script started.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def ensure_mlserver() -> Path:
    python = MLSERVER_VENV / "bin" / "python"
    mlserver = MLSERVER_VENV / "bin" / "mlserver"
    if mlserver.is_file():
        return mlserver
    print(f"installing MLServer into {MLSERVER_VENV} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(MLSERVER_VENV)], check=True)
    pins = [f"{name}=={version(name)}" for name in ("scikit-learn", "numpy", "pandas", "joblib")]
    subprocess.run([str(python), "-m", "pip", "install", *MLSERVER_PINS, *pins], check=True)
    return mlserver


def _mlserver_repository(model_dir: Path, root: Path, port: int) -> Path:
    repository = root / "mlserver"
    (repository / "penguins").mkdir(parents=True)
    settings = {
        "host": HOST,
        "http_port": port,
        "grpc_port": _free_port(),
        "metrics_port": _free_port(),
        "parallel_workers": 2,
        "debug": False,
    }
    (repository / "settings.json").write_text(json.dumps(settings))
    model = {
        "name": "penguins",
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": str(model_dir / "model.joblib")},
    }
    (repository / "penguins" / "model-settings.json").write_text(json.dumps(model))
    return repository


def _without_fastpath(artifact: Path, destination: Path) -> Path:
    """The same artifact minus code/fastpath.py: inference.py then serves Pipeline.predict_proba."""
    with tarfile.open(artifact, "r:gz") as source, tarfile.open(destination, "w:gz") as target:
        for member in source.getmembers():
            if member.name != "code/fastpath.py":
                target.addfile(member, source.extractfile(member) if member.isfile() else None)
    return destination


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "{content_type}"
local f = io.open("{body}", "rb"); wrk.body = f:read("*a"); f:close()
"""


def _parse_wrk(output: str) -> Sample:
    def latency_ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if match is None:
            raise SystemExit(f"cannot read the {label}% latency from wrk:\n{output}")
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if rps is None:
        raise SystemExit(f"cannot read Requests/sec from wrk:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    count = int(errors.group(1)) if errors else 0
    count += sum(int(value) for value in socket_errors.groups()) if socket_errors else 0
    return Sample(float(rps.group(1)), latency_ms("50"), latency_ms("99"), count)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def run_wrk(target: Target, connections: int, duration: int, scratch: Path) -> Sample:
    body = scratch / f"{_slug(target.name)}-{len(target.body.data)}.body"
    body.write_bytes(target.body.data)
    script = scratch / f"{_slug(target.name)}-{len(target.body.data)}.lua"
    script.write_text(WRK_SCRIPT.format(content_type=target.body.content_type, body=body))
    url = f"http://{HOST}:{target.port}{target.body.path}"
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True)
    return _parse_wrk(completed.stdout)


def run_python_client(target: Target, connections: int, duration: int, _: Path) -> Sample:
    """Keep-alive HTTP/1.1 clients in threads (http.client); only when wrk is not installed."""
    import http.client

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, target.port, timeout=30)
        own: list[float] = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                headers = {"Content-Type": target.body.content_type}
                connection.request("POST", target.body.path, target.body.data, headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, target.port, timeout=30)
                continue
            own.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    if not latencies:
        return Sample(0.0, float("nan"), float("nan"), errors[0])
    return Sample(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        errors[0],
    )


def _fmt_range(values: list[float], digits: int = 0) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per load run")
    parser.add_argument("--connections", default=",".join(map(str, CONNECTIONS)))
    parser.add_argument("--rows", default=",".join(map(str, ROWS)))
    parser.add_argument("--settings", action="store_true", help="compare our server's settings instead")
    args = parser.parse_args()
    if not ARTIFACT.is_file():
        print("build/model.tar.gz is missing: run `make train` first", file=sys.stderr)
        return 2
    connections = [int(value) for value in args.connections.split(",")]
    sizes = [int(value) for value in args.rows.split(",")]
    load = run_wrk if shutil.which("wrk") else run_python_client
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp:
        root = Path(tmp)
        model_dir = root / "model"
        with tarfile.open(ARTIFACT, "r:gz") as tar:
            tar.extractall(model_dir, filter="data")
        python = str(ROOT / ".venv" / "bin" / "python")

        def ours(name: str, *extra: str, artifact: Path = ARTIFACT) -> tuple[str, list[str], int, str]:
            port = _free_port()
            command = [python, "-m", "training.serve", "--artifact", str(artifact), "--port", str(port)]
            return name, [*command, "--workers", "2", *extra], port, "/ping"

        servers: list[tuple[str, list[str], int, str]]
        if args.settings:
            slow = _without_fastpath(ARTIFACT, root / "no-fastpath.tar.gz")
            servers = [
                ours("sync+log, no fast path", "--worker-class", "sync", "--access-log", artifact=slow),
                ours("sync+log", "--worker-class", "sync", "--access-log"),
                ours("sync", "--worker-class", "sync"),
                ours("gthread+log", "--worker-class", "gthread", "--access-log"),
                ours("gthread", "--worker-class", "gthread"),
            ]
            if importlib.util.find_spec("gevent") is not None:
                servers.append(ours("gevent", "--worker-class", "gevent"))
            else:
                print("gevent is not installed in .venv: its row is skipped")
        else:
            mlserver = ensure_mlserver()
            port = _free_port()
            repository = _mlserver_repository(model_dir, root, port)
            servers = [ours("ours"), ("mlserver", [str(mlserver), "start", str(repository)], port, "/v2/health/ready")]

        with _start_all(servers, root) as ports:
            print(
                f"client: {'wrk -t1' if load is run_wrk else 'python http.client threads'}; "
                f"{args.duration:g} s per run, {args.repetitions} interleaved repetitions; "
                f"machine: {os.cpu_count()} cores, shared (load average {os.getloadavg()[0]:.1f} at start)",
                flush=True,
            )
            targets: dict[int, list[Target]] = {}
            for size in sizes:
                bodies = _bodies(size)
                if args.settings:
                    targets[size] = [Target(name, ports[name], bodies["csv"]) for name, *_ in servers]
                else:
                    targets[size] = [
                        Target("ours csv", ports["ours"], bodies["csv"]),
                        Target("ours json", ports["ours"], bodies["json"]),
                        Target("mlserver v2", ports["mlserver"], bodies["v2"]),
                    ]
                for target in targets[size]:
                    status, answer = _post(target.port, target.body)
                    if status != 200:
                        raise SystemExit(f"{target.name} answered {status}: {answer[:300]!r}")
            results: dict[tuple[int, int, str], list[Sample]] = {}
            for repetition in range(args.repetitions):
                for size in sizes:
                    for count in connections:
                        for target in targets[size]:
                            sample = load(target, count, args.duration, root)
                            results.setdefault((size, count, target.name), []).append(sample)
                print(f"repetition {repetition + 1}/{args.repetitions} done ({time.monotonic() - started:.0f} s)")
        _print_table(results, sizes, connections, [t.name for t in targets[sizes[0]]], args.settings)
    return 0


@contextmanager
def _start_all(servers: list[tuple[str, list[str], int, str]], root: Path) -> Iterator[dict[str, int]]:
    if not servers:
        yield {}
        return
    (name, command, port, ready), rest = servers[0], servers[1:]
    with _server(command, port, ready, root / f"{_slug(name)}.log", ROOT), _start_all(rest, root) as ports:
        yield {name: port, **ports}


def _print_table(
    results: dict[tuple[int, int, str], list[Sample]],
    sizes: list[int],
    connections: list[int],
    names: list[str],
    settings: bool,
) -> None:
    reference = names[0] if settings else "mlserver v2"
    print()
    print(f"| rows | conns | server | req/s median (min-max) | p50 ms | p99 ms | errors | ratio vs {reference} |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for size in sizes:
        for count in connections:
            base = results[(size, count, reference)]
            for name in names:
                samples = results[(size, count, name)]
                ratios = [s.rps / b.rps for s, b in zip(samples, base, strict=True) if b.rps > 0]
                ratio = "" if name == reference or not ratios else _fmt_range(ratios, 2) + "x"
                print(
                    f"| {size} | {count} | {name} | {_fmt_range([s.rps for s in samples])} | "
                    f"{statistics.median(s.p50_ms for s in samples):.1f} | "
                    f"{statistics.median(s.p99_ms for s in samples):.1f} | {sum(s.errors for s in samples)} | {ratio} |"
                )


if __name__ == "__main__":
    sys.exit(main())
