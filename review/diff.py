"""``python -m review.diff [--stack S ...] [--set key=value ...]``: what a change does to each stack.

Compares the graph the program records now (optionally with ``--set`` config overrides, the syntax of
``python -m offline.plan``) with the committed snapshot, and prints per stack the resources to add,
update in place, replace and delete, with the property paths that change (old -> new). Whether a change
replaces a resource comes from ``review.replacement`` (the Terraform AWS provider's ForceNew flags).

A replaced resource that AWS names for us (auto-named: model, endpoint configuration, job definition)
comes back under a new name, so every input referring to that name changes too: the diff follows those
references (``<logical>-<auto>`` tokens in the snapshot) the way ``pulumi preview`` shows them as
"known after apply". That is how a release reads: new model -> new endpoint configuration -> the
endpoint updated in place.

Verdicts: *expected* (nothing to worry about), *review* (look at it), *DANGEROUS* (replacing or deleting
the endpoint, a bucket or the KMS key, or renaming the endpoint). The artifact's sha256 is masked in
snapshots, so a new model artifact alone shows no change here: it always replaces the model and the
endpoint configuration and updates the endpoint in place.

In a pull request, compare with the base branch's snapshots (``--against DIR``): the pull request also
commits its regenerated snapshots (a test insists), so its own snapshots already contain the change.

Exit codes: 0 no dangerous change, 3 at least one dangerous change, 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from offline import tokens
from offline.cli import EXIT_DANGEROUS, description, run
from offline.stacks import add_set_option, parse_overrides
from review import snapshot
from review.replacement import rule_for

Action = Literal["create", "update", "replace", "delete"]
Verdict = Literal["expected", "review", "dangerous"]
PropertyPath = tuple[str | int, ...]

ENDPOINT = tokens.SAGEMAKER_ENDPOINT
# What is lost when these are deleted or replaced; the plan diff flags both as DANGEROUS.
STATEFUL: dict[str, str] = {
    ENDPOINT: "the endpoint serves traffic: callers fail while a replacement is created and scaled up",
    tokens.S3_BUCKET: "the bucket is deleted with its contents (model artifacts, captured data or access logs)",
    tokens.KMS_KEY: "data encrypted under the key (artifacts, capture, volumes, alarm messages) becomes "
    "unreadable once the key is deleted",
}
RELEASE_TYPES = {
    tokens.SAGEMAKER_MODEL,
    tokens.SAGEMAKER_ENDPOINT_CONFIG,
    tokens.SAGEMAKER_DATA_QUALITY_JOB,
}
_AUTO_REFERENCE = re.compile(r"([0-9A-Za-z][0-9A-Za-z._-]*)-" + re.escape(snapshot.AUTO))
_ID_REFERENCE = re.compile(r"<id:([^>]+)>")


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class PropertyChange:
    path: PropertyPath
    old: Any
    new: Any
    replaces: bool = False
    # Set when the value changes only because the resource it names is replaced (known after apply).
    cause: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """The property keys of ``path``, without list indices or decoded-JSON markers."""
        return tuple(p for p in self.path if isinstance(p, str) and p != snapshot.JSON_KEY)

    @property
    def display_path(self) -> str:
        text = ""
        for part in self.path:
            if isinstance(part, int):
                text += f"[{part}]"
            elif part != snapshot.JSON_KEY:
                text += f".{part}" if text else part
        return text or "(root)"


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    name: str
    action: Action
    verdict: Verdict
    reason: str
    changes: tuple[PropertyChange, ...] = ()
    options: tuple[PropertyChange, ...] = ()


@dataclass(frozen=True)
class StackDiff:
    stack: str
    resources: tuple[ResourceChange, ...]
    outputs: tuple[PropertyChange, ...] = field(default=())

    @property
    def dangerous(self) -> tuple[ResourceChange, ...]:
        return tuple(r for r in self.resources if r.verdict == "dangerous")

    def count(self, action: Action) -> int:
        return sum(1 for r in self.resources if r.action == action)


# --------------------------------------------------------------------------------------------------
# Comparing values


def compare(old: Any, new: Any, path: PropertyPath = ()) -> list[PropertyChange]:
    """Leaf-level differences between two normalised values (dicts by key, lists by position)."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        changes: list[PropertyChange] = []
        for key in sorted(set(old) | set(new)):
            changes += compare(old.get(key, ABSENT), new.get(key, ABSENT), (*path, key))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else ABSENT
            after = new[index] if index < len(new) else ABSENT
            changes += compare(before, after, (*path, index))
        return changes
    return [] if old == new else [PropertyChange(path, old, new)]


