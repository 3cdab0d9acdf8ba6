"""The search space file: tunable ranges, the objective and the budget, declared once for both executors.

The file's vocabulary is SageMaker's (``CreateHyperParameterTuningJob``): integer, continuous and
categorical ranges with a scaling type, a strategy, an objective metric by name, resource limits and
completion criteria. The managed executor sends it as is; the local one maps it onto Optuna. Everything
SageMaker would refuse, and everything ``train.py`` would refuse, fails here, in one line, before a trial
or a job starts.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import UserError
from ..hyperparameters import SPECS, Hyperparameters, default_text
from ..launch import metric_definitions

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "search_space.yaml"

# What train.py can vary without changing what the objective is measured on. The split (seed,
# test_size, validation_size), the label and the gate are fixed by design: tuning them would score
# trials on different validation rows, so their objectives could not be compared.
TUNABLE_KINDS: dict[str, Literal["integer", "continuous", "categorical"]] = {
    "estimator": "categorical",
    "n_estimators": "integer",
    "max_depth": "integer",
    "min_samples_leaf": "integer",
}
STATIC_ONLY = tuple(name for name in SPECS if name not in TUNABLE_KINDS)

Scaling = Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"]
Strategy = Literal["Bayesian", "Random", "Grid", "Hyperband"]


class SearchSpaceError(UserError):
    """The search space file cannot be run (exit code 2, like every user error)."""


class _Model(BaseModel):
    # A misspelt key is an error, never a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntegerRange(_Model):
    type: Literal["integer"]
    min_value: int
    max_value: int
    scaling: Scaling = "Auto"

    @model_validator(mode="after")
    def _check(self) -> IntegerRange:
        _check_bounds(self.min_value, self.max_value, self.scaling)
        if self.scaling == "ReverseLogarithmic":
            raise ValueError("ReverseLogarithmic scaling is only for continuous ranges (SageMaker refuses it here)")
        return self


class ContinuousRange(_Model):
    type: Literal["continuous"]
    min_value: float
    max_value: float
    scaling: Scaling = "Auto"

    @model_validator(mode="after")
    def _check(self) -> ContinuousRange:
        if not (math.isfinite(self.min_value) and math.isfinite(self.max_value)):
            raise ValueError("min_value and max_value must be finite numbers")
        _check_bounds(self.min_value, self.max_value, self.scaling)
        if self.scaling == "ReverseLogarithmic" and not (self.min_value >= 0 and self.max_value < 1):
            raise ValueError(
                f"ReverseLogarithmic scaling needs 0 <= min_value and max_value < 1 "
                f"(got {self.min_value}..{self.max_value}); use Linear or Logarithmic"
            )
        return self


class CategoricalRange(_Model):
    type: Literal["categorical"]
    values: list[str | int | float]

    @field_validator("values")
    @classmethod
    def _non_empty(cls, values: list[str | int | float]) -> list[str | int | float]:
        if not values:
            raise ValueError("values is empty; list at least one value")
        texts = [default_text(value) for value in values]
        if len(set(texts)) != len(texts):
            raise ValueError(f"values has duplicates ({', '.join(texts)}); list each value once")
        return values

    def strings(self) -> list[str]:
        """SageMaker's categorical values are strings; the SDK v3 driver decodes them back for train.py."""
        return [value if isinstance(value, str) else default_text(value) for value in self.values]


def _check_bounds(low: float, high: float, scaling: str) -> None:
    if low > high:
        raise ValueError(f"min_value {low} > max_value {high}; swap them")
    if scaling == "Logarithmic" and low <= 0:
        raise ValueError(f"Logarithmic scaling needs min_value > 0 (got {low}); use Linear or raise min_value")


Range = Annotated[IntegerRange | ContinuousRange | CategoricalRange, Field(discriminator="type")]


