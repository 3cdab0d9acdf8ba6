"""S3 event notifications: the provider's BucketNotification is one PutBucketNotificationConfiguration."""

from __future__ import annotations

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import UnmappedInputError


def bucket_notification(gw: Gateway, r: Declared) -> tuple[str, State]:
    extra = sorted(set(r.inputs) - {"bucket", "eventbridge"})
    if extra:
        raise UnmappedInputError(f"{r.where}: {', '.join(extra)} are not sent by the rehearsal (EventBridge only)")
    configuration: dict[str, object] = {}
    if r.inputs.get("eventbridge"):
        configuration["EventBridgeConfiguration"] = {}
    bucket = str(r.inputs["bucket"])
    params = {"Bucket": bucket, "NotificationConfiguration": configuration}
    gw.send("s3", "PutBucketNotificationConfiguration", params, r.where)
    return bucket, r.state()


def _notifications(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    s3 = client("s3")
    for declared in resources_of(report, tokens.S3_BUCKET_NOTIFICATION):
        bucket = str(declared.inputs["bucket"])
        with checks.reading(f"bucket {bucket}: notifications"):
            answer = s3.get_bucket_notification_configuration(Bucket=bucket)
            name = f"{declared.name}: events to EventBridge"
            if declared.inputs.get("eventbridge") and "EventBridgeConfiguration" not in answer:
                # moto 5.2.5 stores EventBridgeConfiguration but leaves it out of its answer.
                checks.not_emulated(name, "the emulator accepts EventBridgeConfiguration but does not return it")
            else:
                checks.equal(name, "EventBridgeConfiguration" in answer, bool(declared.inputs.get("eventbridge")))


HANDLERS: dict[str, Handler] = {tokens.S3_BUCKET_NOTIFICATION: bucket_notification}

CHECKS: tuple[Verifier, ...] = (_notifications,)
