"""The text-analysis Lambda handlers against moto's S3 and a Comprehend client answered like the service.

What these tests cannot prove: Lambda's own retry and dead-letter delivery (the handler raises and leaves
that to Lambda's asynchronous invocation), the S3 notification and schedule wiring, or IAM. They prove the
objects written, their encryption settings, the job requests and the pending-marker lifecycle.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from client.text.errors import JobFailedError, TextInputError
from functions.text_analysis import ConfigError, Services, Settings, complete_jobs, handler
from tests.text.fakes import FakeComprehend, penguin_service

BUCKET = "mlops-dev-data"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ENV = {
    "TEXT_INPUT_PREFIX": "text/incoming",
    "TEXT_RESULTS_PREFIX": "text/results/",
    "TEXT_PENDING_PREFIX": "text/pending",
    "TEXT_JOB_OUTPUT_PREFIX": "text/jobs",
    "TEXT_ANALYSES": "entities,sentiment",
    "TEXT_KMS_KEY_ARN": KEY_ARN,
    "TEXT_DATA_ACCESS_ROLE_ARN": "arn:aws:iam::123456789012:role/mlops-dev-comprehend",
}


def s3_event(key: str) -> dict[str, Any]:
    return {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": BUCKET}, "object": {"key": key}}}]}


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def read_lines(s3: Any, key: str) -> list[dict[str, Any]]:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode("utf-8")
    return [json.loads(line) for line in body.splitlines()]


def test_a_small_file_is_analysed_in_real_time_and_written_as_encrypted_json_lines(s3: Any) -> None:
    text = "A Gentoo on Biscoe.\n\nLes manchots Adélie 🐧 de Torgersen et un Adelie.\n"
    s3.put_object(Bucket=BUCKET, Key="text/incoming/day one.txt", Body=text.encode("utf-8"))
    fake = FakeComprehend(penguin_service)
    services = Services(s3=s3, comprehend=fake.client)

    outcome = handler(s3_event("text/incoming/day+one.txt"), None, services, Settings.from_env(ENV))

    assert outcome == {
        "handled": [
            {
                "mode": "realtime",
                "key": "text/incoming/day one.txt",
                "documents": 2,
                "errors_per_results_key": {
                    "text/results/day one.txt.entities.jsonl": 0,
                    "text/results/day one.txt.sentiment.jsonl": 0,
                },
            }
        ]
    }
    assert fake.operations() == ["BatchDetectDominantLanguage", "BatchDetectEntities", "BatchDetectSentiment"]
    entities = read_lines(s3, "text/results/day one.txt.entities.jsonl")
    assert [(r["SourceKey"], r["Line"], r["Index"], r["LanguageCode"]) for r in entities] == [
        ("text/incoming/day one.txt", 0, 0, "en"),
        ("text/incoming/day one.txt", 2, 1, "en"),
    ]
    lines = text.split("\n")
    assert [
        [lines[r["Line"]][e["BeginOffset"] : e["EndOffset"]] for e in r["Result"]["Entities"]] for r in entities
    ] == [["Gentoo", "Biscoe"], ["Torgersen", "Adelie"]]
    head = s3.head_object(Bucket=BUCKET, Key="text/results/day one.txt.sentiment.jsonl")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"], head["ContentType"]) == (
        "aws:kms",
        KEY_ARN,
        "application/x-ndjson",
    )


def test_keys_outside_the_prefix_and_folder_markers_are_skipped(s3: Any) -> None:
    services = Services(s3=s3, comprehend=FakeComprehend(penguin_service).client)
    settings = Settings.from_env(ENV)
    assert handler(s3_event("text/results/x.txt"), None, services, settings) == {
        "handled": [{"mode": "skipped", "key": "text/results/x.txt"}]
    }
    assert handler(s3_event("text/incoming/"), None, services, settings)["handled"][0]["mode"] == "skipped"


def test_a_file_that_is_not_utf8_fails_naming_the_key_not_the_content(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="text/incoming/latin1.txt", Body="café secret".encode("latin-1"))
    services = Services(s3=s3, comprehend=FakeComprehend(penguin_service).client)
    with pytest.raises(TextInputError) as raised:
        handler(s3_event("text/incoming/latin1.txt"), None, services, Settings.from_env(ENV))
    assert str(raised.value) == (
        "s3://mlops-dev-data/'text/incoming/latin1.txt' is not UTF-8 (byte 3); Comprehend reads UTF-8"
    )


class JobService:
    """Start*Job and Describe*Job answers shaped like Comprehend's; the job 'finishes' when told to."""

    def __init__(self, final_status: str = "COMPLETED") -> None:
        self.final_status = final_status
        self.finished = False
        self.started: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        if operation.startswith("Start"):
            self.started.append((operation, body))
            return {"JobId": f"job-{len(self.started)}", "JobStatus": "SUBMITTED"}
        status = self.final_status if self.finished else "IN_PROGRESS"
        key = {
            "DescribeEntitiesDetectionJob": "EntitiesDetectionJobProperties",
            "DescribeSentimentDetectionJob": "SentimentDetectionJobProperties",
        }[operation]
        properties: dict[str, Any] = {
            "JobId": body["JobId"],
            "JobStatus": status,
            "OutputDataConfig": {
                "S3Uri": f"s3://{BUCKET}/text/jobs/123456789012-X-{body['JobId']}/output/output.tar.gz"
            },
        }
        if status == "FAILED":
            properties["Message"] = "NO_WRITE_ACCESS_TO_OUTPUT"
        return {key: properties}


