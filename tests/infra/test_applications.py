"""The applications domain in each stack's graph: the scoring function, the HTTP API and their wiring.

Recorded under the mocks: these prove what the program declares (names, inputs, ordering, the role's
exact document); they do not prove AWS accepts it (the rehearsal creates it in moto) nor that the code
runs in Lambda (tests/applications runs the handlers in-process).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from functions.policies import lambda_trust_policy, predict_api_role_policy, scoring_role_policy
from infra.applications import package
from infra.applications.http_api import ACCESS_LOG_FORMAT
from offline import tokens
from offline.fakes import FAKE_ACCOUNT_ID
from offline.graph import Plan, RecordedResource
from offline.rehearsal.services.lambda_ import zip_bytes
from review.fixture import MANIFEST
from tests.infra.conftest import PlanFor

STACKS = ("dev", "staging", "prod")
REGION = "us-east-1"
# Reserved concurrency: dev serverless maxConcurrency 5 x 0.5; staging 3 instances (autoscaling max) x 4
# per instance x 0.5; prod 6 x 4 x 0.5.
RESERVED = {"dev": 2, "staging": 6, "prod": 12}
RETENTION = {"dev": 14, "staging": 30, "prod": 365}
# The endpoint's log group (infra/logs, mlops:logs) is on the same key with the logs block's retention.
ENDPOINT_LOG_RETENTION = {"dev": 30, "staging": 90, "prod": 365}
THROTTLING = {"dev": (10.0, 20), "staging": (50.0, 100), "prod": (100.0, 200)}


def prefix(stack: str) -> str:
    return f"sagemaker-mlops-{stack}"


def one(plan: Plan, type_token: str, name: str) -> RecordedResource:
    matches = [r for r in plan.of_type(type_token) if r.name == name]
    assert len(matches) == 1, f"{type_token} {name}: {[r.name for r in plan.of_type(type_token)]}"
    return matches[0]


@pytest.mark.parametrize("stack", STACKS)
def test_scoring_function_configuration(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    p = prefix(stack)
    function = one(plan, tokens.LAMBDA_FUNCTION, f"{p}-scoring-function")
    queue = one(plan, tokens.SQS_QUEUE, f"{p}-scoring-function-dlq")
    role = one(plan, tokens.IAM_ROLE, f"{p}-scoring-function-role")
    inputs = dict(function.inputs)
    inputs.pop("code")
    assert inputs == {
        "name": f"{p}-scoring",
        "description": "Scores CSV files under incoming/ of the artifact bucket into predictions/",
        "role": role.state["arn"],
        "runtime": "python3.12",
        "architectures": ["arm64"],
        "handler": "functions.scoring.handler",
        "memorySize": 1024,
        "timeout": 900,
        "reservedConcurrentExecutions": RESERVED[stack],
        "environment": {
            "variables": {
                "ENDPOINT_NAME": p,
                "ENDPOINT_TYPE": "serverless" if stack == "dev" else "realtime",
                "MODEL_MANIFEST": "manifest.json",
                "DEAD_LETTER_QUEUE_URL": queue.state["url"],
            }
        },
        "loggingConfig": {"logFormat": "JSON", "logGroup": f"/aws/lambda/{p}-scoring"},
        "tags": one(plan, tokens.KMS_KEY, f"{p}-key").inputs["tags"],
    }
    # The function waits for its policy and its log group (Lambda would otherwise create an unencrypted one).
    policy = one(plan, tokens.IAM_ROLE_POLICY, f"{p}-scoring-function-policy")
    group = one(plan, tokens.LOG_GROUP, f"{p}-scoring-function-logs")
    assert {policy.urn, group.urn} <= set(function.dependencies)
    assert json.loads(role.inputs["assumeRolePolicy"]) == lambda_trust_policy()


@pytest.mark.parametrize("stack", STACKS)
def test_scoring_role_is_exactly_the_documented_policy(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    p = prefix(stack)
    bucket = next(b for b in plan.of_type(tokens.S3_BUCKET) if b.name.endswith("-artifacts"))
    policy = one(plan, tokens.IAM_ROLE_POLICY, f"{p}-scoring-function-policy")
    assert policy.inputs["role"] == one(plan, tokens.IAM_ROLE, f"{p}-scoring-function-role").id
    assert json.loads(policy.inputs["policy"]) == scoring_role_policy(
        region=REGION,
        account_id=FAKE_ACCOUNT_ID,
        endpoint_name=p,
        bucket_arn=bucket.state["arn"],
        kms_key_arn=one(plan, tokens.KMS_KEY, f"{p}-key").state["arn"],
        dead_letter_queue_arn=f"arn:aws:sqs:{REGION}:{FAKE_ACCOUNT_ID}:{p}-scoring-dlq",
        log_group_name=f"/aws/lambda/{p}-scoring",
    )
    api_policy = one(plan, tokens.IAM_ROLE_POLICY, f"{p}-api-function-policy")
    assert json.loads(api_policy.inputs["policy"]) == predict_api_role_policy(
        region=REGION, account_id=FAKE_ACCOUNT_ID, endpoint_name=p, log_group_name=f"/aws/lambda/{p}-predict"
    )
    # Inline policies only: nothing attached to the functions' roles.
    assert plan.of_type(tokens.IAM_ROLE_POLICY_ATTACHMENT) == []


@pytest.mark.parametrize("stack", STACKS)
def test_dead_letter_queue_async_config_and_log_groups(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    p = prefix(stack)
    key_arn = one(plan, tokens.KMS_KEY, f"{p}-key").state["arn"]
    tags = one(plan, tokens.KMS_KEY, f"{p}-key").inputs["tags"]
    queue = one(plan, tokens.SQS_QUEUE, f"{p}-scoring-function-dlq")
    assert queue.inputs == {
        "name": f"{p}-scoring-dlq",
        "kmsMasterKeyId": key_arn,
        "kmsDataKeyReusePeriodSeconds": 300,
        "messageRetentionSeconds": 1209600,
        "tags": tags,
    }
    invoke = one(plan, tokens.LAMBDA_EVENT_INVOKE_CONFIG, f"{p}-scoring-function-async")
    assert invoke.inputs == {
        "functionName": f"{p}-scoring",
        "maximumRetryAttempts": 2,
        "maximumEventAgeInSeconds": 21600,
        "destinationConfig": {"onFailure": {"destination": queue.state["arn"]}},
    }
    groups = {g.inputs["name"]: g.inputs for g in plan.of_type(tokens.LOG_GROUP)}
    assert groups == {
        name: {"name": name, "retentionInDays": RETENTION[stack], "kmsKeyId": key_arn, "tags": tags}
        for name in (
            f"/aws/lambda/{p}-scoring",
            f"/aws/lambda/{p}-predict",
            f"/aws/apigateway/{p}-api",
            # The text-analysis function (mlops:text, on in staging and prod) is built on the same block.
            *([f"/aws/lambda/{p}-text-analysis"] if stack != "dev" else []),
        )
    } | {
        f"/aws/sagemaker/Endpoints/{p}": {
            "name": f"/aws/sagemaker/Endpoints/{p}",
            "retentionInDays": ENDPOINT_LOG_RETENTION[stack],
            "kmsKeyId": key_arn,
            "tags": tags,
        }
    }


@pytest.mark.parametrize("stack", STACKS)
def test_s3_permission_exists_before_the_bucket_notification(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    p = prefix(stack)
    bucket = next(b for b in plan.of_type(tokens.S3_BUCKET) if b.name.endswith("-artifacts"))
    function = one(plan, tokens.LAMBDA_FUNCTION, f"{p}-scoring-function")
    permission = one(plan, tokens.LAMBDA_PERMISSION, f"{p}-scoring-s3-permission")
    assert permission.inputs == {
        "action": "lambda:InvokeFunction",
        "function": f"{p}-scoring",
        "principal": "s3.amazonaws.com",
        "sourceArn": bucket.state["arn"],
        "sourceAccount": FAKE_ACCOUNT_ID,
    }
    # The artifact bucket's one notification configuration (the capture and log buckets have their own).
    (notification,) = [n for n in plan.of_type(tokens.S3_BUCKET_NOTIFICATION) if n.inputs["bucket"] == bucket.id]
    assert notification.name == f"{p}-scoring-notification"
    assert notification.inputs == {
        "bucket": bucket.id,
        "eventbridge": True,
        "lambdaFunctions": [
            {
                "lambdaFunctionArn": function.state["arn"],
                "events": ["s3:ObjectCreated:*"],
                "filterPrefix": "incoming/",
                "filterSuffix": ".csv",
            },
            # The text-analysis function's entry (mlops:text), in the bucket's one configuration.
            *(
                [
                    {
                        "lambdaFunctionArn": one(plan, tokens.LAMBDA_FUNCTION, f"{p}-text-analysis-function").state[
                            "arn"
                        ],
                        "events": ["s3:ObjectCreated:*"],
                        "filterPrefix": "text/incoming/",
                    }
                ]
                if stack != "dev"
                else []
            ),
        ],
    }
    assert permission.urn in notification.dependencies
    if stack != "dev":
        assert one(plan, tokens.LAMBDA_PERMISSION, f"{p}-text-analysis-s3-permission").urn in notification.dependencies


@pytest.mark.parametrize("stack", STACKS)
def test_function_alarms(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    p = prefix(stack)
    topic = [] if stack == "dev" else [plan.outputs["alarmTopicArn"]]
    alarms = {a.inputs["name"]: a.inputs for a in plan.of_type(tokens.METRIC_ALARM)}
    queue = one(plan, tokens.SQS_QUEUE, f"{p}-scoring-function-dlq")
    api = one(plan, tokens.HTTP_API, f"{p}-api")
    expected = {
        f"{p}-scoring-errors": ("AWS/Lambda", "Errors", {"FunctionName": f"{p}-scoring"}, "Sum"),
        f"{p}-scoring-throttles": ("AWS/Lambda", "Throttles", {"FunctionName": f"{p}-scoring"}, "Sum"),
        f"{p}-scoring-dlq-depth": (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": queue.state["name"]},
            "Maximum",
        ),
        f"{p}-predict-errors": ("AWS/Lambda", "Errors", {"FunctionName": f"{p}-predict"}, "Sum"),
        f"{p}-predict-throttles": ("AWS/Lambda", "Throttles", {"FunctionName": f"{p}-predict"}, "Sum"),
        f"{p}-api-5xx": ("AWS/ApiGateway", "5xx", {"ApiId": api.id, "Stage": "$default"}, "Sum"),
    }
    for name, (namespace, metric, dimensions, statistic) in expected.items():
        alarm = alarms[name]
        assert (alarm["namespace"], alarm["metricName"], alarm["dimensions"], alarm["statistic"]) == (
            namespace,
            metric,
            dimensions,
            statistic,
        )
        assert (alarm["threshold"], alarm["comparisonOperator"], alarm["period"]) == (
            1,
            "GreaterThanOrEqualToThreshold",
            300,
        )
        assert alarm["alarmActions"] == topic == alarm["okActions"]
    latency = alarms[f"{p}-api-latency"]
    assert (latency["metricName"], latency["extendedStatistic"], latency["threshold"]) == ("Latency", "p99", 1000)
    assert (latency["evaluationPeriods"], latency["datapointsToAlarm"]) == (3, 2)


@pytest.mark.parametrize("stack", STACKS)
def test_http_api_route_auth_stage_and_permission(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    p = prefix(stack)
    api = one(plan, tokens.HTTP_API, f"{p}-api")
    function = one(plan, tokens.LAMBDA_FUNCTION, f"{p}-api-function")
    assert function.inputs["handler"] == "functions.http_api.handler"
    assert (function.inputs["memorySize"], function.inputs["timeout"]) == (512, 29)
    assert "reservedConcurrentExecutions" not in function.inputs
    assert api.inputs == {
        "name": f"{p}-api",
        "protocolType": "HTTP",
        "description": "POST /predict: the model's predictions for JSON records",
        "tags": one(plan, tokens.KMS_KEY, f"{p}-key").inputs["tags"],
    }
    integration = one(plan, tokens.HTTP_API_INTEGRATION, f"{p}-api-integration")
    assert integration.inputs == {
        "apiId": api.id,
        "integrationType": "AWS_PROXY",
        "integrationMethod": "POST",
        "integrationUri": function.state["arn"],
        "payloadFormatVersion": "2.0",
        "timeoutMilliseconds": 30000,
    }
    route = one(plan, tokens.HTTP_API_ROUTE, f"{p}-api-predict")
    authorizers = plan.of_type(tokens.HTTP_API_AUTHORIZER)
    if stack == "dev":
        assert authorizers == []
        assert route.inputs == {
            "apiId": api.id,
            "routeKey": "POST /predict",
            "target": f"integrations/{integration.id}",
            "authorizationType": "AWS_IAM",
        }
    else:
        (authorizer,) = authorizers
        assert authorizer.inputs == {
            "apiId": api.id,
            "name": f"{p}-api-jwt",
            "authorizerType": "JWT",
            "identitySources": ["$request.header.Authorization"],
            "jwtConfiguration": {
                "issuer": f"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_mlops{stack.capitalize()}",
                "audiences": [f"mlops-{stack}-web"],
            },
        }
        assert route.inputs == {
            "apiId": api.id,
            "routeKey": "POST /predict",
            "target": f"integrations/{integration.id}",
            "authorizationType": "JWT",
            "authorizerId": authorizer.id,
        }
    stage = one(plan, tokens.HTTP_API_STAGE, f"{p}-api-stage")
    access_logs = one(plan, tokens.LOG_GROUP, f"{p}-api-access-logs")
    rate, burst = THROTTLING[stack]
    assert stage.inputs == {
        "apiId": api.id,
        "name": "$default",
        "autoDeploy": True,
        "defaultRouteSettings": {
            "throttlingRateLimit": rate,
            "throttlingBurstLimit": burst,
            "detailedMetricsEnabled": True,
        },
        "accessLogSettings": {"destinationArn": access_logs.state["arn"], "format": ACCESS_LOG_FORMAT},
        "tags": one(plan, tokens.KMS_KEY, f"{p}-key").inputs["tags"],
    }
    permission = one(plan, tokens.LAMBDA_PERMISSION, f"{p}-api-permission")
    assert permission.inputs == {
        "action": "lambda:InvokeFunction",
        "function": f"{p}-predict",
        "principal": "apigateway.amazonaws.com",
        "sourceArn": f"{api.state['executionArn']}/*/POST/predict",
    }
    assert plan.outputs["predictUrl"] == f"{api.state['apiEndpoint']}/predict"
    assert plan.outputs["predictFunctionName"] == f"{p}-predict"
    assert plan.outputs["scoringFunctionName"] == f"{p}-scoring"
    assert (
        plan.outputs["scoringDeadLetterQueueUrl"]
        == one(plan, tokens.SQS_QUEUE, f"{p}-scoring-function-dlq").state["url"]
    )
    assert plan.outputs["endpointType"] == ("serverless" if stack == "dev" else "realtime")


def test_cors_from_config(plan_for: PlanFor) -> None:
    plan = plan_for(
        "staging",
        **{
            "mlops:applications": json.dumps(
                {
                    "jwtIssuer": "https://issuer.example.org",
                    "jwtAudience": ["web"],
                    "corsAllowOrigins": ["https://app.example.org"],
                }
            )
        },
    )
    api = one(plan, tokens.HTTP_API, "sagemaker-mlops-staging-api")
    assert api.inputs["corsConfiguration"] == {
        "allowOrigins": ["https://app.example.org"],
        "allowMethods": ["POST"],
        "allowHeaders": ["authorization", "content-type", "x-amz-date", "x-amz-security-token"],
        "maxAge": 300,
    }


def test_package_holds_the_sources_and_the_manifest_only(plan_for: PlanFor) -> None:
    """The archive as Lambda would receive it (zipped by the rehearsal's builder, as the engine would)."""
    plan = plan_for("dev")
    function = one(plan, tokens.LAMBDA_FUNCTION, "sagemaker-mlops-dev-scoring-function")
    data = zip_bytes(function.inputs["code"])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
    assert names == sorted([*package.source_files(), "manifest.json"])
    assert {"functions/scoring.py", "functions/http_api.py", "client/endpoint.py", "client/schema.py"} <= set(names)
    assert not [n for n in names if "__pycache__" in n or not (n.endswith(".py") or n == "manifest.json")]
    assert manifest == MANIFEST
    # Same sources, same bytes: the zip is reproducible.
    assert zip_bytes(function.inputs["code"]) == data
    assert one(plan, tokens.LAMBDA_FUNCTION, "sagemaker-mlops-dev-api-function").inputs["code"] is not None


def test_invoke_command_is_built_from_the_manifest_schema(plan_for: PlanFor) -> None:
    assert plan_for("prod").outputs["invokeCommand"] == (
        "aws sagemaker-runtime invoke-endpoint --region us-east-1 --endpoint-name sagemaker-mlops-prod "
        "--content-type application/json --accept application/json --body "
        """'{"island":"Biscoe","bill_length_mm":43.9,"bill_depth_mm":17.1,"flipper_length_mm":201,"""
        """"body_mass_g":4202,"sex":"male","year":2008}' --cli-binary-format raw-in-base64-out /dev/stdout"""
    )


def test_package_source_files_skip_caches(tmp_path: Path) -> None:
    for relative in ("client/a.py", "client/__pycache__/a.cpython-312.pyc", "functions/b.py", "functions/x/c.py"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("")
    assert package.source_files(tmp_path) == ["client/a.py", "functions/b.py", "functions/x/c.py"]


@pytest.mark.parametrize("stack", STACKS)
def test_abandoned_prediction_uploads_are_aborted_after_a_day(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    bucket = next(b for b in plan.of_type(tokens.S3_BUCKET) if b.name.endswith("-artifacts"))
    (lifecycle,) = [r for r in plan.of_type(tokens.S3_BUCKET_LIFECYCLE) if r.inputs["bucket"] == bucket.id]
    assert [r["id"] for r in lifecycle.inputs["rules"]] == [
        "expire-noncurrent-and-abort-incomplete-uploads",
        "abort-incomplete-prediction-uploads",
    ]
    assert lifecycle.inputs["rules"][1] == {
        "id": "abort-incomplete-prediction-uploads",
        "status": "Enabled",
        "filter": {"prefix": "predictions/"},
        "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
    }
