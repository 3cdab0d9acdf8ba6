"""The applications' resources in the emulated account: what moto's no-Docker Lambda backend proves.

moto creates and describes functions without Docker, and the rehearsal switches it to its Docker-less
backend (``{"lambda": {"use_docker": false}}``), whose ``Invoke`` echoes the event back. So these prove the
function exists with its configuration, package, permissions, trigger and API wiring; they cannot prove
the handler's code runs in Lambda's runtime (tests/applications runs it in-process), that IAM allows
it (moto does not evaluate policies here), or that S3 and API Gateway deliver events (moto does not
invoke functions from a bucket notification or an HTTP API).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile

import pytest

from offline import tokens
from offline.emulator import Emulator
from offline.rehearsal.services.lambda_ import zip_bytes
from tests.emulator.conftest import Rehearsed

pytestmark = pytest.mark.emulator


def test_invoking_the_scoring_function_answers_motos_stub_not_the_handler(
    rehearsed: Rehearsed, emulator: Emulator
) -> None:
    report = rehearsed("dev")
    lam = emulator.client("lambda", "us-east-1")
    event = json.dumps({"Records": []}).encode()
    answer = lam.invoke(FunctionName=report.outputs["scoringFunctionName"], Payload=event)
    assert answer["StatusCode"] == 200
    # The handler would answer its summary ({"results": []}); moto's Docker-less backend echoes the event.
    assert answer["Payload"].read() == event


def test_the_stored_package_holds_the_handlers_and_the_manifest(rehearsed: Rehearsed, emulator: Emulator) -> None:
    report = rehearsed("dev")
    lam = emulator.client("lambda", "us-east-1")
    function = lam.get_function(FunctionName=report.outputs["predictFunctionName"])
    declared = next(r for r in report.plan.of_type(tokens.LAMBDA_FUNCTION) if r.inputs["name"].endswith("-predict"))
    assert function["Configuration"]["CodeSha256"]
    data = zip_bytes(declared.inputs["code"])
    assert function["Configuration"]["CodeSha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert {"functions/http_api.py", "functions/scoring.py", "client/endpoint.py", "manifest.json"} <= set(
            zf.namelist()
        )


def test_the_prod_route_is_jwt_authorized_in_the_emulator(rehearsed: Rehearsed, emulator: Emulator) -> None:
    report = rehearsed("prod")
    api = report.plan.one(tokens.HTTP_API)
    gw = emulator.client("apigatewayv2", "us-east-1")
    routes = gw.get_routes(ApiId=api.id)["Items"]
    assert [(r["RouteKey"], r["AuthorizationType"]) for r in routes] == [("POST /predict", "JWT")]
    # moto 5.2.5 lacks GetAuthorizers (HTTP 500); GetAuthorizer with the declared id answers.
    authorizer = gw.get_authorizer(ApiId=api.id, AuthorizerId=report.plan.one(tokens.HTTP_API_AUTHORIZER).id)
    assert authorizer["JwtConfiguration"] == {
        "Issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_mlopsProd",
        "Audience": ["mlops-prod-web"],
    }
