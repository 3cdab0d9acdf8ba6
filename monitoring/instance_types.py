"""vCPU, memory and GPU counts of the SageMaker `ml.*` instance types a user is likely to pick.

Source: the Amazon EC2 instance type specifications (https://aws.amazon.com/ec2/instance-types/ and
https://docs.aws.amazon.com/ec2/latest/instancetypes/), vCPUs and memory (GiB) per size. An `ml.<type>`
instance runs on the same hardware as the EC2 `<type>`, so the figures carry over. GPU counts agree with
the SageMaker SDK's bundled `sagemaker/core/image_uri_config/instance_gpu_info.json` (a test checks it).

Why it matters for alarms: SageMaker reports `CPUUtilization` summed over cores (0-100 x vCPUs), so a
per-vCPU percentage must be multiplied by the vCPU count to become a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitoring.errors import UserInputError


@dataclass(frozen=True)
class InstanceSpec:
    vcpus: int
    memory_gib: int
    gpus: int = 0


def _sizes(
    family: str, table: dict[str, tuple[int, int]], gpus: dict[str, int] | None = None
) -> dict[str, InstanceSpec]:
    return {
        f"ml.{family}.{size}": InstanceSpec(vcpus=v, memory_gib=m, gpus=(gpus or {}).get(size, 0))
        for size, (v, m) in table.items()
    }


# (vCPUs, memory GiB) per size, per family.
_GENERAL_M5 = {
    "large": (2, 8),
    "xlarge": (4, 16),
    "2xlarge": (8, 32),
    "4xlarge": (16, 64),
    "12xlarge": (48, 192),
    "24xlarge": (96, 384),
}
_GENERAL_M6I = {
    "large": (2, 8),
    "xlarge": (4, 16),
    "2xlarge": (8, 32),
    "4xlarge": (16, 64),
    "8xlarge": (32, 128),
    "12xlarge": (48, 192),
    "16xlarge": (64, 256),
    "24xlarge": (96, 384),
    "32xlarge": (128, 512),
}
_GENERAL_M7I = {**_GENERAL_M6I, "48xlarge": (192, 768)}
_BURSTABLE = {"medium": (2, 4), "large": (2, 8), "xlarge": (4, 16), "2xlarge": (8, 32)}
_COMPUTE_C5 = {
    "large": (2, 4),
    "xlarge": (4, 8),
    "2xlarge": (8, 16),
    "4xlarge": (16, 32),
    "9xlarge": (36, 72),
    "18xlarge": (72, 144),
}
_COMPUTE_C6I = {
    "large": (2, 4),
    "xlarge": (4, 8),
    "2xlarge": (8, 16),
    "4xlarge": (16, 32),
    "8xlarge": (32, 64),
    "12xlarge": (48, 96),
    "16xlarge": (64, 128),
    "24xlarge": (96, 192),
    "32xlarge": (128, 256),
}
_COMPUTE_C7I = {**_COMPUTE_C6I, "48xlarge": (192, 384)}
_MEMORY_R5 = {
    "large": (2, 16),
    "xlarge": (4, 32),
    "2xlarge": (8, 64),
    "4xlarge": (16, 128),
    "12xlarge": (48, 384),
    "24xlarge": (96, 768),
}
_MEMORY_R6I = {
    "large": (2, 16),
    "xlarge": (4, 32),
    "2xlarge": (8, 64),
    "4xlarge": (16, 128),
    "8xlarge": (32, 256),
    "12xlarge": (48, 384),
    "16xlarge": (64, 512),
    "24xlarge": (96, 768),
    "32xlarge": (128, 1024),
}
_GPU_G4DN = {
    "xlarge": (4, 16),
    "2xlarge": (8, 32),
    "4xlarge": (16, 64),
    "8xlarge": (32, 128),
    "12xlarge": (48, 192),
    "16xlarge": (64, 256),
}
_GPU_G4DN_COUNT = {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "12xlarge": 4, "16xlarge": 1}
_GPU_G5 = {
    "xlarge": (4, 16),
    "2xlarge": (8, 32),
    "4xlarge": (16, 64),
    "8xlarge": (32, 128),
    "12xlarge": (48, 192),
    "16xlarge": (64, 256),
    "24xlarge": (96, 384),
    "48xlarge": (192, 768),
}
_GPU_G5_COUNT = {
    "xlarge": 1,
    "2xlarge": 1,
    "4xlarge": 1,
    "8xlarge": 1,
    "12xlarge": 4,
    "16xlarge": 1,
    "24xlarge": 4,
    "48xlarge": 8,
}

INSTANCE_TYPES: dict[str, InstanceSpec] = {
    **_sizes("t2", _BURSTABLE),
    **_sizes("t3", _BURSTABLE),
    **_sizes("m5", _GENERAL_M5),
    **_sizes("m6i", _GENERAL_M6I),
    **_sizes("m7i", _GENERAL_M7I),
    **_sizes("c5", _COMPUTE_C5),
    **_sizes("c6i", _COMPUTE_C6I),
    **_sizes("c7i", _COMPUTE_C7I),
    **_sizes("r5", _MEMORY_R5),
    **_sizes("r6i", _MEMORY_R6I),
    **_sizes("g4dn", _GPU_G4DN, _GPU_G4DN_COUNT),
    **_sizes("g5", _GPU_G5, _GPU_G5_COUNT),
}


class UnknownInstanceTypeError(UserInputError):
    """The instance type is not in the table (a typo, or a family this project has not listed yet)."""


def instance_spec(instance_type: str) -> InstanceSpec:
    """The spec of `instance_type`, e.g. `ml.m5.large`; raise `UnknownInstanceTypeError` naming it."""
    try:
        return INSTANCE_TYPES[instance_type]
    except KeyError:
        family = instance_type.rsplit(".", 1)[0] + "."
        same_family = sorted(t for t in INSTANCE_TYPES if t.startswith(family))
        hint = (
            f"known sizes of that family: {', '.join(same_family)}"
            if same_family
            else "add it to monitoring/instance_types.py with its EC2 vCPU and memory figures"
        )
        raise UnknownInstanceTypeError(f"unknown SageMaker instance type {instance_type!r}; {hint}") from None


def vcpus(instance_type: str) -> int:
    return instance_spec(instance_type).vcpus
