"""Tune the XGBoost family over ``training/search_space_xgboost.yaml``, here or as a SageMaker tuning job.

    python -m training.tuning.boost local [--data data/penguins.csv] [--out build/tuning-xgboost]
    python -m training.tuning.boost managed --train s3://.../train/ --validation s3://.../validation/ \\
        --output s3://.../training-output/ --region eu-west-1 --dry-run

The file has the vocabulary of the scikit-learn family's search space (its ranges and budget are parsed
by the same models), with the built-in algorithm's parameter names and metrics: the objective is one the
algorithm emits (``validation:mlogloss``, ``validation:merror``), read from the training log with the
algorithm's own expressions. Locally every trial is the local twin on the same channels (prepared once),
and its objective is read from the twin's log line of the kept (best) round with that same expression.
The managed executor builds CreateHyperParameterTuningJob for the algorithm image (no metric definitions:
built-in algorithms declare theirs) and validates it against botocore's service model.

Exit codes: 0 done, 2 a bad search space, flags or data, 4 a request botocore refuses.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import boost, split, validation
from ..errors import PlatformError, TrainingError, UserError
from ..hyperparameters import Hyperparameters
from ..launch_boost import BoostJob, create_training_job_request, training_image
from .space import Budget, ContinuousRange, IntegerRange, SearchSpaceError, _one_line

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "search_space_xgboost.yaml"
FIELDS = {f.name: f for f in dataclasses.fields(boost.BoostHyperparameters)}
# The algorithm's name for each tunable field (``reg_lambda`` is the algorithm's ``lambda``).
ALGORITHM_NAMES = {name: ("lambda" if name == "reg_lambda" else name) for name in FIELDS if name != "seed"}
FIXED = ("objective", "num_class", "eval_metric")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BoostObjective(_Model):
    metric: str
    type: Literal["Maximize", "Minimize"]

    @field_validator("metric")
    @classmethod
    def _emitted(cls, metric: str) -> str:
        if metric not in boost.METRICS:
            raise ValueError(f"{metric!r} is not a metric this project reads; use one of {', '.join(boost.METRICS)}")
        return metric

    @model_validator(mode="after")
    def _direction(self) -> BoostObjective:
        if self.type != boost.METRICS[self.metric][0]:
            raise ValueError(f"{self.metric} is to {boost.METRICS[self.metric][0]}, not {self.type}")
        return self

    def regex(self) -> str:
        return boost.METRICS[self.metric][1]


Range = Annotated[IntegerRange | ContinuousRange, Field(discriminator="type")]


class BoostSearchSpace(_Model):
    objective: BoostObjective
    strategy: Literal["Bayesian", "Random"] = "Bayesian"
    random_seed: int | None = None
    budget: Budget
    parameters: dict[str, Range]
    static: dict[str, int | float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> BoostSearchSpace:
        if not self.parameters:
            raise ValueError("parameters is empty; declare at least one range")
        if self.budget.max_jobs is None:
            raise ValueError(f"budget.max_jobs is required with strategy {self.strategy}; set it (>= 1)")
        for name, spec in [*self.parameters.items(), *((n, None) for n in self.static)]:
            if name not in ALGORITHM_NAMES:
                raise ValueError(f"{name}: not a tunable hyperparameter; accepted: {', '.join(ALGORITHM_NAMES)}")
            whole = FIELDS[name].type in ("int", int)
            if spec is not None and isinstance(spec, IntegerRange) != whole:
                raise ValueError(f"parameters.{name}: must be {'an integer' if whole else 'a continuous'} range")
        both = sorted(set(self.parameters) & set(self.static))
        if both:
            raise ValueError(f"static.{both[0]}: also a tuned parameter; keep it in one place")
        self.hyperparameters({})  # the untuned configuration must itself be valid
        return self

    def hyperparameters(self, tuned: dict[str, float | int]) -> boost.BoostHyperparameters:
        try:
            return boost.BoostHyperparameters(**{**self.static, **tuned})  # type: ignore[arg-type]
        except UserError as exc:
            raise ValueError(str(exc)) from None


def load(path: Path) -> BoostSearchSpace:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SearchSpaceError(f"{path}: no such search space file; pass --space <file>") from None
    except yaml.YAMLError:
        raise SearchSpaceError(f"{path}: not valid YAML; fix the syntax") from None
    try:
        return BoostSearchSpace.model_validate(document)
    except ValidationError as exc:
        raise SearchSpaceError(f"{path}: {_one_line(exc)}") from None


def read_objective(log: Sequence[str], regex: str) -> float | None:
    """The objective as SageMaker reads it: the algorithm's expression on the log, last match."""
    pattern = re.compile(regex)
    values = [float(m.group(1)) for line in log if (m := pattern.match(line))]
    return values[-1] if values else None


