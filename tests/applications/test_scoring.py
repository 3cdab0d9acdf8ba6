"""The S3 batch-scoring handler, in-process, on real S3 notification events against moto S3/SQS and the real model.

Proves the handler's contract: one output row per input row in order, idempotency per object version,
bad files give a report and no output, failures reach the dead-letter queue with key and reason, and an
aborted multipart upload leaves nothing behind. It cannot prove Lambda's delivery (notification filters,
retries, on-failure destination) or IAM: moto does not run Lambda code here and does not enforce the role.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from client.endpoint import EndpointClient
from client.schema import ModelSchema
from functions import scoring
from functions.events import s3_event_for
from functions.scoring import Scorer
from functions.settings import EndpointSettings, ScoringSettings
from tests.applications.conftest import Model, penguin_lines

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("offline_aws")]

LINES = penguin_lines()
HEADER = LINES[0]
ROWS = [line for line in LINES[1:] if "NA" not in line]
CLASSES = ["Adelie", "Chinstrap", "Gentoo"]


@dataclass
class Context:
    remaining_ms: int = 900_000
    aws_request_id: str = "8f5c1b7e-0000-4000-8000-000000000001"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class World:
    bucket: str
    queue_url: str
    s3: Any
    sqs: Any
    scorer: Scorer

    def upload(self, key: str, body: bytes) -> dict[str, Any]:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return s3_event_for(self.s3, self.bucket, key)

    def versions(self) -> list[tuple[str, str]]:
        listing = self.s3.list_object_versions(Bucket=self.bucket)
        return sorted((v["Key"], v["VersionId"]) for v in listing.get("Versions", []))

    def keys(self) -> list[str]:
        return sorted(o["Key"] for o in self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", []))

    def dead_letters(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        return [json.loads(m["Body"]) for m in answer.get("Messages", [])]

    def text(self, key: str) -> str:
        return str(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode())


def world(
    model: Model, *, max_object_bytes: int = 256 * 1024 * 1024, rows_per_chunk: int = 2000, versioned: bool = True
) -> World:
    s3, sqs = boto3.client("s3", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    bucket = f"scoring-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    queue_url = sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    endpoint = EndpointSettings("sagemaker-mlops-dev", "realtime", "us-east-1", model.manifest)
    settings = ScoringSettings(endpoint, queue_url, max_object_bytes, rows_per_chunk, time_margin_seconds=30)
    client = EndpointClient("sagemaker-mlops-dev", ModelSchema.from_manifest(model.manifest), region="us-east-1")
    return World(bucket, queue_url, s3, sqs, Scorer(settings, client, s3, sqs))


def with_ids(rows: list[str]) -> bytes:
    return ("id," + HEADER + "\n" + "".join(f"{i},{row}\n" for i, row in enumerate(rows, start=1))).encode()


def test_ten_thousand_rows_scored_in_order_with_input_columns_kept(model: Model) -> None:
    w = world(model)
    rows = [ROWS[i % len(ROWS)] for i in range(10_000)]
    event = w.upload("incoming/2026/12/batch one.csv", with_ids(rows))
    result = w.scorer.handle(event, Context())
    assert result == {
        "results": [
            {
                "key": "incoming/2026/12/batch one.csv",
                "status": "scored",
                "rows": 10_000,
                "output": "predictions/2026/12/batch one.csv",
            }
        ]
    }
    out = list(csv.reader(io.StringIO(w.text("predictions/2026/12/batch one.csv"))))
    assert out[0] == ["id", *HEADER.split(","), "label", "p_Adelie", "p_Chinstrap", "p_Gentoo"]
    assert len(out) == 10_001
    assert [row[0] for row in out[1:]] == [str(i) for i in range(1, 10_001)]
    assert [",".join(row[1:9]) for row in out[1:]] == rows
    # The label is the model's answer for that very row: the species column it was trained on, mostly.
    agreement = sum(row[9] == row[1] for row in out[1:]) / 10_000
    assert agreement > 0.95
    assert all(abs(sum(float(p) for p in row[10:]) - 1) < 1e-9 for row in out[1:])
    assert w.dead_letters() == []


def test_redelivery_of_the_same_version_does_nothing(model: Model) -> None:
    w = world(model)
    event = w.upload("incoming/a.csv", with_ids(ROWS[:50]))
    assert w.scorer.handle(event, Context())["results"][0]["status"] == "scored"
    versions, sent = w.versions(), w.scorer.client.requests_sent
    again = w.scorer.handle(event, Context())
    assert again == {"results": [{"key": "incoming/a.csv", "status": "duplicate", "reason": "version already scored"}]}
    assert w.versions() == versions
    assert w.scorer.client.requests_sent == sent


def test_unversioned_bucket_is_idempotent_by_etag(model: Model) -> None:
    w = world(model, versioned=False)
    event = w.upload("incoming/a.csv", with_ids(ROWS[:5]))
    assert "versionId" not in event["Records"][0]["s3"]["object"]
    assert w.scorer.handle(event, Context())["results"][0]["status"] == "scored"
    assert w.scorer.handle(event, Context())["results"][0]["status"] == "duplicate"
    w.upload("incoming/a.csv", with_ids(ROWS[:7]))  # overwritten in place: the old event is now stale
    assert w.scorer.handle(event, Context())["results"][0]["status"] == "superseded"
    assert len(w.text("predictions/a.csv").splitlines()) == 6


def test_new_version_is_scored_and_a_late_event_for_the_old_one_is_skipped(model: Model) -> None:
    w = world(model)
    old = w.upload("incoming/a.csv", with_ids(ROWS[:3]))
    new = w.upload("incoming/a.csv", with_ids(ROWS[:5]))
    assert w.scorer.handle(new, Context())["results"][0]["rows"] == 5
    late = w.scorer.handle(old, Context())["results"][0]
    assert (late["status"], late["reason"]) == ("superseded", "a newer version is current; its own event scores it")
    assert len(w.text("predictions/a.csv").splitlines()) == 6


def test_bad_value_gives_an_error_report_and_no_predictions(model: Model, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="functions.scoring")
    w = world(model)
    rows = [ROWS[i % len(ROWS)] for i in range(3000)]
    rows[2499] = "Adelie,Torgersen,forty,18.7,181,3750,male,2007"
    event = w.upload("incoming/bad.csv", with_ids(rows))
    version = event["Records"][0]["s3"]["object"]["versionId"]
    result = w.scorer.handle(event, Context())["results"][0]
    reason = "data row 2500: feature 'bill_length_mm' holds 'forty'; expected a number (or None for missing)"
    assert result == {
        "key": "incoming/bad.csv",
        "status": "rejected",
        "output": "incoming/bad.csv.error.json",
        "reason": reason,
    }
    report = json.loads(w.text("incoming/bad.csv.error.json"))
    assert report["source"] == {"bucket": w.bucket, "key": "incoming/bad.csv", "versionId": version}
    assert report["reason"] == reason
    assert w.keys() == ["incoming/bad.csv", "incoming/bad.csv.error.json"]
    assert w.s3.list_multipart_uploads(Bucket=w.bucket).get("Uploads", []) == []
    assert [r.getMessage() for r in caplog.records if r.name == "functions.scoring"] == [
        'scoring {"key": "incoming/bad.csv", "status": "rejected", "output": "incoming/bad.csv.error.json"}'
    ]
    # Rejected is final for this version: a re-delivery writes no second report.
    versions = w.versions()
    assert w.scorer.handle(event, Context())["results"][0]["status"] == "duplicate"
    assert w.versions() == versions


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            b"island,bill_lenght_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n"
            b"Torgersen,39.1,18.7,181,3750,male,2007\n",
            "header line: unknown feature 'bill_lenght_mm' (did you mean 'bill_length_mm'?); the first "
            "line must name every feature: island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, "
            "sex, year",
        ),
        (b"", "the file is empty; send a header line and at least one row"),
        (HEADER.encode() + b"\n", "the file has a header line but no data rows"),
        (
            (HEADER + "\n" + ROWS[0] + "\n" + ROWS[1] + ",extra\n").encode(),
            "data row 2 has 9 values but the header has 8",
        ),
        (HEADER.encode() + b"\n\xff\xfe,1\n", "the file is not UTF-8 text; export it as CSV UTF-8 and upload it again"),
        (b"species,island,island\n", "header repeats column(s) island; name each column once"),
    ],
    ids=["misspelt-feature", "empty", "header-only", "ragged", "not-utf8", "duplicate-column"],
)
def test_bad_files_give_one_line_reports(model: Model, body: bytes, reason: str) -> None:
    w = world(model)
    event = w.upload("incoming/x.csv", body)
    result = w.scorer.handle(event, Context())["results"][0]
    assert (result["status"], result["reason"]) == ("rejected", reason)
    assert w.keys() == ["incoming/x.csv", "incoming/x.csv.error.json"]


def test_abort_leaves_no_partial_multipart_output(model: Model, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 5 MiB are S3's minimum; moto enforces it, so the rows are padded with a wide id column."""
    monkeypatch.setattr(scoring, "PART_BYTES", 5 * 1024 * 1024)
    w = world(model, rows_per_chunk=1000)
    pad = "x" * 1000
    rows = [f"{pad}{i},{ROWS[i % len(ROWS)]}" for i in range(9000)]
    rows[8500] = rows[8500].rsplit(",", 1)[0] + ",not-a-year"
    event = w.upload("incoming/wide.csv", ("id," + HEADER + "\n" + "\n".join(rows) + "\n").encode())
    result = w.scorer.handle(event, Context())["results"][0]
    assert (result["status"], result["reason"]) == (
        "rejected",
        "data row 8501: feature 'year' holds 'not-a-year'; expected a number (or None for missing)",
    )
    assert w.keys() == ["incoming/wide.csv", "incoming/wide.csv.error.json"]
    assert w.s3.list_multipart_uploads(Bucket=w.bucket).get("Uploads", []) == []


