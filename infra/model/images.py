"""Container images of the stack, resolved offline from the SageMaker Python SDK's bundled image catalogue.

The catalogue is the SDK's ``image_uri_config/<framework>.json``: per image scope and version, the ECR
registry account of each region and the repository. Reading those files directly gives the same URIs
as ``sagemaker.core.image_uris.retrieve`` (a test compares them for every region and version this project
uses) without importing the SDK, which costs about two seconds per process and creates boto3 clients.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from infra.errors import ConfigError
from infra.partitions import dns_suffix, partition


@dataclass(frozen=True)
class ServingImage:
    uri: str
    registry_account: str
    repository: str
    region: str
    partition: str

    @property
    def repository_arn(self) -> str:
        return f"arn:{self.partition}:ecr:{self.region}:{self.registry_account}:repository/{self.repository}"


@cache
def _catalogue_dir() -> Path:
    spec = importlib.util.find_spec("sagemaker.core")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a declared dependency
        raise ConfigError("mlops:servingImageVersion", "the SageMaker SDK (sagemaker-core) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "image_uri_config"


@cache
def _catalogue(framework: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((_catalogue_dir() / f"{framework}.json").read_text())
    return loaded


def _registry(registries: dict[str, str], region: str, what: str, key: str) -> str:
    account = registries.get(region)
    if account is None:
        raise ConfigError(
            key,
            f"no {what} in region {region} (the SageMaker image catalogue lists it in "
            f"{len(registries)} regions); choose another aws:region",
        )
    return account


def sklearn_serving_image(region: str, version: str) -> ServingImage:
    """The AWS scikit-learn inference image ``version`` in ``region``."""
    versions: dict[str, Any] = _catalogue("sklearn")["inference"]["versions"]
    spec = versions.get(version)
    if spec is None:
        raise ConfigError(
            "mlops:servingImageVersion",
            f"no scikit-learn serving image {version!r}; the catalogue has {', '.join(sorted(versions))}",
        )
    account = _registry(spec["registries"], region, f"scikit-learn serving image {version}", "aws:region")
    repository = str(spec["repository"])
    tag = f"{version}-{spec['processors'][0]}-{spec['py_versions'][0]}"
    uri = f"{account}.dkr.ecr.{region}.{dns_suffix(region)}/{repository}:{tag}"
    return ServingImage(uri, account, repository, region, partition(region))


def model_monitor_image_uri(region: str) -> str:
    """The prebuilt Model Monitor analyzer image in ``region`` (data-quality monitoring)."""
    spec = _catalogue("model-monitor")["versions"][""]
    account = _registry(spec["registries"], region, "Model Monitor analyzer image", "aws:region")
    return f"{account}.dkr.ecr.{region}.{dns_suffix(region)}/{spec['repository']}"


def xgboost_algorithm_image(region: str, version: str, scope: str = "inference") -> ServingImage:
    """The built-in XGBoost algorithm image ``version`` (``scope`` inference or training) in ``region``.

    Its tag is the version itself (``sagemaker-xgboost:3.0-5``): algorithm images have no processor or
    Python suffix in the catalogue.
    """
    versions: dict[str, Any] = _catalogue("xgboost")[scope]["versions"]
    spec = versions.get(version)
    if spec is None:
        raise ConfigError(
            "mlops:model.family",
            f"no built-in XGBoost image {version!r}; the catalogue has {', '.join(sorted(versions))}",
        )
    account = _registry(spec["registries"], region, f"built-in XGBoost image {version}", "aws:region")
    repository = str(spec["repository"])
    uri = f"{account}.dkr.ecr.{region}.{dns_suffix(region)}/{repository}:{version}"
    return ServingImage(uri, account, repository, region, partition(region))
