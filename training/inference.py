"""Serving handlers for the SageMaker scikit-learn container: model_fn, input_fn, predict_fn, output_fn.

Packed as ``code/inference.py`` inside ``model.tar.gz``; the container imports it alone from
``/opt/ml/model/code`` (``SAGEMAKER_PROGRAM=inference.py``), so it depends only on the standard library,
numpy, pandas, scikit-learn and joblib — never on the rest of this package.

Requests (``Content-Type``):
- ``text/csv``: one row per line, with or without a header row. The first line is a header when one of
  its cells is a feature name; without a header the values are the features in training order
  (``manifest.json`` ``features``).
- ``application/json``: a list of records (``[{"island": "Biscoe", ...}]``), a single record object, or
  ``{"instances": [...]}`` holding records or value lists (training feature order).
Columns are checked against the training schema: a missing feature is an error; the target column is
ignored when present (so rows of the training CSV can be sent as they are); any other unknown column is
an error, because it is usually a misspelt feature whose real value would silently be imputed. Missing
values are null, an empty field, ``NA``, ``N/A``, ``NaN`` or ``null``. Rows are counted from 1, header
excluded.

Responses (``Accept``; missing or ``*/*`` means JSON):
- ``application/json``: ``[{"label": "Adelie", "probabilities": {"Adelie": 0.98, ...}}, ...]``
- ``text/csv``: one line per row, ``label,p_<class1>,p_<class2>,...`` with classes in manifest order, no
  header (so batch transform can join output lines to input lines).

Client errors derive from ``ClientError`` and carry the HTTP status: ``UnsupportedContentTypeError``
(415), ``BadRequestError`` (400), ``NotAcceptableError`` (406). A malformed body raises nothing else.

Inside AWS's scikit-learn serving container the handlers do not raise client errors: that server wraps
every exception a handler raises into its own ``ClientError`` and answers HTTP 500, which would count a
caller's bad payload as a model failure (and can trip the 5XX alarm that rolls a release back). There,
a client error travels as a ``Rejection`` from ``input_fn``/``predict_fn`` to ``output_fn``, which returns
the container's own response object with the 4xx status. Everywhere else (our local server, tests) the
exceptions are raised and the server maps ``status_code``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn

if __package__:  # imported as training.inference (tests, tooling)
    from . import fastpath
else:  # the container and training.serve load code/inference.py as the top-level module "inference"
    import fastpath  # type: ignore[import-not-found,no-redef]

logger = logging.getLogger(__name__)

JSON = "application/json"
CSV = "text/csv"
ANY = "*/*"
MISSING_MARKERS = frozenset({"", "NA", "N/A", "NaN", "null"})  # the training data contract's markers
SUPPORTED_MANIFEST_VERSION = 1


class ClientError(Exception):
    """A request the client must fix; ``status_code`` is the HTTP status to answer with."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequestError(ClientError):
    status_code = 400


class UnsupportedContentTypeError(ClientError):
    status_code = 415


class NotAcceptableError(ClientError):
    status_code = 406


@dataclass(frozen=True)
class Rejection:
    """A client error carried to ``output_fn`` inside AWS's container (see the module docstring)."""

    error: ClientError


@cache
def _container_worker() -> Any | None:
    """The ``worker`` module of AWS's scikit-learn serving container, or None outside it."""
    try:
        from sagemaker_containers.beta.framework import worker  # type: ignore[import-not-found]
    except ImportError:
        return None
    return worker


def _reject(error: ClientError) -> Rejection:
    """Inside the container, carry the error to ``output_fn``; elsewhere raise it for the server to map."""
    if _container_worker() is None:
        raise error
    return Rejection(error)


# Client values in messages (and so in error bodies and server logs) are quoted, shortened to this many
# characters and stripped of control characters, so a request can neither forge a log line nor make the
# error body as large as itself.
SHOWN_CHARACTERS = 40
SHOWN_NAMES = 5
MAX_ERROR_MESSAGE = 1000


