"""`LambdaFunction`: one Lambda function with everything it needs to run safely, as one building block.

Children, all named from the component's name:

- ``<name>-logs``: the log group ``/aws/lambda/<functionName>``, created *before* the function with the
  stack's retention and KMS key. Lambda creates the group on first write when it does not exist, without
  retention or encryption, and the role grants no ``logs:CreateLogGroup``, so the stack owns it.
- ``<name>-role`` + ``<name>-policy``: the execution role (trust: ``lambda.amazonaws.com``) and one inline
  policy, built by the caller from the names this component decides (``FunctionGrants``): least privilege
  is the caller's document, compared whole in tests and by the policy pack.
- ``<name>``: the function, zip package, explicit name (so the log group and alarms can name it up front).
- with ``dead_letter_queue``: ``<name>-dlq`` (SQS, encrypted with the stack key, 14 days' retention; its
  URL in the function's ``DEAD_LETTER_QUEUE_URL``) and
  ``<name>-async`` (asynchronous invoke config: retries, and the queue as the **on-failure destination**).
  An on-failure destination is chosen over the function's ``dead_letter_config``: the destination record
  carries the original event *and* the error (``requestContext.condition``, ``responsePayload``), a DLQ
  message only the event.
- alarms ``<name>-errors``, ``<name>-throttles`` and (with the queue) ``<name>-dlq-depth``, named
  ``<functionName>-errors|throttles|dlq-depth``.

Used by the scoring function and the HTTP API here, and reusable by any other function of the stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from functions.policies import lambda_trust_policy
from infra.applications.alarms import occurrence_alarm

RUNTIME = "python3.12"
# Pure-Python packages run on Graviton, which Lambda bills about 20 % lower than x86_64 per GB-second.
ARCHITECTURE = "arm64"
# SQS keeps a message at most 14 days: the longest time an operator has to replay a failure.
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
# Lambda's own retries of an asynchronous invocation (0-2) before the on-failure destination.
ASYNC_RETRY_ATTEMPTS = 2
# How long an event may wait in Lambda's asynchronous queue (the maximum, 6 hours): reserved concurrency
# makes events wait there rather than overload the endpoint.
ASYNC_MAX_EVENT_AGE_SECONDS = 6 * 3600
# Lambda function names: at most 64 characters.
MAX_FUNCTION_NAME = 64
# A function with a queue learns its URL from this variable (functions.settings reads it).
DEAD_LETTER_QUEUE_VARIABLE = "DEAD_LETTER_QUEUE_URL"


@dataclass(frozen=True)
class FunctionGrants:
    """What the caller's policy document may name: decided by the component before anything exists."""

    function_name: str
    log_group_name: str
    # None unless the function has a dead-letter queue.
    dead_letter_queue_arn: pulumi.Output[str] | None


PolicyBuilder = Callable[[FunctionGrants], pulumi.Input[str]]


@dataclass(frozen=True)
class LambdaFunctionArgs:
    function_name: str
    handler: str
    code: pulumi.Archive
    # The execution role's inline policy (JSON), from the names in ``FunctionGrants``.
    policy: PolicyBuilder
    kms_key_arn: pulumi.Input[str]
    log_retention_days: int
    memory_mb: int
    timeout_seconds: int
    description: str = ""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # None: the account's unreserved pool. A number caps the function (and reserves it from the pool).
    reserved_concurrency: int | None = None
    # For asynchronously invoked functions (S3, EventBridge): the encrypted queue and the invoke config.
    dead_letter_queue: bool = False
    alarm_actions: Sequence[pulumi.Input[str]] = ()
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= len(self.function_name) <= MAX_FUNCTION_NAME:
            raise ValueError(f"function name {self.function_name!r} must be 1-{MAX_FUNCTION_NAME} characters")


def log_group_name(function_name: str) -> str:
    """The group Lambda writes to by default; creating it ourselves gives it retention and KMS."""
    return f"/aws/lambda/{function_name}"


