"""One module per AWS service: the handlers that create its resources in the emulator, and the checks
that read them back. Adding a service to the rehearsal is one new module here, listed below."""

from __future__ import annotations

from types import ModuleType

from offline.rehearsal.gateway import Handler
from offline.rehearsal.readback import Check, Checks, ClientFactory, Verifier
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.services import (
    apigatewayv2,
    appautoscaling,
    cloudwatch,
    comprehend,
    ec2,
    events,
    iam,
    kms,
    lambda_,
    logs,
    notebook,
    s3,
    s3_events,
    sagemaker,
    sns,
    sqs,
)

SERVICES: tuple[ModuleType, ...] = (
    sagemaker,
    appautoscaling,
    cloudwatch,
    s3,
    iam,
    kms,
    sns,
    events,
    logs,
    sqs,
    lambda_,
    apigatewayv2,
    comprehend,
    s3_events,
    ec2,
    notebook,
)

HANDLERS: dict[str, Handler] = {token: handler for service in SERVICES for token, handler in service.HANDLERS.items()}
VERIFIERS: tuple[Verifier, ...] = tuple(check for service in SERVICES for check in service.CHECKS)


def verify(report: RehearsalReport, client: ClientFactory) -> list[Check]:
    """Every check of the emulated account for ``report``'s stack, in a stable order."""
    checks = Checks()
    for verifier in VERIFIERS:
        verifier(report, client, checks)
    return checks.results
