"""Application Auto Scaling: the endpoint variant's scalable target and target-tracking policy."""

from __future__ import annotations

from offline import tokens
from offline.rehearsal.gateway import Declared, Gateway, Handler, State
from offline.rehearsal.readback import Checks, ClientFactory, Verifier, as_int, resources_of
from offline.rehearsal.report import RehearsalReport
from offline.rehearsal.requests import api_params


def scalable_target(gw: Gateway, r: Declared) -> tuple[str, State]:
    params = api_params("application-autoscaling", "RegisterScalableTarget", r.inputs, where=r.where)
    response = gw.send("application-autoscaling", "RegisterScalableTarget", params, r.where) or {}
    arn = str(response.get("ScalableTargetARN", ""))
    return str(params["ResourceId"]), r.state(arn=arn)


def scaling_policy(gw: Gateway, r: Declared) -> tuple[str, State]:
    name = r.physical_name()
    params = api_params(
        "application-autoscaling", "PutScalingPolicy", r.inputs, where=r.where, renames={"name": "PolicyName"}
    )
    params["PolicyName"] = name
    response = gw.send("application-autoscaling", "PutScalingPolicy", params, r.where) or {}
    alarm_arns = [str(a["AlarmARN"]) for a in response.get("Alarms", [])]
    return name, r.state(name=name, arn=str(response.get("PolicyARN", "")), alarmArns=alarm_arns)


def _autoscaling(report: RehearsalReport, client: ClientFactory, checks: Checks) -> None:
    scaling = client("application-autoscaling")
    resource_id = f"endpoint/{report.outputs['endpointName']}/variant/{report.outputs['variantName']}"
    for declared in resources_of(report, tokens.SCALABLE_TARGET):
        with checks.reading(f"scalable target {resource_id}"):
            targets = scaling.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[resource_id])
            got = [(t["ScalableDimension"], t["MinCapacity"], t["MaxCapacity"]) for t in targets["ScalableTargets"]]
            want = [
                (
                    declared.inputs["scalableDimension"],
                    as_int(declared.inputs["minCapacity"]),
                    as_int(declared.inputs["maxCapacity"]),
                )
            ]
            checks.equal(f"scalable target {resource_id}: dimension, min, max", got, want)
    for declared in resources_of(report, tokens.SCALING_POLICY):
        name = str(declared.state["name"])
        with checks.reading(f"scaling policy {name}"):
            policies = scaling.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=resource_id)
            found = [p for p in policies["ScalingPolicies"] if p["PolicyName"] == name]
            config = found[0]["TargetTrackingScalingPolicyConfiguration"]
            want_config = declared.inputs["targetTrackingScalingPolicyConfiguration"]
            checks.equal(
                f"scaling policy {name}: target tracking on the endpoint variant",
                [
                    found[0]["ResourceId"],
                    found[0]["ScalableDimension"],
                    found[0]["PolicyType"],
                    config["PredefinedMetricSpecification"]["PredefinedMetricType"],
                    config["TargetValue"],
                ],
                [
                    resource_id,
                    declared.inputs["scalableDimension"],
                    "TargetTrackingScaling",
                    want_config["predefinedMetricSpecification"]["predefinedMetricType"],
                    want_config["targetValue"],
                ],
            )


HANDLERS: dict[str, Handler] = {tokens.SCALABLE_TARGET: scalable_target, tokens.SCALING_POLICY: scaling_policy}

CHECKS: tuple[Verifier, ...] = (_autoscaling,)
