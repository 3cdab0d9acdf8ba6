"""The client's schema checks, pure (no server): what a caller is told before any request is sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from client.errors import SchemaError
from client.schema import ModelSchema

MANIFEST: dict[str, Any] = {
    "manifest_version": 1,
    "target": "species",
    "features": [
        {"name": "island", "kind": "categorical"},
        {"name": "bill_length_mm", "kind": "numeric"},
        {"name": "body_mass_g", "kind": "numeric"},
    ],
    "classes": ["Adelie", "Chinstrap", "Gentoo"],
}
SCHEMA = ModelSchema.from_manifest(MANIFEST)


@pytest.mark.parametrize(
    ("columns", "allow_extra", "problems"),
    [
        (["island", "bill_length_mm", "body_mass_g"], False, []),
        (["species", "island", "bill_length_mm", "body_mass_g"], False, []),
        (
            ["island", "bill_lenght_mm", "body_mass_g"],
            False,
            ["unknown feature 'bill_lenght_mm' (did you mean 'bill_length_mm'?)"],
        ),
        (
            ["island", "Body_Mass_G", "bill_length_mm"],
            False,
            ["unknown feature 'Body_Mass_G' (did you mean 'body_mass_g'?)"],
        ),
        (["island", "bill_length_mm"], False, ["missing feature 'body_mass_g'"]),
        (["island", "bill_length_mm", "body_mass_g", "colour"], False, ["unknown feature 'colour'"]),
        (["island", "bill_length_mm", "body_mass_g", "id", "colour"], True, []),
        (
            ["id", "bill_lenght_mm", "body_mass_g"],
            True,
            ["missing feature 'island'", "unknown feature 'bill_lenght_mm' (did you mean 'bill_length_mm'?)"],
        ),
        (
            ["island", "island_", "bill_length_mm", "body_mass_g"],
            False,
            ["unknown feature 'island_' (did you mean 'island'?)"],
        ),
    ],
    ids=[
        "exact",
        "target-ignored",
        "typo",
        "case",
        "missing",
        "unknown",
        "extra-allowed",
        "extra-with-typo",
        "near-present",
    ],
)
def test_column_problems(columns: list[str], allow_extra: bool, problems: list[str]) -> None:
    assert SCHEMA.column_problems(columns, allow_extra=allow_extra) == problems


@pytest.mark.parametrize(
    ("value", "cell"),
    [(39.1, "39.1"), ("39.1", "39.1"), (3750, "3750.0"), (None, ""), (float("nan"), ""), ("NA", ""), (" ", "")],
)
def test_numeric_cells(value: object, cell: str) -> None:
    assert SCHEMA.cells({"island": "Dream", "bill_length_mm": value, "body_mass_g": 1}, 1)[1] == cell


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"island": "Dream", "bill_length_mm": True, "body_mass_g": 1},
            "record 1: feature 'bill_length_mm' holds 'True'; expected a number (or None for missing)",
        ),
        (
            {"island": "Dream", "bill_length_mm": float("inf"), "body_mass_g": 1},
            "record 1: feature 'bill_length_mm' holds 'inf'; expected a number (or None for missing)",
        ),
        (
            {"island": ["Dream"], "bill_length_mm": 1, "body_mass_g": 1},
            "record 1: feature 'island' holds ['Dream']; expected text (or None for missing)",
        ),
        (
            {"island": "Dream", "bill_length_mm": "x" * 100, "body_mass_g": 1},
            "record 1: feature 'bill_length_mm' holds '" + "x" * 39 + "…'; expected a number (or None for missing)",
        ),
    ],
)
def test_bad_values_are_named_and_truncated(record: dict[str, Any], message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        SCHEMA.rows([record])
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            {**MANIFEST, "manifest_version": 2},
            "manifest_version 2 is not supported (expected 1); "
            "use the client from the same release as the training code",
        ),
        (
            {k: v for k, v in MANIFEST.items() if k != "classes"},
            "manifest lacks 'classes'; rebuild it with `make train`",
        ),
        (
            {**MANIFEST, "features": [{"name": "x", "kind": "text"}]},
            "manifest feature kind 'text' is not numeric or categorical; rebuild it with `make train`",
        ),
    ],
)
def test_bad_manifests(manifest: dict[str, Any], message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        ModelSchema.from_manifest(manifest)
    assert str(caught.value) == message


def test_manifest_files(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(MANIFEST))
    assert ModelSchema.from_manifest(path) == SCHEMA
    with pytest.raises(SchemaError, match=r"does not exist; run `make train` to write it$"):
        ModelSchema.from_manifest(tmp_path / "none.json")
    path.write_text("{")
    with pytest.raises(SchemaError, match=r"is not readable JSON"):
        ModelSchema.from_manifest(path)
