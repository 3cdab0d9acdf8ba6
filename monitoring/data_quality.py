"""`DataQualityMonitor`: SageMaker Model Monitor data-quality job, its schedule and a drift alarm.

The caller skips the component entirely when monitoring is disabled (no `enabled` flag here). The
endpoint must capture its requests (data capture on the endpoint configuration), or the job has
nothing to analyse.

Drift metric. With `emit_metrics: Enabled` in constraints.json and `publish_cloudwatch_metrics` in the
job's environment, the prebuilt container publishes per feature, after each run:
`feature_baseline_drift_<feature>` (distance between the captured and baseline distributions),
`feature_non_null_<feature>` (completeness) and, numeric only, `feature_data_<feature>`. For real-time
endpoints they land in namespace `aws/sagemaker/Endpoints/data-metrics` with dimensions `Endpoint` and
`MonitoringSchedule`, as AWS's own sample alarms on them (aws-samples/amazon-sagemaker-drift-detection);
the AWS guide's pages disagree with each other on these names, so the sample is the reference. There is
no single "violations" metric, so the alarm is a metric-math MAX over the per-feature drift metrics,
compared with the same threshold the constraints use (`comparison_threshold`). A math alarm may
reference at most 10 metrics, so features are split into groups of 10, one alarm per group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from monitoring.errors import UserInputError

DATA_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
DRIFT_METRIC_PREFIX = "feature_baseline_drift_"
HOURLY = "cron(0 * ? * * *)"
DAILY = "cron(0 0 ? * * *)"
MAX_METRICS_PER_MATH_ALARM = 10
# The analyzer writes its report here inside the container; SageMaker uploads it to the S3 output.
CONTAINER_OUTPUT_PATH = "/opt/ml/processing/output"
_SCHEDULE_PERIOD_SECONDS = {HOURLY: 3600, DAILY: 86_400}


def drift_metric_name(feature: str) -> str:
    return f"{DRIFT_METRIC_PREFIX}{feature}"


def drift_alarm_groups(feature_names: Sequence[str]) -> list[tuple[str, ...]]:
    """Features in groups of at most 10, CloudWatch's limit of metrics in one metric-math alarm."""
    if not feature_names:
        raise UserInputError("the drift alarm needs at least one feature name (from the training manifest)")
    if len(set(feature_names)) != len(feature_names):
        raise UserInputError("feature_names lists a feature twice")
    step = MAX_METRICS_PER_MATH_ALARM
    return [tuple(feature_names[i : i + step]) for i in range(0, len(feature_names), step)]


@dataclass(frozen=True)
class DataQualityMonitorArgs:
    endpoint_name: pulumi.Input[str]
    schedule_name: str  # explicit: it is a dimension of the drift metrics the alarm watches
    role_arn: pulumi.Input[str]
    image_uri: pulumi.Input[str]
    baseline_constraints_s3_uri: pulumi.Input[str]
    baseline_statistics_s3_uri: pulumi.Input[str]
    output_s3_uri: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    feature_names: Sequence[str]
    alarm_name: str
    schedule_expression: str = HOURLY
    drift_threshold: float = 0.1
    alarm_actions: Sequence[pulumi.Input[str]] = ()
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    volume_size_in_gb: int = 20
    max_runtime_in_seconds: int = 3600
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        drift_alarm_groups(self.feature_names)
        if not self.schedule_expression.startswith("cron(") or not self.schedule_expression.endswith(")"):
            raise UserInputError(
                f"schedule_expression must be a cron(...) expression, e.g. {HOURLY!r} "
                f"(got {self.schedule_expression!r})"
            )
        # A run must finish before the next one starts: SageMaker caps an hourly job at 3600 s.
        period = _SCHEDULE_PERIOD_SECONDS.get(self.schedule_expression, 3600)
        if not 1 <= self.max_runtime_in_seconds <= period:
            raise UserInputError(
                f"max_runtime_in_seconds must be between 1 and {period} for {self.schedule_expression} "
                f"(got {self.max_runtime_in_seconds})"
            )
        if not 0 < self.drift_threshold <= 1:
            raise UserInputError(f"drift_threshold must be in (0, 1] (got {self.drift_threshold})")
        if self.instance_count < 1 or self.volume_size_in_gb < 1:
            raise UserInputError("instance_count and volume_size_in_gb must be >= 1")
        if not self.instance_type.startswith("ml."):
            raise UserInputError(f"instance_type must be an ml.* type (got {self.instance_type!r})")


