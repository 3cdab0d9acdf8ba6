"""The model's feature schema, read from its ``manifest.json``, and the checks made before any request.

The manifest (written by ``make train`` to ``build/manifest.json`` and packed into ``model.tar.gz``) lists
the features in training order with their kind (``numeric`` | ``categorical``), the classes in the order
the model reports probabilities, and the target column. Records are checked here so a missing or
misspelt feature costs no request: the error names the record and the nearest known feature.

Values follow the serving handlers' contract (``training/inference.py``): a missing value is ``None``,
NaN, or one of the markers ``""``, ``NA``, ``N/A``, ``NaN``, ``null``; a numeric feature takes a number
or a string holding one; a categorical feature takes text (numbers are sent as their text).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from client.errors import SchemaError

Kind = Literal["numeric", "categorical"]
SUPPORTED_MANIFEST_VERSION = 1
MISSING_MARKERS = frozenset({"", "NA", "N/A", "NaN", "null"})
_SHOWN = 40  # characters of a bad value quoted back in an error


@dataclass(frozen=True)
class Feature:
    name: str
    kind: Kind


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


@dataclass(frozen=True)
class ModelSchema:
    features: tuple[Feature, ...]
    classes: tuple[str, ...]
    target: str

    @property
    def names(self) -> list[str]:
        return [feature.name for feature in self.features]

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any] | Path | str) -> ModelSchema:
        """From a manifest mapping or the path of ``manifest.json``."""
        if isinstance(manifest, (str, Path)):
            path = Path(manifest)
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise SchemaError(f"manifest {path} does not exist; run `make train` to write it") from None
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise SchemaError(
                    f"manifest {path} is not readable JSON ({exc}); rebuild it with `make train`"
                ) from None
            if not isinstance(document, dict):
                raise SchemaError(f"manifest {path} is not a JSON object; rebuild it with `make train`")
            manifest = document
        version = manifest.get("manifest_version")
        if version != SUPPORTED_MANIFEST_VERSION:
            raise SchemaError(
                f"manifest_version {version!r} is not supported (expected {SUPPORTED_MANIFEST_VERSION}); "
                "use the client from the same release as the training code"
            )
        try:
            features = tuple(Feature(str(f["name"]), _kind(f["kind"])) for f in manifest["features"])
            classes = tuple(str(c) for c in manifest["classes"])
            target = str(manifest["target"])
        except (KeyError, TypeError) as exc:
            raise SchemaError(f"manifest lacks {exc}; rebuild it with `make train`") from None
        if not features or not classes:
            raise SchemaError("manifest lists no features or no classes; rebuild it with `make train`")
        return cls(features=features, classes=classes, target=target)

    def nearest(self, name: str) -> str | None:
        """The known feature closest to ``name`` (a likely misspelling), if any is close enough."""
        matches = difflib.get_close_matches(name, self.names, n=1, cutoff=0.6)
        if not matches:
            lowered = {known.lower(): known for known in self.names}
            return lowered.get(name.strip().lower())
        return matches[0]

    def column_problems(self, columns: Iterable[str], *, allow_extra: bool = False) -> list[str]:
        """What is wrong with a set of column names (empty when every feature is present)."""
        present = list(columns)
        known = set(self.names)
        unknown = [name for name in present if name not in known and name != self.target]
        missing = [name for name in self.names if name not in present]
        # An unknown column closest to a missing feature is that feature misspelt: one problem, not two.
        misspelt: dict[str, str] = {}
        for name in unknown:
            guess = self.nearest(name)
            if guess in missing and guess not in misspelt.values():
                misspelt[name] = guess
        problems = []
        for feature in missing:
            typo = next((name for name, meant in misspelt.items() if meant == feature), None)
            problems.append(
                f"unknown feature '{_shown(typo)}' (did you mean '{feature}'?)"
                if typo is not None
                else f"missing feature '{feature}'"
            )
        if not allow_extra:
            for name in unknown:
                if name in misspelt:
                    continue
                guess = self.nearest(name)
                problems.append(f"unknown feature '{_shown(name)}'" + (f" (did you mean '{guess}'?)" if guess else ""))
        return problems

    def check_columns(self, columns: Iterable[str], where: str, *, allow_extra: bool = False) -> None:
        problems = self.column_problems(columns, allow_extra=allow_extra)
        if problems:
            raise SchemaError(f"{where}: {'; '.join(problems)}; the model's features are {', '.join(self.names)}")

    def cells(self, record: Mapping[str, Any], row: int) -> list[str]:
        """One record as CSV cells in training order (missing values empty); ``row`` counts from 1."""
        return [_cell(feature, record[feature.name], row) for feature in self.features]

    def rows(self, records: Sequence[Mapping[str, Any]], *, first_row: int = 1) -> list[list[str]]:
        """Check every record (columns, then values) and return their cells; nothing is sent on error."""
        out = []
        for offset, record in enumerate(records):
            row = first_row + offset
            if not isinstance(record, Mapping):
                raise SchemaError(f"record {row} is of type {type(record).__name__}; send mappings of feature to value")
            self.check_columns([str(key) for key in record], f"record {row}")
            out.append(self.cells(record, row))
        return out


def _kind(value: object) -> Kind:
    if value == "numeric":
        return "numeric"
    if value == "categorical":
        return "categorical"
    raise SchemaError(f"manifest feature kind {value!r} is not numeric or categorical; rebuild it with `make train`")


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in MISSING_MARKERS


def _cell(feature: Feature, value: object, row: int) -> str:
    if _is_missing(value):
        return ""
    if feature.kind == "numeric":
        number: float | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = None
        elif hasattr(value, "dtype") and hasattr(value, "item"):  # numpy scalars from a DataFrame
            item = value.item()
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                number = float(item)
        if number is None or not math.isfinite(number):
            raise SchemaError(
                f"record {row}: feature '{feature.name}' holds '{_shown(value)}'; expected a number "
                "(or None for missing)"
            )
        return repr(number)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise SchemaError(
        f"record {row}: feature '{feature.name}' holds {_shown(value)}; expected text (or None for missing)"
    )
