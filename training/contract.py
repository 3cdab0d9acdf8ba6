"""The SageMaker script-mode contract, read once from the environment into a frozen object.

Inside a training job SageMaker (and the SDK v3 driver that launches ``train.py``) describes the job
through ``SM_*`` variables: where channels were downloaded, where the model must be written (what is
in ``SM_MODEL_DIR`` at exit becomes ``model.tar.gz``), the hyperparameters, the CPU count. Outside a
job none of them is set and local defaults under ``build/`` apply. Nothing else in the package reads
``SM_*`` variables.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .errors import PlatformError

# Container paths SageMaker mounts; used when a variable is missing but the job is clearly running
# under the contract (some other SM_* variable is set).
CONTAINER_MODEL_DIR = Path("/opt/ml/model")
CONTAINER_OUTPUT_DIR = Path("/opt/ml/output")
CONTAINER_OUTPUT_DATA_DIR = CONTAINER_OUTPUT_DIR / "data"

# Local defaults, relative to the working directory (the repository root for `make train`).
LOCAL_BUILD_DIR = Path("build")
LOCAL_MODEL_DIR = LOCAL_BUILD_DIR / "model"
LOCAL_ARTIFACT = LOCAL_BUILD_DIR / "model.tar.gz"

DATA_CHANNELS = ("train", "validation", "test")
# Channels the SDK v3 ModelTrainer adds by itself: the uploaded source dir ("code"), its drivers
# ("sm_drivers") and recipes. They are not data and train.py ignores them.
SDK_MANAGED_CHANNELS = frozenset({"code", "sm_drivers", "recipe"})

# Any of these marks a run under the contract (a training job, or a test emulating one).
CONTRACT_VARIABLES = (
    "SM_MODEL_DIR",
    "SM_OUTPUT_DATA_DIR",
    "SM_OUTPUT_DIR",
    "SM_OUTPUT_FAILURE",
    "SM_CHANNELS",
    "SM_HPS",
    "SM_NUM_CPUS",
    "SM_CURRENT_HOST",
    "SM_CHANNEL_TRAIN",
    "SM_CHANNEL_VALIDATION",
    "SM_CHANNEL_TEST",
)


def under_contract(environ: Mapping[str, str]) -> bool:
    """True when any SageMaker training variable is set."""
    return any(name in environ for name in CONTRACT_VARIABLES)


def failure_file_path(environ: Mapping[str, str]) -> Path | None:
    """Where SageMaker reads the failure reason of a job; ``None`` outside the contract.

    The SDK v3 driver exports ``SM_OUTPUT_FAILURE``; the older training toolkit only ``SM_OUTPUT_DIR``
    and ``SM_OUTPUT_DATA_DIR`` (whose parent is the output dir). This never raises: it is needed
    precisely when something else went wrong.
    """
    if not under_contract(environ):
        return None
    if environ.get("SM_OUTPUT_FAILURE"):
        return Path(environ["SM_OUTPUT_FAILURE"])
    if environ.get("SM_OUTPUT_DIR"):
        return Path(environ["SM_OUTPUT_DIR"]) / "failure"
    if environ.get("SM_OUTPUT_DATA_DIR"):
        return Path(environ["SM_OUTPUT_DATA_DIR"]).parent / "failure"
    return CONTAINER_OUTPUT_DIR / "failure"


@dataclass(frozen=True)
class SageMakerEnv:
    """Typed view of the ``SM_*`` variables (or the local defaults when none is set)."""

    under_contract: bool
    model_dir: Path
    output_data_dir: Path
    channel_train: Path | None
    channel_validation: Path | None
    channel_test: Path | None
    channels: tuple[str, ...]
    hyperparameters: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    num_cpus: int = 1
    current_host: str = "local"
    failure_file: Path | None = None

    @property
    def default_artifact(self) -> Path | None:
        """Under SageMaker the platform tars ``SM_MODEL_DIR`` itself, so no tarball is built by default."""
        return None if self.under_contract else LOCAL_ARTIFACT

    def unknown_channels(self) -> tuple[str, ...]:
        """Channels in ``SM_CHANNELS`` that are neither data channels nor added by the SDK (likely typos)."""
        return tuple(name for name in self.channels if name not in DATA_CHANNELS and name not in SDK_MANAGED_CHANNELS)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> SageMakerEnv:
        """Read the contract once. Malformed values are platform errors naming the variable."""
        env = os.environ if environ is None else environ
        contract = under_contract(env)

        def path(name: str, default: Path | None) -> Path | None:
            value = env.get(name)
            return Path(value) if value else default

        model_dir = path("SM_MODEL_DIR", CONTAINER_MODEL_DIR if contract else LOCAL_MODEL_DIR)
        output_data_dir = path("SM_OUTPUT_DATA_DIR", CONTAINER_OUTPUT_DATA_DIR if contract else LOCAL_BUILD_DIR)
        assert model_dir is not None
        assert output_data_dir is not None
        return cls(
            under_contract=contract,
            model_dir=model_dir,
            output_data_dir=output_data_dir,
            channel_train=path("SM_CHANNEL_TRAIN", None),
            channel_validation=path("SM_CHANNEL_VALIDATION", None),
            channel_test=path("SM_CHANNEL_TEST", None),
            channels=_json_str_list(env, "SM_CHANNELS"),
            hyperparameters=MappingProxyType(_json_object(env, "SM_HPS")),
            num_cpus=_positive_int(env, "SM_NUM_CPUS", os.cpu_count() or 1),
            current_host=env.get("SM_CURRENT_HOST") or "local",
            failure_file=failure_file_path(env),
        )


def _json_str_list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name)
    if not raw:
        return ()
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise PlatformError(f"{name} is not valid JSON ({exc.msg}); expected a JSON list of names") from None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PlatformError(f"{name} must be a JSON list of strings (got {raw!r})")
    return tuple(value)


def _json_object(env: Mapping[str, str], name: str) -> dict[str, object]:
    raw = env.get(name)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise PlatformError(f"{name} is not valid JSON ({exc.msg}); expected a JSON object") from None
    if not isinstance(value, dict):
        raise PlatformError(f"{name} must be a JSON object (got {raw!r})")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise PlatformError(f"{name} must be a positive integer (got {raw!r})") from None
    if value < 1:
        raise PlatformError(f"{name} must be a positive integer (got {raw!r})")
    return value
