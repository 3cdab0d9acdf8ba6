"""The plan diff of a retrain: changed recognizer training data is a new version, shown for review.

This compares recorded graphs with the replacement table (the Terraform provider has no ForceNew on the
recognizer and publishes a new version on any change); it cannot prove what `pulumi preview` prints.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from client.text.training_data import TrainingData, version_name
from offline import tokens
from review import snapshot
from review.diff import diff_graphs
from tests.review.graphs import Graphs

DATA = Path(__file__).resolve().parents[2] / "data" / "comprehend"
EXAMPLE_VERSION = "v-095c3967dbabe70a"


def test_changed_training_data_is_a_new_version_in_the_plan_diff(tmp_path: Path, graphs: Graphs) -> None:
    """One more (unannotated) document: the diff shows the recognizer retrained as a new version, a review
    item, never a silent in-place update; the training files' content-addressed keys are masked in snapshots."""
    documents = tmp_path / "documents.txt"
    shutil.copyfile(DATA / "documents.txt", documents)
    with documents.open("a", encoding="utf-8") as stream:
        stream.write("A Gentoo penguin was seen near the research station in the morning.\n")
    changed = graphs.normalised("prod", **{"mlops:text.documents": str(documents)})
    result = diff_graphs(snapshot.load("prod"), changed)
    assert [(r.action, r.type, r.name, r.verdict) for r in result.resources] == [
        ("update", tokens.COMPREHEND_ENTITY_RECOGNIZER, "sagemaker-mlops-prod-text-recognizer", "review"),
    ]
    (recognizer,) = result.resources
    new_version = version_name(
        TrainingData(documents=(documents,), entity_types=("SPECIES", "ISLAND"), annotations=DATA / "annotations.csv")
    )
    assert new_version != EXAMPLE_VERSION
    assert [(c.old, c.new) for c in recognizer.changes] == [(EXAMPLE_VERSION, new_version)]
    assert recognizer.reason == (
        f"a retrain: new version {new_version} is trained beside {EXAMPLE_VERSION} (billed training, hours); "
        "the old version stays until the model is deleted"
    )
    assert [c.display_path for c in recognizer.changes] == ["versionName"]
    assert [c.display_path for c in result.outputs] == ["textRecognizerArn"]
