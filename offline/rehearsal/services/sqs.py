"""SQS: queues; the provider's flat arguments are the API's string ``Attributes``."""

from __future__ import annotations

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, emulated
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import UnmappedInputError

_ATTRIBUTES = {
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "policy": "Policy",
    "redrivePolicy": "RedrivePolicy",
}


def _attribute(value: object) -> str:
    """Queue attributes are strings; the engine sends numbers as doubles (``300.0`` -> ``"300"``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(int(value))
    return str(value)


def sqs_queue(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    unmapped = set(r.inputs) - {"name", "tags", *_ATTRIBUTES}
    if unmapped:
        raise UnmappedInputError(f"{r.where}: inputs {sorted(unmapped)} are not mapped by the rehearsal")
    attributes = {api: _attribute(r.inputs[key]) for key, api in _ATTRIBUTES.items() if r.inputs.get(key) is not None}
    params: dict[str, object] = {"QueueName": name, "Attributes": attributes}
    if r.inputs.get("tags"):
        params["tags"] = dict(r.inputs["tags"])
    response = emulated(gw.send("sqs", "CreateQueue", params, r.where), r, "sqs:CreateQueue")
    url = str(response["QueueUrl"])
    arn = f"arn:aws:sqs:{gw.region}:{gw.account_id}:{name}"
    return url, r.state(name=name, url=url, arn=arn)


def _queues(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    sqs = client("sqs")
    for declared in resources_of(report, tokens.SQS_QUEUE):
        name = str(declared.state["name"])
        with checks.reading(f"queue {name}"):
            attributes = sqs.get_queue_attributes(QueueUrl=declared.state["url"], AttributeNames=["All"])["Attributes"]
            checks.equal(
                f"queue {name}: encrypted with the project key, retention",
                (attributes.get("KmsMasterKeyId"), attributes.get("MessageRetentionPeriod")),
                (report.outputs["kmsKeyArn"], str(int(declared.inputs["messageRetentionSeconds"]))),
            )


HANDLERS: dict[str, Handler] = {tokens.SQS_QUEUE: sqs_queue}

CHECKS: tuple[Verifier, ...] = (_queues,)
