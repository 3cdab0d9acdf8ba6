"""A recording Pulumi mock runtime for the monitoring tests (infra has its own; to be merged later)."""

from __future__ import annotations

import json
from typing import Any

import pulumi

ACCOUNT = "123456789012"
REGION = "us-east-1"


# Outputs the real provider computes and components read back, keyed by resource type.
_COMPUTED: dict[str, dict[str, str]] = {
    "aws:sns/topic:Topic": {"arn": "arn:aws:sns:{region}:{account}:{name}"},
    "aws:cloudwatch/metricAlarm:MetricAlarm": {"arn": "arn:aws:cloudwatch:{region}:{account}:alarm:{alarm}"},
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": {"arn": "arn:aws:cloudwatch:{region}:{account}:alarm:{alarm}"},
    "aws:cloudwatch/dashboard:Dashboard": {"dashboardArn": "arn:aws:cloudwatch::{account}:dashboard/{dashboard}"},
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": {
        "arn": "arn:aws:sagemaker:{region}:{account}:data-quality-job-definition/{name}",
        "name": "{name}-generated",  # auto-named by the provider
    },
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule": {
        "arn": "arn:aws:sagemaker:{region}:{account}:monitoring-schedule/{schedule}"
    },
}


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every `new_resource` call (type, name, inputs); returns inputs plus computed outputs."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources.append(args)
        outputs = dict(args.inputs)
        fields = {
            "region": REGION,
            "account": ACCOUNT,
            "name": args.name,
            "alarm": args.inputs.get("name") or args.inputs.get("alarmName") or args.name,
            "dashboard": args.inputs.get("dashboardName", args.name),
            "schedule": args.inputs.get("name", args.name),
        }
        for key, template in _COMPUTED.get(args.typ, {}).items():
            outputs.setdefault(key, template.format(**fields))
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.resources if r.typ == typ]

    def named(self, name: str) -> pulumi.runtime.MockResourceArgs:
        matches = [r for r in self.resources if r.name == name]
        assert len(matches) == 1, f"expected one resource named {name}, got {len(matches)}"
        return matches[0]

    def inputs(self, name: str) -> dict[str, Any]:
        """The named resource's inputs, JSON-normalised (Pulumi sends numbers as floats)."""
        normalised: dict[str, Any] = json.loads(json.dumps(self.named(name).inputs))
        return normalised
