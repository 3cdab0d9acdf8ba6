"""``python -m review.snapshot --write | --check``: the committed, normalised resource graph per stack.

A snapshot is what ``offline.mocks.run_program`` records for ``Pulumi.<stack>.yaml`` (against the fixed
artifact of ``review.fixture``), made stable so that it only changes when the program or the stack
configuration does:

- resources sorted by URN, dependencies sorted, object keys sorted, whole numbers written as integers
  (the engine's wire format carries every number as a double);
- provider-generated names masked: a mock auto-name ``<logical>-<7 hex>`` becomes ``<logical>-<auto>``
  and the KMS key id becomes ``<id:<logical>>``, wherever they appear (inputs, ARNs, policy documents).
  A real deployment keeps an auto-name across in-place updates, so only a replacement changes it; the
  plan diff (``review.diff``) models exactly that from these tokens;
- the artifact sha256 becomes ``<sha256>`` and asset paths lose their machine-specific directory;
- strings holding a JSON document (IAM and bucket policies, the dashboard body) are stored decoded under
  ``{"__json": ...}`` so a change shows as a property path, not as one long string.

Exit codes: 0 snapshots match (or were written), 1 a graph differs from its snapshot, 2 a usage or
configuration error.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from offline import tokens
from offline.cli import description, run
from offline.graph import Plan
from offline.plan import record
from offline.stacks import PROJECT_ROOT
from review.fixture import write_fixed_artifact

SNAPSHOT_DIR = PROJECT_ROOT / "snapshots"
STACKS = ("dev", "staging", "prod")
ARTIFACT_KEY = "mlops:artifact"
AUTO = "<auto>"
SHA256 = "<sha256>"
# The mock runtime's auto-name suffix (``offline.mocks.autoname``): seven hex digits.
_AUTONAME_SUFFIX = r"-[0-9a-f]{7}"
_SHA256 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
JSON_KEY = "__json"


def snapshot_path(stack: str) -> Path:
    return SNAPSHOT_DIR / f"{stack}.json"


def label(stack: str) -> str:
    """How the snapshot file is named in messages and diffs (relative to the repository root)."""
    return f"snapshots/{stack}.json"


def id_token(logical_name: str) -> str:
    return f"<id:{logical_name}>"


def auto_token(logical_name: str) -> str:
    return f"{logical_name}-{AUTO}"


def generated_names(plan: Plan) -> dict[str, str]:
    """Provider-generated identifiers in ``plan`` mapped to their stable tokens."""
    masked: dict[str, str] = {}
    for resource in plan.resources:
        if not resource.custom:
            continue
        pattern = re.compile(re.escape(resource.name) + _AUTONAME_SUFFIX)
        for key in ("name", "bucket"):
            value = resource.state.get(key)
            if isinstance(value, str) and pattern.fullmatch(value) and resource.inputs.get(key) != value:
                masked[value] = auto_token(resource.name)
        key_id = resource.state.get("keyId")
        if resource.type == tokens.KMS_KEY and isinstance(key_id, str):
            masked[key_id] = id_token(resource.name)
    return masked


class Normaliser:
    """Applies the masking rules of this module's docstring to any JSON-able value."""

    def __init__(self, tokens: Mapping[str, str], artifact_dir: Path | None) -> None:
        self.tokens = dict(tokens)
        # Longest first, so a name that prefixes another never masks part of it; the lookahead stops a
        # match inside a longer identifier.
        alternatives = "|".join(re.escape(t) for t in sorted(self.tokens, key=len, reverse=True))
        self.pattern = re.compile(f"(?:{alternatives})(?![0-9A-Za-z])") if alternatives else None
        self.artifact_dir = artifact_dir

    def text(self, value: str) -> str:
        if self.pattern is not None:
            value = self.pattern.sub(lambda m: self.tokens[m.group(0)], value)
        return _SHA256.sub(SHA256, value)

    def asset_path(self, path: str) -> str:
        candidate = Path(path)
        if self.artifact_dir is not None and candidate.is_relative_to(self.artifact_dir):
            return "<artifact-dir>/" + candidate.relative_to(self.artifact_dir).as_posix()
        return "<file>/" + candidate.name

    def value(self, value: Any) -> Any:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int | float):
            return value
        if isinstance(value, str):
            masked = self.text(value)
            if masked[:1] in ("{", "["):
                try:
                    decoded = json.loads(masked)
                except ValueError:
                    return masked
                if isinstance(decoded, dict | list):
                    return {JSON_KEY: self.value(decoded)}
            return masked
        if isinstance(value, Mapping):
            if value.get("__asset") == "file" and isinstance(value.get("path"), str):
                return {"__asset": "file", "path": self.asset_path(value["path"])}
            return {str(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return self.text(str(value))


def normalise(plan: Plan, artifact_dir: Path | None = None) -> dict[str, Any]:
    """The snapshot document of ``plan`` (see the module docstring for what is masked)."""
    clean = Normaliser(generated_names(plan), artifact_dir)
    exported = plan.to_json()
    resources = sorted(
        (
            {
                **resource,
                "urn": clean.text(resource["urn"]),
                "parent": clean.text(resource["parent"]) if resource["parent"] else None,
                "dependencies": sorted(clean.text(d) for d in resource["dependencies"]),
                "inputs": clean.value(resource["inputs"]),
            }
            for resource in exported["resources"]
        ),
        key=lambda r: str(r["urn"]),
    )
    return {
        "comment": (
            "Generated by `python -m review.snapshot --write` (make snapshot) from the stack file and the "
            "fixed artifact of review/fixture.py. Do not edit by hand."
        ),
        "project": plan.project,
        "stack": plan.stack,
        "resources": resources,
        "outputs": clean.value(exported["outputs"]),
    }


def record_stack(stack: str, overrides: Mapping[str, Any] | None = None) -> tuple[Plan, Path]:
    """Run the program for ``stack``; return the recorded graph and the artifact's directory.

    Without an ``mlops:artifact`` override the fixed artifact of ``review.fixture`` is used, so the
    result is the same on every machine whether or not ``make train`` has run.
    """
    merged = dict(overrides or {})
    with tempfile.TemporaryDirectory(prefix="review-artifact-") as tmp:
        if ARTIFACT_KEY not in merged:
            merged[ARTIFACT_KEY] = str(write_fixed_artifact(Path(tmp)))
        return record(stack, merged), Path(str(merged[ARTIFACT_KEY])).resolve().parent


def capture(stack: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The normalised graph of ``stack`` as the program declares it now (see ``record_stack``)."""
    plan, artifact_dir = record_stack(stack, overrides)
    return normalise(plan, artifact_dir)


def render(snapshot: Mapping[str, Any]) -> str:
    return json.dumps(snapshot, indent=2, sort_keys=True) + "\n"


def load(stack: str) -> dict[str, Any]:
    path = snapshot_path(stack)
    if not path.is_file():
        raise FileNotFoundError(f"no snapshot {label(stack)}; run `make snapshot` to create it")
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def differences(stack: str, current: Mapping[str, Any]) -> str:
    """A unified diff of the committed snapshot against ``current``; empty when they are identical."""
    path = snapshot_path(stack)
    old = path.read_text() if path.is_file() else ""
    new = render(current)
    if old == new:
        return ""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{label(stack)}", f"b/{label(stack)}"
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command: a user mistake is one line on stderr and exit 2 (offline.cli's exit codes)."""
    return run(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review.snapshot", description=description(__doc__))
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="(re)write snapshots/<stack>.json")
    mode.add_argument("--check", action="store_true", help="exit 1 and print the diff when a graph changed")
    parser.add_argument("--stack", action="append", choices=STACKS, help="only this stack (repeatable)")
    args = parser.parse_args(argv)
    stacks = args.stack or list(STACKS)
    changed: list[str] = []
    for stack in stacks:
        current = capture(stack)
        if args.write:
            SNAPSHOT_DIR.mkdir(exist_ok=True)
            snapshot_path(stack).write_text(render(current))
            print(f"wrote {label(stack)} ({len(current['resources'])} resources)")
            continue
        diff = differences(stack, current)
        if diff:
            changed.append(stack)
            sys.stdout.write(diff)
    if changed:
        print(
            f"\nThe resource graph of {', '.join(changed)} differs from the committed snapshot. If the change "
            "is intended, run `make snapshot` and commit snapshots/; `make plan-diff` shows what it replaces.",
            file=sys.stderr,
        )
        return 1
    if args.check:
        print(f"snapshots match: {', '.join(stacks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
