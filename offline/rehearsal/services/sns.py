"""SNS: topic attributes are a string map in the API, separate arguments in the provider."""

from __future__ import annotations

import json

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, emulated
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params

_TOPIC_ATTRIBUTES = {
    "displayName": "DisplayName",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "policy": "Policy",
    "deliveryPolicy": "DeliveryPolicy",
    "fifoTopic": "FifoTopic",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "signatureVersion": "SignatureVersion",
    "tracingConfig": "TracingConfig",
}


def sns_topic(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    attributes = {
        api: str(r.inputs[key]).lower() if isinstance(r.inputs[key], bool) else str(r.inputs[key])
        for key, api in _TOPIC_ATTRIBUTES.items()
        if r.inputs.get(key) is not None
    }
    params = api_params(
        "sns", "CreateTopic", r.inputs, where=r.where, renames={"name": "Name"}, skip=tuple(_TOPIC_ATTRIBUTES)
    )
    params["Name"] = name
    if attributes:
        params["Attributes"] = attributes
    response = emulated(gw.send("sns", "CreateTopic", params, r.where), r, "sns:CreateTopic")
    arn = str(response["TopicArn"])
    return arn, r.state(name=name, arn=arn)


def sns_topic_policy(gw: Gateway, r: Declared) -> tuple[str, State]:
    """``TopicPolicy`` is the topic's ``Policy`` attribute, set with SetTopicAttributes."""
    params = api_params(
        "sns",
        "SetTopicAttributes",
        r.inputs,
        where=r.where,
        renames={"arn": "TopicArn", "policy": "AttributeValue"},
    )
    params["AttributeName"] = "Policy"
    gw.send("sns", "SetTopicAttributes", params, r.where)
    return str(r.inputs["arn"]), r.state()


def sns_subscription(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("sns", "Subscribe", r.inputs, where=r.where, renames={"topic": "TopicArn"})
    # The provider asks for the ARN even while an e-mail/HTTPS subscription awaits confirmation.
    params["ReturnSubscriptionArn"] = True
    response = gw.send("sns", "Subscribe", params, r.where) or {}
    arn = str(response.get("SubscriptionArn", ""))
    return arn, r.state(arn=arn)


def _topics(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    sns = client("sns")
    subscriptions = resources_of(report, tokens.SNS_SUBSCRIPTION)
    for topic in resources_of(report, tokens.SNS_TOPIC):
        arn = str(topic.state["arn"])
        name = arn.rsplit(":", 1)[-1]
        with checks.reading(f"topic {name}"):
            attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
            checks.equal(
                f"topic {name}: encrypted with the project key",
                attributes.get("KmsMasterKeyId"),
                report.outputs["kmsKeyArn"],
            )
            sids = sorted(s.get("Sid", "") for s in json.loads(attributes["Policy"])["Statement"])
            # The notify topic also hears the model registry's EventBridge rule.
            want_sids = ["AllowCloudWatchAlarmsOfThisAccount", "DenyPublishWithoutTLS"]
            if any(t.inputs.get("arn") == arn for t in resources_of(report, tokens.EVENT_TARGET)):
                want_sids.insert(1, "AllowEventBridgeRulesOfThisAccount")
            checks.equal(f"topic {name}: policy", sids, want_sids)
            got = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
            want = sorted(
                (str(s.inputs["protocol"]), str(s.inputs["endpoint"]))
                for s in subscriptions
                if s.inputs["topic"] == arn
            )
            checks.equal(f"topic {name}: subscriptions", sorted((s["Protocol"], s["Endpoint"]) for s in got), want)


HANDLERS: dict[str, Handler] = {
    tokens.SNS_TOPIC: sns_topic,
    tokens.SNS_TOPIC_POLICY: sns_topic_policy,
    tokens.SNS_SUBSCRIPTION: sns_subscription,
}

CHECKS: tuple[Verifier, ...] = (_topics,)
