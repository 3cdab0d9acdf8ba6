"""A real botocore Comprehend client whose transport is a Python function.

Every call goes through botocore as in production — parameter validation against the Comprehend service
model (botocore's ParamValidator), serialisation to the JSON protocol — and is answered by a handler on
the client's `before-call` event, before anything reaches the network. The answers are shaped like the
real service's (Index, ResultList, ErrorList, code-point offsets relative to the text sent) and are
checked against the operation's output shape, so a handler that invents a field fails the test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.stub import Stubber
from botocore.validate import ParamValidator

Responder = Callable[[str, dict[str, Any]], dict[str, Any]]

ENTITY_WORDS = re.compile(r"\b(?:Adelie|Chinstrap|Gentoo|Biscoe|Dream|Torgersen)\b")


class FakeServiceError(Exception):
    """Raised by a responder to make the fake answer with an AWS error response."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class FakeComprehend:
    """Records every request (already validated by botocore) and answers through `responder`."""

    responder: Responder
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    client: Any = None

    def __post_init__(self) -> None:
        config = Config(retries={"mode": "standard", "total_max_attempts": 1})
        self.client = boto3.client("comprehend", region_name="us-east-1", config=config)
        self.client.meta.events.register("before-call.comprehend.*", self._answer)

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]

    def _answer(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = json.loads(params["body"] or b"{}")
        # The client validated the request already; validating again here makes the claim explicit.
        report = ParamValidator().validate(body, model.input_shape)
        assert not report.has_errors(), report.generate_report()
        self.calls.append((model.name, body))
        try:
            parsed = self.responder(model.name, body)
        except FakeServiceError as error:
            response = AWSResponse("https://comprehend.us-east-1.amazonaws.com/", error.status, {}, None)
            return response, {
                "Error": {"Code": error.code, "Message": error.message},
                "ResponseMetadata": {"HTTPStatusCode": error.status},
            }
        # Stubber's response check: the answer must fit the operation's output shape.
        Stubber(self.client)._validate_operation_response(model.name, parsed)
        parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": 200})
        return AWSResponse("https://comprehend.us-east-1.amazonaws.com/", 200, {}, None), parsed


def entities_in(text: str) -> list[dict[str, Any]]:
    """What a recogniser of the penguin words would answer: code-point offsets relative to `text`."""
    return [
        {"Score": 0.99, "Type": "OTHER", "Text": match.group(0), "BeginOffset": match.start(), "EndOffset": match.end()}
        for match in ENTITY_WORDS.finditer(text)
    ]


def check_size(text: str, limit: int) -> None:
    size = len(text.encode("utf-8"))
    if size > limit:
        raise FakeServiceError(
            "TextSizeLimitExceededException", f"Input text size exceeds limit: {size} bytes > {limit} bytes"
        )


def penguin_service(operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """Answers Batch*/Detect* like Comprehend would for English text about penguins."""
    if operation.startswith("Batch"):
        texts = body["TextList"]
        if len(texts) > 25:
            raise FakeServiceError("BatchSizeLimitExceededException", "more than 25 documents")
        for text in texts:
            check_size(text, 5_000)
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for index, text in enumerate(texts):
            if "FAIL_THIS_DOCUMENT" in text:
                errors.append({"Index": index, "ErrorCode": "INTERNAL_SERVER_ERROR", "ErrorMessage": "try again"})
            elif operation == "BatchDetectDominantLanguage":
                results.append({"Index": index, "Languages": [{"LanguageCode": "en", "Score": 0.98}]})
            elif operation == "BatchDetectEntities":
                results.append({"Index": index, "Entities": entities_in(text)})
            elif operation == "BatchDetectSentiment":
                score = {"Positive": 0.7, "Negative": 0.1, "Neutral": 0.15, "Mixed": 0.05}
                results.append({"Index": index, "Sentiment": "POSITIVE", "SentimentScore": score})
            else:
                raise AssertionError(f"unexpected {operation}")
        return {"ResultList": results, "ErrorList": errors}
    if operation == "DetectEntities":
        check_size(body["Text"], 10_000 if "EndpointArn" in body else 100_000)
        return {"Entities": entities_in(body["Text"])}
    if operation == "DetectPiiEntities":
        check_size(body["Text"], 100_000)
        return {
            "Entities": [
                {"Score": 0.9, "Type": "NAME", "BeginOffset": m.start(), "EndOffset": m.end()}
                for m in ENTITY_WORDS.finditer(body["Text"])
            ]
        }
    raise AssertionError(f"unexpected {operation}")
