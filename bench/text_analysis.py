"""Client-side cost of real-time text analysis: chunking and offset mapping, no network.

    python bench/text_analysis.py [--runs 20]

Runs the 100-document corpus of tests/text/test_analysis.py (15 documents over the 5,000-byte Batch*
limit) through TextAnalyzer with a Comprehend client answered in process, and prints the median wall
time of splitting alone and of the whole analysis (request validation, serialisation, merging), plus
the number of chunks and calls. Comprehend's own latency is not in these numbers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from client.text.analysis import TextAnalyzer
from client.text.chunking import split_text, utf8_len
from client.text.limits import Analysis
from tests.text.fakes import FakeComprehend, penguin_service
from tests.text.test_analysis import corpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    documents = corpus()
    split_times: list[float] = []
    analyse_times: list[float] = []
    calls = 0
    for _ in range(args.runs):
        start = time.perf_counter()
        chunks = sum(len(split_text(text, 5_000)) for text in documents)
        split_times.append(time.perf_counter() - start)
        fake = FakeComprehend(penguin_service)
        start = time.perf_counter()
        TextAnalyzer(fake.client).analyze(documents, Analysis.ENTITIES)
        analyse_times.append(time.perf_counter() - start)
        calls = len(fake.calls)
    total = sum(utf8_len(text) for text in documents)
    print(f"corpus: {len(documents)} documents, {total:,} UTF-8 bytes, {chunks} chunks, {calls} calls")
    print(f"split_text median: {statistics.median(split_times) * 1000:.1f} ms over {args.runs} runs")
    print(f"analyze (in-process transport) median: {statistics.median(analyse_times) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
