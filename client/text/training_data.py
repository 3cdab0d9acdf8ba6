"""Pre-flight checks of a custom entity recognizer's training data, before a billed training starts.

Training a recognizer takes long and is billed by the hour, and Comprehend reports a bad file only when
the training fails. This module checks the plain-text formats Comprehend documents, locally:

- Documents: UTF-8; one document per line (`ONE_DOC_PER_LINE`) or per file (`ONE_DOC_PER_FILE`); each
  document 1-5,000 bytes; 3-120,000 documents; 5 KB-100 MB in all.
- Annotations CSV: header `File, Line, Begin Offset, End Offset, Type` (no `Line` column with one
  document per file); `File` names a document file with its extension; `Line` counts from 0; offsets are
  character offsets inside that line (first character 0, end exclusive); at least 25 annotations per
  entity type.
- Entity list CSV: header `Text, Type`; entries 1-5,000 characters after stripping; 1 to 1 million
  entries; at least 25 matches in the documents per entity type.
- Entity types: 1-25, uppercase and underscore-separated (no spaces, commas, tabs or line breaks), and
  every type used in a file must be one the recognizer declares.

Sources: Comprehend Developer Guide, "Guidelines and quotas" (plain text entity recognition, training),
"Plain-text annotation files", "Minimum number of annotations", "Entity lists (plaintext only)" (at least
25 entity matches per type; an older revision said 200) and the API reference of
EntityRecognizerInputDataConfig. Sizes in KB/MB are read the strict way for each bound (a minimum of
5 KB as 5,120 bytes, a maximum of 100 MB as 100,000,000).

Every problem is one line, `file:line: what is wrong; how to fix it`, with the CSV's own line number
(header = line 1) or the document file's line number (first line = 1). Values from the files are shown
escaped and cut short, never raw.

    python -m client.text.training_data --documents data/comprehend/documents.txt \\
        --annotations data/comprehend/annotations.csv --entity-types SPECIES,ISLAND

Exit codes: 0 the data passes; 1 problems found (one per line on stdout); 2 usage error or unreadable file.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MAX_DOCUMENT_BYTES = 5_000
MIN_DOCUMENTS = 3
MAX_DOCUMENTS = 120_000
MIN_CORPUS_BYTES = 5 * 1024
MAX_CORPUS_BYTES = 100_000_000
MIN_ANNOTATIONS_PER_TYPE = 25
MIN_ENTITY_LIST_MATCHES_PER_TYPE = 25
MAX_ENTITY_TYPES = 25
MAX_ENTITY_LIST_ITEMS = 1_000_000
MAX_ENTITY_LIST_ENTRY_CHARS = 5_000
# Document classifier, multi-class plain text (CSV `LABEL,text`, no header): at least two classes and, by
# the guide's minimums, 10 examples per class.
MIN_CLASSIFIER_CLASSES = 2
MIN_CLASSIFIER_EXAMPLES_PER_CLASS = 10

ANNOTATION_COLUMNS = ("File", "Line", "Begin Offset", "End Offset", "Type")
ENTITY_LIST_COLUMNS = ("Text", "Type")
ENTITY_TYPE = re.compile(r"[A-Z0-9]+(?:_[A-Z0-9]+)*")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class TrainingData:
    """The files of one recognizer, as `CreateEntityRecognizer` would receive them."""

    documents: tuple[Path, ...]
    entity_types: tuple[str, ...]
    annotations: Path | None = None
    entity_list: Path | None = None
    one_doc_per_line: bool = True
    entity_types_source: str = "--entity-types"
    """Where the declared entity types come from (a config file or flag), named in their problems."""


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    documents: int = 0
    corpus_bytes: int = 0
    examples_per_type: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def show(value: str, limit: int = 40) -> str:
    """A file's value safe for one log line: escaped (repr) and cut to `limit` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _decode(path: Path, data: bytes, report: Report) -> str | None:
    if data.startswith(_BOM):
        report.problems.append(
            Problem(
                str(path),
                1,
                "starts with a UTF-8 byte-order mark, which shifts offsets and headers; save it as UTF-8 without BOM",
            )
        )
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.problems.append(
            Problem(
                str(path),
                line,
                f"not valid UTF-8 (byte {error.start}); Comprehend reads UTF-8 only, re-save the file as UTF-8",
            )
        )
        return None


