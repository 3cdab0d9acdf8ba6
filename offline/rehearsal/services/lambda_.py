"""Lambda: functions (their zip built from the program's archive), permissions, asynchronous invoke
configs, and the S3 bucket notification that invokes a function.

moto creates and describes functions without Docker; it runs their code only with Docker. The emulator
is configured with ``{"lambda": {"use_docker": false}}`` (``configure_no_docker``), so an ``Invoke``
answers moto's fixed stub instead of failing on a missing Docker daemon: the rehearsal proves the function,
its configuration, package, permissions and triggers are accepted and read back, never that the code runs.
The handlers' code runs in-process in ``tests/applications`` against the same emulator and the local model.
"""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pulumi

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, emulated
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import UnmappedInputError, api_params

# zip entries carry a timestamp: a fixed one makes the same sources the same bytes (and CodeSha256).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def configure_no_docker(endpoint_url: str) -> None:
    """moto's server-mode config: Lambda invocations answer a stub instead of starting Docker."""
    request = urllib.request.Request(
        f"{endpoint_url}/moto-api/config",
        data=json.dumps({"lambda": {"use_docker": False}}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _entries(archive: Any, prefix: str, where: str) -> dict[str, bytes]:
    if isinstance(archive, pulumi.AssetArchive):
        entries: dict[str, bytes] = {}
        for name, item in archive.assets.items():
            path = f"{prefix}{name}"
            if isinstance(item, pulumi.FileAsset):
                entries[path] = Path(str(item.path)).read_bytes()
            elif isinstance(item, pulumi.StringAsset):
                entries[path] = str(item.text).encode("utf-8")
            else:
                entries.update(_entries(item, f"{path}/", where))
        return entries
    if isinstance(archive, pulumi.FileArchive):
        root = Path(str(archive.path))
        return {
            f"{prefix}{p.relative_to(root).as_posix()}": p.read_bytes()
            for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
    raise UnmappedInputError(f"{where}: code {archive!r} is not an AssetArchive or FileArchive")


def zip_bytes(archive: Any, where: str = "code") -> bytes:
    """The deployment package as Lambda receives it: a zip of the archive's files, in sorted order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(_entries(archive, "", where).items()):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def lambda_function(gw: Gateway, r: Declared) -> tuple[str, State]:
    inputs = dict(r.inputs)
    code = inputs.pop("code", None)
    reserved = inputs.pop("reservedConcurrentExecutions", None)
    name = r.physical_name()
    params = api_params("lambda", "CreateFunction", inputs, where=r.where, renames={"name": "FunctionName"})
    params["FunctionName"] = name
    params["Code"] = {"ZipFile": zip_bytes(code, r.where)}
    response = emulated(gw.send("lambda", "CreateFunction", params, r.where), r, "lambda:CreateFunction")
    if reserved is not None:
        gw.send(
            "lambda",
            "PutFunctionConcurrency",
            {"FunctionName": name, "ReservedConcurrentExecutions": int(reserved)},
            r.where,
        )
    arn = str(response["FunctionArn"])
    return name, r.state(
        name=name,
        arn=arn,
        invokeArn=f"arn:aws:apigateway:{gw.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        qualifiedArn=f"{arn}:$LATEST",
        version="$LATEST",
    )


def lambda_permission(gw: Gateway, r: Declared) -> tuple[str, State]:
    statement_id = str(r.inputs.get("statementId") or r.physical_name("statementId"))
    params = api_params("lambda", "AddPermission", r.inputs, where=r.where, renames={"function": "FunctionName"})
    params["StatementId"] = statement_id
    gw.send("lambda", "AddPermission", params, r.where)
    return statement_id, r.state(statementId=statement_id)


def event_invoke_config(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("lambda", "PutFunctionEventInvokeConfig", r.inputs, where=r.where)
    gw.send("lambda", "PutFunctionEventInvokeConfig", params, r.where)
    return str(r.inputs["functionName"]), r.state()


def bucket_notification(gw: Gateway, r: Declared) -> tuple[str, State]:
    """The provider's flat ``lambdaFunctions`` as the API's configurations with key filter rules."""
    configurations = []
    for item in r.inputs.get("lambdaFunctions") or []:
        rules = [
            {"Name": name, "Value": item[key]}
            for key, name in (("filterPrefix", "prefix"), ("filterSuffix", "suffix"))
            if item.get(key)
        ]
        entry: dict[str, Any] = {"LambdaFunctionArn": item["lambdaFunctionArn"], "Events": list(item["events"])}
        if item.get("id"):
            entry["Id"] = item["id"]
        if rules:
            entry["Filter"] = {"Key": {"FilterRules": rules}}
        configurations.append(entry)
    notification: dict[str, Any] = {"LambdaFunctionConfigurations": configurations}
    if r.inputs.get("eventbridge"):
        notification["EventBridgeConfiguration"] = {}
    unmapped = set(r.inputs) - {"bucket", "lambdaFunctions", "eventbridge"}
    if unmapped:
        raise UnmappedInputError(f"{r.where}: inputs {sorted(unmapped)} are not mapped by the rehearsal")
    params = {"Bucket": r.inputs["bucket"], "NotificationConfiguration": notification}
    gw.send("s3", "PutBucketNotificationConfiguration", params, r.where)
    return str(r.inputs["bucket"]), r.state()


def _functions(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    lam = client("lambda")
    iam = client("iam")
    role_policies = resources_of(report, tokens.IAM_ROLE_POLICY)
    permissions = resources_of(report, tokens.LAMBDA_PERMISSION)
    invoke_configs = {str(c.inputs["functionName"]): c for c in resources_of(report, tokens.LAMBDA_EVENT_INVOKE_CONFIG)}
    for declared in resources_of(report, tokens.LAMBDA_FUNCTION):
        name = str(declared.state["name"])
        with checks.reading(f"function {name}"):
            config = lam.get_function(FunctionName=name)["Configuration"]
            got = {
                "runtime": config.get("Runtime"),
                "architectures": config.get("Architectures"),
                "handler": config.get("Handler"),
                "role": config.get("Role"),
                "memorySize": config.get("MemorySize"),
                "timeout": config.get("Timeout"),
                "environment": config.get("Environment", {}).get("Variables", {}),
                "codeSize": config.get("CodeSize"),
            }
            want = {
                "runtime": declared.inputs["runtime"],
                "architectures": list(declared.inputs["architectures"]),
                "handler": declared.inputs["handler"],
                "role": declared.inputs["role"],
                "memorySize": declared.inputs["memorySize"],
                "timeout": declared.inputs["timeout"],
                "environment": dict(declared.inputs.get("environment", {}).get("variables", {})),
                "codeSize": len(zip_bytes(declared.inputs["code"])),
            }
            checks.equal(f"function {name}: configuration", got, want)
            if "LoggingConfig" not in config:
                checks.not_emulated(
                    f"function {name}: logging config",
                    "moto 5.2.5 does not store LoggingConfig; the request carrying it was validated against the "
                    "API model",
                )
            role_name = str(declared.inputs["role"]).rsplit("/", 1)[-1]
            trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
            trust = json.loads(trust) if isinstance(trust, str) else trust
            checks.equal(
                f"function {name}: role trusted by Lambda only",
                [s.get("Principal", {}).get("Service") for s in trust["Statement"] if s.get("Effect") == "Allow"],
                ["lambda.amazonaws.com"],
            )
            mine_policies = [p for p in role_policies if p.inputs["role"] == role_name]
            got_policies = {}
            for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
                document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
                got_policies[policy_name] = json.loads(document) if isinstance(document, str) else document
            checks.equal(
                f"function {name}: role's inline policies as declared, none attached",
                (got_policies, iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]),
                ({str(p.state["name"]): json.loads(str(p.inputs["policy"])) for p in mine_policies}, []),
            )
            reserved = declared.inputs.get("reservedConcurrentExecutions")
            if reserved is not None:
                concurrency = lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
                checks.equal(f"function {name}: reserved concurrency", concurrency, int(reserved))
            mine = [p for p in permissions if p.inputs["function"] == name]
            if mine:
                policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
                principals = sorted(str(s["Principal"]["Service"]) for s in policy["Statement"])
                checks.equal(
                    f"function {name}: invoke permissions",
                    principals,
                    sorted(str(p.inputs["principal"]) for p in mine),
                )
            if name in invoke_configs:
                invoke = lam.get_function_event_invoke_config(FunctionName=name)
                declared_config = invoke_configs[name].inputs
                checks.equal(
                    f"function {name}: asynchronous retries and on-failure destination",
                    (invoke.get("MaximumRetryAttempts"), invoke["DestinationConfig"]["OnFailure"]["Destination"]),
                    (
                        declared_config["maximumRetryAttempts"],
                        declared_config["destinationConfig"]["onFailure"]["destination"],
                    ),
                )


def _notifications(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    s3 = client("s3")
    for declared in resources_of(report, tokens.S3_BUCKET_NOTIFICATION):
        if not declared.inputs.get("lambdaFunctions"):
            continue  # EventBridge only: read back by services/s3_events.py
        bucket = str(declared.inputs["bucket"])
        with checks.reading(f"bucket {bucket} notification"):
            config = s3.get_bucket_notification_configuration(Bucket=bucket)
            got = [
                (
                    c["LambdaFunctionArn"],
                    sorted(c["Events"]),
                    sorted((rule["Name"].lower(), rule["Value"]) for rule in c["Filter"]["Key"]["FilterRules"]),
                )
                for c in config.get("LambdaFunctionConfigurations", [])
            ]
            want = [
                (
                    f["lambdaFunctionArn"],
                    sorted(f["events"]),
                    sorted(
                        (name, f[key])
                        for key, name in (("filterPrefix", "prefix"), ("filterSuffix", "suffix"))
                        if f.get(key)
                    ),
                )
                for f in declared.inputs["lambdaFunctions"]
            ]
            checks.equal(f"bucket {bucket}: notification invokes the function", got, want)
            if "EventBridgeConfiguration" in config or not declared.inputs.get("eventbridge"):
                checks.equal(
                    f"bucket {bucket}: EventBridge delivery",
                    "EventBridgeConfiguration" in config,
                    bool(declared.inputs.get("eventbridge")),
                )
            else:
                checks.not_emulated(
                    f"bucket {bucket}: EventBridge delivery",
                    "moto 5.2.5 stores EventBridgeConfiguration but GetBucketNotificationConfiguration omits it; "
                    "the request carrying it was validated against the API model",
                )


HANDLERS: dict[str, Handler] = {
    tokens.LAMBDA_FUNCTION: lambda_function,
    tokens.LAMBDA_PERMISSION: lambda_permission,
    tokens.LAMBDA_EVENT_INVOKE_CONFIG: event_invoke_config,
    tokens.S3_BUCKET_NOTIFICATION: bucket_notification,
}

CHECKS: tuple[Verifier, ...] = (_functions, _notifications)
