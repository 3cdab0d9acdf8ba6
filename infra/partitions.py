"""AWS partitions: every ARN and endpoint domain of a stack follows its region's partition."""

from __future__ import annotations

# (region prefix, partition, DNS suffix), most specific first.
_PARTITIONS = (
    ("cn-", "aws-cn", "amazonaws.com.cn"),
    ("us-gov-", "aws-us-gov", "amazonaws.com"),
    ("us-isob-", "aws-iso-b", "sc2s.sgov.gov"),
    ("us-isof-", "aws-iso-f", "csp.hci.ic.gov"),
    ("us-iso-", "aws-iso", "c2s.ic.gov"),
    ("eu-isoe-", "aws-iso-e", "cloud.adc-e.uk"),
)
SUPPORTED = ("aws",)


def partition(region: str) -> str:
    for prefix, name, _ in _PARTITIONS:
        if region.startswith(prefix):
            return name
    return "aws"


def dns_suffix(region: str) -> str:
    for prefix, _, suffix in _PARTITIONS:
        if region.startswith(prefix):
            return suffix
    return "amazonaws.com"
