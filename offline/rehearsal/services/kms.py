"""KMS: the project key (created, then rotation enabled) and its alias."""

from __future__ import annotations

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, arn_of, emulated
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params


def kms_key(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params(
        "kms",
        "CreateKey",
        r.inputs,
        where=r.where,
        provider_only={"deletionWindowInDays": "the waiting period of ScheduleKeyDeletion, on destroy"},
        skip=("enableKeyRotation",),
    )
    response = emulated(gw.send("kms", "CreateKey", params, r.where), r, "kms:CreateKey")
    metadata = response["KeyMetadata"]
    key_id = str(metadata["KeyId"])
    if r.inputs.get("enableKeyRotation"):
        gw.send("kms", "EnableKeyRotation", {"KeyId": key_id}, r.where)
    return key_id, r.state(keyId=key_id, arn=str(metadata["Arn"]))


def kms_alias(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("kms", "CreateAlias", r.inputs, where=r.where, renames={"name": "AliasName"})
    gw.send("kms", "CreateAlias", params, r.where)
    aliases = gw.read("kms", "ListAliases", {"KeyId": params["TargetKeyId"]}, r.where)["Aliases"]
    alias = next(a for a in aliases if a["AliasName"] == params["AliasName"])
    return str(params["AliasName"]), r.state(
        arn=str(alias["AliasArn"]), targetKeyArn=arn_of(gw, "kms", f"key/{alias['TargetKeyId']}")
    )


def _key(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    kms = client("kms")
    key_arn = str(report.outputs["kmsKeyArn"])
    with checks.reading("kms key"):
        metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
        rotation = kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"]
        checks.equal(
            f"kms key {metadata['KeyId']}: enabled, rotating", [metadata["KeyState"], rotation], ["Enabled", True]
        )
        aliases = kms.list_aliases(KeyId=metadata["KeyId"])["Aliases"]
        declared = sorted(
            str(a.inputs["name"])
            for a in resources_of(report, tokens.KMS_ALIAS)
            if a.inputs.get("targetKeyId") == metadata["KeyId"]
        )
        checks.equal(f"kms key {metadata['KeyId']}: aliases", sorted(a["AliasName"] for a in aliases), declared)


HANDLERS: dict[str, Handler] = {tokens.KMS_KEY: kms_key, tokens.KMS_ALIAS: kms_alias}

CHECKS: tuple[Verifier, ...] = (_key,)
