"""Comprehend controls: custom models and their training volumes encrypted with the stack's own key, and the
confused-deputy guard (``aws:SourceAccount`` and ``aws:SourceArn``) on every role Comprehend may assume."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policy.controls.base import (
    KMS_KEY,
    ROLE,
    Control,
    Resource,
    _document,
    _get,
    _linked,
    _of_type,
    _seq,
    _statements,
    _typed,
)

ENTITY_RECOGNIZER = "aws:comprehend/entityRecognizer:EntityRecognizer"
DOCUMENT_CLASSIFIER = "aws:comprehend/documentClassifier:DocumentClassifier"
COMPREHEND_MODELS = (ENTITY_RECOGNIZER, DOCUMENT_CLASSIFIER)
COMPREHEND_PRINCIPAL = "comprehend.amazonaws.com"
# What each key encrypts: the trained model, and the storage volume of the training instances.
KEY_PROPERTIES = {"modelKmsKeyId": "the trained model", "volumeKmsKeyId": "the training volume"}


def _stack_key(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    keys = _of_type(resources, KMS_KEY)
    violations = []
    for model in (r for r in resources if r.type in COMPREHEND_MODELS):
        for prop, what in KEY_PROPERTIES.items():
            if not model.props.get(prop) and not model.property_dependencies.get(prop):
                violations.append((model.urn, f"{model.name}: {prop} is not set: {what} is encrypted with an AWS key"))
            elif not any(_linked(model, prop, key, ("arn", "keyId", "id")) for key in keys):
                violations.append((model.urn, f"{model.name}: {prop} is not a KMS key of this stack"))
    return violations


def _trust_conditions(type_token: str, props: Mapping[str, Any]) -> list[str]:
    problems = []
    for statement in _statements(_document(props.get("assumeRolePolicy"))):
        services = _seq(_get(statement, "Principal", "Service"))
        if statement.get("Effect") != "Allow" or COMPREHEND_PRINCIPAL not in services:
            continue
        conditions = statement.get("Condition")
        operators = (
            [o for o in conditions.values() if isinstance(o, Mapping)] if isinstance(conditions, Mapping) else []
        )
        missing = [key for key in ("aws:SourceAccount", "aws:SourceArn") if not any(key in o for o in operators)]
        if missing:
            problems.append(
                f"trusts {COMPREHEND_PRINCIPAL} without {' and '.join(missing)} condition"
                f"{'s' if len(missing) > 1 else ''} (confused deputy)"
            )
    return problems


CONTROLS: tuple[Control, ...] = (
    Control(
        "comprehend-models-use-stack-key",
        "Comprehend KMS",
        "Custom Comprehend models encrypt the trained model (modelKmsKeyId) and the training volume "
        "(volumeKmsKeyId) with a KMS key of this stack.",
        stack_check=_stack_key,
    ),
    Control(
        "comprehend-trust-source-conditions",
        "Comprehend confused-deputy guard",
        "Roles Comprehend may assume restrict the trust with aws:SourceAccount and aws:SourceArn conditions.",
        resource_check=_typed((ROLE,), _trust_conditions),
    ),
)
