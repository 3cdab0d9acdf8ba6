"""A data-quality baseline in SageMaker Model Monitor's format, computed offline from the training CSV.

    python -m monitoring.baseline --data data/penguins.csv --manifest build/manifest.json --out build/baseline

Writes `statistics.json` and `constraints.json` following the schemas of the prebuilt Model Monitor
container (AWS docs: "Schema for Statistics (statistics.json file)" and "Schema for Constraints
(constraints.json file)"). The data-quality job compares captured requests against them. Captured
requests carry the feature columns only, in the order the model takes them, so the baseline covers
exactly the manifest's features, in manifest order (never the target).

The prebuilt container is built on Deequ, whose conventions we follow: population standard deviation,
a KLL quantile sketch with k=2048 and shrinking factor c=0.64, and the distribution materialised in
10 buckets. Output is deterministic (sorted keys, no timestamps, no randomness).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from monitoring.errors import MonitoringError, UserInputError

FeatureKind = Literal["numeric", "categorical"]
ComparisonMethod = Literal["Simple", "Robust"]

KLL_SKETCH_SIZE = 2048  # "k": Deequ's default sketch size
KLL_SHRINKING_FACTOR = 0.64  # "c": Deequ's default shrinking factor
DISTRIBUTION_BUCKETS = 10  # Model Monitor materialises distributions in 10 buckets (not configurable)
SCHEMA_VERSION = 0


@dataclass(frozen=True)
class Feature:
    name: str
    kind: FeatureKind


@dataclass(frozen=True)
class Manifest:
    """The training manifest: the target column, the feature columns in model order, the classes."""

    target: str
    features: tuple[Feature, ...]
    classes: tuple[str, ...]

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)


@dataclass(frozen=True)
class ConstraintSettings:
    """`monitoring_config` of constraints.json; the defaults are those the AWS schema page documents."""

    comparison_threshold: float = 0.1
    comparison_method: ComparisonMethod = "Robust"
    datatype_check_threshold: float = 0.1
    domain_content_threshold: float = 0.1

    def __post_init__(self) -> None:
        for name in ("comparison_threshold", "datatype_check_threshold", "domain_content_threshold"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise UserInputError(f"ConstraintSettings.{name} must be in [0, 1] (got {value})")
        if self.comparison_method not in ("Simple", "Robust"):
            raise UserInputError(f"comparison_method must be Simple or Robust (got {self.comparison_method!r})")


def parse_manifest(document: Any, source: str = "manifest") -> Manifest:
    """Validate the manifest JSON: `target`, `features` ([{"name", "kind"}]), `classes`."""
    if not isinstance(document, dict):
        raise UserInputError(f"{source}: expected a JSON object with target, features, classes")
    missing = [key for key in ("target", "features", "classes") if key not in document]
    if missing:
        raise UserInputError(f"{source}: missing key(s) {', '.join(missing)}")
    target = document["target"]
    if not isinstance(target, str) or not target:
        raise UserInputError(f"{source}: target must be a non-empty string")
    raw_features = document["features"]
    if not isinstance(raw_features, list) or not raw_features:
        raise UserInputError(f"{source}: features must be a non-empty list of {{name, kind}}")
    features: list[Feature] = []
    for i, item in enumerate(raw_features):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise UserInputError(f"{source}: features[{i}] must be an object with a non-empty name")
        if item.get("kind") not in ("numeric", "categorical"):
            raise UserInputError(
                f"{source}: features[{i}] ({item['name']}) kind must be numeric or categorical "
                f"(got {item.get('kind')!r})"
            )
        features.append(Feature(item["name"], item["kind"]))
    names = [f.name for f in features]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UserInputError(f"{source}: duplicate feature name(s) {', '.join(duplicates)}")
    if target in names:
        raise UserInputError(f"{source}: the target {target!r} is listed as a feature")
    classes = document["classes"]
    if not isinstance(classes, list) or not all(isinstance(c, str | int) for c in classes):
        raise UserInputError(f"{source}: classes must be a list of class labels")
    return Manifest(target, tuple(features), tuple(str(c) for c in classes))


def load_manifest(path: Path) -> Manifest:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserInputError(f"manifest not found: {path} (train first: it writes manifest.json)") from None
    except json.JSONDecodeError as error:
        raise UserInputError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
    return parse_manifest(document, str(path))


def load_features(data: Path, manifest: Manifest) -> pd.DataFrame:
    """The manifest's feature columns of `data`, in manifest order; categorical columns kept as text."""
    try:
        header = pd.read_csv(data, nrows=0).columns
    except FileNotFoundError:
        raise UserInputError(f"data file not found: {data}") from None
    absent = [name for name in manifest.feature_names if name not in header]
    if absent:
        raise UserInputError(f"{data}: feature column(s) {', '.join(absent)} from the manifest are not in the CSV")
    # "NA" and empty cells are missing values (pandas' defaults include both).
    dtypes = {f.name: "string" for f in manifest.features if f.kind == "categorical"}
    frame = pd.read_csv(data, usecols=list(manifest.feature_names), dtype=dtypes)
    return frame[list(manifest.feature_names)]