def test_large_output_is_written_as_multipart_in_order(model: Model, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scoring, "PART_BYTES", 5 * 1024 * 1024)
    w = world(model, rows_per_chunk=1000)
    pad = "x" * 1000
    rows = [f"{pad}{i},{ROWS[i % len(ROWS)]}" for i in range(9000)]
    event = w.upload("incoming/wide.csv", ("id," + HEADER + "\n" + "\n".join(rows) + "\n").encode())
    assert w.scorer.handle(event, Context())["results"][0]["rows"] == 9000
    head = w.s3.head_object(Bucket=w.bucket, Key="predictions/wide.csv")
    assert head["ETag"].strip('"').endswith("-2")  # two parts: the object came from CompleteMultipartUpload
    out = w.text("predictions/wide.csv").splitlines()
    assert [line.split(",", 1)[0] for line in out[1:]] == [f"{pad}{i}" for i in range(9000)]


def test_endpoint_unavailable_goes_to_the_dead_letter_queue(model: Model, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "http://127.0.0.1:9")  # discard port: refused
    w = world(model)
    w.scorer.client = EndpointClient(
        "sagemaker-mlops-dev", ModelSchema.from_manifest(model.manifest), region="us-east-1", max_attempts=1
    )
    event = w.upload("incoming/a.csv", with_ids(ROWS[:10]))
    version = event["Records"][0]["s3"]["object"]["versionId"]
    result = w.scorer.handle(event, Context())["results"][0]
    assert result["status"] == "failed"
    assert result["reason"].startswith(
        "endpoint sagemaker-mlops-dev unreachable: Could not connect to the endpoint URL"
    )
    assert w.dead_letters() == [
        {
            "bucket": w.bucket,
            "key": "incoming/a.csv",
            "versionId": version,
            "reason": result["reason"],
            "requestId": "8f5c1b7e-0000-4000-8000-000000000001",
        }
    ]
    assert w.keys() == ["incoming/a.csv"]
    # Not marked: replaying the event once the endpoint is back scores it.
    tags = w.s3.get_object_tagging(Bucket=w.bucket, Key="incoming/a.csv", VersionId=version)["TagSet"]
    assert tags == []


