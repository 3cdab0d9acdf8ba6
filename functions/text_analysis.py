"""Lambda handlers: analyse text files that land under an S3 prefix and write JSON lines next to them.

`handler` receives S3 `ObjectCreated` notifications for the input prefix. Each file holds one document
per line (UTF-8), the format Comprehend's jobs read too. A file up to `TEXT_REALTIME_MAX_BYTES` is analysed
in real time (`client.text.analysis`, Batch* calls, 25 chunks per call) and its results are written at once;
a larger one starts one asynchronous job per analysis and leaves a pending marker. `complete_jobs` runs on
a schedule: for each pending job it checks the status and, once the job has finished, unpacks its
`output.tar.gz` into JSON lines at the same results key. (Comprehend documents no job-state event to
subscribe to, so a schedule stands in for the completion event.)

Failures raise: with S3 and schedule invocations being asynchronous, Lambda retries them and then hands
them to the function's dead-letter queue. Messages name the S3 key escaped (`repr`), never file content.

Configuration, read once per cold start (`Settings.from_env`):
  TEXT_INPUT_PREFIX, TEXT_RESULTS_PREFIX, TEXT_PENDING_PREFIX, TEXT_JOB_OUTPUT_PREFIX   S3 folders
  TEXT_ANALYSES            comma-separated: entities, key_phrases, sentiment, pii_entities, custom_entities
  TEXT_LANGUAGE            a language code, or empty to detect each document's language
  TEXT_REALTIME_MAX_BYTES  files up to this size go real time (default 100000)
  TEXT_KMS_KEY_ARN         the stack key: results, job output and job volumes are encrypted with it
  TEXT_DATA_ACCESS_ROLE_ARN  the role Comprehend assumes for jobs (see client.text.iam)
  TEXT_ENDPOINT_ARN        custom recognizer endpoint, for custom_entities in real time (optional)
  TEXT_RECOGNIZER_ARN      custom recognizer, for custom_entities jobs (optional)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

import boto3

from client.text.analysis import DocumentResult, TextAnalyzer
from client.text.errors import JobFailedError, TextInputError
from client.text.jobs import JobKind, JobRequest, JobRunner, fetch_results, to_json_lines
from client.text.limits import Analysis
from client.text.retry import comprehend_client

_JOB_KINDS: dict[Analysis, JobKind] = {
    Analysis.ENTITIES: JobKind.ENTITIES,
    Analysis.CUSTOM_ENTITIES: JobKind.ENTITIES,
    Analysis.KEY_PHRASES: JobKind.KEY_PHRASES,
    Analysis.SENTIMENT: JobKind.SENTIMENT,
    Analysis.PII_ENTITIES: JobKind.PII_ENTITIES,
}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable and the fix."""


