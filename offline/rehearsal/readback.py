"""Reading the emulated account back after a rehearsal: one ``Check`` per property compared.

Expected values come from the program (stack outputs and the registered inputs of each resource);
actual values only from the emulator's read APIs (describe/get/list), so a request the rehearsal
mangled, or one moto interpreted differently, shows up as a failed check, not as an echo of the
inputs. A property the emulator cannot hold (its create call is validated, not emulated) is reported
as such and never counted as passed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from offline.graph import RecordedResource, reveal

if TYPE_CHECKING:
    from offline.rehearsal.report import RehearsalReport

ClientFactory = Callable[[str], Any]
CheckStatus = Literal["passed", "failed", "not-emulated"]


@dataclass(frozen=True)
class Check:
    """One property of the emulated account, read back through boto3 after the rehearsal."""

    name: str
    status: CheckStatus
    detail: str

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def read_back(self) -> bool:
        """Whether the emulator answered with something to compare (passed or failed)."""
        return self.status != "not-emulated"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "passed": self.passed, "detail": self.detail}


class Checks:
    def __init__(self) -> None:
        self.results: list[Check] = []

    def add(self, name: str, passed: bool, detail: str) -> None:
        self.results.append(Check(name, "passed" if passed else "failed", detail))

    def not_emulated(self, name: str, detail: str) -> None:
        """The resource was validated against the API model but the emulator cannot hold it."""
        self.results.append(Check(name, "not-emulated", detail))

    def equal(self, name: str, actual: Any, expected: Any) -> None:
        if actual == expected:
            self.add(name, True, short(actual))
        else:
            self.add(name, False, f"expected {short(expected)}, emulator has {short(actual)}")

    @contextmanager
    def reading(self, name: str) -> Iterator[None]:
        """A read that fails (resource absent, wrong id) becomes a failed check with AWS's error."""
        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            self.add(name, False, f"{error.get('Code')}: {error.get('Message')}")
        except (KeyError, IndexError, StopIteration, ValueError) as exc:
            self.add(name, False, f"unexpected answer from the emulator ({type(exc).__name__}: {exc})")


Verifier = Callable[["RehearsalReport", ClientFactory, Checks], None]


def short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 240 else text[:237] + "..."


def resources_of(report: RehearsalReport, type_token: str) -> list[RecordedResource]:
    """The declared resources of a type, secrets revealed: the emulator holds the real values."""
    return [replace(r, inputs=reveal(r.inputs)) for r in report.plan.resources if r.type == type_token]


def as_int(value: Any) -> Any:
    """The engine carries numbers as doubles; compare whole numbers as integers."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def s3_location(uri: str) -> tuple[str, str]:
    match = re.match(r"^s3://([^/]+)/(.+)$", uri)
    if not match:
        raise ValueError(f"not an s3:// object URI: {uri}")
    return match.group(1), match.group(2)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
