"""CloudWatch Logs: log groups; retention is its own call (PutRetentionPolicy)."""

from __future__ import annotations

from typing import Any

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params


def log_group(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    params = api_params(
        "logs",
        "CreateLogGroup",
        r.inputs,
        where=r.where,
        renames={"name": "logGroupName"},
        skip=("retentionInDays",),
        provider_only={"skipDestroy": "the provider leaves the log group in place on delete"},
    )
    params["logGroupName"] = name
    gw.send("logs", "CreateLogGroup", params, r.where)
    if r.inputs.get("retentionInDays"):
        gw.send(
            "logs",
            "PutRetentionPolicy",
            {"logGroupName": name, "retentionInDays": int(r.inputs["retentionInDays"])},
            r.where,
        )
    # The provider reports the ARN without the ":*" suffix DescribeLogGroups adds.
    return name, r.state(name=name, arn=f"arn:aws:logs:{gw.region}:{gw.account_id}:log-group:{name}")


def _log_groups(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    logs = client("logs")
    for declared in resources_of(report, tokens.LOG_GROUP):
        name = str(declared.state["name"])
        with checks.reading(f"log group {name}"):
            groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
            group: dict[str, Any] = next((g for g in groups if g["logGroupName"] == name), {})
            checks.equal(
                f"log group {name}: retention and key",
                (group.get("retentionInDays"), group.get("kmsKeyId")),
                (int(declared.inputs["retentionInDays"]), report.outputs["kmsKeyArn"]),
            )


HANDLERS: dict[str, Handler] = {tokens.LOG_GROUP: log_group}

CHECKS: tuple[Verifier, ...] = (_log_groups,)
