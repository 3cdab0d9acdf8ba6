"""Train the XGBoost family locally (the built-in algorithm's twin), gate it and package it.

    python -m training.train_boost --train data/penguins.csv --target species --out build/xgboost
    python -m training.train_boost --train data/penguins.csv -H eta=0.1 -H max_depth=3

The raw CSV goes through the same validation and split as the scikit-learn family; the feature pipeline is
fitted on the training split and turns every split into an algorithm-mode channel (``<out>/channels/``:
label index first, no header, numbers only, what a managed job's ``train`` and ``validation`` channels
get as ``text/csv``). The booster is trained with the image's xgboost release on those very files, the
evaluation gate is the scikit-learn family's (validation macro F1 >= ``--min-f1``), and ``<out>`` gets:

    model.tar.gz          the family's artifact (layout below), content-addressed by its sha256
    manifest.json         a copy of the artifact's manifest (the same keys as the scikit-learn family's)
    xgboost-model.tar.gz  exactly one file, ``xgboost-model``: what the built-in container's model loads
    metrics.json          validation and test metrics and the gate, as the scikit-learn family writes

Artifact layout (byte-reproducible like the scikit-learn family's)::

    manifest.json  preprocess.joblib  xgboost-model
    code/inference.py (pipeline_inference.py)  code/handlers.py (the scikit-learn family's inference.py)
    code/fastpath.py  code/pyproject.toml  code/_build/code_backend.py

Exit codes: 0 packaged, 2 bad data, flags or a model below the gate, 4 the environment (wrong xgboost).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import joblib

from . import boost, evaluate, package, split, validation
from .errors import HyperparameterError, PlatformError, TrainingError
from .hyperparameters import Hyperparameters

BOOSTER_TARBALL = "xgboost-model.tar.gz"
_HERE = Path(__file__).resolve().parent
# Every file of code/ (path under code/ -> source in this directory).
CODE_FILES: dict[str, Path] = {
    "inference.py": _HERE / "pipeline_inference.py",
    "handlers.py": _HERE / "inference.py",
    "fastpath.py": _HERE / "fastpath.py",
    "pyproject.toml": _HERE / "code_pyproject.toml",
    "_build/code_backend.py": _HERE / "code_backend.py",
}
# The keys every manifest has (the scikit-learn family's), then the family's own.
FAMILY_KEYS = ("xgboost_version", "algorithm_image_version", "label_encoding", "booster")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise HyperparameterError(f"{message}; run python -m training.train_boost --help for the accepted flags")


def _hyperparameter(raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition("=")
    known = [f.name for f in dataclasses.fields(boost.BoostHyperparameters)]
    if not sep or name not in known:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE with NAME one of {', '.join(known)}, got {raw[:40]!r}")
    return name, value


def parse_hyperparameters(pairs: Sequence[tuple[str, str]]) -> boost.BoostHyperparameters:
    types = {f.name: f.type for f in dataclasses.fields(boost.BoostHyperparameters)}
    values: dict[str, Any] = {}
    for name, raw in pairs:
        try:
            values[name] = int(raw) if types[name] in ("int", int) else float(raw)
        except ValueError:
            raise HyperparameterError(f"{name} must be a number, got {raw[:40]!r}") from None
    return boost.BoostHyperparameters(**values)


@dataclass(frozen=True)
class Result:
    artifact: Path
    sha256: str
    booster_sha256: str
    metrics: dict[str, dict[str, float | None]]
    best_iteration: int


def check_xgboost() -> str:
    """The installed xgboost, refused unless it is the image's release (the booster must load there)."""
    try:
        import xgboost
    except ImportError:
        raise PlatformError(
            f"the xgboost package is not installed; pip install xgboost-cpu=={boost.XGBOOST_VERSION} "
            f"(the release the built-in image {boost.IMAGE_VERSION} ships)"
        ) from None
    version = str(xgboost.__version__)
    if version != boost.XGBOOST_VERSION:
        raise PlatformError(
            f"xgboost {version} is installed but the built-in image {boost.IMAGE_VERSION} ships "
            f"{boost.XGBOOST_VERSION}; pip install xgboost-cpu=={boost.XGBOOST_VERSION}"
        )
    return version


def build_manifest(
    *,
    schema: validation.Schema,
    classes: list[str],
    data_sha256: dict[str, str],
    hyperparameters: dict[str, object],
    metrics: dict[str, dict[str, float | None]],
    booster_sha256: str,
) -> dict[str, object]:
    common = package.build_manifest(
        schema=schema,
        classes=classes,
        data_sha256=data_sha256,
        hyperparameters=hyperparameters,
        metrics=metrics,
        commit=package.git_commit(),
    )
    manifest: dict[str, object] = {
        **common,
        "framework": "xgboost",
        "xgboost_version": boost.XGBOOST_VERSION,
        "algorithm_image_version": boost.IMAGE_VERSION,
        "label_encoding": {label: index for index, label in enumerate(classes)},
        "booster": {"file": BOOSTER_TARBALL, "member": boost.BOOSTER_FILE, "sha256": booster_sha256},
    }
    assert tuple(manifest) == (*package.MANIFEST_KEYS, *FAMILY_KEYS)
    return manifest


def booster_tarball(raw: bytes, destination: Path) -> str:
    """The built-in container's model: one file, ``xgboost-model``; byte-reproducible, returns its sha256.

    The same bytes can be rebuilt from the artifact's ``xgboost-model`` member at any time.
    """
    with tempfile.TemporaryDirectory(prefix="booster-") as tmp:
        (Path(tmp) / boost.BOOSTER_FILE).write_bytes(raw)
        return package.build_tarball(Path(tmp), destination)


