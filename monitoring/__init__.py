"""Monitoring for the SageMaker endpoint: alarm catalogue, dashboard, notifications, data-quality monitor.

Pure builders (`catalogue`, `dashboard`, `baseline`, `instance_types`) carry no Pulumi dependency;
the Pulumi components (`alarms`, `notifications`, `dashboard_component`, `data_quality`) only turn
their output into resources. This package never imports `infra/` or `training/`.
"""
