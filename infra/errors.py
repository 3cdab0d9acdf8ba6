"""Error types of the infra package: user mistakes are distinct from platform failures."""

from __future__ import annotations

import pulumi


class ConfigError(pulumi.RunError):
    """A stack configuration value is wrong. The message names the key, the value and the fix.

    Subclassing ``pulumi.RunError`` makes the Pulumi CLI print the message without a Python
    traceback, which is what a user fixing a typo in ``Pulumi.<stack>.yaml`` needs.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"[{key}] {problem}")


class ArtifactError(ConfigError):
    """The model artifact named by ``mlops:artifact`` is missing or unusable."""


class RegistryUnavailableError(pulumi.RunError):
    """The model registry could not be read (AWS or the emulator refused or was unreachable): not the input."""
