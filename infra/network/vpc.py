"""Network: bring your own VPC (subnet and security-group ids from config) or a private one of the stack's.

A created network has private subnets in at least two Availability Zones, no internet or NAT gateway, and
the VPC endpoints SageMaker's workloads need to reach AWS without the internet: the SageMaker API and
runtime, STS, CloudWatch Logs and ECR (interface endpoints with private DNS), S3 (a gateway endpoint on
the subnets' route table). Nothing accepts traffic from 0.0.0.0/0: the endpoints' security group admits
HTTPS from the VPC's own block, the workloads' group only traffic from itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.config import NetworkSettings

# Interface endpoints (service name suffix -> logical suffix). ecr.dkr serves image layers' manifests,
# whose layers themselves come from S3, hence the S3 gateway endpoint.
INTERFACE_ENDPOINTS = {
    "sagemaker.api": "sagemaker-api",
    "sagemaker.runtime": "sagemaker-runtime",
    "sts": "sts",
    "logs": "logs",
    "ecr.api": "ecr-api",
    "ecr.dkr": "ecr-dkr",
}
GATEWAY_ENDPOINTS = {"s3": "s3"}
HTTPS = 443


def subnet_cidrs(vpc_cidr: str, count: int) -> list[str]:
    """``count`` equal blocks at the start of the VPC's block, 4 bits smaller (a /16 gives /20s)."""
    network = ipaddress.ip_network(vpc_cidr)
    new_prefix = min(network.prefixlen + 4, 28)
    blocks = network.subnets(new_prefix=new_prefix)
    return [str(next(blocks)) for _ in range(count)]


def _zone(zones: pulumi.Input[Sequence[str]] | None, index: int) -> pulumi.Output[str]:
    def pick(names: Sequence[str]) -> str:
        return names[index]

    return pulumi.Output.from_input(zones or []).apply(pick)


@dataclass(frozen=True)
class NetworkArgs:
    settings: NetworkSettings
    region: str
    tags: Mapping[str, str]
    # Availability Zones when the config names none (the region's first two available ones).
    default_zones: pulumi.Input[Sequence[str]] | None = None


class Network(pulumi.ComponentResource):
    """The ids every VPC-attached workload needs: ``subnet_ids`` and ``security_group_ids``."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:network:Network", name, None, opts)
        s = args.settings
        if s.mode == "existing":
            self.vpc_id: pulumi.Output[str] = pulumi.Output.from_input(str(s.vpc_id))
            self.subnet_ids: list[pulumi.Output[str]] = [pulumi.Output.from_input(i) for i in s.subnet_ids]
            self.security_group_ids: list[pulumi.Output[str]] = [
                pulumi.Output.from_input(i) for i in s.security_group_ids
            ]
        else:
            self._create(name, args)
        self.register_outputs(
            {"vpc_id": self.vpc_id, "subnet_ids": self.subnet_ids, "security_group_ids": self.security_group_ids}
        )

    def _create(self, name: str, args: NetworkArgs) -> None:
        s, tags = args.settings, dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=s.cidr,
            # Interface endpoints with private DNS need both: the AWS service names resolve to them.
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={**tags, "Name": f"{name}-vpc"},
            opts=child,
        )
        count = len(s.availability_zones) or 2
        zones: list[pulumi.Input[str]] = (
            list(s.availability_zones)
            if s.availability_zones
            else [_zone(args.default_zones, index) for index in range(count)]
        )
        routes = aws.ec2.RouteTable(
            f"{name}-private", vpc_id=vpc.id, tags={**tags, "Name": f"{name}-private"}, opts=child
        )
        subnets = []
        for index, (zone, cidr) in enumerate(zip(zones, subnet_cidrs(s.cidr, count), strict=True)):
            subnet = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={**tags, "Name": f"{name}-private-{index}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}", subnet_id=subnet.id, route_table_id=routes.id, opts=child
            )
            subnets.append(subnet)

        endpoints_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            description="HTTPS from inside the VPC to the AWS service endpoints",
            vpc_id=vpc.id,
            tags=tags,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-https",
            security_group_id=endpoints_sg.id,
            description="HTTPS from the VPC's own block only",
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            cidr_ipv4=vpc.cidr_block,
            tags=tags,
            opts=child,
        )
        workloads_sg = aws.ec2.SecurityGroup(
            f"{name}-workloads",
            description="Notebook, model containers and training jobs of this stack",
            vpc_id=vpc.id,
            tags=tags,
            opts=child,
        )
        # Distributed training exchanges traffic between the job's instances: only within this group.
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-workloads-self",
            security_group_id=workloads_sg.id,
            description="Traffic between this stack's workloads",
            ip_protocol="-1",
            referenced_security_group_id=workloads_sg.id,
            tags=tags,
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-workloads-self-out",
            security_group_id=workloads_sg.id,
            description="Traffic between this stack's workloads",
            ip_protocol="-1",
            referenced_security_group_id=workloads_sg.id,
            tags=tags,
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-workloads-endpoints",
            security_group_id=workloads_sg.id,
            description="HTTPS to the interface endpoints",
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            referenced_security_group_id=endpoints_sg.id,
            tags=tags,
            opts=child,
        )
        s3 = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[routes.id],
            tags={**tags, "Name": f"{name}-s3"},
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-workloads-s3",
            security_group_id=workloads_sg.id,
            description="HTTPS to S3 through the gateway endpoint",
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            prefix_list_id=s3.prefix_list_id,
            tags=tags,
            opts=child,
        )
        self.endpoints: dict[str, aws.ec2.VpcEndpoint] = {"s3": s3}
        for service, suffix in INTERFACE_ENDPOINTS.items():
            self.endpoints[suffix] = aws.ec2.VpcEndpoint(
                f"{name}-{suffix}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{args.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[subnet.id for subnet in subnets],
                security_group_ids=[endpoints_sg.id],
                tags={**tags, "Name": f"{name}-{suffix}"},
                opts=child,
            )
        self.vpc_id = vpc.id
        self.subnet_ids = [subnet.id for subnet in subnets]
        self.security_group_ids = [workloads_sg.id]
