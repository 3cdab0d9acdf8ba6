"""Asynchronous jobs: requests valid for the service model, the wait, and output.tar.gz unpacked.

What these tests cannot prove: that a real job finishes, or the exact content Comprehend writes (the
archives here follow the documented layout: one JSON object per line in `output`, topic CSVs). The local
emulator accepts the requests but never runs a job (see test_emulator_demo.py).
"""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from botocore.validate import ParamValidator
from moto import mock_aws

from client.text.errors import JobFailedError, JobTimeoutError, TextInputError
from client.text.jobs import (
    JobKind,
    JobRequest,
    JobRunner,
    JobStatus,
    fetch_results,
    records_from_archive,
    to_json_lines,
)
from client.text.retry import RetryPolicy

ROLE = "arn:aws:iam::123456789012:role/mlops-dev-comprehend"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
RECOGNIZER = "arn:aws:comprehend:us-east-1:123456789012:entity-recognizer/penguins/version/v1"
START = {
    JobKind.ENTITIES: "StartEntitiesDetectionJob",
    JobKind.KEY_PHRASES: "StartKeyPhrasesDetectionJob",
    JobKind.SENTIMENT: "StartSentimentDetectionJob",
    JobKind.PII_ENTITIES: "StartPiiEntitiesDetectionJob",
    JobKind.TOPICS: "StartTopicsDetectionJob",
}


def request(kind: JobKind, **overrides: Any) -> JobRequest:
    values: dict[str, Any] = {
        "kind": kind,
        "input_s3_uri": "s3://mlops-dev-data/text/incoming/notes.txt",
        "output_s3_uri": "s3://mlops-dev-data/text/jobs/",
        "data_access_role_arn": ROLE,
        "kms_key_id": KEY,
        "job_name": "notes",
        "language": None if kind is JobKind.TOPICS else "en",
    }
    values.update(overrides)
    return JobRequest(**values)


@pytest.mark.parametrize("kind", list(JobKind))
def test_every_start_request_is_valid_for_the_service_model(kind: JobKind) -> None:
    model = botocore.session.get_session().get_service_model("comprehend")
    extra = {"entity_recognizer_arn": RECOGNIZER} if kind is JobKind.ENTITIES else {}
    params = request(kind, **extra).request_params()
    report = ParamValidator().validate(params, model.operation_model(START[kind]).input_shape)
    assert not report.has_errors(), report.generate_report()


def test_entities_job_request_is_exact() -> None:
    assert request(JobKind.ENTITIES, entity_recognizer_arn=RECOGNIZER).request_params() == {
        "InputDataConfig": {"S3Uri": "s3://mlops-dev-data/text/incoming/notes.txt", "InputFormat": "ONE_DOC_PER_LINE"},
        "OutputDataConfig": {"S3Uri": "s3://mlops-dev-data/text/jobs/", "KmsKeyId": KEY},
        "DataAccessRoleArn": ROLE,
        "JobName": "notes",
        "LanguageCode": "en",
        "VolumeKmsKeyId": KEY,
        "EntityRecognizerArn": RECOGNIZER,
    }