class Objective(_Model):
    metric: str = "validation:macro_f1"
    type: Literal["Maximize", "Minimize"] = "Maximize"

    @field_validator("metric")
    @classmethod
    def _declared(cls, metric: str) -> str:
        names = [definition["name"] for definition in metric_definitions()]
        if metric not in names:
            raise ValueError(f"{metric!r} is not a metric the launcher declares; use one of {', '.join(names)}")
        return metric

    def regex(self) -> str:
        """The launcher's metric definition for the objective: SageMaker and the local executor read the
        training log with this same expression."""
        return next(d["regex"] for d in metric_definitions() if d["name"] == self.metric)


class Budget(_Model):
    max_jobs: int | None = Field(default=None, description="ResourceLimits.MaxNumberOfTrainingJobs")
    max_parallel_jobs: int = Field(default=1, description="ResourceLimits.MaxParallelTrainingJobs")
    max_runtime_seconds: int | None = Field(default=None, description="ResourceLimits.MaxRuntimeInSeconds")
    # TuningJobCompletionCriteria: stop the whole search early.
    stop_after_jobs_not_improving: int | None = None
    target_objective: float | None = None
    training_job_early_stopping: Literal["Off", "Auto"] = "Off"

    @field_validator("training_job_early_stopping", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        # YAML 1.1 reads a bare `Off` as false: accept it as the word the user wrote.
        return "Off" if value is False else value

    @model_validator(mode="after")
    def _check(self) -> Budget:
        if self.max_jobs is not None and self.max_jobs < 1:
            raise ValueError(f"max_jobs must be >= 1 (got {self.max_jobs})")
        if self.max_parallel_jobs < 1:
            raise ValueError(f"max_parallel_jobs must be >= 1 (got {self.max_parallel_jobs})")
        if self.max_runtime_seconds is not None and not 120 <= self.max_runtime_seconds <= 15_768_000:
            raise ValueError(
                f"max_runtime_seconds must be between 120 and 15768000, SageMaker's limits "
                f"(got {self.max_runtime_seconds})"
            )
        if self.stop_after_jobs_not_improving is not None and self.stop_after_jobs_not_improving < 3:
            raise ValueError(
                f"stop_after_jobs_not_improving must be >= 3, SageMaker's minimum "
                f"(got {self.stop_after_jobs_not_improving})"
            )
        if self.training_job_early_stopping == "Auto":
            raise ValueError(
                "training_job_early_stopping Auto stops jobs from intermediate objective values, but train.py "
                "reports the objective once, at the end; use Off (and stop_after_jobs_not_improving to end "
                "the search early)"
            )
        return self


class SearchSpace(_Model):
    objective: Objective = Objective()
    strategy: Strategy = "Bayesian"
    random_seed: int | None = None
    budget: Budget
    parameters: dict[str, Range]
    static: dict[str, str | int | float | None] = Field(default_factory=dict)

    @field_validator("random_seed")
    @classmethod
    def _seed(cls, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise ValueError(f"random_seed must be >= 0 (got {value})")
        return value

    @model_validator(mode="after")
    def _check(self) -> SearchSpace:
        if not self.parameters:
            raise ValueError("parameters is empty; declare at least one range")
        for name, spec in self.parameters.items():
            _check_parameter(name, spec)
        for name, value in self.static.items():
            if name not in SPECS:
                raise ValueError(f"static.{name}: not a train.py hyperparameter; accepted: {', '.join(SPECS)}")
            if name in self.parameters:
                raise ValueError(f"static.{name}: also a tuned parameter; keep it in one place")
            _parse(f"static.{name}", name, value)
        if self.strategy == "Hyperband":
            raise ValueError(
                "strategy Hyperband allocates training by intermediate objective values, but train.py reports "
                "the objective once, at the end; use Bayesian, Random or Grid"
            )
        if self.strategy == "Grid":
            continuous = [name for name, spec in self.parameters.items() if not isinstance(spec, CategoricalRange)]
            if continuous:
                raise ValueError(
                    f"strategy Grid needs categorical ranges only ({', '.join(continuous)} "
                    "are not); list their values or use Bayesian or Random"
                )
            size = self.grid_size()
            if self.budget.max_jobs is not None and self.budget.max_jobs < size:
                raise ValueError(
                    f"the grid has {size} combinations but budget.max_jobs is {self.budget.max_jobs}; "
                    f"remove max_jobs (Grid runs every combination) or raise it to {size}"
                )
        elif self.budget.max_jobs is None:
            raise ValueError(f"budget.max_jobs is required with strategy {self.strategy}; set it (>= 1)")
        return self

    def grid_size(self) -> int:
        return math.prod(len(spec.values) for spec in self.parameters.values() if isinstance(spec, CategoricalRange))

    def trial_count(self) -> int:
        """How many trials the budget allows (Grid: every combination)."""
        if self.strategy == "Grid":
            return self.grid_size()
        assert self.budget.max_jobs is not None
        return self.budget.max_jobs

    def static_hyperparameters(self) -> dict[str, str]:
        """Static values as SageMaker stores them (strings), encoded the way train.py's flags parse them."""
        return {name: default_text(value) for name, value in self.static.items()}

    def default_hyperparameters(self) -> dict[str, str]:
        """The untuned configuration: train.py's defaults, overridden by the static values."""
        defaults = {name: default_text(value) for name, value in Hyperparameters().as_dict().items()}
        return {name: defaults[name] for name in TUNABLE_KINDS} | self.static_hyperparameters()


def _parse(where: str, name: str, value: object) -> object:
    """Apply train.py's own flag parser, so a value it would refuse fails before any job starts."""
    try:
        return SPECS[name].parse(default_text(value))
    except argparse.ArgumentTypeError as exc:
        raise ValueError(f"{where}: train.py refuses {value!r} ({exc})") from None


def _check_parameter(name: str, spec: IntegerRange | ContinuousRange | CategoricalRange) -> None:
    where = f"parameters.{name}"
    if name not in SPECS:
        raise ValueError(f"{where}: not a train.py hyperparameter; tunable: {', '.join(TUNABLE_KINDS)}")
    if name not in TUNABLE_KINDS:
        raise ValueError(
            f"{where}: fixes the data split, label or gate, so trials would be scored on different terms; "
            f"set it under static instead (tunable: {', '.join(TUNABLE_KINDS)})"
        )
    kind = TUNABLE_KINDS[name]
    if spec.type != kind and spec.type != "categorical":
        raise ValueError(f"{where}: {name} takes {kind} values, not {spec.type}; use type: {kind} (or categorical)")
    if isinstance(spec, CategoricalRange):
        for value in spec.values:
            _parse(where, name, value)
    else:
        _parse(f"{where}.min_value", name, spec.min_value)
        _parse(f"{where}.max_value", name, spec.max_value)


def _location(loc: tuple[int | str, ...]) -> str:
    # Drop pydantic's discriminator tags ("integer", ...) from the path: the user never wrote them.
    parts = [str(part) for part in loc if part not in ("integer", "continuous", "categorical")]
    return ".".join(parts)


def _one_line(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    where = _location(tuple(error["loc"]))
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{where}: unknown key; check its spelling against the documented keys"
    if kind == "missing":
        return f"{where}: missing; add it"
    if kind == "union_tag_invalid":
        return f"{where}.type: must be integer, continuous or categorical"
    if kind == "union_tag_not_found":
        return f"{where}: needs a type (integer, continuous or categorical)"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def parse(document: Any, source: str) -> SearchSpace:
    try:
        return SearchSpace.model_validate(document)
    except ValidationError as exc:
        raise SearchSpaceError(f"{source}: {_one_line(exc)}") from None


def load(path: Path) -> SearchSpace:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SearchSpaceError(f"{path}: no such search space file; pass --space <file>") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SearchSpaceError(f"{path}: cannot read it ({exc})") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}:" if mark is not None else ""
        raise SearchSpaceError(f"{path}:{line} not valid YAML; fix the syntax") from None
    if not isinstance(document, dict):
        raise SearchSpaceError(f"{path}: expected a mapping with objective, strategy, budget and parameters")
    return parse(document, str(path))
