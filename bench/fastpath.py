"""Handler chain vs the raw evaluator vs the pipeline, in-process, per batch size (medians, interleaved).

- ``evaluator``: ``fastpath.Evaluator.predict_proba`` on ready columns (the model alone).
- ``chain csv`` / ``chain json``: ``input_fn`` -> ``predict_fn`` -> ``output_fn`` on a request body, as
  the container calls them (parsing, schema checks, evaluator, serialisation).
- ``pipeline``: ``Pipeline.predict_proba`` on the frame the slow path builds (what served before).

Target: chain <= 1.3x the evaluator at 1000 rows. The machine is shared: the three are measured in
rotation within each repetition and the medians are reported, with the ratio of medians.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import serve  # noqa: E402


def _time(call: Callable[[], Any], budget_s: float) -> float:
    """Mean ms of ``call`` over a short burst (at least 3 calls)."""
    call()
    count, started = 0, time.perf_counter()
    while count < 3 or time.perf_counter() - started < budget_s:
        call()
        count += 1
    return (time.perf_counter() - started) / count * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--budget", type=float, default=0.3, help="seconds per measurement burst")
    args = parser.parse_args()
    artifact = ROOT / "build" / "model.tar.gz"
    if not artifact.is_file():
        print("build/model.tar.gz is missing: run `make train` first", file=sys.stderr)
        return 2
    lines = (ROOT / "data" / "penguins.csv").read_text().splitlines()
    names = lines[0].split(",")[1:]
    data = [line.split(",", 1)[1] for line in lines[1:]]
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(artifact) as tar:
            tar.extractall(tmp, filter="data")
        handlers = serve.load_handlers(Path(tmp))
        model = handlers.model_fn(tmp)
        if model.fast is None:
            print("the artifact's pipeline has no fast path (fastpath.build returned None)", file=sys.stderr)
            return 2
        print(f"{artifact.name}: {type(model.pipeline.steps[-1][1]).__name__}; median ms of {args.repetitions} reps")
        heads = ["evaluator", "chain csv", "chain json", "pipeline"]
        print(f"  {'rows':>5}  " + "  ".join(f"{head:>10}" for head in heads) + "  chain/evaluator")
        for size in (1, 100, 1000):
            batch = (data * (size // len(data) + 1))[:size]
            csv_body = "\n".join(batch).encode()
            json_body = json.dumps(
                {"instances": [dict(zip(names, line.split(","), strict=True)) for line in batch]}
            ).encode()
            columns = handlers.to_columns(handlers.input_fn(csv_body, "text/csv"), model)
            frame = handlers.to_frame(handlers.input_fn(csv_body, "text/csv"), model)

            def chain(body: bytes, content_type: str) -> Callable[[], Any]:
                return lambda: handlers.output_fn(
                    handlers.predict_fn(handlers.input_fn(body, content_type), model), "application/json"
                )

            calls: dict[str, Callable[[], Any]] = {
                "evaluator": functools.partial(model.fast.predict_proba, columns),
                "chain csv": chain(csv_body, "text/csv"),
                "chain json": chain(json_body, "application/json"),
                "pipeline": functools.partial(model.pipeline.predict_proba, frame),
            }
            samples: dict[str, list[float]] = {name: [] for name in calls}
            for _ in range(args.repetitions):
                for name, call in calls.items():
                    samples[name].append(_time(call, args.budget))
            median = {name: statistics.median(values) for name, values in samples.items()}
            ratios = [f"{kind} {median[f'chain {kind}'] / median['evaluator']:.2f}x" for kind in ("csv", "json")]
            print(f"  {size:>5}  " + "  ".join(f"{median[head]:>10.3f}" for head in heads) + "  " + ", ".join(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
