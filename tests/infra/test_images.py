"""Image URIs read from the SDK's bundled catalogue files equal what the SDK's own resolver returns.

The program reads the catalogue without importing the SDK (two seconds per process); this test imports
it once and compares every region of the aws partition for each version the project uses. What it cannot
prove: that the images exist in ECR today (the catalogue is the SDK's, as of its release).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.errors import ConfigError
from infra.model import images
from infra.partitions import partition

SERVING_VERSIONS = ("1.9-0", "1.4-2-py312", "1.2-1", "1.0-1")


def _regions(framework: str, version: str = "") -> list[str]:
    data = json.loads((Path(images._catalogue_dir()) / f"{framework}.json").read_text())
    if framework == "sklearn":
        registries = data["inference"]["versions"][version]["registries"]
    else:
        registries = data["versions"][""]["registries"]
    return sorted(r for r in registries if partition(r) == "aws")


@pytest.mark.parametrize("version", SERVING_VERSIONS)
def test_serving_image_equals_the_sdk_for_every_region(version: str) -> None:
    from sagemaker.core import image_uris

    regions = _regions("sklearn", version)
    assert len(regions) >= 20
    for region in regions:
        expected = image_uris.retrieve(
            "sklearn", region=region, version=version, image_scope="inference", instance_type="ml.m5.large"
        )
        assert images.sklearn_serving_image(region, version).uri == expected, region


def test_model_monitor_image_equals_the_sdk_for_every_region() -> None:
    from sagemaker.core import image_uris

    regions = _regions("model-monitor")
    assert len(regions) >= 20
    for region in regions:
        assert images.model_monitor_image_uri(region) == image_uris.retrieve("model-monitor", region), region


def test_repository_arn_uses_the_partition_of_the_region() -> None:
    image = images.sklearn_serving_image("us-east-1", "1.9-0")
    assert image.uri == "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"
    assert image.repository_arn == "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: images.model_monitor_image_uri("ap-southeast-4"),
            "[aws:region] no Model Monitor analyzer image in region ap-southeast-4",
        ),
        (
            lambda: images.sklearn_serving_image("us-east-1", "0.9-9"),
            "[mlops:servingImageVersion] no scikit-learn serving image '0.9-9'; the catalogue has",
        ),
    ],
)
def test_unknown_region_or_version_is_a_config_error(call: object, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        call()  # type: ignore[operator]
    assert str(raised.value).startswith(message)
