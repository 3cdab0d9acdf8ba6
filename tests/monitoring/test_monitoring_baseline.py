"""The Model Monitor baseline: field names and values of statistics.json / constraints.json.

Field names follow the AWS schema pages for statistics.json and constraints.json; these tests prove our
files have that shape and exact values, not that the prebuilt analyzer container accepts them (only a
real monitoring job can).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from monitoring.baseline import (
    ConstraintSettings,
    Feature,
    Manifest,
    build_baseline,
    kll_buckets,
    kll_sketch,
    load_features,
    main,
    parse_manifest,
    write_baseline,
)
from monitoring.errors import UserInputError
from review.fixture import PENGUIN_CLASSES, PENGUIN_FEATURES

REPO = Path(__file__).resolve().parents[2]
PENGUINS_MANIFEST = {
    "target": "species",
    "features": PENGUIN_FEATURES,
    "classes": PENGUIN_CLASSES,
}


def _write(tmp_path: Path, csv: str, manifest: dict[str, Any]) -> tuple[Path, Path]:
    data, manifest_path = tmp_path / "data.csv", tmp_path / "manifest.json"
    data.write_text(csv)
    manifest_path.write_text(json.dumps(manifest))
    return data, manifest_path


TINY_CSV = "label,colour,size,weight\nA,red,1,0.5\nB,blue,3,NA\nA,red,NA,1.5\nB,NA,4,-2.0\n"
TINY_MANIFEST = {
    "target": "label",
    "features": [
        {"name": "weight", "kind": "numeric"},
        {"name": "colour", "kind": "categorical"},
        {"name": "size", "kind": "numeric"},
    ],
    "classes": ["A", "B"],
}


def test_tiny_dataset_statistics_exactly(tmp_path: Path) -> None:
    data, manifest_path = _write(tmp_path, TINY_CSV, TINY_MANIFEST)
    out = tmp_path / "baseline"
    write_baseline(data, manifest_path, out)
    statistics = json.loads((out / "statistics.json").read_text())
    assert statistics["version"] == 0
    assert statistics["dataset"] == {"item_count": 4}
    # Manifest order, features only (no target).
    assert [f["name"] for f in statistics["features"]] == ["weight", "colour", "size"]
    weight, colour, size = statistics["features"]
    assert weight["inferred_type"] == "Fractional"
    numbers = weight["numerical_statistics"]
    assert numbers["common"] == {"num_present": 3, "num_missing": 1}
    assert (numbers["mean"], numbers["sum"], numbers["min"], numbers["max"]) == (0.0, 0.0, -2.0, 1.5)
    assert numbers["std_dev"] == pytest.approx((((0.5**2) + (2.0**2) + (1.5**2)) / 3) ** 0.5)  # population
    kll = numbers["distribution"]["kll"]
    assert kll["sketch"] == {"parameters": {"c": 0.64, "k": 2048.0}, "data": [[0.5, 1.5, -2.0]]}
    assert [b["count"] for b in kll["buckets"]] == [1, 0, 0, 0, 0, 0, 0, 1, 0, 1]  # width 0.35 from -2
    assert size["inferred_type"] == "Integral"
    assert size["numerical_statistics"]["common"] == {"num_present": 3, "num_missing": 1}
    assert colour == {
        "name": "colour",
        "inferred_type": "String",
        "string_statistics": {
            "common": {"num_present": 3, "num_missing": 1},
            "distinct_count": 2,
            "distribution": {"categorical": {"buckets": [{"value": "blue", "count": 1}, {"value": "red", "count": 2}]}},
        },
    }


def test_tiny_dataset_constraints_exactly(tmp_path: Path) -> None:
    data, manifest_path = _write(tmp_path, TINY_CSV, TINY_MANIFEST)
    out = tmp_path / "baseline"
    write_baseline(data, manifest_path, out, ConstraintSettings(comparison_threshold=0.2, comparison_method="Simple"))
    assert json.loads((out / "constraints.json").read_text()) == {
        "version": 0,
        "features": [
            {
                "name": "weight",
                "inferred_type": "Fractional",
                "completeness": 0.75,
                "num_constraints": {"is_non_negative": False},
            },
            {
                "name": "colour",
                "inferred_type": "String",
                "completeness": 0.75,
                "string_constraints": {"domains": ["blue", "red"]},
            },
            {
                "name": "size",
                "inferred_type": "Integral",
                "completeness": 0.75,
                "num_constraints": {"is_non_negative": True},
            },
        ],
        "monitoring_config": {
            "evaluate_constraints": "Enabled",
            "emit_metrics": "Enabled",
            "datatype_check_threshold": 0.1,
            "domain_content_threshold": 0.1,
            "distribution_constraints": {
                "perform_comparison": "Enabled",
                "comparison_threshold": 0.2,
                "comparison_method": "Simple",
            },
        },
    }


def test_output_is_deterministic_with_sorted_keys(tmp_path: Path) -> None:
    data, manifest_path = _write(tmp_path, TINY_CSV, TINY_MANIFEST)
    first = [p.read_bytes() for p in write_baseline(data, manifest_path, tmp_path / "a")]
    second = [p.read_bytes() for p in write_baseline(data, manifest_path, tmp_path / "b")]
    assert first == second
    text = first[1].decode()
    assert text.index('"features"') < text.index('"monitoring_config"') < text.index('"version"')
    assert text.endswith("}\n")


@pytest.mark.parametrize(
    ("values", "kind", "expected_type"),
    [
        (["1", "2", "3"], "numeric", "Integral"),
        (["1.0", "2.0", "NA"], "numeric", "Integral"),
        (["1.5", "2", "3"], "numeric", "Fractional"),
        (["-7", "0", "7"], "numeric", "Integral"),
        (["1", "2", "3"], "categorical", "String"),
        (["x", "y", "NA"], "categorical", "String"),
    ],
)
def test_inferred_type(values: list[str], kind: str, expected_type: str) -> None:
    frame = pd.read_csv(
        __import__("io").StringIO("f\n" + "\n".join(values) + "\n"),
        dtype={"f": "string"} if kind == "categorical" else None,
    )
    manifest = Manifest("t", (Feature("f", kind),), ())  # type: ignore[arg-type]
    statistics, constraints = build_baseline(frame, manifest)
    assert statistics["features"][0]["inferred_type"] == expected_type
    assert constraints["features"][0]["inferred_type"] == expected_type


@pytest.mark.parametrize(
    ("values", "buckets", "expected"),
    [
        (
            [0.0, 1.0, 2.0, 3.0, 4.0],
            2,
            [
                {"lower_bound": 0.0, "upper_bound": 2.0, "count": 2.0},
                {"lower_bound": 2.0, "upper_bound": 4.0, "count": 3.0},
            ],
        ),
        ([5.0, 5.0, 5.0], 10, [{"lower_bound": 5.0, "upper_bound": 5.0, "count": 3.0}]),
        (
            [1.0, 10.0],
            3,
            [
                {"lower_bound": 1.0, "upper_bound": 4.0, "count": 1.0},
                {"lower_bound": 4.0, "upper_bound": 7.0, "count": 0.0},
                {"lower_bound": 7.0, "upper_bound": 10.0, "count": 1.0},
            ],
        ),
    ],
)
def test_kll_buckets(values: list[float], buckets: int, expected: list[dict[str, float]]) -> None:
    assert kll_buckets(values, buckets) == expected


def test_kll_sketch_keeps_small_inputs_verbatim() -> None:
    values = [float(v) for v in range(4097, 0, -1)]  # exactly the capacity of one level at k=2048
    assert kll_sketch(values) == [values]


@pytest.mark.parametrize(("n", "k"), [(50, 4), (1000, 8), (4098, 2048), (10_000, 16)])
def test_kll_sketch_compaction_preserves_total_weight(n: int, k: int) -> None:
    """Level h items weigh 2**h; compacting halves a level's count and doubles its weight: none is lost."""
    values = [float((i * 7919) % n) for i in range(n)]
    levels = kll_sketch(values, k=k)
    assert len(levels) > 1
    assert sum(len(level) * 2**h for h, level in enumerate(levels)) == n
    assert set().union(*map(set, levels)) <= set(values)
    assert sum(map(len, levels)) < n


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected a JSON object"),
        ({"target": "t", "features": []}, "missing key(s) classes"),
        ({"target": "", "features": [{"name": "a", "kind": "numeric"}], "classes": []}, "target must be"),
        ({"target": "t", "features": [], "classes": []}, "features must be a non-empty list"),
        ({"target": "t", "features": [{"kind": "numeric"}], "classes": []}, "features[0] must be an object"),
        (
            {"target": "t", "features": [{"name": "a", "kind": "text"}], "classes": []},
            "(a) kind must be numeric",
        ),
        (
            {"target": "t", "features": [{"name": "a", "kind": "numeric"}] * 2, "classes": []},
            "duplicate feature name(s) a",
        ),
        (
            {"target": "a", "features": [{"name": "a", "kind": "numeric"}], "classes": []},
            "the target 'a' is listed",
        ),
        (
            {"target": "t", "features": [{"name": "a", "kind": "numeric"}], "classes": "x"},
            "classes must be a list",
        ),
    ],
)
def test_manifest_validation(document: Any, message: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_manifest(document)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("label,colour,size,weight\n", "the data has no rows"),
        ("label,colour,size\nA,red,1\n", "feature column(s) weight from the manifest are not in the CSV"),
        (
            "label,colour,size,weight\nA,red,1,heavy\n",
            "feature 'weight' is declared numeric but holds 'heavy'",
        ),
        ("label,colour,size,weight\nA,red,1,NA\n", "feature 'weight' has no values at all"),
    ],
)
def test_data_errors_name_the_feature(tmp_path: Path, csv: str, message: str) -> None:
    data, manifest_path = _write(tmp_path, csv, TINY_MANIFEST)
    with pytest.raises(UserInputError) as caught:
        write_baseline(data, manifest_path, tmp_path / "out")
    assert message in str(caught.value)


