"""Smoke invocation: a few rows of the held-out test split, sent as CSV and as JSON to a running server.

``python -m training.smoke --url http://127.0.0.1:8080``: rebuilds the test split the artifact was
evaluated on (same data, seed and sizes, from ``build/manifest.json``), sends the first rows in both
content types and prints each prediction beside the true label, with the round-trip latency.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from training import split, validation
from training.errors import UserError
from training.hyperparameters import Hyperparameters


class SmokeError(Exception):
    """The smoke invocation could not run or the server answered wrongly."""


@dataclass(frozen=True)
class Call:
    content_type: str
    status: int
    labels: list[str]
    confidence: list[float]
    latency_ms: float


@dataclass(frozen=True)
class SmokeResult:
    truth: list[str]
    csv: Call
    json: Call

    @property
    def agree(self) -> bool:
        return self.csv.labels == self.json.labels

    @property
    def correct(self) -> int:
        return sum(t == p for t, p in zip(self.truth, self.csv.labels, strict=True))


def test_rows(data: Path, manifest: dict[str, Any], rows: int) -> tuple[pd.DataFrame, list[str]]:
    """The first ``rows`` rows of the artifact's own test split, as raw feature values."""
    hp = Hyperparameters(**manifest["hyperparameters"])
    table = validation.load_channel("train", data)
    schema = validation.infer_schema(table, hp.target)
    dataset = validation.to_dataset(table, schema)
    test = split.make_splits(dataset, None, None, hp).test
    features = [f["name"] for f in manifest["features"]]
    return test.X[features].head(rows), [str(label) for label in test.y.head(rows)]


def _csv_body(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=True, na_rep="")
    return buffer.getvalue().encode()


def _json_body(frame: pd.DataFrame) -> bytes:
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return json.dumps({"instances": records}).encode()


def invoke(url: str, body: bytes, content_type: str, timeout: float = 10.0) -> Call:
    req = urllib.request.Request(
        f"{url.rstrip('/')}/invocations",
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            payload = json.loads(response.read())
            status = response.status
    except urllib.error.HTTPError as exc:
        raise SmokeError(f"{content_type} invocation answered HTTP {exc.code}: {exc.read().decode()[:200]}") from exc
    except (urllib.error.URLError, TimeoutError) as exc:
        raise SmokeError(f"no server at {url} ({exc}); start one with `make serve`") from exc
    latency = (time.perf_counter() - started) * 1000
    return Call(
        content_type=content_type,
        status=status,
        labels=[row["label"] for row in payload],
        confidence=[max(row["probabilities"].values()) for row in payload],
        latency_ms=latency,
    )


def smoke(url: str, data: Path, manifest_path: Path, rows: int) -> SmokeResult:
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SmokeError(f"cannot read {manifest_path} ({exc}); run `make train` first") from exc
    frame, truth = test_rows(data, manifest, rows)
    return SmokeResult(
        truth=truth,
        csv=invoke(url, _csv_body(frame), "text/csv"),
        json=invoke(url, _json_body(frame), "application/json"),
    )


def render(result: SmokeResult) -> str:
    lines = [f"{'row':>3}  {'true label':<10}  {'csv':<10}  {'json':<10}  confidence"]
    for i, truth in enumerate(result.truth):
        lines.append(
            f"{i + 1:>3}  {truth:<10}  {result.csv.labels[i]:<10}  {result.json.labels[i]:<10}"
            f"  {result.csv.confidence[i]:.2f}"
        )
    lines.append(
        f"{result.correct}/{len(result.truth)} correct; text/csv {result.csv.latency_ms:.1f} ms, "
        f"application/json {result.json.latency_ms:.1f} ms (round trip, {len(result.truth)} rows each)"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.smoke", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--data", type=Path, default=Path("data/penguins.csv"))
    parser.add_argument("--manifest", type=Path, default=Path("build/manifest.json"))
    parser.add_argument("--rows", type=int, default=5)
    args = parser.parse_args(argv)
    try:
        result = smoke(args.url, args.data, args.manifest, args.rows)
    except (SmokeError, UserError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render(result))
    if not result.agree:
        print("error: CSV and JSON answers disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
