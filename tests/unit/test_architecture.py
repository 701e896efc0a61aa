"""The package graph tells the truth (DESIGN.md §2): the import contracts of pyproject.toml hold,
and no module hides an import of Kastoma's inside a function (the way to dodge a circle)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The app factory builds the app from every floor; importing it all at `import kastoma` is what
# its functions avoid, by design (Flask's application factory).
FACTORY = ROOT / "kastoma" / "__init__.py"


def test_the_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.count("KEPT") >= 3


def test_no_kastoma_import_hides_inside_a_function():
    hidden = []
    for path in sorted((ROOT / "kastoma").rglob("*.py")):
        if path == FACTORY:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                hidden += [
                    f"{path.relative_to(ROOT)}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("kastoma")
                ]
    assert hidden == []
