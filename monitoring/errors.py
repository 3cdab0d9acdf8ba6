"""One exception base for the monitoring package; user errors are distinct from platform errors."""

from __future__ import annotations


class MonitoringError(Exception):
    """Base of every error raised on purpose by `monitoring`."""

    # The project's exit codes (README): 2 the input is wrong, 4 the environment failed.
    exit_code = 4


class UserInputError(MonitoringError, ValueError):
    """A value supplied by the user (settings, arguments, files) is wrong; the message says how to fix it."""

    exit_code = 2


class PlatformError(MonitoringError):
    """Something outside the user's input failed: AWS, the Pulumi CLI, the SageMaker SDK."""
