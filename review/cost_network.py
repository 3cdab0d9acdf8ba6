"""The monthly cost of the private network, the notebook and cross-region replication, from the graph.

- Interface VPC endpoints: PrivateLink bills every endpoint per hour in each Availability Zone it has a
  subnet in (``interface_endpoint_az_hour``), plus the data it processes (an assumed volume); the S3
  gateway endpoint is free.
- The notebook instance: from stopped all month (its idle stop) to running all month.
- Replication: the replicas' storage (the assumed replicated volume at the replica region's S3 Standard
  price, taken as the stack region's), the inter-region transfer of what is replicated, the replica key.

Prices: ``pricing/<region>.json`` (``privatelink``, ``sagemaker.notebook_instance_hour``,
``data_transfer``), copied by hand from the pages in its ``sources``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from offline import tokens
from offline.graph import Plan
from review.cost import Line, _of_type, _price

ENDPOINT_DATA_GB = Decimal(10)
REPLICATED_GB_MONTH = Decimal(5)


def network_lines(plan: Plan, prices: Mapping[str, Any]) -> list[Line]:
    hours = Decimal(prices["hours_per_month"])
    lines = []
    interface = [e for e in _of_type(plan, tokens.EC2_VPC_ENDPOINT) if e.inputs.get("vpcEndpointType") == "Interface"]
    if interface:
        az_hours = sum(Decimal(len(e.inputs.get("subnetIds") or [])) for e in interface) * hours
        zones = len(interface[0].inputs.get("subnetIds") or [])
        lines.append(
            Line(
                f"VPC interface endpoints: {len(interface)} x {zones} Availability Zones",
                "endpoint-AZ-hour",
                _price(prices, "privatelink", "interface_endpoint_az_hour"),
                az_hours,
                az_hours,
            )
        )
        lines.append(
            Line(
                "VPC interface endpoints: data processed (assumed)",
                "GB",
                _price(prices, "privatelink", "data_processed_gb"),
                Decimal(0),
                ENDPOINT_DATA_GB,
            )
        )
    else:
        # No private network in this stack (mlops:network.mode off): the line says so and at what unit price
        # the created network would bill (6 interface endpoints in each of 2 Availability Zones).
        lines.append(
            Line(
                "VPC interface endpoints: none (mlops:network off; mode create bills 6 endpoints x 2 AZs)",
                "endpoint-AZ-hour",
                _price(prices, "privatelink", "interface_endpoint_az_hour"),
                Decimal(0),
                Decimal(0),
            )
        )
    for notebook in _of_type(plan, tokens.SAGEMAKER_NOTEBOOK):
        instance_type = str(notebook.inputs["instanceType"])
        lines.append(
            Line(
                f"SageMaker notebook {notebook.inputs['name']}: {instance_type}, stopped when idle to always on",
                "instance-hour",
                _price(prices, "sagemaker", "notebook_instance_hour", instance_type),
                Decimal(0),
                hours,
            )
        )
    rules = _of_type(plan, tokens.S3_BUCKET_REPLICATION)
    if rules:
        lines.append(
            Line(
                f"S3 replicas ({len(rules)} buckets, assumed replicated volume)",
                "GB-month",
                _price(prices, "s3", "standard_gb_month"),
                REPLICATED_GB_MONTH,
                REPLICATED_GB_MONTH,
            )
        )
        lines.append(
            Line(
                "S3 replication: inter-region transfer of the replicated volume",
                "GB",
                _price(prices, "data_transfer", "inter_region_gb"),
                REPLICATED_GB_MONTH,
                REPLICATED_GB_MONTH,
            )
        )
    return lines


def network_assumptions(plan: Plan) -> list[str]:
    notes = []
    if any(e.inputs.get("vpcEndpointType") == "Interface" for e in _of_type(plan, tokens.EC2_VPC_ENDPOINT)):
        notes.append(f"VPC endpoints: up to {ENDPOINT_DATA_GB} GB a month through the interface endpoints")
    if _of_type(plan, tokens.S3_BUCKET_REPLICATION):
        notes.append(
            f"replication: {REPLICATED_GB_MONTH} GB of capture data and access logs replicated a month, stored "
            "in the replica region at the stack region's S3 Standard price"
        )
    return notes
