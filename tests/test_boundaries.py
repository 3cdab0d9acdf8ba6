"""Import boundaries of the layout (one concern per top-level folder), read from the source.

``infra/`` is what ``pulumi up`` runs: it never imports the offline verification package, moto or pytest
(dev-only dependencies), nor the review and policy tools. ``monitoring/`` and ``training/`` never import
``infra/`` or ``offline/``. The serving code packed into ``model.tar.gz`` imports nothing of the
repository, because only ``code/`` exists inside the container. What these tests cannot prove: imports
made dynamically (``importlib``) are not seen by the AST scan; the subprocess test covers the program's.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from training import package

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY_PACKAGES = {
    "infra",
    "offline",
    "training",
    "monitoring",
    "client",
    "functions",
    "review",
    "policy",
    "demo",
    "tests",
    "bench",
}
DEV_ONLY = {"moto", "pytest", "pulumi_policy"}


def _imports(module: Path) -> set[str]:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(), str(module))):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    return imported


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


# (folder, what it must never import)
BOUNDARIES = [
    ("infra", {"offline", "review", "policy", "demo", "tests", "training", *DEV_ONLY}),
    ("monitoring", {"infra", "offline", "training", "review", "policy", "demo", "tests", *DEV_ONLY}),
    # training may use monitoring's pure baseline builder only (test below): the job computes the baseline.
    ("training", {"infra", "offline", "review", "policy", "demo", "tests", *DEV_ONLY}),
    ("offline", {"review", "policy", "demo", "tests", "pytest"}),
    # What applications and Lambda import: no program, no offline machinery, no training code.
    (
        "client",
        {"infra", "offline", "training", "monitoring", "functions", "review", "policy", "demo", "tests", *DEV_ONLY},
    ),
    ("functions", {"infra", "offline", "training", "monitoring", "review", "policy", "demo", "tests", *DEV_ONLY}),
    ("review", {"demo", "tests", "moto", "pytest"}),
    ("policy", {"demo", "tests", "moto", "pytest"}),
]


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [(module, forbidden) for folder, forbidden in BOUNDARIES for module in _modules(folder)],
    ids=lambda value: str(value.relative_to(ROOT)) if isinstance(value, Path) else "",
)
def test_folder_boundaries(module: Path, forbidden: set[str]) -> None:
    assert sorted(_imports(module) & forbidden) == []


def _monitoring_imports(module: Path) -> set[str]:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(), str(module))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names if alias.name.split(".")[0] == "monitoring"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "monitoring":
            imported.add(str(node.module))
    return imported


def test_training_imports_only_the_pure_baseline_builder_of_monitoring() -> None:
    """The job stages exactly monitoring's __init__, baseline and errors (no Pulumi, no AWS); any other
    monitoring module would be missing in the job. Dynamic imports are not seen."""
    used = {str(module.relative_to(ROOT)): _monitoring_imports(module) for module in _modules("training")}
    assert {name: found for name, found in used.items() if found} == {
        "training/baseline.py": {"monitoring.baseline", "monitoring.errors"}
    }


def test_the_serving_code_in_the_tarball_imports_nothing_of_the_repository() -> None:
    shipped = package.INFERENCE_SOURCE
    assert sorted(_imports(shipped) & REPOSITORY_PACKAGES) == []


def test_the_program_imports_no_offline_or_dev_only_module() -> None:
    """Importing the program (as ``pulumi up`` does) loads nothing from ``offline/``, moto or pytest."""
    code = (
        "import sys, infra.program\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & {'offline', 'moto', 'pytest', 'review', 'policy'})\n"
        "print(bad)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT, timeout=120
    )
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "[]\n", "")


def test_python_dash_m_monitoring_reports_errors_in_one_line() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "monitoring", "status", "--endpoint-name", "x"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=60,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == "error: pass --endpoint-name and --region (or --stack NAME)\n"
