"""Asynchronous Comprehend jobs for inputs too large for real time: start, wait, unpack to JSON lines.

A job reads documents from an S3 prefix (one per file or one per line) and writes its answer under the
output prefix, in a folder of its own: `<account>-<TYPE>-<job id>/output/output.tar.gz`, whose path the
job's description gives in `OutputDataConfig.S3Uri`. PII jobs are the exception: they write plain
`<input file>.out` files under that folder, no archive. Entities, key phrases and sentiment archives hold
one JSON document per line (file `output`); topic modelling holds `topic-terms.csv` and `doc-topics.csv`.

Topic modelling: AWS's API reference carries a notice that topic modelling (with event detection) is no
longer available to new customers from 30 April 2026 ("Amazon Comprehend feature availability change"). The request
is kept for existing customers; a new account gets Comprehend's refusal from `start` (a botocore ClientError).

Encryption: `VolumeKmsKeyId` encrypts the storage of the instances that run the job, `KmsKeyId` in
`OutputDataConfig` the results written to S3. The job's data-access role needs the key (see `iam`).
"""

from __future__ import annotations

import csv
import io
import json
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlparse

from client.text.errors import JobFailedError, JobTimeoutError, TextInputError
from client.text.retry import RetryPolicy, call_with_retries

TERMINAL = frozenset({"COMPLETED", "FAILED", "STOPPED"})
ARCHIVE_NAME = "output.tar.gz"
# Upper bound on one archive member we read into memory; entity output for 5 GB of input stays far below.
_MAX_MEMBER_BYTES = 512 * 1024 * 1024


class JobKind(StrEnum):
    ENTITIES = "entities"
    KEY_PHRASES = "key_phrases"
    SENTIMENT = "sentiment"
    PII_ENTITIES = "pii_entities"
    TOPICS = "topics"


_OPERATIONS: dict[JobKind, tuple[str, str, str]] = {
    # kind: (start operation, describe operation, properties key in the describe answer)
    JobKind.ENTITIES: (
        "start_entities_detection_job",
        "describe_entities_detection_job",
        "EntitiesDetectionJobProperties",
    ),
    JobKind.KEY_PHRASES: (
        "start_key_phrases_detection_job",
        "describe_key_phrases_detection_job",
        "KeyPhrasesDetectionJobProperties",
    ),
    JobKind.SENTIMENT: (
        "start_sentiment_detection_job",
        "describe_sentiment_detection_job",
        "SentimentDetectionJobProperties",
    ),
    JobKind.PII_ENTITIES: (
        "start_pii_entities_detection_job",
        "describe_pii_entities_detection_job",
        "PiiEntitiesDetectionJobProperties",
    ),
    JobKind.TOPICS: ("start_topics_detection_job", "describe_topics_detection_job", "TopicsDetectionJobProperties"),
}


@dataclass(frozen=True)
class JobRequest:
    """Everything one job needs; `request_params()` builds the Start*Job request."""

    kind: JobKind
    input_s3_uri: str
    output_s3_uri: str
    data_access_role_arn: str
    kms_key_id: str
    """Encrypts the results in S3 and, where the operation takes it, the job's volume."""
    job_name: str
    language: str | None = "en"
    one_doc_per_line: bool = True
    entity_recognizer_arn: str | None = None
    number_of_topics: int | None = None

    def request_params(self) -> dict[str, Any]:
        for uri in (self.input_s3_uri, self.output_s3_uri):
            if not uri.startswith("s3://"):
                raise TextInputError(f"{uri!r} is not an S3 URI; give s3://bucket/prefix/")
        params: dict[str, Any] = {
            "InputDataConfig": {
                "S3Uri": self.input_s3_uri,
                "InputFormat": "ONE_DOC_PER_LINE" if self.one_doc_per_line else "ONE_DOC_PER_FILE",
            },
            "OutputDataConfig": {"S3Uri": self.output_s3_uri, "KmsKeyId": self.kms_key_id},
            "DataAccessRoleArn": self.data_access_role_arn,
            "JobName": self.job_name,
        }
        if self.kind is JobKind.TOPICS:
            # Topic modelling detects the language itself and takes no LanguageCode.
            if self.number_of_topics is not None:
                params["NumberOfTopics"] = self.number_of_topics
        else:
            if not self.language:
                raise TextInputError(f"a {self.kind.value} job needs a language code")
            params["LanguageCode"] = self.language
        if self.kind is JobKind.PII_ENTITIES:
            # ONLY_OFFSETS returns the entities; ONLY_REDACTION would return redacted copies instead.
            params["Mode"] = "ONLY_OFFSETS"
        else:
            # StartPiiEntitiesDetectionJob has no VolumeKmsKeyId member; every other Start*Job does.
            params["VolumeKmsKeyId"] = self.kms_key_id
        if self.kind is JobKind.ENTITIES and self.entity_recognizer_arn:
            params["EntityRecognizerArn"] = self.entity_recognizer_arn
        elif self.entity_recognizer_arn:
            raise TextInputError("entity_recognizer_arn applies to entities jobs only")
        return params


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    status: str
    message: str
    output_s3_uri: str


