"""Serving image resolution, offline, from the SageMaker Python SDK's bundled image catalogue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from infra.errors import ConfigError

_ECR_URI = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/(?P<repo>[^:@]+)")


@dataclass(frozen=True)
class ServingImage:
    uri: str
    registry_account: str
    repository: str
    region: str

    @property
    def repository_arn(self) -> str:
        return f"arn:aws:ecr:{self.region}:{self.registry_account}:repository/{self.repository}"


@cache
def sklearn_serving_image(region: str, version: str) -> ServingImage:
    """The AWS scikit-learn inference image for ``version`` in ``region``; no network, no credentials.

    The SDK is imported lazily: importing ``sagemaker.core`` costs about a second and some of its
    modules create boto3 clients, which we only want when an image is actually resolved.
    """
    from sagemaker.core import image_uris

    try:
        uri = image_uris.retrieve(
            "sklearn", region=region, version=version, image_scope="inference", instance_type="ml.m5.large"
        )
    except ValueError as exc:
        raise ConfigError(
            "aws:region" if "region" in str(exc).lower() else "mlops:servingImageVersion",
            f"no scikit-learn serving image {version} in {region}: {exc}",
        ) from exc
    match = _ECR_URI.match(uri)
    if match is None:  # pragma: no cover - the catalogue only holds ECR URIs
        raise ConfigError("mlops:servingImageVersion", f"unexpected image URI {uri!r}")
    return ServingImage(uri=uri, registry_account=match["account"], repository=match["repo"], region=match["region"])
