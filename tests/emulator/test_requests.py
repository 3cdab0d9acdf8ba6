"""Pulumi inputs -> AWS API requests: the generic mapping onto botocore's shapes (no emulator needed).

These prove the mapping and botocore's validation; they cannot prove AWS accepts the request
semantically (the emulator tests come closer, and only a real deployment proves it).
"""

from __future__ import annotations

from typing import Any

import pytest

from offline.rehearsal.requests import RequestRejectedError, UnmappedInputError, api_params, validate


@pytest.mark.parametrize(
    ("service", "operation", "inputs", "renames", "expected"),
    [
        (
            # camelCase -> PascalCase ignoring case (memorySizeInMb -> MemorySizeInMB), doubles -> ints.
            "sagemaker",
            "CreateEndpointConfig",
            {
                "name": "cfg",
                "productionVariants": [
                    {
                        "variantName": "primary",
                        "modelName": "m",
                        "serverlessConfig": {"memorySizeInMb": 2048.0, "maxConcurrency": 5.0},
                    }
                ],
                "tags": {"stack": "dev"},
            },
            {"name": "EndpointConfigName"},
            {
                "EndpointConfigName": "cfg",
                "ProductionVariants": [
                    {
                        "VariantName": "primary",
                        "ModelName": "m",
                        "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
                    }
                ],
                "Tags": [{"Key": "stack", "Value": "dev"}],
            },
        ),
        (
            # Map keys are data: the container environment keeps its keys verbatim.
            "sagemaker",
            "CreateModel",
            {"name": "m", "primaryContainer": {"image": "img", "environment": {"SAGEMAKER_PROGRAM": "inference.py"}}},
            {"name": "ModelName"},
            {
                "ModelName": "m",
                "PrimaryContainer": {"Image": "img", "Environment": {"SAGEMAKER_PROGRAM": "inference.py"}},
            },
        ),
        (
            # KMS tags are TagKey/TagValue pairs.
            "kms",
            "CreateKey",
            {"description": "k", "tags": {"owner": "ml"}},
            {},
            {"Description": "k", "Tags": [{"TagKey": "owner", "TagValue": "ml"}]},
        ),
        (
            # Application Auto Scaling tags are a map: left as one.
            "application-autoscaling",
            "RegisterScalableTarget",
            {
                "serviceNamespace": "sagemaker",
                "resourceId": "endpoint/e/variant/v",
                "scalableDimension": "d",
                "minCapacity": 2.0,
                "tags": {"a": "b"},
            },
            {},
            {
                "ServiceNamespace": "sagemaker",
                "ResourceId": "endpoint/e/variant/v",
                "ScalableDimension": "d",
                "MinCapacity": 2,
                "Tags": {"a": "b"},
            },
        ),
        (
            # okActions -> OKActions: the case-insensitive match covers acronyms.
            "cloudwatch",
            "PutMetricAlarm",
            {"name": "a", "okActions": ["arn:sns"], "period": 60.0, "threshold": 0.5},
            {"name": "AlarmName"},
            {"AlarmName": "a", "OKActions": ["arn:sns"], "Period": 60, "Threshold": 0.5},
        ),
    ],
    ids=["nested-acronyms", "map-keys-verbatim", "kms-tags", "map-tags", "ok-actions"],
)
def test_inputs_map_onto_the_api_shape(
    service: str, operation: str, inputs: dict[str, Any], renames: dict[str, str], expected: dict[str, Any]
) -> None:
    params = api_params(service, operation, inputs, where="test", renames=renames)
    assert params == expected
    validate(service, operation, params, "test")


def test_an_unknown_nested_key_names_its_path() -> None:
    inputs = {"productionVariants": [{"variantName": "primary", "bogus": 1}]}
    with pytest.raises(
        UnmappedInputError, match=r"^r: input productionVariants\[0\]\.bogus has no counterpart in ProductionVariant"
    ):
        api_params("sagemaker", "CreateEndpointConfig", inputs, where="r")


def test_a_provider_only_argument_must_be_declared_to_be_dropped() -> None:
    with pytest.raises(UnmappedInputError, match=r"input forceDestroy has no counterpart in s3:CreateBucket"):
        api_params("s3", "CreateBucket", {"bucket": "b", "forceDestroy": True}, where="r")
    params = api_params(
        "s3", "CreateBucket", {"bucket": "b", "forceDestroy": True}, where="r", provider_only={"forceDestroy": "delete"}
    )
    assert params == {"Bucket": "b"}


def test_validation_names_a_missing_required_member() -> None:
    with pytest.raises(RequestRejectedError) as raised:
        validate("sagemaker", "CreateEndpointConfig", {"EndpointConfigName": "c"}, "r")
    assert raised.value.report == 'Missing required parameter in input: "ProductionVariants"'
    assert str(raised.value) == (
        "r: sagemaker:CreateEndpointConfig rejected by the AWS API model: "
        'Missing required parameter in input: "ProductionVariants"'
    )
