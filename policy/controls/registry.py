"""Registry controls: a model that names a registered version ships only what that environment approved.

Enforceable from the graph because the program tags every model deployed from the registry with the
version's ARN and approval status at preview time (``model-package``, ``model-package-status``), and the
stack's own Model Package Group is in the graph. A prod model built from a file artifact (no
``model-package`` tag) is not flagged: deploying through the registry is the stack's choice
(``mlops:modelPackage``), and the file path stays for stacks without one. What the graph cannot show is
the registry's state at ``pulumi up`` time: the program reads it at preview, and an approval revoked in
between is seen by the next preview.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from offline import tokens
from policy.controls.base import MODEL, Control, Resource, _of_type

_VERSION_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/([a-zA-Z0-9-]+)/\d+$")


def _tags(props: Mapping[str, Any]) -> Mapping[str, Any]:
    tags = props.get("tags")
    return tags if isinstance(tags, Mapping) else {}


def _approved_versions(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    groups = {
        str(g.props.get("modelPackageGroupName")) for g in _of_type(resources, tokens.SAGEMAKER_MODEL_PACKAGE_GROUP)
    }
    violations = []
    for model in _of_type(resources, MODEL):
        tags = _tags(model.props)
        arn, status = tags.get("model-package"), tags.get("model-package-status")
        if arn is None and status is None:
            continue  # a file artifact: no registry claim to check
        where = f"model {model.name}"
        match = _VERSION_ARN.match(str(arn or ""))
        if match is None or status is None:
            violations.append(
                (model.urn, f"{where}: model-package {arn!r} / status {status!r} is not a version and its status")
            )
            continue
        if match.group(1) not in groups:
            violations.append(
                (
                    model.urn,
                    f"{where}: {arn} is not a version of this stack's group ({', '.join(sorted(groups)) or 'none'})",
                )
            )
        if status == "Rejected" or (tags.get("environment") == "prod" and status != "Approved"):
            violations.append((model.urn, f"{where}: ships {arn}, which is {status}"))
    return violations


CONTROLS: tuple[Control, ...] = (
    Control(
        "mlops-registry-approved-version",
        "mlops (ours)",
        "A model deployed from the registry names a version of the stack's own group; in prod that version "
        "is Approved, and no stack ships a Rejected one.",
        stack_check=_approved_versions,
    ),
)
