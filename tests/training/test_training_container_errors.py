"""Client errors inside AWS's scikit-learn serving container answer 4xx, not 500.

That server (sagemaker_containers' Transformer) re-raises any handler exception as its own error and
answers 500, so there the handlers return the container's ``worker.Response`` with the status instead.
The container is simulated by a stand-in ``sagemaker_containers.beta.framework.worker`` module with the
same ``Response(response=, status=, mimetype=)`` signature; this cannot prove the real image still ships
that module, only what our handlers do when it is present.
"""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from training_support import Trainings

from training import inference


class FakeResponse:
    def __init__(self, response: str, status: int, mimetype: str) -> None:
        self.response, self.status, self.mimetype = response, status, mimetype


@pytest.fixture
def in_container(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    worker = types.ModuleType("sagemaker_containers.beta.framework.worker")
    worker.Response = FakeResponse  # type: ignore[attr-defined]
    framework = types.ModuleType("sagemaker_containers.beta.framework")
    framework.worker = worker  # type: ignore[attr-defined]
    for name, module in (
        ("sagemaker_containers", types.ModuleType("sagemaker_containers")),
        ("sagemaker_containers.beta", types.ModuleType("sagemaker_containers.beta")),
        ("sagemaker_containers.beta.framework", framework),
        ("sagemaker_containers.beta.framework.worker", worker),
    ):
        monkeypatch.setitem(sys.modules, name, module)
    inference._container_worker.cache_clear()
    yield
    inference._container_worker.cache_clear()


@pytest.fixture(scope="module")
def model(trainings: Trainings) -> inference.Model:
    return inference.model_fn(str(trainings.first.model_dir))


def serve(model: inference.Model, body: Any, content_type: str, accept: str = "application/json") -> Any:
    return inference.output_fn(inference.predict_fn(inference.input_fn(body, content_type), model), accept)


@pytest.mark.usefixtures("in_container")
@pytest.mark.parametrize(
    ("body", "content_type", "accept", "status", "error"),
    [
        (b"island\nBiscoe", "application/x-npy", "application/json", 415, "UnsupportedContentTypeError"),
        (b"{not json", "application/json", "application/json", 400, "BadRequestError"),
        (b'[{"island": "Biscoe"}]', "application/json", "application/json", 400, "BadRequestError"),
        (
            b"Biscoe,abc,18.7,181,3750,male,2007",
            "text/csv",
            "application/json",
            400,
            "BadRequestError",
        ),
        (b"Biscoe,39.1,18.7,181,3750,male,2007", "text/csv", "image/png", 406, "NotAcceptableError"),
    ],
)
def test_client_errors_become_container_responses_with_their_status(
    model: inference.Model, body: bytes, content_type: str, accept: str, status: int, error: str
) -> None:
    response = serve(model, body, content_type, accept)
    assert isinstance(response, FakeResponse)
    assert (response.status, response.mimetype) == (status, "application/json")
    assert json.loads(response.response)["error"] == error


@pytest.mark.usefixtures("in_container")
def test_valid_request_is_still_a_body_and_content_type(model: inference.Model) -> None:
    body, content_type = serve(model, b"Biscoe,50.0,15.0,220,5500,male,2008", "text/csv")
    assert content_type == "application/json"
    assert json.loads(body)[0]["label"] == "Gentoo"


def test_outside_the_container_client_errors_are_raised(model: inference.Model) -> None:
    inference._container_worker.cache_clear()
    with pytest.raises(inference.UnsupportedContentTypeError) as raised:
        serve(model, b"x", "application/x-npy")
    assert raised.value.status_code == 415
