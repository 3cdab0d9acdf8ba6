"""The XGBoost family end to end on the bundled data: channels, local twin, gate, artifact, serving.

One training of each family per module (in-process, the entry points ``make train`` and
``make train-xgboost`` run). What these cannot prove: that AWS's containers behave as read in
aws/sagemaker-xgboost-container (the loader and the CSV answer are mirrored, not executed), nor that
SageMaker hands each pipeline container's answer to the next unchanged (its documented behaviour).
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from training import boost, serve, split, train, train_boost, validation
from training import pipeline_inference as pipeline
from training.hyperparameters import Hyperparameters

PENGUINS = Path(__file__).resolve().parents[2] / "data" / "penguins.csv"
ROW = "Biscoe,45.1,14.5,215,5000,female,2008"
RECORD = {
    "island": "Dream",
    "bill_length_mm": 39.0,
    "bill_depth_mm": 18.0,
    "flipper_length_mm": 190,
    "body_mass_g": 3600,
    "sex": "male",
    "year": 2009,
}

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Built:
    out: Path
    result: train_boost.Result


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("xgboost")
    result = train_boost.run(PENGUINS, Hyperparameters(), boost.BoostHyperparameters(), out)
    return Built(out, result)


@pytest.fixture(scope="module")
def sklearn_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sklearn")
    code = train.main(
        [
            "--train",
            str(PENGUINS),
            "--model-dir",
            str(root / "model"),
            "--output-data-dir",
            str(root),
            "--artifact",
            str(root / "model.tar.gz"),
        ],
        environ={},
    )
    assert code == 0
    return root / "model.tar.gz"


def _client(artifact: Path, tmp: Path) -> Any:
    model_dir = tmp / artifact.parent.name
    model_dir.mkdir()
    return serve.create_app(serve.unpack(artifact, model_dir)).test_client()


@pytest.fixture(scope="module")
def clients(built: Built, sklearn_artifact: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("served")
    # Each family's code/inference.py is imported as the module "inference", as the container does.
    return {"sklearn": _client(sklearn_artifact, tmp), "xgboost": _client(built.result.artifact, tmp)}


def test_both_families_pass_the_gate_on_the_bundled_data(built: Built, sklearn_artifact: Path) -> None:
    xgb_metrics = built.result.metrics
    assert xgb_metrics["validation"] == {"accuracy": 0.971014, "macro_f1": 0.969378, "roc_auc": 0.999717}
    assert xgb_metrics["test"] == {"accuracy": 1.0, "macro_f1": 1.0, "roc_auc": 1.0}
    gate = json.loads((built.out / "metrics.json").read_text())["gate"]
    assert gate["passed"] is True
    sklearn_manifest = json.loads((sklearn_artifact.parent / "manifest.json").read_text())
    assert sklearn_manifest["metrics"]["validation"]["macro_f1"] >= 0.9
    assert built.result.best_iteration == 91


def test_channels_follow_the_algorithm_data_contract(built: Built) -> None:
    lines = (built.out / "channels" / "train.csv").read_text().splitlines()
    assert len(lines) == 206
    first = lines[0].split(",")
    # Label index first (0, 1 or 2: the manifest's class order), then 11 numbers, no header.
    assert first[0] in {"0", "1", "2"}
    assert len(first) == 12
    assert all(float(cell) == float(cell) for cell in first)
    manifest = json.loads((built.out / "manifest.json").read_text())
    assert manifest["label_encoding"] == {"Adelie": 0, "Chinstrap": 1, "Gentoo": 2}
    assert manifest["classes"] == ["Adelie", "Chinstrap", "Gentoo"]


def test_manifest_has_the_sklearn_family_keys_and_the_family_ones(built: Built, sklearn_artifact: Path) -> None:
    manifest = json.loads((built.out / "manifest.json").read_text())
    common = json.loads((sklearn_artifact.parent / "manifest.json").read_text())
    assert list(manifest)[: len(common)] == list(common)
    assert list(manifest)[len(common) :] == list(train_boost.FAMILY_KEYS)
    assert manifest["framework"] == "xgboost"
    assert (manifest["xgboost_version"], manifest["algorithm_image_version"]) == ("3.0.5", "3.0-5")
    assert manifest["hyperparameters"]["objective"] == "multi:softprob"
    assert manifest["hyperparameters"]["num_class"] == "3"
    assert manifest["hyperparameters"]["eval_metric"] == "merror,mlogloss"
    assert manifest["booster"]["sha256"] == built.result.booster_sha256


def test_the_container_tarball_holds_only_the_booster(built: Built) -> None:
    """The built-in container loads every top-level file of /opt/ml/model as a booster."""
    with tarfile.open(built.out / "xgboost-model.tar.gz") as tar:
        assert tar.getnames() == ["xgboost-model"]
        booster_bytes = tar.extractfile("xgboost-model").read()  # type: ignore[union-attr]
    with tarfile.open(built.result.artifact) as tar:
        assert tar.extractfile("xgboost-model").read() == booster_bytes  # type: ignore[union-attr]
        assert sorted(n for n in tar.getnames() if "/" not in n and n != "code") == [
            "manifest.json",
            "preprocess.joblib",
            "xgboost-model",
        ]


def test_packaging_is_reproducible(built: Built, tmp_path: Path) -> None:
    again = train_boost.run(PENGUINS, Hyperparameters(), boost.BoostHyperparameters(), tmp_path)
    assert (again.sha256, again.booster_sha256) == (built.result.sha256, built.result.booster_sha256)


def test_twin_answers_equal_the_boosters_own_predictions_on_held_out_rows(
    built: Built, clients: dict[str, Any], tmp_path: Path
) -> None:
    hp = Hyperparameters()
    table = validation.load_channel("train", PENGUINS)
    schema = validation.infer_schema(table, hp.target)
    splits = split.make_splits(validation.to_dataset(table, schema), None, None, hp)
    held_out = splits.test.X
    body = held_out.to_csv(index=False, header=True, na_rep="")
    answer = clients["xgboost"].post("/invocations", data=body, headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200
    served = np.asarray([list(r["probabilities"].values()) for r in answer.get_json()])

    # The booster as the built-in container loads it, on the feature pipeline's numbers.
    with tarfile.open(built.out / "xgboost-model.tar.gz") as tar:
        tar.extractall(tmp_path, filter="data")
    booster = xgb.Booster()
    booster.load_model(str(tmp_path / "xgboost-model"))
    with tarfile.open(built.result.artifact) as tar:
        tar.extractall(tmp_path / "artifact", filter="data")
    import joblib

    features = joblib.load(tmp_path / "artifact" / "preprocess.joblib").transform(held_out)
    own = booster.predict(xgb.DMatrix(np.asarray(features, dtype=np.float64)))
    assert len(served) == len(held_out) == 69
    assert np.array_equal(served, own.astype(np.float64))


def test_pipeline_stages_one_by_one_give_the_local_answer(
    built: Built, clients: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """preprocess -> the container's CSV answer -> postprocess, as three containers would run them."""
    with tarfile.open(built.result.artifact) as tar:
        tar.extractall(tmp_path, filter="data")
    monkeypatch.setenv(pipeline.STAGE_VARIABLE, "preprocess")
    pre = pipeline.model_fn(str(tmp_path))
    features, content_type = pipeline.output_fn(
        pipeline.predict_fn(pipeline.input_fn(ROW + "\n", "text/csv"), pre), "application/json"
    )
    assert content_type == "text/csv"
    booster = xgb.Booster()
    booster.load_model(str(tmp_path / "xgboost-model"))
    container_answer = boost.container_predict(booster, features)
    assert container_answer.startswith("[")
    assert container_answer.endswith("]")
    monkeypatch.setenv(pipeline.STAGE_VARIABLE, "postprocess")
    post = pipeline.model_fn(str(tmp_path))
    staged, _ = pipeline.output_fn(pipeline.predict_fn(pipeline.input_fn(container_answer, "text/csv"), post), None)
    monkeypatch.delenv(pipeline.STAGE_VARIABLE)
    local = clients["xgboost"].post("/invocations", data=ROW, headers={"Content-Type": "text/csv"})
    assert json.loads(staged) == local.get_json()


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (ROW + "\n" + ROW, {"Content-Type": "text/csv"}),
        (ROW, {"Content-Type": "text/csv", "Accept": "text/csv"}),
        (json.dumps([RECORD, RECORD]), {"Content-Type": "application/json"}),
        (json.dumps({"instances": [RECORD]}), {"Content-Type": "application/json", "Accept": "text/csv"}),
    ],
)
def test_same_requests_give_answers_of_the_same_shape(
    clients: dict[str, Any], body: str, headers: dict[str, str]
) -> None:
    answers = {family: client.post("/invocations", data=body, headers=headers) for family, client in clients.items()}
    assert {a.status_code for a in answers.values()} == {200}
    assert len({a.content_type for a in answers.values()}) == 1

    def shape(answer: Any) -> Any:
        if answer.content_type.startswith("application/json"):
            return [(sorted(r), list(r["probabilities"])) for r in answer.get_json()]
        return [len(line.split(",")) for line in answer.get_data(as_text=True).splitlines()]

    assert shape(answers["sklearn"]) == shape(answers["xgboost"])