def kll_sketch(values: Sequence[float], k: int = KLL_SKETCH_SIZE, c: float = KLL_SHRINKING_FACTOR) -> list[list[float]]:
    """A deterministic KLL quantile sketch (Deequ's non-sampling variant): one buffer per level.

    Level h holds items of weight 2**h. While the sketch holds at most its total capacity, level 0 is the
    input itself, in input order. A full level is sorted and compacted into the next by keeping every
    other item; the starting offset alternates per level (Deequ draws it at random, we alternate so the
    output is reproducible).
    """
    if k < 2:
        raise UserInputError(f"KLL sketch size must be >= 2 (got {k})")
    levels: list[list[float]] = [[]]
    compactions: list[int] = [0]

    def capacity(height: int) -> int:
        return 2 * math.ceil(k * c ** (len(levels) - height - 1)) + 1

    for value in values:
        levels[0].append(float(value))
        if sum(map(len, levels)) <= sum(capacity(h) for h in range(len(levels))):
            continue
        for height in range(len(levels)):
            if len(levels[height]) >= capacity(height):
                if height + 1 == len(levels):
                    levels.append([])
                    compactions.append(0)
                ordered = sorted(levels[height])
                keep_last = len(ordered) % 2 == 1
                offset = compactions[height] % 2
                compactions[height] += 1
                body = ordered[:-1] if keep_last else ordered
                levels[height + 1].extend(body[offset::2])
                levels[height] = [ordered[-1]] if keep_last else []
                if sum(map(len, levels)) <= sum(capacity(h) for h in range(len(levels))):
                    break
    return levels


def kll_buckets(values: Sequence[float], buckets: int = DISTRIBUTION_BUCKETS) -> list[dict[str, float]]:
    """`buckets` equal-width buckets over [min, max] with exact counts; the last bucket includes max."""
    low, high = min(values), max(values)
    if low == high:
        return [{"lower_bound": low, "upper_bound": high, "count": float(len(values))}]
    width = (high - low) / buckets
    counts = [0] * buckets
    for value in values:
        counts[min(int((value - low) / width), buckets - 1)] += 1
    return [
        {
            "lower_bound": low + i * width,
            "upper_bound": high if i == buckets - 1 else low + (i + 1) * width,
            "count": float(counts[i]),
        }
        for i in range(buckets)
    ]


def _numeric_feature(name: str, column: pd.Series) -> tuple[dict[str, Any], dict[str, Any]]:
    numbers = pd.to_numeric(column, errors="coerce")
    not_numbers = column[numbers.isna() & column.notna()]
    if len(not_numbers):
        raise UserInputError(f"feature {name!r} is declared numeric but holds {not_numbers.iloc[0]!r}")
    present = [float(v) for v in numbers.dropna()]
    if not present:
        raise UserInputError(f"feature {name!r} has no values at all; a baseline needs data")
    total = len(column)
    integral = all(v.is_integer() for v in present)
    inferred = "Integral" if integral else "Fractional"
    mean = math.fsum(present) / len(present)
    std_dev = math.sqrt(math.fsum((v - mean) ** 2 for v in present) / len(present))  # population, as Deequ
    statistics = {
        "name": name,
        "inferred_type": inferred,
        "numerical_statistics": {
            "common": {"num_present": len(present), "num_missing": total - len(present)},
            "mean": mean,
            "sum": math.fsum(present),
            "std_dev": std_dev,
            "min": min(present),
            "max": max(present),
            "distribution": {
                "kll": {
                    "buckets": kll_buckets(present),
                    "sketch": {
                        "parameters": {"c": KLL_SHRINKING_FACTOR, "k": float(KLL_SKETCH_SIZE)},
                        "data": kll_sketch(present),
                    },
                }
            },
        },
    }
    constraints = {
        "name": name,
        "inferred_type": inferred,
        "completeness": len(present) / total,
        "num_constraints": {"is_non_negative": min(present) >= 0},
    }
    return statistics, constraints


