"""Inside a network namespace with no network: start AWS's serving stack on the artifact, check the contract.

Runs with the container virtual environment's Python (the image's Python minor and pins), started by
``container_test.py`` under ``unshare -n``. Steps: bring up the loopback interface (the only one in the
namespace) and prove no other address is reachable; start ``serving_glue.py`` (the framework's
``server.start``) on an ``/opt/ml``-shaped tree with the machine's pip configuration switched off; wait
for ``/ping``; send every request type and error of the serving contract and compare status, content
type and body. Successful bodies must equal what the packed handlers return when called directly in
this interpreter (same scikit-learn); error bodies are compared with the exact messages.

Prints one line per check and exits 0 when all pass, 1 when one fails, 2 when the server never starts.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PORT = 8080
START_TIMEOUT_SECONDS = 120
JSON = "application/json"
CSV_OUT = "text/csv; charset=utf-8"
# What packaging allows between the fast path and predict_proba (training/fastpath_check.py TOLERANCE).
FAST_PATH_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def request(method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.getheader("Content-Type") or "", response.read())
    finally:
        connection.close()


def loopback_only() -> str | None:
    """Bring up ``lo``; return a problem when anything beyond it is reachable (the namespace is not isolated)."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    try:
        socket.create_connection(("1.1.1.1", 443), timeout=3).close()
    except OSError:
        return None
    return "1.1.1.1:443 is reachable: this is not a namespace without network"


def clean_environment(base: Path, venv_bin: Path, glue_dir: Path) -> dict[str, str]:
    """What the image sets, and nothing from this machine: no pip configuration, mirror or cache.

    ``PIP_CONFIG_FILE=/dev/null`` makes pip skip every configuration file; no ``PIP_*`` variable is
    passed on; ``HOME`` and ``XDG_CACHE_HOME`` point into the temporary tree, so pip's cache is empty.
    """
    home = base / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": f"{venv_bin}:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PIP_CONFIG_FILE": os.devnull,
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(glue_dir),
        # /opt/ml, relocated: the framework reads its base directory from this variable.
        "SAGEMAKER_BASE_DIR": str(base / "opt" / "ml"),
        # What infra/model.py sets on the SageMaker model (container_environment).
        "SAGEMAKER_PROGRAM": "inference.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": str(base / "opt" / "ml" / "model" / "code"),
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
        # No nginx on this machine: gunicorn binds the port itself (in this namespace only lo exists).
        "SAGEMAKER_USE_NGINX": "false",
        "SAGEMAKER_BIND_TO_PORT": str(PORT),
        "SAGEMAKER_MODEL_SERVER_WORKERS": "1",
    }


def wait_for_ping(server: subprocess.Popen[bytes], log: Path) -> str | None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            lines = log.read_text(errors="replace").strip().splitlines()
            # pip's own error lines say why the start-up install failed; the last line names the exception.
            reasons = [line.strip() for line in lines if line.strip().startswith("ERROR:")] + lines[-2:]
            return f"the server exited with code {server.returncode} before answering /ping:\n  " + "\n  ".join(reasons)
        try:
            if request("GET", "/ping").status == 200:
                return None
        except OSError:
            pass
        time.sleep(0.5)
    return f"no answer on /ping within {START_TIMEOUT_SECONDS} s"


