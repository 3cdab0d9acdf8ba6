"""Data contract of a channel: UTF-8 CSV files with one header row, checked before any training.

A SageMaker channel is a directory (``/opt/ml/input/data/<name>``) holding one or more CSV files; a
single file path is accepted locally. Every problem the user can fix is reported as a
``DataValidationError`` whose one-line message names the file, the line, the column and the fix, because
that line is all a user sees of a failed training job (it becomes the job's ``FailureReason``).

Rules:
- every column has a unique, non-blank header; every CSV file of a channel has the same header;
- missing values are written as an empty field or one of ``NA``, ``N/A``, ``NaN``, ``null``;
- a column is numeric when every non-missing value in the train channel is a finite number. A column
  where at least half of the values are numbers and some are not is a numeric column holding text:
  an error naming the first offending line. Otherwise the column is categorical;
- the target column is never missing, has at least two classes, and validation/test channels use no
  class the train channel lacks;
- refused because they silently train the wrong model: numbers written with a decimal comma (they
  would become categories), a feature equal to the target up to letter case in its name or in every
  value (the label leaks into the features), and an identifier-like categorical column (more than
  ``MAX_DISTINCT_SHARE`` of its values distinct and more than ``MAX_DISTINCT_MIN`` of them: thousands
  of one-hot columns that learn row identities).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .errors import DataValidationError

MISSING_MARKERS = frozenset({"", "NA", "N/A", "NaN", "null"})
# A categorical column with more distinct values than both of these is an identifier, not a feature.
MAX_DISTINCT_SHARE = 0.5
MAX_DISTINCT_MIN = 50
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")

FeatureKind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class Feature:
    name: str
    kind: FeatureKind


@dataclass(frozen=True)
class Schema:
    """What the model consumes, in training order; serialised into the manifest for serving."""

    target: str
    features: tuple[Feature, ...]

    @property
    def feature_names(self) -> list[str]:
        return [feature.name for feature in self.features]


@dataclass(frozen=True)
class Table:
    """One channel, every cell kept as stripped text, with the origin (file, line) of each row."""

    channel: str
    source: Path
    columns: tuple[str, ...]
    frame: pd.DataFrame
    files: tuple[str, ...]
    lines: tuple[int, ...]
    sha256: str

    def where(self, row: int) -> str:
        """``<file> line <n>`` for the row at position ``row``."""
        return f"{self.files[row]} line {self.lines[row]}"


@dataclass(frozen=True)
class Dataset:
    """Typed model input: numeric columns as float64 (NaN when missing), categoricals as object."""

    X: pd.DataFrame
    y: pd.Series


def csv_files(channel: str, path: Path) -> list[Path]:
    """The CSV files of a channel: the file itself, or the ``*.csv`` files of a directory, sorted."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        if not files:
            raise DataValidationError(
                f"{path}: no .csv file in the {channel} channel; put the data in files ending in .csv"
            )
        return files
    raise DataValidationError(f"{path}: no such file or directory for the {channel} channel")


def channel_sha256(files: Sequence[Path]) -> str:
    """sha256 of a single file's bytes (equal to ``sha256sum file``); for several files, the sha256 of
    their ``sha256sum``-style listing (``<hex>  <name>`` lines, sorted by name)."""
    digests = [(f.name, hashlib.sha256(f.read_bytes()).hexdigest()) for f in files]
    if len(digests) == 1:
        return digests[0][1]
    listing = "".join(f"{digest}  {name}\n" for name, digest in sorted(digests))
    return hashlib.sha256(listing.encode()).hexdigest()


