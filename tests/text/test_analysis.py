"""Real-time analysis through a real botocore client whose transport answers like Comprehend.

What these tests cannot prove: that Comprehend's models find these entities (the fake finds them with a
regular expression) or that its throttling comes at these moments. They prove the requests are valid for
the service model, that no request exceeds a documented limit, and that offsets come back into the
original text for any chunking.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from client.text.analysis import DocumentError, TextAnalyzer
from client.text.chunking import split_text, utf8_len
from client.text.errors import ComprehendServiceError, TextInputError
from client.text.limits import Analysis
from client.text.retry import RetryPolicy
from tests.text.fakes import ENTITY_WORDS, FakeComprehend, FakeServiceError, penguin_service

SENTENCES = (
    "A Gentoo penguin was banded on Biscoe Island. ",
    "Les manchots Adélie (Pygoscélis) et un Adelie nichent à Torgersen 🐧. ",
    "Chinstrap colonies on Dream are smaller than those on Biscoe! ",
    "南極のペンギン Gentoo は泳ぐ。 ",
)


def corpus() -> list[str]:
    """100 documents: most short, every seventh over 5,000 UTF-8 bytes (up to 11 KB), multibyte text."""
    documents = []
    for index in range(100):
        repeats = 1 + index % 4 if index % 7 else 100 + index
        documents.append("".join(SENTENCES[(index + k) % 4] for k in range(repeats)))
    return documents


def expected_entities(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in ENTITY_WORDS.finditer(text)]


def no_sleep_policy(sleeps: list[float] | None = None) -> RetryPolicy:
    record = sleeps if sleeps is not None else []
    return RetryPolicy(max_attempts=3, base_delay=0.5, sleep=record.append, jitter=lambda low, high: high)


def test_100_documents_over_the_byte_limit_give_one_result_each_with_offsets_into_the_original() -> None:
    documents = corpus()
    long_ones = [text for text in documents if utf8_len(text) > 5_000]
    assert len(long_ones) == 15
    fake = FakeComprehend(penguin_service)

    results = TextAnalyzer(fake.client, retry=no_sleep_policy()).analyze(documents, Analysis.ENTITIES)

    assert [result.index for result in results] == list(range(100))
    for text, result in zip(documents, results, strict=True):
        assert result.error is None
        assert result.language == "en"
        assert result.result is not None
        found = [(e["BeginOffset"], e["EndOffset"], e["Text"]) for e in result.result["Entities"]]
        assert found == expected_entities(text)
        assert all(text[begin:end] == word for begin, end, word in found)
    # Language first (first chunk of each document), then the entities, 25 chunks per call at most.
    chunks = sum(len(split_text(text, 5_000)) for text in documents)
    operations = fake.operations()
    assert operations == ["BatchDetectDominantLanguage"] * 4 + ["BatchDetectEntities"] * math.ceil(chunks / 25)
    assert all(len(body["TextList"]) <= 25 for _, body in fake.calls)
    assert all(utf8_len(text) <= 5_000 for _, body in fake.calls for text in body["TextList"])
    assert {body["LanguageCode"] for name, body in fake.calls if name == "BatchDetectEntities"} == {"en"}
    assert sum(result.chunks for result in results) == chunks


def test_throttled_calls_are_retried_with_backoff() -> None:
    attempts: list[int] = []

    def throttled_twice(operation: str, body: dict[str, Any]) -> dict[str, Any]:
        attempts.append(1)
        if len(attempts) <= 2:
            raise FakeServiceError("ThrottlingException", "Rate exceeded")
        return penguin_service(operation, body)

    sleeps: list[float] = []
    fake = FakeComprehend(throttled_twice)
    results = TextAnalyzer(fake.client, retry=no_sleep_policy(sleeps)).analyze(
        ["A Gentoo on Biscoe."], Analysis.ENTITIES, "en"
    )
    assert sleeps == [0.5, 1.0]
    assert fake.operations() == ["BatchDetectEntities"] * 3
    assert results[0].result == {
        "Entities": [
            {"Score": 0.99, "Type": "OTHER", "Text": "Gentoo", "BeginOffset": 2, "EndOffset": 8},
            {"Score": 0.99, "Type": "OTHER", "Text": "Biscoe", "BeginOffset": 12, "EndOffset": 18},
        ]
    }


def test_exhausted_retries_and_item_errors_become_document_errors_beside_results() -> None:
    """A batch still throttled after 3 attempts fails only its own documents; an ErrorList item only its one."""

    def service(operation: str, body: dict[str, Any]) -> dict[str, Any]:
        if any("throttle me" in text for text in body["TextList"]):
            raise FakeServiceError("ThrottlingException", "Rate exceeded")
        return penguin_service(operation, body)

    documents = ["Adelie, throttle me."] + ["Gentoo. " * 10] * 24 + ["Dream. FAIL_THIS_DOCUMENT", "Biscoe."]
    fake = FakeComprehend(service)
    results = TextAnalyzer(fake.client, retry=no_sleep_policy()).analyze(documents, Analysis.ENTITIES, "en")

    assert [r.error is None for r in results] == [False] * 26 + [True]
    assert results[0].error == DocumentError("ThrottlingException", "chunk 1 of 1 (characters 0-20): Rate exceeded")
    assert results[24].error == DocumentError("ThrottlingException", "chunk 1 of 1 (characters 0-80): Rate exceeded")
    assert results[25].error == DocumentError("INTERNAL_SERVER_ERROR", "chunk 1 of 1 (characters 0-25): try again")
    assert results[26].result is not None
    assert [e["Text"] for e in results[26].result["Entities"]] == ["Biscoe"]
    # The first batch of 25 three times (all throttled), then the last two documents once.
    assert [len(body["TextList"]) for _, body in fake.calls] == [25, 25, 25, 2]


def test_access_denied_is_raised_not_returned() -> None:
    def denied(operation: str, body: dict[str, Any]) -> dict[str, Any]:
        raise FakeServiceError("AccessDeniedException", "not authorized to perform comprehend:BatchDetectEntities")

    analyzer = TextAnalyzer(FakeComprehend(denied).client, retry=no_sleep_policy())
    with pytest.raises(ComprehendServiceError, match=r"^AccessDeniedException: not authorized"):
        analyzer.analyze(["Gentoo"], Analysis.ENTITIES, "en")


def test_a_language_the_operation_does_not_take_is_a_caller_error() -> None:
    analyzer = TextAnalyzer(FakeComprehend(penguin_service).client)
    with pytest.raises(TextInputError) as raised:
        analyzer.analyze(["Hallo"], Analysis.SYNTAX, "ja")
    assert str(raised.value) == "language 'ja' is not supported by BatchDetectSyntax; use one of en, es, fr, de, it, pt"


def test_a_detected_language_the_operation_does_not_take_is_that_documents_error() -> None:
    def japanese(operation: str, body: dict[str, Any]) -> dict[str, Any]:
        assert operation == "BatchDetectDominantLanguage", "no syntax call may be made for unsupported text"
        return {
            "ResultList": [
                {"Index": i, "Languages": [{"LanguageCode": "ja", "Score": 0.9}, {"LanguageCode": "en", "Score": 0.1}]}
                for i in range(len(body["TextList"]))
            ],
            "ErrorList": [],
        }

    results = TextAnalyzer(FakeComprehend(japanese).client).analyze(["南極のペンギン。", ""], Analysis.SYNTAX)
    assert results[0].error == DocumentError(
        "UNSUPPORTED_LANGUAGE",
        "detected language 'ja' is not supported by BatchDetectSyntax (supported: en, es, fr, de, it, pt)",
    )
    assert results[1].error == DocumentError("EMPTY_DOCUMENT", "the document has no text to analyse")


def test_sentiment_of_a_long_document_keeps_each_chunk_and_averages_by_length() -> None:
    text = ("The colony is thriving this season. " * 150).strip()
    fake = FakeComprehend(penguin_service)
    (result,) = TextAnalyzer(fake.client).analyze([text], Analysis.SENTIMENT, "en")
    assert result.result is not None
    segments = result.result["Segments"]
    assert [(s["BeginOffset"], s["EndOffset"]) for s in segments] == [(0, 4968), (4968, 5399)]
    assert result.result["Sentiment"] == "POSITIVE"
    assert result.result["SentimentScore"] == pytest.approx(
        {"Positive": 0.7, "Negative": 0.1, "Neutral": 0.15, "Mixed": 0.05}
    )


def test_pii_has_no_batch_call_and_goes_one_document_per_call_under_100_kb() -> None:
    text = "Gentoo seen on Biscoe. " * 5_000  # 115,000 bytes
    fake = FakeComprehend(penguin_service)
    (result,) = TextAnalyzer(fake.client).analyze([text], Analysis.PII_ENTITIES, "en")
    assert fake.operations() == ["DetectPiiEntities", "DetectPiiEntities"]
    assert [utf8_len(body["Text"]) for _, body in fake.calls] == [99_981, 15_019]
    assert result.result is not None
    spans = [(e["BeginOffset"], e["EndOffset"]) for e in result.result["Entities"]]
    assert len(spans) == 10_000
    assert {text[begin:end] for begin, end in spans} == {"Gentoo", "Biscoe"}


def test_custom_entities_go_to_the_endpoint_in_chunks_of_at_most_10_kb() -> None:
    arn = "arn:aws:comprehend:us-east-1:123456789012:entity-recognizer-endpoint/penguins"
    text = "A Chinstrap on Dream. " * 700  # 15,400 bytes
    fake = FakeComprehend(penguin_service)
    (result,) = TextAnalyzer(fake.client, endpoint_arn=arn).analyze([text], Analysis.CUSTOM_ENTITIES)
    assert [sorted(body) for _, body in fake.calls] == [["EndpointArn", "Text"], ["EndpointArn", "Text"]]
    assert all(utf8_len(body["Text"]) <= 10_000 for _, body in fake.calls)
    assert result.language is None
    assert result.result is not None
    assert [text[e["BeginOffset"] : e["EndOffset"]] for e in result.result["Entities"]] == ["Chinstrap", "Dream"] * 700


def test_custom_entities_without_an_endpoint_is_a_caller_error() -> None:
    with pytest.raises(TextInputError, match=r"endpoint ARN"):
        TextAnalyzer(FakeComprehend(penguin_service).client).analyze(["x"], Analysis.CUSTOM_ENTITIES)


def test_single_document_mode_uses_the_detect_call_and_its_100_kb_limit() -> None:
    text = "Adelie. " * 2_000  # 16,000 bytes: one DetectEntities call instead of four Batch* chunks
    fake = FakeComprehend(penguin_service)
    (result,) = TextAnalyzer(fake.client, use_batch=False).analyze([text], Analysis.ENTITIES, "en")
    assert fake.operations() == ["DetectEntities"]
    assert fake.calls[0][1]["LanguageCode"] == "en"
    assert result.result is not None
    assert len(result.result["Entities"]) == 2_000


def test_detected_languages_are_reused_across_analyses() -> None:
    fake = FakeComprehend(penguin_service)
    analyzer = TextAnalyzer(fake.client)
    documents = ["A Gentoo.", "   ", "Biscoe Island."]
    detected = analyzer.detect_languages(documents)
    assert [d.language for d in detected] == ["en", None, "en"]
    analyzer.analyze(documents, Analysis.ENTITIES, detected=detected)
    analyzer.analyze(documents, Analysis.SENTIMENT, detected=detected)
    assert fake.operations() == ["BatchDetectDominantLanguage", "BatchDetectEntities", "BatchDetectSentiment"]


def test_syntax_tokens_and_targeted_sentiment_mentions_move_into_the_original() -> None:
    def tokens(operation: str, body: dict[str, Any]) -> dict[str, Any]:
        results: list[dict[str, Any]] = []
        for index, text in enumerate(body["TextList"]):
            words = [m for m in ENTITY_WORDS.finditer(text)]
            if operation == "BatchDetectSyntax":
                syntax = [
                    {
                        "TokenId": n + 1,
                        "Text": m.group(0),
                        "BeginOffset": m.start(),
                        "EndOffset": m.end(),
                        "PartOfSpeech": {"Tag": "PROPN", "Score": 0.99},
                    }
                    for n, m in enumerate(words)
                ]
                results.append({"Index": index, "SyntaxTokens": syntax})
            else:
                entities = [
                    {
                        "DescriptiveMentionIndex": [0],
                        "Mentions": [
                            {
                                "Score": 0.9,
                                "GroupScore": 1.0,
                                "Text": m.group(0),
                                "Type": "OTHER",
                                "MentionSentiment": {"Sentiment": "NEUTRAL"},
                                "BeginOffset": m.start(),
                                "EndOffset": m.end(),
                            }
                        ],
                    }
                    for m in words
                ]
                results.append({"Index": index, "Entities": entities})
        return {"ResultList": results, "ErrorList": []}

    text = "Gentoo chicks hatch on Biscoe. " * 300  # 9,300 bytes: two chunks
    analyzer = TextAnalyzer(FakeComprehend(tokens).client)
    (syntax,) = analyzer.analyze([text], Analysis.SYNTAX, "en")
    (targeted,) = analyzer.analyze([text], Analysis.TARGETED_SENTIMENT, "en")
    assert syntax.chunks == targeted.chunks == 2
    assert syntax.result is not None
    assert targeted.result is not None
    assert [text[t["BeginOffset"] : t["EndOffset"]] for t in syntax.result["SyntaxTokens"]] == [
        "Gentoo",
        "Biscoe",
    ] * 300
    mentions = [m for entity in targeted.result["Entities"] for m in entity["Mentions"]]
    assert [text[m["BeginOffset"] : m["EndOffset"]] for m in mentions] == ["Gentoo", "Biscoe"] * 300


def test_clients_built_here_leave_retries_to_the_retry_policy() -> None:
    from client.text.retry import comprehend_client

    client = comprehend_client("eu-west-1")
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert client.meta.region_name == "eu-west-1"
