"""Real-time analysis of any number of documents, one result per document, offsets into the original.

Each document is cut into chunks under its operation's UTF-8 byte limit (`chunking`), chunks of the same
language are sent 25 to a Batch* call, and the answers are put back together per document with every
offset moved into the original text. A document whose language is needed and not given is first sent to
BatchDetectDominantLanguage. Throttling is retried (`retry`); anything that still fails becomes that
document's error, returned beside the other documents' results, never an exception for the whole input.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError

from client.text.chunking import Chunk, shift_offsets, split_text
from client.text.errors import ComprehendServiceError, TextInputError
from client.text.limits import (
    BATCH_SIZE,
    PII_LANGUAGES,
    SINGLE_DOCUMENT_OPERATIONS,
    SPECS,
    Analysis,
)
from client.text.retry import RetryPolicy, call_with_retries, error_code, error_message

# Errors no retry or other document can fix: the caller's credentials or permissions. Raised, not returned.
_FATAL_CODES = frozenset(
    {"AccessDeniedException", "UnrecognizedClientException", "ExpiredTokenException", "InvalidSignatureException"}
)
_SENTIMENT_SCORES = ("Positive", "Negative", "Neutral", "Mixed")


@dataclass(frozen=True)
class DocumentError:
    code: str
    message: str


@dataclass(frozen=True)
class DocumentResult:
    """The answer for one input document: `result` with offsets into the original text, or `error`."""

    index: int
    analysis: Analysis
    language: str | None
    chunks: int
    result: dict[str, Any] | None = None
    error: DocumentError | None = None

    def to_record(self) -> dict[str, Any]:
        """A JSON-lines record (what the Lambda function writes to S3)."""
        record: dict[str, Any] = {
            "Index": self.index,
            "Analysis": self.analysis.value,
            "LanguageCode": self.language,
            "Chunks": self.chunks,
        }
        if self.error is not None:
            record["Error"] = {"Code": self.error.code, "Message": self.error.message}
        else:
            record["Result"] = self.result
        return record


@dataclass(frozen=True)
class _Piece:
    document: int
    position: int
    chunk: Chunk
    language: str | None


class TextAnalyzer:
    """Runs one analysis over many documents through a Comprehend client.

    `use_batch=False` sends one document per call to the single-document operation instead of Batch*,
    with that operation's own limit (for endpoints that lack the batch calls, like the local emulator).
    `endpoint_arn` is required for `Analysis.CUSTOM_ENTITIES` (a custom recognizer's endpoint).
    """

    def __init__(
        self,
        client: Any,
        *,
        retry: RetryPolicy | None = None,
        use_batch: bool = True,
        endpoint_arn: str | None = None,
    ) -> None:
        self._client = client
        self._retry = retry or RetryPolicy()
        self._use_batch = use_batch
        self._endpoint_arn = endpoint_arn

    # -- public -----------------------------------------------------------------------------------------

    def analyze(
        self,
        documents: Sequence[str],
        analysis: Analysis,
        language: str | None = None,
        detected: Sequence[DocumentResult] | None = None,
    ) -> list[DocumentResult]:
        """One `DocumentResult` per document, in input order.

        `language` applies to every document. Without it, each document's language comes from
        `detected` (the output of `detect_languages` for the same documents, to detect once for several
        analyses) or, failing that, from a BatchDetectDominantLanguage call made here.
        """
        if detected is not None and len(detected) != len(documents):
            raise TextInputError(f"detected has {len(detected)} entries for {len(documents)} documents")
        spec = SPECS[analysis]
        if analysis is Analysis.CUSTOM_ENTITIES and not self._endpoint_arn:
            raise TextInputError("custom entities need the recognizer's endpoint ARN (endpoint_arn=...)")
        operation, max_bytes, batch = self._operation(analysis)
        if language is not None and spec.needs_language:
            supported = self.supported_languages(analysis)
            if language not in supported:
                raise TextInputError(
                    f"language {language!r} is not supported by {operation}; use one of {', '.join(supported)}"
                )

        errors: dict[int, DocumentError] = {}
        for index, text in enumerate(documents):
            if not text.strip():
                errors[index] = DocumentError("EMPTY_DOCUMENT", "the document has no text to analyse")

        languages: dict[int, str | None] = {index: language for index in range(len(documents))}
        if spec.needs_language and language is None:
            pending = [index for index in range(len(documents)) if index not in errors]
            found = (
                [detected[index] for index in pending]
                if detected is not None
                else self._detect([documents[index] for index in pending])
            )
            for index, outcome in zip(pending, found, strict=True):
                if outcome.error is not None:
                    errors[index] = outcome.error
                    continue
                code = outcome.language
                supported = self.supported_languages(analysis)
                if code not in supported:
                    errors[index] = DocumentError(
                        "UNSUPPORTED_LANGUAGE",
                        f"detected language {code!r} is not supported by {operation} "
                        f"(supported: {', '.join(supported)})",
                    )
                languages[index] = code

        pieces: list[_Piece] = []
        chunk_counts: dict[int, int] = {}
        for index, text in enumerate(documents):
            if index in errors:
                chunk_counts[index] = 0
                continue
            chunks = split_text(text, max_bytes)
            chunk_counts[index] = len(chunks)
            pieces.extend(_Piece(index, position, chunk, languages[index]) for position, chunk in enumerate(chunks))

        answers = self._run(pieces, operation, batch, spec.needs_language)
        return self._assemble(documents, analysis, languages, chunk_counts, errors, pieces, answers)

    def detect_languages(self, documents: Sequence[str]) -> list[DocumentResult]:
        """Each document's top language (`language`), judged from its first chunk; reusable as `detected`."""
        results: list[DocumentResult] = []
        nonempty = [index for index, text in enumerate(documents) if text.strip()]
        found = dict(zip(nonempty, self._detect([documents[index] for index in nonempty]), strict=True))
        for index in range(len(documents)):
            if index in found:
                outcome = found[index]
                results.append(
                    DocumentResult(
                        index, Analysis.DOMINANT_LANGUAGE, outcome.language, 1, outcome.result, outcome.error
                    )
                )
            else:
                error = DocumentError("EMPTY_DOCUMENT", "the document has no text to analyse")
                results.append(DocumentResult(index, Analysis.DOMINANT_LANGUAGE, None, 0, error=error))
        return results

    def supported_languages(self, analysis: Analysis) -> tuple[str, ...]:
        """Language codes the operation accepts, read from botocore's service model."""
        if analysis is Analysis.PII_ENTITIES:
            return tuple(sorted(PII_LANGUAGES))
        operation, _, _ = self._operation(analysis)
        shape = self._client.meta.service_model.operation_model(operation).input_shape
        member = shape.members.get("LanguageCode")
        return tuple(member.enum) if member is not None else ()

    # -- internals --------------------------------------------------------------------------------------

    def _operation(self, analysis: Analysis) -> tuple[str, int, bool]:
        spec = SPECS[analysis]
        if spec.batch and not self._use_batch:
            operation, max_bytes = SINGLE_DOCUMENT_OPERATIONS[analysis]
            return operation, max_bytes, False
        return spec.operation, spec.max_bytes, spec.batch

    def _detect(self, documents: Sequence[str]) -> list[DocumentResult]:
        """Top language per document, from its first chunk only (enough text to decide, one call per 25)."""
        operation, max_bytes, batch = self._operation(Analysis.DOMINANT_LANGUAGE)
        pieces = [_Piece(index, 0, split_text(text, max_bytes)[0], None) for index, text in enumerate(documents)]
        answers = self._run(pieces, operation, batch, needs_language=False)
        results: list[DocumentResult] = []
        for piece in pieces:
            answer = answers[(piece.document, 0)]
            if isinstance(answer, DocumentError):
                results.append(DocumentResult(piece.document, Analysis.DOMINANT_LANGUAGE, None, 1, error=answer))
                continue
            ranked = sorted(answer.get("Languages", []), key=lambda item: -float(item.get("Score", 0.0)))
            if not ranked:
                error = DocumentError("LANGUAGE_NOT_DETECTED", "Comprehend returned no language for the document")
                results.append(DocumentResult(piece.document, Analysis.DOMINANT_LANGUAGE, None, 1, error=error))
                continue
            code = str(ranked[0]["LanguageCode"])
            results.append(DocumentResult(piece.document, Analysis.DOMINANT_LANGUAGE, code, 1, result=answer))
        return results

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        method = getattr(self._client, xform_name(operation))
        response: dict[str, Any] = call_with_retries(self._retry, lambda: method(**params))
        return response

    def _run(
        self, pieces: list[_Piece], operation: str, batch: bool, needs_language: bool
    ) -> dict[tuple[int, int], dict[str, Any] | DocumentError]:
        answers: dict[tuple[int, int], dict[str, Any] | DocumentError] = {}
        if not batch:
            for piece in pieces:
                params: dict[str, Any] = {"Text": piece.chunk.text}
                if needs_language:
                    params["LanguageCode"] = piece.language
                if operation == "DetectEntities" and self._endpoint_arn and not needs_language:
                    params["EndpointArn"] = self._endpoint_arn
                try:
                    answers[(piece.document, piece.position)] = self._call(operation, params)
                except ClientError as error:
                    answers[(piece.document, piece.position)] = self._document_error(error)
            return answers

        by_language: dict[str | None, list[_Piece]] = defaultdict(list)
        for piece in pieces:
            by_language[piece.language].append(piece)
        for language, group in by_language.items():
            for start in range(0, len(group), BATCH_SIZE):
                calls = group[start : start + BATCH_SIZE]
                params = {"TextList": [piece.chunk.text for piece in calls]}
                if needs_language:
                    params["LanguageCode"] = language
                try:
                    response = self._call(operation, params)
                except ClientError as error:
                    failure = self._document_error(error)
                    for piece in calls:
                        answers[(piece.document, piece.position)] = failure
                    continue
                for item in response.get("ResultList", []):
                    piece = calls[int(item["Index"])]
                    answers[(piece.document, piece.position)] = {k: v for k, v in item.items() if k != "Index"}
                for item in response.get("ErrorList", []):
                    piece = calls[int(item["Index"])]
                    answers[(piece.document, piece.position)] = DocumentError(
                        str(item.get("ErrorCode", "Unknown")), str(item.get("ErrorMessage", ""))
                    )
                for piece in calls:
                    # A response that names neither a result nor an error for a document must not pass silently.
                    answers.setdefault(
                        (piece.document, piece.position),
                        DocumentError("MISSING_RESULT", f"{operation} returned no result for this document"),
                    )
        return answers

    @staticmethod
    def _document_error(error: ClientError) -> DocumentError:
        code = error_code(error)
        if code in _FATAL_CODES:
            raise ComprehendServiceError(code, error_message(error)) from error
        return DocumentError(code, error_message(error))

    @staticmethod
    def _assemble(
        documents: Sequence[str],
        analysis: Analysis,
        languages: dict[int, str | None],
        chunk_counts: dict[int, int],
        errors: dict[int, DocumentError],
        pieces: list[_Piece],
        answers: dict[tuple[int, int], dict[str, Any] | DocumentError],
    ) -> list[DocumentResult]:
        by_document: dict[int, list[_Piece]] = defaultdict(list)
        for piece in pieces:
            by_document[piece.document].append(piece)
        results: list[DocumentResult] = []
        for index in range(len(documents)):
            language = languages[index]
            count = chunk_counts[index]
            if index in errors:
                results.append(DocumentResult(index, analysis, language, count, error=errors[index]))
                continue
            failed = next(
                (
                    (piece, answer)
                    for piece in by_document[index]
                    if isinstance(answer := answers[(piece.document, piece.position)], DocumentError)
                ),
                None,
            )
            if failed is not None:
                piece, answer = failed
                assert isinstance(answer, DocumentError)
                where = f"chunk {piece.position + 1} of {count} (characters {piece.chunk.start}-{piece.chunk.end})"
                error = DocumentError(answer.code, f"{where}: {answer.message}")
                results.append(DocumentResult(index, analysis, language, count, error=error))
                continue
            parts = [(piece.chunk, answers[(piece.document, piece.position)]) for piece in by_document[index]]
            merged = _merge(analysis, [(chunk, answer) for chunk, answer in parts if isinstance(answer, dict)])
            results.append(DocumentResult(index, analysis, language, count, result=merged))
        return results


def _merge(analysis: Analysis, parts: list[tuple[Chunk, dict[str, Any]]]) -> dict[str, Any]:
    """One document's answer from its chunks' answers, offsets moved into the original text."""
    spec = SPECS[analysis]
    if analysis is Analysis.SENTIMENT:
        return _merge_sentiment(parts)
    if analysis is Analysis.DOMINANT_LANGUAGE:
        return _merge_languages(parts)
    items: list[Any] = []
    for chunk, answer in parts:
        items.extend(shift_offsets(answer.get(spec.result_key, []), chunk.start))
    return {spec.result_key: items}


def _merge_sentiment(parts: list[tuple[Chunk, dict[str, Any]]]) -> dict[str, Any]:
    """Per-chunk sentiment as segments, and a document score averaged over chunks by their length.

    Comprehend scores each chunk on its own; the document-level label is ours (the highest averaged score),
    not Comprehend's, and `Segments` keeps what Comprehend said for each span.
    """
    total = sum(chunk.end - chunk.start for chunk, _ in parts)
    averaged = dict.fromkeys(_SENTIMENT_SCORES, 0.0)
    segments: list[dict[str, Any]] = []
    for chunk, answer in parts:
        weight = (chunk.end - chunk.start) / total
        scores = answer.get("SentimentScore", {})
        for key in _SENTIMENT_SCORES:
            averaged[key] += weight * float(scores.get(key, 0.0))
        segments.append(
            {
                "BeginOffset": chunk.start,
                "EndOffset": chunk.end,
                "Sentiment": answer.get("Sentiment"),
                "SentimentScore": scores,
            }
        )
    if len(parts) == 1:
        chunk, answer = parts[0]
        return {
            "Sentiment": answer.get("Sentiment"),
            "SentimentScore": answer.get("SentimentScore"),
            "Segments": segments,
        }
    label = max(_SENTIMENT_SCORES, key=lambda key: averaged[key]).upper()
    return {"Sentiment": label, "SentimentScore": averaged, "Segments": segments}


def _merge_languages(parts: list[tuple[Chunk, dict[str, Any]]]) -> dict[str, Any]:
    total = sum(chunk.end - chunk.start for chunk, _ in parts)
    scores: dict[str, float] = defaultdict(float)
    for chunk, answer in parts:
        for item in answer.get("Languages", []):
            scores[str(item["LanguageCode"])] += float(item["Score"]) * (chunk.end - chunk.start) / total
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return {"Languages": [{"LanguageCode": code, "Score": score} for code, score in ranked]}
