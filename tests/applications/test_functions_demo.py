"""The demo step ``make demo`` calls, against the session's emulator and local server.

Proves the step runs end to end and reports what it did; the handlers' behaviour is tested in detail
in test_scoring and test_http_api.
"""

from __future__ import annotations

import pytest

from demo import applications as demo
from tests.applications.conftest import Model, Runtime

pytestmark = pytest.mark.slow


def test_demo_scores_the_upload_once_and_calls_the_api(model: Model, runtime: Runtime, aws_emulator: str) -> None:
    lines: list[str] = []
    result = demo.run(runtime_url=runtime.url, aws_endpoint_url=aws_emulator, manifest=model.manifest, out=lines.append)
    assert result == demo.DemoResult(
        rows_in=344,
        rows_out=344,
        first_delivery="scored",
        second_delivery="duplicate",
        valid_status=200,
        invalid_status=400,
        invalid_message=(
            "record 1: unknown feature 'bill_lenght_mm' (did you mean 'bill_length_mm'?); the model's features are "
            "island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year"
        ),
    )
    assert lines[0] == "uploaded s3://sagemaker-mlops-demo-scoring/incoming/demo/penguins.csv (344 rows)"
    assert lines[3] == (
        "  species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year,"
        "label,p_Adelie,p_Chinstrap,p_Gentoo"
    )
    assert lines[-1].startswith('POST /predict (misspelt feature): 400 {"error": "BadRequest", "message": "record 1: ')
