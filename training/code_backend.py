"""A PEP 517 build backend with no requirements, packed as ``code/_build/code_backend.py``.

Why it exists (AWS container behaviour, ``sagemaker-containers`` 2.8.6.post2, the serving stack of
``sagemaker-scikit-learn:1.9-0``): when ``SAGEMAKER_PROGRAM`` is set, ``_server.start`` calls
``_modules.import_module`` *before* gunicorn starts, unconditionally. That copies
``SAGEMAKER_SUBMIT_DIRECTORY`` (``/opt/ml/model/code``) to ``/opt/ml/code``, writes a ``setup.py`` when
there is none and runs ``python -m pip install .`` there. For a bare ``setup.py`` pip builds in an
isolated environment and must first download ``setuptools`` from PyPI; with ``EnableNetworkIsolation``
there is no network, the install raises ``InstallModuleError`` and the server never answers ``/ping``.

``code/pyproject.toml`` names this module as the build backend with ``requires = []`` and
``backend-path = ["_build"]`` (PEP 517 in-tree backend), so pip needs nothing it does not already have
and downloads nothing. The wheel holds the top-level modules of code/ (``inference.py`` and its
siblings; not the ``setup.py`` the framework writes there): right after installing, ``import_module``
imports ``inference`` in the starting process, where ``/opt/ml/code`` is not on ``sys.path`` (the
gunicorn workers have it on ``--pythonpath`` too). Siblings are top-level modules: ``import fastpath``.

Standard library only: it runs in pip's isolated build environment inside the container.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

NAME = "sagemaker_model_code"
VERSION = "1.0.0"
WHEEL_TAG = "py3-none-any"
_DIST_INFO = f"{NAME}-{VERSION}.dist-info"


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{path},sha256={digest},{len(data)}"


# Written into code/ by the framework's ``_modules.prepare``; not a module of ours.
FRAMEWORK_FILES = frozenset({"setup.py"})


def _files(tree: Path) -> dict[str, bytes]:
    modules = sorted(p for p in tree.glob("*.py") if p.name not in FRAMEWORK_FILES)
    return {
        **{p.name: p.read_bytes() for p in modules},
        f"{_DIST_INFO}/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n".encode(),
        f"{_DIST_INFO}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: code_backend\nRoot-Is-Purelib: true\nTag: {WHEEL_TAG}\n"
        ).encode(),
    }


def get_requires_for_build_wheel(config_settings: object = None) -> list[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: object = None, metadata_directory: object = None) -> str:
    """Write the wheel of the top-level modules into ``wheel_directory``; return its file name."""
    filename = f"{NAME}-{VERSION}-{WHEEL_TAG}.whl"
    files = _files(Path.cwd())  # PEP 517: hooks run with the source tree as working directory
    record = [_record_line(path, data) for path, data in files.items()] + [f"{_DIST_INFO}/RECORD,,"]
    with zipfile.ZipFile(f"{wheel_directory}/{filename}", "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
        wheel.writestr(f"{_DIST_INFO}/RECORD", "\n".join(record) + "\n")
    return filename


def build_sdist(sdist_directory: str, config_settings: object = None) -> str:
    raise NotImplementedError("the model's code directory is installed from its tree, never as an sdist")
