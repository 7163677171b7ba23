"""The only seam between the adapters and the core: validate, cache, compute off the event loop."""

from __future__ import annotations

from curation.ops.facade import Operations
from curation.ops.spec import Context, OperationSpec

__all__ = ["Context", "OperationSpec", "Operations"]
