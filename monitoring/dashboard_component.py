"""`EndpointDashboard`: the CloudWatch dashboard built by `monitoring.dashboard.dashboard_body`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from monitoring.dashboard import check_dashboard_name, dashboard_body


@dataclass(frozen=True)
class EndpointDashboardArgs:
    dashboard_name: str
    endpoint_name: pulumi.Input[str]
    variant_name: pulumi.Input[str]
    region: pulumi.Input[str]
    alarm_arns: Sequence[pulumi.Input[str]]
    serverless: bool

    def __post_init__(self) -> None:
        check_dashboard_name(self.dashboard_name)


class EndpointDashboard(pulumi.ComponentResource):
    """One dashboard per endpoint; its body is pure data resolved from the inputs' outputs."""

    dashboard_name: pulumi.Output[str]
    dashboard_arn: pulumi.Output[str]

    def __init__(self, name: str, args: EndpointDashboardArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:monitoring:EndpointDashboard", name, None, opts)

        def body(values: list[Any]) -> str:
            endpoint, variant, region, *arns = values
            return json.dumps(
                dashboard_body(str(endpoint), str(variant), str(region), [str(a) for a in arns], args.serverless),
                sort_keys=True,
            )

        # Serialising inside apply() only computes the body string; the Dashboard itself is created here,
        # outside apply(), so `pulumi preview` shows it.
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.dashboard_name,
            dashboard_body=pulumi.Output.all(
                args.endpoint_name, args.variant_name, args.region, *args.alarm_arns
            ).apply(body),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dashboard_name = self.dashboard.dashboard_name
        self.dashboard_arn = self.dashboard.dashboard_arn
        self.register_outputs({"dashboard_name": self.dashboard_name, "dashboard_arn": self.dashboard_arn})
