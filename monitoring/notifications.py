"""`Notifications`: the encrypted SNS topic CloudWatch alarms publish to, and its subscriptions.

Two AWS constraints shape it:
- CloudWatch can only publish to an encrypted topic if the KMS key is a customer-managed key whose key
  policy lets `cloudwatch.amazonaws.com` use it (`kms:Decrypt`, `kms:GenerateDataKey*`); the AWS-managed
  `alias/aws/sns` key cannot be granted to CloudWatch. `cloudwatch_kms_statement()` gives the statement
  the key's owner (infra) must add to the key policy.
- The topic policy must allow the `cloudwatch.amazonaws.com` service principal to `sns:Publish`; the
  `aws:SourceAccount` condition stops alarms in other accounts from using it (confused deputy).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from monitoring.errors import UserInputError

CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"
EVENTS_PRINCIPAL = "events.amazonaws.com"


def events_publish_statement(topic_arn: str, account_id: str) -> dict[str, Any]:
    """EventBridge rules of this account may publish (the model registry's approval-state changes)."""
    return {
        "Sid": "AllowEventBridgeRulesOfThisAccount",
        "Effect": "Allow",
        "Principal": {"Service": EVENTS_PRINCIPAL},
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }


def topic_policy_document(topic_arn: str, account_id: str, *, events: bool = False) -> dict[str, Any]:
    """Topic policy: CloudWatch alarms (and, with ``events``, EventBridge rules) of this account may
    publish; nothing may publish without TLS."""
    extra = [events_publish_statement(topic_arn, account_id)] if events else []
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowCloudWatchAlarmsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDWATCH_PRINCIPAL},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
            *extra,
            {
                "Sid": "DenyPublishWithoutTLS",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def cloudwatch_kms_statement(account_id: str) -> dict[str, Any]:
    """The KMS key-policy statement that lets CloudWatch alarms publish to a topic encrypted with the key."""
    return {
        "Sid": "AllowCloudWatchAlarmsToUseTheKeyForSNS",
        "Effect": "Allow",
        "Principal": {"Service": CLOUDWATCH_PRINCIPAL},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }


def subscription_suffix(endpoint: str) -> str:
    """A stable child-name suffix per endpoint: reordering the list must not replace subscriptions."""
    return hashlib.sha256(endpoint.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class NotificationsArgs:
    kms_key_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    email_endpoints: Sequence[str] = ()
    https_endpoints: Sequence[str] = ()
    display_name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    # EventBridge rules of the account may publish too (the topic that hears the model registry).
    allow_events: bool = False

    def __post_init__(self) -> None:
        for address in self.email_endpoints:
            if "@" not in address or address != address.strip():
                raise UserInputError(f"NotificationsArgs.email_endpoints: {address!r} is not an e-mail address")
        for url in self.https_endpoints:
            if not url.startswith("https://"):
                raise UserInputError(f"NotificationsArgs.https_endpoints: {url!r} must start with https://")
        for endpoints, what in ((self.email_endpoints, "email"), (self.https_endpoints, "https")):
            if len(set(endpoints)) != len(endpoints):
                raise UserInputError(f"NotificationsArgs.{what}_endpoints lists an endpoint twice")


class Notifications(pulumi.ComponentResource):
    """An SNS topic (KMS-encrypted) that CloudWatch alarms may publish to, with e-mail/HTTPS subscribers.

    E-mail and HTTPS subscriptions stay "pending confirmation" until the recipient confirms; SNS delivers
    nothing to them before that.
    """

    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: NotificationsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:monitoring:Notifications", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            display_name=args.display_name,
            kms_master_key_id=args.kms_key_arn,
            tags=args.tags or None,
            opts=child,
        )
        # Serialising the policy inside apply() is fine: it only computes a string, it creates nothing.
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, args.account_id).apply(
                lambda values: json.dumps(
                    topic_policy_document(values[0], values[1], events=args.allow_events), sort_keys=True
                )
            ),
            opts=child,
        )
        self.subscriptions: list[aws.sns.TopicSubscription] = []
        for protocol, endpoints in (("email", args.email_endpoints), ("https", args.https_endpoints)):
            for endpoint in endpoints:
                self.subscriptions.append(
                    aws.sns.TopicSubscription(
                        f"{name}-{protocol}-{subscription_suffix(endpoint)}",
                        topic=self.topic.arn,
                        protocol=protocol,
                        # Contact addresses and paging URLs are secrets: masked in every preview and state.
                        endpoint=pulumi.Output.secret(endpoint),
                        opts=child,
                    )
                )
        self.topic_arn = self.topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})
