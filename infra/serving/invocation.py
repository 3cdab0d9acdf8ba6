"""The ready-to-paste command that invokes a stack's endpoint (a stack output)."""

from __future__ import annotations


def invocation_command(endpoint_name: str, region: str) -> str:
    return (
        f"aws sagemaker-runtime invoke-endpoint --region {region} --endpoint-name {endpoint_name} "
        "--content-type text/csv --accept application/json "
        "--body 'Torgersen,39.1,18.7,181,3750,male,2007' --cli-binary-format raw-in-base64-out /dev/stdout"
    )
