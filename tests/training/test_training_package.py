"""The artifact: tarball layout and metadata, manifest contract, serving from the unpacked tarball.

The serving test unpacks model.tar.gz and imports code/inference.py in a fresh interpreter with only
``<dir>/code`` added to sys.path and the ``training`` package made unimportable, as the SageMaker
scikit-learn container does from /opt/ml/model. It cannot prove the container's own Python, pandas or
gunicorn/MMS stack accept it; the scikit-learn minor is pinned to the serving image's.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import sklearn
from training_support import PENGUINS, REPO, Trainings, clean_environ

from review.fixture import PENGUIN_CLASSES, PENGUIN_FEATURES
from training import package
from training.errors import PlatformError

MEMBERS = [
    "code",
    "code/_build",
    "code/_build/code_backend.py",
    "code/fastpath.py",
    "code/inference.py",
    "code/pyproject.toml",
    "manifest.json",
    "model.joblib",
]


def test_tarball_members_and_metadata_are_fixed(trainings: Trainings) -> None:
    with tarfile.open(trainings.first.artifact, "r:gz") as tar:
        infos = tar.getmembers()
    assert [info.name for info in infos] == MEMBERS
    assert {(info.mtime, info.uid, info.gid, info.uname, info.gname) for info in infos} == {(0, 0, 0, "", "")}
    assert [info.mode for info in infos] == [0o755, 0o755, 0o644, 0o644, 0o644, 0o644, 0o644, 0o644]


def test_gzip_header_has_no_timestamp_and_no_file_name(trainings: Trainings) -> None:
    header = trainings.first.artifact.read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"
    assert header[3] & 0x08 == 0  # FNAME flag unset: no file name stored
    assert header[4:8] == b"\x00\x00\x00\x00"  # MTIME 0


def test_tarball_members_equal_the_model_dir(trainings: Trainings) -> None:
    with tarfile.open(trainings.first.artifact, "r:gz") as tar:
        for name in [m for m in MEMBERS if m not in ("code", "code/_build")]:
            extracted = tar.extractfile(name)
            assert extracted is not None
            assert extracted.read() == (trainings.first.model_dir / name).read_bytes()
    code = trainings.first.model_dir / "code"
    for name in ("inference.py", "fastpath.py"):
        assert (code / name).read_bytes() == (REPO / "training" / name).read_bytes()
    assert (code / "pyproject.toml").read_bytes() == (REPO / "training" / "code_pyproject.toml").read_bytes()
    assert (code / "_build" / "code_backend.py").read_bytes() == (REPO / "training" / "code_backend.py").read_bytes()


def test_manifest_has_exactly_the_agreed_keys_and_values(trainings: Trainings) -> None:
    manifest = trainings.first.manifest
    # The last commit touching training/, not HEAD: unrelated commits must not change the artifact.
    completed = subprocess.run(
        ["git", "log", "-1", "--format=%H", "--", "training"], cwd=REPO, capture_output=True, text=True, check=False
    )
    commit = completed.stdout.strip() or None
    assert manifest == {
        "manifest_version": 1,
        "framework": "sklearn",
        "sklearn_version": sklearn.__version__,
        "serving_image_version": "1.9-0",
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        "target": "species",
        "features": PENGUIN_FEATURES,
        "classes": PENGUIN_CLASSES,
        "data_sha256": {"train": hashlib.sha256(PENGUINS.read_bytes()).hexdigest()},
        "hyperparameters": {
            "estimator": "random_forest",
            "n_estimators": 10,
            "max_depth": None,
            "min_samples_leaf": 1,
            "seed": 7,
            "min_f1": 0.9,
            "target": "species",
            "test_size": 0.2,
            "validation_size": 0.2,
        },
        "metrics": manifest["metrics"],
        "git_commit": commit,
        "entry_point": "inference.py",
    }
    assert list(manifest) == list(package.MANIFEST_KEYS)
    metrics = manifest["metrics"]
    assert isinstance(metrics, dict)
    assert sorted(metrics) == ["test", "validation"]
    assert all(sorted(block) == ["accuracy", "macro_f1", "roc_auc"] for block in metrics.values())


SERVE = """
import json, sys
sys.modules["training"] = None  # the serving container does not have our package
model_dir = sys.argv[1]
sys.path.insert(0, model_dir + "/code")
import inference
model = inference.model_fn(model_dir)
rows = sys.stdin.read()
data = inference.input_fn(rows.encode(), "text/csv")
body, content_type = inference.output_fn(inference.predict_fn(data, model), "*/*")
labels = [item["label"] for item in json.loads(body)]
print(json.dumps({"module": inference.__file__, "content_type": content_type, "labels": labels}))
"""


@pytest.mark.slow
def test_unpacked_tarball_serves_in_a_fresh_interpreter(trainings: Trainings, tmp_path: Path) -> None:
    model_dir = tmp_path / "opt" / "ml" / "model"
    with tarfile.open(trainings.first.artifact, "r:gz") as tar:
        tar.extractall(model_dir, filter="data")
    lines = PENGUINS.read_text().splitlines()
    rows = "\n".join(line.split(",", 1)[1] for line in (lines[1], lines[153], lines[277]))
    completed = subprocess.run(
        [sys.executable, "-c", SERVE, str(model_dir)],
        input=rows,
        cwd=tmp_path,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {
        "module": str(model_dir / "code" / "inference.py"),
        "content_type": "application/json",
        "labels": ["Adelie", "Gentoo", "Chinstrap"],
    }


@pytest.mark.parametrize(
    ("version", "image"),
    [("1.9.1", "1.9-0"), ("1.9.0", "1.9-0"), ("1.4.2", "1.4-2-py312"), ("1.2.2", "1.2-1")],
)
def test_serving_image_version_from_sklearn_minor(version: str, image: str) -> None:
    assert package.serving_image_version(version) == image


def test_unknown_sklearn_minor_is_a_platform_error() -> None:
    with pytest.raises(PlatformError) as raised:
        package.serving_image_version("1.7.2")
    assert str(raised.value) == (
        "scikit-learn 1.7.2 has no SageMaker serving image in this project (known minors: 1.2, 1.4, 1.9); "
        "install a scikit-learn version with a serving image, or add its image tag to SERVING_IMAGE_VERSIONS"
    )


def test_build_tarball_is_deterministic_whatever_the_file_times(tmp_path: Path) -> None:
    source = tmp_path / "model"
    (source / "code").mkdir(parents=True)
    (source / "b.txt").write_text("b")
    (source / "code" / "a.py").write_text("a")
    first = package.build_tarball(source, tmp_path / "one.tar.gz")
    (source / "b.txt").touch()  # a newer mtime must not change the bytes
    second = package.build_tarball(source, tmp_path / "two.tar.gz")
    assert first == second == hashlib.sha256((tmp_path / "one.tar.gz").read_bytes()).hexdigest()
    with tarfile.open(tmp_path / "one.tar.gz", "r:gz") as tar:
        assert tar.getnames() == ["b.txt", "code", "code/a.py"]


def test_git_commit_falls_back_to_env_then_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_git(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("git")

    monkeypatch.setattr(package.subprocess, "run", no_git)
    assert package.git_commit({"GIT_COMMIT": "abc123"}) == "abc123"
    assert package.git_commit({}) is None