def write_model_dir(directory: Path, channels: boost.Channels, raw: bytes, manifest: dict[str, object]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(channels.preprocessor, directory / "preprocess.joblib")
    (directory / boost.BOOSTER_FILE).write_bytes(raw)
    (directory / package.MANIFEST_FILE).write_bytes(package.manifest_bytes(manifest))
    for name, source in CODE_FILES.items():
        target = directory / package.CODE_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def run(train: Path, hp: Hyperparameters, boost_hp: boost.BoostHyperparameters, out: Path) -> Result:
    check_xgboost()
    table = validation.load_channel("train", train)
    schema = validation.infer_schema(table, hp.target)
    data = validation.to_dataset(table, schema)
    classes = validation.check_classes(data.y, schema.target)
    splits = split.make_splits(data, None, None, hp)
    channels = boost.prepare(schema, splits.train, {"validation": splits.validation, "test": splits.test}, classes)
    for name, text in channels.text.items():
        (out / "channels").mkdir(parents=True, exist_ok=True)
        (out / "channels" / f"{name}.csv").write_text(text, encoding="utf-8")
    width = len(channels.text["train"].split("\n", 1)[0].split(",")) - 1
    print(
        f"channels ({boost.CONTENT_TYPE}, label index first, no header): train={len(splits.train.y)} "
        f"validation={len(splits.validation.y)} test={len(splits.test.y)} rows x {width} features"
    )
    trained = boost.train_booster(channels, boost_hp)
    print(f"xgboost {boost.XGBOOST_VERSION}: {trained.rounds} rounds, best round {trained.best_iteration}")
    print(trained.log[trained.best_iteration])
    booster = _booster_from_raw(trained.raw)
    model = boost.BoostedModel(channels.preprocessor, booster, classes)
    results = {
        "validation": evaluate.evaluate(model, splits.validation.X, splits.validation.y, classes),
        "test": evaluate.evaluate(model, splits.test.X, splits.test.y, classes),
    }
    for name, metrics in results.items():
        for line in evaluate.metric_lines(name, metrics):
            print(line)
    gate = evaluate.gate(results["validation"], hp.min_f1)
    evaluate.write_json(out / "metrics.json", evaluate.metrics_document(results, splits.origin, gate))
    evaluate.enforce(gate)

    summary = {name: metrics.summary() for name, metrics in results.items()}
    with tempfile.TemporaryDirectory(prefix="model-staging-") as tmp:
        booster_sha = booster_tarball(trained.raw, Path(tmp) / BOOSTER_TARBALL)
        manifest = build_manifest(
            schema=schema,
            classes=classes,
            data_sha256={"train": table.sha256},
            hyperparameters={**hp.as_dict(), **boost_hp.algorithm(len(classes))},
            metrics=summary,
            booster_sha256=booster_sha,
        )
        staging = Path(tmp) / "model"
        write_model_dir(staging, channels, trained.raw, manifest)
        sha = package.build_tarball(staging, Path(tmp) / "model.tar.gz")
        out.mkdir(parents=True, exist_ok=True)
        for name in ("model.tar.gz", BOOSTER_TARBALL):
            shutil.move(Path(tmp) / name, out / f".{name}.partial")
            (out / f".{name}.partial").replace(out / name)
        (out / package.MANIFEST_FILE).write_bytes(package.manifest_bytes(manifest))
    print(f"artifact: {out / 'model.tar.gz'}\nsha256: {sha}\nbooster: {out / BOOSTER_TARBALL} ({booster_sha})")
    return Result(out / "model.tar.gz", sha, booster_sha, summary, trained.best_iteration)


def _booster_from_raw(raw: bytes) -> object:
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    booster.set_param("nthread", "1")
    return booster


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m training.train_boost", description=__doc__.splitlines()[0], allow_abbrev=False)
    defaults = Hyperparameters()
    parser.add_argument("--train", type=Path, required=True, help="the raw CSV (header, target column)")
    parser.add_argument("--target", default=defaults.target)
    parser.add_argument("--out", type=Path, default=Path("build/xgboost"))
    parser.add_argument("--min-f1", type=float, default=defaults.min_f1, help="evaluation gate (validation macro F1)")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed of the data split")
    parser.add_argument(
        "-H",
        "--hyperparameter",
        type=_hyperparameter,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="algorithm hyperparameter (repeatable): "
        + ", ".join(f"{f.name}={f.default}" for f in dataclasses.fields(boost.BoostHyperparameters)),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        hp = Hyperparameters(target=args.target, min_f1=args.min_f1, seed=args.seed)
        run(args.train, hp, parse_hyperparameters(args.hyperparameter), args.out)
    except TrainingError as exc:
        print(f"training failed: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


def metrics_table(rows: dict[str, dict[str, dict[str, float | None]]]) -> str:
    """Families side by side: ``| family | split | accuracy | macro_f1 | roc_auc |``."""
    lines = ["| family | split | accuracy | macro F1 | ROC AUC |", "|---|---|---|---|---|"]
    for family, metrics in rows.items():
        for name in ("validation", "test"):
            values = metrics[name]
            cells = ["-" if values.get(m) is None else f"{values[m]:.4f}" for m in evaluate.SUMMARY_METRICS]
            lines.append(f"| {family} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_metrics(manifest_path: Path) -> dict[str, dict[str, float | None]]:
    loaded: dict[str, dict[str, float | None]] = json.loads(manifest_path.read_text(encoding="utf-8"))["metrics"]
    return loaded


if __name__ == "__main__":
    sys.exit(main())
