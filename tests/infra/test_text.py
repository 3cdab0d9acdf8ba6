"""The text domain (``mlops:text``): the custom entity recognizer, its data-access role and training files.

The plan is checked exactly: what the program declares, with which keys, role documents and dependencies.
The training data is checked before anything exists: a broken copy fails ``python -m offline.plan`` with
one line and exit 2. What these tests cannot prove: that Comprehend trains from these files (there is no
AWS account here; the validator follows the documented formats), that IAM grants what the documents say
(the rehearsal creates them in moto, which does not evaluate policies), or how long training takes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from client.text import iam as text_iam
from infra.errors import ConfigError
from infra.storage import documents as storage_documents
from infra.text import settings as text_settings
from infra.text.function import text_role_policy
from infra.text.settings import TextSection, resolve
from offline import tokens
from offline.fakes import FAKE_ACCOUNT_ID
from offline.graph import Plan
from tests.infra.conftest import PlanFor

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "comprehend"
EXAMPLE_VERSION = "v-095c3967dbabe70a"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def broken_copy(tmp_path: Path, line: int, replacement: str) -> tuple[Path, Path]:
    """The example's documents and annotations, with annotations.csv line ``line`` (1 = header) replaced."""
    documents = tmp_path / "documents.txt"
    annotations = tmp_path / "annotations.csv"
    shutil.copyfile(DATA / "documents.txt", documents)
    lines = (DATA / "annotations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    if replacement:
        lines[line - 1] = replacement + "\n"
    else:
        del lines[line - 1]
    annotations.write_text("".join(lines), encoding="utf-8")
    return documents, annotations


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_recognizer_role_and_training_files_exactly(stack: str, plan_for: PlanFor) -> None:
    plan = plan_for(stack)
    prefix = f"sagemaker-mlops-{stack}"
    key_arn = plan.one(tokens.KMS_KEY, f"{prefix}-key").state["arn"]
    bucket = plan.one(tokens.S3_BUCKET, f"{prefix}-artifacts").state["bucket"]
    component = plan.one("mlops:text:EntityRecognition", f"{prefix}-text")
    uploads = {}
    for kind, file in (("documents", "documents.txt"), ("annotations", "annotations.csv")):
        upload = plan.one(tokens.S3_OBJECT, f"{prefix}-text-training-{kind}")
        assert upload.parent == component.urn
        assert {k: v for k, v in upload.inputs.items() if k != "source"} == {
            "bucket": bucket,
            "key": f"text/training/{sha256(DATA / file)}/{file}",
            "contentType": "text/csv" if file.endswith(".csv") else "text/plain",
            "serverSideEncryption": "aws:kms",
            "kmsKeyId": key_arn,
        }
        assert upload.inputs["source"].path == str(DATA / file)
        uploads[kind] = f"s3://{bucket}/{upload.inputs['key']}"

    role = plan.one(tokens.IAM_ROLE, f"{prefix}-text-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "comprehend.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": FAKE_ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:comprehend:us-east-1:{FAKE_ACCOUNT_ID}:*"},
                },
            }
        ],
    }
    policy = plan.one(tokens.IAM_ROLE_POLICY, f"{prefix}-text-role-policy")
    assert policy.inputs["role"] == role.state["name"]
    assert json.loads(policy.inputs["policy"]) == text_iam.data_access_policy(
        f"arn:aws:s3:::{bucket}", ("text/training/", "text/incoming/"), "text/output/", key_arn, "us-east-1"
    )

    recognizer = plan.one(tokens.COMPREHEND_ENTITY_RECOGNIZER)
    assert recognizer.parent == component.urn
    assert recognizer.inputs == {
        "name": f"{prefix}-text-entities",
        "versionName": EXAMPLE_VERSION,
        "languageCode": "en",
        "dataAccessRoleArn": role.state["arn"],
        "modelKmsKeyId": key_arn,
        "volumeKmsKeyId": key_arn,
        "inputDataConfig": {
            "dataFormat": "COMPREHEND_CSV",
            "entityTypes": [{"type": "SPECIES"}, {"type": "ISLAND"}],
            "documents": {"s3Uri": uploads["documents"], "inputFormat": "ONE_DOC_PER_LINE"},
            "annotations": {"s3Uri": uploads["annotations"]},
        },
        "tags": plan.one(tokens.SAGEMAKER_ENDPOINT).inputs["tags"],
    }
    # Comprehend assumes the role when training starts: its policy and the files must exist first.
    names = {plan.by_urn(urn).name for urn in recognizer.dependencies}
    assert names == {
        f"{prefix}-key",
        f"{prefix}-text-role",
        f"{prefix}-text-role-policy",
        f"{prefix}-text-training-documents",
        f"{prefix}-text-training-annotations",
    }
    assert plan.outputs["textRecognizerArn"] == (
        f"arn:aws:comprehend:us-east-1:{FAKE_ACCOUNT_ID}:entity-recognizer/{prefix}-text-entities/version/{EXAMPLE_VERSION}"
    )
    assert plan.outputs["textDataAccessRoleArn"] == role.state["arn"]
    assert json.loads(plan.outputs["textDeployerPolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PassDataAccessRoleToComprehend",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": role.state["arn"],
                "Condition": {"StringEquals": {"iam:PassedToService": "comprehend.amazonaws.com"}},
            }
        ],
    }


