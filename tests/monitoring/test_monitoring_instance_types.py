"""The ml.* instance table: exact figures for a sample of sizes, and a clear error for unknown types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitoring.errors import UserInputError
from monitoring.instance_types import (
    INSTANCE_TYPES,
    InstanceSpec,
    UnknownInstanceTypeError,
    instance_spec,
    vcpus,
)


@pytest.mark.parametrize(
    ("instance_type", "expected"),
    [
        ("ml.t2.medium", InstanceSpec(2, 4)),
        ("ml.t3.2xlarge", InstanceSpec(8, 32)),
        ("ml.m5.large", InstanceSpec(2, 8)),
        ("ml.m5.4xlarge", InstanceSpec(16, 64)),
        ("ml.m5.24xlarge", InstanceSpec(96, 384)),
        ("ml.m6i.32xlarge", InstanceSpec(128, 512)),
        ("ml.m7i.48xlarge", InstanceSpec(192, 768)),
        ("ml.c5.9xlarge", InstanceSpec(36, 72)),
        ("ml.c6i.xlarge", InstanceSpec(4, 8)),
        ("ml.c7i.48xlarge", InstanceSpec(192, 384)),
        ("ml.r5.large", InstanceSpec(2, 16)),
        ("ml.r6i.32xlarge", InstanceSpec(128, 1024)),
        ("ml.g4dn.xlarge", InstanceSpec(4, 16, 1)),
        ("ml.g4dn.12xlarge", InstanceSpec(48, 192, 4)),
        ("ml.g5.48xlarge", InstanceSpec(192, 768, 8)),
    ],
)
def test_instance_spec_table(instance_type: str, expected: InstanceSpec) -> None:
    assert instance_spec(instance_type) == expected
    assert vcpus(instance_type) == expected.vcpus


@pytest.mark.parametrize(
    ("instance_type", "hint"),
    [
        ("ml.m5.3xlarge", "known sizes of that family: ml.m5.12xlarge, ml.m5.24xlarge, ml.m5.2xlarge"),
        ("ml.p4d.24xlarge", "add it to monitoring/instance_types.py"),
        ("m5.large", "add it to monitoring/instance_types.py"),
    ],
)
def test_unknown_type_names_it(instance_type: str, hint: str) -> None:
    with pytest.raises(UnknownInstanceTypeError) as caught:
        instance_spec(instance_type)
    assert f"unknown SageMaker instance type {instance_type!r}" in str(caught.value)
    assert hint in str(caught.value)
    assert isinstance(caught.value, UserInputError)


def test_gpu_counts_agree_with_the_sagemaker_sdk_catalogue() -> None:
    """Cross-check against the GPU counts bundled with the SageMaker SDK (the only offline source we have).

    It cannot prove the vCPU/memory figures, which the SDK does not carry.
    """
    import sagemaker.core

    path = Path(sagemaker.core.__file__).parent / "image_uri_config" / "instance_gpu_info.json"
    sdk = json.loads(path.read_text())["us-east-1"]
    ours = {name: spec.gpus for name, spec in INSTANCE_TYPES.items() if spec.gpus}
    compared = {name: sdk[name]["Count"] for name in ours if name in sdk}
    assert len(compared) >= 13
    assert compared == {name: ours[name] for name in compared}
