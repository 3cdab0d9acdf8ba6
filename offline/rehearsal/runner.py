"""Emulator rehearsal: run the real program and create every declared resource in a local moto server.

``EmulatorMocks`` replaces the recording mocks' invented state with the emulator's: each custom
resource the engine registers goes through its handler (one module per AWS service in ``services/``), which builds
the provider's API requests, has botocore validate them against the AWS API model and sends them to
moto, which enforces semantics (IAM policy grammar, references between resources, autoscaling
dimensions). Ids and ARNs come back from moto, so every resource that references another gets a
real, emulated value.

Each resource ends with one outcome:
- ``created``: every request reached moto and succeeded;
- ``validated-not-emulated``: moto lacks an operation (e.g. ``cloudwatch:PutCompositeAlarm``), so that
  request was validated against the API model but not sent — the resource does not exist in the
  emulator and is never counted as created;
- ``component``: an ``mlops:*`` ComponentResource, which makes no AWS call.
A resource type without a handler raises ``UnsupportedResourceTypeError`` naming it.

What the rehearsal cannot prove: IAM authorisation (moto does not evaluate policies here), real
SageMaker behaviour (the endpoint is ``InService`` at once, no container runs), timing, and what the
real provider plugin does between the program and the API (``Pulumi.local.yaml`` covers that for users
with the Pulumi CLI).
"""

from __future__ import annotations

import importlib
import threading
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pulumi
from botocore.exceptions import ClientError
from moto.core.utils import camelcase_to_underscores, method_names_from_class

from offline import tokens
from offline.emulator import Emulator, client
from offline.fakes import FAKE_ACCOUNT_ID
from offline.graph import reveal
from offline.mocks import StateMocks, run_program
from offline.rehearsal.gateway import Declared, Handler, State
from offline.rehearsal.report import COMPONENT, CREATED, VALIDATED_NOT_EMULATED, RehearsalReport, ResourceOutcome
from offline.rehearsal.requests import EmulatorRejectedError, RehearsalError, UnsupportedResourceTypeError, validate
from offline.rehearsal.services import HANDLERS, verify
from offline.rehearsal.services.lambda_ import configure_no_docker

# moto's module for a botocore service name, where the two differ.
_MOTO_MODULES = {"application-autoscaling": "applicationautoscaling"}


@cache
def moto_implements(service: str, operation: str) -> bool:
    """Whether the installed moto answers ``service:operation`` (read from moto's response classes).

    Query/JSON/CBOR services dispatch on the action name to a method of the same snake_case name, and
    raise NotImplementedError (HTTP 500) otherwise. REST services (S3) route by path and method, with
    no per-operation method to look for; they count as implemented, and an operation moto lacked
    would fail loudly as an HTTP 500 when sent.
    """
    protocol = botocore.session.get_session().get_service_model(service).protocol
    if protocol.startswith("rest"):
        return True
    urls = importlib.import_module(f"moto.{_MOTO_MODULES.get(service, service)}.urls")
    action = camelcase_to_underscores(operation)
    classes = {getattr(dispatch, "__self__", None) for dispatch in urls.url_paths.values()}
    return any(cls is not None and action in method_names_from_class(cls) for cls in classes)


class _ResourceGateway:
    """The gateway one handler uses: records which requests were sent and which only validated."""

    def __init__(self, mocks: EmulatorMocks, region: str | None = None) -> None:
        # pulumi-aws 7: a resource's own ``region`` input sends its requests to that region.
        self.region = region or mocks.region
        self.account_id = mocks.account_id
        self._mocks = mocks
        self.operations: list[str] = []
        self.not_emulated: list[str] = []

    def send(self, service: str, operation: str, params: Any, where: str) -> dict[str, Any] | None:
        validate(service, operation, params, where)
        self.operations.append(f"{service}:{operation}")
        if not moto_implements(service, operation):
            self.not_emulated.append(f"{service}:{operation}")
            return None
        return self._mocks.request(service, operation, params, where, self.region)

    def read(self, service: str, operation: str, params: Any, where: str) -> dict[str, Any]:
        validate(service, operation, params, where)
        return self._mocks.request(service, operation, params, where, self.region)


