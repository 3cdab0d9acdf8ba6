"""SageMaker notebooks: the lifecycle configuration and the notebook instance.

moto 5.2.5 keeps neither ``PlatformIdentifier`` nor ``InstanceMetadataServiceConfiguration`` of a
notebook instance (its CreateNotebookInstance does not read them): both are validated against the API
model when the request is built and reported as not emulated by the read-back.
"""

from __future__ import annotations

from typing import Any

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State, arn_of
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, as_int, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params


def lifecycle_configuration(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    inputs: dict[str, Any] = dict(r.inputs)
    # The provider takes one base64 script per hook; the API a list of {Content}.
    for hook in ("onStart", "onCreate"):
        if hook in inputs:
            inputs[hook] = [{"content": inputs[hook]}]
    params = api_params(
        "sagemaker",
        "CreateNotebookInstanceLifecycleConfig",
        inputs,
        where=r.where,
        renames={"name": "NotebookInstanceLifecycleConfigName"},
    )
    params["NotebookInstanceLifecycleConfigName"] = name
    response = gw.send("sagemaker", "CreateNotebookInstanceLifecycleConfig", params, r.where) or {}
    arn = response.get("NotebookInstanceLifecycleConfigArn") or arn_of(
        gw, "sagemaker", f"notebook-instance-lifecycle-config/{name.lower()}"
    )
    return name, r.state(name=name, arn=str(arn))


def notebook_instance(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    params = api_params(
        "sagemaker",
        "CreateNotebookInstance",
        r.inputs,
        where=r.where,
        renames={
            "name": "NotebookInstanceName",
            "securityGroups": "SecurityGroupIds",
            "volumeSize": "VolumeSizeInGB",
            "lifecycleConfigName": "LifecycleConfigName",
        },
    )
    params["NotebookInstanceName"] = name
    response = gw.send("sagemaker", "CreateNotebookInstance", params, r.where) or {}
    arn = response.get("NotebookInstanceArn") or arn_of(gw, "sagemaker", f"notebook-instance/{name.lower()}")
    return name, r.state(name=name, arn=str(arn), url=f"{name}.notebook.{gw.region}.sagemaker.aws")


def _notebooks(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    sagemaker = client("sagemaker")
    for declared in resources_of(report, tokens.SAGEMAKER_NOTEBOOK_LIFECYCLE):
        name = str(declared.inputs["name"])
        with checks.reading(f"notebook lifecycle {name}"):
            found = sagemaker.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
            checks.equal(
                f"notebook lifecycle {name}: on-start script",
                [hook["Content"] for hook in found.get("OnStart", [])],
                [declared.inputs["onStart"]],
            )
    for declared in resources_of(report, tokens.SAGEMAKER_NOTEBOOK):
        i = declared.inputs
        name = str(i["name"])
        with checks.reading(f"notebook {name}"):
            found = sagemaker.describe_notebook_instance(NotebookInstanceName=name)
            checks.equal(
                f"notebook {name}: no direct internet, no root, key, subnet, groups, volume, lifecycle, role",
                [
                    found.get("DirectInternetAccess"),
                    found.get("RootAccess"),
                    found.get("KmsKeyId"),
                    found.get("SubnetId"),
                    sorted(found.get("SecurityGroups", [])),
                    found.get("VolumeSizeInGB"),
                    found.get("NotebookInstanceLifecycleConfigName"),
                    found.get("RoleArn"),
                ],
                [
                    "Disabled",
                    "Disabled",
                    i["kmsKeyId"],
                    i["subnetId"],
                    sorted(i["securityGroups"]),
                    as_int(i["volumeSize"]),
                    i["lifecycleConfigName"],
                    i["roleArn"],
                ],
            )
            for member, label in (
                ("PlatformIdentifier", "platform"),
                ("InstanceMetadataServiceConfiguration", "IMDS minimum version"),
            ):
                if member in found:
                    checks.add(f"notebook {name}: {label}", True, str(found[member]))
                else:
                    checks.not_emulated(
                        f"notebook {name}: {label}", f"moto does not keep {member}; the API model validated it"
                    )


HANDLERS: dict[str, Handler] = {
    tokens.SAGEMAKER_NOTEBOOK_LIFECYCLE: lifecycle_configuration,
    tokens.SAGEMAKER_NOTEBOOK: notebook_instance,
}

CHECKS: tuple[Verifier, ...] = (_notebooks,)
