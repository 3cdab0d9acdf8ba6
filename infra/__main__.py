"""Pulumi entry point (``main: infra/`` in Pulumi.yaml): build the stack and export its outputs."""

import pulumi

from infra.program import build

for _key, _value in build().items():
    pulumi.export(_key, _value)
