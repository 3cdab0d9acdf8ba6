"""S3 event notifications and replication: each one PutBucket* call of the provider's resource."""

from __future__ import annotations

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import UnmappedInputError, api_params

# A bucket's notification resource is created by services/lambda_.py (one handler for every bucket,
# with or without function configurations); this module reads back the buckets that only notify EventBridge.


def bucket_replication(gw: Gateway, r: Declared) -> tuple[str, State]:
    """``BucketReplicationConfig``: one PutBucketReplication with the role and the rules."""
    inputs = {
        "bucket": r.inputs["bucket"],
        "replicationConfiguration": {"role": r.inputs["role"], "rules": r.inputs["rules"]},
    }
    extra = sorted(set(r.inputs) - {"bucket", "role", "rules"})
    if extra:
        raise UnmappedInputError(f"{r.where}: {', '.join(extra)} are not sent by the rehearsal")
    params = api_params("s3", "PutBucketReplication", inputs, where=r.where)
    gw.send("s3", "PutBucketReplication", params, r.where)
    return str(r.inputs["bucket"]), r.state()


def _replication(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    s3 = client("s3")
    for declared in resources_of(report, tokens.S3_BUCKET_REPLICATION):
        bucket = str(declared.inputs["bucket"])
        with checks.reading(f"{declared.name}: replication"):
            config = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
            rules = [(r["Status"], r["Destination"]["Bucket"]) for r in config["Rules"]]
            expected = [(r["status"], r["destination"]["bucket"]) for r in declared.inputs["rules"]]
            checks.equal(
                f"{declared.name}: role, rules and destinations",
                [config["Role"], rules],
                [declared.inputs["role"], expected],
            )
            for _, destination in rules:
                name = destination.rsplit(":", 1)[-1]
                location = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
                replica = next(b for b in report.plan.resources if b.type == tokens.S3_BUCKET and b.id == name)
                checks.equal(f"{declared.name}: replica {name} in its region", location, replica.inputs["region"])


def _notifications(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    s3 = client("s3")
    for declared in sorted(resources_of(report, tokens.S3_BUCKET_NOTIFICATION), key=lambda n: n.name):
        if declared.inputs.get("lambdaFunctions"):
            continue  # the function's bucket: read back with its function (services/lambda_.py)
        bucket = str(declared.inputs["bucket"])
        with checks.reading(f"bucket {bucket}: notifications"):
            answer = s3.get_bucket_notification_configuration(Bucket=bucket)
            name = f"{declared.name}: events to EventBridge"
            if declared.inputs.get("eventbridge") and "EventBridgeConfiguration" not in answer:
                # moto 5.2.5 stores EventBridgeConfiguration but leaves it out of its answer.
                checks.not_emulated(name, "the emulator accepts EventBridgeConfiguration but does not return it")
            else:
                checks.equal(name, "EventBridgeConfiguration" in answer, bool(declared.inputs.get("eventbridge")))


HANDLERS: dict[str, Handler] = {tokens.S3_BUCKET_REPLICATION: bucket_replication}

CHECKS: tuple[Verifier, ...] = (_notifications, _replication)