class DataQualityMonitor(pulumi.ComponentResource):
    """Data-quality job definition + monitoring schedule + drift alarm(s) for one endpoint."""

    job_definition_name: pulumi.Output[str]
    schedule_arn: pulumi.Output[str]
    alarm_arns: list[pulumi.Output[str]]

    def __init__(self, name: str, args: DataQualityMonitorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlops:monitoring:DataQualityMonitor", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags) or None
        # Job definitions are immutable (every change replaces one), so Pulumi auto-names them: the new
        # definition is created, the schedule is updated in place to point at it, then the old one goes.
        self.job_definition = aws.sagemaker.DataQualityJobDefinition(
            f"{name}-job",
            role_arn=args.role_arn,
            data_quality_app_specification={
                "image_uri": args.image_uri,
                # Without this the prebuilt container computes violations but publishes no metrics,
                # and the drift alarm below would never see a datapoint.
                "environment": {"publish_cloudwatch_metrics": "Enabled"},
            },
            data_quality_baseline_config={
                "constraints_resource": {"s3_uri": args.baseline_constraints_s3_uri},
                "statistics_resource": {"s3_uri": args.baseline_statistics_s3_uri},
            },
            data_quality_job_input={
                "endpoint_input": {
                    "endpoint_name": args.endpoint_name,
                    "local_path": "/opt/ml/processing/input/endpoint",
                },
            },
            data_quality_job_output_config={
                "kms_key_id": args.kms_key_arn,
                "monitoring_outputs": {
                    "s3_output": {
                        "s3_uri": args.output_s3_uri,
                        "local_path": CONTAINER_OUTPUT_PATH,
                        "s3_upload_mode": "EndOfJob",
                    }
                },
            },
            job_resources={
                "cluster_config": {
                    "instance_count": args.instance_count,
                    "instance_type": args.instance_type,
                    "volume_size_in_gb": args.volume_size_in_gb,
                    "volume_kms_key_id": args.kms_key_arn,
                }
            },
            # Security Hub SageMaker controls for monitoring jobs: network isolation and encrypted
            # traffic between the job's containers.
            network_config={
                "enable_network_isolation": True,
                "enable_inter_container_traffic_encryption": True,
            },
            stopping_condition={"max_runtime_in_seconds": args.max_runtime_in_seconds},
            tags=tags,
            opts=child,
        )
        self.schedule = aws.sagemaker.MonitoringSchedule(
            f"{name}-schedule",
            name=args.schedule_name,
            monitoring_schedule_config={
                "monitoring_type": "DataQuality",
                "monitoring_job_definition_name": self.job_definition.name,
                "schedule_config": {"schedule_expression": args.schedule_expression},
            },
            tags=tags,
            opts=child,
        )
        self.alarms: list[aws.cloudwatch.MetricAlarm] = []
        groups = drift_alarm_groups(args.feature_names)
        for index, group in enumerate(groups, start=1):
            suffix = "" if len(groups) == 1 else f"-{index}"
            queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict] = [
                {
                    "id": f"m{i}",
                    "return_data": False,
                    "metric": {
                        "namespace": DATA_METRICS_NAMESPACE,
                        "metric_name": drift_metric_name(feature),
                        "dimensions": {
                            "Endpoint": args.endpoint_name,
                            "MonitoringSchedule": self.schedule.name,
                        },
                        # One datapoint per run; an hour period sees every hourly run exactly once.
                        "period": 3600,
                        "stat": "Maximum",
                    },
                }
                for i, feature in enumerate(group)
            ]
            queries.append(
                {
                    "id": "drift",
                    "expression": "MAX([" + ",".join(f"m{i}" for i in range(len(group))) + "])",
                    "label": "largest feature drift distance",
                    "return_data": True,
                }
            )
            self.alarms.append(
                aws.cloudwatch.MetricAlarm(
                    f"{name}-drift{suffix}",
                    name=f"{args.alarm_name}{suffix}",
                    alarm_description=(
                        "Model Monitor measured a distribution distance above "
                        f"{args.drift_threshold:g} between captured requests and the training baseline "
                        f"for at least one of: {', '.join(group)}."
                    ),
                    metric_queries=queries,
                    evaluation_periods=1,
                    datapoints_to_alarm=1,
                    threshold=args.drift_threshold,
                    comparison_operator="GreaterThanThreshold",
                    # Between runs (and when capture saw no traffic) there is no datapoint: not drift.
                    treat_missing_data="notBreaching",
                    alarm_actions=list(args.alarm_actions),
                    ok_actions=list(args.alarm_actions),
                    tags=tags,
                    opts=child,
                )
            )
        self.job_definition_name = self.job_definition.name
        self.schedule_arn = self.schedule.arn
        self.alarm_arns = [alarm.arn for alarm in self.alarms]
        self.register_outputs(
            {
                "job_definition_name": self.job_definition_name,
                "schedule_arn": self.schedule_arn,
                "alarm_arns": self.alarm_arns,
            }
        )
