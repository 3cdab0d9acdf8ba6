"""Training entry point, honouring the SageMaker script-mode contract.

SageMaker runs ``python train.py --<hyperparameter> <value> ...`` with the working directory set to the
uploaded source directory (SDK v3: ``/opt/ml/input/data/code``), channels under
``/opt/ml/input/data/<channel>`` and ``SM_*`` variables describing them. Locally the same file runs as
``python training/train.py --train data/penguins.csv``. On success the model directory holds
``model.joblib``, ``manifest.json`` and ``code/inference.py``; on any failure it holds nothing, a one-line
reason goes to stderr and, under the contract, to SageMaker's failure file, and the exit code is non-zero.
"""

from __future__ import annotations

import os
import sys

if not __package__:
    # Script mode: `python train.py` puts only this directory on sys.path, and SageMaker names it after
    # the channel ("code"), not "training". Register this directory as the package `training` so the
    # relative imports below load the sibling files, exactly as `import training.train` does in tests.
    import importlib.util

    _here = os.path.dirname(os.path.abspath(__file__))
    _spec = importlib.util.spec_from_file_location(
        "training", os.path.join(_here, "__init__.py"), submodule_search_locations=[_here]
    )
    assert _spec is not None
    assert _spec.loader is not None
    _package = importlib.util.module_from_spec(_spec)
    sys.modules["training"] = _package
    _spec.loader.exec_module(_package)
    __package__ = "training"

import argparse
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from . import baseline, contract, evaluate, features, package, split, validation
from .errors import DataValidationError, HyperparameterError, TrainingError
from .hyperparameters import SPECS, Hyperparameters, default_text

METRICS_FILE = "metrics.json"


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting: a bad flag is a user error that must
    reach SageMaker's failure file as one line, like every other user error."""

    def error(self, message: str) -> NoReturn:
        raise HyperparameterError(f"{message}; run train.py --help for the accepted flags")


def _optional_path(raw: str) -> Path | None:
    return None if raw.strip().lower() in {"", "none"} else Path(raw)


def build_parser(env: contract.SageMakerEnv) -> argparse.ArgumentParser:
    """Flags whose defaults come from the contract: ``SM_HPS`` for hyperparameters, ``SM_*`` paths."""
    unknown = sorted(key for key in env.hyperparameters if key not in SPECS and not key.startswith("sagemaker_"))
    if unknown:
        raise HyperparameterError(
            f"SM_HPS has unknown hyperparameter(s) {', '.join(unknown)}; accepted: {', '.join(SPECS)}"
        )
    parser = _Parser(
        prog="train.py",
        description="Train, evaluate and package the scikit-learn model (SageMaker script mode).",
        allow_abbrev=False,
    )
    hp = parser.add_argument_group("hyperparameters (SageMaker passes these, JSON-encoded or plain)")
    defaults = Hyperparameters().as_dict()
    for name, spec in SPECS.items():
        default = env.hyperparameters.get(name, defaults[name])
        # String defaults go through `type` like command-line values, so SM_HPS is validated too.
        hp.add_argument(
            f"--{name}",
            type=spec.parse,
            default=default_text(default),
            help=f"{spec.help} (default: {default})",
        )

    paths = parser.add_argument_group("paths (local runs; under SageMaker they come from SM_* variables)")
    paths.add_argument("--train", type=Path, default=env.channel_train, help="CSV file or directory")
    paths.add_argument("--validation", type=Path, default=env.channel_validation, help="CSV file or directory")
    paths.add_argument("--test", type=Path, default=env.channel_test, help="CSV file or directory")
    paths.add_argument("--model-dir", type=Path, default=env.model_dir, help="where the model files go")
    paths.add_argument("--output-data-dir", type=Path, default=env.output_data_dir, help="metrics.json and plots")
    paths.add_argument(
        "--artifact",
        type=_optional_path,
        default=env.default_artifact,
        help="model.tar.gz to build, manifest.json copied beside it; 'none' to skip "
        "(default: build/model.tar.gz locally, none under SageMaker, which tars the model dir itself)",
    )
    return parser


@dataclass(frozen=True)
class Arguments:
    hyperparameters: Hyperparameters
    train: Path | None
    validation: Path | None
    test: Path | None
    model_dir: Path
    output_data_dir: Path
    artifact: Path | None


def parse_args(argv: Sequence[str] | None, env: contract.SageMakerEnv) -> Arguments:
    namespace = build_parser(env).parse_args(argv)
    values = vars(namespace)
    return Arguments(
        hyperparameters=Hyperparameters(**{name: values[name] for name in SPECS}),
        train=namespace.train,
        validation=namespace.validation,
        test=namespace.test,
        model_dir=namespace.model_dir,
        output_data_dir=namespace.output_data_dir,
        artifact=namespace.artifact,
    )