def test_the_key_policy_lets_the_data_access_role_use_the_key(plan_for: PlanFor) -> None:
    """Comprehend uses the stack key as the data-access role: the key policy delegates to IAM (the account
    root statement), and the role's policy grants exactly this key, through S3 and Comprehend only."""
    plan = plan_for("prod")
    # The stack key (prod's replica key in us-west-2 encrypts only the replicas: tests/infra/test_replication.py).
    key = plan.one(tokens.KMS_KEY, "sagemaker-mlops-prod-key")
    assert json.loads(key.inputs["policy"]) == storage_documents.kms_key_policy(FAKE_ACCOUNT_ID, "us-east-1")
    delegation = json.loads(key.inputs["policy"])["Statement"][0]
    assert delegation["Principal"] == {"AWS": f"arn:aws:iam::{FAKE_ACCOUNT_ID}:root"}
    grants = json.loads(plan.one(tokens.IAM_ROLE_POLICY, "sagemaker-mlops-prod-text-role-policy").inputs["policy"])
    kms = [s for s in grants["Statement"] if str(s["Action"]).startswith("kms:") or "kms:Decrypt" in s["Action"]]
    assert [(s["Action"], s["Resource"]) for s in kms] == [
        (["kms:Decrypt", "kms:GenerateDataKey"], key.state["arn"]),
        ("kms:CreateGrant", key.state["arn"]),
    ]


def test_dev_has_no_recognizer_unless_enabled(plan_for: PlanFor) -> None:
    assert text_settings.DEFAULTS == {
        "dev": {"enabled": False},
        "staging": {"enabled": True},
        "prod": {"enabled": True},
    }
    dev = plan_for("dev")
    assert [r.name for r in dev.resources if "text" in r.name] == []
    assert "textRecognizerArn" not in dev.outputs
    enabled = plan_for("dev", **{"mlops:text.enabled": True})
    assert sorted(r.name for r in enabled.resources if "-text" in r.name) == [
        "sagemaker-mlops-dev-text",
        "sagemaker-mlops-dev-text-analysis",
        # The LambdaFunction component and its function share the name.
        "sagemaker-mlops-dev-text-analysis-function",
        "sagemaker-mlops-dev-text-analysis-function",
        "sagemaker-mlops-dev-text-analysis-function-async",
        "sagemaker-mlops-dev-text-analysis-function-dlq",
        "sagemaker-mlops-dev-text-analysis-function-dlq-depth",
        "sagemaker-mlops-dev-text-analysis-function-errors",
        "sagemaker-mlops-dev-text-analysis-function-logs",
        "sagemaker-mlops-dev-text-analysis-function-policy",
        "sagemaker-mlops-dev-text-analysis-function-role",
        "sagemaker-mlops-dev-text-analysis-function-throttles",
        "sagemaker-mlops-dev-text-analysis-s3-permission",
        "sagemaker-mlops-dev-text-recognizer",
        "sagemaker-mlops-dev-text-role",
        "sagemaker-mlops-dev-text-role-policy",
        "sagemaker-mlops-dev-text-training-annotations",
        "sagemaker-mlops-dev-text-training-documents",
    ]
    staging_off = plan_for("staging", **{"mlops:text.enabled": False})
    assert staging_off.of_type(tokens.COMPREHEND_ENTITY_RECOGNIZER) == []


