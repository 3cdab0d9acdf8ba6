"""Every user and platform error of train.py: exit code, exact one-line reason, failure file, no artifact.

The runs go through ``train.main`` in-process under an emulated SageMaker contract (SM_* variables
rooted in a temporary directory), which is the code path the script takes; the script entry itself is
covered by test_training_script.py. What this cannot prove: that SageMaker surfaces the failure file
as the job's FailureReason (documented AWS behaviour, not observable without an account).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from training_support import HEADER, contract_environ, listing, penguin_lines, write_csv

from training import train

LINES = penguin_lines()
ADELIE = LINES[1:153]
GENTOO = LINES[153:277]
CHINSTRAP = LINES[277:]
COLUMNS = "species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year"


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stderr: str
    failure: str | None
    root: Path


@pytest.fixture
def job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    def run(channels: Mapping[str, Path], argv: Sequence[str] = (), **extra_env: str) -> Outcome:
        environ = contract_environ(tmp_path, channels, **extra_env)
        returncode = train.main(list(argv), environ=environ)
        failure = tmp_path / "output" / "failure"
        outcome = Outcome(
            returncode=returncode,
            stderr=capsys.readouterr().err,
            failure=failure.read_text() if failure.exists() else None,
            root=tmp_path,
        )
        # No artifact, whatever failed: the model dir is empty and no metrics were written.
        assert listing(tmp_path / "model") == []
        assert not (tmp_path / "output" / "data" / "metrics.json").exists()
        return outcome

    return run


def channel_file(tmp_path: Path, lines: Sequence[str], name: str = "train") -> Path:
    return write_csv(tmp_path / "input" / "data" / name / "data.csv", lines)


def replace(lines: Sequence[str], index: int, line: str) -> list[str]:
    changed = list(lines)
    changed[index] = line
    return changed


def assert_user_error(outcome: Outcome, reason: str) -> None:
    assert outcome.returncode == 2
    assert outcome.stderr == f"training failed: {reason}\n"
    assert outcome.failure == reason + "\n"


# (case id, train channel lines, flags, expected reason with {f} = the CSV file path)
def decimal_commas(lines: Sequence[str]) -> list[str]:
    """bill_length_mm written with a decimal comma in every row (quoted, as a spreadsheet exports it)."""
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[2] = cells[2] if cells[2] == "NA" else '"' + cells[2].replace(".", ",") + '"'
        out.append(",".join(cells))
    return out


def with_column(lines: Sequence[str], name: str, values: Callable[[int, list[str]], str]) -> list[str]:
    return [lines[0] + "," + name] + [line + "," + values(i, line.split(",")) for i, line in enumerate(lines[1:])]


DATA_CASES: list[tuple[str, list[str], list[str], str]] = [
    (
        "decimal-comma-numbers",
        decimal_commas(LINES),
        [],
        "{f} line 2: column 'bill_length_mm' holds numbers with a decimal comma ('39,1'); write them with a "
        "decimal point (39.1), or they train as categories",
    ),
    (
        "target-copy-differing-by-case",
        with_column(LINES, "Species", lambda _, cells: cells[0]),
        [],
        "{f}: column 'Species' equals the target 'species' up to letter case; as a feature it leaks the label "
        "(and serving would demand it): remove the column or pass it as --target",
    ),
    (
        "target-values-in-another-column",
        with_column(LINES, "kind", lambda _, cells: cells[0].upper()),
        [],
        "{f}: column 'kind' equals the target 'species' up to letter case; as a feature it leaks the label "
        "(and serving would demand it): remove the column or pass it as --target",
    ),
    (
        "identifier-column",
        with_column(LINES, "penguin_id", lambda i, _: f"P{i:04d}"),
        [],
        "column 'penguin_id' has 344 distinct values in 344 rows of the train channel: an identifier, not a "
        "feature (it would become one one-hot column per value); remove the column",
    ),
    (
        "header-only",
        [HEADER],
        [],
        "{f}: no data rows after the header; add at least one data row",
    ),
    (
        "missing-target",
        LINES,
        ["--target", "label"],
        f"{{f}}: target column 'label' not found (columns: {COLUMNS}); pass --target with one of them",
    ),
    (
        "text-in-numeric-column",
        replace(LINES, 6, "Adelie,Torgersen,abc,17.8,181,3625,female,2007"),
        [],
        "{f} line 7: column 'bill_length_mm' is numeric but holds 'abc'; write a number, or leave it "
        "empty or NA if missing",
    ),
    (
        "duplicate-header",
        replace(LINES, 0, HEADER.replace("sex", "island")),
        [],
        "{f}: duplicate column header 'island' (columns 2 and 7); rename one of them",
    ),
    (
        "blank-header",
        replace(LINES, 0, HEADER.replace("year", " ")),
        [],
        "{f}: column 8 has a blank header; give every column a name in the first row",
    ),
    (
        "single-class",
        [HEADER, *ADELIE],
        [],
        "target column 'species' has a single class 'Adelie' in the train channel; a classifier needs "
        "at least 2 classes",
    ),
    (
        "too-few-rows-of-a-class",
        [HEADER, *ADELIE[:40], *GENTOO[:2], *CHINSTRAP[:40]],
        [],
        "class 'Gentoo' has 2 row(s) in the train channel; a stratified train/validation/test split needs "
        "at least 3 per class; add rows of that class or pass the held-out channels (--validation, --test)",
    ),
    (
        "too-few-rows-for-the-test-split",
        [HEADER, *ADELIE[:3], *GENTOO[:3], *CHINSTRAP[:3]],
        [],
        "the test split of the train channel would hold 2 row(s) for 3 classes; add rows or adjust --test_size",
    ),
    (
        "field-count",
        replace(LINES, 3, LINES[3] + ",extra"),
        [],
        "{f} line 4: 9 fields but the header has 8; quote values that contain commas",
    ),
    (
        "empty-target-value",
        replace(LINES, 2, "," + LINES[2].split(",", 1)[1]),
        [],
        "{f} line 3: target column 'species' is empty; fill it in or remove the row",
    ),
    (
        "feature-without-values",
        [HEADER, *(line.rsplit(",", 1)[0] + ",NA" for line in LINES[1:])],
        [],
        "column 'year' has no values in the train channel; fill it in or remove the column",
    ),
    (
        "no-feature-column",
        ["species", "Adelie", "Gentoo"],
        [],
        "{f}: no feature column besides the target 'species'; add at least one feature column",
    ),
]


@pytest.mark.parametrize(
    ("lines", "argv", "reason"),
    [pytest.param(lines, argv, reason, id=case) for case, lines, argv, reason in DATA_CASES],
)
def test_bad_train_channel(
    job: Callable[..., Outcome], tmp_path: Path, lines: list[str], argv: list[str], reason: str
) -> None:
    path = channel_file(tmp_path, lines)
    outcome = job({"train": path.parent}, argv)
    assert_user_error(outcome, reason.format(f=path))


def test_empty_file(job: Callable[..., Outcome], tmp_path: Path) -> None:
    path = tmp_path / "input" / "data" / "train" / "data.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n  \n")
    assert_user_error(
        job({"train": path.parent}),
        f"{path}: file is empty; provide a CSV with a header row and at least one data row",
    )


def test_not_utf8(job: Callable[..., Outcome], tmp_path: Path) -> None:
    path = tmp_path / "input" / "data" / "train" / "data.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"species,island\n\xff\xfe,x\n")
    assert_user_error(
        job({"train": path.parent}),
        f"{path}: not UTF-8 text (invalid byte at offset 15); save the file as UTF-8",
    )


def test_channel_without_csv_file(job: Callable[..., Outcome], tmp_path: Path) -> None:
    channel = tmp_path / "input" / "data" / "train"
    channel.mkdir(parents=True)
    (channel / "data.txt").write_text(HEADER)
    assert_user_error(
        job({"train": channel}),
        f"{channel}: no .csv file in the train channel; put the data in files ending in .csv",
    )


def test_csv_files_of_a_channel_need_the_same_header(job: Callable[..., Outcome], tmp_path: Path) -> None:
    first = channel_file(tmp_path, LINES[:200])
    second = write_csv(first.parent / "more.csv", [HEADER.replace("year", "yr"), *LINES[200:]])
    assert_user_error(
        job({"train": first.parent}),
        f"{second}: header differs from {first}; every CSV file of the train channel needs the same "
        "columns in the same order",
    )


def test_no_train_channel(job: Callable[..., Outcome]) -> None:
    assert_user_error(
        job({}), "no training data: pass --train <csv file or directory> (under SageMaker, a 'train' channel)"
    )


def test_misspelt_channel(job: Callable[..., Outcome], tmp_path: Path) -> None:
    path = channel_file(tmp_path, LINES)
    outcome = job({"train": path.parent}, SM_CHANNELS=json.dumps(["train", "valdation"]))
    assert_user_error(
        outcome,
        "channel(s) valdation are not read by train.py; name the data channels train, validation and test",
    )


# (case id, validation channel lines, expected reason with {f} = the validation CSV path)
VALIDATION_CASES = [
    (
        "missing-column",
        [line.rsplit(",", 1)[0] for line in LINES[:60]],
        "{f}: the validation channel lacks column(s) 'year' that the train channel has; every channel "
        "needs the train channel's columns",
    ),
    (
        "extra-column",
        [LINES[0] + ",comment", *(line + ",x" for line in LINES[1:60])],
        "{f}: the validation channel has column(s) 'comment' that the train channel lacks; every channel "
        "needs the train channel's columns",
    ),
    (
        "unseen-class",
        [HEADER, "Emperor," + LINES[1].split(",", 1)[1], *LINES[2:60]],
        "{f} line 2: class 'Emperor' of the validation channel does not occur in the train channel; add "
        "train rows of that class or remove the row",
    ),
    (
        "text-in-numeric-column",
        [*LINES[:10], "Adelie,Dream,40.1,18.0,one hundred,3300,male,2008"],
        "{f} line 11: column 'flipper_length_mm' is numeric but holds 'one hundred'; write a number, or "
        "leave it empty or NA if missing",
    ),
]


@pytest.mark.parametrize(
    ("lines", "reason"), [pytest.param(lines, reason, id=case) for case, lines, reason in VALIDATION_CASES]
)
def test_bad_validation_channel(job: Callable[..., Outcome], tmp_path: Path, lines: list[str], reason: str) -> None:
    train_path = channel_file(tmp_path, LINES)
    validation_path = channel_file(tmp_path, lines, name="validation")
    outcome = job({"train": train_path.parent, "validation": validation_path.parent})
    assert_user_error(outcome, reason.format(f=validation_path))


HP_CASES = [
    (
        "not-an-integer",
        ["--max_depth", "abc"],
        {},
        "argument --max_depth: expected an integer, got 'abc'; run train.py --help for the accepted flags",
    ),
    (
        "unknown-estimator",
        ["--estimator", '"svm"'],
        {},
        "argument --estimator: expected one of random_forest, gradient_boosting, logistic_regression, "
        "got '\"svm\"'; run train.py --help for the accepted flags",
    ),
    (
        "misspelt-flag",
        ["--n_estimator", "5"],
        {},
        "unrecognized arguments: --n_estimator 5; run train.py --help for the accepted flags",
    ),
    (
        "bad-value-in-sm-hps",
        [],
        {"SM_HPS": json.dumps({"n_estimators": 0})},
        "argument --n_estimators: must be >= 1, got '0'; run train.py --help for the accepted flags",
    ),
    (
        "unknown-key-in-sm-hps",
        [],
        {"SM_HPS": json.dumps({"depth": 3, "sagemaker_program": "train.py"})},
        "SM_HPS has unknown hyperparameter(s) depth; accepted: estimator, n_estimators, max_depth, "
        "min_samples_leaf, seed, min_f1, target, test_size, validation_size",
    ),
    (
        "hold-outs-too-large",
        ["--test_size", "0.6", "--validation_size", "0.5"],
        {},
        "--test_size 0.6 plus --validation_size 0.5 leaves no training rows; their sum must be below 1",
    ),
]


@pytest.mark.parametrize(("argv", "env", "reason"), [pytest.param(a, e, r, id=case) for case, a, e, r in HP_CASES])
def test_bad_hyperparameter(
    job: Callable[..., Outcome], tmp_path: Path, argv: list[str], env: dict[str, str], reason: str
) -> None:
    path = channel_file(tmp_path, LINES)
    assert_user_error(job({"train": path.parent}, argv, **env), reason)


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"SM_NUM_CPUS": "0"}, "SM_NUM_CPUS must be a positive integer (got '0')"),
        ({"SM_HPS": "[1]"}, "SM_HPS must be a JSON object (got '[1]')"),
        (
            {"SM_CHANNELS": "train"},
            "SM_CHANNELS is not valid JSON (Expecting value); expected a JSON list of names",
        ),
    ],
)
def test_platform_error_exits_4_with_failure_file(
    job: Callable[..., Outcome], tmp_path: Path, env: dict[str, str], reason: str
) -> None:
    path = channel_file(tmp_path, LINES)
    outcome = job({"train": path.parent}, **env)
    assert outcome.returncode == 4
    assert outcome.stderr == f"training failed: {reason}\n"
    assert outcome.failure == reason + "\n"
