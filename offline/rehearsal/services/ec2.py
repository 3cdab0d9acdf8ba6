"""EC2: the stack's private network (VPC, subnets, route table, security groups and their rules, endpoints).

The provider spreads some resources over several calls: a VPC's DNS settings are ModifyVpcAttribute calls
after CreateVpc, a security group loses EC2's default allow-all egress rule right after creation (the
Terraform provider revokes it), and a gateway endpoint's prefix list is read from DescribePrefixLists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, arn_of, emulated
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, as_int, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import UnmappedInputError


def _tag_spec(kind: str, tags: Mapping[str, str] | None) -> list[dict[str, Any]]:
    if not tags:
        return []
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def _only(r: Declared, known: tuple[str, ...]) -> None:
    extra = sorted(set(r.inputs) - set(known))
    if extra:
        raise UnmappedInputError(f"{r.where}: {', '.join(extra)} are not sent by the rehearsal")


def vpc(gw: Gateway, r: Declared) -> tuple[str, State]:
    _only(r, ("cidrBlock", "enableDnsSupport", "enableDnsHostnames", "tags"))
    params = {"CidrBlock": r.inputs["cidrBlock"], "TagSpecifications": _tag_spec("vpc", r.inputs.get("tags"))}
    created = emulated(gw.send("ec2", "CreateVpc", params, r.where), r, "ec2:CreateVpc")["Vpc"]
    vpc_id = str(created["VpcId"])
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        if attribute in r.inputs:
            member = attribute[0].upper() + attribute[1:]
            request = {"VpcId": vpc_id, member: {"Value": bool(r.inputs[attribute])}}
            gw.send("ec2", "ModifyVpcAttribute", request, r.where)
    return vpc_id, r.state(id=vpc_id, arn=arn_of(gw, "ec2", f"vpc/{vpc_id}"))


def subnet(gw: Gateway, r: Declared) -> tuple[str, State]:
    _only(r, ("vpcId", "cidrBlock", "availabilityZone", "mapPublicIpOnLaunch", "tags"))
    params = {
        "VpcId": r.inputs["vpcId"],
        "CidrBlock": r.inputs["cidrBlock"],
        "AvailabilityZone": r.inputs["availabilityZone"],
        "TagSpecifications": _tag_spec("subnet", r.inputs.get("tags")),
    }
    created = emulated(gw.send("ec2", "CreateSubnet", params, r.where), r, "ec2:CreateSubnet")["Subnet"]
    subnet_id = str(created["SubnetId"])
    # New subnets of a VPC do not map public addresses; the provider only calls this to turn it on.
    return subnet_id, r.state(id=subnet_id, arn=arn_of(gw, "ec2", f"subnet/{subnet_id}"))


def route_table(gw: Gateway, r: Declared) -> tuple[str, State]:
    _only(r, ("vpcId", "tags"))
    params = {"VpcId": r.inputs["vpcId"], "TagSpecifications": _tag_spec("route-table", r.inputs.get("tags"))}
    created = emulated(gw.send("ec2", "CreateRouteTable", params, r.where), r, "ec2:CreateRouteTable")
    table_id = str(created["RouteTable"]["RouteTableId"])
    return table_id, r.state(id=table_id, arn=arn_of(gw, "ec2", f"route-table/{table_id}"))


def route_table_association(gw: Gateway, r: Declared) -> tuple[str, State]:
    _only(r, ("subnetId", "routeTableId"))
    params = {"SubnetId": r.inputs["subnetId"], "RouteTableId": r.inputs["routeTableId"]}
    created = emulated(gw.send("ec2", "AssociateRouteTable", params, r.where), r, "ec2:AssociateRouteTable")
    association = str(created["AssociationId"])
    return association, r.state(id=association)


def security_group(gw: Gateway, r: Declared) -> tuple[str, State]:
    _only(r, ("name", "description", "vpcId", "tags"))
    name = r.physical_name()
    params = {
        "GroupName": name,
        "Description": r.inputs["description"],
        "VpcId": r.inputs["vpcId"],
        "TagSpecifications": _tag_spec("security-group", r.inputs.get("tags")),
    }
    created = emulated(gw.send("ec2", "CreateSecurityGroup", params, r.where), r, "ec2:CreateSecurityGroup")
    group_id = str(created["GroupId"])
    everything = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    gw.send("ec2", "RevokeSecurityGroupEgress", {"GroupId": group_id, "IpPermissions": [everything]}, r.where)
    return group_id, r.state(id=group_id, name=name, arn=arn_of(gw, "ec2", f"security-group/{group_id}"))


def permission(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """One ``aws.vpc.SecurityGroup*Rule`` as the API's IpPermission."""
    rule: dict[str, Any] = {"IpProtocol": inputs["ipProtocol"]}
    if inputs.get("fromPort") is not None:
        rule.update(FromPort=int(inputs["fromPort"]), ToPort=int(inputs["toPort"]))
    description = {"Description": inputs["description"]} if inputs.get("description") else {}
    if inputs.get("cidrIpv4"):
        rule["IpRanges"] = [{"CidrIp": inputs["cidrIpv4"], **description}]
    if inputs.get("referencedSecurityGroupId"):
        rule["UserIdGroupPairs"] = [{"GroupId": inputs["referencedSecurityGroupId"], **description}]
    if inputs.get("prefixListId"):
        rule["PrefixListIds"] = [{"PrefixListId": inputs["prefixListId"], **description}]
    return rule


