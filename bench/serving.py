"""In-process latency of the serving handlers per batch size, CSV vs JSON side by side (medians)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import serve  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    artifact = ROOT / "build" / "model.tar.gz"
    if not artifact.is_file():
        print("build/model.tar.gz is missing: run `make train` first", file=sys.stderr)
        return 2
    rows = (ROOT / "data" / "penguins.csv").read_text().splitlines()
    header, data = rows[0].split(",", 1)[1], [r.split(",", 1)[1] for r in rows[1:] if "NA" not in r]
    names = header.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(artifact) as tar:
            tar.extractall(tmp, filter="data")
        handlers = serve.load_handlers(Path(tmp))
        model = handlers.model_fn(tmp)
        print(f"handlers from {artifact.name}, {args.runs} runs per cell (median ms; p95 ms)")
        print(f"  {'rows':>6}  {'text/csv':>18}  {'application/json':>18}")
        for size in (1, 10, 100, 1000):
            batch = (data * (size // len(data) + 1))[:size]
            bodies = {
                "text/csv": "\n".join(batch).encode(),
                "application/json": json.dumps(
                    {"instances": [dict(zip(names, line.split(","), strict=True)) for line in batch]}
                ).encode(),
            }
            cells = []
            for content_type, body in bodies.items():
                samples = []
                for _ in range(args.runs if size < 1000 else max(20, args.runs // 10)):
                    started = time.perf_counter()
                    handlers.output_fn(
                        handlers.predict_fn(handlers.input_fn(body, content_type), model), "application/json"
                    )
                    samples.append((time.perf_counter() - started) * 1000)
                samples.sort()
                cells.append(f"{statistics.median(samples):7.2f}; {samples[int(len(samples) * 0.95) - 1]:7.2f}")
            print(f"  {size:>6}  {cells[0]:>18}  {cells[1]:>18}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