def _read(path: Path, report: Report) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        report.problems.append(Problem(str(path), 0, f"cannot be read ({error.strerror}); check the path"))
        return None
    return _decode(path, data, report)


def _document_lines(path: Path, text: str, one_doc_per_line: bool, report: Report) -> list[str]:
    """The documents of one file, each checked for size and line endings."""
    if not one_doc_per_line:
        documents = [text]
    else:
        documents = text.split("\n")
        if documents and documents[-1] == "":
            documents.pop()  # the newline that ends the last line does not start another document
    for number, document in enumerate(documents, start=1):
        size = len(document.encode("utf-8"))
        if one_doc_per_line and "\r" in document:
            report.problems.append(
                Problem(
                    str(path),
                    number,
                    "ends with a carriage return (Windows line ending); save the file with LF line endings",
                )
            )
        if size == 0:
            where = "empty line" if one_doc_per_line else "empty file"
            report.problems.append(Problem(str(path), number, f"{where}: a document needs 1-5,000 bytes; remove it"))
        elif size > MAX_DOCUMENT_BYTES:
            report.problems.append(
                Problem(
                    str(path),
                    number,
                    f"document is {size:,} UTF-8 bytes, over Comprehend's 5,000 for training; "
                    "split it into shorter documents",
                )
            )
    return documents


def _check_entity_types(data: TrainingData, report: Report) -> set[str]:
    declared = set(data.entity_types)
    if not 1 <= len(declared) <= MAX_ENTITY_TYPES:
        report.problems.append(
            Problem(data.entity_types_source, 0, f"{len(declared)} entity types declared; a recognizer trains 1-25")
        )
    for entity_type in data.entity_types:
        if not ENTITY_TYPE.fullmatch(entity_type):
            report.problems.append(
                Problem(
                    data.entity_types_source,
                    0,
                    f"entity type {show(entity_type)} must be uppercase and underscore-separated (e.g. PRODUCT_CODE)",
                )
            )
    return declared


def _csv_rows(path: Path, text: str, expected: tuple[str, ...], report: Report) -> list[tuple[int, dict[str, str]]]:
    """Rows keyed by the expected column names, with their line numbers; header problems reported."""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        header = next(reader)
    except StopIteration:
        report.problems.append(
            Problem(str(path), 1, f"is empty; the first line must be the header {', '.join(expected)}")
        )
        return []
    except csv.Error as error:
        report.problems.append(Problem(str(path), 1, f"is not valid CSV ({error}); write it with a CSV library"))
        return []
    names = [name.strip() for name in header]
    lowered = {name.lower(): position for position, name in enumerate(names)}
    missing = [column for column in expected if column.lower() not in lowered]
    if missing:
        report.problems.append(
            Problem(
                str(path),
                1,
                f"header {show(', '.join(names), 80)} lacks {', '.join(missing)}; "
                f"the first line must be {', '.join(expected)}",
            )
        )
        return []
    positions = {column: lowered[column.lower()] for column in expected}
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            number = reader.line_num
            if not values or all(not value.strip() for value in values):
                continue
            if len(values) != len(names):
                report.problems.append(
                    Problem(
                        str(path),
                        number,
                        f"has {len(values)} columns, the header {len(names)} ({', '.join(names)}); "
                        "quote values that contain commas",
                    )
                )
                continue
            rows.append((number, {column: values[position].strip() for column, position in positions.items()}))
    except csv.Error as error:
        report.problems.append(
            Problem(str(path), reader.line_num, f"is not valid CSV ({error}); write it with a CSV library")
        )
    return rows


