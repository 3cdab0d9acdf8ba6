"""``python -m demo`` (``make demo``): train, rehearse, serve and invoke — no AWS account, no Pulumi CLI.

1. train and package the model (the same ``train.py`` SageMaker runs) and its data-quality baseline;
   then the XGBoost family (the built-in algorithm's local twin), with both families' metrics side by side;
2. start a local AWS emulator (moto on 127.0.0.1);
3. rehearse the ``dev`` and ``prod`` stacks: the real Pulumi program under the mock runtime, each
   resource created in the emulator through boto3 (botocore validates every request);
4. verify the emulated account (endpoint InService, scaling, alarms, bucket controls, role policies);
   then tune on a tiny budget, register the best model (pending), approve it, promote it to prod,
   approve it there, rehearse prod deploying that version, reject it and show the prod plan refuse it;
5. serve ``build/model.tar.gz`` behind SageMaker's container contract (gunicorn on 127.0.0.1);
6. invoke it with rows of the held-out test split, as CSV and as JSON;
7. print a summary and shut everything down.
A failing step stops the demo with exit code 1 and names the step.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from offline.cli import description

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DATA = ROOT / "data" / "penguins.csv"
STACKS = ("dev", "prod")
T = TypeVar("T")


class StepFailedError(Exception):
    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step, self.reason = step, reason


@dataclass
class Progress:
    total: int
    done: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, title: str, action: Callable[[], T]) -> T:
        self.done += 1
        print(f"[{self.done}/{self.total}] {title} ...", flush=True)
        started = time.perf_counter()
        try:
            result = action()
        except StepFailedError:
            raise
        except Exception as exc:  # every failure is reported against the step that raised it
            raise StepFailedError(title, f"{type(exc).__name__}: {exc}") from exc
        elapsed = time.perf_counter() - started
        self.timings[title] = elapsed
        print(f"      ok ({elapsed:.1f} s)", flush=True)
        return result


def _run(command: Sequence[str], step: str) -> str:
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        reason = (completed.stderr.strip() or completed.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise StepFailedError(step, f"exit {completed.returncode}: {reason[0]}")
    return completed.stdout


def train() -> str:
    out = _run(
        [sys.executable, "training/train.py", "--train", str(DATA), "--target", "species"]
        + ["--model-dir", "build/model", "--output-data-dir", "build", "--artifact", "build/model.tar.gz"],
        "train and package",
    )
    _run(
        [sys.executable, "-m", "monitoring.baseline", "--data", str(DATA)]
        + ["--manifest", "build/manifest.json", "--out", "build/baseline"],
        "train and package",
    )
    sha = next((line.split()[-1] for line in out.splitlines() if line.startswith("sha256:")), "?")
    f1 = next((line.split("=")[-1] for line in out.splitlines() if line.startswith("validation:macro_f1=")), "?")
    return f"build/model.tar.gz sha256 {sha[:12]}…, validation macro F1 {f1}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(log: Path) -> Iterator[str]:
    port = _free_port()
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "training.serve", "--artifact", "build/model.tar.gz", "--port", str(port)],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise StepFailedError("serve", f"server exited with {process.returncode}; see {log}")
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise StepFailedError("serve", f"no answer on {url}/ping within 60 s; see {log}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            process.kill()


def _stack_summary(report: Any) -> list[str]:
    created = sum(report.created.values())
    read_back = len(report.read_back_checks)
    lines = [
        f"  {report.stack}: {created} resources created in the emulator across {len(report.created)} types; "
        f"read-back checks {read_back - len(report.failed_checks)}/{read_back} passed",
    ]
    for outcome in report.not_emulated:
        lines.append(f"      validated against the AWS API model, not emulated (moto lacks it): {outcome.type}")
    outputs = report.outputs
    lines.append(f"      endpoint {outputs.get('endpointName')} ({outputs.get('endpointArn')})")
    lines.append(f"      model data {outputs.get('modelDataUrl')}")
    lines.append(f"      rollback alarms {', '.join(outputs.get('rollbackAlarmNames', []))}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=description(__doc__))
    parser.add_argument("--rows", type=int, default=5, help="test rows to send to the local server")
    args = parser.parse_args(argv)
    # Everything here talks to the local emulator and server only: placeholder credentials, no profile, so
    # no call of the demo can ever be signed for a real account.
    os.environ.update(
        AWS_ACCESS_KEY_ID="demo",
        AWS_SECRET_ACCESS_KEY="demo",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(key, None)

    from demo import applications, text_pipeline
    from demo import registry as registry_demo
    from offline.emulator import Emulator
    from offline.rehearsal.runner import rehearse
    from training.smoke import render, smoke

    started = time.perf_counter()
    progress = Progress(total=4 + len(STACKS) + 5)
    BUILD.mkdir(exist_ok=True)
    try:
        trained = progress.run("train and package the model", train)
        print(f"      {trained}")
        from demo.families import train_xgboost

        table = progress.run("train the XGBoost family (built-in algorithm's local twin)", lambda: train_xgboost(DATA))
        print("\n".join(f"      {line}" for line in table.splitlines()))
        emulator = progress.run("start the AWS emulator (moto, 127.0.0.1)", lambda: Emulator().start())
        print(f"      {emulator.url}")
        try:
            reports = []
            for stack in STACKS:
                report = progress.run(
                    f"rehearse and verify stack {stack}",
                    lambda stack=stack: rehearse(stack, endpoint_url=emulator.url),  # type: ignore[misc]
                )
                if not report.passed:
                    failed = "; ".join(f"{c.name}: {c.detail}" for c in report.failed_checks[:3])
                    raise StepFailedError(f"rehearse and verify stack {stack}", failed or "no checks ran")
                reports.append(report)
            by_stack = {report.stack: report for report in reports}
            promoted = progress.run(
                "tune (2 trials), register the best, approve, promote to prod, deploy it there, reject it",
                lambda: registry_demo.run(
                    data=DATA,
                    out=BUILD / "demo-tuning",
                    emulator_url=emulator.url,
                    region=by_stack["prod"].region,
                    dev_outputs=by_stack["dev"].outputs,
                    prod_outputs=by_stack["prod"].outputs,
                    say=lambda line: print(f"      {line}", flush=True),
                ),
            )
            with ExitStack() as server:
                url = progress.run(
                    "serve build/model.tar.gz behind the container contract (gunicorn, 127.0.0.1)",
                    lambda: server.enter_context(serving(BUILD / "demo-serve.log")),
                )
                print(f"      {url}")
                result = progress.run(
                    "invoke with held-out test rows (CSV and JSON)",
                    lambda: smoke(url, DATA, BUILD / "manifest.json", args.rows),
                )
                apps = progress.run(
                    "score a CSV dropped in S3 (Lambda handler) and call POST /predict (HTTP handler)",
                    lambda: applications.run(
                        runtime_url=url,
                        aws_endpoint_url=emulator.url,
                        manifest=BUILD / "manifest.json",
                        out=lambda line: print(f"      {line}"),
                    ),
                )
                if apps.rows_in != apps.rows_out or apps.second_delivery != "duplicate":
                    raise StepFailedError("applications", f"{apps.rows_in} rows in, {apps.rows_out} out")
            progress.run(
                "analyse text with Amazon Comprehend's APIs (emulated: each answer labelled)",
                lambda: text_pipeline.run_text_pipeline_on_emulator(
                    endpoint_url=emulator.url, out=lambda line: print(f"      {line}")
                ),
            )
        finally:
            emulator.stop()
        progress.run("shut down the server and the emulator", lambda: None)
    except StepFailedError as failure:
        print(f"\ndemo failed at step '{failure.step}': {failure.reason}", file=sys.stderr)
        return 1

    print("\n== Summary ==")
    for report in reports:
        print("\n".join(_stack_summary(report)))
    print(f"\n  registry: {promoted.prod_arn} deployed by the prod rehearsal while Approved")
    print(f"      after rejection: {promoted.refusal}")
    print("\n  predictions from the local server:")
    print("\n".join(f"    {line}" for line in render(result).splitlines()))
    if not result.agree:
        print("demo failed at step 'invoke': CSV and JSON answers disagree", file=sys.stderr)
        return 1
    print(f"\ndemo finished in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