def shown(value: Any) -> str:
    """A client value fit for a message: quoted, control characters escaped, at most ~40 characters."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError, RecursionError):
            text = type(value).__name__
    cut = text[:SHOWN_CHARACTERS]
    escaped = "".join(
        ch if ch.isprintable() else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}") for ch in cut
    )
    more = f"... ({len(text)} characters)" if len(text) > SHOWN_CHARACTERS else ""
    return f"'{escaped}'{more}"


def error_body(error: ClientError) -> str:
    message = error.message
    if len(message) > MAX_ERROR_MESSAGE:
        message = message[:MAX_ERROR_MESSAGE] + "... (truncated)"
    return json.dumps({"error": type(error).__name__, "message": message})


@dataclass(frozen=True)
class Model:
    """The fitted pipeline with the schema it was trained on (from ``manifest.json``)."""

    pipeline: Any
    features: tuple[tuple[str, str], ...]  # (name, "numeric" | "categorical") in training order
    classes: tuple[str, ...]
    target: str
    manifest: dict[str, Any]
    fast: Any = None  # fastpath.Evaluator, or None when the pipeline is not one it covers

    @property
    def feature_names(self) -> list[str]:
        return [name for name, _ in self.features]


@dataclass(frozen=True)
class Payload:
    """A parsed request, not yet checked against the schema (``input_fn`` does not see the model)."""

    records: list[dict[str, Any]] | None = None  # JSON objects: named values
    rows: list[list[Any]] | None = None  # CSV lines or JSON arrays: positional values
    csv: bool = False  # rows came from CSV, so the first one may be a header line


@dataclass(frozen=True)
class Prediction:
    labels: list[str]
    probabilities: np.ndarray  # rows x classes, columns in ``classes`` order
    classes: tuple[str, ...]


def model_fn(model_dir: str) -> Model:
    """Load ``model.joblib`` and ``manifest.json`` from the unpacked artifact directory."""
    with open(os.path.join(model_dir, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    version = manifest.get("manifest_version")
    if version != SUPPORTED_MANIFEST_VERSION:
        raise RuntimeError(
            f"manifest_version {version!r} is not supported by this inference.py "
            f"(expected {SUPPORTED_MANIFEST_VERSION}); retrain with the matching training code"
        )
    if manifest.get("sklearn_version") != sklearn.__version__:
        logger.warning(
            "model trained with scikit-learn %s, serving with %s: predictions may differ",
            manifest.get("sklearn_version"),
            sklearn.__version__,
        )
    pipeline = joblib.load(os.path.join(model_dir, "model.joblib"))
    features = tuple((str(f["name"]), str(f["kind"])) for f in manifest["features"])
    trained_on = [str(name) for name in getattr(pipeline, "feature_names_in_", [])]
    if trained_on and trained_on != [name for name, _ in features]:
        raise RuntimeError(f"manifest features {features} do not match the pipeline's {trained_on}")
    return Model(
        pipeline=pipeline,
        features=features,
        classes=tuple(str(c) for c in manifest["classes"]),
        target=str(manifest["target"]),
        manifest=manifest,
        fast=_fast_evaluator(pipeline),
    )


def _fast_evaluator(pipeline: Any) -> Any:
    """The compact evaluator of ``code/fastpath.py`` (packed beside this file), or None to use the pipeline.

    Packaging refused any artifact whose evaluator disagrees with ``predict_proba``.
    """
    return fastpath.build(pipeline)


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def _decode_body(body: Any) -> str:
    if isinstance(body, (bytes, bytearray, memoryview)):
        try:
            return bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadRequestError(f"request body is not UTF-8 (invalid byte at offset {exc.start})") from None
    if isinstance(body, str):
        # AWS's container decodes text/csv and application/json bodies itself, replacing invalid bytes
        # with U+FFFD (werkzeug ``get_data(as_text=True)``); a replaced byte would silently become an
        # unknown category, so it is refused like an undecodable byte.
        replaced = body.find("\ufffd")
        if replaced >= 0:
            raise BadRequestError(f"request body is not UTF-8 (invalid byte at character {replaced})")
        return body.removeprefix("\ufeff")
    raise BadRequestError(f"request body must be text or bytes, got {type(body).__name__}")


def _parse_csv(text: str) -> Payload:
    """One row per CSV line, in order. A line of empty cells (``,,,``) is a row of missing values (the
    pipeline imputes it); an empty line before a row is refused with its number, never dropped, because
    batch transform joins output lines to input lines by position. Empty lines at the end are ignored.
    The bulk reader answers when no line is blank or ragged; otherwise this line loop decides."""
    bulk = _parse_csv_in_bulk(text)
    if bulk is not None:
        return Payload(rows=bulk, csv=True)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[Any]] = []
    blank_line: int | None = None
    try:
        for record in reader:
            if not record:
                blank_line = blank_line or reader.line_num
                continue
            if blank_line is not None:
                raise BadRequestError(
                    f"CSV line {blank_line} is empty; send one line per row (a row of missing values as ',,')"
                )
            blank_line = None
            if rows and len(record) != len(rows[0]):
                raise BadRequestError(
                    f"CSV line {reader.line_num} has {len(record)} values but the first line has {len(rows[0])}"
                )
            rows.append(record)
    except csv.Error as exc:
        raise BadRequestError(f"malformed CSV at line {reader.line_num}: {exc}") from None
    if not rows:
        raise BadRequestError("CSV body has no rows")
    return Payload(rows=rows, csv=True)


def _parse_csv_in_bulk(text: str) -> list[list[Any]] | None:
    """All lines at C speed when every one is well-formed, non-blank and as long as the first; else None,
    and the line-by-line loop of ``_parse_csv`` finds and names the line that is not."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return None
    if not rows or len(set(map(len, rows))) != 1 or not all(map(str.strip, map("".join, rows))):
        return None
    return rows


