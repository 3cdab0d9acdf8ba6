"""CloudWatch Logs: the log groups the stack creates before SageMaker writes to them."""

from __future__ import annotations

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, arn_of
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, as_int, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params


def log_group(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    inputs = {k: v for k, v in r.inputs.items() if k != "retentionInDays"}
    params = api_params(
        "logs",
        "CreateLogGroup",
        inputs,
        where=r.where,
        renames={"name": "logGroupName"},
        provider_only={"skipDestroy": "the provider leaves the log group in place on delete"},
    )
    params["logGroupName"] = name
    gw.send("logs", "CreateLogGroup", params, r.where)
    # The provider sets retention with its own call after CreateLogGroup.
    retention = r.inputs.get("retentionInDays")
    if retention:
        gw.send("logs", "PutRetentionPolicy", {"logGroupName": name, "retentionInDays": int(retention)}, r.where)
    return name, r.state(name=name, arn=arn_of(gw, "logs", f"log-group:{name}"))


def _log_groups(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    logs = client("logs")
    for declared in resources_of(report, tokens.LOG_GROUP):
        name = str(declared.inputs["name"])
        with checks.reading(f"log group {name}"):
            groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
            group = next(g for g in groups if g["logGroupName"] == name)
            checks.equal(
                f"log group {name}: retention, key",
                [group.get("retentionInDays"), group.get("kmsKeyId")],
                [as_int(declared.inputs["retentionInDays"]), declared.inputs["kmsKeyId"]],
            )


HANDLERS: dict[str, Handler] = {tokens.LOG_GROUP: log_group}

CHECKS: tuple[Verifier, ...] = (_log_groups,)