@pytest.mark.parametrize(
    ("body", "headers", "status", "error"),
    [
        ("x,y", {"Content-Type": "text/csv"}, 400, "BadRequestError"),
        (json.dumps([{**RECORD, "wings": 2}]), {"Content-Type": "application/json"}, 400, "BadRequestError"),
        ("{}", {"Content-Type": "application/xml"}, 415, "UnsupportedContentTypeError"),
        (ROW, {"Content-Type": "text/csv", "Accept": "image/png"}, 406, "NotAcceptableError"),
        ("x" * (serve.MAX_PAYLOAD_BYTES + 1), {"Content-Type": "text/csv"}, 413, "PayloadTooLarge"),
    ],
)
def test_bad_requests_get_the_same_status_from_both_families(
    clients: dict[str, Any], body: str, headers: dict[str, str], status: int, error: str
) -> None:
    answers = {family: client.post("/invocations", data=body, headers=headers) for family, client in clients.items()}
    assert {family: (a.status_code, a.get_json()["error"]) for family, a in answers.items()} == {
        "sklearn": (status, error),
        "xgboost": (status, error),
    }
    assert answers["sklearn"].get_json()["message"] == answers["xgboost"].get_json()["message"]


def test_bad_hyperparameter_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert train_boost.main(["--train", str(PENGUINS), "-H", "eta=2"]) == 2
    assert capsys.readouterr().err == "training failed: eta must be a number in (0.0, 1.0], got 2.0\n"
    assert train_boost.main(["--train", str(PENGUINS), "-H", "depth=2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("training failed: argument -H/--hyperparameter: expected NAME=VALUE with NAME one of ")
    assert err.count("\n") == 1


def test_algorithm_hyperparameters_are_the_built_in_names() -> None:
    assert boost.BoostHyperparameters(num_round=50, eta=0.1).algorithm(3) == {
        "num_round": "50",
        "eta": "0.1",
        "max_depth": "4",
        "min_child_weight": "1.0",
        "subsample": "1.0",
        "colsample_bytree": "1.0",
        "lambda": "1.0",
        "objective": "multi:softprob",
        "num_class": "3",
        "eval_metric": "merror,mlogloss",
        "early_stopping_rounds": "10",
        "seed": "42",
    }