def run_local(space: BoostSearchSpace, data: Path, out: Path) -> dict[str, Any]:
    """Optuna over the local twin; every trial on the same prepared channels. Returns the report."""
    import optuna

    hp = Hyperparameters()
    table = validation.load_channel("train", data)
    schema = validation.infer_schema(table, hp.target)
    dataset = validation.to_dataset(table, schema)
    classes = validation.check_classes(dataset.y, schema.target)
    splits = split.make_splits(dataset, None, None, hp)
    channels = boost.prepare(schema, splits.train, {"validation": splits.validation}, classes)

    trials: list[dict[str, Any]] = []

    def objective(trial: optuna.trial.Trial) -> float:
        tuned: dict[str, float | int] = {}
        for name, spec in space.parameters.items():
            log = spec.scaling == "Logarithmic"
            if isinstance(spec, IntegerRange):
                tuned[name] = trial.suggest_int(name, spec.min_value, spec.max_value, log=log)
            else:
                tuned[name] = trial.suggest_float(name, spec.min_value, spec.max_value, log=log)
        trained = boost.train_booster(channels, space.hyperparameters(tuned))
        # The kept model is the best round's: its log line is the one whose metrics describe it.
        value = read_objective([trained.log[trained.best_iteration]], space.objective.regex())
        if value is None:  # pragma: no cover - the twin always prints the metric it is asked for
            raise PlatformError(f"no {space.objective.metric} in the twin's log")
        trials.append({"number": trial.number, "hyperparameters": tuned, "objective": value})
        return value

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = (
        optuna.samplers.TPESampler(seed=space.random_seed)
        if space.strategy == "Bayesian"
        else optuna.samplers.RandomSampler(seed=space.random_seed)
    )
    direction: Literal["minimize", "maximize"] = "minimize" if space.objective.type == "Minimize" else "maximize"
    study = optuna.create_study(direction=direction, sampler=sampler)
    study.optimize(objective, n_trials=space.budget.max_jobs or 1)
    best = (
        min(trials, key=lambda t: t["objective"])
        if space.objective.type == "Minimize"
        else max(trials, key=lambda t: t["objective"])
    )
    report = {"objective": space.objective.metric, "trials": trials, "best": best}
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def _range(name: str, spec: IntegerRange | ContinuousRange) -> dict[str, str]:
    def value(v: float) -> str:
        return str(int(v)) if isinstance(spec, IntegerRange) else repr(float(v))

    return {
        "Name": ALGORITHM_NAMES[name],
        "MinValue": value(spec.min_value),
        "MaxValue": value(spec.max_value),
        "ScalingType": spec.scaling,
    }


def tuning_request(space: BoostSearchSpace, job: BoostJob, name: str) -> dict[str, Any]:
    """CreateHyperParameterTuningJob for the built-in algorithm."""
    training = create_training_job_request(job, name)
    tuned = {ALGORITHM_NAMES[n] for n in space.parameters}
    static = {k: v for k, v in training["HyperParameters"].items() if k not in tuned}
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": space.strategy,
            "HyperParameterTuningJobObjective": {"Type": space.objective.type, "MetricName": space.objective.metric},
            "ResourceLimits": {
                "MaxNumberOfTrainingJobs": space.budget.max_jobs,
                "MaxParallelTrainingJobs": space.budget.max_parallel_jobs,
            },
            "ParameterRanges": {
                "IntegerParameterRanges": [
                    _range(n, s) for n, s in space.parameters.items() if isinstance(s, IntegerRange)
                ],
                "ContinuousParameterRanges": [
                    _range(n, s) for n, s in space.parameters.items() if isinstance(s, ContinuousRange)
                ],
                "CategoricalParameterRanges": [],
            },
            "TrainingJobEarlyStoppingType": space.budget.training_job_early_stopping,
        },
        "TrainingJobDefinition": {
            "AlgorithmSpecification": training["AlgorithmSpecification"],
            "RoleArn": training["RoleArn"],
            "StaticHyperParameters": static,
            "InputDataConfig": training["InputDataConfig"],
            "OutputDataConfig": training["OutputDataConfig"],
            "ResourceConfig": training["ResourceConfig"],
            "StoppingCondition": training["StoppingCondition"],
            "EnableNetworkIsolation": True,
        },
    }


def validate(request: dict[str, Any]) -> None:
    import botocore.session
    from botocore.exceptions import ParamValidationError
    from botocore.validate import validate_parameters

    model = botocore.session.get_session().get_service_model("sagemaker")
    try:
        validate_parameters(request, model.operation_model("CreateHyperParameterTuningJob").input_shape)
    except ParamValidationError as exc:
        raise PlatformError(f"botocore refuses the tuning request: {exc}".replace("\n", " ")) from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message}; run python -m training.tuning.boost --help for the accepted flags")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m training.tuning.boost", description=__doc__.splitlines()[0])
    parser.add_argument("--space", type=Path, default=DEFAULT_PATH)
    sub = parser.add_subparsers(dest="executor", required=True)
    local = sub.add_parser("local", help="Optuna over the local twin")
    local.add_argument("--data", type=Path, default=Path("data/penguins.csv"))
    local.add_argument("--out", type=Path, default=Path("build/tuning-xgboost"))
    managed = sub.add_parser("managed", help="a SageMaker tuning job of the built-in algorithm")
    for flag in ("--train", "--validation", "--output", "--region"):
        managed.add_argument(flag, required=True)
    managed.add_argument("--role", default="arn:aws:iam::123456789012:role/dry-run")
    managed.add_argument("--num-class", type=int, default=3)
    managed.add_argument("--dry-run", action="store_true", required=True, help="print and validate; no AWS call")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        space = load(args.space)
        if args.executor == "local":
            report = run_local(space, args.data, args.out)
            best = report["best"]
            print(
                f"best of {len(report['trials'])} trials: {report['objective']}={best['objective']} with "
                + ", ".join(f"{k}={v}" for k, v in best["hyperparameters"].items())
            )
            print(f"report: {args.out / 'report.json'}")
            return 0
        job = BoostJob(
            region=args.region,
            role=args.role,
            image=training_image(args.region),
            channels={"train": args.train, "validation": args.validation},
            output=args.output,
            hyperparameters=space.hyperparameters({}).algorithm(args.num_class),
        )
        request = tuning_request(space, job, "penguins-xgboost-tuning")
        validate(request)
        print(json.dumps(request, indent=2, sort_keys=True))
    except TrainingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
