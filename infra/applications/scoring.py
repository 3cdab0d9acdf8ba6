"""`ScoringFunction`: CSV files under ``incoming/`` of the artifact bucket are scored by a Lambda function.

S3 calls the function asynchronously for every ``s3:ObjectCreated:*`` of ``incoming/*.csv`` (the suffix
keeps the function's own ``incoming/*.csv.error.json`` reports from triggering it). The function's role
is exactly ``functions.policies.scoring_role_policy``; failures go to its encrypted queue (the handler's
own reports and Lambda's on-failure destination). Reserved concurrency caps how many files are scored
at once, derived from the endpoint's capacity (``functions.capacity``), so batch scoring cannot starve
online callers; S3 events beyond it wait in Lambda's asynchronous queue.

S3 allows one notification configuration per bucket: this component owns the artifact bucket's, with
EventBridge delivery switched on for every other consumer of the bucket's events.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from functions.policies import scoring_role_policy
from functions.settings import INCOMING_PREFIX
from infra.applications.function import FunctionGrants, LambdaFunction, LambdaFunctionArgs, s3_invoke_permission
from infra.applications.package import MANIFEST_PATH

HANDLER = "functions.scoring.handler"
CSV_SUFFIX = ".csv"


@dataclass(frozen=True)
class ScoringFunctionArgs:
    function_name: str
    code: pulumi.Archive
    endpoint_name: str
    endpoint_type: str
    region: str
    account_id: pulumi.Input[str]
    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    log_retention_days: int
    memory_mb: int
    timeout_seconds: int
    reserved_concurrency: int
    alarm_actions: Sequence[pulumi.Input[str]] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    # Other functions' entries in the bucket's one notification configuration (e.g. the text analysis
    # function's text/incoming/), and their invoke permissions, which S3 checks before accepting it.
    more_lambda_functions: Sequence[aws.s3.BucketNotificationLambdaFunctionArgs] = ()
    more_permissions: Sequence[pulumi.Resource] = ()


class ScoringFunction(pulumi.ComponentResource):
    def __init__(self, name: str, args: ScoringFunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:applications:ScoringFunction", name, None, opts)

        def policy(grants: FunctionGrants) -> pulumi.Output[str]:
            if grants.dead_letter_queue_arn is None:  # pragma: no cover - the component always asks for a queue
                raise ValueError("the scoring function's role names its dead-letter queue")
            return pulumi.Output.all(
                args.account_id, args.bucket_arn, args.kms_key_arn, grants.dead_letter_queue_arn
            ).apply(
                lambda v: json.dumps(
                    scoring_role_policy(
                        region=args.region,
                        account_id=v[0],
                        endpoint_name=args.endpoint_name,
                        bucket_arn=v[1],
                        kms_key_arn=v[2],
                        dead_letter_queue_arn=v[3],
                        log_group_name=grants.log_group_name,
                    )
                )
            )

        self.function = LambdaFunction(
            f"{name}-function",
            LambdaFunctionArgs(
                function_name=args.function_name,
                description="Scores CSV files under incoming/ of the artifact bucket into predictions/",
                handler=HANDLER,
                code=args.code,
                policy=policy,
                kms_key_arn=args.kms_key_arn,
                log_retention_days=args.log_retention_days,
                memory_mb=args.memory_mb,
                timeout_seconds=args.timeout_seconds,
                environment={
                    "ENDPOINT_NAME": args.endpoint_name,
                    "ENDPOINT_TYPE": args.endpoint_type,
                    "MODEL_MANIFEST": MANIFEST_PATH,
                },
                reserved_concurrency=args.reserved_concurrency,
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
        self.notification = aws.s3.BucketNotification(
            f"{name}-notification",
            bucket=args.bucket_name,
            eventbridge=True,
            lambda_functions=[
                aws.s3.BucketNotificationLambdaFunctionArgs(
                    lambda_function_arn=self.function.function_arn,
                    events=["s3:ObjectCreated:*"],
                    filter_prefix=INCOMING_PREFIX,
                    filter_suffix=CSV_SUFFIX,
                ),
                *args.more_lambda_functions,
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.permission, *args.more_permissions]),
        )

        self.function_name = self.function.function_name
        self.queue_url = self.function.queue_url
        self.register_outputs({"function_name": self.function_name, "queue_url": self.queue_url})
