"""The client library against the real local server (and, for retries, a scripted stand-in).

Proves schema checks happen before any request, batches split under a forced limit come back in input
order, container 4xx map to one exception with the container's message, and botocore's retry mode
retries throttling and 5xx but never a 4xx. It cannot prove AWS's throttling behaviour or limits, only
that the client reacts to the service's documented error shapes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from client.endpoint import EndpointClient, Prediction, split
from client.errors import EndpointUnavailableError, PayloadTooLargeError, PredictionRejectedError, SchemaError
from client.schema import ModelSchema
from tests.applications.conftest import LOOPBACK, Model, Runtime, penguin_lines

pytestmark = pytest.mark.slow

LINES = penguin_lines()
NAMES = LINES[0].split(",")


def record(line: str) -> dict[str, str]:
    return dict(zip(NAMES, line.split(","), strict=True))


RECORDS = [record(line) for line in LINES[1:41]]


class Sent:
    """Every HTTP request botocore sends (retries included), by its own event hook."""

    def __init__(self, client: EndpointClient) -> None:
        self.bodies: list[bytes] = []
        client.runtime.meta.events.register("before-send.sagemaker-runtime.InvokeEndpoint", self._record)

    def _record(self, request: Any, **_: Any) -> None:
        self.bodies.append(bytes(request.body))


def make(model: Model, url: str, **options: Any) -> EndpointClient:
    return EndpointClient(
        "sagemaker-mlops-dev",
        ModelSchema.from_manifest(model.manifest),
        region="us-east-1",
        endpoint_url=url,
        **options,
    )


def test_predictions_are_typed_and_match_the_container(model: Model, runtime: Runtime) -> None:
    client = make(model, runtime.url)
    predictions = client.predict([RECORDS[0], record(LINES[200])])
    assert [p.label for p in predictions] == ["Adelie", "Gentoo"]
    assert isinstance(predictions[0], Prediction)
    assert list(predictions[0].probabilities) == ["Adelie", "Chinstrap", "Gentoo"]
    assert sum(predictions[0].probabilities.values()) == pytest.approx(1.0)


def test_batch_over_a_forced_limit_is_split_and_joined_in_order(model: Model, runtime: Runtime) -> None:
    whole = make(model, runtime.url).predict(RECORDS)
    client = make(model, runtime.url, payload_limit=400)
    sent = Sent(client)
    predictions = client.predict(RECORDS)
    assert predictions == whole
    assert len(sent.bodies) == client.requests_sent
    assert len(sent.bodies) >= 5
    assert all(len(body) <= 400 for body in sent.bodies)
    header = sent.bodies[0].split(b"\n", 1)[0]
    assert header == b"island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year"
    assert all(body.startswith(header + b"\n") for body in sent.bodies)
    assert sum(body.count(b"\n") for body in sent.bodies) == len(RECORDS) + len(sent.bodies)


def test_dataframe_input_gives_the_same_predictions(model: Model, runtime: Runtime) -> None:
    frame = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "penguins.csv").head(40)
    client = make(model, runtime.url)
    assert client.predict(frame) == client.predict(RECORDS)


def test_misspelt_feature_is_refused_before_any_request(model: Model, runtime: Runtime) -> None:
    client = make(model, runtime.url)
    sent = Sent(client)
    bad = dict(RECORDS[0])
    bad["bill_lenght_mm"] = bad.pop("bill_length_mm")
    with pytest.raises(SchemaError) as caught:
        client.predict([RECORDS[1], bad])
    assert str(caught.value) == (
        "record 2: unknown feature 'bill_lenght_mm' (did you mean 'bill_length_mm'?); the model's features are "
        "island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year"
    )
    assert sent.bodies == []


def test_missing_feature_and_bad_value_are_refused_before_any_request(model: Model, runtime: Runtime) -> None:
    client = make(model, runtime.url)
    sent = Sent(client)
    missing = {k: v for k, v in RECORDS[0].items() if k != "sex"}
    with pytest.raises(SchemaError, match=r"^record 1: missing feature 'sex'; the model's features are "):
        client.predict([missing])
    with pytest.raises(SchemaError) as caught:
        client.predict([RECORDS[0], {**RECORDS[1], "body_mass_g": "heavy"}])
    assert str(caught.value) == "record 2: feature 'body_mass_g' holds 'heavy'; expected a number (or None for missing)"
    assert sent.bodies == []


def test_container_4xx_is_one_exception_with_the_container_message(
    model: Model, runtime: Runtime, tmp_path: Path
) -> None:
    """A client whose manifest drifted from the deployed model (an extra feature): the container refuses it."""
    manifest = json.loads(model.manifest.read_text())
    manifest["features"].append({"name": "colour", "kind": "categorical"})
    drifted = tmp_path / "manifest.json"
    drifted.write_text(json.dumps(manifest))
    client = EndpointClient(
        "sagemaker-mlops-dev", ModelSchema.from_manifest(drifted), region="us-east-1", endpoint_url=runtime.url
    )
    sent = Sent(client)
    with pytest.raises(PredictionRejectedError) as caught:
        client.predict([{**RECORDS[0], "colour": "grey"}])
    assert (caught.value.status, caught.value.code) == (400, "ModelError")
    assert caught.value.message == (
        "CSV header: unknown column(s) 'colour'; expected columns: island, bill_length_mm, bill_depth_mm, "
        "flipper_length_mm, body_mass_g, sex, year"
    )
    assert len(sent.bodies) == 1


def test_record_larger_than_the_limit_is_refused(model: Model, runtime: Runtime) -> None:
    client = make(model, runtime.url, payload_limit=100)
    with pytest.raises(
        PayloadTooLargeError, match=r"^record 1 alone makes a 1\d\d-byte request, over the endpoint's 100-byte"
    ):
        client.predict([{**RECORDS[0], "island": "x" * 60}])


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ((15, [5, 5, 5]), [(0, 1), (1, 2), (2, 3)]),
        ((20, [5, 5, 5]), [(0, 2), (2, 3)]),
        ((24, [5, 5, 5]), [(0, 2), (2, 3)]),
        ((25, [5, 5, 5]), [(0, 3)]),
        ((20, [9, 1, 5]), [(0, 2), (2, 3)]),
    ],
)
def test_split_ranges(limits: tuple[int, list[int]], expected: list[tuple[int, int]]) -> None:
    limit, sizes = limits
    assert list(split(b"h" * 10, [b"x" * size for size in sizes], limit)) == expected


def test_split_refuses_a_line_that_cannot_fit() -> None:
    with pytest.raises(PayloadTooLargeError, match=r"^record 2 alone makes a 16-byte request"):
        list(split(b"h" * 10, [b"x", b"x" * 6], 15))


def test_from_stack_outputs_defaults_to_the_serverless_limit(model: Model) -> None:
    outputs = {"endpointName": "sagemaker-mlops-dev", "region": "eu-west-1"}
    client = EndpointClient.from_stack_outputs(outputs, model.manifest)
    assert (client.endpoint_name, client.payload_limit, client.runtime.meta.region_name) == (
        "sagemaker-mlops-dev",
        4 * 1024 * 1024,
        "eu-west-1",
    )
    realtime = EndpointClient.from_stack_outputs({**outputs, "endpointType": "realtime"}, model.manifest)
    assert realtime.payload_limit == 6 * 1024 * 1024
    with pytest.raises(ValueError, match=r"^stack outputs lack region; "):
        EndpointClient.from_stack_outputs({"endpointName": "x"}, model.manifest)


# -- retries against a scripted stand-in of the service ---------------------------------------------


class Script:
    def __init__(self, answers: list[tuple[int, str | None, dict[str, Any] | list[Any]]]) -> None:
        self.answers = answers
        self.calls = 0


@pytest.fixture
def stand_in() -> Iterator[tuple[str, Script]]:
    script = Script([])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            status, code, body = script.answers[min(script.calls, len(script.answers) - 1)]
            script.calls += 1
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if code is not None:
                self.send_header("x-amzn-ErrorType", code)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{LOOPBACK}:{server.server_address[1]}", script
    server.shutdown()
    server.server_close()


OK = (200, None, [{"label": "Adelie", "probabilities": {"Adelie": 0.9, "Chinstrap": 0.05, "Gentoo": 0.05}}])


@pytest.mark.parametrize(
    ("first", "calls"),
    [
        ((503, "ServiceUnavailable", {"Message": "busy"}), 2),
        ((500, "InternalFailure", {"Message": "oops"}), 2),
        ((400, "ThrottlingException", {"Message": "Rate exceeded"}), 2),
    ],
)
@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_throttling_and_5xx_are_retried(
    model: Model, stand_in: tuple[str, Script], first: tuple[int, str, dict[str, Any]], calls: int, mode: str
) -> None:
    url, script = stand_in
    script.answers = [first, OK]
    predictions = make(model, url, max_attempts=3, retry_mode=mode).predict([RECORDS[0]])
    assert [p.label for p in predictions] == ["Adelie"]
    assert script.calls == calls


def test_persistent_5xx_gives_up_after_max_attempts(model: Model, stand_in: tuple[str, Script]) -> None:
    url, script = stand_in
    script.answers = [(503, "ServiceUnavailable", {"Message": "busy"})]
    with pytest.raises(EndpointUnavailableError) as caught:
        make(model, url, max_attempts=2).predict([RECORDS[0]])
    assert str(caught.value) == "endpoint answered 503 ServiceUnavailable after 2 attempt(s): busy"
    assert (caught.value.attempts, script.calls) == (2, 2)


@pytest.mark.parametrize(
    "answer",
    [
        (424, "ModelError", {"Message": "m", "OriginalStatusCode": 400, "OriginalMessage": '{"message": "bad row"}'}),
        (400, "ValidationError", {"Message": "Endpoint x of account 1 not found."}),
    ],
)
def test_4xx_is_never_retried(
    model: Model, stand_in: tuple[str, Script], answer: tuple[int, str, dict[str, Any]]
) -> None:
    url, script = stand_in
    script.answers = [answer]
    with pytest.raises(PredictionRejectedError):
        make(model, url, max_attempts=5).predict([RECORDS[0]])
    assert script.calls == 1


def test_answer_for_other_classes_is_refused(model: Model, stand_in: tuple[str, Script]) -> None:
    url, script = stand_in
    script.answers = [(200, None, [{"label": "cat", "probabilities": {"cat": 1.0}}])]
    with pytest.raises(EndpointUnavailableError, match=r"is the deployed model the one in this manifest\?$"):
        make(model, url).predict([RECORDS[0]])
