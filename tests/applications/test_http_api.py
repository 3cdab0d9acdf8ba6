"""The HTTP API handler, in-process, on API Gateway v2 (payload 2.0) proxy events against the real model.

Proves every caller mistake is a 4xx with one clear message and the model's own 4xx passes through.
It cannot prove API Gateway's behaviour in front (authorizers, throttling, its own 413 above 10 MB).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from client.endpoint import EndpointClient
from client.schema import ModelSchema
from functions.events import http_api_request
from functions.http_api import PredictApi
from tests.applications.conftest import Model, Runtime, penguin_lines

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("offline_aws")]

LINES = penguin_lines()
NAMES = LINES[0].split(",")
RECORD = dict(zip(NAMES[1:], LINES[1].split(",")[1:], strict=True))
GENTOO = dict(zip(NAMES[1:], LINES[200].split(",")[1:], strict=True))


def api(model: Model, manifest: Path | None = None, max_request_bytes: int = 1024 * 1024) -> PredictApi:
    schema = ModelSchema.from_manifest(manifest or model.manifest)
    return PredictApi(EndpointClient("sagemaker-mlops-dev", schema, region="us-east-1"), max_request_bytes)


def call(handler: PredictApi, **request: Any) -> tuple[int, dict[str, Any]]:
    answer = handler.handle(http_api_request(**request), None)
    assert answer["headers"] == {"content-type": "application/json"}
    return answer["statusCode"], json.loads(answer["body"])


@pytest.mark.parametrize(
    "body",
    [json.dumps({"instances": [RECORD, GENTOO]}), json.dumps([RECORD, GENTOO])],
    ids=["instances", "list"],
)
def test_valid_request_answers_predictions_in_order(model: Model, body: str) -> None:
    status, answer = call(api(model), body=body)
    assert status == 200
    assert [p["label"] for p in answer["predictions"]] == ["Adelie", "Gentoo"]
    assert list(answer["predictions"][0]["probabilities"]) == ["Adelie", "Chinstrap", "Gentoo"]


def test_base64_body_and_single_record(model: Model) -> None:
    status, answer = call(api(model), body=json.dumps(GENTOO), base64_encoded=True)
    assert (status, [p["label"] for p in answer["predictions"]]) == (200, ["Gentoo"])


@pytest.mark.parametrize(
    ("request_args", "status", "answer"),
    [
        (
            {"body": "{", "content_type": "application/json"},
            400,
            {
                "error": "BadRequest",
                "message": "malformed JSON at line 1 column 2: Expecting property name enclosed in double quotes",
            },
        ),
        (
            {"body": "a,b", "content_type": "text/csv"},
            415,
            {
                "error": "UnsupportedMediaType",
                "message": "content type 'text/csv' is not supported; send application/json",
            },
        ),
        (
            {"body": "{}", "content_type": None},
            415,
            {"error": "UnsupportedMediaType", "message": "content type 'none' is not supported; send application/json"},
        ),
        (
            {"body": ""},
            400,
            {
                "error": "BadRequest",
                "message": 'the body is empty; send a record, a list of records or {"instances": [...]}',
            },
        ),
        (
            {"body": "[]"},
            400,
            {
                "error": "BadRequest",
                "message": 'send a record, a non-empty list of records or {"instances": [records]}',
            },
        ),
        (
            {"body": json.dumps({"instances": [RECORD], "extra": 1})},
            400,
            {"error": "BadRequest", "message": "unexpected key(s) next to 'instances': extra"},
        ),
        (
            {"body": "{}", "method": "GET"},
            405,
            {"error": "MethodNotAllowed", "message": "this API serves POST /predict"},
        ),
        ({"body": "{}", "path": "/other"}, 404, {"error": "NotFound", "message": "this API serves POST /predict"}),
    ],
    ids=["malformed-json", "csv", "no-content-type", "empty", "empty-list", "extra-key", "get", "path"],
)
def test_caller_mistakes_are_4xx_with_one_message(
    model: Model, request_args: dict[str, Any], status: int, answer: dict[str, str]
) -> None:
    assert call(api(model), **request_args) == (status, answer)


def test_invalid_base64_is_400(model: Model) -> None:
    event = {**http_api_request(body="{}"), "isBase64Encoded": True, "body": "not base64!"}
    answer = api(model).handle(event, None)
    assert (answer["statusCode"], json.loads(answer["body"])) == (
        400,
        {"error": "BadRequest", "message": "the body is marked base64 but is not valid base64"},
    )


def test_misspelt_feature_is_400_naming_the_nearest(model: Model) -> None:
    record = dict(RECORD)
    record["flipper_len_mm"] = record.pop("flipper_length_mm")
    status, answer = call(api(model), body=json.dumps([record]))
    assert status == 400
    assert answer["message"].startswith(
        "record 1: unknown feature 'flipper_len_mm' (did you mean 'flipper_length_mm'?); the model's features are"
    )


def test_oversized_body_is_413(model: Model) -> None:
    status, answer = call(api(model, max_request_bytes=1000), body=json.dumps([RECORD] * 20))
    assert status == 413
    assert answer["error"] == "PayloadTooLarge"
    assert answer["message"].endswith(
        "bytes, over the 1000-byte limit; split the batch or upload it as a CSV under incoming/ for batch scoring"
    )


def test_the_model_4xx_passes_through_with_its_message(model: Model, tmp_path: Path) -> None:
    manifest = json.loads(model.manifest.read_text())
    manifest["features"].append({"name": "colour", "kind": "categorical"})
    drifted = tmp_path / "manifest.json"
    drifted.write_text(json.dumps(manifest))
    status, answer = call(api(model, drifted), body=json.dumps([{**RECORD, "colour": "grey"}]))
    assert (status, answer["error"]) == (400, "ModelRejected")
    assert answer["message"] == (
        "CSV header: unknown column(s) 'colour'; expected columns: island, bill_length_mm, bill_depth_mm, "
        "flipper_length_mm, body_mass_g, sex, year"
    )


def test_unreachable_model_is_503_without_details(model: Model, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "http://127.0.0.1:9")
    handler = PredictApi(
        EndpointClient(
            "sagemaker-mlops-dev", ModelSchema.from_manifest(model.manifest), region="us-east-1", max_attempts=1
        ),
        1024 * 1024,
    )
    assert call(handler, body=json.dumps([RECORD])) == (
        503,
        {"error": "ModelUnavailable", "message": "the model is unavailable right now; retry later"},
    )


def test_logs_never_carry_the_body(model: Model, runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="functions.http_api")
    call(api(model), body=json.dumps([{**RECORD, "island": "SECRET-ISLAND"}]))
    call(api(model), body='{"SECRET-KEY": ')
    messages = [r.getMessage() for r in caplog.records if r.name == "functions.http_api"]
    assert messages == [
        "request JKJaXmPLvHcESHA=: status 200, 1 record(s)",
        "request JKJaXmPLvHcESHA=: status 400, 0 record(s)",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("null", 'send a record, a non-empty list of records or {"instances": [records]}'),
        ("7", 'send a record, a non-empty list of records or {"instances": [records]}'),
        ('"text"', 'send a record, a non-empty list of records or {"instances": [records]}'),
        ('{"instances": 5}', 'send a record, a non-empty list of records or {"instances": [records]}'),
        ("[1, 2]", "record 1 is of type int; send mappings of feature to value"),
        ("[[1, 2]]", "record 1 is of type list; send mappings of feature to value"),
        ("[" * 100_000 + "]" * 100_000, "the JSON body is nested too deeply"),
        ('{"island": {"a": 1}}', None),
    ],
    ids=["null", "number", "string", "instances-number", "numbers", "arrays", "deep", "object-value"],
)
def test_odd_bodies_are_400_never_500(model: Model, body: str, message: str | None) -> None:
    status, answer = call(api(model, max_request_bytes=10 * 1024 * 1024), body=body)
    assert (status, answer["error"]) == (400, "BadRequest")
    if message is not None:
        assert answer["message"] == message
