"""Pre-flight checks of recognizer training data: each problem one line naming file, line and fix.

What these tests cannot prove: that Comprehend accepts everything these checks pass (its trainer may
reject data for reasons it documents nowhere, e.g. too few documents mentioning an entity after its own
test split). They prove each documented rule is enforced with the exact line to fix.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from client.text import training_data
from client.text.training_data import Problem, TrainingData, validate, version_name

DATA = Path(__file__).resolve().parents[2] / "data" / "comprehend"
REPO = DATA.parents[1]


def write_set(tmp_path: Path, documents: str, annotations: str) -> TrainingData:
    docs = tmp_path / "documents.txt"
    docs.write_bytes(documents.encode("utf-8"))
    csv = tmp_path / "annotations.csv"
    csv.write_bytes(annotations.encode("utf-8"))
    return TrainingData(documents=(docs,), entity_types=("SPECIES",), annotations=csv)


def good_documents(count: int = 60) -> str:
    # 60 lines of 94 characters (95 bytes with the newline): 5,700 bytes, over the 5 KB corpus minimum.
    return "".join(
        f"Note {i:03d}: a Gentoo penguin was seen near the colony edge at dawn, the team wrote.{'.' * 13}\n"
        for i in range(count)
    )


def good_annotations(count: int = 30) -> list[str]:
    return ["File,Line,Begin Offset,End Offset,Type"] + [f"documents.txt,{i},12,18,SPECIES" for i in range(count)]


def test_the_bundled_example_passes_both_ways() -> None:
    documents = (DATA / "documents.txt",)
    for data in (
        TrainingData(documents=documents, entity_types=("SPECIES", "ISLAND"), annotations=DATA / "annotations.csv"),
        TrainingData(documents=documents, entity_types=("SPECIES", "ISLAND"), entity_list=DATA / "entity_list.csv"),
    ):
        report = validate(data)
        assert report.problems == []
        assert report.documents == 344
        assert report.corpus_bytes == 31_887
        assert report.examples_per_type == {"ISLAND": 344, "SPECIES": 344}


def test_the_bundled_example_is_what_the_generator_writes() -> None:
    result = subprocess.run(
        [sys.executable, str(DATA / "generate.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (0, "")


def test_the_good_set_used_below_passes(tmp_path: Path) -> None:
    data = write_set(tmp_path, good_documents(), "\n".join(good_annotations()) + "\n")
    assert validate(data).problems == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "documents.txt,3,12,140,SPECIES",
            "offsets 12-140 run past the end of line 3 of documents.txt (94 characters); "
            "offsets count characters from the start of the line, the first is 0",
        ),
        ("documents.txt,3,18,12,SPECIES", "Begin Offset 18 must be less than End Offset 12"),
        (
            "documents.txt,60,12,18,SPECIES",
            "Line 60 does not exist in documents.txt (60 lines, numbered from 0); Line counts document lines from 0",
        ),
        (
            "documents.txt,3,12,18,PENGUIN",
            "entity type 'PENGUIN' is not one of the recognizer's entity types (SPECIES); "
            "fix the label or declare the type",
        ),
        (
            "documents.txt,3,12,18,Species",
            "entity type 'Species' must be uppercase and underscore-separated (e.g. PRODUCT_CODE)",
        ),
        (
            "docs.txt,3,12,18,SPECIES",
            "File 'docs.txt' is not one of the documents (documents.txt); "
            "give the document file's name with its extension",
        ),
        ("documents.txt,three,12,18,SPECIES", "Line 'three' is not a line number (0 or more)"),
        (
            "documents.txt,3,12,18",
            "has 4 columns, the header 5 (File, Line, Begin Offset, End Offset, Type); "
            "quote values that contain commas",
        ),
    ],
)
def test_a_broken_annotation_is_one_line_naming_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    rows = good_annotations()
    rows.insert(5, row)  # CSV line 6: header is line 1, rows 0-3 are lines 2-5
    data = write_set(tmp_path, good_documents(), "\n".join(rows) + "\n")
    assert [str(p) for p in validate(data).problems] == [f"{tmp_path}/annotations.csv:6: {message}"]


def test_too_few_annotations_names_the_type_minimum_and_last_line(tmp_path: Path) -> None:
    data = write_set(tmp_path, good_documents(), "\n".join(good_annotations(24)) + "\n")
    assert validate(data).problems == [
        Problem(
            str(tmp_path / "annotations.csv"),
            25,
            "entity type SPECIES has 24 valid annotations; Comprehend needs at least 25 per entity type; "
            "annotate more mentions",
        )
    ]


def test_documents_problems_name_the_document_line(tmp_path: Path) -> None:
    lines = good_documents().splitlines()
    lines[2] = lines[2] + "\r"
    lines[4] = ""
    lines[7] = "x" * 5_001
    data = write_set(tmp_path, "\n".join(lines) + "\n", "\n".join(good_annotations()) + "\n")
    path = str(tmp_path / "documents.txt")
    assert [str(p) for p in validate(data).problems][:3] == [
        f"{path}:3: ends with a carriage return (Windows line ending); save the file with LF line endings",
        f"{path}:5: empty line: a document needs 1-5,000 bytes; remove it",
        f"{path}:8: document is 5,001 UTF-8 bytes, over Comprehend's 5,000 for training; "
        "split it into shorter documents",
    ]


def test_encoding_problems_name_the_line(tmp_path: Path) -> None:
    data = write_set(tmp_path, good_documents(), "\n".join(good_annotations()) + "\n")
    data.documents[0].write_bytes(good_documents().encode() + b"caf\xe9\n")
    assert [str(p) for p in validate(data).problems] == [
        f"{tmp_path}/documents.txt:61: not valid UTF-8 (byte 5703); "
        "Comprehend reads UTF-8 only, re-save the file as UTF-8"
    ]
    assert data.annotations is not None
    data.annotations.write_bytes(b"\xef\xbb\xbf" + "\n".join(good_annotations()).encode() + b"\n")
    data.documents[0].write_text(good_documents(), encoding="utf-8")
    assert [str(p) for p in validate(data).problems] == [
        f"{tmp_path}/annotations.csv:1: starts with a UTF-8 byte-order mark, which shifts offsets and headers; "
        "save it as UTF-8 without BOM"
    ]


def test_corpus_and_document_count_minimums(tmp_path: Path) -> None:
    data = write_set(tmp_path, "Gentoo penguin one.\nGentoo two.\n", "File,Line,Begin Offset,End Offset,Type\n")
    messages = [str(p) for p in validate(data).problems]
    assert messages[:2] == [
        f"{tmp_path}/documents.txt:1: 2 documents in all; a recognizer trains on 3 to 120,000",
        f"{tmp_path}/documents.txt:1: documents total 32 bytes; Comprehend needs 5 KB (5,120 bytes) to 100 MB; "
        "add documents",
    ]


def test_header_must_name_the_documented_columns(tmp_path: Path) -> None:
    data = write_set(tmp_path, good_documents(), "File,Row,Start,End,Type\ndocuments.txt,0,12,18,SPECIES\n")
    assert [str(p) for p in validate(data).problems] == [
        f"{tmp_path}/annotations.csv:1: header 'File, Row, Start, End, Type' lacks Line, Begin Offset, End Offset; "
        "the first line must be File, Line, Begin Offset, End Offset, Type",
        f"{tmp_path}/annotations.csv:1: entity type SPECIES has 0 valid annotations; "
        "Comprehend needs at least 25 per entity type; annotate more mentions",
    ]


def test_one_document_per_file_has_no_line_column(tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        path = tmp_path / f"note{i}.txt"
        path.write_text("A Gentoo penguin. " * 100, encoding="utf-8")  # 1,800 bytes each, 5,400 in all
        paths.append(path)
    rows = ["File,Begin Offset,End Offset,Type"] + [
        f"note{i % 3}.txt,{2 + 18 * i},{8 + 18 * i},SPECIES" for i in range(25)
    ]
    rows.append("note0.txt,1795,1801,SPECIES")
    csv = tmp_path / "annotations.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = TrainingData(documents=tuple(paths), entity_types=("SPECIES",), annotations=csv, one_doc_per_line=False)
    assert [str(p) for p in validate(data).problems] == [
        f"{csv}:27: offsets 1795-1801 run past the end of note0.txt (1800 characters); "
        "offsets count characters from the start of the line, the first is 0"
    ]


def test_entity_list_needs_25_matches_per_type(tmp_path: Path) -> None:
    docs = tmp_path / "documents.txt"
    docs.write_text(good_documents(), encoding="utf-8")
    entity_list = tmp_path / "entities.csv"
    entity_list.write_text("Text,Type\nGentoo,SPECIES\nBiscoe,ISLAND\nbad type,island\n", encoding="utf-8")
    data = TrainingData(documents=(docs,), entity_types=("SPECIES", "ISLAND"), entity_list=entity_list)
    assert [str(p) for p in validate(data).problems] == [
        f"{entity_list}:4: entity type 'island' must be uppercase and underscore-separated (e.g. PRODUCT_CODE)",
        f"{entity_list}:3: entity type ISLAND matches 0 times in the documents; Comprehend needs at least 25 matches "
        "per entity type; add entries or documents",
    ]


def test_declared_entity_types_are_checked() -> None:
    data = TrainingData(
        documents=(DATA / "documents.txt",),
        entity_types=tuple(f"TYPE_{i}" for i in range(26)),
        annotations=DATA / "annotations.csv",
        entity_types_source="Pulumi.dev.yaml",
    )
    assert str(validate(data).problems[0]) == "Pulumi.dev.yaml: 26 entity types declared; a recognizer trains 1-25"


def test_cli_exit_codes_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--documents", str(DATA / "documents.txt"), "--entity-types", "SPECIES,ISLAND"]
    assert training_data.main([*args, "--annotations", str(DATA / "annotations.csv")]) == 0
    assert capsys.readouterr().out == (
        "training data OK: 344 documents, 31,887 bytes, examples per type: ISLAND=344, SPECIES=344\n"
    )
    broken = tmp_path / "annotations.csv"
    lines = (DATA / "annotations.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = "documents.txt,0,57,300,SPECIES"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert training_data.main([*args, "--annotations", str(broken)]) == 1
    captured = capsys.readouterr()
    assert captured.out == (
        f"{broken}:2: offsets 57-300 run past the end of line 0 of documents.txt (118 characters); "
        "offsets count characters from the start of the line, the first is 0\n"
    )
    assert captured.err == "1 problem(s); fix them before training (training is billed)\n"
    assert training_data.main([*args, "--annotations", str(tmp_path / "missing.csv")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path}/missing.csv does not exist or is not a file; check the path\n"


def test_module_entry_point_runs() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "client.text.training_data",
            "--documents",
            "data/comprehend/documents.txt",
            "--entity-list",
            "data/comprehend/entity_list.csv",
            "--entity-types",
            "SPECIES,ISLAND",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("training data OK: 344 documents")


def test_version_name_changes_exactly_with_the_training_data(tmp_path: Path) -> None:
    data = write_set(tmp_path, good_documents(), "\n".join(good_annotations()) + "\n")
    first = version_name(data)
    assert re.fullmatch(r"v-[0-9a-f]{16}", first)
    assert version_name(data) == first
    assert version_name(TrainingData(data.documents, ("SPECIES", "ISLAND"), data.annotations)) != first
    data.documents[0].write_text(good_documents(61), encoding="utf-8")
    assert version_name(data) != first


def test_version_name_of_the_bundled_example_is_pinned() -> None:
    """A change to the example data must show up here as a new recognizer version."""
    data = TrainingData((DATA / "documents.txt",), ("SPECIES", "ISLAND"), DATA / "annotations.csv")
    assert version_name(data) == version_name(
        TrainingData((DATA / "documents.txt",), ("ISLAND", "SPECIES"), DATA / "annotations.csv")
    )
    assert version_name(data) == "v-095c3967dbabe70a"