def run(args: Arguments, env: contract.SageMakerEnv) -> package.Published:
    hp = args.hyperparameters
    outputs = package.Outputs(model_dir=args.model_dir, artifact=args.artifact)
    # The previous good model stays in place until this run has one to replace it with (publish is the
    # last step), so a failed run never breaks `make plan`; only the previous run's evidence goes.
    for stale in [args.output_data_dir / METRICS_FILE, *baseline.paths(args.output_data_dir)] + [
        path for name in ("validation", "test") for path in evaluate.plot_files(args.output_data_dir, name)
    ]:
        stale.unlink(missing_ok=True)

    if args.train is None:
        raise DataValidationError(
            "no training data: pass --train <csv file or directory> (under SageMaker, a 'train' channel)"
        )
    unknown_channels = env.unknown_channels()
    if unknown_channels:
        raise DataValidationError(
            f"channel(s) {', '.join(unknown_channels)} are not read by train.py; name the data channels "
            "train, validation and test"
        )

    train_table = validation.load_channel("train", args.train)
    schema = validation.infer_schema(train_table, hp.target)
    train_data = validation.to_dataset(train_table, schema)
    classes = validation.check_classes(train_data.y, schema.target)
    data_sha256 = {"train": train_table.sha256}
    held_out: dict[str, validation.Dataset | None] = {"validation": None, "test": None}
    for name, path in (("validation", args.validation), ("test", args.test)):
        if path is not None:
            table = validation.load_channel(name, path)
            held_out[name] = validation.to_dataset(table, schema, known_classes=classes)
            data_sha256[name] = table.sha256
    splits = split.make_splits(train_data, held_out["validation"], held_out["test"], hp)
    print(
        f"rows: train={len(splits.train.y)} "
        f"validation={len(splits.validation.y)} ({splits.origin['validation']}) "
        f"test={len(splits.test.y)} ({splits.origin['test']}); features: "
        + ", ".join(f"{f.name} ({f.kind})" for f in schema.features)
    )

    pipeline = features.build_pipeline(schema, hp, n_jobs=env.num_cpus)
    print(f"fitting {hp.estimator} on {len(splits.train.y)} rows x {len(schema.features)} features ...", flush=True)
    started = time.monotonic()
    pipeline.fit(splits.train.X, splits.train.y)
    print(f"fit done in {time.monotonic() - started:.1f} s", flush=True)
    features.freeze_for_serving(pipeline)

    results = {
        "validation": evaluate.evaluate(pipeline, splits.validation.X, splits.validation.y, classes),
        "test": evaluate.evaluate(pipeline, splits.test.X, splits.test.y, classes),
    }
    for name, metrics in results.items():
        for line in evaluate.metric_lines(name, metrics):
            print(line)
    gate = evaluate.gate(results["validation"], hp.min_f1)
    # metrics.json and the plots are written even when the gate fails: they are the evidence of why.
    evaluate.write_json(args.output_data_dir / METRICS_FILE, evaluate.metrics_document(results, splits.origin, gate))
    for name, metrics in results.items():
        evaluate.write_plots(args.output_data_dir, name, metrics)
    evaluate.enforce(gate)

    manifest = package.build_manifest(
        schema=schema,
        classes=classes,
        data_sha256=data_sha256,
        hyperparameters=hp.as_dict(),
        metrics={name: metrics.summary() for name, metrics in results.items()},
        commit=package.git_commit(),
    )
    print(package.check_fast_path(pipeline, train_data.X))
    # Computed before anything is published, so a baseline problem leaves no model without its baseline.
    baseline_texts = baseline.documents(validation.csv_files("train", args.train), manifest)
    published = package.publish(outputs, pipeline, manifest)
    print(f"model directory: {published.model_dir}")
    written = baseline.write(args.output_data_dir, baseline_texts)
    print(f"data-quality baseline: {', '.join(str(path) for path in written)}")
    if published.artifact is not None:
        print(f"artifact: {published.artifact}")
        print(f"sha256: {published.sha256}")
        print(f"manifest: {published.manifest_copy}")
    return published


def _report_failure(message: str, failure_file: Path | None) -> None:
    print(f"training failed: {message}", file=sys.stderr)
    if failure_file is not None:
        try:
            failure_file.parent.mkdir(parents=True, exist_ok=True)
            failure_file.write_text(message + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"could not write the failure file {failure_file}: {exc}", file=sys.stderr)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    failure_file = contract.failure_file_path(environ)
    try:
        env = contract.SageMakerEnv.from_environ(environ)
        run(parse_args(argv, env), env)
    except TrainingError as exc:
        # Expected failures: one line, no traceback; SageMaker shows the failure file as FailureReason.
        _report_failure(str(exc), failure_file)
        return exc.exit_code
    except Exception as exc:
        # A bug or an environment problem: keep the traceback for the logs, still explain the failure.
        traceback.print_exc()
        _report_failure(f"unexpected {type(exc).__name__}: {exc}", failure_file)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
