"""EventBridge: the rule on the default bus and its target (the provider's ``aws.cloudwatch.EventRule``).

The provider creates a rule with PutRule and each target with PutTargets; the read-back finds the rule's
pattern and the target by the rule's name, as EventBridge stores them.
"""

from __future__ import annotations

import json

from offline import tokens
from offline.mocks import autoname
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, emulated
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params

_PROVIDER_ONLY = {"forceDestroy": "lets the provider delete the rule's managed targets; no API member"}


def event_rule(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    params = api_params("events", "PutRule", r.inputs, where=r.where, provider_only=_PROVIDER_ONLY)
    params["Name"] = name
    response = emulated(gw.send("events", "PutRule", params, r.where), r, "events:PutRule")
    arn = str(response["RuleArn"])
    return name, r.state(name=name, arn=arn)


def event_target(gw: Gateway, r: Declared) -> tuple[str, State]:
    """One PutTargets call per target; the provider generates the target id when none is given."""
    target_id = str(r.inputs.get("targetId") or autoname(r.name, r.inputs))
    target = {"Id": target_id, "Arn": str(r.inputs["arn"])}
    if r.inputs.get("input"):
        target["Input"] = str(r.inputs["input"])
    params = {"Rule": str(r.inputs["rule"]), "Targets": [target]}
    response = emulated(gw.send("events", "PutTargets", params, r.where), r, "events:PutTargets")
    if response.get("FailedEntryCount"):
        raise ValueError(f"{r.where}: events:PutTargets failed: {response.get('FailedEntries')}")
    return f"{r.inputs['rule']}-{target_id}", r.state(targetId=target_id)


def _rules(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    events = client("events")
    targets = resources_of(report, tokens.EVENT_TARGET)
    for rule in resources_of(report, tokens.EVENT_RULE):
        name = str(rule.state["name"])
        with checks.reading(f"event rule {name}"):
            described = events.describe_rule(Name=name)
            checks.equal(
                f"event rule {name}: pattern and state",
                [json.loads(described["EventPattern"]), described.get("State")],
                [json.loads(str(rule.inputs["eventPattern"])), "ENABLED"],
            )
            got = sorted((t["Id"], t["Arn"]) for t in events.list_targets_by_rule(Rule=name)["Targets"])
            want = sorted((str(t.state["targetId"]), str(t.inputs["arn"])) for t in targets if t.inputs["rule"] == name)
            checks.equal(f"event rule {name}: targets", got, want)


HANDLERS: dict[str, Handler] = {tokens.EVENT_RULE: event_rule, tokens.EVENT_TARGET: event_target}

CHECKS: tuple[Verifier, ...] = (_rules,)
