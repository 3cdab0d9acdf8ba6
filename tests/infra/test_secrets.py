"""Secret config through the mock runtime: what `pulumi config set --secret --path` produces.

The CLI hands the program a secret key's plaintext plus the list of secret keys; the offline tools do
the same with the stand-ins of ``offline/secrets.yaml``. What this cannot prove: the CLI's encryption of
the stack file (there is no CLI here) — only that the program never lets a secret reach the graph.
"""

from __future__ import annotations

import json
from pathlib import Path

import pulumi

from infra import config
from offline import tokens
from offline.graph import SECRET_MASK, reveal
from offline.stacks import stack_config
from tests.infra.conftest import PlanFor

STAND_INS = ("ml-platform-oncall@penguins.invalid", "https://events.pagerduty.com/integration/offline-stand-in/enqueue")
ROOT = Path(__file__).resolve().parents[2]


def test_prod_notification_keys_reach_the_program_as_secrets() -> None:
    loaded = stack_config("prod")
    assert loaded.secret_keys == ("mlops:alarms",)
    assert json.loads(loaded.values["mlops:alarms"]) == {
        "latencySloMs": 250,
        "errorRate": 0.01,
        "notifyEmails": [STAND_INS[0]],
        "pageHttps": [STAND_INS[1]],
    }
    assert stack_config("dev").secret_keys == ()


def test_the_program_sees_the_secret_keys(artifact: Path) -> None:
    loaded = stack_config("prod", {"mlops:artifact": str(artifact)})
    pulumi.runtime.set_all_config(loaded.values, list(loaded.secret_keys))
    cfg = config.load(project="sagemaker-mlops", stack="prod")
    assert cfg.secret_keys == frozenset({"mlops:alarms"})
    assert (cfg.alarms.notify_emails, cfg.alarms.page_https) == ((STAND_INS[0],), (STAND_INS[1],))


def test_subscription_endpoints_are_secret_and_masked_in_the_plan(plan_for: PlanFor) -> None:
    plan = plan_for("prod")
    subscriptions = plan.of_type(tokens.SNS_SUBSCRIPTION)
    assert len(subscriptions) == 2
    assert sorted(reveal(s.inputs)["endpoint"] for s in subscriptions) == sorted(STAND_INS)
    exported = json.dumps(plan.to_json())
    assert [s["inputs"]["endpoint"] for s in plan.to_json()["resources"] if s["type"] == tokens.SNS_SUBSCRIPTION] == [
        SECRET_MASK,
        SECRET_MASK,
    ]
    assert all(value not in exported for value in STAND_INS)


def test_a_path_override_adds_an_item_like_pulumi_config_set_path(plan_for: PlanFor) -> None:
    """`pulumi config set --secret --path 'mlops:alarms.pageHttps[1]' URL` appends a second pager."""
    second = "https://events.pagerduty.com/integration/second/enqueue"
    plan = plan_for("prod", **{"mlops:alarms.pageHttps[1]": second})
    endpoints = sorted(reveal(s.inputs)["endpoint"] for s in plan.of_type(tokens.SNS_SUBSCRIPTION))
    assert endpoints == sorted([*STAND_INS, second])


def test_no_snapshot_holds_a_secret_value() -> None:
    for stack in ("dev", "staging", "prod"):
        text = (ROOT / "snapshots" / f"{stack}.json").read_text()
        assert all(value not in text for value in STAND_INS), stack
        assert "REPLACE_ME" not in text
