"""``mlops:model.family``: the XGBoost family's config, image and pipeline model under the mock runtime.

What these cannot prove: that SageMaker runs the three containers as the pipeline serves locally (no
AWS account here; the rehearsal checks the request against the API model and moto), nor that the images
exist in ECR today (the catalogue is the SDK's, as of its release).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from infra import config
from infra.errors import ArtifactError, ConfigError
from infra.model import images
from infra.partitions import partition
from offline import tokens
from offline.mocks import run_program
from review.fixture import write_xgboost_artifact
from tests.infra.test_config import load_with

XGB = {"mlops:model": {"family": "xgboost"}}


@pytest.fixture(scope="module")
def xgboost_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_xgboost_artifact(tmp_path_factory.mktemp("xgboost"))


def test_family_defaults_to_sklearn(artifact: Path) -> None:
    cfg = load_with("prod", artifact)
    assert (cfg.model_family, cfg.booster) == ("sklearn", None)


def test_xgboost_family_reads_the_booster_beside_the_artifact(xgboost_artifact: Path) -> None:
    cfg = load_with("prod", xgboost_artifact, **XGB)
    booster = xgboost_artifact.parent / "xgboost-model.tar.gz"
    assert cfg.model_family == "xgboost"
    assert cfg.booster == config.BoosterSource(
        image_version="3.0-5",
        local=booster,
        sha256=hashlib.sha256(booster.read_bytes()).hexdigest(),
        s3_uri=None,
    )


def test_misspelt_family_key_names_the_nearest(artifact: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_with("prod", artifact, **{"mlops:model": {"famly": "xgboost"}})
    assert str(caught.value).startswith(
        "[mlops:model.famly] is not a known setting in Pulumi.prod.yaml; did you mean family? Known: family"
    )


def test_unknown_family_lists_the_families(artifact: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_with("prod", artifact, **{"mlops:model": {"family": "lightgbm"}})
    assert str(caught.value) == "[mlops:model.family] must be one of sklearn, xgboost, got 'lightgbm'"


def test_family_must_match_the_artifact(artifact: Path, xgboost_artifact: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_with("prod", artifact, **XGB)
    assert str(caught.value) == (
        "[mlops:model.family] is xgboost but mlops:artifact model.tar.gz is a sklearn-family artifact; point "
        "mlops:artifact at one of the xgboost family (`make train-xgboost` builds build/xgboost/model.tar.gz) "
        "or set the family to sklearn"
    )
    with pytest.raises(ConfigError, match=r"^\[mlops:model.family\] is sklearn but .* is a xgboost-family artifact"):
        load_with("prod", xgboost_artifact)


def test_a_booster_that_is_not_the_packaged_one_is_refused(tmp_path: Path) -> None:
    path = write_xgboost_artifact(tmp_path)
    (tmp_path / "xgboost-model.tar.gz").write_bytes(b"another booster")
    with pytest.raises(ArtifactError) as caught:
        load_with("prod", path, **XGB)
    assert "xgboost-model.tar.gz is not the booster" in str(caught.value)
    assert str(caught.value).endswith("(sha256 differs from its manifest); rebuild it with `make train-xgboost`")


def test_s3_artifact_finds_the_booster_beside_it() -> None:
    cfg = load_with("dev", Path("unused"), **XGB, **{"mlops:artifact": "s3://bucket/models/abc/model.tar.gz"})
    assert cfg.booster == config.BoosterSource(
        image_version="3.0-5", local=None, sha256=None, s3_uri="s3://bucket/models/abc/xgboost-model.tar.gz"
    )


@pytest.mark.parametrize("scope", ["inference", "training"])
def test_xgboost_image_equals_the_sdk_for_every_region(scope: str) -> None:
    import json

    from sagemaker.core import image_uris

    data = json.loads((Path(images._catalogue_dir()) / "xgboost.json").read_text())
    regions = sorted(r for r in data[scope]["versions"]["3.0-5"]["registries"] if partition(r) == "aws")
    assert len(regions) >= 20
    for region in regions:
        expected = image_uris.retrieve(
            "xgboost", region=region, version="3.0-5", image_scope=scope, instance_type="ml.m5.large"
        )
        assert images.xgboost_algorithm_image(region, "3.0-5", scope).uri == expected


def test_unknown_xgboost_image_lists_the_catalogue() -> None:
    with pytest.raises(ConfigError, match=r"^\[mlops:model.family\] no built-in XGBoost image '9.9-9'; the catalogue"):
        images.xgboost_algorithm_image("us-east-1", "9.9-9")


def test_pipeline_model_under_the_mock_runtime(xgboost_artifact: Path) -> None:
    from infra.program import build

    plan = run_program("prod", build, overrides={"mlops:artifact": str(xgboost_artifact), **XGB})
    model = next(r for r in plan.resources if r.type == tokens.SAGEMAKER_MODEL)
    assert "primaryContainer" not in model.inputs
    assert model.inputs["inferenceExecutionConfig"] == {"mode": "Serial"}
    containers = model.inputs["containers"]
    sklearn_image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"
    assert [c["image"] for c in containers] == [
        sklearn_image,
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5",
        sklearn_image,
    ]
    assert [c.get("environment", {}).get("MLOPS_PIPELINE_STAGE") for c in containers] == [
        "preprocess",
        None,
        "postprocess",
    ]
    assert containers[0]["environment"]["SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"] == "text/csv"
    assert containers[0]["modelDataUrl"] == containers[2]["modelDataUrl"]
    assert containers[0]["modelDataUrl"].endswith("/model.tar.gz")
    assert containers[1]["modelDataUrl"].endswith("/xgboost-model.tar.gz")
    assert model.inputs["enableNetworkIsolation"] is True
    booster = next(r for r in plan.resources if r.name == "sagemaker-mlops-prod-booster")
    assert booster.inputs["key"].endswith("/xgboost-model.tar.gz")
    assert booster.inputs["serverSideEncryption"] == "aws:kms"