def _rule(operation: str) -> Handler:
    def handler(gw: Gateway, r: Declared) -> tuple[str, State]:
        _only(
            r,
            (
                "securityGroupId",
                "description",
                "ipProtocol",
                "fromPort",
                "toPort",
                "cidrIpv4",
                "referencedSecurityGroupId",
                "prefixListId",
                "tags",
            ),
        )
        params = {
            "GroupId": r.inputs["securityGroupId"],
            "IpPermissions": [permission(r.inputs)],
            "TagSpecifications": _tag_spec("security-group-rule", r.inputs.get("tags")),
        }
        created = emulated(gw.send("ec2", operation, params, r.where), r, f"ec2:{operation}")
        rules = created.get("SecurityGroupRules") or [{"SecurityGroupRuleId": f"sgr-{r.name}"}]
        rule_id = str(rules[0]["SecurityGroupRuleId"])
        return rule_id, r.state(id=rule_id, securityGroupRuleId=rule_id)

    return handler


def vpc_endpoint(gw: Gateway, r: Declared) -> tuple[str, State]:
    _only(
        r,
        (
            "vpcId",
            "serviceName",
            "vpcEndpointType",
            "privateDnsEnabled",
            "subnetIds",
            "securityGroupIds",
            "routeTableIds",
            "tags",
        ),
    )
    members = {
        "vpcId": "VpcId",
        "serviceName": "ServiceName",
        "vpcEndpointType": "VpcEndpointType",
        "privateDnsEnabled": "PrivateDnsEnabled",
        "subnetIds": "SubnetIds",
        "securityGroupIds": "SecurityGroupIds",
        "routeTableIds": "RouteTableIds",
    }
    params: dict[str, Any] = {members[k]: v for k, v in r.inputs.items() if k in members}
    params["TagSpecifications"] = _tag_spec("vpc-endpoint", r.inputs.get("tags"))
    created = emulated(gw.send("ec2", "CreateVpcEndpoint", params, r.where), r, "ec2:CreateVpcEndpoint")
    endpoint_id = str(created["VpcEndpoint"]["VpcEndpointId"])
    state = r.state(id=endpoint_id, arn=arn_of(gw, "ec2", f"vpc-endpoint/{endpoint_id}"))
    if r.inputs.get("vpcEndpointType") == "Gateway":
        lists = gw.read(
            "ec2",
            "DescribePrefixLists",
            {"Filters": [{"Name": "prefix-list-name", "Values": [params["ServiceName"]]}]},
            r.where,
        )["PrefixLists"]
        state["prefixListId"] = str(lists[0]["PrefixListId"])
    return endpoint_id, state