def _read_csv(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    raw = path.read_bytes()
    if not raw.strip():
        raise DataValidationError(f"{path}: file is empty; provide a CSV with a header row and at least one data row")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"{path}: not UTF-8 text (invalid byte at offset {exc.start}); save the file as UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
        rows: list[list[str]] = []
        lines: list[int] = []
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                continue  # blank line
            if len(record) != len(header):
                raise DataValidationError(
                    f"{path} line {reader.line_num}: {len(record)} fields but the header has "
                    f"{len(header)}; quote values that contain commas"
                )
            rows.append([cell.strip() for cell in record])
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataValidationError(f"{path} line {reader.line_num}: malformed CSV ({exc}); fix the quoting") from None

    for index, name in enumerate(header, start=1):
        if not name:
            raise DataValidationError(
                f"{path}: column {index} has a blank header; give every column a name in the first row"
            )
    first_seen: dict[str, int] = {}
    for index, name in enumerate(header, start=1):
        if name in first_seen:
            raise DataValidationError(
                f"{path}: duplicate column header '{name}' (columns {first_seen[name]} and {index}); rename one of them"
            )
        first_seen[name] = index
    if not rows:
        raise DataValidationError(f"{path}: no data rows after the header; add at least one data row")
    return header, rows, lines


def load_channel(channel: str, path: Path) -> Table:
    """Read every CSV file of a channel into one text table, checking the structure of each file."""
    files = csv_files(channel, path)
    columns: list[str] | None = None
    all_rows: list[list[str]] = []
    origins: list[str] = []
    all_lines: list[int] = []
    for file in files:
        header, rows, lines = _read_csv(file)
        if columns is None:
            columns = header
        elif header != columns:
            raise DataValidationError(
                f"{file}: header differs from {files[0]}; every CSV file of the {channel} channel needs "
                "the same columns in the same order"
            )
        all_rows.extend(rows)
        origins.extend([str(file)] * len(rows))
        all_lines.extend(lines)
    assert columns is not None
    frame = pd.DataFrame(all_rows, columns=columns, dtype=object)
    return Table(
        channel=channel,
        source=path,
        columns=tuple(columns),
        frame=frame,
        files=tuple(origins),
        lines=tuple(all_lines),
        sha256=channel_sha256(files),
    )


def _missing(values: pd.Series) -> np.ndarray:
    return np.asarray(values.isin(MISSING_MARKERS), dtype=bool)


def _parse_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Float values (NaN where missing) and a mask of non-missing cells that are not finite numbers."""
    missing = _missing(values)
    parsed = np.full(len(values), np.nan)
    bad = np.zeros(len(values), dtype=bool)
    for position, (cell, is_missing) in enumerate(zip(values.tolist(), missing, strict=True)):
        if is_missing:
            continue
        try:
            number = float(cell)
        except ValueError:
            bad[position] = True
            continue
        if math.isfinite(number):
            parsed[position] = number
        else:
            bad[position] = True
    return parsed, bad


def infer_schema(train: Table, target: str) -> Schema:
    """Decide the target and the kind of every feature from the train channel."""
    first_file = train.files[0]
    if target not in train.columns:
        raise DataValidationError(
            f"{first_file}: target column '{target}' not found (columns: {', '.join(train.columns)}); "
            "pass --target with one of them"
        )
    feature_names = [name for name in train.columns if name != target]
    target_values = train.frame[target].astype(str).str.casefold()
    for name in feature_names:
        if name.casefold() == target.casefold() or bool(
            (train.frame[name].astype(str).str.casefold() == target_values).all()
        ):
            raise DataValidationError(
                f"{first_file}: column '{name}' equals the target '{target}' up to letter case; as a feature it "
                "leaks the label (and serving would demand it): remove the column or pass it as --target"
            )
    if not feature_names:
        raise DataValidationError(
            f"{first_file}: no feature column besides the target '{target}'; add at least one feature column"
        )
    features: list[Feature] = []
    for name in feature_names:
        values = train.frame[name]
        missing = _missing(values)
        present = int((~missing).sum())
        if present == 0:
            raise DataValidationError(
                f"column '{name}' has no values in the {train.channel} channel; fill it in or remove the column"
            )
        _, bad = _parse_numbers(values)
        numeric_count = present - int(bad.sum())
        if not bad.any():
            features.append(Feature(name, "numeric"))
        elif numeric_count * 2 >= present:
            row = int(np.flatnonzero(bad)[0])
            raise DataValidationError(
                f"{train.where(row)}: column '{name}' is numeric but holds '{values.iloc[row]}'; "
                "write a number, or leave it empty or NA if missing"
            )
        else:
            _refuse_silent_categorical(train, name, values[~missing])
            features.append(Feature(name, "categorical"))
    return Schema(target=target, features=tuple(features))


def _refuse_silent_categorical(train: Table, name: str, present: pd.Series) -> None:
    """A categorical column that is really numbers with decimal commas, or an identifier."""
    texts = [str(value) for value in present.tolist()]
    if all(_DECIMAL_COMMA.match(text) or _is_number(text) for text in texts):
        row = next(i for i, value in enumerate(train.frame[name].tolist()) if _DECIMAL_COMMA.match(str(value)))
        example = str(train.frame[name].iloc[row])
        raise DataValidationError(
            f"{train.where(row)}: column '{name}' holds numbers with a decimal comma ('{example}'); write them "
            f"with a decimal point ({example.replace(',', '.')}), or they train as categories"
        )
    distinct = len(set(texts))
    if distinct > MAX_DISTINCT_MIN and distinct > MAX_DISTINCT_SHARE * len(texts):
        raise DataValidationError(
            f"column '{name}' has {distinct} distinct values in {len(texts)} rows of the {train.channel} channel: "
            "an identifier, not a feature (it would become one one-hot column per value); remove the column"
        )


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def to_dataset(table: Table, schema: Schema, known_classes: Sequence[str] | None = None) -> Dataset:
    """Check a channel against the schema and convert it to typed model input.

    ``known_classes`` (the train channel's classes) is given for validation/test channels: a class the
    model never saw cannot be predicted, so it is an error rather than a silently wrong metric.
    """
    first_file = table.files[0]
    expected = [schema.target, *schema.feature_names]
    missing_columns = [name for name in expected if name not in table.columns]
    if missing_columns:
        raise DataValidationError(
            f"{first_file}: the {table.channel} channel lacks column(s) "
            f"{', '.join(repr(name) for name in missing_columns)} that the train channel has; "
            "every channel needs the train channel's columns"
        )
    extra_columns = [name for name in table.columns if name not in expected]
    if extra_columns:
        raise DataValidationError(
            f"{first_file}: the {table.channel} channel has column(s) "
            f"{', '.join(repr(name) for name in extra_columns)} that the train channel lacks; "
            "every channel needs the train channel's columns"
        )

    target_values = table.frame[schema.target]
    missing_target = _missing(target_values)
    if missing_target.any():
        row = int(np.flatnonzero(missing_target)[0])
        raise DataValidationError(
            f"{table.where(row)}: target column '{schema.target}' is empty; fill it in or remove the row"
        )
    if known_classes is not None:
        unknown = ~target_values.isin(list(known_classes)).to_numpy()
        if unknown.any():
            row = int(np.flatnonzero(unknown)[0])
            raise DataValidationError(
                f"{table.where(row)}: class '{target_values.iloc[row]}' of the {table.channel} channel does "
                "not occur in the train channel; add train rows of that class or remove the row"
            )

    columns: dict[str, pd.Series] = {}
    for feature in schema.features:
        values = table.frame[feature.name]
        if feature.kind == "numeric":
            parsed, bad = _parse_numbers(values)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise DataValidationError(
                    f"{table.where(row)}: column '{feature.name}' is numeric but holds "
                    f"'{values.iloc[row]}'; write a number, or leave it empty or NA if missing"
                )
            columns[feature.name] = pd.Series(parsed, dtype="float64")
        else:
            text = values.astype(object).where(~_missing(values), np.nan)
            columns[feature.name] = pd.Series(text.to_numpy(dtype=object), dtype=object)
    X = pd.DataFrame(columns)
    y = pd.Series(target_values.to_numpy(dtype=object), name=schema.target, dtype=object)
    return Dataset(X=X, y=y)


def check_classes(y: pd.Series, target: str, channel: str = "train") -> list[str]:
    """The sorted classes of the train channel; a classifier needs at least two."""
    classes = sorted(str(value) for value in pd.unique(y))
    if len(classes) < 2:
        raise DataValidationError(
            f"target column '{target}' has a single class '{classes[0]}' in the {channel} channel; "
            "a classifier needs at least 2 classes"
        )
    return classes


def check_stratifiable(y: pd.Series, held_out: float, parts: Sequence[str], source: str, flag: str) -> None:
    """Refuse a stratified split scikit-learn would reject, with a message saying how to fix it.

    ``parts`` names the splits the rows of ``source`` end up in (e.g. train/validation/test): every class
    needs at least one row per part, and scikit-learn's stratified split needs each side to hold at
    least one row per class.
    """
    counts = Counter(str(value) for value in y.tolist())
    needed = max(len(parts), 2)
    for label, count in sorted(counts.items()):
        if count < needed:
            raise DataValidationError(
                f"class '{label}' has {count} row(s) in {source}; a stratified {'/'.join(parts)} split "
                f"needs at least {needed} per class; add rows of that class or pass the held-out channels "
                "(--validation, --test)"
            )
    n_rows = len(y)
    n_held_out = math.ceil(held_out * n_rows)  # scikit-learn's rounding in train_test_split
    n_kept = n_rows - n_held_out
    for side, size in ((parts[-1], n_held_out), ("remaining", n_kept)):
        if size < len(counts):
            raise DataValidationError(
                f"the {side} split of {source} would hold {size} row(s) for {len(counts)} classes; "
                f"add rows or adjust --{flag}"
            )
