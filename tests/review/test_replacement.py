"""The ForceNew table: complete for the program's types, spelled as pulumi-aws spells its inputs.

The table itself is transcribed from the Terraform AWS provider's schemas (see review/replacement.py);
these tests cannot re-read those schemas offline. They prove that every type the program declares has an
entry, that every property named in an entry is a real input of the pulumi-aws resource, and how the
table classifies the changes a reviewer meets most.
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

from review import snapshot
from review.replacement import EVERY_INPUT, RULES, rule_for
from tests.review.graphs import Graphs


def test_every_custom_type_of_every_stack_has_a_rule(graphs: Graphs) -> None:
    declared = {r.type for stack in snapshot.STACKS for r in graphs.plan(stack).resources if r.custom}
    assert sorted(declared - set(RULES)) == []
    assert sorted(set(RULES) - declared) == []


def _inputs_of(type_token: str) -> set[str]:
    module, _, cls = type_token.split(":")[1].partition("/")[0], None, type_token.split(":")[2]
    resource_class = getattr(importlib.import_module(f"pulumi_aws.{module}"), cls)
    return set(inspect.signature(resource_class._internal_init).parameters)


def _snake(camel: str) -> str:
    return re.sub(r"([A-Z])", r"_\1", camel).lower()


@pytest.mark.parametrize("type_token", sorted(RULES))
def test_rule_properties_are_inputs_of_the_pulumi_aws_resource(type_token: str) -> None:
    rule = RULES[type_token]
    inputs = _inputs_of(type_token)
    named = [] if rule.force_new == EVERY_INPUT else [path.split(".")[0] for path in rule.force_new]
    if rule.name_property is not None:
        named.append(rule.name_property)
    assert sorted(p for p in named if _snake(p) not in inputs) == []


@pytest.mark.parametrize(
    ("type_token", "path", "replaces"),
    [
        ("aws:sagemaker/endpointConfiguration:EndpointConfiguration", ("productionVariants", "instanceType"), True),
        ("aws:sagemaker/endpointConfiguration:EndpointConfiguration", ("kmsKeyArn",), True),
        ("aws:sagemaker/endpointConfiguration:EndpointConfiguration", ("tags", "owner"), False),
        ("aws:sagemaker/model:Model", ("primaryContainer", "modelDataUrl"), True),
        ("aws:sagemaker/model:Model", ("tags",), False),
        ("aws:sagemaker/endpoint:Endpoint", ("endpointConfigName",), False),
        ("aws:sagemaker/endpoint:Endpoint", ("name",), True),
        (
            "aws:sagemaker/endpoint:Endpoint",
            ("deploymentConfig", "blueGreenUpdatePolicy", "terminationWaitInSeconds"),
            False,
        ),
        (
            "aws:sagemaker/endpoint:Endpoint",
            ("deploymentConfig", "autoRollbackConfiguration", "alarms", "alarmName"),
            True,
        ),
        (
            "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
            ("monitoringScheduleConfig", "monitoringJobDefinitionName"),
            False,
        ),
        (
            "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
            ("networkConfig", "enableNetworkIsolation"),
            True,
        ),
        ("aws:s3/bucket:Bucket", ("bucket",), True),
        ("aws:s3/bucket:Bucket", ("bucketPrefix",), True),
        ("aws:s3/bucket:Bucket", ("forceDestroy",), False),
        ("aws:s3/bucketObjectv2:BucketObjectv2", ("key",), True),
        ("aws:s3/bucketObjectv2:BucketObjectv2", ("source",), False),
        ("aws:s3/bucketPolicy:BucketPolicy", ("policy",), False),
        ("aws:kms/key:Key", ("enableKeyRotation",), False),
        ("aws:kms/key:Key", ("policy",), False),
        ("aws:kms/key:Key", ("deletionWindowInDays",), False),
        ("aws:kms/key:Key", ("keyUsage",), True),
        ("aws:iam/role:Role", ("name",), True),
        ("aws:iam/role:Role", ("path",), True),
        ("aws:iam/role:Role", ("assumeRolePolicy",), False),
        ("aws:iam/rolePolicy:RolePolicy", ("role",), True),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", ("name",), True),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", ("threshold",), False),
        ("aws:cloudwatch/compositeAlarm:CompositeAlarm", ("alarmRule",), False),
        ("aws:cloudwatch/dashboard:Dashboard", ("dashboardBody",), False),
        ("aws:sns/topicSubscription:TopicSubscription", ("endpoint",), True),
        ("aws:appautoscaling/target:Target", ("resourceId",), True),
        ("aws:appautoscaling/target:Target", ("scalableDimension",), True),
        ("aws:appautoscaling/target:Target", ("serviceNamespace",), True),
        ("aws:appautoscaling/target:Target", ("maxCapacity",), False),
        ("aws:appautoscaling/policy:Policy", ("targetTrackingScalingPolicyConfiguration", "targetValue"), False),
    ],
)
def test_force_new_classification(type_token: str, path: tuple[str, ...], replaces: bool) -> None:
    rule = rule_for(type_token)
    assert rule is not None
    assert rule.forces_replacement(path) is replaces


def test_unknown_type_has_no_rule() -> None:
    assert rule_for("aws:ec2/instance:Instance") is None
