"""The logs, network, notebook and replication settings: defaults per environment and one exact message
per mistake (each names the key and the fix). Config validation only; the graph tests show the resources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra import config
from infra.errors import ConfigError
from tests.infra.test_config import load_with

VPC = "vpc-0abc12345def67890"
SUBNETS = ["subnet-0aaa1111bbb22222c", "subnet-0ddd3333eee44444f"]
GROUPS = ["sg-0123456789abcdef0"]


def test_defaults_per_environment(artifact: Path) -> None:
    dev, staging, prod = (load_with(s, artifact) for s in ("dev", "staging", "prod"))
    assert (dev.logs.retention_days, dev.network.mode, dev.notebook.enabled, dev.replication.enabled) == (
        30,
        "create",
        True,
        False,
    )
    assert (staging.logs.retention_days, staging.network.mode, staging.notebook.enabled) == (90, "off", False)
    assert staging.replication == config.ReplicationSettings(enabled=False, region=None)
    # prod: never a notebook unless asked for; capture and logs replicated to the region's pair.
    assert (prod.logs.retention_days, prod.network.mode, prod.notebook.enabled) == (365, "off", False)
    assert prod.replication == config.ReplicationSettings(enabled=True, region="us-west-2")
    assert dev.notebook == config.NotebookSettings(
        instanceType="ml.t3.medium", volumeSizeGb=5, idleMinutes=60, enabled=True
    )


def _set(**sections: Any) -> dict[str, str]:
    return {f"mlops:{key}": json.dumps(value) for key, value in sections.items()}


@pytest.mark.parametrize(
    ("stack", "overrides", "message"),
    [
        (
            "staging",
            _set(logs={"retentionDays": 45}),
            "[mlops:logs.retentionDays] must be one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, "
            "90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 45",
        ),
        (
            "staging",
            _set(network={"mode": "existing", "vpcId": VPC, "subnetIds": SUBNETS[:1], "securityGroupIds": GROUPS}),
            "[mlops:network.subnetIds] must list at least 2 subnets in different Availability Zones, got 1",
        ),
        (
            "staging",
            _set(
                network={
                    "mode": "existing",
                    "vpcId": VPC,
                    "subnetIds": ["subnet-1", SUBNETS[1]],
                    "securityGroupIds": GROUPS,
                }
            ),
            "[mlops:network.subnetIds] item 0 must be an id such as subnet-0abc12345def67890, got 'subnet-1'",
        ),
        (
            "staging",
            _set(network={"mode": "existing", "vpcId": VPC, "subnetIds": SUBNETS, "securityGroupIds": ["sg-zz"]}),
            "[mlops:network.securityGroupIds] item 0 must be an id such as sg-0abc12345def67890, got 'sg-zz'",
        ),
        (
            "staging",
            _set(network={"mode": "existing", "subnetIds": SUBNETS, "securityGroupIds": GROUPS}),
            "[mlops:network.vpcId] must be a VPC id such as vpc-0abc12345def67890, got None",
        ),
        (
            "staging",
            _set(network={"mode": "existing", "vpcId": VPC, "subnetIds": SUBNETS}),
            "[mlops:network.securityGroupIds] must list at least 1 security group",
        ),
        (
            "dev",
            _set(network={"mode": "create", "subnetIds": SUBNETS}),
            "[mlops:network.subnetIds] applies only to mode existing (this network is created)",
        ),
        (
            "dev",
            _set(network={"cidr": "10.0.0.0/8"}),
            "[mlops:network.cidr] must be an IPv4 block from /16 to /24 such as 10.42.0.0/16, got '10.0.0.0/8'",
        ),
        (
            "dev",
            _set(network={"availabilityZones": ["us-east-1a"]}),
            "[mlops:network.availabilityZones] must list at least 2 different Availability Zones, got ['us-east-1a']",
        ),
        (
            "dev",
            _set(network={"mode": "off"}),
            "[mlops:notebook.enabled] needs a network: the notebook has no direct internet access, so it runs in a "
            "VPC subnet; set mlops:network.mode to create or existing",
        ),
        (
            "staging",
            _set(notebook={"enabled": True}),
            "[mlops:notebook.enabled] needs a network: the notebook has no direct internet access, so it runs in a "
            "VPC subnet; set mlops:network.mode to create or existing",
        ),
        (
            "dev",
            _set(notebook={"instanceType": "t3.medium"}),
            "[mlops:notebook.instanceType] must be a notebook instance type such as ml.t3.medium, got 't3.medium'",
        ),
        (
            "prod",
            _set(replication={"region": "us-east-1"}),
            "[mlops:replication.region] must differ from aws:region (us-east-1): a replica in the same region does "
            "not survive the loss of the region",
        ),
        (
            "staging",
            _set(replication={"region": "us-west-2"}),
            "[mlops:replication.region] applies only when mlops:replication.enabled is true; remove it",
        ),
        (
            "prod",
            _set(replication={"region": "cn-north-1"}),
            "[mlops:replication.region] must be an aws-partition region such as us-west-2, got 'cn-north-1'",
        ),
    ],
)
def test_each_mistake_is_one_message(stack: str, overrides: dict[str, str], message: str, artifact: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_with(stack, artifact, **overrides)
    assert str(raised.value) == message


def test_a_region_without_a_default_pair_asks_for_one(artifact: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_with("prod", artifact, **{"aws:region": "sa-east-1"})
    assert str(raised.value) == (
        "[mlops:replication.region] is not set and sa-east-1 has no default replica region; set it to another "
        "region of the aws partition (`pulumi config set --path 'mlops:replication.region' REGION`)"
    )
