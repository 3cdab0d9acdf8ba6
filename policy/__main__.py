"""CrossGuard entry point: the Pulumi CLI runs this file for `--policy-pack policy`.

The CLI's Python analyzer executes the pack *directory* (``runpy.run_path("policy")``), so the pack's
own modules are not importable as the ``policy`` package unless the repository root is on the path.
``PolicyPack`` then serves the policies to the engine over gRPC until the CLI stops it.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402 - needs the path set above

from policy.pack import PACK_NAME, build_policies  # noqa: E402 - needs the path set above

PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=build_policies())