def test_an_entity_list_trains_instead_of_annotations(plan_for: PlanFor) -> None:
    plan: Plan = plan_for(
        "prod", **{"mlops:text.entityList": "data/comprehend/entity_list.csv", "mlops:text.annotations": None}
    )
    recognizer = plan.one(tokens.COMPREHEND_ENTITY_RECOGNIZER)
    upload = plan.one(tokens.S3_OBJECT, "sagemaker-mlops-prod-text-training-entity-list")
    assert recognizer.inputs["inputDataConfig"]["entityList"] == {
        "s3Uri": f"s3://{upload.inputs['bucket']}/{upload.inputs['key']}"
    }
    assert "annotations" not in recognizer.inputs["inputDataConfig"]
    assert recognizer.inputs["versionName"] != EXAMPLE_VERSION


def section(**values: object) -> TextSection:
    return TextSection.model_validate({"enabled": True, **values})


@pytest.mark.parametrize(
    ("values", "key", "problem"),
    [
        (
            {"annotations": "data/comprehend/annotations.csv", "entityList": "data/comprehend/entity_list.csv"},
            "mlops:text.entityList",
            "and mlops:text.annotations are both set; a recognizer trains from one of them, remove the other",
        ),
        (
            {"documents": "data/comprehend/missing.txt"},
            "mlops:text.documents",
            "data/comprehend/missing.txt does not exist or is not a file; check the path",
        ),
        (
            {"entityTypes": ["SPECIES"]},
            "mlops:text.annotations",
            "data/comprehend/annotations.csv:3: entity type 'ISLAND' is not one of the recognizer's entity types "
            "(SPECIES); fix the label or declare the type (343 more problems in the training data)",
        ),
    ],
)
def test_settings_problems_name_the_key(values: dict[str, object], key: str, problem: str) -> None:
    with pytest.raises(text_settings.TrainingDataError) as raised:
        resolve(section(**values), ROOT, "Pulumi.prod.yaml")
    assert (raised.value.key, raised.value.problem) == (key, problem)


def test_unknown_text_key_names_the_nearest(plan_for: PlanFor) -> None:
    with pytest.raises(ConfigError) as raised:
        plan_for("prod", **{"mlops:text.anotations": "x.csv"})
    assert str(raised.value) == (
        "[mlops:text.anotations] is not a known setting in Pulumi.prod.yaml; did you mean annotations? "
        "Known: annotations, classifier, classifierData, documents, enabled, entityList, entityTypes, languageCode"
    )


BROKEN = [
    pytest.param(
        2,
        "documents.txt,0,57,900,SPECIES",
        "mlops:text.annotations",
        "annotations.csv:2: offsets 57-900 run past the end of line 0 of documents.txt (118 characters); "
        "offsets count characters from the start of the line, the first is 0",
        id="bad-offsets",
    ),
    pytest.param(
        2,
        "documents.txt,0,57,63,PENGUIN",
        "mlops:text.annotations",
        "annotations.csv:2: entity type 'PENGUIN' is not one of the recognizer's entity types (ISLAND, SPECIES); "
        "fix the label or declare the type",
        id="unknown-entity-type",
    ),
]


@pytest.mark.parametrize(("line", "replacement", "key", "problem"), BROKEN)
def test_broken_training_data_fails_the_plan_in_one_line(
    tmp_path: Path, artifact: Path, line: int, replacement: str, key: str, problem: str
) -> None:
    """A subprocess, as `make plan` runs it: one line on stderr naming file, line and fix, exit 2."""
    documents, annotations = broken_copy(tmp_path, line, replacement)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "offline.plan",
            "--stack",
            "prod",
            "--set",
            f"mlops:artifact={artifact}",
            "--set",
            f"mlops:text.documents={documents}",
            "--set",
            f"mlops:text.annotations={annotations}",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=300,
    )
    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr == f"error: [{key}] {tmp_path}/{problem}\n"


