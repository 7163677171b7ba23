"""The labeling family's public surface: ``__all__`` names what exists, and the ops seam imports only it.

ops/labeling may import from ``curation.core`` and ``curation.core.labeling`` (never one of the family's
modules, never a private one), and only names listed in their ``__all__``.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

import curation.core
import curation.ops.labeling
from curation.core import labeling

PUBLIC = {"curation.core": curation.core, "curation.core.labeling": labeling}
OPS_MODULES = sorted(pathlib.Path(curation.ops.labeling.__file__).parent.glob("*.py"))


def test_every_public_name_exists_once() -> None:
    assert len(set(labeling.__all__)) == len(labeling.__all__)
    assert [name for name in labeling.__all__ if not hasattr(labeling, name)] == []


@pytest.mark.parametrize("path", OPS_MODULES, ids=lambda p: p.name)
def test_ops_imports_only_the_public_surface(path: pathlib.Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("curation.core"):
            module = PUBLIC.get(node.module or "")
            assert module is not None, f"{path.name} imports {node.module}"
            allowed = set(module.__all__) | ({"labeling"} if module is curation.core else set())
            names = {alias.name for alias in node.names}
            assert names <= allowed, f"{path.name} imports {names - allowed} from {node.module}"
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("curation.core") for a in node.names), path.name
