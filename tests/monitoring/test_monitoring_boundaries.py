"""Package boundaries and entry points: `monitoring` never imports `infra` or `training`."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "monitoring"


@pytest.mark.parametrize("module", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_import_of_infra_or_training(module: Path) -> None:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(), str(module))):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & {"infra", "training"}


def test_python_dash_m_monitoring_reports_errors_in_one_line() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "monitoring", "status", "--endpoint-name", "x"],
        capture_output=True,
        text=True,
        check=False,
        cwd=PACKAGE.parent,
        timeout=60,
    )
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr == "error: pass --endpoint-name and --region (or --stack NAME)\n"
