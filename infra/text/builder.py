"""How the program builds the text domain for a stack (nothing when ``mlops:text.enabled`` is false)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.applications import builder as applications
from infra.applications import package
from infra.context import StackContext
from infra.storage.artifact_store import ArtifactStore
from infra.text import layout
from infra.text.function import TextAnalysisFunction, TextAnalysisFunctionArgs
from infra.text.recognizer import EntityRecognition, EntityRecognitionArgs


@dataclass(frozen=True)
class Text:
    recognition: EntityRecognition
    function: TextAnalysisFunction

    @property
    def bucket_notifications(self) -> list[aws.s3.BucketNotificationLambdaFunctionArgs]:
        """This domain's entries in the artifact bucket's one notification configuration."""
        return [self.function.notification]

    @property
    def notification_permissions(self) -> list[pulumi.Resource]:
        return [self.function.permission]


def build(ctx: StackContext, store: ArtifactStore, alarm_actions: list[pulumi.Input[str]]) -> Text | None:
    settings = ctx.config.text
    if settings is None:
        return None
    recognition = EntityRecognition(
        f"{ctx.prefix}-text",
        EntityRecognitionArgs(
            account_id=ctx.account_id,
            region=ctx.region,
            artifact_bucket=store.artifact_bucket_name,
            artifact_bucket_arn=store.artifact_bucket.arn,
            kms_key_arn=store.key_arn,
            settings=settings,
            tags=ctx.tags,
            # The function's large files become Comprehend jobs, which read text/incoming/ as this role.
            read_prefixes=(layout.INCOMING_PREFIX,),
        ),
    )
    function = TextAnalysisFunction(
        f"{ctx.prefix}-text-analysis",
        TextAnalysisFunctionArgs(
            function_name=f"{ctx.prefix}-text-analysis",
            code=package.archive(applications.manifest(ctx.config)),
            region=ctx.region,
            account_id=ctx.account_id,
            bucket_arn=store.artifact_bucket.arn,
            kms_key_arn=store.key_arn,
            data_access_role_arn=recognition.role_arn,
            language_code=settings.language_code,
            log_retention_days=applications.settings(ctx.config).log_retention_days,
            alarm_actions=alarm_actions,
            tags=ctx.tags,
        ),
    )
    return Text(recognition, function)
