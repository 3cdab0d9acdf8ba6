"""Comprehend: the custom entity recognizer and document classifier (Create*, as the provider publishes a version).

moto stores the recognizer as given and reports it TRAINED at once (no training runs); the checks read
back what it stored: the version name, the data-access role, both KMS keys and the input data config.
"""

from __future__ import annotations

import json
from typing import Any

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, emulated
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params

COMPREHEND_PRINCIPAL = "comprehend.amazonaws.com"


def entity_recognizer(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params(
        "comprehend",
        "CreateEntityRecognizer",
        r.inputs,
        where=r.where,
        renames={"name": "RecognizerName"},
        skip=("tags",),
    )
    tags = r.inputs.get("tags") or {}
    if tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    response = emulated(
        gw.send("comprehend", "CreateEntityRecognizer", params, r.where), r, "comprehend:CreateEntityRecognizer"
    )
    arn = str(response["EntityRecognizerArn"])
    return arn, r.state(arn=arn)


def document_classifier(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params(
        "comprehend",
        "CreateDocumentClassifier",
        r.inputs,
        where=r.where,
        renames={"name": "DocumentClassifierName"},
        skip=("tags",),
    )
    tags = r.inputs.get("tags") or {}
    if tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    response = emulated(
        gw.send("comprehend", "CreateDocumentClassifier", params, r.where), r, "comprehend:CreateDocumentClassifier"
    )
    arn = str(response["DocumentClassifierArn"])
    return arn, r.state(arn=arn)


def _classifier(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    declared = resources_of(report, tokens.COMPREHEND_DOCUMENT_CLASSIFIER)
    if not declared:
        return
    inputs: dict[str, Any] = dict(declared[0].inputs)
    label = f"classifier {inputs['name']}"
    with checks.reading(label):
        found = client("comprehend").describe_document_classifier(
            DocumentClassifierArn=str(report.outputs["textClassifierArn"])
        )["DocumentClassifierProperties"]
        # moto 5.2.5's DescribeDocumentClassifier leaves out VersionName and OutputDataConfig: the version is
        # read from the ARN it returns, the output configuration is reported as not held.
        checks.equal(
            f"{label}: version (from its ARN), mode and data-access role",
            [str(found["DocumentClassifierArn"]).rsplit("/", 1)[-1], found["Mode"], found["DataAccessRoleArn"]],
            [inputs["versionName"], "MULTI_CLASS", report.outputs["textDataAccessRoleArn"]],
        )
        checks.equal(
            f"{label}: model and volume keys are the stack key",
            [found["ModelKmsKeyId"], found["VolumeKmsKeyId"]],
            [report.outputs["kmsKeyArn"]] * 2,
        )
        checks.equal(f"{label}: training file", found["InputDataConfig"]["S3Uri"], inputs["inputDataConfig"]["s3Uri"])
        checks.not_emulated(
            f"{label}: output location and key", "validated, not emulated: moto does not return OutputDataConfig"
        )


def _recognizer(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    declared = resources_of(report, tokens.COMPREHEND_ENTITY_RECOGNIZER)
    if not declared:
        return
    comprehend, iam = client("comprehend"), client("iam")
    arn = str(report.outputs["textRecognizerArn"])
    role_arn = str(report.outputs["textDataAccessRoleArn"])
    inputs: dict[str, Any] = dict(declared[0].inputs)
    config = inputs["inputDataConfig"]
    with checks.reading(f"recognizer {inputs['name']}"):
        found = comprehend.describe_entity_recognizer(EntityRecognizerArn=arn)["EntityRecognizerProperties"]
        checks.equal(f"recognizer {inputs['name']}: version name", found["VersionName"], inputs["versionName"])
        checks.equal(f"recognizer {inputs['name']}: data-access role", found["DataAccessRoleArn"], role_arn)
        checks.equal(
            f"recognizer {inputs['name']}: model and volume keys are the stack key",
            [found["ModelKmsKeyId"], found["VolumeKmsKeyId"]],
            [report.outputs["kmsKeyArn"]] * 2,
        )
        stored = found["InputDataConfig"]
        checks.equal(
            f"recognizer {inputs['name']}: input data config",
            {
                "DataFormat": stored.get("DataFormat"),
                "EntityTypes": [t["Type"] for t in stored["EntityTypes"]],
                "Documents": stored["Documents"],
                "Annotations": stored.get("Annotations"),
                "EntityList": stored.get("EntityList"),
            },
            {
                "DataFormat": config["dataFormat"],
                "EntityTypes": [t["type"] for t in config["entityTypes"]],
                "Documents": {"S3Uri": config["documents"]["s3Uri"], "InputFormat": config["documents"]["inputFormat"]},
                "Annotations": {"S3Uri": config["annotations"]["s3Uri"]} if config.get("annotations") else None,
                "EntityList": {"S3Uri": config["entityList"]["s3Uri"]} if config.get("entityList") else None,
            },
        )
    role_name = role_arn.rsplit("/", 1)[-1]
    with checks.reading(f"role {role_name}"):
        trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        statements = [s for s in trust["Statement"] if s.get("Effect") == "Allow"]
        checks.equal(
            f"role {role_name}: trusted by Comprehend only, for this account's resources",
            [
                (s["Principal"].get("Service"), sorted(k for o in s.get("Condition", {}).values() for k in o))
                for s in statements
            ],
            [(COMPREHEND_PRINCIPAL, ["aws:SourceAccount", "aws:SourceArn"])],
        )
        for policy in [p for p in resources_of(report, tokens.IAM_ROLE_POLICY) if p.inputs["role"] == role_name]:
            name = str(policy.state["name"])
            document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
            document = json.loads(document) if isinstance(document, str) else document
            checks.equal(
                f"role {role_name}: policy {name} as declared", document, json.loads(str(policy.inputs["policy"]))
            )


HANDLERS: dict[str, Handler] = {
    tokens.COMPREHEND_ENTITY_RECOGNIZER: entity_recognizer,
    tokens.COMPREHEND_DOCUMENT_CLASSIFIER: document_classifier,
}

CHECKS: tuple[Verifier, ...] = (_recognizer, _classifier)