def _string_feature(name: str, column: pd.Series) -> tuple[dict[str, Any], dict[str, Any]]:
    present = [str(v) for v in column.dropna()]
    if not present:
        raise UserInputError(f"feature {name!r} has no values at all; a baseline needs data")
    counts: dict[str, int] = {}
    for value in present:
        counts[value] = counts.get(value, 0) + 1
    domain = sorted(counts)
    statistics = {
        "name": name,
        "inferred_type": "String",
        "string_statistics": {
            "common": {"num_present": len(present), "num_missing": len(column) - len(present)},
            "distinct_count": len(domain),
            "distribution": {"categorical": {"buckets": [{"value": v, "count": counts[v]} for v in domain]}},
        },
    }
    constraints = {
        "name": name,
        "inferred_type": "String",
        "completeness": len(present) / len(column),
        "string_constraints": {"domains": domain},
    }
    return statistics, constraints


def build_baseline(
    frame: pd.DataFrame, manifest: Manifest, settings: ConstraintSettings | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(statistics.json, constraints.json) documents for the manifest's features of `frame`."""
    settings = settings or ConstraintSettings()
    if len(frame) == 0:
        raise UserInputError("the data has no rows; a baseline needs data")
    stats_features: list[dict[str, Any]] = []
    constraint_features: list[dict[str, Any]] = []
    for feature in manifest.features:
        build = _numeric_feature if feature.kind == "numeric" else _string_feature
        stats, constraint = build(feature.name, frame[feature.name])
        stats_features.append(stats)
        constraint_features.append(constraint)
    statistics = {
        "version": SCHEMA_VERSION,
        "dataset": {"item_count": len(frame)},
        "features": stats_features,
    }
    constraints = {
        "version": SCHEMA_VERSION,
        "features": constraint_features,
        "monitoring_config": {
            "evaluate_constraints": "Enabled",
            # Without emitted metrics there is no feature_baseline_drift_* metric for the drift alarm.
            "emit_metrics": "Enabled",
            "datatype_check_threshold": settings.datatype_check_threshold,
            "domain_content_threshold": settings.domain_content_threshold,
            "distribution_constraints": {
                "perform_comparison": "Enabled",
                "comparison_threshold": settings.comparison_threshold,
                "comparison_method": settings.comparison_method,
            },
        },
    }
    return statistics, constraints


def dumps(document: dict[str, Any]) -> str:
    """Deterministic JSON: sorted keys, fixed indentation, trailing newline."""
    return json.dumps(document, sort_keys=True, indent=2, allow_nan=False) + "\n"


def write_baseline(
    data: Path, manifest_path: Path, out: Path, settings: ConstraintSettings | None = None
) -> list[Path]:
    manifest = load_manifest(manifest_path)
    statistics, constraints = build_baseline(load_features(data, manifest), manifest, settings)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, document in (("statistics.json", statistics), ("constraints.json", constraints)):
        path = out / filename
        path.write_text(dumps(document), encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m monitoring.baseline", description="Write a Model Monitor data-quality baseline."
    )
    parser.add_argument("--data", type=Path, required=True, help="training CSV with a header row")
    parser.add_argument("--manifest", type=Path, required=True, help="manifest.json written by training")
    parser.add_argument("--out", type=Path, required=True, help="directory for statistics.json and constraints.json")
    parser.add_argument("--comparison-threshold", type=float, default=ConstraintSettings.comparison_threshold)
    parser.add_argument(
        "--comparison-method", choices=["Simple", "Robust"], default=ConstraintSettings.comparison_method
    )
    args = parser.parse_args(argv)
    try:
        settings = ConstraintSettings(
            comparison_threshold=args.comparison_threshold, comparison_method=args.comparison_method
        )
        written = write_baseline(args.data, args.manifest, args.out, settings)
    except MonitoringError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
