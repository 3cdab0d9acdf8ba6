"""IAM documents for the role Comprehend assumes to read training data and job input and write results.

Pure functions returning policy JSON, for the stack to turn into an `aws.iam.Role` and a role policy.

- Trust: only `comprehend.amazonaws.com`, and only on behalf of this account's Comprehend resources in
  this Region (`aws:SourceAccount` and `aws:SourceArn`, the cross-service confused-deputy guard IAM
  recommends for service roles). The source ARN is a recognizer, an endpoint or a job, so the pattern
  names the service, Region and account and leaves the resource part open.
- Permissions: read only under the given prefixes (training data, job input), write only under the output
  prefix, list the bucket only for those prefixes, and use only the given KMS key, only through S3 or
  Comprehend. `kms:CreateGrant` lets Comprehend encrypt the training and job volumes with the key; it is
  limited to grants for AWS resources (`kms:GrantIsForAWSResource`).
"""

from __future__ import annotations

from typing import Any

COMPREHEND_PRINCIPAL = "comprehend.amazonaws.com"


def _prefix(prefix: str) -> str:
    cleaned = prefix.strip("/")
    if not cleaned or "*" in cleaned:
        raise ValueError(f"prefix {prefix!r} must be a non-empty folder path without wildcards")
    return cleaned + "/"


def trust_policy(account_id: str, region: str, partition: str = "aws") -> dict[str, Any]:
    """Who may assume the data-access role: Comprehend, for this account's resources in this Region."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": COMPREHEND_PRINCIPAL},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:comprehend:{region}:{account_id}:*"},
                },
            }
        ],
    }


def data_access_policy(
    bucket_arn: str,
    read_prefixes: tuple[str, ...],
    output_prefix: str,
    kms_key_arn: str,
    region: str,
) -> dict[str, Any]:
    """What the role may do: read `read_prefixes`, write `output_prefix`, use `kms_key_arn` via S3/Comprehend."""
    if not read_prefixes:
        raise ValueError("read_prefixes must name at least the training data prefix")
    reads = [_prefix(prefix) for prefix in read_prefixes]
    output = _prefix(output_prefix)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadTrainingAndInput",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"{bucket_arn}/{prefix}*" for prefix in reads],
            },
            {
                "Sid": "ListOnlyTheseFolders",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
                "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in [*reads, output]]}},
            },
            {
                "Sid": "WriteOutput",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/{output}*",
            },
            {
                "Sid": "UseTheStackKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": kms_key_arn,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [f"s3.{region}.amazonaws.com", f"comprehend.{region}.amazonaws.com"]
                    }
                },
            },
            {
                "Sid": "EncryptVolumesWithTheStackKey",
                "Effect": "Allow",
                "Action": "kms:CreateGrant",
                "Resource": kms_key_arn,
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ],
    }
