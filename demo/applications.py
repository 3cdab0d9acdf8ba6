"""The functions' demo step, offline: S3 batch scoring and the HTTP API against an emulator and the local model.

``run(runtime_url=..., aws_endpoint_url=..., manifest=...)`` needs a running local model server
(``python -m training.serve``) and an S3/SQS emulator (moto) on loopback. It uploads a CSV under
``incoming/`` of a versioned bucket, builds the S3 notification S3 would send for that object version,
runs the scoring handler on it (twice: the second delivery does nothing), prints the predictions object,
then calls the HTTP handler with a valid and an invalid API Gateway request. The handlers are the ones
Lambda runs; only their boto3 clients are pointed at the emulator and the local server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from client.endpoint import EndpointClient
from client.schema import ModelSchema
from functions.events import http_api_request, s3_event_for
from functions.http_api import PredictApi
from functions.scoring import Scorer
from functions.settings import EndpointSettings, ScoringSettings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "penguins.csv"
BUCKET = "sagemaker-mlops-demo-scoring"
QUEUE = "sagemaker-mlops-demo-scoring-dlq"
KEY = "incoming/demo/penguins.csv"
REGION = "us-east-1"


@dataclass(frozen=True)
class DemoResult:
    rows_in: int
    rows_out: int
    first_delivery: str
    second_delivery: str
    valid_status: int
    invalid_status: int
    invalid_message: str


class _Context:
    aws_request_id = "demo-request"

    def get_remaining_time_in_millis(self) -> int:
        return 15 * 60 * 1000  # Lambda's maximum timeout


def run(
    *,
    runtime_url: str,
    aws_endpoint_url: str,
    manifest: Path,
    data: Path = DATA,
    out: Callable[[str], None] = print,
) -> DemoResult:
    # Placeholder keys: the emulator and the local server check no signature, and real keys never leave.
    session = boto3.session.Session(aws_access_key_id="demo", aws_secret_access_key="demo", region_name=REGION)
    s3 = session.client("s3", endpoint_url=aws_endpoint_url)
    sqs = session.client("sqs", endpoint_url=aws_endpoint_url)
    schema = ModelSchema.from_manifest(manifest)
    client = EndpointClient("sagemaker-mlops-dev", schema, region=REGION, endpoint_url=runtime_url, session=session)

    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    body = data.read_bytes()
    rows_in = len([line for line in body.decode().splitlines()[1:] if line.strip()])
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)
    out(f"uploaded s3://{BUCKET}/{KEY} ({rows_in} rows)")

    endpoint = EndpointSettings("sagemaker-mlops-dev", "realtime", REGION, manifest)
    settings = ScoringSettings(endpoint, queue_url, 256 * 1024 * 1024, 20_000, 30)
    scorer = Scorer(settings, client, s3, sqs)
    event = s3_event_for(s3, BUCKET, KEY)
    first = scorer.handle(event, _Context())["results"][0]
    out(f"scoring handler on the S3 event: {json.dumps(first)}")
    predictions = s3.get_object(Bucket=BUCKET, Key=first["output"])["Body"].read().decode().splitlines()
    out(f"s3://{BUCKET}/{first['output']} ({len(predictions) - 1} rows), first lines:")
    for line in predictions[:4]:
        out(f"  {line}")
    second = scorer.handle(event, _Context())["results"][0]
    out(f"same event again: {second['status']} ({second.get('reason')})")

    api = PredictApi(client, 1024 * 1024)
    names = body.decode().splitlines()[0].split(",")
    record = dict(zip(names, body.decode().splitlines()[1].split(","), strict=True))
    record.pop(schema.target, None)
    valid = _call(api, json.dumps({"instances": [record]}))
    out(f"POST /predict (valid): {valid['statusCode']} {valid['body']}")
    misspelt = {("bill_lenght_mm" if k == "bill_length_mm" else k): v for k, v in record.items()}
    invalid = _call(api, json.dumps([misspelt]))
    out(f"POST /predict (misspelt feature): {invalid['statusCode']} {invalid['body']}")
    return DemoResult(
        rows_in=rows_in,
        rows_out=len(predictions) - 1,
        first_delivery=str(first["status"]),
        second_delivery=str(second["status"]),
        valid_status=int(valid["statusCode"]),
        invalid_status=int(invalid["statusCode"]),
        invalid_message=str(json.loads(invalid["body"])["message"]),
    )


def _call(api: PredictApi, body: str) -> dict[str, Any]:
    return api.handle(http_api_request(body=body), _Context())
