"""Network controls: no security group admits the internet, and interface endpoints resolve privately."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from offline import tokens
from policy.controls.base import Control, _seq, _typed

OPEN = ("0.0.0.0/0", "::/0")


def _no_open_ingress(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if type_token == tokens.VPC_INGRESS_RULE:
        blocks = [props.get("cidrIpv4"), props.get("cidrIpv6")]
        return [f"ingress from {block} (the whole internet)" for block in blocks if block in OPEN]
    problems = []
    for rule in _seq(props.get("ingress")):
        if isinstance(rule, Mapping):
            for block in [*_seq(rule.get("cidrBlocks")), *_seq(rule.get("ipv6CidrBlocks"))]:
                if block in OPEN:
                    problems.append(f"inline ingress from {block} (the whole internet)")
    return problems


def _private_interface_endpoints(type_token: str, props: Mapping[str, Any]) -> list[str]:
    if props.get("vpcEndpointType") != "Interface":
        return []
    problems = []
    if props.get("privateDnsEnabled") is not True:
        problems.append("privateDnsEnabled is not true: the AWS SDKs would not resolve the service to it")
    if not props.get("securityGroupIds"):
        problems.append("securityGroupIds is empty: the endpoint takes the VPC's default security group")
    return problems


CONTROLS: tuple[Control, ...] = (
    Control(
        "network-no-internet-ingress",
        "EC2 security groups (IaC scanner)",
        "No security group or ingress rule admits 0.0.0.0/0 or ::/0.",
        resource_check=_typed((tokens.EC2_SECURITY_GROUP, tokens.VPC_INGRESS_RULE), _no_open_ingress),
    ),
    Control(
        "network-interface-endpoints-private",
        "VPC interface endpoints (the project's own)",
        "Interface endpoints have private DNS and a security group of their own.",
        resource_check=_typed((tokens.EC2_VPC_ENDPOINT,), _private_interface_endpoints),
    ),
)
