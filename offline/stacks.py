"""Stack files as the Pulumi CLI hands them to a program, and the ``--set`` override every tool shares.

The CLI reads ``Pulumi.<stack>.yaml``, decrypts ``secure:`` values with the stack's secrets provider and
hands the program every key as a string (structured values JSON-encoded), plus the list of keys that hold
secrets. Offline there is no secrets provider: a value a deployment keeps as a secret comes from
``offline/secrets.yaml`` (stand-ins, never deployed), and its key is marked secret exactly as the CLI
marks the real one.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_STAND_INS = Path(__file__).resolve().parent / "secrets.yaml"
_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]")


class StackFileError(Exception):
    """A stack file (or a ``--set`` override) that cannot be read: the message names file, line and fix."""


@dataclass(frozen=True)
class StackConfigValues:
    """What the engine would hand the program: every key as a string, and the keys holding secrets."""

    values: dict[str, str]
    secret_keys: tuple[str, ...]


def stack_file(stack: str) -> Path:
    return PROJECT_ROOT / f"Pulumi.{stack}.yaml"


def known_stacks() -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_ROOT.glob("Pulumi.*.yaml"))


def project_name() -> str:
    data = read_yaml(PROJECT_ROOT / "Pulumi.yaml")
    return str(data["name"])


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML with duplicate keys refused: PyYAML would keep the last one silently."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise StackFileError(
                f"{Path(mark.name).name}:{mark.line + 1}:{mark.column + 1}: key {key!r} appears twice; "
                "keep one (YAML would silently use the last)"
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Parse ``path``; a syntax error or a duplicate key is one line with file, line and column."""
    try:
        with path.open(encoding="utf-8") as stream:
            # A stream (not its text): marks then carry the file's name.
            return yaml.load(stream, Loader=_UniqueKeyLoader)
    except UnicodeDecodeError:
        raise StackFileError(f"{path.name}: is not UTF-8 text; save it as UTF-8") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path.name}:{mark.line + 1}:{mark.column + 1}" if mark else path.name
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "; indent with spaces, not tabs" if "'\\t'" in problem else ""
        raise StackFileError(f"{where}: {problem}{hint}") from None


def _stack_mapping(stack: str) -> dict[str, Any]:
    path = stack_file(stack)
    if not path.is_file():
        raise StackFileError(f"no stack file {path.name}; known stacks: {', '.join(known_stacks())}")
    document = read_yaml(path)
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise StackFileError(f"{path.name}: must be a mapping with a `config:` key, got {type(document).__name__}")
    config = document.get("config") or {}
    if not isinstance(config, Mapping):
        raise StackFileError(f"{path.name}: `config:` must be a mapping of keys, got {type(config).__name__}")
    return dict(config)


def _project_config() -> dict[str, Any]:
    """Pulumi.yaml's ``config:`` values, which every stack inherits unless its stack file sets the key."""
    document = read_yaml(PROJECT_ROOT / "Pulumi.yaml") or {}
    values: dict[str, Any] = {}
    for key, spec in dict(document.get("config") or {}).items():
        if isinstance(spec, Mapping):
            if "value" in spec:
                values[key] = spec["value"]
            elif "default" in spec:
                values[key if ":" in key else f"{document['name']}:{key}"] = spec["default"]
        else:
            values[key] = spec
    return values


def _stand_ins(stack: str) -> dict[str, Any]:
    if not SECRET_STAND_INS.is_file():
        return {}
    stand_ins = read_yaml(SECRET_STAND_INS) or {}
    return dict(stand_ins.get(stack) or {})


def _contains_secure(value: Any) -> bool:
    if isinstance(value, Mapping):
        return set(value) == {"secure"} or any(_contains_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secure(v) for v in value)
    return False


def _encode(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def split_path(path: str) -> tuple[str, list[str | int]]:
    """``mlops:alarms.pageHttps[0]`` → (``mlops:alarms``, ["pageHttps", 0]) — ``pulumi config --path`` syntax."""
    match = re.match(r"^([A-Za-z0-9_-]+:[A-Za-z0-9_-]+)", path)
    if match is None:
        raise StackFileError(f"--set expects namespace:key[.path]=value, got {path!r}")
    top, rest = match.group(1), path[match.end() :]
    parts: list[str | int] = []
    while rest:
        part = _PATH_PART.match(rest)
        if part is None:
            raise StackFileError(
                f"--set path {path!r}: cannot read {rest!r}; use .name and [index] as pulumi config --path does"
            )
        parts.append(part.group(1) if part.group(1) is not None else int(part.group(2)))
        rest = rest[part.end() :]
    return top, parts


def set_path(config: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in ``config``, creating mappings and extending lists as needed."""
    top, parts = split_path(path)
    if not parts:
        config[top] = value
        return
    node = config.setdefault(top, {} if isinstance(parts[0], str) else [])
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        fresh: Any = value if following is None else ({} if isinstance(following, str) else [])
        if isinstance(part, int):
            if not isinstance(node, list):
                raise StackFileError(f"--set path {path!r}: {part} indexes a value that is not a list")
            while len(node) <= part:
                node.append(None)
            if following is None or node[part] is None:
                node[part] = fresh
            node = node[part]
        else:
            if not isinstance(node, dict):
                raise StackFileError(f"--set path {path!r}: .{part} names a key of a value that is not a mapping")
            if following is None or part not in node:
                node[part] = fresh
            node = node[part]


def stack_config(stack: str, overrides: Mapping[str, Any] | None = None) -> StackConfigValues:
    """``Pulumi.<stack>.yaml`` flattened the way the CLI hands it to the program, with its secret keys.

    ``overrides`` map a key or a ``--path``-style key path (``mlops:endpoint.memorySizeMb``) to a value.
    """
    config = {**_project_config(), **_stack_mapping(stack)}
    secret: set[str] = set()
    for path, value in _stand_ins(stack).items():
        top, _ = split_path(path)
        set_path(config, path, value)
        secret.add(top)
    for key, value in config.items():
        if _contains_secure(value):
            raise StackFileError(
                f"{stack_file(stack).name}: {key} holds a `secure:` value, which only the Pulumi CLI can "
                f"decrypt; give it a stand-in in offline/secrets.yaml under {stack}:"
            )
    for path, value in (overrides or {}).items():
        set_path(config, path, value)
    values = {key: _encode(value) for key, value in config.items()}
    return StackConfigValues(values=values, secret_keys=tuple(sorted(secret)))


def load_stack_config(stack: str, overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The stack's config values only (see ``stack_config``)."""
    return stack_config(stack, overrides).values


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE`` (repeatable): override one stack config value for this run only."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config value for this run, as `pulumi config set --path` would: "
        "--set mlops:endpoint.instanceCount=3 or --set 'mlops:rollout={strategy: allAtOnce}' (YAML value)",
    )


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """``namespace:key[.path]=value`` pairs, the value read as YAML (objects and numbers keep their type)."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or ":" not in key:
            raise StackFileError(f"--set expects namespace:key[.path]=value, got {pair!r}")
        split_path(key)
        try:
            result[key] = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise StackFileError(f"--set {key}: the value is not valid YAML ({type(exc).__name__})") from None
    return result
