"""Cold wall time of the offline plan export per stack (fresh interpreter per run), medians."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (ROOT / "build" / "model.tar.gz").is_file():
        print("build/model.tar.gz is missing: run `make train` first", file=sys.stderr)
        return 2
    print(f"python -m offline.plan --stack S --json, {args.runs} cold runs per stack, interleaved")
    timings: dict[str, list[float]] = {"dev": [], "staging": [], "prod": []}
    for _ in range(args.runs):
        for stack, samples in timings.items():
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "offline.plan", "--stack", stack, "--json"],
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            samples.append(time.perf_counter() - started)
    for stack, samples in timings.items():
        print(
            f"  {stack:8s} median {statistics.median(samples):6.2f} s"
            f"   min {min(samples):6.2f} s   max {max(samples):6.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
