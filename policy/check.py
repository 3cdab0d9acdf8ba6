"""``python -m policy.check [--stack S ...] [--set key=value ...]``: the policy pack, offline.

Runs every control of ``policy.controls`` over the graph the mock runtime records for each stack:
resource controls over each resource's registered inputs, stack controls over the mock provider's state
(inputs plus generated names and ARNs), which is what CrossGuard hands resource and stack policies.
Exit codes: 0 every policy passes, 1 violations, 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from infra.errors import ConfigError
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
    parser = argparse.ArgumentParser(prog="python -m policy.check", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", action="append", choices=snapshot.STACKS, help="only this stack (repeatable)")
    add_set_option(parser)
    args = parser.parse_args(argv)
    overrides = parse_overrides(args.set)
    failed = False
    for stack in args.stack or snapshot.STACKS:
        try:
            plan, _ = snapshot.record_stack(stack, overrides)
        except (ConfigError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        violations = check(plan)
        resources = sum(1 for r in plan.resources if r.custom)
        if not violations:
            print(f"{stack}: {len(CONTROLS)} policies x {resources} resources: all pass")
            continue
        failed = True
        print(f"{stack}: {len(violations)} violation(s)")
        for v in violations:
            print(f"  [{v.policy}] {v.urn.rsplit('::', 1)[-1] if v.urn else '(stack)'}: {v.message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