def _network(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    ec2 = client("ec2")
    for declared in resources_of(report, tokens.EC2_VPC):
        vpc_id = str(declared.id)
        with checks.reading(f"vpc {vpc_id}"):
            cidr = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"]
            dns = [
                ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=a)[a[0].upper() + a[1:]]["Value"]
                for a in ("enableDnsSupport", "enableDnsHostnames")
            ]
            checks.equal(
                f"vpc {vpc_id}: block, DNS support and hostnames",
                [cidr, *dns],
                [declared.inputs["cidrBlock"], True, True],
            )
            gateways = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
            checks.equal(f"vpc {vpc_id}: no internet gateway", gateways["InternetGateways"], [])
    for declared in resources_of(report, tokens.EC2_SUBNET):
        with checks.reading(f"subnet {declared.id}"):
            found = ec2.describe_subnets(SubnetIds=[str(declared.id)])["Subnets"][0]
            checks.equal(
                f"subnet {declared.id}: zone, block, no public addresses",
                [found["AvailabilityZone"], found["CidrBlock"], found["MapPublicIpOnLaunch"]],
                [declared.inputs["availabilityZone"], declared.inputs["cidrBlock"], False],
            )
    rules = resources_of(report, tokens.VPC_INGRESS_RULE) + resources_of(report, tokens.VPC_EGRESS_RULE)
    for declared in resources_of(report, tokens.EC2_SECURITY_GROUP):
        group_id = str(declared.id)
        with checks.reading(f"security group {group_id}"):
            group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
            for direction, key, token in (
                ("ingress", "IpPermissions", tokens.VPC_INGRESS_RULE),
                ("egress", "IpPermissionsEgress", tokens.VPC_EGRESS_RULE),
            ):
                expected = sorted(
                    atom
                    for r in rules
                    if r.type == token and r.inputs["securityGroupId"] == group_id
                    for atom in _atoms(permission(r.inputs))
                )
                actual = sorted(atom for p in group[key] for atom in _atoms(p))
                checks.equal(f"security group {group_id}: {direction}", actual, expected)
    for declared in resources_of(report, tokens.EC2_VPC_ENDPOINT):
        with checks.reading(f"vpc endpoint {declared.id}"):
            found = ec2.describe_vpc_endpoints(VpcEndpointIds=[str(declared.id)])["VpcEndpoints"][0]
            interface = declared.inputs["vpcEndpointType"] == "Interface"
            checks.equal(
                f"vpc endpoint {declared.inputs['serviceName']}: type, private DNS, security groups",
                [
                    found["VpcEndpointType"],
                    found.get("PrivateDnsEnabled") if interface else None,
                    sorted(g["GroupId"] for g in found.get("Groups", [])),
                ],
                [
                    declared.inputs["vpcEndpointType"],
                    True if interface else None,
                    sorted(declared.inputs.get("securityGroupIds") or []),
                ],
            )


def _atoms(rule: Mapping[str, Any]) -> list[str]:
    """A permission as one comparable line per source or destination, without descriptions: EC2 merges
    rules of the same protocol and ports into one permission, so only these lines are comparable."""
    ports = [as_int(rule.get("FromPort")), as_int(rule.get("ToPort"))] if rule.get("FromPort") is not None else []
    head = [rule["IpProtocol"], ports]
    return sorted(
        [repr([*head, "cidr", r["CidrIp"]]) for r in rule.get("IpRanges", [])]
        + [repr([*head, "group", p["GroupId"]]) for p in rule.get("UserIdGroupPairs", [])]
        + [repr([*head, "prefix-list", p["PrefixListId"]]) for p in rule.get("PrefixListIds", [])]
    )


HANDLERS: dict[str, Handler] = {
    tokens.EC2_VPC: vpc,
    tokens.EC2_SUBNET: subnet,
    tokens.EC2_ROUTE_TABLE: route_table,
    tokens.EC2_ROUTE_TABLE_ASSOCIATION: route_table_association,
    tokens.EC2_SECURITY_GROUP: security_group,
    tokens.VPC_INGRESS_RULE: _rule("AuthorizeSecurityGroupIngress"),
    tokens.VPC_EGRESS_RULE: _rule("AuthorizeSecurityGroupEgress"),
    tokens.EC2_VPC_ENDPOINT: vpc_endpoint,
}

CHECKS: tuple[Verifier, ...] = (_network,)