def _folder(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip("/")
    if not value:
        raise ConfigError(f"[{name}] must be an S3 folder such as text/incoming (got nothing)")
    return value + "/"


@dataclass(frozen=True)
class Settings:
    input_prefix: str
    results_prefix: str
    pending_prefix: str
    job_output_prefix: str
    analyses: tuple[Analysis, ...]
    language: str | None
    realtime_max_bytes: int
    kms_key_arn: str
    data_access_role_arn: str
    endpoint_arn: str | None = None
    recognizer_arn: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        names = [item.strip() for item in env.get("TEXT_ANALYSES", "").split(",") if item.strip()]
        allowed = {analysis.value: analysis for analysis in _JOB_KINDS}
        unknown = [name for name in names if name not in allowed]
        if not names or unknown:
            raise ConfigError(
                f"[TEXT_ANALYSES] must list analyses from {', '.join(sorted(allowed))} "
                f"(got {', '.join(names) or 'nothing'})"
            )
        raw_size = env.get("TEXT_REALTIME_MAX_BYTES", "100000")
        if not raw_size.isdigit() or int(raw_size) < 1:
            raise ConfigError(f"[TEXT_REALTIME_MAX_BYTES] must be a positive number of bytes (got {raw_size!r})")
        for name in ("TEXT_KMS_KEY_ARN", "TEXT_DATA_ACCESS_ROLE_ARN"):
            if not env.get(name, "").startswith("arn:"):
                raise ConfigError(f"[{name}] must be an ARN (got {env.get(name, '')!r})")
        analyses = tuple(allowed[name] for name in names)
        if Analysis.CUSTOM_ENTITIES in analyses and not (
            env.get("TEXT_ENDPOINT_ARN") and env.get("TEXT_RECOGNIZER_ARN")
        ):
            raise ConfigError(
                "[TEXT_ENDPOINT_ARN] and [TEXT_RECOGNIZER_ARN] are needed for custom_entities "
                "(real time uses the endpoint, jobs the recognizer)"
            )
        return cls(
            input_prefix=_folder(env, "TEXT_INPUT_PREFIX"),
            results_prefix=_folder(env, "TEXT_RESULTS_PREFIX"),
            pending_prefix=_folder(env, "TEXT_PENDING_PREFIX"),
            job_output_prefix=_folder(env, "TEXT_JOB_OUTPUT_PREFIX"),
            analyses=analyses,
            language=env.get("TEXT_LANGUAGE") or None,
            realtime_max_bytes=int(raw_size),
            kms_key_arn=env["TEXT_KMS_KEY_ARN"],
            data_access_role_arn=env["TEXT_DATA_ACCESS_ROLE_ARN"],
            endpoint_arn=env.get("TEXT_ENDPOINT_ARN") or None,
            recognizer_arn=env.get("TEXT_RECOGNIZER_ARN") or None,
        )

    def results_key(self, source_key: str, analysis: str) -> str:
        relative = source_key[len(self.input_prefix) :] if source_key.startswith(self.input_prefix) else source_key
        return f"{self.results_prefix}{relative}.{analysis}.jsonl"


@dataclass(frozen=True)
class Services:
    s3: Any
    comprehend: Any


@lru_cache(maxsize=1)
def _default_services() -> Services:
    region = os.environ.get("AWS_REGION", "us-east-1")
    return Services(s3=boto3.client("s3", region_name=region), comprehend=comprehend_client(region))


@lru_cache(maxsize=1)
def _default_settings() -> Settings:
    return Settings.from_env(os.environ)


def _put_lines(services: Services, settings: Settings, bucket: str, key: str, body: bytes) -> None:
    services.s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType="application/x-ndjson",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=settings.kms_key_arn,
    )


def _records(key: str, lines: list[int], results: list[DocumentResult]) -> list[dict[str, Any]]:
    return [{"SourceKey": key, "Line": lines[result.index], **result.to_record()} for result in results]


