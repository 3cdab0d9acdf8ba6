"""The scikit-learn Pipeline that is saved as ``model.joblib``: preprocessing plus the estimator.

Preprocessing lives inside the pipeline so the endpoint accepts raw feature rows. The pipeline is built
only from scikit-learn classes: the SageMaker serving container unpickles it with scikit-learn alone,
without this package installed.
"""

from __future__ import annotations

from sklearn.base import ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .hyperparameters import Hyperparameters
from .validation import Schema

MISSING_CATEGORY = "__missing__"


def build_preprocessor(schema: Schema) -> ColumnTransformer:
    numeric = [f.name for f in schema.features if f.kind == "numeric"]
    categorical = [f.name for f in schema.features if f.kind == "categorical"]
    transformers: list[tuple[str, Pipeline, list[str]]] = []
    if numeric:
        transformers.append(
            (
                "numeric",
                Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
                numeric,
            )
        )
    if categorical:
        transformers.append(
            (
                "categorical",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY)),
                        # A category first seen at serving time encodes as all zeros instead of failing.
                        ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                categorical,
            )
        )
    return ColumnTransformer(transformers, remainder="drop")


def build_estimator(hp: Hyperparameters, n_jobs: int) -> ClassifierMixin:
    if hp.estimator == "random_forest":
        return RandomForestClassifier(
            n_estimators=hp.n_estimators,
            max_depth=hp.max_depth,
            min_samples_leaf=hp.min_samples_leaf,
            random_state=hp.seed,
            n_jobs=n_jobs,
        )
    if hp.estimator == "gradient_boosting":
        return GradientBoostingClassifier(
            n_estimators=hp.n_estimators,
            max_depth=hp.max_depth,
            min_samples_leaf=hp.min_samples_leaf,
            random_state=hp.seed,
        )
    if hp.estimator == "logistic_regression":
        return LogisticRegression(max_iter=1000, random_state=hp.seed)
    raise ValueError(f"unknown estimator {hp.estimator!r}")  # argparse already restricts the choices


def build_pipeline(schema: Schema, hp: Hyperparameters, n_jobs: int) -> Pipeline:
    return Pipeline([("preprocess", build_preprocessor(schema)), ("model", build_estimator(hp, n_jobs))])


def freeze_for_serving(pipeline: Pipeline) -> Pipeline:
    """Drop the training machine's CPU count from the saved model.

    ``n_jobs`` (from ``SM_NUM_CPUS``) does not change what is learned, but it is pickled with the
    estimator; resetting it keeps ``model.tar.gz`` byte-identical across machines and lets the serving
    instance choose its own parallelism.
    """
    estimator = pipeline.named_steps["model"]
    if "n_jobs" in estimator.get_params():
        estimator.set_params(n_jobs=None)
    return pipeline