def _leaves(value: Any, path: PropertyPath = ()) -> Iterator[tuple[PropertyPath, Any]]:
    if isinstance(value, Mapping):
        for key in sorted(value):
            yield from _leaves(value[key], (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def references(value: Any) -> set[str]:
    """Logical names of the auto-named resources (and KMS keys) a value refers to."""
    found: set[str] = set()
    for _, leaf in _leaves(value):
        if isinstance(leaf, str):
            found.update(_AUTO_REFERENCE.findall(leaf))
            found.update(_ID_REFERENCE.findall(leaf))
    return found


def _at(value: Any, path: PropertyPath) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return ABSENT
            value = value[part]
        else:
            if not isinstance(value, Mapping) or part not in value:
                return ABSENT
            value = value[part]
    return value


def propagated(old: Any, new: Any, replaced: set[str], direct: Sequence[PropertyChange]) -> list[PropertyChange]:
    """Changes caused by references to replaced resources whose new name or id is known after apply."""
    already = {c.path for c in direct}
    changes = []
    for path, leaf in _leaves(new):
        if path in already or not isinstance(leaf, str):
            continue
        names = sorted(references(leaf) & replaced)
        if names:
            changes.append(PropertyChange(path, _at(old, path), leaf, cause=f"{', '.join(names)} is replaced"))
    return changes


# --------------------------------------------------------------------------------------------------
# Classifying resource changes


def _options(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[PropertyChange]:
    changes = []
    for key in ("protect", "retainOnDelete", "dependencies"):
        if old.get(key) != new.get(key):
            changes.append(PropertyChange((key,), old.get(key), new.get(key)))
    return changes


def _assess(
    action: Action, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, changes: Sequence[PropertyChange]
) -> tuple[Verdict, str]:
    resource = new if new is not None else old
    assert resource is not None
    type_token = str(resource["type"])
    rule = rule_for(type_token)
    protected = bool(old and old.get("protect"))
    if action == "create":
        return "expected", "new resource"
    if action == "delete":
        if protected:
            return "dangerous", "protected: `pulumi up` refuses to delete it (remove `protect` first if intended)"
        if type_token in STATEFUL:
            retained = (
                " (retainOnDelete: Pulumi forgets it, it stays in AWS orphaned)"
                if old and old.get("retainOnDelete")
                else ""
            )
            return "dangerous", STATEFUL[type_token] + retained
        return "review", "removed from the stack: deleted in AWS"
    if action == "replace":
        if type_token == ENDPOINT:
            rename = next((c for c in changes if c.keys == ("name",)), None)
            if rename is not None:
                return "dangerous", (
                    f"renames the endpoint {rename.old!r} -> {rename.new!r}: a new endpoint is created and the old "
                    "one deleted; callers of the old name fail and the new one starts with no warm capacity"
                )
            return "dangerous", (
                "replaces the endpoint under the same name: the create collides with the endpoint in service "
                "('Cannot create already existing endpoint')"
            )
        if type_token in STATEFUL:
            return "dangerous", "replaced: " + STATEFUL[type_token]
        if protected:
            return "dangerous", "protected: `pulumi up` refuses to replace it"
        assert rule is not None
        named = new is not None and rule.name_property is not None and rule.name_property in new["inputs"]
        if named:
            return "review", f"named resource replaced: the old {rule.name_property} is deleted, the new one created"
        if type_token in RELEASE_TYPES:
            return "expected", (
                "a release: auto-named and immutable, so Pulumi creates the new one, then deletes the old one"
            )
        return "expected", "auto-named or attached: Pulumi creates the replacement, then deletes the old one"
    # update
    if rule is None:
        return "review", f"replacement rules unknown for {type_token}: check the provider schema"
    if protected and new is not None and not new.get("protect"):
        return "review", "protection removed: the next change may delete or replace it"
    if not changes:
        return "expected", "resource options or ordering only (protect, retainOnDelete, dependsOn): no AWS call"
    if type_token == ENDPOINT:
        return "expected", (
            "in place (UpdateEndpoint): blue/green traffic shift with auto-rollback, the endpoint keeps its name"
        )
    if type_token in (tokens.COMPREHEND_ENTITY_RECOGNIZER, tokens.COMPREHEND_DOCUMENT_CLASSIFIER):
        return _retrain(changes)
    return "expected", "updated in place"


def _retrain(changes: Sequence[PropertyChange]) -> tuple[Verdict, str]:
    """A custom model change is a new trained version (the provider calls Create* again with the version)."""
    if all(c.keys[:1] in (("tags",), ("tagsAll",)) for c in changes):
        return "expected", "tags only: TagResource, no new version"
    version = next((c for c in changes if c.keys == ("versionName",)), None)
    if version is None:
        return "review", (
            "retrains under the same versionName: Comprehend refuses to create an existing version; "
            "change versionName with the data"
        )
    return "review", (
        f"a retrain: new version {version.new} is trained beside {version.old} (billed training, hours); "
        "the old version stays until the model is deleted"
    )


def diff_graphs(old: Mapping[str, Any], new: Mapping[str, Any]) -> StackDiff:
    """Classify every difference between two normalised graphs (``review.snapshot`` documents)."""
    old_by = {r["urn"]: r for r in old["resources"] if r["custom"]}
    new_by = {r["urn"]: r for r in new["resources"] if r["custom"]}
    matched = sorted(set(old_by) & set(new_by))
    direct = {urn: compare(old_by[urn]["inputs"], new_by[urn]["inputs"]) for urn in matched}

    # Replacement spreads through names known only after apply: iterate until no new replacement.
    replaced: set[str] = set()
    changes: dict[str, list[PropertyChange]] = {}
    while True:
        newly: set[str] = set()
        for urn in matched:
            rule = rule_for(new_by[urn]["type"])
            found = direct[urn] + propagated(old_by[urn]["inputs"], new_by[urn]["inputs"], replaced, direct[urn])
            if rule is not None:
                found = [PropertyChange(c.path, c.old, c.new, rule.forces_replacement(c.keys), c.cause) for c in found]
            changes[urn] = found
            if any(c.replaces for c in found):
                newly.add(new_by[urn]["name"])
        if newly <= replaced:
            break
        replaced |= newly

    results: list[ResourceChange] = []
    for urn in sorted(set(old_by) | set(new_by)):
        before, after = old_by.get(urn), new_by.get(urn)
        found = changes.get(urn, [])
        options = _options(before, after) if before is not None and after is not None else []
        action: Action
        if before is None:
            action = "create"
        elif after is None:
            action = "delete"
        elif any(c.replaces for c in found):
            action = "replace"
        elif found or options:
            action = "update"
        else:
            continue
        resource = after if after is not None else before
        assert resource is not None
        verdict, reason = _assess(action, before, after, found)
        results.append(
            ResourceChange(
                urn, resource["type"], resource["name"], action, verdict, reason, tuple(found), tuple(options)
            )
        )
    output_changes = compare(old.get("outputs", {}), new.get("outputs", {}))
    output_changes += propagated(old.get("outputs", {}), new.get("outputs", {}), replaced, output_changes)
    return StackDiff(str(new["stack"]), tuple(results), tuple(output_changes))


# --------------------------------------------------------------------------------------------------
# Rendering

MAX_LINES = 8
_SYMBOL = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}
_ORDER = {"delete": 0, "replace": 1, "update": 2, "create": 3}


def _show(value: Any, limit: int = 100) -> str:
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, Mapping) and set(value) == {snapshot.JSON_KEY}:
        value = value[snapshot.JSON_KEY]
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show_pair(old: Any, new: Any, limit: int = 100) -> tuple[str, str]:
    """Both sides of a change; two long strings are shown around where they start to differ."""
    if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > limit:
        common = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
        start = max(0, common - 30)
        window = limit - 10

        def cut(text: str) -> str:
            piece = text[start : start + window]
            return (
                ("..." if start else "")
                + json.dumps(piece, ensure_ascii=False)
                + ("..." if start + window < len(text) else "")
            )

        return cut(old), cut(new)
    return _show(old, limit), _show(new, limit)


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _line(change: PropertyChange) -> str:
    if change.path == ("dependencies",) and isinstance(change.old, list) and isinstance(change.new, list):
        added = sorted(_short(u) for u in set(change.new) - set(change.old))
        removed = sorted(_short(u) for u in set(change.old) - set(change.new))
        parts = [f"+{', +'.join(added)}" if added else "", f"-{', -'.join(removed)}" if removed else ""]
        return "dependsOn: " + "; ".join(p for p in parts if p)
    before, after = _show_pair(change.old, change.new)
    if change.cause is not None:
        after = f"(known after apply: {change.cause})"
    flag = "   [forces replacement]" if change.replaces else ""
    return f"{change.display_path}: {before} → {after}{flag}"


def _change_json(change: PropertyChange) -> dict[str, Any]:
    return {
        "path": [str(p) for p in change.path],
        "old": None if change.old is ABSENT else change.old,
        "new": None if change.new is ABSENT else change.new,
        "forcesReplacement": change.replaces,
        "cause": change.cause,
    }


def as_json(diff: StackDiff) -> dict[str, Any]:
    """One stack's changes as JSON (for CI annotations and scripts)."""
    return {
        "stack": diff.stack,
        "dangerous": len(diff.dangerous),
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "action": r.action,
                "verdict": r.verdict,
                "reason": r.reason,
                "changes": [_change_json(c) for c in r.changes],
            }
            for r in diff.resources
        ],
        "outputs": [_change_json(c) for c in diff.outputs],
    }


