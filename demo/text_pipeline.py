"""The text pipeline against the local AWS emulator (moto), saying which answers are the emulator's.

moto 5.2.5 implements 63 of Comprehend's 85 operations (`emulator_operations()` reads the installed
package): recognizer, classifier, endpoint and flywheel bookkeeping, job submission and description,
and three detect calls — DetectKeyPhrases, DetectSentiment and DetectPiiEntities — that return the same
fixed answer whatever the text. It implements no Batch* call, no DetectEntities, DetectDominantLanguage
or DetectSyntax, and its jobs never run: they stay SUBMITTED and write no output. So the emulator shows
that the requests are accepted and the resources' state; it cannot show an analysis.

`run_text_pipeline_on_emulator()` goes through every step and labels each answer: REAL (our code's own
result: validation, IAM documents), EMULATOR STATE (moto kept what we sent), FIXED (moto's canned answer,
identical for different texts), NOT IMPLEMENTED.

    python -m demo.text_pipeline                        # in-process emulator
    python -m demo.text_pipeline --endpoint-url http://127.0.0.1:4566
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore import xform_name
from botocore.exceptions import ClientError

from client.text.analysis import DocumentResult, TextAnalyzer
from client.text.errors import JobTimeoutError
from client.text.iam import data_access_policy, trust_policy
from client.text.jobs import JobKind, JobRequest, JobRunner
from client.text.limits import Analysis
from client.text.retry import RetryPolicy, comprehend_client
from client.text.training_data import TrainingData, validate

DATA = Path(__file__).resolve().parents[1] / "data" / "comprehend"
REGION = "us-east-1"
BUCKET = "mlops-text-demo"
ENTITY_TYPES = ("SPECIES", "ISLAND")
SAMPLES = (
    "A Gentoo penguin weighed 5,200 g when it was banded on Biscoe Island in 2009. It was released at once.",
    "Field teams on Dream recorded a Chinstrap with a bill of 46.5 mm.",
)


def emulator_operations() -> tuple[list[str], list[str]]:
    """(implemented, not implemented) Comprehend operations, from the installed moto and botocore."""
    import botocore.session
    from moto.comprehend.responses import ComprehendResponse

    model = botocore.session.get_session().get_service_model("comprehend")
    implemented = [op for op in model.operation_names if callable(getattr(ComprehendResponse, xform_name(op), None))]
    missing = [op for op in model.operation_names if op not in implemented]
    return implemented, missing


@dataclass
class EmulatorReport:
    lines: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    """Step -> REAL | EMULATOR STATE | FIXED | NOT IMPLEMENTED."""

    def add(self, step: str, label: str, detail: str, out: Callable[[str], None]) -> None:
        self.labels[step] = label
        line = f"[{label}] {step}: {detail}"
        self.lines.append(line)
        out(line)


@contextlib.contextmanager
def _emulator(endpoint_url: str | None) -> Iterator[None]:
    if endpoint_url is not None:
        yield
        return
    from moto import mock_aws

    with mock_aws():
        yield


def _not_implemented(error: BaseException) -> bool:
    # In process moto raises NotImplementedError; a moto server answers HTTP 500 with the same text.
    return isinstance(error, NotImplementedError) or "has not been implemented" in str(error)


def _attempt(run: Callable[[], list[DocumentResult]]) -> str:
    """What happened when the emulator got the call: raised, failed every document, or answered."""
    try:
        results = run()
    except (NotImplementedError, ClientError) as error:
        if not _not_implemented(error):
            raise
        return "the emulator has not implemented it"
    codes = sorted({result.error.code for result in results if result.error is not None})
    if len(codes) and all(result.error is not None for result in results):
        # A moto server answers an operation it lacks with a bare HTTP 500.
        return f"every document failed ({', '.join(codes)}): not in the emulator"
    return "answered"


def run_text_pipeline_on_emulator(
    endpoint_url: str | None = None, out: Callable[[str], None] = print
) -> EmulatorReport:
    """Every step of the text pipeline against moto; returns (and prints) one labelled line per step."""
    report = EmulatorReport()
    kwargs: dict[str, Any] = {"region_name": REGION}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    data = TrainingData(
        documents=(DATA / "documents.txt",),
        entity_types=ENTITY_TYPES,
        annotations=DATA / "annotations.csv",
    )
    checked = validate(data)
    report.add(
        "training data check",
        "REAL",
        "passes" if checked.ok else f"{len(checked.problems)} problem(s), first: {checked.problems[0]}",
        out,
    )
    with _emulator(endpoint_url):
        s3 = boto3.client("s3", **kwargs)
        iam = boto3.client("iam", **kwargs)
        kms = boto3.client("kms", **kwargs)
        sts = boto3.client("sts", **kwargs)
        # botocore would retry the emulator's HTTP 500s for missing operations; our RetryPolicy decides instead.
        comprehend = comprehend_client(REGION, endpoint_url)
        account = sts.get_caller_identity()["Account"]

        s3.create_bucket(Bucket=BUCKET)
        for name in ("documents.txt", "annotations.csv"):
            s3.put_object(Bucket=BUCKET, Key=f"comprehend/training/{name}", Body=(DATA / name).read_bytes())
        key_arn = kms.create_key(Description="text demo")["KeyMetadata"]["Arn"]
        role = iam.create_role(
            RoleName="mlops-text-demo-comprehend",
            AssumeRolePolicyDocument=json.dumps(trust_policy(account, REGION)),
        )["Role"]
        iam.put_role_policy(
            RoleName=role["RoleName"],
            PolicyName="data-access",
            PolicyDocument=json.dumps(
                data_access_policy(
                    f"arn:aws:s3:::{BUCKET}",
                    ("comprehend/training", "comprehend/incoming"),
                    "comprehend/output",
                    key_arn,
                    REGION,
                )
            ),
        )
        report.add("data-access role", "EMULATOR STATE", f"{role['Arn']} with the trust and data policies", out)

        recognizer_arn = comprehend.create_entity_recognizer(
            RecognizerName="penguins",
            VersionName="v1",
            LanguageCode="en",
            DataAccessRoleArn=role["Arn"],
            VolumeKmsKeyId=key_arn,
            ModelKmsKeyId=key_arn,
            InputDataConfig={
                "DataFormat": "COMPREHEND_CSV",
                "EntityTypes": [{"Type": entity_type} for entity_type in ENTITY_TYPES],
                "Documents": {"S3Uri": f"s3://{BUCKET}/comprehend/training/documents.txt"},
                "Annotations": {"S3Uri": f"s3://{BUCKET}/comprehend/training/annotations.csv"},
            },
        )["EntityRecognizerArn"]
        status = comprehend.describe_entity_recognizer(EntityRecognizerArn=recognizer_arn)[
            "EntityRecognizerProperties"
        ]["Status"]
        report.add(
            "create recognizer",
            "EMULATOR STATE",
            f"{recognizer_arn} is {status} at once (the emulator trains nothing; real training takes hours)",
            out,
        )
        endpoint_arn = comprehend.create_endpoint(
            EndpointName="penguins", ModelArn=recognizer_arn, DesiredInferenceUnits=1
        )["EndpointArn"]
        endpoint_status = comprehend.describe_endpoint(EndpointArn=endpoint_arn)["EndpointProperties"]["Status"]
        report.add(
            "create endpoint", "EMULATOR STATE", f"{endpoint_status} at once (a real one is CREATING first)", out
        )

        _, missing = emulator_operations()
        analyzer = TextAnalyzer(comprehend, retry=RetryPolicy(max_attempts=1))
        for analysis, operation in (
            (Analysis.ENTITIES, "BatchDetectEntities"),
            (Analysis.DOMINANT_LANGUAGE, "BatchDetectDominantLanguage"),
        ):
            language = "en" if analysis is Analysis.ENTITIES else None
            observed = _attempt(functools.partial(analyzer.analyze, list(SAMPLES), analysis, language))
            label = "NOT IMPLEMENTED" if operation in missing else "EMULATOR STATE"
            report.add(f"real time {analysis.value} (Batch*)", label, f"{operation}: {observed}", out)

        single = TextAnalyzer(comprehend, retry=RetryPolicy(max_attempts=1), use_batch=False)
        for analysis in (Analysis.KEY_PHRASES, Analysis.SENTIMENT, Analysis.PII_ENTITIES):
            results = single.analyze(list(SAMPLES), analysis, "en")
            # Segments carry each text's own span; the answer proper is the rest.
            first, second = ({k: v for k, v in (r.result or {}).items() if k != "Segments"} for r in results)
            outside = [
                (item["BeginOffset"], item["EndOffset"])
                # Offsets past the end of the text give a canned answer away.
                for item in first.get("KeyPhrases" if analysis is Analysis.KEY_PHRASES else "Entities", [])
                if item["EndOffset"] > len(SAMPLES[0])
            ]
            if first == second:
                detail = "the same answer for two different texts"
                if outside:
                    detail += f", offsets {outside} beyond the {len(SAMPLES[0])}-character text"
                report.add(f"real time {analysis.value} (one document per call)", "FIXED", detail, out)
            else:
                report.add(f"real time {analysis.value} (one document per call)", "EMULATOR STATE", str(first), out)

        custom = TextAnalyzer(comprehend, retry=RetryPolicy(max_attempts=1), endpoint_arn=endpoint_arn)
        observed = _attempt(lambda: custom.analyze(list(SAMPLES), Analysis.CUSTOM_ENTITIES))
        label = "NOT IMPLEMENTED" if "DetectEntities" in missing else "EMULATOR STATE"
        report.add("custom entities via the endpoint", label, f"DetectEntities: {observed}", out)

        s3.put_object(Bucket=BUCKET, Key="comprehend/incoming/notes.txt", Body="\n".join(SAMPLES).encode())
        runner = JobRunner(comprehend, sleep=lambda _: None)
        job_id = runner.start(
            JobRequest(
                kind=JobKind.ENTITIES,
                input_s3_uri=f"s3://{BUCKET}/comprehend/incoming/notes.txt",
                output_s3_uri=f"s3://{BUCKET}/comprehend/output/",
                data_access_role_arn=role["Arn"],
                kms_key_id=key_arn,
                job_name="penguins-demo",
                entity_recognizer_arn=recognizer_arn,
            )
        )
        try:
            runner.wait(JobKind.ENTITIES, job_id, timeout=0, poll_interval=1)
            report.add("async entities job", "EMULATOR STATE", "completed", out)
        except JobTimeoutError:
            state = runner.describe(JobKind.ENTITIES, job_id).status
            report.add(
                "async entities job",
                "EMULATOR STATE",
                f"accepted as {job_id}, stays {state}: the emulator never runs jobs or writes output.tar.gz",
                out,
            )
        comprehend.delete_endpoint(EndpointArn=endpoint_arn)
        report.add("delete endpoint", "EMULATOR STATE", "deleted", out)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.text_pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint-url", default=None, help="a running moto server; default: in process")
    args = parser.parse_args(argv)
    run_text_pipeline_on_emulator(args.endpoint_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
