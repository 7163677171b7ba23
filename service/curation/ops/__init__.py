"""The only seam between the adapters and the core: validate, cache, compute off the event loop."""

from __future__ import annotations

from curation.ops.operation_spec import Context, OperationSpec
from curation.ops.operations import Operations

__all__ = ["Context", "OperationSpec", "Operations"]
