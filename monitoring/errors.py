"""One exception base for the monitoring package; user errors are distinct from platform errors."""

from __future__ import annotations


class MonitoringError(Exception):
    """Base of every error raised on purpose by `monitoring`."""


class UserInputError(MonitoringError, ValueError):
    """A value supplied by the user (settings, arguments, files) is wrong; the message says how to fix it."""


class PlatformError(MonitoringError):
    """Something outside the user's input failed: AWS, the Pulumi CLI, the SageMaker SDK."""