class EmulatorMocks(StateMocks):
    """Mocks whose ``new_resource`` creates the resource in the emulator and returns its real state."""

    def __init__(self, region: str, endpoint_url: str, *, handlers: dict[str, Handler] | None = None) -> None:
        super().__init__(region, account_id=FAKE_ACCOUNT_ID)
        self.endpoint_url = endpoint_url
        self.handlers = HANDLERS if handlers is None else handlers
        self.outcomes: list[ResourceOutcome] = []
        self.failures: list[BaseException] = []
        # The Python SDK registers resources from a thread pool: clients and records are shared.
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        region = region or self.region
        with self._lock:
            if (service, region) not in self._clients:
                self._clients[(service, region)] = client(service, self.endpoint_url, region)
            return self._clients[(service, region)]

    def request(
        self, service: str, operation: str, params: Any, where: str, region: str | None = None
    ) -> dict[str, Any]:
        method = getattr(self.client(service, region), botocore.xform_name(operation))
        try:
            response = dict(method(**params))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            detail = " ".join(str(error.get("Message") or "").split())[:400] or f"HTTP {status}"
            raise EmulatorRejectedError(
                f"{where}: {service}:{operation} rejected by the emulator: {error.get('Code', status)}: {detail}"
            ) from None
        response.pop("ResponseMetadata", None)
        return response

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, State]:
        if not args.custom:
            self._record(ResourceOutcome(args.typ, args.name, COMPONENT))
            return None, {}
        handler = self.handlers.get(args.typ)
        try:
            if handler is None:
                raise UnsupportedResourceTypeError(args.typ, args.name)
            inputs = reveal(dict(args.inputs))
            region = inputs.pop("region", None)
            gateway = _ResourceGateway(self, region)
            physical_id, state = handler(gateway, Declared(args.typ, args.name, inputs))
            if region:
                state["region"] = region
        except Exception as exc:
            with self._lock:
                self.failures.append(exc)
            raise
        outcome = VALIDATED_NOT_EMULATED if gateway.not_emulated else CREATED
        self._record(
            ResourceOutcome(
                args.typ, args.name, outcome, physical_id, tuple(gateway.operations), tuple(gateway.not_emulated)
            )
        )
        return physical_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == tokens.GET_CALLER_IDENTITY:
            identity = self.request("sts", "GetCallerIdentity", {}, args.token)
            account = str(identity["Account"])
            return {"accountId": account, "arn": identity["Arn"], "userId": identity["UserId"], "id": account}, []
        return super().call(args)

    def _record(self, outcome: ResourceOutcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)


def rehearse(
    stack: str,
    *,
    artifact: Path | None = None,
    endpoint_url: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> RehearsalReport:
    """Run ``stack``'s program against the emulator at ``endpoint_url`` (or a fresh one) and verify it.

    The verification reads the emulated account back while the emulator is still running, so a
    report from a temporary emulator carries its checks too.
    """
    if endpoint_url is None:
        with Emulator() as emulator:
            return rehearse(stack, artifact=artifact, endpoint_url=emulator.url, overrides=overrides)

    # Imported late: the program imports the SageMaker SDK's image catalogue, which is slow to load.
    from infra.program import build

    # moto runs Lambda code only in Docker; without it, invocations answer a stub (see services/lambda_.py).
    configure_no_docker(endpoint_url)
    merged = dict(overrides or {})
    if artifact is not None:
        merged["mlops:artifact"] = str(artifact)
    created: list[EmulatorMocks] = []

    def factory(region: str) -> StateMocks:
        mocks = EmulatorMocks(region, endpoint_url)
        created.append(mocks)
        return mocks

    try:
        plan = run_program(stack, build, overrides=merged, mocks_factory=factory)
    except RehearsalError:
        raise
    except Exception as exc:
        # The SDK may surface a handler's failure wrapped or as a secondary error: report the first.
        if created and created[0].failures:
            raise created[0].failures[0] from exc
        raise
    mocks = created[0]
    if mocks.failures:
        raise mocks.failures[0]
    report = RehearsalReport(
        stack=stack,
        region=mocks.region,
        endpoint_url=endpoint_url,
        outcomes=sorted(mocks.outcomes, key=lambda o: (o.type, o.name)),
        outputs=dict(plan.outputs),
        plan=plan,
    )
    report.checks = verify(report, lambda service: mocks.client(service))
    return report
