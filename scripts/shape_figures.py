"""Prints the shape figures of issue 10: long modules, long functions, import contracts.

    .venv/bin/python scripts/shape_figures.py [path-to-package]

The same limits are enforced by tests/test_shape.py; this prints the figures for notes.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def modules(root: Path) -> list[Path]:
    """Our own modules; generated migrations are history and keep their length."""
    return [path for path in sorted(root.rglob("*.py")) if "migrations/versions" not in str(path)]


def long_modules(root: Path) -> list[tuple[int, str]]:
    found = [(path.read_text().count("\n"), str(path)) for path in modules(root)]
    return sorted((n, p) for n, p in found if n > MAX_MODULE_LINES)


def long_functions(root: Path) -> list[tuple[int, str]]:
    found = []
    for path in modules(root):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append((length, f"{path}:{node.lineno} {node.name}"))
    return sorted(found)


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "src/returnflow")
    files = modules(root)
    sizes = sorted(path.read_text().count("\n") for path in files)
    print(f"modules: {len(files)}, largest {sizes[-1]} lines, median {sizes[len(sizes) // 2]}")
    for label, found in (
        (f"modules over {MAX_MODULE_LINES} lines", long_modules(root)),
        (f"functions over {MAX_FUNCTION_LINES} lines", long_functions(root)),
    ):
        print(f"{label}: {len(found)}")
        for n, where in found:
            print(f"  {n:5d} {where}")
    contracts = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")], capture_output=True, text=True
    ).stdout
    print(
        "import contracts:",
        " ".join(
            line.split()[-1] for line in contracts.splitlines() if line.endswith(("KEPT", "BROKEN"))
        ),
    )


if __name__ == "__main__":
    main()