def test_too_large_and_out_of_time_go_to_the_dead_letter_queue(model: Model) -> None:
    w = world(model, max_object_bytes=1000)
    big = w.upload("incoming/big.csv", with_ids(ROWS[:100]))
    size = big["Records"][0]["s3"]["object"]["size"]
    assert w.scorer.handle(big, Context())["results"][0]["status"] == "failed"
    w2 = world(model, rows_per_chunk=10)
    slow = w2.upload("incoming/slow.csv", with_ids(ROWS[:10]))
    assert w2.scorer.handle(slow, Context(remaining_ms=20_000))["results"][0]["status"] == "failed"
    assert [m["reason"] for m in w.dead_letters() + w2.dead_letters()] == [
        f"object is {size} bytes, over MAX_OBJECT_BYTES=1000 for one invocation; score it with SageMaker batch "
        "transform (SplitType=Line, AssembleWith=Line)",
        "ran out of time after 0 rows (20 s left, TIME_MARGIN_SECONDS=30); score this file with SageMaker "
        "batch transform",
    ]
    assert w.keys() == ["incoming/big.csv"]
    assert w2.keys() == ["incoming/slow.csv"]


def test_other_keys_and_events_are_ignored(model: Model) -> None:
    w = world(model)
    event = w.upload("incoming/a.csv.error.json", b"{}")
    removed = {"Records": [{**event["Records"][0], "eventName": "ObjectRemoved:Delete"}]}
    assert w.scorer.handle(event, Context())["results"][0] == {
        "key": "incoming/a.csv.error.json",
        "status": "ignored",
        "reason": "only incoming/*.csv is scored",
    }
    assert w.scorer.handle(removed, Context())["results"][0]["status"] == "ignored"
    assert w.keys() == ["incoming/a.csv.error.json"]