def analyse_object(bucket: str, key: str, services: Services, settings: Settings) -> dict[str, Any]:
    """Real time or job for one new object; returns what was done (for the function's log line)."""
    size = int(services.s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
    if size > settings.realtime_max_bytes:
        return _start_jobs(bucket, key, services, settings, size)
    data = services.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TextInputError(
            f"s3://{bucket}/{key!r} is not UTF-8 (byte {error.start}); Comprehend reads UTF-8"
        ) from None
    numbered = [(number, line) for number, line in enumerate(text.split("\n")) if line.strip()]
    lines = [number for number, _ in numbered]
    documents = [line for _, line in numbered]
    analyzer = TextAnalyzer(services.comprehend, endpoint_arn=settings.endpoint_arn)
    detected = None
    if settings.language is None and any(a is not Analysis.CUSTOM_ENTITIES for a in settings.analyses):
        detected = analyzer.detect_languages(documents)
    written: dict[str, int] = {}
    for analysis in settings.analyses:
        results = analyzer.analyze(documents, analysis, settings.language, detected=detected)
        results_key = settings.results_key(key, analysis.value)
        _put_lines(services, settings, bucket, results_key, to_json_lines(_records(key, lines, results)))
        written[results_key] = sum(1 for result in results if result.error is not None)
    return {"mode": "realtime", "key": key, "documents": len(documents), "errors_per_results_key": written}


def _start_jobs(bucket: str, key: str, services: Services, settings: Settings, size: int) -> dict[str, Any]:
    if settings.language is None:
        raise TextInputError(
            f"s3://{bucket}/{key!r} is {size} bytes, over the real-time limit, and jobs need a language: "
            "set TEXT_LANGUAGE"
        )
    runner = JobRunner(services.comprehend)
    started: list[str] = []
    for analysis in settings.analyses:
        kind = _JOB_KINDS[analysis]
        request = JobRequest(
            kind=kind,
            input_s3_uri=f"s3://{bucket}/{key}",
            output_s3_uri=f"s3://{bucket}/{settings.job_output_prefix}",
            data_access_role_arn=settings.data_access_role_arn,
            kms_key_id=settings.kms_key_arn,
            # A stable name per file and analysis (JobName allows at most 256 characters).
            job_name=f"{analysis.value.replace('_', '-')}-{hashlib.sha256(key.encode()).hexdigest()[:16]}",
            language=settings.language,
            entity_recognizer_arn=settings.recognizer_arn if analysis is Analysis.CUSTOM_ENTITIES else None,
        )
        job_id = runner.start(request)
        marker = {
            "JobId": job_id,
            "Kind": kind.value,
            "Analysis": analysis.value,
            "Bucket": bucket,
            "SourceKey": key,
            "ResultsKey": settings.results_key(key, analysis.value),
        }
        services.s3.put_object(
            Bucket=bucket,
            Key=f"{settings.pending_prefix}{job_id}.json",
            Body=json.dumps(marker, sort_keys=True).encode("utf-8"),
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=settings.kms_key_arn,
        )
        started.append(job_id)
    return {"mode": "jobs", "key": key, "bytes": size, "jobs": started}


def complete_pending(bucket: str, services: Services, settings: Settings) -> dict[str, Any]:
    """Writes the results of every finished pending job; raises after the sweep if any job failed."""
    runner = JobRunner(services.comprehend)
    done: list[str] = []
    running: list[str] = []
    failed: list[str] = []
    paginator = services.s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=settings.pending_prefix):
        for item in page.get("Contents", []):
            marker = json.loads(services.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
            kind = JobKind(marker["Kind"])
            status = runner.describe(kind, marker["JobId"])
            if status.status in {"SUBMITTED", "IN_PROGRESS", "STOP_REQUESTED"}:
                running.append(status.job_id)
                continue
            if status.status == "COMPLETED":
                records = [
                    {"SourceKey": marker["SourceKey"], **record} for record in fetch_results(services.s3, kind, status)
                ]
                _put_lines(services, settings, bucket, marker["ResultsKey"], to_json_lines(records))
                done.append(status.job_id)
            else:
                failed.append(f"{status.job_id} {status.status}: {status.message or 'no message'}")
            services.s3.delete_object(Bucket=bucket, Key=item["Key"])
    if failed:
        raise JobFailedError(f"{len(failed)} job(s) failed: {'; '.join(failed)}")
    return {"completed": done, "running": running}


def handler(
    event: dict[str, Any], context: Any, services: Services | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """S3 ObjectCreated notifications for the input prefix."""
    services = services or _default_services()
    settings = settings or _default_settings()
    outcomes: list[dict[str, Any]] = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        # S3 event keys are URL-encoded with spaces as '+'.
        key = unquote_plus(record["s3"]["object"]["key"])
        if key.endswith("/") or not key.startswith(settings.input_prefix):
            outcomes.append({"mode": "skipped", "key": key})
            continue
        outcomes.append(analyse_object(bucket, key, services, settings))
    print(json.dumps({"handled": outcomes}, sort_keys=True))
    return {"handled": outcomes}


def complete_jobs(
    event: dict[str, Any], context: Any, services: Services | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """Scheduled: the bucket comes from the schedule's input, `{"Bucket": "..."}`."""
    services = services or _default_services()
    settings = settings or _default_settings()
    bucket = event.get("Bucket")
    if not isinstance(bucket, str) or not bucket:
        raise ConfigError('the schedule input must be {"Bucket": "<bucket name>"}')
    outcome = complete_pending(bucket, services, settings)
    print(json.dumps(outcome, sort_keys=True))
    return outcome
