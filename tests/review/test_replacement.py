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

from offline import tokens
from review import snapshot
from review.replacement import EVERY_INPUT, RULES, rule_for
from tests.review.graphs import Graphs


def test_every_custom_type_of_every_stack_has_a_rule(graphs: Graphs) -> None:
    declared = {r.type for stack in snapshot.STACKS for r in graphs.plan(stack).resources if r.custom}
    # The optional document classifier is off in every stack file.
    declared |= {r.type for r in graphs.plan("prod", **{"mlops:text.classifier": True}).resources if r.custom}
    assert sorted(declared - set(RULES)) == []
    assert sorted(set(RULES) - declared) == []


def _inputs_of(type_token: str) -> set[str]:
    module, _, cls = type_token.split(":")[1].partition("/")[0], None, type_token.split(":")[2]
    # `lambda` is a Python keyword: pulumi-aws's module is `lambda_`.
    resource_class = getattr(
        importlib.import_module(f"pulumi_aws.{module}_" if module == "lambda" else f"pulumi_aws.{module}"), cls
    )
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
        (tokens.SAGEMAKER_ENDPOINT_CONFIG, ("productionVariants", "instanceType"), True),
        (tokens.SAGEMAKER_ENDPOINT_CONFIG, ("kmsKeyArn",), True),
        (tokens.SAGEMAKER_ENDPOINT_CONFIG, ("tags", "owner"), False),
        (tokens.SAGEMAKER_MODEL, ("primaryContainer", "modelDataUrl"), True),
        (tokens.SAGEMAKER_MODEL, ("tags",), False),
        (tokens.SAGEMAKER_ENDPOINT, ("endpointConfigName",), False),
        (tokens.SAGEMAKER_ENDPOINT, ("name",), True),
        (
            tokens.SAGEMAKER_ENDPOINT,
            ("deploymentConfig", "blueGreenUpdatePolicy", "terminationWaitInSeconds"),
            False,
        ),
        (
            tokens.SAGEMAKER_ENDPOINT,
            ("deploymentConfig", "autoRollbackConfiguration", "alarms", "alarmName"),
            True,
        ),
        (
            tokens.SAGEMAKER_MONITORING_SCHEDULE,
            ("monitoringScheduleConfig", "monitoringJobDefinitionName"),
            False,
        ),
        (
            tokens.SAGEMAKER_DATA_QUALITY_JOB,
            ("networkConfig", "enableNetworkIsolation"),
            True,
        ),
        (tokens.S3_BUCKET, ("bucket",), True),
        (tokens.S3_BUCKET, ("bucketPrefix",), True),
        (tokens.S3_BUCKET, ("forceDestroy",), False),
        (tokens.S3_OBJECT, ("key",), True),
        (tokens.S3_OBJECT, ("source",), False),
        (tokens.S3_BUCKET_POLICY, ("policy",), False),
        (tokens.KMS_KEY, ("enableKeyRotation",), False),
        (tokens.KMS_KEY, ("policy",), False),
        (tokens.KMS_KEY, ("deletionWindowInDays",), False),
        (tokens.KMS_KEY, ("keyUsage",), True),
        (tokens.IAM_ROLE, ("name",), True),
        (tokens.IAM_ROLE, ("path",), True),
        (tokens.IAM_ROLE, ("assumeRolePolicy",), False),
        (tokens.IAM_ROLE_POLICY, ("role",), True),
        (tokens.METRIC_ALARM, ("name",), True),
        (tokens.METRIC_ALARM, ("threshold",), False),
        (tokens.COMPOSITE_ALARM, ("alarmRule",), False),
        (tokens.DASHBOARD, ("dashboardBody",), False),
        (tokens.SNS_SUBSCRIPTION, ("endpoint",), True),
        (tokens.SCALABLE_TARGET, ("resourceId",), True),
        (tokens.SCALABLE_TARGET, ("scalableDimension",), True),
        (tokens.SCALABLE_TARGET, ("serviceNamespace",), True),
        (tokens.SCALABLE_TARGET, ("maxCapacity",), False),
        (tokens.SCALING_POLICY, ("targetTrackingScalingPolicyConfiguration", "targetValue"), False),
        # Every recognizer change publishes a new version in place of a replacement, the name included.
        (tokens.COMPREHEND_ENTITY_RECOGNIZER, ("versionName",), False),
        (tokens.COMPREHEND_ENTITY_RECOGNIZER, ("inputDataConfig", "documents", "s3Uri"), False),
        (tokens.COMPREHEND_ENTITY_RECOGNIZER, ("name",), False),
    ],
)
def test_force_new_classification(type_token: str, path: tuple[str, ...], replaces: bool) -> None:
    rule = rule_for(type_token)
    assert rule is not None
    assert rule.forces_replacement(path) is replaces


def test_unknown_type_has_no_rule() -> None:
    assert rule_for("aws:ec2/instance:Instance") is None
