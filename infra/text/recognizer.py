"""The custom entity recognizer: its training data in the artifact bucket, its data-access role, the model.

- Training files are uploaded under ``text/training/<sha256>/`` (content-addressed: new data is a new
  object beside the old one, so a version already trained keeps the files it was trained from until
  Pulumi deletes the replaced object after the new version exists).
- The data-access role is trusted by ``comprehend.amazonaws.com`` only for this account's Comprehend
  resources in this Region (``aws:SourceAccount`` and ``aws:SourceArn``), reads only the training prefix,
  writes only the output prefix and uses only the stack key (``client.text.iam``). The stack key's policy
  delegates to IAM (its ``AccountAdministersKeyThroughIam`` statement), so this role's grant is what lets
  Comprehend use it.
- The recognizer encrypts the trained model (``ModelKmsKeyId``) and the training volume
  (``VolumeKmsKeyId``) with the stack key. Its ``VersionName`` is a hash of the training data: the Terraform
  provider has no ForceNew on the recognizer and publishes a new version (CreateEntityRecognizer with the
  new VersionName) on any change, so changed data is a new trained version, visible in the plan diff as a
  new version name, never a silent in-place edit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from client.text import iam
from infra.text import layout
from infra.text.settings import TextSettings

# A recognizer trains for hours; Comprehend's model names allow letters, digits and hyphens, 63 at most.
RECOGNIZER_SUFFIX = "-entities"
CLASSIFIER_SUFFIX = "-classes"


@dataclass(frozen=True)
class EntityRecognitionArgs:
    account_id: pulumi.Input[str]
    region: str
    artifact_bucket: pulumi.Input[str]
    artifact_bucket_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    settings: TextSettings
    tags: Mapping[str, str]
    # Extra prefixes the role may read (job input of the text-analysis function), beside the training data.
    read_prefixes: tuple[str, ...] = ()


def deployer_policy(role_arn: str) -> dict[str, object]:
    """What the identity running ``pulumi up`` needs beyond Comprehend CRUD: CreateEntityRecognizer (and
    CreateDocumentClassifier) pass the data-access role to Comprehend, which IAM checks as iam:PassRole."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PassDataAccessRoleToComprehend",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": role_arn,
                "Condition": {"StringEquals": {"iam:PassedToService": iam.COMPREHEND_PRINCIPAL}},
            }
        ],
    }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class EntityRecognition(pulumi.ComponentResource):
    """Training objects, the Comprehend data-access role and its policy, and the entity recognizer."""

    def __init__(self, name: str, args: EntityRecognitionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:text:EntityRecognition", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        data = args.settings.data

        uploads: dict[str, aws.s3.BucketObjectv2] = {}
        files = {"documents": data.documents[0], "annotations": data.annotations, "entity-list": data.entity_list}
        for kind, path in files.items():
            if path is None:
                continue
            uploads[kind] = aws.s3.BucketObjectv2(
                f"{name}-training-{kind}",
                bucket=args.artifact_bucket,
                key=layout.training_key(_sha256(path.read_bytes()), path.name),
                source=pulumi.FileAsset(str(path)),
                content_type="text/csv" if path.suffix == ".csv" else "text/plain",
                server_side_encryption="aws:kms",
                kms_key_id=args.kms_key_arn,
                opts=child,
            )

        read_prefixes = (layout.TRAINING_PREFIX, *args.read_prefixes)
        self.role = aws.iam.Role(
            f"{name}-role",
            description=f"{name}: Comprehend reads the recognizer's training data and writes job output",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(iam.trust_policy(account, args.region))
            ),
            max_session_duration=3600,
            tags=dict(args.tags),
            opts=child,
        )
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            policy=pulumi.Output.all(args.artifact_bucket_arn, args.kms_key_arn).apply(
                lambda v: json.dumps(
                    iam.data_access_policy(v[0], read_prefixes, layout.OUTPUT_PREFIX, v[1], args.region)
                )
            ),
            opts=child,
        )

        def s3_uri(kind: str) -> pulumi.Output[str]:
            obj = uploads[kind]
            return pulumi.Output.concat("s3://", obj.bucket, "/", obj.key)

        self.recognizer = aws.comprehend.EntityRecognizer(
            f"{name}-recognizer",
            name=f"{name}{RECOGNIZER_SUFFIX}",
            version_name=args.settings.version_name,
            language_code=args.settings.language_code,
            data_access_role_arn=self.role.arn,
            model_kms_key_id=args.kms_key_arn,
            volume_kms_key_id=args.kms_key_arn,
            input_data_config=aws.comprehend.EntityRecognizerInputDataConfigArgs(
                data_format="COMPREHEND_CSV",
                entity_types=[
                    aws.comprehend.EntityRecognizerInputDataConfigEntityTypeArgs(type=t) for t in data.entity_types
                ],
                documents=aws.comprehend.EntityRecognizerInputDataConfigDocumentsArgs(
                    s3_uri=s3_uri("documents"),
                    input_format="ONE_DOC_PER_LINE" if data.one_doc_per_line else "ONE_DOC_PER_FILE",
                ),
                annotations=(
                    aws.comprehend.EntityRecognizerInputDataConfigAnnotationsArgs(s3_uri=s3_uri("annotations"))
                    if "annotations" in uploads
                    else None
                ),
                entity_list=(
                    aws.comprehend.EntityRecognizerInputDataConfigEntityListArgs(s3_uri=s3_uri("entity-list"))
                    if "entity-list" in uploads
                    else None
                ),
            ),
            tags=dict(args.tags),
            # Comprehend assumes the role at CreateEntityRecognizer: its policy must exist first, and the
            # training files must be in place before training reads them.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role_policy, *uploads.values()]),
        )
        self.classifier: aws.comprehend.DocumentClassifier | None = None
        classifier = args.settings.classifier
        if classifier is not None:
            training = aws.s3.BucketObjectv2(
                f"{name}-training-classifier",
                bucket=args.artifact_bucket,
                key=layout.training_key(_sha256(classifier.training_file.read_bytes()), classifier.training_file.name),
                source=pulumi.FileAsset(str(classifier.training_file)),
                content_type="text/csv",
                server_side_encryption="aws:kms",
                kms_key_id=args.kms_key_arn,
                opts=child,
            )
            # The same pattern: the stack key on model and volume, the version name from the training file,
            # the evaluation output (confusion matrix) under the output prefix, encrypted with the stack key.
            self.classifier = aws.comprehend.DocumentClassifier(
                f"{name}-classifier",
                name=f"{name}{CLASSIFIER_SUFFIX}",
                version_name=classifier.version_name,
                mode="MULTI_CLASS",
                language_code=args.settings.language_code,
                data_access_role_arn=self.role.arn,
                model_kms_key_id=args.kms_key_arn,
                volume_kms_key_id=args.kms_key_arn,
                input_data_config=aws.comprehend.DocumentClassifierInputDataConfigArgs(
                    data_format="COMPREHEND_CSV",
                    s3_uri=pulumi.Output.concat("s3://", training.bucket, "/", training.key),
                ),
                output_data_config=aws.comprehend.DocumentClassifierOutputDataConfigArgs(
                    s3_uri=pulumi.Output.concat("s3://", args.artifact_bucket, f"/{layout.OUTPUT_PREFIX}classifier/"),
                    kms_key_id=args.kms_key_arn,
                ),
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role_policy, training]),
            )
        self.recognizer_arn = self.recognizer.arn
        self.role_arn = self.role.arn
        self.deployer_policy_json = self.role.arn.apply(lambda arn: json.dumps(deployer_policy(arn)))
        self.register_outputs({"recognizer_arn": self.recognizer_arn, "role_arn": self.role_arn})
