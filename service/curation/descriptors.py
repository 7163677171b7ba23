"""The proto descriptors of every curation.v1 file, loaded by importing each generated module.

Both adapters build their surface from these (gRPC handlers, REST routes), so a new proto file needs
no adapter change.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import curation.v1

__all__ = ["load_descriptors"]


@cache
def load_descriptors() -> tuple[str, ...]:
    """Import every generated ``curation.v1.*_pb2`` module so the default pool holds all services."""
    names = sorted(m.name for m in pkgutil.iter_modules(curation.v1.__path__) if m.name.endswith("_pb2"))
    for name in names:
        importlib.import_module(f"curation.v1.{name}")
    return tuple(names)
