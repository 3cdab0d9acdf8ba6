"""Pre-flight checks of the document classifier's training CSV (multi-class: `LABEL,text`, no header).

They prove the checks follow the formats this project reads from the Comprehend guide; they cannot prove
Comprehend accepts every file that passes (no account here).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from client.text.training_data import classifier_version_name, validate_classifier

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "comprehend" / "classifier.csv"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "classifier.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_the_example_passes_with_its_class_counts() -> None:
    report = validate_classifier(EXAMPLE)
    assert report.problems == []
    assert (report.documents, report.examples_per_type) == (344, {"BISCOE": 168, "DREAM": 124, "TORGERSEN": 52})
    assert classifier_version_name(EXAMPLE) == "v-afda356036ff3c29"


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "A,one\n" * 10 + "B,two,three\n" + "B,two\n" * 10,
            ["classifier.csv:11: has 3 columns; each row is LABEL,text (quote a text that contains commas)"],
        ),
        (
            "A,one\n" * 10 + ",nothing\n" + "B,two\n" * 10,
            ["classifier.csv:11: has no label; give every row a label and a text"],
        ),
        (
            "A,one\n" * 10 + "B,two\n" * 9,
            [
                "classifier.csv:19: class 'B' has 9 examples; a classifier needs at least 10 per class; "
                "add examples or drop the class"
            ],
        ),
        ("A,one\n" * 12, ["classifier.csv:1: has 1 class; multi-class training needs at least 2"]),
        (
            "A,one\n" * 10 + "\n" + "B,two\n" * 10,
            ["classifier.csv:11: is empty; remove the line"],
        ),
    ],
    ids=["extra-column", "no-label", "too-few-examples", "one-class", "empty-line"],
)
def test_each_problem_is_one_line_with_file_line_and_fix(tmp_path: Path, text: str, problems: list[str]) -> None:
    path = write(tmp_path, text)
    found = [str(p).replace(str(tmp_path) + "/", "") for p in validate_classifier(path).problems]
    assert found == problems


def test_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "classifier.csv"
    path.write_bytes(b"A,one\nB,caf\xe9\n")
    assert [str(p).replace(str(tmp_path) + "/", "") for p in validate_classifier(path).problems] == [
        "classifier.csv:2: not valid UTF-8 (byte 11); Comprehend reads UTF-8 only, re-save the file as UTF-8"
    ]


def test_the_version_changes_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE.read_text(encoding="utf-8") + "DREAM,One more Chinstrap note.\n")
    assert classifier_version_name(path) != classifier_version_name(EXAMPLE)