def test_too_few_examples_of_a_type_fails_the_plan(tmp_path: Path, plan_for: PlanFor) -> None:
    """Keep 24 SPECIES annotations (Comprehend needs 25 per type): the plan stops at config time."""
    documents = tmp_path / "documents.txt"
    annotations = tmp_path / "annotations.csv"
    shutil.copyfile(DATA / "documents.txt", documents)
    rows = (DATA / "annotations.csv").read_text(encoding="utf-8").splitlines()
    species = [r for r in rows[1:] if r.endswith(",SPECIES")][:24]
    islands = [r for r in rows[1:] if r.endswith(",ISLAND")]
    annotations.write_text("\n".join([rows[0], *species, *islands]) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        plan_for("prod", **{"mlops:text.documents": str(documents), "mlops:text.annotations": str(annotations)})
    assert str(raised.value) == (
        f"[mlops:text.annotations] {annotations}:25: entity type SPECIES has 24 valid annotations; Comprehend needs "
        "at least 25 per entity type; annotate more mentions"
    )


def test_the_optional_classifier_follows_the_recognizer_pattern(plan_for: PlanFor) -> None:
    assert "textClassifierArn" not in plan_for("prod").outputs
    plan = plan_for("prod", **{"mlops:text.classifier": True})
    key_arn = plan.one(tokens.KMS_KEY, "sagemaker-mlops-prod-key").state["arn"]
    bucket = plan.one(tokens.S3_BUCKET, "sagemaker-mlops-prod-artifacts").state["bucket"]
    upload = plan.one(tokens.S3_OBJECT, "sagemaker-mlops-prod-text-training-classifier")
    assert upload.inputs["key"] == f"text/training/{sha256(DATA / 'classifier.csv')}/classifier.csv"
    assert (upload.inputs["serverSideEncryption"], upload.inputs["kmsKeyId"]) == ("aws:kms", key_arn)
    classifier = plan.one(tokens.COMPREHEND_DOCUMENT_CLASSIFIER)
    assert classifier.inputs == {
        "name": "sagemaker-mlops-prod-text-classes",
        "versionName": "v-afda356036ff3c29",
        "mode": "MULTI_CLASS",
        "languageCode": "en",
        "dataAccessRoleArn": plan.one(tokens.IAM_ROLE, "sagemaker-mlops-prod-text-role").state["arn"],
        "modelKmsKeyId": key_arn,
        "volumeKmsKeyId": key_arn,
        "inputDataConfig": {"dataFormat": "COMPREHEND_CSV", "s3Uri": f"s3://{bucket}/{upload.inputs['key']}"},
        "outputDataConfig": {"s3Uri": f"s3://{bucket}/text/output/classifier/", "kmsKeyId": key_arn},
        "tags": plan.one(tokens.SAGEMAKER_ENDPOINT).inputs["tags"],
    }
    assert {plan.by_urn(urn).name for urn in classifier.dependencies} >= {
        "sagemaker-mlops-prod-text-role-policy",
        "sagemaker-mlops-prod-text-training-classifier",
    }
    assert plan.outputs["textClassifierArn"] == (
        f"arn:aws:comprehend:us-east-1:{FAKE_ACCOUNT_ID}:document-classifier/sagemaker-mlops-prod-text-classes"
        "/version/v-afda356036ff3c29"
    )


def test_broken_classifier_data_fails_the_plan(tmp_path: Path, plan_for: PlanFor) -> None:
    rows = (DATA / "classifier.csv").read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "classifier.csv"
    broken.write_text("\n".join([*rows[:4], "TORGERSEN,An Adelie penguin,with a comma", *rows[4:]]) + "\n")
    with pytest.raises(ConfigError) as raised:
        plan_for("prod", **{"mlops:text.classifier": True, "mlops:text.classifierData": str(broken)})
    assert str(raised.value) == (
        f"[mlops:text.classifierData] {broken}:5: has 3 columns; each row is LABEL,text "
        "(quote a text that contains commas)"
    )


def test_the_text_analysis_function_exactly(plan_for: PlanFor) -> None:
    """Its handler, environment, role and queue; S3 invokes it for text/incoming/ through the bucket's one
    notification configuration (tests/infra/test_applications.py asserts that entry)."""
    plan = plan_for("prod")
    p = "sagemaker-mlops-prod"
    key_arn = plan.one(tokens.KMS_KEY, f"{p}-key").state["arn"]
    bucket = plan.one(tokens.S3_BUCKET, f"{p}-artifacts")
    data_access = plan.one(tokens.IAM_ROLE, f"{p}-text-role").state["arn"]
    function = plan.one(tokens.LAMBDA_FUNCTION, f"{p}-text-analysis-function")
    queue = plan.one(tokens.SQS_QUEUE, f"{p}-text-analysis-function-dlq")
    assert function.inputs["handler"] == "functions.text_analysis.handler"
    assert function.inputs["name"] == f"{p}-text-analysis"
    assert (function.inputs["memorySize"], function.inputs["timeout"]) == (512, 120)
    assert function.inputs["environment"]["variables"] == {
        "TEXT_INPUT_PREFIX": "text/incoming/",
        "TEXT_RESULTS_PREFIX": "text/output/results/",
        "TEXT_PENDING_PREFIX": "text/output/pending/",
        "TEXT_JOB_OUTPUT_PREFIX": "text/output/jobs/",
        "TEXT_ANALYSES": "entities,key_phrases,sentiment",
        "TEXT_LANGUAGE": "en",
        "TEXT_KMS_KEY_ARN": key_arn,
        "TEXT_DATA_ACCESS_ROLE_ARN": data_access,
        "DEAD_LETTER_QUEUE_URL": queue.state["url"],
    }
    policy = plan.one(tokens.IAM_ROLE_POLICY, f"{p}-text-analysis-function-policy")
    assert json.loads(policy.inputs["policy"]) == text_role_policy(
        region="us-east-1",
        account_id=FAKE_ACCOUNT_ID,
        bucket_arn=bucket.state["arn"],
        kms_key_arn=key_arn,
        data_access_role_arn=data_access,
        dead_letter_queue_arn=queue.state["arn"],
        log_group_name=f"/aws/lambda/{p}-text-analysis",
    )
    permission = plan.one(tokens.LAMBDA_PERMISSION, f"{p}-text-analysis-s3-permission")
    assert permission.inputs == {
        "action": "lambda:InvokeFunction",
        "function": f"{p}-text-analysis",
        "principal": "s3.amazonaws.com",
        "sourceArn": bucket.state["arn"],
        "sourceAccount": FAKE_ACCOUNT_ID,
    }
    # No configuration of its own: the artifact bucket's one is the scoring application's (the others are the
    # capture and log buckets' and their replicas', tests/infra/test_findings.py and test_replication.py).
    assert [n.name for n in plan.of_type(tokens.S3_BUCKET_NOTIFICATION) if n.inputs["bucket"] == bucket.id] == [
        f"{p}-scoring-notification"
    ]
    assert plan.outputs["textFunctionName"] == f"{p}-text-analysis"
    assert plan.outputs["textDeadLetterQueueUrl"] == queue.state["url"]


def test_the_text_role_policy_document() -> None:
    assert text_role_policy(
        region="us-east-1",
        account_id="111122223333",
        bucket_arn="arn:aws:s3:::b",
        kms_key_arn="arn:aws:kms:us-east-1:111122223333:key/k",
        data_access_role_arn="arn:aws:iam::111122223333:role/d",
        dead_letter_queue_arn="arn:aws:sqs:us-east-1:111122223333:q",
        log_group_name="/aws/lambda/f",
    ) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadIncomingText",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/text/incoming/*",
            },
            {
                "Sid": "WriteTextOutput",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::b/text/output/*",
            },
            {
                "Sid": "AnalyseText",
                "Effect": "Allow",
                "Action": [
                    "comprehend:BatchDetectDominantLanguage",
                    "comprehend:BatchDetectEntities",
                    "comprehend:BatchDetectKeyPhrases",
                    "comprehend:BatchDetectSentiment",
                    "comprehend:StartEntitiesDetectionJob",
                    "comprehend:StartKeyPhrasesDetectionJob",
                    "comprehend:StartSentimentDetectionJob",
                ],
                "Resource": "*",
            },
            {
                "Sid": "PassDataAccessRole",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "arn:aws:iam::111122223333:role/d",
                "Condition": {"StringEquals": {"iam:PassedToService": "comprehend.amazonaws.com"}},
            },
            {
                "Sid": "UseStackKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "arn:aws:kms:us-east-1:111122223333:key/k",
            },
            {
                "Sid": "SendToDeadLetterQueue",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": "arn:aws:sqs:us-east-1:111122223333:q",
            },
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:*",
            },
        ],
    }
