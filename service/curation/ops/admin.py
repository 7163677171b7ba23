"""Operator actions on the caller's tenant (``curation.v1.AdminService``); each needs the admin scope.

``FlushCache`` removes the tenant's cache entries - every key under its prefix (``curation.ops.keys.
tenant_prefix``: cached results and body aliases) in the shared cache, and the copies processes keep in
front of it (decoded payloads, encoded answers: ``curation.workers`` tells every process) - and never its
stored data (collections and models live in ``curation.store``, under other keys).
"""

from __future__ import annotations

from typing import Any

from curation.auth.principal import Scope
from curation.ops.operation_spec import Context, Host, OperationSpec
from curation.v1 import admin_pb2 as pb

__all__ = ["FLUSH_CACHE", "SPECS"]

SERVICE = "curation.v1.AdminService"
FLUSH_CACHE = f"{SERVICE}/FlushCache"


async def flush_cache(ops: Host, request: pb.FlushCacheRequest, ctx: Context) -> pb.FlushCacheResponse:
    """Remove the caller's tenant's cache entries; how many the shared cache held."""
    return pb.FlushCacheResponse(entries_removed=await ops.flush_cache(ctx.namespace))


SPECS: list[OperationSpec[Any, Any, Any]] = [
    OperationSpec(
        name=FLUSH_CACHE,
        request_type=pb.FlushCacheRequest,
        response_type=pb.FlushCacheResponse,
        handle=flush_cache,
        scope=Scope.ADMIN,
    ),
]
