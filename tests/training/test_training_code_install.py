"""The container's start-up install of code/ needs no network: pip builds it with the packed backend.

AWS's serving framework (sagemaker-containers 2.8.6.post2) copies code/ to /opt/ml/code, writes a
``setup.py`` there and runs ``python -m pip install .`` before it starts gunicorn. These tests run that
same command on a copy of the packed code/ with pip's configuration switched off and no index at all
(``--no-index``: the network-isolated container has none). They cannot prove the image's own pip
behaves the same (``make container-test`` runs the image's pip and framework versions).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from training import code_backend, package

# What sagemaker_containers._modules.prepare writes into /opt/ml/code when there is no setup.py.
FRAMEWORK_SETUP_PY = """
from setuptools import setup
setup(packages=[''],
      name="inference",
      version='1.0.0',
      include_package_data=True)
"""


def packed_code(root: Path, with_backend: bool = True) -> Path:
    """The code/ directory exactly as the tarball packs it, after the framework's ``prepare``."""
    code = root / "code"
    for name, source in package.CODE_FILES.items():
        if not with_backend and name != package.ENTRY_POINT:
            continue
        (code / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, code / name)
    (code / "setup.py").write_text(FRAMEWORK_SETUP_PY)
    return code


def pip_install(code: Path, target: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-cache-dir", "--target", str(target), "."],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_backend_wheel_holds_the_top_level_modules_and_a_valid_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = packed_code(tmp_path)
    (code / "fastpath.py").write_text("FAST = True\n")  # a sibling module must travel with inference.py
    out = tmp_path / "wheels"
    out.mkdir()
    monkeypatch.chdir(code)
    name = code_backend.build_wheel(str(out))
    assert name == "sagemaker_model_code-1.0.0-py3-none-any.whl"
    assert code_backend.get_requires_for_build_wheel() == []
    with zipfile.ZipFile(out / name) as wheel:
        names = wheel.namelist()
        record = wheel.read("sagemaker_model_code-1.0.0.dist-info/RECORD").decode().splitlines()
        contents = {n: wheel.read(n) for n in names}
    assert names == [
        "fastpath.py",
        "inference.py",
        "sagemaker_model_code-1.0.0.dist-info/METADATA",
        "sagemaker_model_code-1.0.0.dist-info/WHEEL",
        "sagemaker_model_code-1.0.0.dist-info/RECORD",
    ]
    assert contents["inference.py"] == (code / "inference.py").read_bytes()
    for line in record[:-1]:
        path, digest, size = line.split(",")
        expected = base64.urlsafe_b64encode(hashlib.sha256(contents[path]).digest()).rstrip(b"=").decode()
        assert (digest, int(size)) == (f"sha256={expected}", len(contents[path]))
    assert record[-1] == "sagemaker_model_code-1.0.0.dist-info/RECORD,,"


@pytest.mark.slow
def test_pip_installs_the_packed_code_with_no_index_and_no_configuration(tmp_path: Path) -> None:
    code = packed_code(tmp_path)
    completed = pip_install(code, tmp_path / "site")
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "site" / "inference.py").read_bytes() == (code / "inference.py").read_bytes()
    assert not (tmp_path / "site" / "setup.py").exists()


@pytest.mark.slow
def test_without_the_packed_backend_the_install_fails_at_build_dependencies(tmp_path: Path) -> None:
    """The failure the backend prevents: pip needs setuptools from an index to build a bare setup.py."""
    completed = pip_install(packed_code(tmp_path, with_backend=False), tmp_path / "site")
    assert completed.returncode == 1
    assert "No matching distribution found for setuptools>=40.8.0" in completed.stderr
    assert "installing build dependencies" in completed.stderr
