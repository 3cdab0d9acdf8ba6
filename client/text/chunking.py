"""Split a document into pieces under a UTF-8 byte limit, at sentence boundaries, and map offsets back.

Comprehend rejects a document over its operation's byte limit (TextSizeLimitExceededException) and
analyses each Batch* document on its own, so a long document is sent as several contiguous chunks. Cuts
fall after sentence-ending punctuation or line breaks; a sentence longer than the limit is cut at the
last whitespace that fits and, failing that, at the last code point that fits (never inside a UTF-8
sequence). Chunks are contiguous slices of the original: `text[chunk.start:chunk.end] == chunk.text`,
so an offset `o` in a chunk's answer is `chunk.start + o` in the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from client.text.limits import OFFSET_KEYS

# A sentence ends after . ! ? (or their full-width forms and the ideographic full stop), optionally
# followed by closing quotes or brackets, and the whitespace after it; a line break also ends one.
_SENTENCE_END = re.compile(r"(?:[.!?\u3002\uff01\uff1f][\"'\u201d\u2019)\]]*\s+|\n+)")


@dataclass(frozen=True)
class Chunk:
    """A contiguous piece of a document: its text and its code-point span in the original."""

    start: int
    end: int
    text: str


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Contiguous spans covering `text`, each a sentence with the whitespace that follows it."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > start:
            spans.append((start, match.end()))
            start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _longest_prefix(text: str, start: int, end: int, max_bytes: int) -> int:
    """The largest `cut` in (start, end] with text[start:cut] within max_bytes, cut at whitespace if any."""
    budget = max_bytes
    cut = start
    for index in range(start, end):
        budget -= utf8_len(text[index])
        if budget < 0:
            break
        cut = index + 1
    if cut == start:
        raise ValueError(f"max_bytes={max_bytes} cannot hold one character")
    if cut < end:
        # Prefer to cut after the last whitespace inside the piece, so no word is split in two.
        for index in range(cut - 1, start, -1):
            if text[index].isspace():
                return index + 1
    return cut


def split_text(text: str, max_bytes: int) -> list[Chunk]:
    """Contiguous chunks of `text`, each at most `max_bytes` UTF-8 bytes, cut at sentence boundaries.

    Sentences are packed greedily: a chunk takes whole sentences while they fit. Whitespace-only chunks are
    kept out (Comprehend has nothing to analyse in them), so the chunks cover every non-space character.
    """
    if max_bytes < 4:
        raise ValueError("max_bytes must be at least 4, the longest UTF-8 sequence")
    pieces: list[tuple[int, int]] = []
    for start, end in sentence_spans(text):
        while utf8_len(text[start:end]) > max_bytes:
            cut = _longest_prefix(text, start, end, max_bytes)
            pieces.append((start, cut))
            start = cut
        if start < end:
            pieces.append((start, end))

    chunks: list[Chunk] = []
    current_start: int | None = None
    current_end = 0
    current_bytes = 0
    for start, end in pieces:
        size = utf8_len(text[start:end])
        if current_start is not None and current_bytes + size <= max_bytes:
            current_end = end
            current_bytes += size
            continue
        if current_start is not None:
            chunks.append(Chunk(current_start, current_end, text[current_start:current_end]))
        current_start, current_end, current_bytes = start, end, size
    if current_start is not None:
        chunks.append(Chunk(current_start, current_end, text[current_start:current_end]))
    return [chunk for chunk in chunks if chunk.text.strip()]


def shift_offsets(value: Any, delta: int) -> Any:
    """A copy of a Comprehend answer with every BeginOffset/EndOffset moved by `delta` code points.

    Walks nested lists and dicts, so targeted sentiment's `Mentions` and syntax tokens move too.
    """
    if isinstance(value, list):
        return [shift_offsets(item, delta) for item in value]
    if isinstance(value, dict):
        shifted = {key: shift_offsets(item, delta) for key, item in value.items()}
        for key in OFFSET_KEYS:
            if isinstance(shifted.get(key), int):
                shifted[key] = shifted[key] + delta
        return shifted
    return value


def iter_offsets(value: Any) -> Iterator[tuple[int, int]]:
    """Every (BeginOffset, EndOffset) pair in a Comprehend answer, depth first."""
    if isinstance(value, list):
        for item in value:
            yield from iter_offsets(item)
    elif isinstance(value, dict):
        begin, end = value.get("BeginOffset"), value.get("EndOffset")
        if isinstance(begin, int) and isinstance(end, int):
            yield begin, end
        for item in value.values():
            yield from iter_offsets(item)
