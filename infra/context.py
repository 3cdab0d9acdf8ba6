"""What every domain of the program shares, built once per stack and passed as one value.

Tags, the account, the region and the endpoint's stable name are decided by the stack config; the
project key and buckets by the artifact store. Builders read them from here instead of receiving each
one as its own argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi

if TYPE_CHECKING:
    # Only for the annotation: the config module imports the model package, whose builder imports this.
    from infra.config import StackConfig


@dataclass(frozen=True)
class StackContext:
    config: StackConfig
    account_id: pulumi.Output[str]

    @property
    def prefix(self) -> str:
        """Every logical resource name starts with ``<project>-<stack>``."""
        return self.config.resource_prefix

    @property
    def region(self) -> str:
        return self.config.region

    @property
    def tags(self) -> Mapping[str, str]:
        return self.config.tags

    @property
    def endpoint_name(self) -> str:
        """The endpoint's configured name: stable across releases, so alarms and IAM can name it up front."""
        return self.config.endpoint.name