def _integer(value: str) -> int | None:
    return int(value) if re.fullmatch(r"\d+", value) else None


def _type_problem(entity_type: str, declared: set[str]) -> str | None:
    if not ENTITY_TYPE.fullmatch(entity_type):
        return f"entity type {show(entity_type)} must be uppercase and underscore-separated (e.g. PRODUCT_CODE)"
    if entity_type not in declared:
        known = ", ".join(sorted(declared)) or "none"
        return (
            f"entity type {show(entity_type)} is not one of the recognizer's entity types ({known}); "
            "fix the label or declare the type"
        )
    return None


def _check_annotations(
    data: TrainingData, path: Path, documents: dict[str, list[str]], declared: set[str], report: Report
) -> None:
    text = _read(path, report)
    if text is None:
        return
    columns = ANNOTATION_COLUMNS if data.one_doc_per_line else tuple(c for c in ANNOTATION_COLUMNS if c != "Line")
    counts: Counter[str] = Counter()
    last_line: dict[str, int] = {}
    for number, row in _csv_rows(path, text, columns, report):
        problems: list[str] = []
        name = row["File"]
        lines = documents.get(name)
        if lines is None:
            problems.append(
                f"File {show(name)} is not one of the documents ({', '.join(sorted(documents))}); "
                "give the document file's name with its extension"
            )
        line_index = _integer(row["Line"]) if data.one_doc_per_line else 0
        if data.one_doc_per_line and line_index is None:
            problems.append(f"Line {show(row['Line'])} is not a line number (0 or more)")
        begin, end = _integer(row["Begin Offset"]), _integer(row["End Offset"])
        if begin is None or end is None:
            problems.append(
                f"Begin Offset {show(row['Begin Offset'])} and End Offset {show(row['End Offset'])} "
                "must be whole numbers (0 or more)"
            )
        elif begin >= end:
            problems.append(f"Begin Offset {begin} must be less than End Offset {end}")
        if lines is not None and line_index is not None:
            if line_index >= len(lines):
                if data.one_doc_per_line:
                    problems.append(
                        f"Line {line_index} does not exist in {name} ({len(lines)} lines, numbered from 0); "
                        "Line counts document lines from 0"
                    )
            elif begin is not None and end is not None and begin < end and end > len(lines[line_index]):
                where = f"line {line_index} of {name}" if data.one_doc_per_line else name
                problems.append(
                    f"offsets {begin}-{end} run past the end of {where} ({len(lines[line_index])} characters); "
                    "offsets count characters from the start of the line, the first is 0"
                )
        type_problem = _type_problem(row["Type"], declared)
        if type_problem:
            problems.append(type_problem)
        if problems:
            report.problems.append(Problem(str(path), number, "; ".join(problems)))
            continue
        counts[row["Type"]] += 1
        last_line[row["Type"]] = number
    report.examples_per_type = {entity_type: counts[entity_type] for entity_type in sorted(declared)}
    for entity_type in sorted(declared):
        if counts[entity_type] < MIN_ANNOTATIONS_PER_TYPE:
            report.problems.append(
                Problem(
                    str(path),
                    last_line.get(entity_type, 1),
                    f"entity type {entity_type} has {counts[entity_type]} valid annotations; Comprehend needs at least "
                    f"{MIN_ANNOTATIONS_PER_TYPE} per entity type; annotate more mentions",
                )
            )


