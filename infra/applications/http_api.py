"""`HttpApi`: API Gateway HTTP API ``POST /predict`` in front of ``functions.http_api`` (Lambda proxy, 2.0).

Authorization is never ``NONE``: ``AWS_IAM`` (SigV4-signed requests from principals of the account) in
dev, a JWT authorizer (issuer and audiences from ``mlops:applications``) in staging and prod; the policy
pack refuses a route without authorization in prod. One ``$default`` stage, auto-deployed, throttled
from config, with JSON access logs in a log group encrypted with the stack key. Alarms: any 5xx, and p99
latency above ``latencyAlarmMs``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from functions.policies import predict_api_role_policy
from infra.applications.alarms import ALARM_PERIOD_SECONDS, occurrence_alarm
from infra.applications.function import FunctionGrants, LambdaFunction, LambdaFunctionArgs
from infra.applications.package import MANIFEST_PATH

HANDLER = "functions.http_api.handler"
ROUTE_KEY = "POST /predict"
STAGE = "$default"
PAYLOAD_FORMAT = "2.0"
# HTTP APIs wait at most 30 s for an integration.
INTEGRATION_TIMEOUT_MS = 30_000
# One line per request: who (the caller's IP, the authorizer's error), what, and how it went; never a body.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationStatus": "$context.integrationStatus",
        "integrationLatency": "$context.integrationLatency",
        "authorizerError": "$context.authorizer.error",
        "errorMessage": "$context.error.message",
    },
    separators=(",", ":"),
)
# A browser sends these with a JWT (Authorization) or a SigV4-signed request (X-Amz-*).
CORS_HEADERS = ("authorization", "content-type", "x-amz-date", "x-amz-security-token")
CORS_MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class JwtAuthorizerArgs:
    issuer: str
    audiences: Sequence[str]


@dataclass(frozen=True)
class HttpApiArgs:
    api_name: str
    function_name: str
    code: pulumi.Archive
    endpoint_name: str
    endpoint_type: str
    region: str
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    log_retention_days: int
    memory_mb: int
    timeout_seconds: int
    throttling_rate_limit: float
    throttling_burst_limit: int
    latency_alarm_ms: float
    # None: AWS_IAM. Otherwise every request needs a JWT from this issuer for one of these audiences.
    jwt: JwtAuthorizerArgs | None = None
    cors_allow_origins: Sequence[str] = ()
    alarm_actions: Sequence[pulumi.Input[str]] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


def access_log_group_name(api_name: str) -> str:
    return f"/aws/apigateway/{api_name}"


class HttpApi(pulumi.ComponentResource):
    def __init__(self, name: str, args: HttpApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:applications:HttpApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)

        def policy(grants: FunctionGrants) -> pulumi.Output[str]:
            return pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(
                    predict_api_role_policy(
                        region=args.region,
                        account_id=account,
                        endpoint_name=args.endpoint_name,
                        log_group_name=grants.log_group_name,
                    )
                )
            )

        self.function = LambdaFunction(
            f"{name}-function",
            LambdaFunctionArgs(
                function_name=args.function_name,
                description="POST /predict of the HTTP API: validates records and calls the endpoint",
                handler=HANDLER,
                code=args.code,
                policy=policy,
                kms_key_arn=args.kms_key_arn,
                log_retention_days=args.log_retention_days,
                memory_mb=args.memory_mb,
                timeout_seconds=args.timeout_seconds,
                environment={
                    "ENDPOINT_NAME": args.endpoint_name,
                    "ENDPOINT_TYPE": args.endpoint_type,
                    "MODEL_MANIFEST": MANIFEST_PATH,
                },
                alarm_actions=args.alarm_actions,
                tags=args.tags,
            ),
            opts=child,
        )
        self.access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=access_log_group_name(args.api_name),
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            tags=tags,
            opts=child,
        )
        cors = (
            aws.apigatewayv2.ApiCorsConfigurationArgs(
                allow_origins=list(args.cors_allow_origins),
                allow_methods=["POST"],
                allow_headers=list(CORS_HEADERS),
                max_age=CORS_MAX_AGE_SECONDS,
            )
            if args.cors_allow_origins
            else None
        )
        self.api = aws.apigatewayv2.Api(
            name,
            name=args.api_name,
            protocol_type="HTTP",
            description="POST /predict: the model's predictions for JSON records",
            cors_configuration=cors,
            tags=tags,
            opts=child,
        )
        self.integration = aws.apigatewayv2.Integration(
            f"{name}-integration",
            api_id=self.api.id,
            integration_type="AWS_PROXY",
            integration_method="POST",
            integration_uri=self.function.function_arn,
            payload_format_version=PAYLOAD_FORMAT,
            timeout_milliseconds=INTEGRATION_TIMEOUT_MS,
            opts=child,
        )
        self.authorizer: aws.apigatewayv2.Authorizer | None = None
        if args.jwt is not None:
            self.authorizer = aws.apigatewayv2.Authorizer(
                f"{name}-jwt",
                api_id=self.api.id,
                name=f"{args.api_name}-jwt",
                authorizer_type="JWT",
                identity_sources=["$request.header.Authorization"],
                jwt_configuration=aws.apigatewayv2.AuthorizerJwtConfigurationArgs(
                    issuer=args.jwt.issuer, audiences=list(args.jwt.audiences)
                ),
                opts=child,
            )
        self.route = aws.apigatewayv2.Route(
            f"{name}-predict",
            api_id=self.api.id,
            route_key=ROUTE_KEY,
            target=pulumi.Output.concat("integrations/", self.integration.id),
            authorization_type="JWT" if self.authorizer is not None else "AWS_IAM",
            authorizer_id=self.authorizer.id if self.authorizer is not None else None,
            opts=child,
        )
        self.stage = aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=self.api.id,
            name=STAGE,
            auto_deploy=True,
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_rate_limit=args.throttling_rate_limit,
                throttling_burst_limit=args.throttling_burst_limit,
                detailed_metrics_enabled=True,
            ),
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=self.access_logs.arn, format=ACCESS_LOG_FORMAT
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.route]),
        )
        # Only this API's POST /predict may invoke the function, on any stage.
        self.permission = aws.lambda_.Permission(
            f"{name}-permission",
            action="lambda:InvokeFunction",
            function=self.function.function_name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.api.execution_arn, "/*/POST/predict"),
            opts=child,
        )

        actions = list(args.alarm_actions)
        dimensions: dict[str, pulumi.Input[str]] = {"ApiId": self.api.id, "Stage": STAGE}
        self.alarms = {
            "5xx": occurrence_alarm(
                f"{name}-5xx",
                alarm_name=f"{args.api_name}-5xx",
                description=f"{args.api_name}: answered 5xx (a bug or the endpoint unavailable) in 5 minutes",
                namespace="AWS/ApiGateway",
                metric_name="5xx",
                dimensions=dimensions,
                statistic="Sum",
                actions=actions,
                tags=tags,
                opts=child,
            ),
            "latency": aws.cloudwatch.MetricAlarm(
                f"{name}-latency",
                name=f"{args.api_name}-latency",
                alarm_description=f"{args.api_name}: p99 latency above {args.latency_alarm_ms:g} ms in 2 of 3 periods",
                namespace="AWS/ApiGateway",
                metric_name="Latency",
                dimensions=dimensions,
                extended_statistic="p99",
                period=ALARM_PERIOD_SECONDS,
                evaluation_periods=3,
                datapoints_to_alarm=2,
                threshold=args.latency_alarm_ms,
                comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=actions,
                ok_actions=actions,
                tags=tags,
                opts=child,
            ),
        }

        self.url = pulumi.Output.concat(self.api.api_endpoint, "/predict")
        self.function_name = self.function.function_name
        self.register_outputs({"url": self.url, "function_name": self.function_name})
