"""The house's rules that a reader relies on and that lint-imports cannot see: each family's public
surface is complete, the seam uses nothing else of the core, every module says what it holds, and
every function outside the compiled kernels fits on a screen."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import curation
import curation.core

PACKAGE = Path(curation.__file__).parent
FAMILIES = ("classification", "detection", "labeling", "sampling")
# Functions longer than this are split into named steps; numba kernels (one compiled loop nest each)
# are the exception.
MAX_FUNCTION_LINES = 80


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "v1" not in p.relative_to(PACKAGE).parts)


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_names_its_public_surface_once(family: str) -> None:
    package = importlib.import_module(f"curation.core.{family}")
    names = list(package.__all__)
    assert len(set(names)) == len(names)
    assert [name for name in names if not hasattr(package, name)] == []
    assert package.__doc__, f"curation.core.{family} says what it holds"


def _core_imports(path: Path) -> list[tuple[str, set[str]]]:
    """(module, names) of every ``from curation.core... import`` in the file; bare imports as names=∅."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("curation.core"):
            found.append((node.module or "", {alias.name for alias in node.names}))
        elif isinstance(node, ast.Import):
            found += [(a.name, set()) for a in node.names if a.name.startswith("curation.core")]
    return found


@pytest.mark.parametrize("path", _modules(PACKAGE / "ops"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_seam_uses_the_core_only_through_the_families_public_names(path: Path) -> None:
    for module, names in _core_imports(path):
        if module == "curation.core":
            allowed = set(FAMILIES) | set(curation.core.__all__)
        else:
            family = module.removeprefix("curation.core.")
            assert family in FAMILIES, f"{path.name} imports {module}: import the family package instead"
            allowed = set(importlib.import_module(module).__all__)
        assert names and names <= allowed, f"{path.name} imports {names - allowed or module} from {module}"


@pytest.mark.parametrize("path", _modules(PACKAGE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_says_what_it_holds(path: Path) -> None:
    assert ast.get_docstring(ast.parse(path.read_text())), f"{path} has no module docstring"


def _is_kernel(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any("njit" in ast.unparse(decorator) for decorator in node.decorator_list)


def test_every_function_fits_on_a_screen() -> None:
    long = []
    for path in _modules(PACKAGE):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _is_kernel(node):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []
