"""Run the real Pulumi program under Pulumi's mock runtime and record the resource graph.

No Pulumi CLI, no provider plugin, no AWS: ``pulumi.runtime.set_mocks`` replaces the engine. The
monitor subclass records what the engine would receive for each resource (type, name, parent,
dependencies, options, inputs); ``StateMocks`` answers with the state the AWS provider would return
(ids, ARNs, auto-generated names). The emulator rehearsal subclasses ``StateMocks`` to create each
resource in a local AWS emulator instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings

from offline import tokens
from offline.fakes import FAKE_ACCOUNT_ID
from offline.graph import Plan, RecordedResource, jsonable
from offline.stacks import project_name, stack_config

# --------------------------------------------------------------------------------------------------
# Provider state: what AWS would hand back for each resource type.


def _service(type_token: str) -> str:
    module = type_token.split(":")[1].split("/")[0]
    return {"appautoscaling": "application-autoscaling"}.get(module, module)


def autoname(logical_name: str, inputs: Mapping[str, Any]) -> str:
    """Pulumi auto-names as ``<logical>-<7 hex>``; here the suffix is a hash of the inputs, so changing
    an input yields a new name, as a replacement does in a real deployment."""
    digest = hashlib.sha256(json.dumps(jsonable(inputs), sort_keys=True).encode()).hexdigest()
    return f"{logical_name}-{digest[:7]}"


_EC2_ID_PREFIX = {
    tokens.EC2_VPC: "vpc",
    tokens.EC2_SUBNET: "subnet",
    tokens.EC2_ROUTE_TABLE: "rtb",
    tokens.EC2_ROUTE_TABLE_ASSOCIATION: "rtbassoc",
    tokens.EC2_SECURITY_GROUP: "sg",
    tokens.EC2_VPC_ENDPOINT: "vpce",
    tokens.VPC_INGRESS_RULE: "sgr",
    tokens.VPC_EGRESS_RULE: "sgr",
}


class StateMocks(pulumi.runtime.Mocks):
    """Deterministic provider state for the resource types this program declares."""

    def __init__(self, region: str, account_id: str = FAKE_ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id

    def arn(self, type_token: str, name: str) -> str:
        account, region = self.account_id, self.region
        kind = type_token.rsplit(":", 1)[1]
        formats: dict[str, str] = {
            "aws:s3/bucket:Bucket": f"arn:aws:s3:::{name}",
            "aws:iam/role:Role": f"arn:aws:iam::{account}:role/{name}",
            "aws:kms/key:Key": f"arn:aws:kms:{region}:{account}:key/{name}",
            "aws:kms/alias:Alias": f"arn:aws:kms:{region}:{account}:{name}",
            "aws:sagemaker/model:Model": f"arn:aws:sagemaker:{region}:{account}:model/{name.lower()}",
            tokens.SAGEMAKER_ENDPOINT_CONFIG: (f"arn:aws:sagemaker:{region}:{account}:endpoint-config/{name.lower()}"),
            "aws:sagemaker/endpoint:Endpoint": f"arn:aws:sagemaker:{region}:{account}:endpoint/{name.lower()}",
            "aws:sns/topic:Topic": f"arn:aws:sns:{region}:{account}:{name}",
            "aws:cloudwatch/metricAlarm:MetricAlarm": f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
            "aws:cloudwatch/compositeAlarm:CompositeAlarm": f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
            "aws:cloudwatch/dashboard:Dashboard": f"arn:aws:cloudwatch::{account}:dashboard/{name}",
            tokens.EVENT_RULE: f"arn:aws:events:{region}:{account}:rule/{name}",
            tokens.LAMBDA_FUNCTION: f"arn:aws:lambda:{region}:{account}:function:{name}",
            tokens.SQS_QUEUE: f"arn:aws:sqs:{region}:{account}:{name}",
            tokens.LOG_GROUP: f"arn:aws:logs:{region}:{account}:log-group:{name}",
            tokens.HTTP_API: f"arn:aws:apigateway:{region}::/apis/{name}",
        }
        return formats.get(type_token, f"arn:aws:{_service(type_token)}:{region}:{account}:{kind.lower()}/{name}")

    def provider_state(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        state = dict(inputs)
        t = args.typ
        if t == tokens.S3_BUCKET:
            bucket = inputs.get("bucket") or autoname(args.name, inputs)
            # pulumi-aws 7: a resource may name its own region; the provider reports that one.
            state.update(bucket=bucket, arn=self.arn(t, bucket), region=inputs.get("region") or self.region)
            return bucket, state
        if t == tokens.KMS_KEY:
            key_id = hashlib.sha256(args.name.encode()).hexdigest()[:32]
            key_id = f"{key_id[:8]}-{key_id[8:12]}-{key_id[12:16]}-{key_id[16:20]}-{key_id[20:32]}"
            arn = self.arn(t, key_id)
            if inputs.get("region"):
                arn = arn.replace(f":{self.region}:", f":{inputs['region']}:", 1)
            state.update(keyId=key_id, arn=arn)
            return key_id, state
        if t == tokens.SCALABLE_TARGET:
            return str(inputs["resourceId"]), state
        if t == tokens.S3_OBJECT:
            return f"{inputs['bucket']}/{inputs['key']}", state
        if t == tokens.COMPOSITE_ALARM:
            # A composite alarm is named by ``alarmName`` (not ``name``), and its ARN carries that name.
            name = inputs.get("alarmName") or autoname(args.name, inputs)
            state.update(alarmName=name, arn=self.arn(t, name))
            return name, state
        if t == tokens.DASHBOARD:
            name = str(inputs["dashboardName"])
            state.update(dashboardArn=self.arn(t, name))
            return name, state
        if t == tokens.SAGEMAKER_MODEL_PACKAGE_GROUP:
            name = str(inputs["modelPackageGroupName"])
            state.update(arn=f"arn:aws:sagemaker:{self.region}:{self.account_id}:model-package-group/{name.lower()}")
            return name, state
        if t == tokens.EVENT_TARGET:
            target_id = inputs.get("targetId") or autoname(args.name, inputs)
            state.update(targetId=target_id)
            return f"{inputs['rule']}-{target_id}", state
        if t in (tokens.COMPREHEND_ENTITY_RECOGNIZER, tokens.COMPREHEND_DOCUMENT_CLASSIFIER):
            # The provider's id and arn are the trained version's ARN (Describe*).
            name, version = str(inputs["name"]), str(inputs["versionName"])
            kind = "entity-recognizer" if t == tokens.COMPREHEND_ENTITY_RECOGNIZER else "document-classifier"
            arn = f"arn:aws:comprehend:{self.region}:{self.account_id}:{kind}/{name}/version/{version}"
            state.update(arn=arn)
            return arn, state
        if t in (tokens.HTTP_API, tokens.HTTP_API_INTEGRATION, tokens.HTTP_API_ROUTE, tokens.HTTP_API_AUTHORIZER):
            # API Gateway ids are 10 lower-case alphanumerics it generates.
            api_id = hashlib.sha256(args.name.encode()).hexdigest()[:10]
            state.update(id=api_id, arn=self.arn(t, api_id))
            if t == tokens.HTTP_API:
                state.update(
                    apiEndpoint=f"https://{api_id}.execute-api.{self.region}.amazonaws.com",
                    executionArn=f"arn:aws:execute-api:{self.region}:{self.account_id}:{api_id}",
                )
            return api_id, state
        if t in _EC2_ID_PREFIX:
            # EC2 ids are <kind>-<17 hex>; a gateway endpoint also reports the AWS service's prefix list.
            ec2_id = f"{_EC2_ID_PREFIX[t]}-{hashlib.sha256(args.name.encode()).hexdigest()[:17]}"
            state.update(id=ec2_id, arn=self.arn(t, ec2_id))
            if t == tokens.EC2_VPC_ENDPOINT and inputs.get("vpcEndpointType") == "Gateway":
                state["prefixListId"] = "pl-63a5400a"
            return ec2_id, state
        name = inputs.get("name") or autoname(args.name, inputs)
        state.update(name=name, arn=self.arn(t, name))
        if t == tokens.LAMBDA_FUNCTION:
            state["invokeArn"] = (
                f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/{state['arn']}/invocations"
            )
        if t == tokens.SQS_QUEUE:
            state["url"] = f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{name}"
        if t == tokens.IAM_ROLE:
            state["uniqueId"] = "AROA" + hashlib.sha256(name.encode()).hexdigest()[:17].upper()
        return name, state

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return self.provider_state(args)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == tokens.GET_CALLER_IDENTITY:
            return {
                "accountId": self.account_id,
                "arn": f"arn:aws:iam::{self.account_id}:user/mock",
                "userId": "AIDAMOCK",
                "id": self.account_id,
            }, []
        if args.token == tokens.GET_REGION:
            return {"name": self.region, "region": self.region, "id": self.region}, []
        if args.token == tokens.GET_AVAILABILITY_ZONES:
            names = [f"{self.region}{letter}" for letter in "abc"]
            return {"names": names, "zoneIds": [f"use1-az{i}" for i in (1, 2, 4)], "id": self.region}, []
        if args.token == tokens.GET_PARTITION:
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        raise NotImplementedError(f"the mock runtime has no answer for the invoke {args.token}")


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Records the engine's view of each registration: parent, dependencies and resource options."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            registration = self.resources.get(response.urn)
            self.recorded.append(
                RecordedResource(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent or None,
                    dependencies=list(request.dependencies),
                    custom=bool(request.custom),
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    inputs=dict(pulumi.runtime.rpc.deserialize_properties(request.object)),
                    id=registration.id if registration else None,
                    state=dict(registration.state) if registration else {},
                )
            )
        return response


def run_program(
    stack: str,
    program: Callable[[], Mapping[str, Any]],
    *,
    overrides: Mapping[str, Any] | None = None,
    mocks_factory: Callable[[str], StateMocks] = StateMocks,
) -> Plan:
    """Run ``program`` for ``stack`` under the mock runtime and return the recorded graph and outputs."""
    loaded = stack_config(stack, overrides)
    config = loaded.values
    region = config.get("aws:region", "us-east-1")
    project = project_name()
    mocks = mocks_factory(region)
    monitor = RecordingMonitor(mocks)
    # A fresh root Stack resource for each run, so several stacks can be planned in one process.
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(config, list(loaded.secret_keys))
    outputs: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def _run() -> pulumi.Output[Any]:
        exported = program()
        return pulumi.Output.all(**{k: pulumi.Output.from_input(v) for k, v in exported.items()}).apply(outputs.update)

    _run()
    # Registrations complete in a nondeterministic order; sort so every export of a graph is stable.
    resources = sorted(monitor.recorded, key=lambda r: r.urn)
    return Plan(project=project, stack=stack, resources=resources, outputs=outputs)


class ComponentRecorder:
    """The same mock runtime for tests that build components outside a stack program.

    Installs ``StateMocks`` and the recording monitor for the current thread; whatever is constructed
    afterwards (under ``@pulumi.runtime.test``) is recorded and can be looked up by type or name.
    """

    def __init__(self, region: str = "us-east-1", *, project: str = "mlops", stack: str = "test") -> None:
        self.mocks = StateMocks(region)
        self.monitor = RecordingMonitor(self.mocks)
        pulumi_settings.ROOT.set(None)
        pulumi.runtime.set_mocks(self.mocks, project=project, stack=stack, preview=False, monitor=self.monitor)

    @property
    def resources(self) -> list[RecordedResource]:
        return list(self.monitor.recorded)

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.monitor.recorded if r.type == type_token]

    def named(self, name: str) -> RecordedResource:
        matches = [r for r in self.monitor.recorded if r.name == name]
        if len(matches) != 1:
            raise LookupError(f"expected one resource named {name}, found {len(matches)}")
        return matches[0]

    def inputs(self, name: str) -> dict[str, Any]:
        """The named resource's inputs, JSON-normalised (the engine carries numbers as doubles)."""
        normalised: dict[str, Any] = json.loads(json.dumps(jsonable(self.named(name).inputs)))
        return normalised