def render(diff: StackDiff) -> str:
    lines = [f"== {diff.stack}"]
    if not diff.resources and not diff.outputs:
        lines.append("   no changes")
        return "\n".join(lines)
    for change in sorted(diff.resources, key=lambda r: (_ORDER[r.action], r.type, r.name)):
        lines.append(f"{_SYMBOL[change.action]:>3} {change.action:<8} {change.type}  {change.name}")
        marker = "DANGEROUS" if change.verdict == "dangerous" else change.verdict
        lines.append(f"             {marker}: {change.reason}")
        if change.action in ("update", "replace"):
            # Forcing changes first: they are the reason for a replacement.
            shown = sorted(change.changes, key=lambda c: not c.replaces)
            lines += [f"             ~ {_line(c)}" for c in shown[:MAX_LINES]]
            if len(shown) > MAX_LINES:
                lines.append(f"             ... and {len(shown) - MAX_LINES} more changed properties")
        lines += [f"             ~ [option] {_line(c)}" for c in change.options]
    if diff.outputs:
        lines.append("    outputs:")
        lines += [f"             ~ {_line(c)}" for c in diff.outputs]
    counts = ", ".join(f"{diff.count(a)} to {a}" for a in ("create", "update", "replace", "delete") if diff.count(a))
    danger = f"{len(diff.dangerous)} DANGEROUS" if diff.dangerous else "no dangerous change"
    lines.append(f"   summary: {counts or 'outputs only'}; {danger}")
    return "\n".join(lines)


