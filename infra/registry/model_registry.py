"""``ModelRegistry``: the stack's Model Package Group and the rule that reports its approval decisions.

The group has a fixed name (``<project>-<stack>-models``) rather than an auto-name: the registry command
registers into it and the program resolves ``mlops:modelPackage`` against it by name before anything is
deployed, and a group is never replaced by a release (only its name and description would force that,
and both are constant). SageMaker refuses to delete a group that still has versions: in prod the group
is protected and retained like the buckets, so its approval history outlives the stack.

SageMaker publishes ``SageMaker Model Package State Change`` events to the account's default event bus;
the rule forwards those of this group to the stack's notification topic. The topic is encrypted with the
stack key, so the key policy lets ``events.amazonaws.com`` use it and the topic policy lets it publish
(both limited to this account).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.registry.documents import approval_event_pattern


@dataclass(frozen=True)
class ModelRegistryArgs:
    group_name: str
    topic_arn: pulumi.Input[str]
    retain: bool
    tags: Mapping[str, str]


class ModelRegistry(pulumi.ComponentResource):
    def __init__(self, name: str, args: ModelRegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:registry:ModelRegistry", name, None, opts)
        self.group = aws.sagemaker.ModelPackageGroup(
            f"{name}-group",
            model_package_group_name=args.group_name,
            model_package_group_description=f"Model versions deployable by stack {name}",
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, protect=args.retain, retain_on_delete=args.retain),
        )
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-approvals",
            description=f"Registrations and approval decisions of model package group {args.group_name}",
            event_pattern=json.dumps(approval_event_pattern(args.group_name), sort_keys=True),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.target = aws.cloudwatch.EventTarget(
            f"{name}-approvals-topic",
            rule=self.rule.name,
            arn=args.topic_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.group_name: pulumi.Output[str] = self.group.model_package_group_name
        self.group_arn: pulumi.Output[str] = self.group.arn
        self.register_outputs({"group_name": self.group_name, "group_arn": self.group_arn})
