"""Serving handlers: every request shape, response type and client error, against a trained model.

The handlers are called in-process the way the container's transformer calls them
(``input_fn`` -> ``predict_fn`` -> ``output_fn``). This cannot prove how the container maps a raised
``ClientError`` to an HTTP status (that is the serving stack's job); it proves which error and
``status_code`` each bad request produces and that nothing else is raised.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from training_support import Trainings, penguin_lines

from training import inference

LINES = penguin_lines()
HEADER, ADELIE, GENTOO, CHINSTRAP = LINES[0], LINES[1], LINES[153], LINES[277]
FEATURES = ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year"]
EXPECTED_LABELS = ["Adelie", "Gentoo", "Chinstrap"]
CLASSES = ("Adelie", "Chinstrap", "Gentoo")


def features_only(line: str) -> str:
    return line.split(",", 1)[1]


def record(line: str) -> dict[str, Any]:
    values = features_only(line).split(",")
    return {
        name: (value if name in ("island", "sex") else float(value))
        for name, value in zip(FEATURES, values, strict=True)
    }


@pytest.fixture(scope="session")
def model(trainings: Trainings) -> inference.Model:
    return inference.model_fn(str(trainings.first.model_dir))


def predict(model: inference.Model, body: Any, content_type: str | None) -> inference.Prediction:
    return inference.predict_fn(inference.input_fn(body, content_type), model)


def test_model_fn_loads_pipeline_and_schema(model: inference.Model) -> None:
    assert model.feature_names == FEATURES
    assert model.classes == CLASSES
    assert model.target == "species"
    assert model.manifest["entry_point"] == "inference.py"


ROWS = [ADELIE, GENTOO, CHINSTRAP]
RECORDS = [record(line) for line in ROWS]
VALID_REQUESTS = {
    "csv-training-header-with-target": ("\n".join([HEADER, *ROWS]).encode(), "text/csv"),
    "csv-header-reordered-without-target": (
        "\n".join(
            [
                ",".join(reversed(FEATURES)),
                *(",".join(reversed(features_only(line).split(","))) for line in ROWS),
            ]
        ),
        "text/csv; charset=utf-8",
    ),
    "csv-without-header": ("\n".join(features_only(line) for line in ROWS) + "\n", "text/csv"),
    "json-records": (json.dumps(RECORDS).encode(), "application/json"),
    "json-instances-records": (json.dumps({"instances": RECORDS}), "application/json"),
    "json-instances-lists": (
        json.dumps({"instances": [list(r.values()) for r in RECORDS]}),
        "application/json; charset=utf-8",
    ),
    "json-list-of-lists": (json.dumps([list(r.values()) for r in RECORDS]), "Application/JSON"),
    "json-numbers-as-strings": (
        json.dumps([{k: str(v) for k, v in r.items()} for r in RECORDS]),
        "application/json",
    ),
}


@pytest.mark.parametrize(("body", "content_type"), VALID_REQUESTS.values(), ids=VALID_REQUESTS.keys())
def test_every_request_shape_predicts_the_same_labels(model: inference.Model, body: Any, content_type: str) -> None:
    prediction = predict(model, body, content_type)
    assert prediction.labels == EXPECTED_LABELS
    assert prediction.classes == CLASSES
    assert prediction.probabilities.shape == (3, 3)
    assert prediction.probabilities.sum(axis=1) == pytest.approx([1.0, 1.0, 1.0])


def test_single_record_object_with_missing_values(model: inference.Model) -> None:
    body = {**RECORDS[0], "bill_length_mm": None, "sex": "NA", "species": "ignored"}
    prediction = predict(model, json.dumps(body), "application/json")
    assert prediction.labels == ["Adelie"]


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
        ("application/*", "application/json"),
        ("text/csv", "text/csv"),
        ("text/csv, application/json", "text/csv"),
        ("application/xml, text/csv;q=0.5", "text/csv"),
    ],
)
def test_accept_types(model: inference.Model, accept: str | None, content_type: str) -> None:
    prediction = predict(model, json.dumps(RECORDS), "application/json")
    body, returned_type = inference.output_fn(prediction, accept)
    assert returned_type == content_type
    rows = (
        [[item["label"], *item["probabilities"].values()] for item in json.loads(body)]
        if content_type == "application/json"
        else [
            [label, *map(float, probabilities)]
            for label, *probabilities in (line.split(",") for line in body.splitlines())
        ]
    )
    expected = [
        [label, *map(float, row)] for label, row in zip(prediction.labels, prediction.probabilities, strict=True)
    ]
    assert rows == expected


def test_json_response_shape(model: inference.Model) -> None:
    body, _ = inference.output_fn(predict(model, json.dumps(RECORDS[:1]), "application/json"), None)
    (item,) = json.loads(body)
    assert sorted(item) == ["label", "probabilities"]
    assert item["label"] == "Adelie"
    assert list(item["probabilities"]) == list(CLASSES)
    assert sum(item["probabilities"].values()) == pytest.approx(1.0)


def test_csv_response_has_label_then_one_probability_per_class(model: inference.Model) -> None:
    body, content_type = inference.output_fn(predict(model, json.dumps(RECORDS), "application/json"), "text/csv")
    lines = body.splitlines()
    assert content_type == "text/csv"
    assert [line.split(",")[0] for line in lines] == EXPECTED_LABELS
    assert [len(line.split(",")) for line in lines] == [4, 4, 4]
    assert body.endswith("\n")


def test_a_csv_row_of_empty_cells_is_imputed_in_place_not_dropped(model: inference.Model) -> None:
    """3 rows in, 3 rows out, in order: the all-empty middle row is predicted like a row of NA."""
    empty = "," * (len(FEATURES) - 1)
    batch = predict(model, "\n".join([features_only(ADELIE), empty, features_only(GENTOO)]).encode(), "text/csv")
    missing = predict(model, ",".join(["NA"] * len(FEATURES)).encode(), "text/csv")
    alone = predict(model, empty.encode(), "text/csv")
    assert batch.labels == ["Adelie", missing.labels[0], "Gentoo"]
    assert batch.probabilities.tolist()[1] == missing.probabilities.tolist()[0] == alone.probabilities.tolist()[0]
    body, _ = inference.output_fn(batch, "text/csv")
    assert len(body.splitlines()) == 3


@pytest.mark.parametrize(
    ("body", "line"),
    [("ROW\n\nROW", 2), ("\nROW", 1), ("ROW\n\n\nROW\nROW", 2)],
)
def test_an_empty_csv_line_before_a_row_is_refused_with_its_number(
    model: inference.Model, body: str, line: int
) -> None:
    text = body.replace("ROW", features_only(ADELIE))
    with pytest.raises(inference.BadRequestError) as raised:
        predict(model, text.encode(), "text/csv")
    assert str(raised.value) == f"CSV line {line} is empty; send one line per row (a row of missing values as ',,')"


def test_empty_lines_after_the_last_row_are_ignored(model: inference.Model) -> None:
    assert predict(model, (features_only(ADELIE) + "\n\n\n").encode(), "text/csv").labels == ["Adelie"]


def test_client_values_in_messages_are_quoted_shortened_and_escaped(model: inference.Model) -> None:
    """A newline cannot forge a log line and a 1 MB value does not come back as a 1 MB body."""
    forged = "Dream\n2026-12-01 INFO forged line"
    with pytest.raises(inference.BadRequestError) as raised:
        predict(model, json.dumps([{**RECORDS[0], "bill_length_mm": forged}]).encode(), "application/json")
    assert str(raised.value) == (
        "column 'bill_length_mm' row 1 holds 'Dream\\x0a2026-12-01 INFO forged line'; "
        "expected a number (or null/empty for missing)"
    )
    huge = "9" * 1_000_000 + "x"
    with pytest.raises(inference.BadRequestError) as raised:
        predict(model, json.dumps([{**RECORDS[0], "bill_length_mm": huge}]).encode(), "application/json")
    assert str(raised.value) == (
        f"column 'bill_length_mm' row 1 holds '{'9' * 40}'... (1000001 characters); "
        "expected a number (or null/empty for missing)"
    )
    assert len(inference.error_body(raised.value)) < 200
    with pytest.raises(inference.BadRequestError) as raised:
        predict(
            model, json.dumps([{**RECORDS[0], **{f"extra{i}": 1 for i in range(2000)}}]).encode(), "application/json"
        )
    assert str(raised.value).startswith(
        "record 1: unknown column(s) 'extra0', 'extra1', 'extra2', 'extra3', 'extra4' and 1995 more;"
    )


def test_header_names_differing_only_by_case_are_named(model: inference.Model) -> None:
    header = ",".join(name.capitalize() for name in FEATURES)
    with pytest.raises(inference.BadRequestError) as raised:
        predict(model, f"{header}\n{features_only(ADELIE)}".encode(), "text/csv")
    assert str(raised.value) == (
        "CSV header: column(s) 'Island', 'Bill_length_mm', 'Bill_depth_mm', 'Flipper_length_mm', 'Body_mass_g' "
        "and 2 more differ from feature name(s) island, bill_length_mm, bill_depth_mm, flipper_length_mm, "
        "body_mass_g only by case; use the exact names"
    )


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("text/csv;q=0.1, application/json", "application/json"),
        ("application/json;q=0, text/csv", "text/csv"),
        ("text/*;q=0.9, application/json;q=0.5", "text/csv"),
        ("application/json;q=abc, text/csv", "text/csv"),
    ],
)
def test_accept_q_values_are_honoured(accept: str, chosen: str) -> None:
    assert inference.choose_accept(accept) == chosen


def test_accept_with_only_q_zero_ranges_is_406() -> None:
    with pytest.raises(inference.NotAcceptableError) as raised:
        inference.choose_accept("text/csv;q=0, application/json;q=0")
    assert str(raised.value) == (
        "cannot answer with 'text/csv;q=0, application/json;q=0'; accept application/json or text/csv"
    )


def test_unacceptable_accept_is_406(model: inference.Model) -> None:
    prediction = predict(model, json.dumps(RECORDS), "application/json")
    with pytest.raises(inference.NotAcceptableError) as raised:
        inference.output_fn(prediction, "application/xml")
    assert raised.value.status_code == 406
    assert str(raised.value) == "cannot answer with 'application/xml'; accept application/json or text/csv"


EXPECTED_COLUMNS = "expected columns: " + ", ".join(FEATURES)
ADELIE_VALUES = features_only(ADELIE)
BAD_REQUESTS: dict[str, tuple[Any, str | None, type[inference.ClientError], str]] = {
    "unsupported-content-type": (
        b"\x93NUMPY",
        "application/x-npy",
        inference.UnsupportedContentTypeError,
        "unsupported content type 'application/x-npy'; send text/csv or application/json",
    ),
    "missing-content-type": (
        b"{}",
        None,
        inference.UnsupportedContentTypeError,
        "unsupported content type None; send text/csv or application/json",
    ),
    "empty-body": (b"  \n", "text/csv", inference.BadRequestError, "request body is empty"),
    "not-utf8": (
        b"\xff\xfe",
        "text/csv",
        inference.BadRequestError,
        "request body is not UTF-8 (invalid byte at offset 0)",
    ),
    "body-not-text": (
        12345,
        "application/json",
        inference.BadRequestError,
        "request body must be text or bytes, got int",
    ),
    "csv-ragged-rows": (
        f"{ADELIE_VALUES}\nBiscoe,40\n",
        "text/csv",
        inference.BadRequestError,
        "CSV line 2 has 2 values but the first line has 7",
    ),
    "malformed-json": (
        '{"island": ',
        "application/json",
        inference.BadRequestError,
        "malformed JSON at line 1 column 12: Expecting value",
    ),
    "json-scalar": (
        "42",
        "application/json",
        inference.BadRequestError,
        'JSON body must be a record object, an array of records, or {"instances": [...]}',
    ),
    "json-empty-array": (
        "[]",
        "application/json",
        inference.BadRequestError,
        "JSON array is empty; send at least one record",
    ),
    "json-mixed-items": (
        '[{"island": "Dream"}, [1]]',
        "application/json",
        inference.BadRequestError,
        "JSON array must hold only objects (records) or only arrays (values in feature order)",
    ),
    "instances-not-array": (
        '{"instances": {}}',
        "application/json",
        inference.BadRequestError,
        "'instances' must be an array of records or of value arrays",
    ),
    "keys-next-to-instances": (
        '{"instances": [], "parameters": {}}',
        "application/json",
        inference.BadRequestError,
        "unexpected key(s) next to 'instances': 'parameters'",
    ),
    "deeply-nested-json": (
        "[" * 100_000 + "]" * 100_000,
        "application/json",
        inference.BadRequestError,
        "malformed request body (RecursionError)",
    ),
    "csv-header-missing-column": (
        "\n".join([",".join(FEATURES[:-1]), ADELIE_VALUES.rsplit(",", 1)[0]]),
        "text/csv",
        inference.BadRequestError,
        f"CSV header: missing feature column(s) 'year'; {EXPECTED_COLUMNS}",
    ),
    "csv-header-misspelt-column": (
        "\n".join([",".join(FEATURES).replace("bill_length_mm", "bill_lenght_mm"), ADELIE_VALUES]),
        "text/csv",
        inference.BadRequestError,
        f"CSV header: missing feature column(s) 'bill_length_mm'; unknown column(s) 'bill_lenght_mm'; "
        f"{EXPECTED_COLUMNS}",
    ),
    "csv-header-only": (
        ",".join(FEATURES),
        "text/csv",
        inference.BadRequestError,
        "CSV body has a header line but no data rows",
    ),
    "csv-text-in-numeric-column": (
        f"{ADELIE_VALUES}\nBiscoe,abc,17,190,3500,male,2008\n",
        "text/csv",
        inference.BadRequestError,
        "column 'bill_length_mm' row 2 holds 'abc'; expected a number (or null/empty for missing)",
    ),
    "csv-without-header-wrong-count": (
        "Biscoe,40,17,190,3500,male\n",
        "text/csv",
        inference.BadRequestError,
        f"row 1 has 6 values; without a header send exactly 7 in training order: {', '.join(FEATURES)}",
    ),
    "json-record-missing-column": (
        json.dumps([RECORDS[0], {k: v for k, v in RECORDS[1].items() if k != "sex"}]),
        "application/json",
        inference.BadRequestError,
        f"record 2: missing feature column(s) 'sex'; {EXPECTED_COLUMNS}",
    ),
    "json-record-unknown-column": (
        json.dumps({**RECORDS[0], "colour": "black"}),
        "application/json",
        inference.BadRequestError,
        f"record 1: unknown column(s) 'colour'; {EXPECTED_COLUMNS}",
    ),
    "json-boolean-in-numeric-column": (
        json.dumps({**RECORDS[0], "year": True}),
        "application/json",
        inference.BadRequestError,
        "column 'year' row 1 holds 'true'; expected a number (or null/empty for missing)",
    ),
    "json-infinity-in-numeric-column": (
        '{"island": "Dream", "bill_length_mm": Infinity, "bill_depth_mm": 1, "flipper_length_mm": 1, '
        '"body_mass_g": 1, "sex": "male", "year": 2008}',
        "application/json",
        inference.BadRequestError,
        "column 'bill_length_mm' row 1 holds 'Infinity'; expected a number (or null/empty for missing)",
    ),
    "json-object-in-categorical-column": (
        json.dumps({**RECORDS[0], "island": {"name": "Dream"}}),
        "application/json",
        inference.BadRequestError,
        "column 'island' row 1 holds '{\"name\": \"Dream\"}'; expected text (or null/empty for missing)",
    ),
    "json-instances-list-wrong-length": (
        json.dumps({"instances": [[1, 2, 3]]}),
        "application/json",
        inference.BadRequestError,
        f"row 1 has 3 values; without a header send exactly 7 in training order: {', '.join(FEATURES)}",
    ),
}


@pytest.mark.parametrize(("body", "content_type", "error", "message"), BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_bad_requests_raise_the_client_error_with_its_status(
    model: inference.Model,
    body: Any,
    content_type: str | None,
    error: type[inference.ClientError],
    message: str,
) -> None:
    with pytest.raises(inference.ClientError) as raised:
        predict(model, body, content_type)
    assert type(raised.value) is error
    assert (
        raised.value.status_code == {inference.UnsupportedContentTypeError: 415, inference.BadRequestError: 400}[error]
    )
    assert str(raised.value) == message
    assert raised.value.message == message


GARBAGE = [
    b"\x00",
    b"\x00\x01\x02",
    b'"',
    b"[[[",
    b"{",
    b"null",
    b"true",
    b'"text"',
    b"[null]",
    b"[[]]",
    b"{}",
    b",,,,,,\n,,",
]


@pytest.mark.parametrize("content_type", ["text/csv", "application/json"])
@pytest.mark.parametrize("body", GARBAGE, ids=[repr(b) for b in GARBAGE])
def test_garbage_bodies_only_ever_raise_client_errors(model: inference.Model, body: bytes, content_type: str) -> None:
    with pytest.raises(inference.ClientError):
        predict(model, body, content_type)
