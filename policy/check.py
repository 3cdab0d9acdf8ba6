"""``python -m policy.check [--stack S ...] [--set key=value ...]``: the policy pack, offline.

Runs every control of ``policy.controls`` over the graph the mock runtime records for each stack:
resource controls over each resource's registered inputs, stack controls over the mock provider's state
(inputs plus generated names and ARNs), which is what CrossGuard hands resource and stack policies.
Exit codes: 0 every policy passes, 1 violations, 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from offline.cli import EXIT_FINDINGS, EXIT_OK, description, run
from offline.graph import Plan
from offline.stacks import add_set_option, parse_overrides
from policy.controls import CONTROLS, Resource, Violation, evaluate
from review import snapshot


def views(plan: Plan) -> tuple[list[Resource], list[Resource]]:
    """The graph as resource policies see it (inputs) and as stack policies see it (outputs)."""
    custom = [r for r in plan.resources if r.custom]
    inputs = [Resource(r.urn, r.type, r.name, r.inputs) for r in custom]
    outputs = [Resource(r.urn, r.type, r.name, r.state) for r in custom]
    return inputs, outputs


def check(plan: Plan) -> list[Violation]:
    return evaluate(*views(plan))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command: a user mistake is one line on stderr and exit 2 (offline.cli's exit codes)."""
    return run(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policy.check", description=description(__doc__))
    parser.add_argument("--stack", action="append", choices=snapshot.STACKS, help="only this stack (repeatable)")
    add_set_option(parser)
    parser.add_argument("--json", action="store_true", help="print every stack's violations as JSON")
    args = parser.parse_args(argv)
    overrides = parse_overrides(args.set)
    failed = False
    report = []
    for stack in args.stack or snapshot.STACKS:
        plan, _ = snapshot.record_stack(stack, overrides)
        violations = check(plan)
        resources = sum(1 for r in plan.resources if r.custom)
        failed = failed or bool(violations)
        report.append(
            {
                "stack": stack,
                "policies": len(CONTROLS),
                "resources": resources,
                "violations": [{"policy": v.policy, "urn": v.urn, "message": v.message} for v in violations],
            }
        )
        if args.json:
            continue
        if not violations:
            print(f"{stack}: {len(CONTROLS)} policies x {resources} resources: all pass")
            continue
        print(f"{stack}: {len(violations)} violation(s)")
        for v in violations:
            print(f"  [{v.policy}] {v.urn.rsplit('::', 1)[-1] if v.urn else '(stack)'}: {v.message}")
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    return EXIT_FINDINGS if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
