"""The sampling family's public surface: ``__all__`` names what exists, and the ops seam imports only it.

ops/sampling may import from ``curation.core`` and ``curation.core.sampling`` (never one of the family's
modules, never a private one), and only names listed in their ``__all__``.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

import curation.core
import curation.ops.sampling
from curation.core import sampling

PUBLIC = {"curation.core": curation.core, "curation.core.sampling": sampling}
OPS_MODULES = sorted(pathlib.Path(curation.ops.sampling.__file__).parent.glob("*.py"))


def test_every_public_name_exists_once() -> None:
    assert len(set(sampling.__all__)) == len(sampling.__all__)
    assert [name for name in sampling.__all__ if not hasattr(sampling, name)] == []


@pytest.mark.parametrize("path", OPS_MODULES, ids=lambda p: p.name)
def test_ops_imports_only_the_public_surface(path: pathlib.Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("curation.core"):
            module = PUBLIC.get(node.module or "")
            assert module is not None, f"{path.name} imports {node.module}"
            allowed = set(module.__all__) | ({"sampling"} if module is curation.core else set())
            names = {alias.name for alias in node.names}
            assert names <= allowed, f"{path.name} imports {names - allowed} from {node.module}"
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("curation.core") for a in node.names), path.name
