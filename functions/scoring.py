"""Lambda: score CSV files landing under ``incoming/`` and write ``predictions/`` (S3 event notification).

For ``incoming/<path>.csv`` (one version of it) the function writes ``predictions/<path>.csv``: the input's
header and rows, cells unchanged, with ``label`` and ``p_<class>`` (manifest class order) appended — one
output row per input row, in order. The input needs a header line holding every feature; other columns
(ids, the target) are kept in the output and not sent to the model.

Decisions, with the AWS constraint behind each:
- **Idempotent per object version.** S3 delivers events at least once, and Lambda retries a failed
  asynchronous invocation twice. The marker is a tag on the source object *version* itself
  (``mlops-scoring=scored|rejected``), written after the output is complete: a re-delivery reads the tag
  (``GetObjectTagging`` with the version id) and does nothing — no model call, no write. A tag is keyed
  by the version without any extra object, and reading it needs no ``s3:ListBucket`` (a HEAD of a
  missing marker object answers 403, not 404, without ListBucket). An event for a version that is no
  longer the current one is skipped as superseded, so a late event cannot overwrite newer predictions.
- **Never a half-written predictions file.** The output is written as an S3 multipart upload, which is
  invisible until ``CompleteMultipartUpload``; any failure aborts it. Small outputs (one part) are a
  single ``PutObject`` made after the last row is scored.
- **Large files: chunks within one invocation, batch transform beyond.** The object is streamed and
  scored ``ROWS_PER_CHUNK`` rows at a time (the client splits each chunk to the endpoint's payload
  limit); before each chunk at least ``TIME_MARGIN_SECONDS`` must remain of the invocation. Lambda runs
  at most 15 minutes, so a file above ``MAX_OBJECT_BYTES`` — or one that runs out of time — is not
  scored here: it goes to the dead-letter queue with a reason naming SageMaker batch transform, which has
  no time limit and joins output lines to input lines (our CSV answer has no header for that reason).
  Resuming across invocations would need state between them for a case batch transform already solves.
- **Bad input gives an error report, not a retry.** A file that is not UTF-8 CSV, lacks a feature
  column, has ragged rows or values the model refuses gets ``incoming/<path>.csv.error.json`` (the
  notification's ``.csv`` suffix filter keeps the report from triggering the function) and no output.
- **Failures go to the dead-letter queue** (endpoint unavailable after the client's retries, S3 errors,
  too large, out of time) as JSON with the bucket, key, version and reason; the source is not tagged, so a
  replay of the message's event scores it. Crashes the handler cannot catch (timeout, out of memory)
  reach the same queue through the function's asynchronous on-failure configuration, which carries the
  original event (hence the key) and the error message.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from client.endpoint import EndpointClient, Prediction
from client.errors import EndpointUnavailableError, PayloadTooLargeError, PredictionRejectedError, SchemaError
from functions.settings import (
    ERROR_REPORT_SUFFIX,
    INCOMING_PREFIX,
    PREDICTIONS_PREFIX,
    ScoringSettings,
)

logger = logging.getLogger("functions.scoring")

MARKER_TAG = "mlops-scoring"
SCORED, REJECTED = "scored", "rejected"
# S3 multipart parts must be >= 5 MiB except the last; flush at 8 MiB.
PART_BYTES = 8 * 1024 * 1024
MAX_TAGS = 10  # S3 allows ten tags per object


class LambdaContext(Protocol):
    aws_request_id: str

    def get_remaining_time_in_millis(self) -> int: ...


class BadInputError(Exception):
    """The file itself is wrong; the message goes into the error report."""


class OutOfTimeError(Exception):
    pass


@dataclass(frozen=True)
class SourceObject:
    bucket: str
    key: str
    version_id: str | None
    size: int
    etag: str | None

    @property
    def relative(self) -> str:
        return self.key.removeprefix(INCOMING_PREFIX)

    @property
    def predictions_key(self) -> str:
        return PREDICTIONS_PREFIX + self.relative

    @property
    def report_key(self) -> str:
        return self.key + ERROR_REPORT_SUFFIX

    def version_args(self) -> dict[str, str]:
        return {"VersionId": self.version_id} if self.version_id else {}

    def describe(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "key": self.key, "versionId": self.version_id}


@dataclass
class Outcome:
    key: str
    status: str  # scored | duplicate | superseded | rejected | failed | ignored
    rows: int | None = None
    output: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Scorer:
    settings: ScoringSettings
    client: EndpointClient
    s3: Any
    sqs: Any
    outcomes: list[Outcome] = field(default_factory=list)

    def handle(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        outcomes = [self.score(source, context) for source in sources(event)]
        for outcome in outcomes:
            logged = outcome.as_dict()
            if outcome.status == REJECTED:
                # The reason quotes the file's cells; it lives in the report, not in the logs.
                logged.pop("reason", None)
            logger.info("scoring %s", json.dumps(logged))
        return {"results": [outcome.as_dict() for outcome in outcomes]}

    def score(self, source: SourceObject | Outcome, context: LambdaContext) -> Outcome:
        if isinstance(source, Outcome):
            return source
        try:
            tags = self._tags(source)
            if tags is None:
                return Outcome(source.key, "superseded", reason="this version no longer exists")
            if tags.get(MARKER_TAG) in (SCORED, REJECTED):
                return Outcome(source.key, "duplicate", reason=f"version already {tags[MARKER_TAG]}")
            if self._superseded(source):
                return Outcome(source.key, "superseded", reason="a newer version is current; its own event scores it")
            if source.size > self.settings.max_object_bytes:
                raise OutOfTimeError(
                    f"object is {source.size} bytes, over MAX_OBJECT_BYTES={self.settings.max_object_bytes} for one "
                    "invocation; score it with SageMaker batch transform (SplitType=Line, AssembleWith=Line)"
                )
            rows = self._score_to_output(source, context)
        except BadInputError as exc:
            return self._reject(source, str(exc))
        except (OutOfTimeError, EndpointUnavailableError) as exc:
            return self._fail(source, str(exc), context)
        except (ClientError, BotoCoreError) as exc:
            return self._fail(source, f"AWS call failed: {exc}", context)
        self._mark(source, tags, SCORED)
        return Outcome(source.key, SCORED, rows=rows, output=source.predictions_key)

    # -- idempotency -------------------------------------------------------------------------------

    def _tags(self, source: SourceObject) -> dict[str, str] | None:
        try:
            answer = self.s3.get_object_tagging(Bucket=source.bucket, Key=source.key, **source.version_args())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchVersion", "404"):
                return None
            raise
        return {tag["Key"]: tag["Value"] for tag in answer.get("TagSet", [])}

    def _superseded(self, source: SourceObject) -> bool:
        current = self.s3.head_object(Bucket=source.bucket, Key=source.key)
        if source.version_id:
            return bool(current.get("VersionId") != source.version_id)
        return source.etag is not None and str(current.get("ETag", "")).strip('"') != source.etag.strip('"')

    def _mark(self, source: SourceObject, tags: Mapping[str, str], value: str) -> None:
        merged = {**tags, MARKER_TAG: value}
        if len(merged) > MAX_TAGS:
            # The uploader used all ten tags: the work is done but cannot be marked, so a re-delivery
            # would redo it. Say so rather than drop one of their tags.
            logger.warning("cannot tag %s as %s: it already has %d tags", source.key, value, len(tags))
            return
        self.s3.put_object_tagging(
            Bucket=source.bucket,
            Key=source.key,
            Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in merged.items()]},
            **source.version_args(),
        )

    # -- scoring -----------------------------------------------------------------------------------

    def _score_to_output(self, source: SourceObject, context: LambdaContext) -> int:
        body = self.s3.get_object(Bucket=source.bucket, Key=source.key, **source.version_args())["Body"]
        upload = Upload(self.s3, source.bucket, source.predictions_key, source)
        try:
            rows = self._stream(csv_rows(body), upload, context)
            upload.complete()
        except BaseException:
            upload.abort()
            raise
        return rows

    def _stream(self, rows: Iterator[list[str]], upload: Upload, context: LambdaContext) -> int:
        schema = self.client.schema
        try:
            header = next(rows)
        except StopIteration:
            raise BadInputError("the file is empty; send a header line and at least one row") from None
        names = [cell.strip() for cell in header]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise BadInputError(f"header repeats column(s) {', '.join(duplicates)}; name each column once")
        problems = schema.column_problems(names, allow_extra=True)
        if problems:
            raise BadInputError(
                f"header line: {'; '.join(problems)}; the first line must name every feature: {', '.join(schema.names)}"
            )
        positions = [names.index(feature) for feature in schema.names]
        upload.write(csv_line([*header, "label", *(f"p_{c}" for c in schema.classes)]))
        done = 0
        for chunk in chunks(rows, self.settings.rows_per_chunk):
            remaining = context.get_remaining_time_in_millis() / 1000
            if remaining < self.settings.time_margin_seconds:
                raise OutOfTimeError(
                    f"ran out of time after {done} rows ({remaining:.0f} s left, TIME_MARGIN_SECONDS="
                    f"{self.settings.time_margin_seconds}); score this file with SageMaker batch transform"
                )
            for offset, cells in enumerate(chunk):
                if len(cells) != len(header):
                    raise BadInputError(
                        f"data row {done + offset + 1} has {len(cells)} values but the header has {len(header)}"
                    )
            records = [dict(zip(schema.names, (cells[i] for i in positions), strict=True)) for cells in chunk]
            try:
                predictions = self.client.predict(records, first_row=done + 1)
            except (SchemaError, PayloadTooLargeError) as exc:
                raise BadInputError(str(exc).replace("record ", "data row ", 1)) from None
            except PredictionRejectedError as exc:
                raise BadInputError(f"the model refused rows {done + 1}-{done + len(chunk)}: {exc.message}") from None
            upload.write(
                b"".join(output_line(cells, p, schema.classes) for cells, p in zip(chunk, predictions, strict=True))
            )
            done += len(chunk)
        if done == 0:
            raise BadInputError("the file has a header line but no data rows")
        return done

    # -- outcomes ----------------------------------------------------------------------------------

    def _reject(self, source: SourceObject, reason: str) -> Outcome:
        report = {
            "source": source.describe(),
            "status": REJECTED,
            "reason": reason,
            "help": "fix the file and upload it again; data rows are counted from 1 after the header line",
        }
        self.s3.put_object(
            Bucket=source.bucket,
            Key=source.report_key,
            Body=(json.dumps(report, indent=2) + "\n").encode(),
            ContentType="application/json",
        )
        tags = self._tags(source) or {}
        self._mark(source, tags, REJECTED)
        return Outcome(source.key, REJECTED, output=source.report_key, reason=reason)

    def _fail(self, source: SourceObject, reason: str, context: LambdaContext) -> Outcome:
        message = {**source.describe(), "reason": reason, "requestId": context.aws_request_id}
        # If this send fails the exception propagates: Lambda retries the event, then its on-failure
        # destination receives it.
        self.sqs.send_message(QueueUrl=self.settings.dead_letter_queue_url, MessageBody=json.dumps(message))
        return Outcome(source.key, "failed", reason=reason)


def sources(event: Mapping[str, Any]) -> Iterator[SourceObject | Outcome]:
    """The objects of an S3 event notification (``Records[].s3``); keys arrive URL-encoded (``+`` = space)."""
    for record in event.get("Records", []):
        s3 = record.get("s3", {})
        key = unquote_plus(str(s3.get("object", {}).get("key", "")))
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            yield Outcome(key, "ignored", reason=f"event {record.get('eventName')!r} is not an object creation")
            continue
        if not key.startswith(INCOMING_PREFIX) or not key.endswith(".csv"):
            yield Outcome(key, "ignored", reason=f"only {INCOMING_PREFIX}*.csv is scored")
            continue
        obj = s3["object"]
        yield SourceObject(
            bucket=str(s3["bucket"]["name"]),
            key=key,
            version_id=obj.get("versionId") or None,
            size=int(obj.get("size", 0)),
            etag=obj.get("eTag"),
        )


class _Raw(io.RawIOBase):
    """botocore's streaming body as a raw stream, so the CSV reader streams instead of loading the file."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def csv_rows(body: Any) -> Iterator[list[str]]:
    """Rows of a UTF-8 CSV stream (BOM allowed), blank lines skipped; bad bytes are a BadInputError."""
    text = io.TextIOWrapper(io.BufferedReader(_Raw(body), 1 << 20), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                yield row
    except UnicodeDecodeError:
        # The decoder works on blocks of the stream, so no line number is known here.
        raise BadInputError("the file is not UTF-8 text; export it as CSV UTF-8 and upload it again") from None
    except csv.Error as exc:
        raise BadInputError(f"malformed CSV at line {reader.line_num}: {exc}") from None


def chunks(rows: Iterator[list[str]], size: int) -> Iterator[list[list[str]]]:
    chunk: list[list[str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def csv_line(cells: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")


def output_line(cells: Sequence[str], prediction: Prediction, classes: Sequence[str]) -> bytes:
    return csv_line([*cells, prediction.label, *(repr(prediction.probabilities[c]) for c in classes)])


class Upload:
    """The predictions object, invisible until complete: multipart beyond one part, else one PutObject."""

    def __init__(self, s3: Any, bucket: str, key: str, source: SourceObject) -> None:
        self.s3, self.bucket, self.key = s3, bucket, key
        self.metadata = {"source-key": source.key, "source-version-id": source.version_id or ""}
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= PART_BYTES:
            self._part()

    def _part(self) -> None:
        if self.upload_id is None:
            answer = self.s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType="text/csv", Metadata=self.metadata
            )
            self.upload_id = str(answer["UploadId"])
        number = len(self.parts) + 1
        answer = self.s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=bytes(self.buffer)
        )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self.buffer.clear()

    def complete(self) -> None:
        if self.upload_id is None:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=bytes(self.buffer),
                ContentType="text/csv",
                Metadata=self.metadata,
            )
            return
        if self.buffer:
            self._part()
        self.s3.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
        )

    def abort(self) -> None:
        if self.upload_id is not None:
            try:
                self.s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
            except (ClientError, BotoCoreError):  # the bucket's lifecycle rule removes incomplete uploads anyway
                logger.warning("could not abort multipart upload of %s", self.key)


_scorer: Scorer | None = None


def build(environ: Mapping[str, str]) -> Scorer:
    settings = ScoringSettings.from_environ(environ)
    return Scorer(settings, settings.endpoint.client(), boto3.client("s3"), boto3.client("sqs"))


def handler(event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The Lambda entry point (``functions.scoring.handler``); clients are reused across invocations."""
    global _scorer
    if _scorer is None:
        _scorer = build(os.environ)
    return _scorer.handle(event, context)
