"""Compute processes: the serving process moves bytes, these parse, compute and encode.

``ProcessPool`` is the ``curation.ops.gateway.Gateway`` the server installs when
``CURATION_COMPUTE_PROCESSES`` asks for processes; ``WorkerConfig`` is what each process is started with.
"""

from __future__ import annotations

from curation.workers.config import DEFAULT_REGISTRY, WorkerConfig
from curation.workers.pool import ProcessPool

__all__ = ["DEFAULT_REGISTRY", "ProcessPool", "WorkerConfig"]