def baseline(stack: str, directory: Path | None) -> dict[str, Any]:
    """The graph to compare with: the committed snapshot, or the one in ``directory``."""
    if directory is None:
        return snapshot.load(stack)
    path = directory / f"{stack}.json"
    if not path.is_file() or not path.read_text().strip():
        return {"stack": stack, "resources": [], "outputs": {}}
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command: a user mistake is one line on stderr and exit 2 (offline.cli's exit codes)."""
    return run(_main, argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review.diff", description=description(__doc__))
    parser.add_argument("--stack", action="append", choices=snapshot.STACKS, help="only this stack (repeatable)")
    add_set_option(parser)
    parser.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="compare with the snapshots in DIR (e.g. the base branch's) instead of snapshots/; a stack without "
        "a snapshot there is compared with an empty graph",
    )
    parser.add_argument("--json", action="store_true", help="print the changes of every stack as JSON")
    args = parser.parse_args(argv)
    overrides = parse_overrides(args.set)
    dangerous = 0
    results = []
    for stack in args.stack or snapshot.STACKS:
        result = diff_graphs(baseline(stack, args.against), snapshot.capture(stack, overrides))
        results.append(result)
        if not args.json:
            print(render(result))
        dangerous += len(result.dangerous)
    if args.json:
        print(json.dumps([as_json(r) for r in results], indent=2, sort_keys=True))
    if dangerous:
        print(f"\n{dangerous} DANGEROUS change(s): exit {EXIT_DANGEROUS}", file=sys.stderr)
        return EXIT_DANGEROUS
    return 0


if __name__ == "__main__":
    sys.exit(main())
