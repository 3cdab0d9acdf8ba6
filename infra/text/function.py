"""`TextAnalysisFunction`: text files landing under ``text/incoming/`` are analysed by a Lambda function.

Built on the applications' ``LambdaFunction`` block (function, role with one inline policy, encrypted log
group, encrypted dead-letter queue as on-failure destination, error/throttle/queue alarms). The handler is
``functions.text_analysis.handler``: a small file is analysed in real time (Batch* calls), a large one
becomes asynchronous Comprehend jobs that read ``text/incoming/`` and write ``text/output/jobs/`` through
the data-access role. Results are JSON lines under ``text/output/results/``.

S3 allows one notification configuration per bucket, and the scoring function owns the artifact bucket's:
this component only contributes its entry (``notification``) and the invoke permission S3 needs first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.applications.function import FunctionGrants, LambdaFunction, LambdaFunctionArgs, s3_invoke_permission
from infra.text import layout

HANDLER = "functions.text_analysis.handler"
RESULTS_PREFIX = f"{layout.OUTPUT_PREFIX}results/"
PENDING_PREFIX = f"{layout.OUTPUT_PREFIX}pending/"
JOB_OUTPUT_PREFIX = f"{layout.OUTPUT_PREFIX}jobs/"
ANALYSES = ("entities", "key_phrases", "sentiment")
# The pretrained Comprehend calls the handler makes: the detect APIs have no resource-level permissions,
# and a job is named by Comprehend only after it starts, so these are on "*".
COMPREHEND_ACTIONS = (
    "comprehend:BatchDetectDominantLanguage",
    "comprehend:BatchDetectEntities",
    "comprehend:BatchDetectKeyPhrases",
    "comprehend:BatchDetectSentiment",
    "comprehend:StartEntitiesDetectionJob",
    "comprehend:StartKeyPhrasesDetectionJob",
    "comprehend:StartSentimentDetectionJob",
)


def text_role_policy(
    *,
    region: str,
    account_id: str,
    bucket_arn: str,
    kms_key_arn: str,
    data_access_role_arn: str,
    dead_letter_queue_arn: str,
    log_group_name: str,
) -> dict[str, Any]:
    """Least privilege for ``functions.text_analysis.handler``: read the input prefix, write the output one."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadIncomingText",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"{bucket_arn}/{layout.INCOMING_PREFIX}*",
            },
            {
                "Sid": "WriteTextOutput",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/{layout.OUTPUT_PREFIX}*",
            },
            {"Sid": "AnalyseText", "Effect": "Allow", "Action": list(COMPREHEND_ACTIONS), "Resource": "*"},
            {
                "Sid": "PassDataAccessRole",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": data_access_role_arn,
                # Only to Comprehend's jobs (policy/controls/iam.py: iam-passrole-scoped).
                "Condition": {"StringEquals": {"iam:PassedToService": "comprehend.amazonaws.com"}},
            },
            {
                "Sid": "UseStackKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": kms_key_arn,
            },
            {
                "Sid": "SendToDeadLetterQueue",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": dead_letter_queue_arn,
            },
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{region}:{account_id}:log-group:{log_group_name}:*",
            },
        ],
    }


@dataclass(frozen=True)
class TextAnalysisFunctionArgs:
    function_name: str
    code: pulumi.Archive
    region: str
    account_id: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    data_access_role_arn: pulumi.Input[str]
    language_code: str
    log_retention_days: int
    alarm_actions: Sequence[pulumi.Input[str]] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


class TextAnalysisFunction(pulumi.ComponentResource):
    def __init__(self, name: str, args: TextAnalysisFunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:text:TextAnalysisFunction", name, None, opts)

        def policy(grants: FunctionGrants) -> pulumi.Output[str]:
            assert grants.dead_letter_queue_arn is not None  # this function always has its queue
            return pulumi.Output.all(
                args.account_id,
                args.bucket_arn,
                args.kms_key_arn,
                args.data_access_role_arn,
                grants.dead_letter_queue_arn,
            ).apply(
                lambda v: json.dumps(
                    text_role_policy(
                        region=args.region,
                        account_id=v[0],
                        bucket_arn=v[1],
                        kms_key_arn=v[2],
                        data_access_role_arn=v[3],
                        dead_letter_queue_arn=v[4],
                        log_group_name=grants.log_group_name,
                    )
                )
            )

        self.function = LambdaFunction(
            f"{name}-function",
            LambdaFunctionArgs(
                function_name=args.function_name,
                description="Analyses text files under text/incoming/ with Comprehend into text/output/results/",
                handler=HANDLER,
                code=args.code,
                policy=policy,
                kms_key_arn=args.kms_key_arn,
                log_retention_days=args.log_retention_days,
                memory_mb=512,
                # Real-time analysis of a file up to 100 KB is a few Batch* calls; a large file only starts jobs.
                timeout_seconds=120,
                environment={
                    "TEXT_INPUT_PREFIX": layout.INCOMING_PREFIX,
                    "TEXT_RESULTS_PREFIX": RESULTS_PREFIX,
                    "TEXT_PENDING_PREFIX": PENDING_PREFIX,
                    "TEXT_JOB_OUTPUT_PREFIX": JOB_OUTPUT_PREFIX,
                    "TEXT_ANALYSES": ",".join(ANALYSES),
                    "TEXT_LANGUAGE": args.language_code,
                    "TEXT_KMS_KEY_ARN": args.kms_key_arn,
                    "TEXT_DATA_ACCESS_ROLE_ARN": args.data_access_role_arn,
                },
                dead_letter_queue=True,
                alarm_actions=args.alarm_actions,
                tags=args.tags,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.permission = s3_invoke_permission(
            f"{name}-s3-permission",
            function_name=self.function.function_name,
            bucket_arn=args.bucket_arn,
            account_id=args.account_id,
            parent=self,
        )
        # The entry this function adds to the bucket's one notification configuration.
        self.notification = aws.s3.BucketNotificationLambdaFunctionArgs(
            lambda_function_arn=self.function.function_arn,
            events=["s3:ObjectCreated:*"],
            filter_prefix=layout.INCOMING_PREFIX,
        )
        self.function_name = self.function.function_name
        self.queue_url = self.function.queue_url
        self.register_outputs({"function_name": self.function_name, "queue_url": self.queue_url})