def test_penguins_baseline_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest_path = tmp_path / "manifest.json"
    manifest_path.write_text(json.dumps(PENGUINS_MANIFEST))
    out = tmp_path / "baseline"
    code = main(["--data", str(REPO / "data" / "penguins.csv"), "--manifest", str(manifest_path), "--out", str(out)])
    assert code == 0
    assert capsys.readouterr().out == f"wrote {out / 'statistics.json'}, {out / 'constraints.json'}\n"
    statistics = json.loads((out / "statistics.json").read_text())
    constraints = json.loads((out / "constraints.json").read_text())
    assert statistics["dataset"]["item_count"] == 344
    summary = {
        f["name"]: (
            f["inferred_type"],
            (f.get("numerical_statistics") or f.get("string_statistics"))["common"],
        )
        for f in statistics["features"]
    }
    assert summary == {
        "island": ("String", {"num_present": 344, "num_missing": 0}),
        "bill_length_mm": ("Fractional", {"num_present": 342, "num_missing": 2}),
        "bill_depth_mm": ("Fractional", {"num_present": 342, "num_missing": 2}),
        "flipper_length_mm": ("Integral", {"num_present": 342, "num_missing": 2}),
        "body_mass_g": ("Integral", {"num_present": 342, "num_missing": 2}),
        "sex": ("String", {"num_present": 333, "num_missing": 11}),
        "year": ("Integral", {"num_present": 344, "num_missing": 0}),
    }
    bill = statistics["features"][1]["numerical_statistics"]
    assert (bill["min"], bill["max"], round(bill["sum"], 6)) == (32.1, 59.6, 15021.3)
    assert sum(b["count"] for b in bill["distribution"]["kll"]["buckets"]) == 342
    domains = {
        f["name"]: f["string_constraints"]["domains"] for f in constraints["features"] if "string_constraints" in f
    }
    assert domains == {"island": ["Biscoe", "Dream", "Torgersen"], "sex": ["female", "male"]}
    assert constraints["features"][5]["completeness"] == 333 / 344


def test_cli_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data", "data/penguins.csv", "--manifest", str(tmp_path / "missing.json"), "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert err == f"error: manifest not found: {tmp_path / 'missing.json'} (train first: it writes manifest.json)\n"


def test_features_are_read_in_manifest_order(tmp_path: Path) -> None:
    data, manifest_path = _write(tmp_path, TINY_CSV, TINY_MANIFEST)
    frame = load_features(data, parse_manifest(json.loads(manifest_path.read_text())))
    assert list(frame.columns) == ["weight", "colour", "size"]
    assert str(frame["colour"].dtype) == "string"
