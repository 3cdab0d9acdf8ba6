"""``make container-test``: AWS's real serving library serves build/model.tar.gz with no network.

    python containers/container_test.py [--artifact build/model.tar.gz]

1. Builds, once, a virtual environment under ``build/container-venv/<hash>`` with the serving image's
   Python minor (3.12, found on this machine: ``python3.12`` on PATH or under pyenv; never downloaded)
   and the image's serving pins (``serving-requirements.txt``, plus ``sagemaker-containers``
   2.8.6.post2 without its stale dependency pins), then applies the one patch the image's Dockerfile
   applies (``collections.Mapping`` -> ``collections.abc.Mapping`` in ``_mapping.py``).
2. Unpacks the artifact into a temporary ``opt/ml/model`` tree, the way SageMaker extracts it.
3. Runs ``in_namespace.py`` under ``unshare -n`` (a network namespace with only a loopback
   interface): the framework's ``server.start`` around our handlers, with this machine's pip
   configuration, mirrors and cache switched off, then every request of the serving contract.
4. Runs ``train.py`` the way an SDK v3 ``ModelTrainer`` job does (``training_driver.py``), with no
   network: a successful job and failing ones, whose failure file must hold our one-line reason.

Exit codes (the project's table): 0 all checks passed (or skipped: not root / no ``unshare`` / no
Python 3.12, with the reason printed), 1 a check failed (the server never answered ``/ping``, a
contract or training check), 2 no artifact, 4 setup failed (the container environment could not be built,
or the namespace still has a network).
What it does not run: the image itself (its nginx, its OS packages, ``sagemaker_sklearn_container``).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import training_driver  # sibling module: this script's directory is on sys.path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REQUIREMENTS = HERE / "serving-requirements.txt"
IMAGE_PYTHON = "3.12"
PIP = "pip==26.0.1"
FRAMEWORK = "sagemaker-containers==2.8.6.post2"
MAPPING_PATCH = ("collections.Mapping", "collections.abc.Mapping")


class SetupError(Exception):
    pass


def _is_image_python(candidate: str) -> bool:
    """A pyenv shim on PATH exists even when no such version is selected: run it to be sure."""
    completed = subprocess.run(
        [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.returncode == 0 and completed.stdout.strip() == IMAGE_PYTHON


def find_python() -> str | None:
    """The image's Python minor on this machine: the newest pyenv 3.12.x, else ``python3.12`` on PATH."""
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = sorted(glob.glob(f"{pyenv_root}/versions/{IMAGE_PYTHON}.*/bin/python{IMAGE_PYTHON}"), reverse=True)
    on_path = shutil.which(f"python{IMAGE_PYTHON}")
    for candidate in [*candidates, *([on_path] if on_path else [])]:
        if _is_image_python(candidate):
            return candidate
    return None


def _run(command: list[str]) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-5:])
        raise SetupError(f"`{' '.join(command)}` failed:\n{tail}")


def build_venv(python: str) -> Path:
    """The cached environment; rebuilt when the pins, the patch or the interpreter change."""
    key = hashlib.sha256(
        "\n".join([python, PIP, FRAMEWORK, repr(MAPPING_PATCH), REQUIREMENTS.read_text()]).encode()
    ).hexdigest()[:16]
    venv = ROOT / "build" / "container-venv" / key
    stamp = venv / ".complete"
    bin_python = venv / "bin" / "python"
    if stamp.is_file():
        return bin_python
    shutil.rmtree(venv, ignore_errors=True)
    print(f"building {venv.relative_to(ROOT)} (once; needs the package index)", flush=True)
    _run([python, "-m", "venv", str(venv)])
    _run([str(bin_python), "-m", "pip", "install", "--quiet", PIP])
    _run([str(bin_python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)])
    _run([str(bin_python), "-m", "pip", "install", "--quiet", "--no-deps", FRAMEWORK])
    mappings = sorted({p.resolve() for p in venv.glob("lib*/python*/site-packages/sagemaker_containers/_mapping.py")})
    if len(mappings) != 1:
        raise SetupError(f"expected one sagemaker_containers/_mapping.py in {venv}, found {len(mappings)}")
    old, new = MAPPING_PATCH
    text = mappings[0].read_text()
    mappings[0].write_text(text.replace(old, new) if new not in text else text)
    stamp.write_text(key + "\n")
    return bin_python


def unpack(artifact: Path, base: Path) -> None:
    model_dir = base / "opt" / "ml" / "model"
    model_dir.mkdir(parents=True)
    with tarfile.open(artifact, "r:gz") as tar:
        tar.extractall(model_dir, filter="data")


def skip_reason() -> str | None:
    if not sys.platform.startswith("linux"):
        return "network namespaces need Linux"
    if os.geteuid() != 0:
        return "unshare -n needs root (run as root, or in CI)"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare (util-linux) and ip (iproute2)"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="container_test.py", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--artifact", type=Path, default=ROOT / "build" / "model.tar.gz")
    args = parser.parse_args(argv)
    reason = skip_reason()
    python = find_python()
    if reason is None and python is None:
        reason = f"no Python {IMAGE_PYTHON} found (python{IMAGE_PYTHON} on PATH or under pyenv)"
    if reason is not None:
        print(f"container-test SKIPPED: {reason}")
        return 0
    assert python is not None
    if not args.artifact.is_file():
        print(f"container-test: {args.artifact} does not exist; run `make train` first", file=sys.stderr)
        return 2
    try:
        venv_python = build_venv(python)
    except SetupError as exc:
        print(f"container-test: could not build the container environment: {exc}", file=sys.stderr)
        return 4
    with tempfile.TemporaryDirectory(prefix="container-test-") as tmp:
        base = Path(tmp)
        unpack(args.artifact, base)
        command = ["unshare", "-n", str(venv_python), str(HERE / "in_namespace.py"), "--base", str(base)]
        serving = subprocess.run(command, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, check=False).returncode
    if serving != 0:
        return serving
    return 1 if training_driver.run(venv_python) else 0


if __name__ == "__main__":
    sys.exit(main())