def _json_items(items: list[Any], where: str) -> Payload:
    if not items:
        raise BadRequestError(f"{where} is empty; send at least one record")
    if all(isinstance(item, dict) for item in items):
        return Payload(records=items)
    if all(isinstance(item, list) for item in items):
        return Payload(rows=items)
    raise BadRequestError(f"{where} must hold only objects (records) or only arrays (values in feature order)")


def _parse_json(text: str) -> Payload:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequestError(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if isinstance(document, list):
        return _json_items(document, "JSON array")
    if isinstance(document, dict):
        if "instances" in document:
            extra = sorted(str(key) for key in document if key != "instances")
            if extra:
                raise BadRequestError(f"unexpected key(s) next to 'instances': {_quote(extra)}")
            instances = document["instances"]
            if not isinstance(instances, list):
                raise BadRequestError("'instances' must be an array of records or of value arrays")
            return _json_items(instances, "'instances'")
        return Payload(records=[document])
    raise BadRequestError('JSON body must be a record object, an array of records, or {"instances": [...]}')


def input_fn(body: Any, content_type: str | None) -> Payload | Rejection:
    """Parse the request body; schema checks happen in ``predict_fn``, which has the model."""
    try:
        return _parse(body, content_type)
    except ClientError as error:
        return _reject(error)


def _parse(body: Any, content_type: str | None) -> Payload:
    media_type = _media_type(content_type)
    if media_type not in (CSV, JSON):
        raise UnsupportedContentTypeError(
            f"unsupported content type {'None' if content_type is None else shown(content_type)}; send {CSV} or {JSON}"
        )
    try:
        text = _decode_body(body)
        if not text.strip():
            raise BadRequestError("request body is empty")
        return _parse_csv(text) if media_type == CSV else _parse_json(text)
    except ClientError:
        raise
    except (ValueError, TypeError, RecursionError, MemoryError) as exc:  # e.g. absurdly nested JSON
        raise BadRequestError(f"malformed request body ({type(exc).__name__})") from None


def _quote(names: list[str]) -> str:
    listed = ", ".join(shown(name) for name in names[:SHOWN_NAMES])
    return listed + (f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")


def _check_columns(present: list[str], model: Model, where: str) -> None:
    expected = model.feature_names
    missing = [name for name in expected if name not in present]
    unknown = [name for name in present if name not in expected and name != model.target]
    by_case = {name.casefold(): name for name in missing}
    recased = [name for name in unknown if name.casefold() in by_case]
    if recased:
        raise BadRequestError(
            f"{where}: column(s) {_quote(recased)} differ from feature name(s) "
            f"{', '.join(by_case[name.casefold()] for name in recased[:SHOWN_NAMES])} only by case; "
            "use the exact names"
        )
    problems = []
    if missing:
        problems.append(f"missing feature column(s) {_quote(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {_quote(unknown)}")
    if problems:
        raise BadRequestError(f"{where}: {'; '.join(problems)}; expected columns: {', '.join(expected)}")


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in MISSING_MARKERS


def _numeric(value: Any, column: str, row: int) -> float:
    if _is_missing(value):
        return math.nan
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise BadRequestError(
            f"column '{column}' row {row} holds {shown(value)}; expected a number (or null/empty for missing)"
        )
    return number


def _categorical(value: Any, column: str, row: int) -> Any:
    if _is_missing(value):
        return np.nan
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise BadRequestError(
        f"column '{column}' row {row} holds {shown(value)}; expected text (or null/empty for missing)"
    )


_MISSING_OR_NULL = MISSING_MARKERS | {None}


def to_columns(payload: Payload, model: Model) -> dict[str, np.ndarray]:
    """Check a payload against the training schema and convert it column by column.

    Numeric columns become float64 (NaN for missing), categorical ones object arrays of stripped text
    (NaN for missing). A column the bulk conversion cannot take as a whole (a misspelt number, a marker
    with spaces, a value of the wrong JSON type) is converted again cell by cell by the functions
    ``to_frame`` uses, so every error names the same column, row and value as before.
    """
    names = model.feature_names
    values = _column_values(payload, model)
    if values is None:  # a row or record the bulk checks cannot vouch for: the per-row checks explain it
        frame = to_frame(payload, model)
        return {name: frame[name].to_numpy() for name in names}
    text = payload.records is None and payload.csv  # CSV cells are always str
    columns: dict[str, np.ndarray] = {}
    for name, kind in model.features:
        if kind == "numeric":
            columns[name] = _numeric_column(values[name], name, text)
        else:
            columns[name] = _categorical_column(values[name], name)
    return columns


def _column_values(payload: Payload, model: Model) -> dict[str, Sequence[Any]] | None:
    """Each feature's raw values in row order, or None when a per-row check must run instead."""
    names = model.feature_names
    if payload.records is not None:
        records = payload.records
        if not records:
            return None
        keys = records[0].keys()
        if not all(record.keys() == keys for record in records):
            return None
        _check_columns([str(key) for key in keys], model, "record 1")
        return {name: [record[name] for record in records] for name in names}
    if payload.rows is None:
        return None
    rows = payload.rows
    first = [str(cell).strip() for cell in rows[0]]
    folded = {name.casefold() for name in names}  # a header of names differing only by case is named
    if payload.csv and any(cell in names or cell.casefold() in folded for cell in first):
        _check_columns(first, model, "CSV header")
        if len(rows) == 1:
            raise BadRequestError("CSV body has a header line but no data rows")
        transposed = list(zip(*rows[1:], strict=True))
        # A name repeated in the header takes its last column, as building a record per row did.
        position = {cell: index for index, cell in enumerate(first)}
        return {name: transposed[position[name]] for name in names}
    if set(map(len, rows)) != {len(names)}:
        return None
    transposed = list(zip(*rows, strict=True))
    return {name: transposed[index] for index, name in enumerate(names)}


def _numeric_column(values: Sequence[Any], column: str, text: bool) -> np.ndarray:
    try:
        if not text and any(type(value) is bool for value in values):
            raise TypeError("a JSON boolean is not a number")
        source = values
        if not _MISSING_OR_NULL.isdisjoint(values):
            source = [math.nan if value in _MISSING_OR_NULL else value for value in values]
        numbers = np.fromiter(map(float, source), dtype=np.float64, count=len(values))
    except (ValueError, TypeError, OverflowError):
        return np.array([_numeric(value, column, row) for row, value in enumerate(values, start=1)], dtype=np.float64)
    for index in np.flatnonzero(~np.isfinite(numbers)):  # markers and nulls, or a refused nan/inf
        numbers[index] = _numeric(values[int(index)], column, int(index) + 1)
    return numbers


def _categorical_column(values: Sequence[Any], column: str) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    try:
        stripped = list(map(str.strip, values))
    except TypeError:  # null, a number or another JSON type: the per-cell rules decide
        out[:] = [_categorical(value, column, row) for row, value in enumerate(values, start=1)]
        return out
    out[:] = (
        stripped if MISSING_MARKERS.isdisjoint(stripped) else [np.nan if v in MISSING_MARKERS else v for v in stripped]
    )
    return out


def to_frame(payload: Payload, model: Model) -> pd.DataFrame:
    """Check a payload against the training schema and build the typed frame the pipeline expects.

    The per-row reference for ``to_columns``: slower, used when a bulk check fails.
    """
    names = model.feature_names
    records: list[dict[str, Any]]
    if payload.records is not None:
        for index, record in enumerate(payload.records, start=1):
            _check_columns([str(key) for key in record], model, f"record {index}")
        records = payload.records
    elif payload.rows is not None:
        rows = payload.rows
        first = [str(cell).strip() for cell in rows[0]]
        folded = {name.casefold() for name in names}
        if payload.csv and any(cell in names or cell.casefold() in folded for cell in first):
            _check_columns(first, model, "CSV header")
            rows = rows[1:]
            if not rows:
                raise BadRequestError("CSV body has a header line but no data rows")
            records = [dict(zip(first, row, strict=True)) for row in rows]
        else:
            for index, row in enumerate(rows, start=1):
                if len(row) != len(names):
                    raise BadRequestError(
                        f"row {index} has {len(row)} values; without a header send exactly {len(names)} "
                        f"in training order: {', '.join(names)}"
                    )
            records = [dict(zip(names, row, strict=True)) for row in rows]
    else:
        raise BadRequestError("request holds no records")

    columns: dict[str, pd.Series] = {}
    for name, kind in model.features:
        if kind == "numeric":
            values = [_numeric(record[name], name, row) for row, record in enumerate(records, start=1)]
            columns[name] = pd.Series(values, dtype="float64")
        else:
            texts = [_categorical(record[name], name, row) for row, record in enumerate(records, start=1)]
            columns[name] = pd.Series(texts, dtype=object)
    return pd.DataFrame(columns, columns=names)


def predict_fn(data: Payload | pd.DataFrame | Rejection, model: Model) -> Prediction | Rejection:
    if isinstance(data, Rejection):
        return data
    if isinstance(data, pd.DataFrame):
        data = Payload(records=data.to_dict(orient="records"))
    try:
        columns = to_columns(data, model)
    except ClientError as error:
        return _reject(error)
    proba = _predict_proba(model, columns)
    fitted = [str(c) for c in model.pipeline.classes_]
    proba = proba[:, [fitted.index(label) for label in model.classes]]
    labels = [model.classes[i] for i in proba.argmax(axis=1).tolist()]
    return Prediction(labels=labels, probabilities=proba, classes=model.classes)


def _predict_proba(model: Model, columns: dict[str, np.ndarray]) -> np.ndarray:
    """The fast evaluator's probabilities when it covers the batch, else the pipeline's own."""
    if model.fast is not None:
        proba = model.fast.predict_proba(columns)
        if proba is not None:
            return np.asarray(proba, dtype=float)
    frame = pd.DataFrame(
        {
            name: pd.Series(columns[name], dtype="float64" if kind == "numeric" else object)
            for name, kind in model.features
        },
        columns=model.feature_names,
    )
    return np.asarray(model.pipeline.predict_proba(frame), dtype=float)


def _quality(part: str) -> float | None:
    """The ``q`` of one Accept range (1 when absent); None when it is not a number in [0, 1]."""
    for parameter in part.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return None
            return q if 0.0 <= q <= 1.0 else None
    return 1.0


def choose_accept(accept: str | None) -> str:
    """The response media type for an ``Accept`` header: the acceptable range with the highest ``q``
    (ties in header order); ``q=0`` means "not this one". Raises ``NotAcceptableError`` (406).

    Call it before predicting when the server has the header (our local server does); inside AWS's
    container only ``output_fn`` sees it.
    """
    if accept is None or not accept.strip():
        return JSON
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        q = _quality(part)
        if q is not None and q > 0:
            ranked.append((-q, index, _media_type(part)))
    for _, _, media_type in sorted(ranked):
        if media_type in (ANY, "application/*", JSON):
            return JSON
        if media_type in (CSV, "text/*"):
            return CSV
    raise NotAcceptableError(f"cannot answer with {shown(accept)}; accept {JSON} or {CSV}")


def output_fn(prediction: Prediction | Rejection, accept: str | None) -> Any:
    """Serialise to ``(body, content_type)``; both serving stacks of the container accept the tuple.

    A ``Rejection`` (only inside AWS's container) becomes the container's response with the 4xx status.
    """
    if not isinstance(prediction, Rejection):
        try:
            return _serialise(prediction, choose_accept(accept))
        except ClientError as error:
            prediction = _reject(error)
    worker = _container_worker()
    if worker is None:
        raise prediction.error
    return worker.Response(response=error_body(prediction.error), status=prediction.error.status_code, mimetype=JSON)


def _serialise(prediction: Prediction, media_type: str) -> tuple[str, str]:
    if media_type == JSON:
        return _json_body(prediction), JSON
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for label, row in zip(prediction.labels, prediction.probabilities.tolist(), strict=True):
        writer.writerow([label, *map(repr, row)])
    return buffer.getvalue(), CSV


def _json_body(prediction: Prediction) -> str:
    """``json.dumps`` of the records, formatted one row at a time (the same bytes, about twice as fast)."""
    rows = prediction.probabilities.tolist()
    if not np.isfinite(prediction.probabilities).all():  # repr(nan) is not JSON's NaN: let json spell it
        records = [
            {"label": label, "probabilities": dict(zip(prediction.classes, row, strict=True))}
            for label, row in zip(prediction.labels, rows, strict=True)
        ]
        return json.dumps(records)
    # json.dumps writes a float as repr() does; keys and labels are JSON-quoted once per class.
    keys = ", ".join(json.dumps(name).replace("%", "%%") + ": %r" for name in prediction.classes)
    template = '{"label": %s, "probabilities": {' + keys + "}}"
    quoted = {label: json.dumps(label) for label in prediction.classes}
    return (
        "["
        + ", ".join([template % (quoted[label], *row) for label, row in zip(prediction.labels, rows, strict=True)])
        + "]"
    )