def load_handlers(code_dir: Path) -> Any:
    sys.path.insert(0, str(code_dir))
    spec = importlib.util.spec_from_file_location("packed_inference", code_dir / "inference.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


class Contract:
    """The serving contract's requests, built from the artifact's manifest (any schema, not only penguins)."""

    def __init__(self, model_dir: Path) -> None:
        self.manifest = json.loads((model_dir / "manifest.json").read_text())
        self.features: list[tuple[str, str]] = [(f["name"], f["kind"]) for f in self.manifest["features"]]
        self.names = [name for name, _ in self.features]
        self.handlers = load_handlers(model_dir / "code")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.model = self.handlers.model_fn(str(model_dir))
        # The image's scikit-learn unpickling a model from another release warns once per estimator.
        self.unpickle_warnings = [
            str(w.message) for w in caught if type(w.message).__name__ == "InconsistentVersionWarning"
        ]

    def values(self, row: int) -> list[Any]:
        return [float(10 + row) if kind == "numeric" else f"value{row}" for _, kind in self.features]

    def record(self, row: int) -> dict[str, Any]:
        return dict(zip(self.names, self.values(row), strict=True))

    def csv_line(self, row: int) -> str:
        return ",".join(str(v) for v in self.values(row))

    def direct(self, body: bytes, content_type: str, accept: str | None) -> bytes:
        """The packed handlers called directly: what a 200 from the container must carry."""
        payload = self.handlers.input_fn(body, content_type)
        text, _ = self.handlers.output_fn(self.handlers.predict_fn(payload, self.model), accept)
        return str(text).encode("utf-8")


Check = tuple[str, Callable[[], str | None]]


def expect(answer: Answer, status: int, content_type: str, body: bytes) -> str | None:
    if (answer.status, answer.content_type, answer.body) == (status, content_type, body):
        return None
    return (
        f"expected {status} {content_type!r} {body[:300]!r}, "
        f"got {answer.status} {answer.content_type!r} {answer.body[:300]!r}"
    )


def expect_error(answer: Answer, status: int, error: str, message: str) -> str | None:
    return expect(answer, status, JSON, json.dumps({"error": error, "message": message}).encode())


def version_warnings(messages: list[str]) -> str:
    """'Trying to unpickle estimator <Class> from version X when using version Y. ...' -> a one-line summary."""
    classes = sorted({m.split()[4] for m in messages if m.startswith("Trying to unpickle estimator ")})
    first = messages[0].split(". ")[0]
    return f"{len(messages)} warnings for {len(classes)} estimator classes ({', '.join(classes)}); first: {first}"


def checks(contract: Contract) -> list[Check]:
    c = contract
    names = ", ".join(c.names)
    header = ",".join(c.names)
    three_csv = "\n".join(c.csv_line(i) for i in range(3)).encode()
    records = json.dumps([c.record(i) for i in range(3)]).encode()
    numeric = next((name for name, kind in c.features if kind == "numeric"), None)
    middle_empty = "\n".join([c.csv_line(0), "," * (len(c.names) - 1), c.csv_line(2)]).encode()

    def three_lines() -> str | None:
        answer = request("POST", "/invocations", middle_empty, {"Content-Type": "text/csv", "Accept": "text/csv"})
        lines = answer.body.decode().splitlines()
        return None if (answer.status, len(lines)) == (200, 3) else f"got {answer.status} with {len(lines)} lines"

    def fast_path() -> str | None:
        # model_fn in the image's Python and scikit-learn, with inference.py imported top-level from code/
        # as the container does: it must build code/fastpath.py's evaluator, and the evaluator must answer
        # (not decline) and agree with the pipeline's predict_proba, as packaging checked under training's.
        model = c.model
        built = f"{type(model.fast).__module__}.{type(model.fast).__name__}"
        if built != "fastpath.Evaluator":
            return f"model_fn built {built}, not fastpath.Evaluator"
        body = "\n".join([*(c.csv_line(i) for i in range(3)), "," * (len(c.names) - 1)]).encode()
        payload = c.handlers.input_fn(body, "text/csv")
        if model.fast.predict_proba(c.handlers.to_columns(payload, model)) is None:
            return "the evaluator declined the contract rows (the endpoint would serve through predict_proba)"
        fast = c.handlers.predict_fn(payload, model)
        slow = c.handlers.predict_fn(payload, dataclasses.replace(model, fast=None))
        difference = float(abs(fast.probabilities - slow.probabilities).max())
        if fast.labels != slow.labels or difference > FAST_PATH_TOLERANCE:
            return f"labels {fast.labels} vs {slow.labels}, max |probability difference| {difference:.3g}"
        return None

    def ok(body: bytes, content_type: str | None, accept: str | None, out_type: str, direct_type: str) -> Check:
        headers = {k: v for k, v in (("Content-Type", content_type), ("Accept", accept)) if v is not None}
        label = f"POST /invocations Content-Type={content_type} Accept={accept}: 200 {out_type}"

        def run() -> str | None:
            return expect(
                request("POST", "/invocations", body, headers), 200, out_type, c.direct(body, direct_type, accept)
            )

        return label, run

    def error(label: str, body: bytes, headers: dict[str, str], status: int, name: str, message: str) -> Check:
        return label, lambda: expect_error(request("POST", "/invocations", body, headers), status, name, message)

    result: list[Check] = [
        ("GET /ping: 200, empty body", lambda: expect(request("GET", "/ping"), 200, JSON, b"")),
        (
            "the image's scikit-learn unpickles the model without InconsistentVersionWarning",
            lambda: None if not c.unpickle_warnings else version_warnings(c.unpickle_warnings),
        ),
        ("the packed fast path serves: fastpath.Evaluator, equal to predict_proba", fast_path),
        ok(three_csv, "text/csv", "text/csv", CSV_OUT, "text/csv"),
        ok(f"{header}\n".encode() + three_csv, "text/csv", JSON, JSON, "text/csv"),
        ok(records, JSON, JSON, JSON, JSON),
        ok(records, JSON, "text/csv", CSV_OUT, JSON),
        ok(json.dumps(c.record(0)).encode(), JSON, None, JSON, JSON),
        ok(json.dumps({"instances": [c.record(i) for i in range(2)]}).encode(), JSON, "*/*", JSON, JSON),
        ok(json.dumps({"instances": [c.values(i) for i in range(2)]}).encode(), JSON, JSON, JSON, JSON),
        ok(middle_empty, "text/csv", "text/csv", CSV_OUT, "text/csv"),
        ("3-row CSV with an all-empty middle row: 3 result lines", three_lines),
        # The framework substitutes application/json for a missing Content-Type.
        ok(records, None, JSON, JSON, JSON),
        error(
            "unsupported Content-Type: 415",
            b"x",
            {"Content-Type": "text/plain"},
            415,
            "UnsupportedContentTypeError",
            "unsupported content type 'text/plain'; send text/csv or application/json",
        ),
        error(
            "empty body: 400",
            b"",
            {"Content-Type": "text/csv"},
            400,
            "BadRequestError",
            "request body is empty",
        ),
        error(
            "malformed JSON: 400",
            b"{",
            {"Content-Type": JSON},
            400,
            "BadRequestError",
            "malformed JSON at line 1 column 2: Expecting property name enclosed in double quotes",
        ),
        error(
            "body not UTF-8: 400",
            b"\xff\xfe",
            {"Content-Type": "text/csv"},
            400,
            "BadRequestError",
            # The framework decodes text/csv itself, replacing the bytes with U+FFFD.
            "request body is not UTF-8 (invalid byte at character 0)",
        ),
        error(
            "CSV row of the wrong length: 400",
            b"1,2\n",
            {"Content-Type": "text/csv"},
            400,
            "BadRequestError",
            f"row 1 has 2 values; without a header send exactly {len(c.names)} in training order: {names}",
        ),
        error(
            "record missing a feature: 400",
            json.dumps([{k: v for k, v in c.record(0).items() if k != c.names[0]}]).encode(),
            {"Content-Type": JSON},
            400,
            "BadRequestError",
            f"record 1: missing feature column(s) '{c.names[0]}'; expected columns: {names}",
        ),
        error(
            "record with an unknown column: 400",
            json.dumps([{**c.record(0), "colour": "red"}]).encode(),
            {"Content-Type": JSON},
            400,
            "BadRequestError",
            f"record 1: unknown column(s) 'colour'; expected columns: {names}",
        ),
        error(
            "Accept nobody can serve: 406",
            records,
            {"Content-Type": JSON, "Accept": "application/xml"},
            406,
            "NotAcceptableError",
            "cannot answer with 'application/xml'; accept application/json or text/csv",
        ),
    ]
    if numeric is not None:
        result.append(
            error(
                "text in a numeric column: 400",
                json.dumps([{**c.record(0), numeric: "abc"}]).encode(),
                {"Content-Type": JSON},
                400,
                "BadRequestError",
                f"column '{numeric}' row 1 holds 'abc'; expected a number (or null/empty for missing)",
            )
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, required=True, help="temporary tree holding opt/ml/model")
    args = parser.parse_args()
    problem = loopback_only()
    if problem:
        print(f"FAIL: {problem}")
        return 4  # the namespace is not what the test needs: the environment failed, not the model
    here = Path(__file__).resolve().parent
    model_dir = args.base / "opt" / "ml" / "model"
    log = args.base / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, str(here / "serving_glue.py")],
            env=clean_environment(args.base, Path(sys.executable).parent, here),
            cwd=args.base,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        failure = wait_for_ping(server, log)
        if failure:
            print(f"FAIL: {failure}")
            return 1  # the model never starts: the endpoint would never become InService
        print("ok   server answered /ping with no network and no pip configuration")
        contract = Contract(model_dir)
        failed = 0
        for label, run in checks(contract):
            problem = run()
            print(f"{'ok  ' if problem is None else 'FAIL'} {label}" + ("" if problem is None else f": {problem}"))
            failed += problem is not None
        print(f"{len(checks(contract)) - failed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # its own session: the framework process and gunicorn
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


if __name__ == "__main__":
    sys.exit(main())
