"""Evaluation gate, metrics.json, explicit channels and estimators, through ``train.main`` in-process.

Local runs (no SM_* variable): there is no failure file outside the contract. Metric values are
asserted for internal consistency (metrics.json = manifest = printed lines), not against a golden
number, except where the data makes the value certain.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from training_support import PENGUINS, penguin_lines, write_csv

from training import train

LINES = penguin_lines()


def local_argv(root: Path, *extra: str, train_path: Path = PENGUINS) -> list[str]:
    return [
        "--train",
        str(train_path),
        "--n_estimators",
        "5",
        "--model-dir",
        str(root / "build" / "model"),
        "--output-data-dir",
        str(root / "build"),
        "--artifact",
        str(root / "build" / "model.tar.gz"),
        *extra,
    ]


def noise(rows: int = 60) -> list[str]:
    """Labels unrelated to the only feature: no model can reach a validation macro F1 of 0.99."""
    return ["x,label"] + [f"{(i * 7919) % 97},{'ab'[(i * 31) % 7 % 2]}" for i in range(rows)]


def test_gate_below_threshold_fails_and_keeps_the_previous_artifact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build = tmp_path / "build"
    # What an earlier successful run left: a failed run must leave it in place (make plan keeps working).
    previous = ("model/model.joblib", "model/manifest.json", "model/code/inference.py", "model.tar.gz", "manifest.json")
    for name in previous:
        write_csv(build / name, ["previous"])
    data = write_csv(tmp_path / "noise.csv", noise())

    argv = [*local_argv(tmp_path, "--min_f1", "0.99", "--target", "label", train_path=data)]
    returncode = train.main(argv, environ={})

    captured = capsys.readouterr()
    metrics = json.loads((build / "metrics.json").read_text())
    value = metrics["validation"]["macro_f1"]
    assert returncode == 2
    assert captured.err == (
        f"training failed: evaluation gate failed: validation macro F1 {value:.4f} is below --min_f1 0.99; "
        "no model was written (improve the data or hyperparameters, or lower --min_f1)\n"
    )
    assert metrics["gate"] == {"metric": "validation.macro_f1", "threshold": 0.99, "value": value, "passed": False}
    assert {name: (build / name).read_text() for name in previous} == dict.fromkeys(previous, "previous\n")
    assert list(tmp_path.rglob("failure")) == []


def test_a_data_error_keeps_the_previous_artifact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build = tmp_path / "build"
    write_csv(build / "model.tar.gz", ["previous"])
    data = write_csv(tmp_path / "bad.csv", [LINES[0], LINES[1].replace("39.1", "abc"), *LINES[2:]])
    assert train.main(local_argv(tmp_path, train_path=data), environ={}) == 2
    assert (build / "model.tar.gz").read_text() == "previous\n"


def test_progress_lines_before_and_after_the_fit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train.main(local_argv(tmp_path, "--min_f1", "0.5"), environ={}) == 0
    lines = capsys.readouterr().out.splitlines()
    start = lines.index("fitting random_forest on 206 rows x 7 features ...")
    assert re.fullmatch(r"fit done in \d+\.\d s", lines[start + 1])


def test_metrics_json_has_every_metric_and_agrees_with_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train.main(local_argv(tmp_path, "--min_f1", "0.5"), environ={}) == 0
    stdout = capsys.readouterr().out
    build = tmp_path / "build"
    metrics = json.loads((build / "metrics.json").read_text())
    manifest = json.loads((build / "manifest.json").read_text())
    labels = ["Adelie", "Chinstrap", "Gentoo"]
    assert sorted(metrics) == ["gate", "test", "validation"]
    for split in ("validation", "test"):
        block = metrics[split]
        assert block["source"] == "train channel split"
        assert block["rows"] == 69
        assert block["confusion_matrix"]["labels"] == labels
        matrix = block["confusion_matrix"]["matrix"]
        assert sum(map(sum, matrix)) == 69
        assert [sum(row) for row in matrix] == [block["per_class"][label]["support"] for label in labels]
        assert block["accuracy"] == round(sum(matrix[i][i] for i in range(3)) / 69, 6)
        assert sorted(block["per_class"]["Adelie"]) == ["f1", "precision", "recall", "support"]
        assert 0.0 <= block["roc_auc"] <= 1.0
        summary = {name: block[name] for name in ("accuracy", "macro_f1", "roc_auc")}
        assert manifest["metrics"][split] == summary
        for name, value in summary.items():
            assert f"{split}:{name}={value:.6f}" in stdout.splitlines()
    assert metrics["gate"]["passed"] is True


def test_explicit_validation_and_test_channels_are_used_and_hashed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = LINES[1:]
    train_rows = [r for i, r in enumerate(rows) if i % 4 in (0, 1)]
    validation_rows = [r for i, r in enumerate(rows) if i % 4 == 2]
    test_rows = [r for i, r in enumerate(rows) if i % 4 == 3]
    train_path = write_csv(tmp_path / "data" / "train.csv", [LINES[0], *train_rows])
    validation_dir = tmp_path / "data" / "validation"
    first = write_csv(validation_dir / "a.csv", [LINES[0], *validation_rows[:40]])
    second = write_csv(validation_dir / "b.csv", [LINES[0], *validation_rows[40:]])
    test_path = write_csv(tmp_path / "data" / "test.csv", [LINES[0], *test_rows])

    argv = local_argv(tmp_path, "--validation", str(validation_dir), "--test", str(test_path), train_path=train_path)
    assert train.main(argv, environ={}) == 0
    capsys.readouterr()

    metrics = json.loads((tmp_path / "build" / "metrics.json").read_text())
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text())
    assert (metrics["validation"]["source"], metrics["validation"]["rows"]) == (
        "channel",
        len(validation_rows),
    )
    assert (metrics["test"]["source"], metrics["test"]["rows"]) == ("channel", len(test_rows))
    sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, second)}
    listing_text = f"{sha['a.csv']}  a.csv\n{sha['b.csv']}  b.csv\n"
    assert manifest["data_sha256"] == {
        "train": hashlib.sha256(train_path.read_bytes()).hexdigest(),
        "validation": hashlib.sha256(listing_text.encode()).hexdigest(),
        "test": hashlib.sha256(test_path.read_bytes()).hexdigest(),
    }


@pytest.mark.parametrize("estimator", ["gradient_boosting", "logistic_regression"])
def test_other_estimators_train_and_are_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], estimator: str
) -> None:
    assert train.main(local_argv(tmp_path, "--estimator", estimator, "--max_depth", "2"), environ={}) == 0
    capsys.readouterr()
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text())
    assert manifest["hyperparameters"]["estimator"] == estimator
    assert manifest["metrics"]["validation"]["macro_f1"] >= 0.9
