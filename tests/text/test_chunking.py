"""Sentence chunking under a UTF-8 byte limit and offset shifting (pure functions)."""

from __future__ import annotations

import pytest

from client.text.chunking import Chunk, iter_offsets, sentence_spans, shift_offsets, split_text, utf8_len


def test_sentence_spans_cover_the_text_and_end_after_punctuation() -> None:
    text = "One. Two! Three?\nFour"
    assert sentence_spans(text) == [(0, 5), (5, 10), (10, 17), (17, 21)]


@pytest.mark.parametrize(
    ("text", "max_bytes", "expected"),
    [
        # Whole sentences packed while they fit: 5 + 5 bytes fit 10, the third starts a new chunk.
        ("Aaa. Bbb. Ccc.", 10, [Chunk(0, 10, "Aaa. Bbb. "), Chunk(10, 14, "Ccc.")]),
        # A sentence longer than the limit is cut at the last whitespace that fits.
        ("aaaa bbbb cccc", 10, [Chunk(0, 10, "aaaa bbbb "), Chunk(10, 14, "cccc")]),
        # No whitespace: cut at the last code point that fits; 'é' is 2 bytes and is never split.
        ("ééééé", 4, [Chunk(0, 2, "éé"), Chunk(2, 4, "éé"), Chunk(4, 5, "é")]),
        # The 4-byte emoji does not fit after 3 bytes under 6: it starts the next piece, whole.
        ("abc\U0001f427def", 6, [Chunk(0, 3, "abc"), Chunk(3, 6, "\U0001f427de"), Chunk(6, 7, "f")]),
        # Whitespace-only pieces are not sent.
        ("Hi.      \n\n", 4, [Chunk(0, 4, "Hi. ")]),
    ],
)
def test_split_text_exact_chunks(text: str, max_bytes: int, expected: list[Chunk]) -> None:
    assert split_text(text, max_bytes) == expected


def test_split_text_chunks_are_slices_of_the_original_within_the_limit() -> None:
    """Mixed scripts and an 11,060-byte text: every chunk is in bounds, contiguous, and loses no character."""
    sentence = "Le manchot papou (Pygoscélis papua) niche sur l'île 🐧. 企鹅在南极。 "
    text = sentence * 140
    chunks = split_text(text, 5_000)
    assert utf8_len(text) == 11_060
    assert all(utf8_len(chunk.text) <= 5_000 for chunk in chunks)
    assert all(text[chunk.start : chunk.end] == chunk.text for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks) == text
    # Cuts fall at sentence ends: every chunk but the last ends with the sentence's closing space.
    assert all(chunk.text.endswith("。 ") for chunk in chunks)


def test_split_text_rejects_a_limit_below_one_utf8_sequence() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        split_text("abc", 3)


def test_shift_offsets_moves_nested_offsets_and_leaves_the_input_alone() -> None:
    answer = {
        "Entities": [{"Type": "X", "BeginOffset": 1, "EndOffset": 4, "Mentions": [{"BeginOffset": 2, "EndOffset": 3}]}]
    }
    shifted = shift_offsets(answer, 100)
    assert shifted == {
        "Entities": [
            {"Type": "X", "BeginOffset": 101, "EndOffset": 104, "Mentions": [{"BeginOffset": 102, "EndOffset": 103}]}
        ]
    }
    assert answer["Entities"][0]["BeginOffset"] == 1
    assert list(iter_offsets(shifted)) == [(101, 104), (102, 103)]
