"""A compact evaluator of the fitted serving Pipeline, built once when the model loads.

Packed as ``code/fastpath.py`` beside ``inference.py`` and imported by it as the top-level module
``fastpath``; like ``inference.py`` it depends only on numpy and scikit-learn, never on this repository.

``Pipeline.predict_proba`` on one row spends most of its time outside the model: ``ColumnTransformer``
re-validates the frame, and a forest replays scikit-learn's configuration through its per-estimator
parallel wrapper once per tree. This module reads the fitted parameters once (imputer statistics, scaler
mean and scale, one-hot categories, each tree's compiled ``tree_`` node arrays, linear coefficients) and
evaluates a batch with a few vectorised numpy operations: all trees of an ensemble are walked together,
one level per step.

It covers exactly what ``training/features.py`` builds: a ``ColumnTransformer`` of
``SimpleImputer`` + ``StandardScaler`` (numeric) and ``SimpleImputer`` + ``OneHotEncoder`` with unseen
categories ignored (categorical), followed by a ``RandomForestClassifier``, ``GradientBoostingClassifier``
or ``LogisticRegression``. ``build`` returns None for anything else, and ``Evaluator.predict_proba``
returns None for a batch outside its domain (a value that scikit-learn would refuse, such as a number that
overflows float32 after scaling), so the caller falls back to ``Pipeline.predict_proba`` and keeps its
behaviour. Packaging checks the two agree before an artifact is published.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.extmath import softmax

_LEAF = -1  # scikit-learn's TREE_LEAF child index
# Below this many rows all trees are walked together in numpy (a few array operations per tree level);
# from it on each tree's own compiled ``apply`` is cheaper than numpy's gathers over rows x trees.
WALK_BELOW_ROWS = 64


@dataclass(frozen=True)
class _Numeric:
    """Median/mean imputation then standard scaling of a block of numeric columns."""

    columns: tuple[str, ...]
    fill: np.ndarray
    mean: np.ndarray | None
    scale: np.ndarray | None

    @property
    def width(self) -> int:
        return len(self.columns)

    def transform(self, columns: Mapping[str, Any], out: np.ndarray) -> None:
        for j, name in enumerate(self.columns):
            out[:, j] = np.asarray(columns[name], dtype=np.float64)
        missing = np.isnan(out)
        if missing.any():
            out[missing] = np.broadcast_to(self.fill, out.shape)[missing]
        # The same in-place operations, in the same order, as StandardScaler.transform.
        if self.mean is not None:
            out -= self.mean
        if self.scale is not None:
            out /= self.scale


@dataclass(frozen=True)
class _OneHot:
    """Constant imputation then one-hot encoding; an unseen category encodes as all zeros."""

    columns: tuple[str, ...]
    fill: tuple[Any, ...]
    lookups: tuple[dict[Any, int], ...]  # category -> output column, relative to the block
    width: int

    def transform(self, columns: Mapping[str, Any], out: np.ndarray) -> None:
        rows = np.arange(out.shape[0])
        for name, fill, lookup in zip(self.columns, self.fill, self.lookups, strict=True):
            values = columns[name]
            index = np.fromiter(map(lookup.get, values, repeat(-1)), dtype=np.intp, count=out.shape[0])
            for row in np.flatnonzero(index < 0):
                # SimpleImputer treats an object cell as missing when it is not equal to itself (NaN).
                value = values[row]
                if value != value:
                    index[row] = lookup.get(fill, -1)
            known = index >= 0
            out[rows[known], index[known]] = 1.0


@dataclass(frozen=True)
class _Forest:
    """All trees of an ensemble as one node table, walked together one level per step.

    Leaves point to themselves, so a fixed number of steps (the deepest tree's depth) lands every
    (tree, row) pair on its leaf without tracking which pairs are done. Large batches use each tree's
    compiled ``tree_.apply`` instead; both give the same leaves.
    """

    trees: tuple[Any, ...]
    roots: np.ndarray  # first node of each tree in the table
    feature: np.ndarray
    threshold: np.ndarray
    children: np.ndarray  # (left, right) of node i at 2 i and 2 i + 1
    values: np.ndarray  # node -> output vector (class fractions, or a regression value)
    depth: int

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """Leaf index in the table per (tree, row), shape (trees, rows); ``x`` is C-ordered float32."""
        n_rows, n_features = x.shape
        if n_rows >= WALK_BELOW_ROWS:
            local = np.stack([tree.apply(x) for tree in self.trees])
            shifted: np.ndarray = local + self.roots[:, None]
            return shifted
        flat = x.astype(np.float64).ravel()  # float32 values compared to float64 thresholds, as in C
        node = np.repeat(self.roots, n_rows)
        base = np.tile(np.arange(n_rows) * n_features, len(self.roots))
        for _ in range(self.depth):
            right = flat[base + self.feature[node]] > self.threshold[node]
            node = self.children[2 * node + right]
        return node.reshape(len(self.roots), n_rows)


def _forest(trees: Sequence[Any], width: int) -> _Forest:
    offsets = np.cumsum([0] + [tree.node_count for tree in trees])
    feature, threshold, children, values = [], [], [], []
    for offset, tree in zip(offsets, trees, strict=False):
        own = np.arange(tree.node_count) + offset
        leaf = tree.children_left == _LEAF
        feature.append(np.where(leaf, 0, tree.feature))
        threshold.append(tree.threshold)
        left = np.where(leaf, own, tree.children_left + offset)
        right = np.where(leaf, own, tree.children_right + offset)
        children.append(np.stack([left, right], axis=1).ravel())
        values.append(tree.value[:, 0, :width])
    return _Forest(
        trees=tuple(trees),
        roots=offsets[:-1].astype(np.intp),
        feature=np.concatenate(feature).astype(np.intp),
        threshold=np.concatenate(threshold).astype(np.float64),
        children=np.concatenate(children).astype(np.intp),
        values=np.ascontiguousarray(np.concatenate(values), dtype=np.float64),
        depth=max(tree.max_depth for tree in trees),
    )


def _single_output(trees: Sequence[Any]) -> bool:
    # Imputation leaves no NaN for the trees, so the branch a NaN would take never matters here.
    return all(tree.n_outputs == 1 for tree in trees)


Model = Callable[[np.ndarray], np.ndarray]


def _random_forest(model: RandomForestClassifier) -> Model | None:
    if model.n_outputs_ != 1:
        return None
    trees = [estimator.tree_ for estimator in model.estimators_]
    if not trees or not _single_output(trees):
        return None
    n_classes = int(model.n_classes_)
    forest = _forest(trees, n_classes)
    count = len(trees)

    def proba(x: np.ndarray) -> np.ndarray:
        x32 = np.ascontiguousarray(x, dtype=np.float32)
        if not np.isfinite(x32).all():
            return _REFUSED
        leaves = forest.leaves(x32)
        # Summed over trees in estimator order, then divided, as RandomForestClassifier.predict_proba.
        total: np.ndarray = forest.values[leaves].sum(axis=0)
        total /= count
        return total

    return proba


def _gradient_boosting(model: GradientBoostingClassifier) -> Model | None:
    init = model.init_
    if not (init == "zero" or (isinstance(init, DummyClassifier) and init.strategy == "prior")):
        return None  # a prior is the same for every row, so it is computed once below
    n_stages, n_columns = model.estimators_.shape
    trees = [model.estimators_[stage, k].tree_ for stage in range(n_stages) for k in range(n_columns)]
    if not _single_output(trees):
        return None
    forest = _forest(trees, 1)
    try:
        start = np.asarray(model._raw_predict_init(np.zeros((1, model.n_features_in_), dtype=np.float32)))[0]
        loss_proba = model._loss.predict_proba
    except (AttributeError, TypeError, ValueError):
        return None
    rate = float(model.learning_rate)

    def proba(x: np.ndarray) -> np.ndarray:
        x32 = np.ascontiguousarray(x, dtype=np.float32)
        if not np.isfinite(x32).all():
            return _REFUSED
        leaves = forest.leaves(x32)
        # (stage, column, row): each stage's scaled tree output added in stage order, as predict_stages.
        steps = rate * forest.values[leaves, 0].reshape(n_stages, n_columns, -1)
        raw = np.empty((n_stages + 1, n_columns, x.shape[0]))
        raw[0] = start[:, None]
        raw[1:] = steps
        summed = raw.sum(axis=0).T
        return np.asarray(loss_proba(summed.ravel() if n_columns == 1 else summed))

    return proba


def _logistic_regression(model: LogisticRegression) -> Model | None:
    coef = np.asarray(model.coef_, dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    binary = len(model.classes_) <= 2

    def proba(x: np.ndarray) -> np.ndarray:
        if not np.isfinite(x).all():
            return _REFUSED
        scores = x @ coef.T + intercept
        if binary:
            positive = expit(scores.ravel())
            return np.vstack([1 - positive, positive]).T
        return np.asarray(softmax(scores, copy=False))

    return proba


_REFUSED = np.empty((0, 0))  # a batch scikit-learn would refuse: the caller falls back to predict_proba


@dataclass(frozen=True)
class Evaluator:
    """``predict_proba`` of the fitted pipeline, columns in ``classes`` order (the pipeline's ``classes_``)."""

    blocks: tuple[_Numeric | _OneHot, ...]
    width: int
    model: Model
    classes: tuple[Any, ...]

    def predict_proba(self, columns: Mapping[str, Any]) -> np.ndarray | None:
        """Probabilities for a batch given as columns (feature name -> values), or None to fall back.

        Numeric columns hold floats with NaN for missing; categorical columns hold text with NaN for
        missing, as the serving frame does.
        """
        first = self.blocks[0].columns[0]
        x = np.zeros((len(columns[first]), self.width))
        # An extreme number may overflow while scaling or casting to float32; the model then declines the
        # batch (predict_proba refuses it), so the overflow is expected, not worth a warning.
        with np.errstate(over="ignore", invalid="ignore"):
            start = 0
            for block in self.blocks:
                block.transform(columns, x[:, start : start + block.width])
                start += block.width
            proba = self.model(x)
        return None if proba is _REFUSED else proba


def _numeric_block(pipeline: Pipeline, columns: tuple[str, ...]) -> _Numeric | None:
    if [type(step) for _, step in pipeline.steps] != [SimpleImputer, StandardScaler]:
        return None
    imputer, scaler = pipeline.steps[0][1], pipeline.steps[1][1]
    if imputer.add_indicator or not _is_nan(imputer.missing_values):
        return None
    fill = np.asarray(imputer.statistics_, dtype=np.float64)
    if fill.shape != (len(columns),) or np.isnan(fill).any():
        return None  # SimpleImputer drops a column it saw only missing during fit
    mean = None if scaler.mean_ is None or not scaler.with_mean else np.asarray(scaler.mean_, dtype=np.float64)
    scale = None if scaler.scale_ is None or not scaler.with_std else np.asarray(scaler.scale_, dtype=np.float64)
    return _Numeric(columns=columns, fill=fill, mean=mean, scale=scale)


def _one_hot_block(pipeline: Pipeline, columns: tuple[str, ...]) -> _OneHot | None:
    if [type(step) for _, step in pipeline.steps] != [SimpleImputer, OneHotEncoder]:
        return None
    imputer, encoder = pipeline.steps[0][1], pipeline.steps[1][1]
    if imputer.add_indicator or imputer.strategy != "constant" or not _is_nan(imputer.missing_values):
        return None
    if encoder.handle_unknown not in ("ignore", "infrequent_if_exist") or encoder.drop_idx_ is not None:
        return None
    if getattr(encoder, "_infrequent_enabled", True) or encoder.sparse_output:
        return None
    if len(encoder.categories_) != len(columns):
        return None
    lookups: list[dict[Any, int]] = []
    start = 0
    for categories in encoder.categories_:
        values = list(categories)
        if not all(isinstance(value, str) for value in values):
            return None
        lookups.append({value: start + i for i, value in enumerate(values)})
        start += len(values)
    fill = tuple(imputer.statistics_)
    return _OneHot(columns=columns, fill=fill, lookups=tuple(lookups), width=start)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def build(pipeline: Any) -> Evaluator | None:
    """The evaluator for ``pipeline``, or None when it holds anything this module does not cover."""
    try:
        return _build(pipeline)
    except (AttributeError, TypeError, ValueError, IndexError):  # an unexpected shape of fitted state
        return None


def _build(pipeline: Any) -> Evaluator | None:
    if type(pipeline) is not Pipeline or len(pipeline.steps) != 2:
        return None
    preprocess, model = pipeline.steps[0][1], pipeline.steps[1][1]
    if type(preprocess) is not ColumnTransformer or preprocess.sparse_output_:
        return None
    blocks: list[_Numeric | _OneHot] = []
    for name, transformer, selection in preprocess.transformers_:
        if transformer == "drop" or (name == "remainder" and len(selection) == 0):
            continue
        if not isinstance(transformer, Pipeline) or not all(isinstance(c, str) for c in selection):
            return None
        columns = tuple(selection)
        block = _numeric_block(transformer, columns) or _one_hot_block(transformer, columns)
        if block is None:
            return None
        blocks.append(block)
    width = sum(block.width for block in blocks)
    if not blocks or width != model.n_features_in_:
        return None
    evaluate: Model | None
    if type(model) is RandomForestClassifier:
        evaluate = _random_forest(model)
    elif type(model) is GradientBoostingClassifier:
        evaluate = _gradient_boosting(model)
    elif type(model) is LogisticRegression:
        evaluate = _logistic_regression(model)
    else:
        return None
    if evaluate is None:
        return None
    return Evaluator(blocks=tuple(blocks), width=width, model=evaluate, classes=tuple(pipeline.classes_))
