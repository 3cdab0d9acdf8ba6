"""Stack files as the Pulumi CLI hands them to a program, and the ``--set`` override every tool shares."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def stack_file(stack: str) -> Path:
    return PROJECT_ROOT / f"Pulumi.{stack}.yaml"


def project_name() -> str:
    data = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())
    return str(data["name"])


def load_stack_config(stack: str, overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Flatten ``Pulumi.<stack>.yaml`` the way the Pulumi CLI hands config to a program.

    Structured values (objects, lists) reach the program JSON-encoded, scalars as strings.
    """
    path = stack_file(stack)
    if not path.is_file():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_ROOT.glob("Pulumi.*.yaml"))
        raise FileNotFoundError(f"no stack file {path.name}; known stacks: {', '.join(known)}")
    raw = dict((yaml.safe_load(path.read_text()) or {}).get("config") or {})
    raw.update(overrides or {})
    flat: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            flat[key] = value
        elif isinstance(value, bool):
            flat[key] = "true" if value else "false"
        elif isinstance(value, int | float):
            flat[key] = str(value)
        else:
            flat[key] = json.dumps(value)
    return flat


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE`` (repeatable): override one stack config value for this run only."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config value, e.g. --set 'mlops:endpoint={type: realtime, ...}' (YAML value)",
    )


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """``namespace:key=value`` pairs, the value read as YAML (so objects and numbers keep their type)."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or ":" not in key:
            raise SystemExit(f"error: --set expects namespace:key=value, got {pair!r}")
        result[key] = yaml.safe_load(value)
    return result
