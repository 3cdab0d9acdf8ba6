"""One exception base for the text library; user mistakes are distinct from service failures."""

from __future__ import annotations


class TextAnalysisError(Exception):
    """Base of every error this package raises."""


class TextInputError(TextAnalysisError):
    """The caller's input cannot be sent as given (wrong language, empty batch, bad S3 URI)."""


class ComprehendServiceError(TextAnalysisError):
    """Comprehend refused or failed a whole request after the retries we allow."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class JobFailedError(TextAnalysisError):
    """An asynchronous job ended in FAILED or STOPPED."""


class JobTimeoutError(TextAnalysisError):
    """An asynchronous job did not finish within the wait the caller allowed."""