def _check_entity_list(path: Path, documents: dict[str, list[str]], declared: set[str], report: Report) -> None:
    text = _read(path, report)
    if text is None:
        return
    rows = _csv_rows(path, text, ENTITY_LIST_COLUMNS, report)
    if not 1 <= len(rows) <= MAX_ENTITY_LIST_ITEMS:
        report.problems.append(Problem(str(path), 1, f"has {len(rows):,} entries; an entity list holds 1 to 1,000,000"))
    corpus = [line for lines in documents.values() for line in lines]
    matches: Counter[str] = Counter()
    first_line: dict[str, int] = {}
    for number, row in rows:
        problems: list[str] = []
        entry = row["Text"]
        if not 1 <= len(entry) <= MAX_ENTITY_LIST_ENTRY_CHARS:
            problems.append(f"entry is {len(entry):,} characters after stripping; entries are 1-5,000")
        type_problem = _type_problem(row["Type"], declared)
        if type_problem:
            problems.append(type_problem)
        if problems:
            report.problems.append(Problem(str(path), number, "; ".join(problems)))
            continue
        first_line.setdefault(row["Type"], number)
        # The list is case sensitive (Comprehend matches entries exactly as written).
        matches[row["Type"]] += sum(document.count(entry) for document in corpus)
    report.examples_per_type = {entity_type: matches[entity_type] for entity_type in sorted(declared)}
    for entity_type in sorted(declared):
        if matches[entity_type] < MIN_ENTITY_LIST_MATCHES_PER_TYPE:
            report.problems.append(
                Problem(
                    str(path),
                    first_line.get(entity_type, 1),
                    f"entity type {entity_type} matches {matches[entity_type]} times in the documents; "
                    f"Comprehend needs at least {MIN_ENTITY_LIST_MATCHES_PER_TYPE} matches per entity type; "
                    "add entries or documents",
                )
            )


def validate(data: TrainingData) -> Report:
    """Every problem in the training data, in file order; an empty `problems` list means it passes."""
    report = Report()
    if (data.annotations is None) == (data.entity_list is None):
        report.problems.append(Problem("training data", 0, "give exactly one of annotations or an entity list"))
        return report
    if not data.documents:
        report.problems.append(Problem("training data", 0, "no document files given"))
        return report
    declared = _check_entity_types(data, report)

    documents: dict[str, list[str]] = {}
    unreadable = False
    for path in data.documents:
        text = _read(path, report)
        if text is None:
            unreadable = True
            continue
        if path.name in documents:
            report.problems.append(
                Problem(
                    str(path),
                    0,
                    "has the same file name as another documents file; the File column could not tell them apart",
                )
            )
            continue
        documents[path.name] = _document_lines(path, text, data.one_doc_per_line, report)
        report.corpus_bytes += len(text.encode("utf-8"))
    report.documents = sum(len(lines) for lines in documents.values())
    first = str(data.documents[0])
    if documents and not MIN_DOCUMENTS <= report.documents <= MAX_DOCUMENTS:
        report.problems.append(
            Problem(first, 1, f"{report.documents:,} documents in all; a recognizer trains on 3 to 120,000")
        )
    if documents and not MIN_CORPUS_BYTES <= report.corpus_bytes <= MAX_CORPUS_BYTES:
        report.problems.append(
            Problem(
                first,
                1,
                f"documents total {report.corpus_bytes:,} bytes; Comprehend needs 5 KB ({MIN_CORPUS_BYTES:,} bytes) "
                f"to 100 MB; {'add' if report.corpus_bytes < MIN_CORPUS_BYTES else 'remove'} documents",
            )
        )
    if unreadable:
        # Every annotation or entry would be checked against a missing file: fix the documents first.
        return report
    if data.annotations is not None:
        _check_annotations(data, data.annotations, documents, declared, report)
    elif data.entity_list is not None:
        _check_entity_list(data.entity_list, documents, declared, report)
    return report


def version_name(data: TrainingData) -> str:
    """A recognizer `VersionName` that changes exactly when the training data or entity types change.

    CreateEntityRecognizer with a new VersionName trains a new version beside the old one, so a retrain
    is a new resource in the plan, never an in-place surprise. The name is `v-` and the first 16 hex
    digits of a SHA-256 over the entity types, the input format and every file's name and bytes
    (VersionName allows letters, digits and hyphens, at most 63 characters).
    """
    digest = hashlib.sha256()
    digest.update(",".join(sorted(data.entity_types)).encode())
    digest.update(b"ONE_DOC_PER_LINE" if data.one_doc_per_line else b"ONE_DOC_PER_FILE")
    for path in [*data.documents, *(p for p in (data.annotations, data.entity_list) if p is not None)]:
        content = path.read_bytes()
        digest.update(f"\0{path.name}\0{len(content)}\0".encode())
        digest.update(content)
    return f"v-{digest.hexdigest()[:16]}"


