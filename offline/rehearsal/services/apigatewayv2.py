"""API Gateway v2 (HTTP APIs): the API, its integration, JWT authorizer, route and stage.

Each is one Create* call whose generated id the next one needs. Where the provider's argument names
differ from the API's (``identitySources``/``IdentitySource``, ``audiences``/``Audience``,
``timeoutMilliseconds``/``TimeoutInMillis``, the stage's ``name``/``StageName``) they are renamed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, emulated
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params


def http_api(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("apigatewayv2", "CreateApi", r.inputs, where=r.where)
    params["Name"] = r.physical_name()
    response = emulated(gw.send("apigatewayv2", "CreateApi", params, r.where), r, "apigatewayv2:CreateApi")
    api_id = str(response["ApiId"])
    return api_id, r.state(
        name=params["Name"],
        apiEndpoint=str(response.get("ApiEndpoint") or f"https://{api_id}.execute-api.{gw.region}.amazonaws.com"),
        arn=f"arn:aws:apigateway:{gw.region}::/apis/{api_id}",
        executionArn=f"arn:aws:execute-api:{gw.region}:{gw.account_id}:{api_id}",
    )


def integration(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params(
        "apigatewayv2",
        "CreateIntegration",
        r.inputs,
        where=r.where,
        renames={"timeoutMilliseconds": "TimeoutInMillis"},
    )
    response = emulated(
        gw.send("apigatewayv2", "CreateIntegration", params, r.where), r, "apigatewayv2:CreateIntegration"
    )
    return str(response["IntegrationId"]), r.state()


def authorizer(gw: Gateway, r: Declared) -> tuple[str, State]:
    inputs = dict(r.inputs)
    jwt = dict(inputs.pop("jwtConfiguration", None) or {})
    params = api_params(
        "apigatewayv2", "CreateAuthorizer", inputs, where=r.where, renames={"identitySources": "IdentitySource"}
    )
    if jwt:
        params["JwtConfiguration"] = {"Issuer": jwt["issuer"], "Audience": list(jwt.get("audiences") or [])}
    response = emulated(
        gw.send("apigatewayv2", "CreateAuthorizer", params, r.where), r, "apigatewayv2:CreateAuthorizer"
    )
    return str(response["AuthorizerId"]), r.state()


def route(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("apigatewayv2", "CreateRoute", r.inputs, where=r.where)
    response = emulated(gw.send("apigatewayv2", "CreateRoute", params, r.where), r, "apigatewayv2:CreateRoute")
    return str(response["RouteId"]), r.state()


def stage(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("apigatewayv2", "CreateStage", r.inputs, where=r.where, renames={"name": "StageName"})
    gw.send("apigatewayv2", "CreateStage", params, r.where)
    return str(r.inputs["name"]), r.state()


def _by_api(report: RehearsalReport, token: str) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for declared in resources_of(report, token):
        grouped.setdefault(str(declared.inputs["apiId"]), []).append(declared)
    return grouped


def _apis(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    gw = client("apigatewayv2")
    routes = _by_api(report, tokens.HTTP_API_ROUTE)
    stages = _by_api(report, tokens.HTTP_API_STAGE)
    integrations = _by_api(report, tokens.HTTP_API_INTEGRATION)
    authorizers = _by_api(report, tokens.HTTP_API_AUTHORIZER)
    for api in resources_of(report, tokens.HTTP_API):
        api_id = str(api.id)
        name = str(api.state["name"])
        with checks.reading(f"HTTP API {name}"):
            got_api = gw.get_api(ApiId=api_id)
            checks.equal(f"HTTP API {name}: protocol", got_api.get("ProtocolType"), api.inputs["protocolType"])
            for declared in integrations.get(api_id, []):
                got = gw.get_integration(ApiId=api_id, IntegrationId=declared.id)
                checks.equal(
                    f"HTTP API {name}: Lambda proxy integration",
                    (got.get("IntegrationType"), got.get("IntegrationUri"), got.get("PayloadFormatVersion")),
                    (
                        declared.inputs["integrationType"],
                        declared.inputs["integrationUri"],
                        declared.inputs["payloadFormatVersion"],
                    ),
                )
            for declared in authorizers.get(api_id, []):
                got = gw.get_authorizer(ApiId=api_id, AuthorizerId=declared.id)
                jwt: Mapping[str, Any] = got.get("JwtConfiguration") or {}
                checks.equal(
                    f"HTTP API {name}: JWT authorizer",
                    (got.get("AuthorizerType"), jwt.get("Issuer"), jwt.get("Audience")),
                    (
                        declared.inputs["authorizerType"],
                        declared.inputs["jwtConfiguration"]["issuer"],
                        list(declared.inputs["jwtConfiguration"]["audiences"]),
                    ),
                )
            for declared in routes.get(api_id, []):
                got = gw.get_route(ApiId=api_id, RouteId=declared.id)
                checks.equal(
                    f"HTTP API {name}: route {declared.inputs['routeKey']}",
                    (got.get("RouteKey"), got.get("AuthorizationType"), got.get("AuthorizerId"), got.get("Target")),
                    (
                        declared.inputs["routeKey"],
                        declared.inputs["authorizationType"],
                        declared.inputs.get("authorizerId"),
                        declared.inputs["target"],
                    ),
                )
            for declared in stages.get(api_id, []):
                got = gw.get_stage(ApiId=api_id, StageName=declared.inputs["name"])
                settings: Mapping[str, Any] = got.get("DefaultRouteSettings") or {}
                logs: Mapping[str, Any] = got.get("AccessLogSettings") or {}
                want = declared.inputs["defaultRouteSettings"]
                checks.equal(
                    f"HTTP API {name}: stage {declared.inputs['name']} throttling and access logs",
                    (
                        settings.get("ThrottlingRateLimit"),
                        settings.get("ThrottlingBurstLimit"),
                        logs.get("DestinationArn"),
                    ),
                    (
                        float(want["throttlingRateLimit"]),
                        int(want["throttlingBurstLimit"]),
                        declared.inputs["accessLogSettings"]["destinationArn"],
                    ),
                )


HANDLERS: dict[str, Handler] = {
    tokens.HTTP_API: http_api,
    tokens.HTTP_API_INTEGRATION: integration,
    tokens.HTTP_API_AUTHORIZER: authorizer,
    tokens.HTTP_API_ROUTE: route,
    tokens.HTTP_API_STAGE: stage,
}

CHECKS: tuple[Verifier, ...] = (_apis,)