class JobRunner:
    """Starts and waits for jobs through a Comprehend client, retrying throttled calls."""

    def __init__(
        self,
        client: Any,
        *,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep

    def start(self, request: JobRequest) -> str:
        start_name, _, _ = _OPERATIONS[request.kind]
        params = request.request_params()
        response = call_with_retries(self._retry, lambda: getattr(self._client, start_name)(**params))
        return str(response["JobId"])

    def describe(self, kind: JobKind, job_id: str) -> JobStatus:
        _, describe_name, key = _OPERATIONS[kind]
        response = call_with_retries(self._retry, lambda: getattr(self._client, describe_name)(JobId=job_id))
        properties = response[key]
        return JobStatus(
            job_id=job_id,
            status=str(properties["JobStatus"]),
            message=str(properties.get("Message", "")),
            output_s3_uri=str(properties.get("OutputDataConfig", {}).get("S3Uri", "")),
        )

    def wait(
        self,
        kind: JobKind,
        job_id: str,
        *,
        timeout: float = 4 * 3600,
        poll_interval: float = 30.0,
        progress: Callable[[JobStatus, float], None] | None = None,
    ) -> JobStatus:
        """Polls until the job ends; `progress(status, elapsed_seconds)` after each poll.

        Raises JobFailedError on FAILED/STOPPED (with Comprehend's message) and JobTimeoutError after
        `timeout` seconds; the job keeps running in that case and can be waited for again.
        """
        started = self._clock()
        while True:
            status = self.describe(kind, job_id)
            elapsed = self._clock() - started
            if progress is not None:
                progress(status, elapsed)
            if status.status == "COMPLETED":
                return status
            if status.status in TERMINAL:
                raise JobFailedError(f"job {job_id} ended {status.status}: {status.message or 'no message'}")
            if elapsed + poll_interval > timeout:
                raise JobTimeoutError(
                    f"job {job_id} still {status.status} after {elapsed:.0f} s; wait again or raise the timeout"
                )
            self._sleep(poll_interval)


def split_s3_uri(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise TextInputError(f"{uri!r} is not an S3 URI; give s3://bucket/key")
    return parsed.netloc, parsed.path.lstrip("/")


def records_from_archive(data: bytes) -> Iterator[dict[str, Any]]:
    """JSON records from a job's output.tar.gz, each tagged with the archive member it came from.

    JSON-lines members give one record per line; CSV members (topic modelling) one record per row keyed
    by the header. Members are read in memory, never extracted to disk, so names like `../x` are harmless.
    """
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            if member.size > _MAX_MEMBER_BYTES:
                raise JobFailedError(f"archive member {member.name!r} is {member.size} bytes, over our read limit")
            handle = archive.extractfile(member)
            if handle is None:  # pragma: no cover - isfile() members always have content
                continue
            text = handle.read().decode("utf-8")
            name = member.name.rsplit("/", 1)[-1]
            if name.endswith(".csv"):
                for row in csv.DictReader(io.StringIO(text)):
                    yield {"Source": name, **row}
                continue
            yield from _json_lines(name, text)


def _json_lines(name: str, text: str) -> Iterator[dict[str, Any]]:
    """One record per non-blank line of a job's output file, tagged with the file it came from."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise JobFailedError(f"{name}:{number}: not a JSON line ({error.msg})") from error
        yield {"Source": name, **record}


def records_from_pii_outputs(objects: dict[str, bytes]) -> Iterator[dict[str, Any]]:
    """JSON records from a PII job's `<input>.out` files (plain JSON lines, no archive)."""
    for key in sorted(objects):
        name = key.rsplit("/", 1)[-1]
        yield from _json_lines(name, objects[key].decode("utf-8"))


def fetch_results(s3: Any, kind: JobKind, status: JobStatus) -> list[dict[str, Any]]:
    """A finished job's records, read from S3 (the archive, or a PII job's `.out` files)."""
    bucket, key = split_s3_uri(status.output_s3_uri)
    if kind is JobKind.PII_ENTITIES and not key.endswith(ARCHIVE_NAME):
        objects: dict[str, bytes] = {}
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=key):
            for item in page.get("Contents", []):
                if item["Key"].endswith(".out"):
                    objects[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        return list(records_from_pii_outputs(objects))
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return list(records_from_archive(data))


def to_json_lines(records: list[dict[str, Any]]) -> bytes:
    return b"".join(
        json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n" for record in records
    )
