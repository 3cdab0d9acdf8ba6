"""The network, notebook and replication lines of the cost estimate, per stack, exactly.

Prices are the hand-copied table's (pricing/us-east-1.json); the estimate proves arithmetic over the
graph, not what AWS will bill.
"""

from __future__ import annotations

from decimal import Decimal

from review import cost
from tests.review.graphs import Graphs


def _lines(graphs: Graphs, stack: str) -> dict[str, tuple[Decimal, Decimal]]:
    result = cost.estimate(graphs.plan(stack), cost.load_prices("us-east-1"))
    return {line.item: (line.monthly_min, line.monthly_max) for line in result.lines}


def test_dev_prices_six_interface_endpoints_in_two_zones_and_the_notebook(graphs: Graphs) -> None:
    lines = _lines(graphs, "dev")
    # 6 endpoints x 2 AZs x 730 h x $0.01; the S3 gateway endpoint is free.
    assert lines["VPC interface endpoints: 6 x 2 Availability Zones"] == (Decimal("87.60"), Decimal("87.60"))
    assert lines["VPC interface endpoints: data processed (assumed)"] == (Decimal(0), Decimal("0.10"))
    assert lines["SageMaker notebook sagemaker-mlops-dev-notebook: ml.t3.medium, stopped when idle to always on"] == (
        Decimal(0),
        Decimal("36.50"),
    )


def test_staging_has_no_network_or_notebook_lines(graphs: Graphs) -> None:
    lines = _lines(graphs, "staging")
    # Only the zero line that says the network is off (and what a created one bills per endpoint-AZ-hour).
    assert {i: lines[i] for i in lines if "VPC" in i or "notebook" in i or "replica" in i} == {
        "VPC interface endpoints: none (mlops:network off; mode create bills 6 endpoints x 2 AZs)": (
            Decimal(0),
            Decimal(0),
        )
    }


def test_prod_prices_its_replicas_and_their_transfer(graphs: Graphs) -> None:
    lines = _lines(graphs, "prod")
    # 5 GB replicated a month: stored at $0.023/GB-month, moved between regions at $0.02/GB.
    assert lines["S3 replicas (2 buckets, assumed replicated volume)"] == (Decimal("0.115"), Decimal("0.115"))
    assert lines["S3 replication: inter-region transfer of the replicated volume"] == (
        Decimal("0.10"),
        Decimal("0.10"),
    )
    assert lines["KMS customer-managed keys"] == (Decimal(2), Decimal(2))
