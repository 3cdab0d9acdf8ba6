"""Comprehend's documented request limits, one record per real-time analysis.

Sources (checked 2026-12-01):
- botocore's Comprehend service model (2017-11-27), the `TextList`/`Text` member documentation: every
  Batch* operation takes at most 25 documents of at most 5 KB each; DetectEntities, DetectKeyPhrases,
  DetectDominantLanguage and DetectPiiEntities take 100 KB; DetectSentiment, DetectSyntax and
  DetectTargetedSentiment take 5 KB.
- Comprehend Developer Guide, "Guidelines and quotas": the same figures, "UTF-8 encoded characters";
  "Inputs for real-time custom analysis": a custom endpoint takes a UTF-8 text document of at most 10 KB.
- The guide writes the limits as "5 KB" and "5,000 bytes" in different places, so we read every "N KB" as
  N x 1000 bytes, the smaller reading: a chunk that fits 5,000 bytes also fits 5,120.

Offsets in every response count Unicode code points from the start of the text sent ("a multi-byte UTF-8
character maps to a single code point"), which is what Python's `str` indexing counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

BATCH_SIZE = 25
"""Documents per Batch* request (BatchSizeLimitExceededException above this)."""

BATCH_DOCUMENT_BYTES = 5_000
SINGLE_DOCUMENT_BYTES = 100_000
SINGLE_SHORT_DOCUMENT_BYTES = 5_000
CUSTOM_ENDPOINT_BYTES = 10_000

# DetectPiiEntities documents "English (en) or Spanish (es)" while its shape reuses the full LanguageCode
# enum, so the model alone would let an unsupported language through.
PII_LANGUAGES = frozenset({"en", "es"})


class Analysis(StrEnum):
    """The real-time analyses this library runs."""

    ENTITIES = "entities"
    KEY_PHRASES = "key_phrases"
    SENTIMENT = "sentiment"
    TARGETED_SENTIMENT = "targeted_sentiment"
    SYNTAX = "syntax"
    DOMINANT_LANGUAGE = "dominant_language"
    PII_ENTITIES = "pii_entities"
    CUSTOM_ENTITIES = "custom_entities"


@dataclass(frozen=True)
class ApiSpec:
    """How one analysis is called: the operation, its byte limit and where the answer sits."""

    analysis: Analysis
    operation: str
    """The botocore operation name (`BatchDetectEntities`)."""
    batch: bool
    """True for Batch* operations (TextList, up to 25), False for one document per call (Text)."""
    max_bytes: int
    """UTF-8 bytes one document (one chunk) may have in this operation."""
    needs_language: bool
    result_key: str
    """The list or value in each result that carries the answer (`Entities`, `KeyPhrases`, ...)."""


SPECS: dict[Analysis, ApiSpec] = {
    spec.analysis: spec
    for spec in (
        ApiSpec(Analysis.ENTITIES, "BatchDetectEntities", True, BATCH_DOCUMENT_BYTES, True, "Entities"),
        ApiSpec(Analysis.KEY_PHRASES, "BatchDetectKeyPhrases", True, BATCH_DOCUMENT_BYTES, True, "KeyPhrases"),
        ApiSpec(Analysis.SENTIMENT, "BatchDetectSentiment", True, BATCH_DOCUMENT_BYTES, True, "Sentiment"),
        ApiSpec(
            Analysis.TARGETED_SENTIMENT,
            "BatchDetectTargetedSentiment",
            True,
            BATCH_DOCUMENT_BYTES,
            True,
            "Entities",
        ),
        ApiSpec(Analysis.SYNTAX, "BatchDetectSyntax", True, BATCH_DOCUMENT_BYTES, True, "SyntaxTokens"),
        ApiSpec(
            Analysis.DOMINANT_LANGUAGE,
            "BatchDetectDominantLanguage",
            True,
            BATCH_DOCUMENT_BYTES,
            False,
            "Languages",
        ),
        # No Batch* operation exists for PII: one document per call, under the 100 KB single-document limit.
        ApiSpec(Analysis.PII_ENTITIES, "DetectPiiEntities", False, SINGLE_DOCUMENT_BYTES, True, "Entities"),
        # A custom recognizer answers only through DetectEntities with its endpoint ARN, one document per call;
        # the endpoint decides the language (the recognizer's), so none is sent.
        ApiSpec(Analysis.CUSTOM_ENTITIES, "DetectEntities", False, CUSTOM_ENDPOINT_BYTES, False, "Entities"),
    )
}

SINGLE_DOCUMENT_OPERATIONS: dict[Analysis, tuple[str, int]] = {
    # The one-document operation behind each Batch* one, with its own byte limit: used when a batch
    # operation is unavailable (the local emulator implements only some single-document calls).
    Analysis.ENTITIES: ("DetectEntities", SINGLE_DOCUMENT_BYTES),
    Analysis.KEY_PHRASES: ("DetectKeyPhrases", SINGLE_DOCUMENT_BYTES),
    Analysis.SENTIMENT: ("DetectSentiment", SINGLE_SHORT_DOCUMENT_BYTES),
    Analysis.TARGETED_SENTIMENT: ("DetectTargetedSentiment", SINGLE_SHORT_DOCUMENT_BYTES),
    Analysis.SYNTAX: ("DetectSyntax", SINGLE_SHORT_DOCUMENT_BYTES),
    Analysis.DOMINANT_LANGUAGE: ("DetectDominantLanguage", SINGLE_DOCUMENT_BYTES),
    Analysis.PII_ENTITIES: ("DetectPiiEntities", SINGLE_DOCUMENT_BYTES),
    Analysis.CUSTOM_ENTITIES: ("DetectEntities", CUSTOM_ENDPOINT_BYTES),
}

OFFSET_KEYS = ("BeginOffset", "EndOffset")