class LambdaFunction(pulumi.ComponentResource):
    def __init__(self, name: str, args: LambdaFunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:applications:LambdaFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name(args.function_name),
            retention_in_days=args.log_retention_days,
            # CloudWatch Logs checks the key policy (logs.<region>.amazonaws.com) when the group is created.
            kms_key_id=args.kms_key_arn,
            tags=tags,
            opts=child,
        )
        self.queue: aws.sqs.Queue | None = None
        if args.dead_letter_queue:
            self.queue = aws.sqs.Queue(
                f"{name}-dlq",
                name=f"{args.function_name}-dlq",
                kms_master_key_id=args.kms_key_arn,
                # One data key per 5 minutes instead of one KMS call per message.
                kms_data_key_reuse_period_seconds=300,
                message_retention_seconds=DLQ_RETENTION_SECONDS,
                tags=tags,
                opts=child,
            )
        grants = FunctionGrants(
            function_name=args.function_name,
            log_group_name=log_group_name(args.function_name),
            dead_letter_queue_arn=self.queue.arn if self.queue is not None else None,
        )
        environment: dict[str, pulumi.Input[str]] = dict(args.environment)
        if self.queue is not None:
            # The handler reports the failures it catches itself, to the same queue.
            environment[DEAD_LETTER_QUEUE_VARIABLE] = self.queue.url
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=json.dumps(lambda_trust_policy()),
            description=f"{args.function_name}: execution role",
            tags=tags,
            opts=child,
        )
        self.policy = aws.iam.RolePolicy(f"{name}-policy", role=self.role.id, policy=args.policy(grants), opts=child)
        self.function = aws.lambda_.Function(
            name,
            name=args.function_name,
            description=args.description or None,
            role=self.role.arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=args.handler,
            code=args.code,
            memory_size=args.memory_mb,
            timeout=args.timeout_seconds,
            reserved_concurrent_executions=args.reserved_concurrency,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=environment) if environment else None,
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=self.log_group.name),
            tags=tags,
            # Without its policy the first invocation fails; without its group Lambda would create one
            # unencrypted and kept forever.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policy, self.log_group]),
        )
        self.invoke_config: aws.lambda_.FunctionEventInvokeConfig | None = None
        if self.queue is not None:
            self.invoke_config = aws.lambda_.FunctionEventInvokeConfig(
                f"{name}-async",
                function_name=self.function.name,
                maximum_retry_attempts=ASYNC_RETRY_ATTEMPTS,
                maximum_event_age_in_seconds=ASYNC_MAX_EVENT_AGE_SECONDS,
                destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                    on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                        destination=self.queue.arn
                    )
                ),
                opts=child,
            )

        actions = list(args.alarm_actions)
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        for key, metric, what in (
            ("errors", "Errors", "invocations ended in an error"),
            ("throttles", "Throttles", "invocations were throttled (reserved concurrency reached)"),
        ):
            self.alarms[key] = occurrence_alarm(
                f"{name}-{key}",
                alarm_name=f"{args.function_name}-{key}",
                description=f"{args.function_name}: {what} in the last 5 minutes",
                namespace="AWS/Lambda",
                metric_name=metric,
                dimensions={"FunctionName": self.function.name},
                statistic="Sum",
                actions=actions,
                tags=tags,
                opts=child,
            )
        if self.queue is not None:
            self.alarms["dlq-depth"] = occurrence_alarm(
                f"{name}-dlq-depth",
                alarm_name=f"{args.function_name}-dlq-depth",
                description=f"{args.function_name}: failed events wait in the dead-letter queue",
                namespace="AWS/SQS",
                metric_name="ApproximateNumberOfMessagesVisible",
                dimensions={"QueueName": self.queue.name},
                statistic="Maximum",
                actions=actions,
                tags=tags,
                opts=child,
            )

        self.function_name = self.function.name
        self.function_arn = self.function.arn
        self.invoke_arn = self.function.invoke_arn
        self.role_arn = self.role.arn
        self.queue_url: pulumi.Output[str] | None = self.queue.url if self.queue is not None else None
        self.queue_arn: pulumi.Output[str] | None = self.queue.arn if self.queue is not None else None
        self.register_outputs(
            {
                "function_name": self.function_name,
                "function_arn": self.function_arn,
                "role_arn": self.role_arn,
                "log_group": self.log_group.name,
                "queue_url": self.queue_url,
            }
        )


def s3_invoke_permission(
    resource_name: str,
    *,
    function_name: pulumi.Input[str],
    bucket_arn: pulumi.Input[str],
    account_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.lambda_.Permission:
    """Let S3 invoke the function for one bucket. S3 checks on PutBucketNotificationConfiguration that it
    may invoke the function, so the bucket notification must depend on this; ``source_account`` guards
    against a bucket of the same name recreated in another account."""
    return aws.lambda_.Permission(
        resource_name,
        action="lambda:InvokeFunction",
        function=function_name,
        principal="s3.amazonaws.com",
        source_arn=bucket_arn,
        source_account=account_id,
        opts=pulumi.ResourceOptions(parent=parent),
    )