def validate_classifier(path: Path) -> Report:
    """Every problem in a multi-class classifier training CSV (`LABEL,text` per row, no header)."""
    report = Report()
    text = _read(path, report)
    if text is None:
        return report
    counts: Counter[str] = Counter()
    last_line: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            line = reader.line_num
            if not row:
                report.problems.append(Problem(str(path), line, "is empty; remove the line"))
                continue
            if len(row) != 2:
                report.problems.append(
                    Problem(
                        str(path),
                        line,
                        f"has {len(row)} columns; each row is LABEL,text (quote a text that contains commas)",
                    )
                )
                continue
            label, document = row[0].strip(), row[1].strip()
            if not label or not document:
                missing = "label" if not label else "text"
                report.problems.append(Problem(str(path), line, f"has no {missing}; give every row a label and a text"))
                continue
            counts[label] += 1
            last_line[label] = line
    except csv.Error as error:
        report.problems.append(Problem(str(path), reader.line_num, f"is not valid CSV ({error}); quote the text"))
        return report
    report.documents = sum(counts.values())
    report.corpus_bytes = len(text.encode("utf-8"))
    report.examples_per_type = dict(sorted(counts.items()))
    for label, count in sorted(counts.items()):
        if count < MIN_CLASSIFIER_EXAMPLES_PER_CLASS:
            report.problems.append(
                Problem(
                    str(path),
                    last_line[label],
                    f"class {show(label)} has {count} examples; a classifier needs at least "
                    f"{MIN_CLASSIFIER_EXAMPLES_PER_CLASS} per class; add examples or drop the class",
                )
            )
    if len(counts) < MIN_CLASSIFIER_CLASSES and not report.problems:
        report.problems.append(Problem(str(path), 1, f"has {len(counts)} class; multi-class training needs at least 2"))
    return report


def classifier_version_name(path: Path) -> str:
    """A classifier `VersionName` that changes exactly when its training file changes (see `version_name`)."""
    content = path.read_bytes()
    digest = hashlib.sha256(f"MULTI_CLASS\0{path.name}\0{len(content)}\0".encode())
    digest.update(content)
    return f"v-{digest.hexdigest()[:16]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m client.text.training_data",
        description="Check a custom entity recognizer's training data the way Comprehend documents it.",
    )
    parser.add_argument("--documents", type=Path, nargs="+", required=True, help="document file(s), UTF-8")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--annotations", type=Path, help="annotations CSV (File, Line, Begin Offset, End Offset, Type)")
    source.add_argument("--entity-list", type=Path, help="entity list CSV (Text, Type)")
    parser.add_argument("--entity-types", required=True, help="the recognizer's entity types, comma-separated")
    parser.add_argument("--one-doc-per-file", action="store_true", help="each documents file is one document")
    args = parser.parse_args(argv)
    for path in [*args.documents, args.annotations or args.entity_list]:
        if not path.is_file():
            print(f"error: {path} does not exist or is not a file; check the path", file=sys.stderr)
            return 2
    data = TrainingData(
        documents=tuple(args.documents),
        entity_types=tuple(item.strip() for item in args.entity_types.split(",") if item.strip()),
        annotations=args.annotations,
        entity_list=args.entity_list,
        one_doc_per_line=not args.one_doc_per_file,
    )
    report = validate(data)
    for problem in report.problems:
        print(problem)
    if report.problems:
        print(f"{len(report.problems)} problem(s); fix them before training (training is billed)", file=sys.stderr)
        return 1
    counts = ", ".join(f"{name}={count}" for name, count in report.examples_per_type.items())
    print(
        f"training data OK: {report.documents:,} documents, {report.corpus_bytes:,} bytes, examples per type: {counts}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
