"""``python -m offline.plan --stack <name> [--json]``: the stack's resource graph, offline.

Runs the real program for the stack under Pulumi's mock runtime (no Pulumi CLI, no AWS account) and
prints every resource: URN, type token, logical name, parent, dependencies and registered inputs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from offline.cli import description, run
from offline.graph import Plan, RecordedResource
from offline.mocks import run_program
from offline.stacks import add_set_option, parse_overrides


def record(stack: str, overrides: dict[str, Any] | None = None) -> Plan:
    from infra.program import build

    return run_program(stack, build, overrides=overrides)


def _short(urn: str | None, plan: Plan) -> str:
    if not urn:
        return "-"
    try:
        return plan.by_urn(urn).name
    except LookupError:
        return urn.rsplit("::", 1)[-1]


def _flatten(prefix: str, value: Any, lines: list[str]) -> None:
    if isinstance(value, dict) and value and "__asset" not in value:
        for key in sorted(value):
            _flatten(f"{prefix}.{key}" if prefix else key, value[key], lines)
    elif isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        for index, item in enumerate(value):
            _flatten(f"{prefix}[{index}]", item, lines)
    else:
        # The engine's wire format carries every number as a double; show whole numbers as integers.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = json.dumps(value) if not isinstance(value, str) else value
        if len(text) > 100:
            text = text[:97] + "..."
        lines.append(f"      {prefix} = {text}")


def render_table(plan: Plan) -> str:
    lines = [f"stack {plan.stack} of project {plan.project}: {len(plan.resources)} resources", ""]
    for resource in plan.resources:
        lines.extend(_describe(resource, plan))
    counts: dict[str, int] = {}
    for resource in plan.resources:
        counts[resource.type] = counts.get(resource.type, 0) + 1
    lines.append("resources per type:")
    lines.extend(f"  {count:3d}  {type_}" for type_, count in sorted(counts.items()))
    lines.append("")
    lines.append("outputs:")
    lines.extend(f"  {key} = {json.dumps(value)}" for key, value in sorted(plan.outputs.items()))
    return "\n".join(lines)


def _describe(resource: RecordedResource, plan: Plan) -> list[str]:
    flags = [flag for flag, on in (("protect", resource.protect), ("retain", resource.retain_on_delete)) if on]
    head = f"{resource.type}  {resource.name}" + (f"  [{', '.join(flags)}]" if flags else "")
    lines = [head, f"    urn:        {resource.urn}", f"    parent:     {_short(resource.parent, plan)}"]
    deps = ", ".join(sorted(_short(d, plan) for d in resource.dependencies)) or "-"
    lines.append(f"    depends on: {deps}")
    if resource.custom:
        lines.append("    inputs:")
        _flatten("", resource.to_json()["inputs"], lines)
    lines.append("")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command: a user mistake is one line on stderr and exit 2 (offline.cli's exit codes)."""
    return run(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.plan", description=description(__doc__))
    parser.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--json", action="store_true", help="print the graph as JSON")
    add_set_option(parser)
    args = parser.parse_args(argv)
    plan = record(args.stack, parse_overrides(args.set))
    print(json.dumps(plan.to_json(), indent=2, sort_keys=True) if args.json else render_table(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
