"""Before an artifact is published, the serving fast path must give the pipeline's own answers.

``code/fastpath.py`` re-implements ``Pipeline.predict_proba`` from the fitted parameters; the endpoint
serves its numbers. Packaging therefore compares the two on every training row and on generated edge rows
(every feature missing, unseen and every known category, extreme and tiny numbers, numbers that overflow
the trees' float32), in batches large and small so both ways the evaluator walks trees are exercised.
Where the evaluator declines a batch (returns None) the endpoint falls back to ``predict_proba`` itself,
so only the batches it answers are compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from . import fastpath
from .errors import PlatformError

# Probabilities lie in [0, 1]; summing a few hundred float64 terms in another order moves them by
# around 1e-15, so anything beyond this is a different model, not round-off.
TOLERANCE = 1e-12
SMALL_BATCH = 8  # below fastpath.WALK_BELOW_ROWS: the numpy walk over all trees
UNSEEN_CATEGORY = "\u2400unseen-at-training\u2400"
EXTREME_NUMBERS = (0.0, -0.0, 5e-324, -1.0, 1e6, -1e6, 1e30, -1e30, 1e38, -1e38, 1e300, -1e300, 1.7e308)


class FastPathMismatchError(PlatformError):
    """The serving fast path disagrees with ``predict_proba``: the artifact must not ship."""


@dataclass(frozen=True)
class Report:
    rows: int  # training and edge rows compared in whole-group batches, plus edge rows compared alone
    declined: int  # batches the evaluator left to predict_proba (the endpoint's fallback)


def _columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        str(name): frame[name].to_numpy(dtype=np.float64 if pd.api.types.is_float_dtype(frame[name]) else object)
        for name in frame.columns
    }


def edge_rows(X: pd.DataFrame) -> pd.DataFrame:
    """Rows built from the first training row with one feature changed at a time, plus an all-missing row."""
    base = X.iloc[[0]]
    rows = [base.copy()]
    missing = base.copy()
    for name in X.columns:
        missing[name] = np.nan
    rows.append(missing)
    for name in X.columns:
        if pd.api.types.is_float_dtype(X[name]):
            candidates: list[object] = [np.nan, X[name].min(), X[name].max(), *EXTREME_NUMBERS]
        else:
            known = sorted({str(value) for value in X[name].dropna()})
            candidates = [np.nan, UNSEEN_CATEGORY, "42", *known]
        for value in candidates:
            row = base.copy()
            row[name] = value
            rows.append(row)
    return pd.concat(rows, ignore_index=True).astype(X.dtypes.to_dict())


def _reference(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray | None:
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # the extreme edge rows overflow on purpose
            return np.asarray(pipeline.predict_proba(frame), dtype=np.float64)
    except ValueError:  # e.g. a number overflowing float32: the endpoint's fallback refuses it too
        return None


def _compare(evaluator: fastpath.Evaluator, place: str, batch: pd.DataFrame, reference: np.ndarray | None) -> bool:
    """True when the evaluator answered ``batch`` (and agreed); False when it left it to the pipeline."""
    fast = evaluator.predict_proba(_columns(batch))
    if fast is None:
        return False
    if reference is None:
        raise _mismatch(place, "the fast path answers where predict_proba refuses the input")
    difference = float(np.max(np.abs(fast - reference))) if fast.shape == reference.shape else np.inf
    if not difference <= TOLERANCE:
        raise _mismatch(place, f"max |probability difference| {difference:.3g} > {TOLERANCE:g}")
    if not np.array_equal(fast.argmax(axis=1), reference.argmax(axis=1)):
        raise _mismatch(place, "a predicted label differs")
    return True


def check(pipeline: Pipeline, X: pd.DataFrame) -> Report | None:
    """Compare the evaluator with ``predict_proba``; None when ``fastpath`` does not cover the pipeline.

    Raises ``FastPathMismatchError`` with one line naming the first disagreement.
    """
    evaluator = fastpath.build(pipeline)
    if evaluator is None:
        return None
    edges = edge_rows(X)
    answered = []
    declined = 0
    for index in range(len(edges)):
        row = edges.iloc[[index]]
        if _compare(evaluator, f"edge row {index + 1}", row, _reference(pipeline, row)):
            answered.append(index)
        else:
            declined += 1
    compared = 0
    for group, frame in (("training rows", X), ("edge rows", edges.iloc[answered])):
        frame = frame.reset_index(drop=True)
        reference = _reference(pipeline, frame)
        # The whole group (tree by tree above fastpath.WALK_BELOW_ROWS rows), then small batches (all
        # trees walked together).
        if _compare(evaluator, group, frame, reference):
            compared += len(frame)
        else:
            declined += 1
        for start in range(0, len(frame), SMALL_BATCH):
            stop = min(start + SMALL_BATCH, len(frame))
            where = f"{group} {start + 1}-{stop}"
            part = None if reference is None else reference[start:stop]
            if not _compare(evaluator, where, frame.iloc[start:stop], part):
                declined += 1
    return Report(rows=compared + len(answered), declined=declined)


def _mismatch(place: str, problem: str) -> FastPathMismatchError:
    return FastPathMismatchError(
        f"serving fast path disagrees with predict_proba on {place}: {problem}; the artifact was not "
        "published (fix training/fastpath.py, or make fastpath.build return None for this model)"
    )
