"""What the local emulator (moto) implements of Comprehend, and the text pipeline run against it.

What these tests cannot prove: any analysis result (moto's detect answers are fixed, its jobs never run).
They pin the list of implemented operations to the installed moto, so an upgrade that changes it fails
here and the README list is updated with it, and they show which pipeline steps moto can exercise.
"""

from __future__ import annotations

import socket

import pytest
from moto.server import ThreadedMotoServer

from demo.text_pipeline import emulator_operations, run_text_pipeline_on_emulator

NOT_IMPLEMENTED_IN_MOTO_5_2_5 = [
    "BatchDetectDominantLanguage",
    "BatchDetectEntities",
    "BatchDetectKeyPhrases",
    "BatchDetectSentiment",
    "BatchDetectSyntax",
    "BatchDetectTargetedSentiment",
    "ClassifyDocument",
    "ContainsPiiEntities",
    "CreateDataset",
    "DescribeDataset",
    "DescribeFlywheelIteration",
    "DetectDominantLanguage",
    "DetectEntities",
    "DetectSyntax",
    "DetectTargetedSentiment",
    "DetectToxicContent",
    "ImportModel",
    "ListDatasets",
    "ListDocumentClassifierSummaries",
    "ListEntityRecognizerSummaries",
    "ListFlywheelIterationHistory",
    "UpdateFlywheel",
]


def test_moto_implements_63_of_85_comprehend_operations() -> None:
    implemented, missing = emulator_operations()
    assert (len(implemented), len(missing)) == (63, 22)
    assert missing == NOT_IMPLEMENTED_IN_MOTO_5_2_5
    for operation in (
        "CreateEntityRecognizer",
        "CreateEndpoint",
        "DetectKeyPhrases",
        "DetectSentiment",
        "DetectPiiEntities",
        "StartEntitiesDetectionJob",
        "StartTopicsDetectionJob",
    ):
        assert operation in implemented


def test_the_pipeline_on_the_emulator_labels_every_answer() -> None:
    lines: list[str] = []
    report = run_text_pipeline_on_emulator(out=lines.append)
    assert report.labels == {
        "training data check": "REAL",
        "data-access role": "EMULATOR STATE",
        "create recognizer": "EMULATOR STATE",
        "create endpoint": "EMULATOR STATE",
        "real time entities (Batch*)": "NOT IMPLEMENTED",
        "real time dominant_language (Batch*)": "NOT IMPLEMENTED",
        "real time key_phrases (one document per call)": "FIXED",
        "real time sentiment (one document per call)": "FIXED",
        "real time pii_entities (one document per call)": "FIXED",
        "custom entities via the endpoint": "NOT IMPLEMENTED",
        "async entities job": "EMULATOR STATE",
        "delete endpoint": "EMULATOR STATE",
    }
    assert lines == report.lines
    assert lines[6] == (
        "[FIXED] real time key_phrases (one document per call): the same answer for two different texts, "
        "offsets [(230, 259), (334, 349)] beyond the 102-character text"
    )
    assert lines[10].endswith("stays SUBMITTED: the emulator never runs jobs or writes output.tar.gz")


@pytest.mark.emulator
def test_the_pipeline_against_a_moto_server_labels_the_same_way() -> None:
    """A moto server answers missing operations with a bare HTTP 500 instead of raising in process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        report = run_text_pipeline_on_emulator(f"http://127.0.0.1:{port}", out=lambda _: None)
    finally:
        server.stop()
    assert [label for label in report.labels.values()].count("NOT IMPLEMENTED") == 3
    assert report.labels["real time key_phrases (one document per call)"] == "FIXED"
    assert report.lines[4] == (
        "[NOT IMPLEMENTED] real time entities (Batch*): BatchDetectEntities: every document failed (500): "
        "not in the emulator"
    )
