"""The only seam between the adapters and the core: validate, cache, compute off the event loop.

Adapters use what is exported here: ``Operations`` (the ``Seam`` they call), the operation records and
``body_digest`` for the fast path of byte-identical repeats. Families live in ``curation.ops.<family>``
and register their operations in ``curation.ops.registry``.
"""

from __future__ import annotations

from curation.ops.access import Access, Caller
from curation.ops.keys import body_digest
from curation.ops.operation_spec import BodyFormat, ClientStream, Context, Cost, Host, OperationSpec, Seam
from curation.ops.operations import Operations

__all__ = [
    "Access",
    "BodyFormat",
    "Caller",
    "ClientStream",
    "Context",
    "Cost",
    "Host",
    "OperationSpec",
    "Operations",
    "Seam",
    "body_digest",
]
