"""``python -m offline.rehearsal --stack dev [--stack prod ...] [--artifact PATH] [--json]``: emulator rehearsal.

Starts a local AWS emulator (moto, 127.0.0.1 only), runs each stack's real program against it with
every resource created through boto3 (requests validated by botocore's AWS API model), reads the
emulated account back and checks it. The emulator is reset between stacks. Exit status: 0 when every
check of every stack passed, 1 when a check failed, 2 when a stack could not be rehearsed (a config
error, an unsupported resource type, a request the API model or the emulator rejected).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from infra.errors import ConfigError, RegistryUnavailableError
from offline.cli import EXIT_FINDINGS, EXIT_OK, EXIT_PLATFORM, EXIT_USAGE, description, run
from offline.emulator import Emulator, EmulatorError
from offline.rehearsal.report import COMPONENT, RehearsalReport
from offline.rehearsal.requests import RehearsalError
from offline.rehearsal.runner import rehearse
from offline.stacks import StackFileError, add_set_option, parse_overrides

# The outputs worth seeing at a glance (the rest are in --json).
KEY_OUTPUTS = (
    "endpointName",
    "endpointConfigName",
    "modelName",
    "modelDataUrl",
    "artifactBucket",
    "executionRoleArn",
    "kmsKeyArn",
    "alarmTopicArn",
    "dashboardName",
    "modelPackageGroupName",
    "modelPackage",
    "modelPackageStatus",
    "modelPackageSha256",
)


def render(report: RehearsalReport, seconds: float, *, verbose: bool = False) -> str:
    created = report.created
    lines = [
        f"== stack {report.stack}: emulator {report.endpoint_url} ({report.region}), {seconds:.1f} s",
        f"created in the emulator: {sum(created.values())} resources",
    ]
    lines.extend(f"  {count:3d}  {type_token}" for type_token, count in created.items())
    not_emulated = report.not_emulated
    lines.append(f"validated against the AWS API model, not emulated (moto lacks the operation): {len(not_emulated)}")
    lines.extend(f"       {o.type}  {o.name}  ({', '.join(o.not_emulated)})" for o in not_emulated)
    lines.append(f"components (no AWS call): {sum(report.counts(COMPONENT).values())}")
    failed = report.failed_checks
    read_back = report.read_back_checks
    lines.append(
        f"checks read back from the emulator: {len(read_back) - len(failed)} passed, {len(failed)} failed; "
        f"{len(report.not_emulated_checks)} validated, not emulated (nothing to read back)"
    )
    marks = {"passed": "ok  ", "failed": "FAIL", "not-emulated": "n/e "}
    for check in report.checks if verbose else failed:
        lines.append(f"  {marks[check.status]}  {check.name}: {check.detail}")
    lines.append("outputs:")
    lines.extend(f"  {key} = {report.outputs[key]}" for key in KEY_OUTPUTS if key in report.outputs)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command: a user mistake is one line on stderr and exit 2 (offline.cli's exit codes)."""
    return run(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.rehearsal", description=description(__doc__))
    parser.add_argument("--stack", action="append", required=True, help="stack to rehearse (repeatable)")
    parser.add_argument("--artifact", type=Path, help="model.tar.gz to deploy instead of the stack's mlops:artifact")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    parser.add_argument("--verbose", action="store_true", help="list passed checks too")
    add_set_option(parser)
    args = parser.parse_args(argv)
    overrides = parse_overrides(args.set)
    # A failed registration is already reported once, as the rehearsal's error; asyncio would print
    # every other pending registration's copy of it with a traceback.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    reports: list[tuple[RehearsalReport, float]] = []
    current = ""
    try:
        with Emulator() as emulator:
            for stack in args.stack:
                current = stack
                emulator.reset()
                started = time.monotonic()
                report = rehearse(stack, artifact=args.artifact, endpoint_url=emulator.url, overrides=overrides)
                reports.append((report, time.monotonic() - started))
                if not args.json:
                    print(render(report, reports[-1][1], verbose=args.verbose), flush=True)
                    print(flush=True)
    except RegistryUnavailableError as exc:
        # mlops:modelPackage could not be resolved: the registry (AWS or an emulator) failed, not the input.
        print(f"error: stack {current}: {exc}", file=sys.stderr)
        return EXIT_PLATFORM
    except (ConfigError, StackFileError, FileNotFoundError, RehearsalError, EmulatorError) as exc:
        where = f"stack {current}: " if current else ""
        print(f"error: {where}{exc}", file=sys.stderr)
        # The input's mistake, the program's request rejected by AWS's model or the emulator, or the
        # emulator itself failing: three different fixes.
        if isinstance(exc, EmulatorError):
            return EXIT_PLATFORM
        return EXIT_FINDINGS if isinstance(exc, RehearsalError) else EXIT_USAGE

    passed = all(report.passed for report, _ in reports)
    if args.json:
        print(json.dumps([report.to_json() for report, _ in reports], indent=2, sort_keys=True, default=str))
    else:
        created = sum(sum(r.created.values()) for r, _ in reports)
        validated = sum(len(r.not_emulated) for r, _ in reports)
        checks = sum(len(r.read_back_checks) for r, _ in reports)
        failed = sum(len(r.failed_checks) for r, _ in reports)
        verdict = "passed" if passed else "FAILED"
        print(
            f"rehearsal {verdict}: {len(reports)} stacks, {created} resources created, "
            f"{validated} validated-not-emulated, {checks - failed}/{checks} read-back checks passed"
        )
    return EXIT_OK if passed else EXIT_FINDINGS


if __name__ == "__main__":
    sys.exit(main())