def test_pii_and_topics_requests_differ_where_the_api_does() -> None:
    pii = request(JobKind.PII_ENTITIES).request_params()
    assert (pii["Mode"], "VolumeKmsKeyId" in pii) == ("ONLY_OFFSETS", False)
    topics = request(JobKind.TOPICS, number_of_topics=12).request_params()
    assert ("LanguageCode" in topics, topics["NumberOfTopics"], topics["VolumeKmsKeyId"]) == (False, 12, KEY)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"input_s3_uri": "/data/notes.txt"}, "'/data/notes.txt' is not an S3 URI; give s3://bucket/prefix/"),
        ({"language": None}, "a sentiment job needs a language code"),
        ({"entity_recognizer_arn": RECOGNIZER}, "entity_recognizer_arn applies to entities jobs only"),
    ],
)
def test_bad_requests_are_caller_errors(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(TextInputError) as raised:
        request(JobKind.SENTIMENT, **overrides).request_params()
    assert str(raised.value) == message


def describe_response(status: str, message: str | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "JobId": "job-1",
        "JobStatus": status,
        "OutputDataConfig": {
            "S3Uri": "s3://mlops-dev-data/text/jobs/123456789012-NER-job-1/output/output.tar.gz",
            "KmsKeyId": KEY,
        },
    }
    if message:
        properties["Message"] = message
    return {"EntitiesDetectionJobProperties": properties}


def test_wait_polls_until_completed_and_reports_progress() -> None:
    client = boto3.client("comprehend", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_response("start_entities_detection_job", {"JobId": "job-1", "JobStatus": "SUBMITTED"})
    stub.add_client_error("describe_entities_detection_job", "TooManyRequestsException", "slow down")
    for state in ("SUBMITTED", "IN_PROGRESS", "COMPLETED"):
        stub.add_response("describe_entities_detection_job", describe_response(state), {"JobId": "job-1"})
    ticks = iter([0.0, 30.0, 60.0, 90.0])
    sleeps: list[float] = []
    seen: list[tuple[str, float]] = []
    retry = RetryPolicy(sleep=sleeps.append, jitter=lambda low, high: high)
    runner = JobRunner(client, retry=retry, clock=lambda: next(ticks), sleep=sleeps.append)
    with stub:
        job_id = runner.start(request(JobKind.ENTITIES, entity_recognizer_arn=RECOGNIZER))
        status = runner.wait(
            JobKind.ENTITIES, job_id, poll_interval=30, progress=lambda s, t: seen.append((s.status, t))
        )
    stub.assert_no_pending_responses()
    assert seen == [("SUBMITTED", 30.0), ("IN_PROGRESS", 60.0), ("COMPLETED", 90.0)]
    assert sleeps == [0.5, 30, 30]
    assert status.output_s3_uri.endswith("/123456789012-NER-job-1/output/output.tar.gz")


def test_wait_raises_on_failure_and_on_timeout() -> None:
    client = boto3.client("comprehend", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_response("describe_entities_detection_job", describe_response("FAILED", "NO_READ_ACCESS_TO_INPUT"))
    stub.add_response("describe_entities_detection_job", describe_response("IN_PROGRESS"))
    ticks = iter([0.0, 10.0, 0.0, 3600.0])
    runner = JobRunner(client, clock=lambda: next(ticks), sleep=lambda _: None)
    with stub:
        with pytest.raises(JobFailedError) as failed:
            runner.wait(JobKind.ENTITIES, "job-1")
        assert str(failed.value) == "job job-1 ended FAILED: NO_READ_ACCESS_TO_INPUT"
        with pytest.raises(JobTimeoutError) as late:
            runner.wait(JobKind.ENTITIES, "job-1", timeout=3600, poll_interval=30)
        assert str(late.value) == "job job-1 still IN_PROGRESS after 3600 s; wait again or raise the timeout"


ENTITY_LINES = [
    {
        "Entities": [{"BeginOffset": 2, "EndOffset": 8, "Score": 0.99, "Text": "Gentoo", "Type": "SPECIES"}],
        "File": "notes.txt",
        "Line": 0,
    },
    {"Entities": [], "File": "notes.txt", "Line": 1},
]


def archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_archive_members_become_json_records() -> None:
    data = archive(
        {
            "output": b"".join(json.dumps(line).encode() + b"\n" for line in ENTITY_LINES),
            "topic-terms.csv": b"topic,term,weight\n000,penguin,0.12\n",
        }
    )
    assert list(records_from_archive(data)) == [
        {"Source": "output", **ENTITY_LINES[0]},
        {"Source": "output", **ENTITY_LINES[1]},
        {"Source": "topic-terms.csv", "topic": "000", "term": "penguin", "weight": "0.12"},
    ]


def test_a_broken_archive_line_names_member_and_line() -> None:
    with pytest.raises(JobFailedError) as raised:
        list(records_from_archive(archive({"output": b'{"Line": 0}\n{not json\n'})))
    assert str(raised.value).startswith("output:2: not a JSON line (")


def test_fetch_results_reads_the_archive_and_pii_out_files_from_s3() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="mlops-dev-data")
        key = "text/jobs/123456789012-NER-job-1/output/output.tar.gz"
        s3.put_object(Bucket="mlops-dev-data", Key=key, Body=archive({"output": json.dumps(ENTITY_LINES[0]).encode()}))
        status = JobStatus("job-1", "COMPLETED", "", f"s3://mlops-dev-data/{key}")
        assert fetch_results(s3, JobKind.ENTITIES, status) == [{"Source": "output", **ENTITY_LINES[0]}]

        pii_prefix = "text/jobs/123456789012-PII-job-2/output/"
        pii_line = {
            "Entities": [{"BeginOffset": 0, "EndOffset": 4, "Score": 0.9, "Type": "NAME"}],
            "File": "notes.txt",
            "Line": 0,
        }
        s3.put_object(Bucket="mlops-dev-data", Key=pii_prefix + "notes.txt.out", Body=json.dumps(pii_line).encode())
        s3.put_object(Bucket="mlops-dev-data", Key=pii_prefix + "other.log", Body=b"ignored")
        pii = JobStatus("job-2", "COMPLETED", "", f"s3://mlops-dev-data/{pii_prefix}")
        assert fetch_results(s3, JobKind.PII_ENTITIES, pii) == [{"Source": "notes.txt.out", **pii_line}]


def test_json_lines_are_sorted_utf8_one_per_line() -> None:
    assert to_json_lines([{"b": "é", "a": 1}, {"c": None}]) == '{"a": 1, "b": "é"}\n{"c": null}\n'.encode()
