"""The SDK v3 training path, run the way a training job runs it: ``sm_train.sh`` -> driver -> ``train.py``.

``ModelTrainer`` (with ``SourceCode``) uploads two channels beside the data: ``code`` (our staged source
directory, ``training.launch.stage_source``) and ``sm_drivers`` (the SDK's ``container_drivers`` plus an
``sm_train.sh`` it generates). In the job the container runs ``sm_train.sh``: ``environment.py`` turns
``/opt/ml/input/config/*.json`` into ``SM_*`` variables, ``cd /opt/ml/input/data/code``, then
``basic_script_driver.py`` runs ``python3 train.py --<name> <value>`` with the hyperparameters as the
driver serialises them. When the script fails, the driver writes its own traceback to
``/opt/ml/output/failure`` unless that file already exists; so our one-line reason is the job's
``FailureReason`` only if train.py wrote it first.

Here the SDK's own code builds ``sm_drivers`` (its private helpers, offline: no session, no upload), and
the job runs under ``unshare -m -n``: a tmpfs over ``/opt`` with the temporary tree bind-mounted on
``/opt/ml`` (the driver's paths are fixed), no network, the container environment's Python 3.12 and
scikit-learn 1.9.0 as ``python3``. Not run: the training image itself, SageMaker's channel download.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PENGUINS = ROOT / "data" / "penguins.csv"


@dataclass(frozen=True)
class Job:
    returncode: int
    failure: str | None
    model_files: list[str]
    manifest: dict[str, Any] | None
    log: str


def sm_drivers(hyperparameters: dict[str, Any], source_dir: Path, destination: Path) -> dict[str, str]:
    """Write the ``sm_drivers`` channel with the SDK's code; return the hyperparameters as it sends them."""
    from sagemaker.core.training.configs import SourceCode
    from sagemaker.train.constants import SM_DRIVERS_LOCAL_PATH
    from sagemaker.train.model_trainer import Mode, ModelTrainer
    from sagemaker.train.utils import safe_serialize

    from training import launch

    source_code = SourceCode(source_dir=str(source_dir), entry_script=launch.ENTRY_SCRIPT)
    # model_construct: skip the validators that look up a role and a bucket in AWS.
    trainer = ModelTrainer.model_construct(
        training_mode=Mode.LOCAL_CONTAINER, training_image="sagemaker-scikit-learn:1.9-0", source_code=source_code
    )
    shutil.copytree(SM_DRIVERS_LOCAL_PATH, destination, ignore=shutil.ignore_patterns("__pycache__"))
    holder = SimpleNamespace(name=str(destination))  # the helpers only read ``tmp_dir.name``
    trainer._prepare_train_script(tmp_dir=holder, source_code=source_code, distributed=None)
    trainer._write_source_code_json(tmp_dir=holder, source_code=source_code)
    trainer._write_distributed_json(tmp_dir=holder, distributed=None)
    return {name: safe_serialize(value) for name, value in hyperparameters.items()}


def run_job(python: Path, hyperparameters: dict[str, Any], work: Path) -> Job:
    from training import launch

    ml = work / "ml"
    data = ml / "input" / "data"
    source_dir = launch.stage_source(data / "code")
    (data / "train").mkdir()
    shutil.copyfile(PENGUINS, data / "train" / "penguins.csv")
    hps = sm_drivers(hyperparameters, source_dir, data / "sm_drivers")
    config = ml / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps(hps))
    (config / "inputdataconfig.json").write_text(json.dumps({"train": {"TrainingInputMode": "File"}}))
    (config / "resourceconfig.json").write_text(
        json.dumps(
            {
                "current_host": "algo-1",
                "current_instance_type": "ml.m5.large",
                "hosts": ["algo-1"],
                "network_interface_name": "eth0",
            }
        )
    )
    for directory in (ml / "model", ml / "output" / "data"):
        directory.mkdir(parents=True)
    inside = (
        'mount -t tmpfs tmpfs /opt && mkdir /opt/ml && mount --bind "$1" /opt/ml && '
        "exec bash /opt/ml/input/data/sm_drivers/sm_train.sh"
    )
    completed = subprocess.run(
        ["unshare", "-m", "-n", "sh", "-c", inside, "sh", str(ml)],
        env={"PATH": f"{python.parent}:/usr/sbin:/usr/bin:/sbin:/bin", "TRAINING_JOB_NAME": "container-test"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    failure_file = ml / "output" / "failure"
    manifest_file = ml / "model" / "manifest.json"
    return Job(
        returncode=completed.returncode,
        failure=failure_file.read_text() if failure_file.exists() else None,
        model_files=sorted(p.relative_to(ml / "model").as_posix() for p in (ml / "model").rglob("*") if p.is_file()),
        manifest=json.loads(manifest_file.read_text()) if manifest_file.exists() else None,
        log=completed.stdout + completed.stderr,
    )


def checks(python: Path, work: Path) -> list[tuple[str, Callable[[], str | None]]]:
    from training import package

    def trained() -> str | None:
        job = run_job(python, {"n_estimators": 10, "max_depth": 5, "estimator": "random_forest"}, work / "ok")
        expected_files = sorted(package.member_paths())
        if job.returncode != 0 or job.failure is not None or job.model_files != expected_files:
            return f"exit {job.returncode}, failure {job.failure!r}, model {job.model_files}\n{job.log[-1500:]}"
        assert job.manifest is not None
        hp = job.manifest["hyperparameters"]
        got = (hp["n_estimators"], hp["max_depth"], hp["estimator"], job.manifest["sklearn_version"])
        if got != (10, 5, "random_forest", "1.9.0"):
            return f"manifest records {got}, expected (10, 5, 'random_forest', '1.9.0')"
        return None

    def failed(hyperparameters: dict[str, Any], code: int, line: str, name: str) -> Callable[[], str | None]:
        def run() -> str | None:
            job = run_job(python, hyperparameters, work / name)
            if (job.returncode, job.failure, job.model_files) != (code, line + "\n", []):
                return f"exit {job.returncode}, failure {job.failure!r}, model {job.model_files}\n{job.log[-1500:]}"
            return None

        return run

    return [
        ("SDK v3 driver runs train.py with the hyperparameters; model dir complete, no failure file", trained),
        (
            "a bad hyperparameter: exit 2, our one line is the failure file, no model",
            failed(
                {"max_depth": "deep"},
                2,
                "argument --max_depth: expected an integer, got 'deep'; run train.py --help for the accepted flags",
                "bad-hp",
            ),
        ),
        (
            "a target column that is not in the data: exit 2, our one line is the failure file",
            failed(
                {"target": "Species"},
                2,
                "/opt/ml/input/data/train/penguins.csv: target column 'Species' not found (columns: species, "
                "island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year); "
                "pass --target with one of them",
                "bad-target",
            ),
        ),
    ]


def run(python: Path) -> int:
    """Run the training checks; print one line each; return the number that failed."""
    failed = 0
    with tempfile.TemporaryDirectory(prefix="training-driver-") as tmp:
        for label, check in checks(python, Path(tmp)):
            problem = check()
            print(f"{'ok  ' if problem is None else 'FAIL'} {label}" + ("" if problem is None else f": {problem}"))
            failed += problem is not None
    return failed
