"""``Pulumi.local.yaml``: the provider settings for the emulator, and the stack itself rehearsed.

Cannot prove the real provider plugin honours these settings: that needs the Pulumi CLI, which this
environment lacks. It proves the keys exist in pulumi-aws's provider schema and that the endpoints
cover exactly the services the program calls.
"""

from __future__ import annotations

import inspect
from typing import Any

import pulumi_aws
import pytest
import yaml

from offline.stacks import load_stack_config, stack_file
from tests.emulator.conftest import Rehearsed

pytestmark = pytest.mark.emulator

# botocore's service name -> the provider's endpoint key.
PROVIDER_ENDPOINT_KEY = {"application-autoscaling": "appautoscaling"}


def _config() -> dict[str, Any]:
    return dict(yaml.safe_load(stack_file("local").read_text())["config"])


def _endpoints() -> dict[str, str]:
    [endpoints] = _config()["aws:endpoints"]
    return dict(endpoints)


def test_the_provider_is_pointed_at_the_local_emulator_only() -> None:
    config = _config()
    # The region comes from Pulumi.yaml's project config, as the CLI merges it.
    assert load_stack_config("local")["aws:region"] == "us-east-1"
    assert {k: v for k, v in config.items() if k.startswith("aws:") and k != "aws:endpoints"} == {
        "aws:accessKey": "local-emulator",
        "aws:secretKey": "local-emulator",
        "aws:skipCredentialsValidation": True,
        "aws:skipRequestingAccountId": True,
        "aws:skipMetadataApiCheck": True,
        "aws:s3UsePathStyle": True,
    }
    endpoints = _endpoints()
    assert set(endpoints.values()) == {"http://127.0.0.1:4566"}
    # The Python SDK spells the provider's `lambda` key `lambda_` (a Python keyword).
    fields = {f.removesuffix("_") for f in inspect.signature(pulumi_aws.ProviderEndpointArgs).parameters}
    assert set(endpoints) <= fields


def test_the_local_stack_rehearses_and_its_endpoints_cover_exactly_the_services_it_calls(rehearsed: Rehearsed) -> None:
    report = rehearsed("local")
    assert report.failed_checks == []
    called = {op.split(":")[0] for outcome in report.outcomes for op in outcome.operations}
    # sts answers the program's getCallerIdentity invoke.
    expected = {PROVIDER_ENDPOINT_KEY.get(service, service) for service in called} | {"sts"}
    assert sorted(_endpoints()) == sorted(expected)
    assert sorted(expected) == [
        "apigatewayv2",
        "cloudwatch",
        "ec2",
        "events",
        "iam",
        "kms",
        "lambda",
        "logs",
        "s3",
        "sagemaker",
        "sns",
        "sqs",
        "sts",
    ]
