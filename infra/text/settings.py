"""``mlops:text``: whether a stack trains the custom entity recognizer, and from which files.

The environment decides the default (``DEFAULTS``: off in dev, where nothing billed should start by
itself; on in staging and prod). The files are the repository's example (``data/comprehend/``) unless the
stack names others; relative paths are read from the project root.

The training data is checked here, at config time, before any resource exists: Comprehend reports a bad
file only when the (hours-long, billed) training fails. A problem is one line naming file, line and fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from client.text.training_data import (
    TrainingData,
    classifier_version_name,
    validate,
    validate_classifier,
    version_name,
)

Environment = Literal["dev", "staging", "prod"]
# The languages CreateEntityRecognizer trains a custom recognizer for (the API's SyntaxLanguageCode).
LanguageCode = Literal["en", "es", "fr", "it", "de", "pt"]

DEFAULTS: dict[Environment, dict[str, Any]] = {
    "dev": {"enabled": False},
    "staging": {"enabled": True},
    "prod": {"enabled": True},
}
EXAMPLE_DOCUMENTS = "data/comprehend/documents.txt"
EXAMPLE_ANNOTATIONS = "data/comprehend/annotations.csv"
EXAMPLE_ENTITY_TYPES = ("SPECIES", "ISLAND")
EXAMPLE_CLASSIFIER = "data/comprehend/classifier.csv"

EntityTypes = Annotated[tuple[Annotated[str, Field(strict=True)], ...], Field(strict=False)]


class TextSection(BaseModel):
    """The ``mlops:text`` keys as users write them (camelCase, unknown keys refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, alias_generator=to_camel, populate_by_name=True)

    enabled: bool
    documents: str = EXAMPLE_DOCUMENTS
    annotations: str | None = None
    entity_list: str | None = None
    entity_types: EntityTypes = EXAMPLE_ENTITY_TYPES
    language_code: LanguageCode = "en"
    # The optional document classifier (multi-class), trained beside the recognizer: off by default.
    classifier: bool = False
    classifier_data: str = EXAMPLE_CLASSIFIER


@dataclass(frozen=True)
class ClassifierSettings:
    """The document classifier's checked training file and the version name it gives."""

    training_file: Path
    version_name: str
    examples_per_class: dict[str, int]


@dataclass(frozen=True)
class TextSettings:
    """A stack's recognizer: its checked training data and the version name that data gives."""

    data: TrainingData
    language_code: str
    version_name: str
    documents: int
    examples_per_type: dict[str, int]
    classifier: ClassifierSettings | None = None


class TrainingDataError(Exception):
    """The training data fails a pre-flight check; ``key`` is the config key naming the file."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(problem)


def _path(root: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else root / path


def _shown(root: Path, path: Path) -> str:
    """A data file as a problem names it: relative to the project when it is inside, else as configured."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def resolve(section: TextSection, root: Path, stack_file: str) -> TextSettings:
    """The section's files, checked the way Comprehend documents them; the first problem raises.

    Raises ``TrainingDataError`` naming the config key of the file at fault, with the problem's
    ``file:line: what; fix`` and how many more were found.
    """
    if section.annotations is not None and section.entity_list is not None:
        raise TrainingDataError(
            "mlops:text.entityList",
            "and mlops:text.annotations are both set; a recognizer trains from one of them, remove the other",
        )
    annotations = section.annotations
    if section.entity_list is None and annotations is None:
        annotations = EXAMPLE_ANNOTATIONS
    documents = _path(root, section.documents)
    files = {
        "documents": documents,
        "annotations": _path(root, annotations) if annotations is not None else None,
        "entityList": _path(root, section.entity_list) if section.entity_list is not None else None,
    }
    for key, path in files.items():
        if path is not None and not path.is_file():
            raise TrainingDataError(
                f"mlops:text.{key}", f"{_shown(root, path)} does not exist or is not a file; check the path"
            )
    shown = {str(path): _shown(root, path) for path in files.values() if path is not None}
    data = TrainingData(
        documents=(documents,),
        entity_types=section.entity_types,
        annotations=files["annotations"],
        entity_list=files["entityList"],
        entity_types_source=f"{stack_file} mlops:text.entityTypes",
    )
    report = validate(data)
    if report.problems:
        first = report.problems[0]
        key = next(
            (f"mlops:text.{k}" for k, p in files.items() if p is not None and str(p) == first.path), "mlops:text"
        )
        if first.path == data.entity_types_source:
            key = "mlops:text.entityTypes"
        located = str(first).replace(first.path, shown.get(first.path, first.path), 1)
        more = len(report.problems) - 1
        suffix = f" ({more} more problem{'s' if more > 1 else ''} in the training data)" if more else ""
        raise TrainingDataError(key, located + suffix)
    return TextSettings(
        classifier=_classifier(section, root) if section.classifier else None,
        data=data,
        language_code=section.language_code,
        version_name=version_name(data),
        documents=report.documents,
        examples_per_type=dict(report.examples_per_type),
    )


def _classifier(section: TextSection, root: Path) -> ClassifierSettings:
    path = _path(root, section.classifier_data)
    if not path.is_file():
        raise TrainingDataError(
            "mlops:text.classifierData", f"{_shown(root, path)} does not exist or is not a file; check the path"
        )
    report = validate_classifier(path)
    if report.problems:
        more = len(report.problems) - 1
        suffix = f" ({more} more problem{'s' if more > 1 else ''} in the training data)" if more else ""
        first = str(report.problems[0]).replace(str(path), _shown(root, path), 1)
        raise TrainingDataError("mlops:text.classifierData", first + suffix)
    return ClassifierSettings(path, classifier_version_name(path), dict(report.examples_per_type))