def put_archive(s3: Any, job_id: str, lines: list[dict[str, Any]]) -> None:
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("output")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    s3.put_object(Bucket=BUCKET, Key=f"text/jobs/123456789012-X-{job_id}/output/output.tar.gz", Body=buffer.getvalue())


def test_a_large_file_becomes_jobs_whose_results_the_schedule_writes(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="text/incoming/big.txt", Body=b"A Gentoo on Biscoe.\n" * 10)
    service = JobService()
    services = Services(s3=s3, comprehend=FakeComprehend(service).client)
    settings = Settings.from_env({**ENV, "TEXT_REALTIME_MAX_BYTES": "100", "TEXT_LANGUAGE": "en"})

    outcome = handler(s3_event("text/incoming/big.txt"), None, services, settings)
    assert outcome["handled"] == [
        {"mode": "jobs", "key": "text/incoming/big.txt", "bytes": 200, "jobs": ["job-1", "job-2"]}
    ]
    operation, body = service.started[0]
    assert operation == "StartEntitiesDetectionJob"
    assert body["InputDataConfig"] == {
        "S3Uri": f"s3://{BUCKET}/text/incoming/big.txt",
        "InputFormat": "ONE_DOC_PER_LINE",
    }
    assert body["OutputDataConfig"] == {"S3Uri": f"s3://{BUCKET}/text/jobs/", "KmsKeyId": KEY_ARN}
    assert body["VolumeKmsKeyId"] == KEY_ARN
    pending = s3.list_objects_v2(Bucket=BUCKET, Prefix="text/pending/")["Contents"]
    assert sorted(item["Key"] for item in pending) == ["text/pending/job-1.json", "text/pending/job-2.json"]

    assert complete_jobs({"Bucket": BUCKET}, None, services, settings) == {
        "completed": [],
        "running": ["job-1", "job-2"],
    }

    service.finished = True
    line = {
        "Entities": [{"BeginOffset": 2, "EndOffset": 8, "Score": 0.99, "Text": "Gentoo", "Type": "OTHER"}],
        "File": "big.txt",
        "Line": 0,
    }
    put_archive(s3, "job-1", [line])
    put_archive(s3, "job-2", [{"File": "big.txt", "Line": 0, "Sentiment": "NEUTRAL"}])
    assert complete_jobs({"Bucket": BUCKET}, None, services, settings) == {
        "completed": ["job-1", "job-2"],
        "running": [],
    }
    assert read_lines(s3, "text/results/big.txt.entities.jsonl") == [
        {"SourceKey": "text/incoming/big.txt", "Source": "output", **line}
    ]
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="text/pending/")


def test_a_failed_job_raises_after_the_sweep_so_lambda_sends_it_to_the_dead_letter_queue(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="text/incoming/big.txt", Body=b"A Gentoo.\n" * 30)
    service = JobService(final_status="FAILED")
    services = Services(s3=s3, comprehend=FakeComprehend(service).client)
    settings = Settings.from_env(
        {**ENV, "TEXT_ANALYSES": "entities", "TEXT_REALTIME_MAX_BYTES": "100", "TEXT_LANGUAGE": "en"}
    )
    handler(s3_event("text/incoming/big.txt"), None, services, settings)
    service.finished = True
    with pytest.raises(JobFailedError) as raised:
        complete_jobs({"Bucket": BUCKET}, None, services, settings)
    assert str(raised.value) == "1 job(s) failed: job-1 FAILED: NO_WRITE_ACCESS_TO_OUTPUT"
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="text/pending/")


def test_large_files_need_a_language_for_jobs(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="text/incoming/big.txt", Body=b"x" * 200)
    services = Services(s3=s3, comprehend=FakeComprehend(JobService()).client)
    with pytest.raises(TextInputError, match=r"over the real-time limit, and jobs need a language: set TEXT_LANGUAGE"):
        handler(
            s3_event("text/incoming/big.txt"),
            None,
            services,
            Settings.from_env({**ENV, "TEXT_REALTIME_MAX_BYTES": "100"}),
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"TEXT_ANALYSES": "entities,syntax"},
            "[TEXT_ANALYSES] must list analyses from custom_entities, entities, "
            "key_phrases, pii_entities, sentiment (got entities, syntax)",
        ),
        (
            {"TEXT_REALTIME_MAX_BYTES": "1e5"},
            "[TEXT_REALTIME_MAX_BYTES] must be a positive number of bytes (got '1e5')",
        ),
        ({"TEXT_KMS_KEY_ARN": "alias/stack"}, "[TEXT_KMS_KEY_ARN] must be an ARN (got 'alias/stack')"),
        (
            {"TEXT_RESULTS_PREFIX": "/"},
            "[TEXT_RESULTS_PREFIX] must be an S3 folder such as text/incoming (got nothing)",
        ),
        (
            {"TEXT_ANALYSES": "custom_entities"},
            "[TEXT_ENDPOINT_ARN] and [TEXT_RECOGNIZER_ARN] are needed for "
            "custom_entities (real time uses the endpoint, jobs the recognizer)",
        ),
    ],
)
def test_settings_errors_name_the_variable_and_the_fix(change: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({**ENV, **change})
    assert str(raised.value) == message


def test_the_schedule_input_must_name_the_bucket() -> None:
    with pytest.raises(ConfigError, match=r'^the schedule input must be \{"Bucket": "<bucket name>"\}$'):
        complete_jobs({}, None, Services(s3=None, comprehend=None), Settings.from_env(ENV))
