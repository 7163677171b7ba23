"""``create_app(runtime)``: the FastAPI app serving every RPC that declares a REST route, plus health.

A route handler converts and nothing more: it reads the raw body and hands it, with the JSON codec, to
the runtime's gateway (``curation.ops.gateway``: fast path for a byte-identical repeat, parsing, the
seam, printing — in worker threads or worker processes, never on the event loop for a large body). A
client that disconnects before its answer is ready cancels the computation.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route, request_response
from starlette.types import Receive

import curation
from curation import audit
from curation.contract import (
    AUTHORIZATION_HEADER,
    GRPC_TIMEOUT_HEADER,
    NAMESPACE_HEADER,
    REQUEST_TIMEOUT_HEADER,
)
from curation.errors import INTERNAL_MESSAGE, CurationError, InvalidArgument
from curation.logs import REQUEST_ID
from curation.metrics import CONTENT_TYPE_LATEST
from curation.ops import Caller
from curation.rest import protojson
from curation.rest.deprecation import Deprecated
from curation.rest.docs import DOCS_PATH, add_docs
from curation.rest.encoding import Inflater, body_inflater
from curation.rest.errors import JSON, curation_error_handler, http_error_handler
from curation.rest.media import check_json_body
from curation.rest.middleware import BodyLimitMiddleware, DrainMiddleware, RequestContextMiddleware
from curation.rest.openapi import build_openapi
from curation.rest.routes import RestRoute, rest_routes
from curation.rest.tracing import NATIVE_TELEMETRY_OFF, trace_app

if TYPE_CHECKING:
    from curation.wiring import Runtime

__all__ = ["caller_from_headers", "create_app"]

log = logging.getLogger("curation.rest")

_GRPC_TIMEOUT = re.compile(r"([0-9]{1,8})([HMSmun])")
_GRPC_UNIT_SECONDS = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
# Answered while the process drains (liveness, readiness, metrics), with Connection: close.
_PROBES = frozenset({"/healthz", "/readyz", "/metrics"})


def caller_from_headers(headers: Any, *, now: float | None = None) -> Caller:
    """What a request says of itself: its ``authorization`` and ``x-curation-namespace`` values
    (unchecked: ``Runtime.access`` checks them), the request ID in effect, and a deadline from
    ``x-request-timeout-ms`` or gRPC-style ``grpc-timeout`` (``"500m"``)."""
    now = time.monotonic() if now is None else now
    deadline: float | None = None
    timeout_ms = headers.get(REQUEST_TIMEOUT_HEADER)
    grpc_timeout = headers.get(GRPC_TIMEOUT_HEADER)
    if timeout_ms is not None:
        if not (timeout_ms.isascii() and timeout_ms.isdigit()) or len(timeout_ms) > 9 or int(timeout_ms) == 0:
            raise InvalidArgument(
                "x-request-timeout-ms must be a positive integer (at most 9 digits)",
                field=REQUEST_TIMEOUT_HEADER,
            )
        deadline = now + int(timeout_ms) / 1000
    elif grpc_timeout is not None:
        match = _GRPC_TIMEOUT.fullmatch(grpc_timeout)
        if match is None:
            raise InvalidArgument(
                "grpc-timeout must be 1-8 digits and a unit of HMSmun", field=GRPC_TIMEOUT_HEADER
            )
        deadline = now + int(match[1]) * _GRPC_UNIT_SECONDS[match[2]]
    return Caller(
        authorization=headers.get(AUTHORIZATION_HEADER),
        namespace=headers.get(NAMESPACE_HEADER),
        request_id=REQUEST_ID.get(),
        deadline=deadline,
    )


async def _read_body(request: Request, inflater: Inflater | None) -> tuple[bytes, str | None]:
    """The body (its size is bounded by ``BodyLimitMiddleware``; gzip inflated as it arrives, bounded by
    ``inflater``) and its SHA-256, hashed chunk by chunk as it arrives, so a repeat of a large body costs
    little more than reading it (None for an inflated body)."""
    hasher = hashlib.sha256()
    chunks = []
    async for chunk in request.stream():
        hasher.update(chunk)
        chunks.append(inflater.feed(chunk) if inflater is not None else chunk)
    if inflater is not None:
        chunks.append(inflater.finish())
        return b"".join(chunks), None  # the gateway hashes the inflated body (what the answer depends on)
    return b"".join(chunks), hasher.hexdigest()


async def _until_disconnected(receive: Receive) -> None:
    """Return when the client goes away (after the body, the next ASGI message is the disconnect)."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _rpc_endpoint(route: RestRoute, runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        """The answer, or nothing at all when the client leaves first: its computation is cancelled."""
        check_json_body(request.headers.get("content-type"))
        inflater = body_inflater(request.headers.get("content-encoding"), runtime.settings.max_request_bytes)
        # Who calls, where, and may they: checked before a byte of the body is read.
        ctx = await runtime.access.admit(route.rpc, caller_from_headers(request.headers))
        body, digest = await _read_body(request, inflater)  # ClientDisconnect if the client leaves meanwhile
        record = audit.current()
        if record is not None:
            record.request_bytes, record.digest = len(body), digest or ""
        # Only once the body is read may the disconnect watcher take the next ASGI message.
        work = asyncio.create_task(
            runtime.gateway.answer(route.rpc, body, protojson.CODEC, ctx, digest=digest)
        )
        del body
        gone = asyncio.create_task(_until_disconnected(request.receive))
        try:
            await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not work.done():
                work.cancel()  # the client left (or this endpoint was cancelled): stop the computation
        if not work.done() or work.cancelled():
            raise ClientDisconnect()  # nobody reads an answer: counted as the client closing (499)
        try:
            payload = work.result()
        except CurationError:
            raise
        except Exception as exc:
            log.exception("unexpected error in %s", route.rpc, extra={"rpc": route.rpc})
            raise CurationError(INTERNAL_MESSAGE) from exc
        if record is not None:
            record.response_bytes = len(payload)
        return Response(payload, media_type=JSON)

    endpoint.__name__ = route.rpc.rsplit("/", 1)[-1]
    return endpoint


def _json(doc: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(doc, separators=(",", ":")).encode(), status_code=status, media_type=JSON)


class _ProtoApp(FastAPI):
    """FastAPI serving a fixed OpenAPI document (built from the protos, not from Python signatures)."""

    document: dict[str, Any]

    def openapi(self) -> dict[str, Any]:
        return self.document


def create_app(runtime: Runtime) -> FastAPI:
    """The REST app over ``runtime``: the routes of every registered RPC with a ``google.api.http``
    option (its old, deprecated routes marked by headers), ``/healthz``, ``/readyz``, ``/metrics``,
    ``/openapi.json`` (generated from the protos) and ``/docs``."""
    routes = rest_routes(runtime.ops.specs.values())
    app = _ProtoApp(
        title="curation",
        version=curation.__version__,
        docs_url=None,  # served by curation.rest.docs from the shipped Swagger UI, not a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
        telemetry=NATIVE_TELEMETRY_OFF,
    )
    successors = {route.rpc: route.path for route in routes if not route.deprecated}
    for route in routes:
        endpoint = _rpc_endpoint(route, runtime)
        if route.deprecated:
            old = Deprecated(request_response(endpoint), successors[route.rpc])
            app.router.routes.append(
                Route(route.path, old, methods=[route.http_method], include_in_schema=False)
            )
        else:
            app.router.add_route(route.path, endpoint, methods=[route.http_method], include_in_schema=False)

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok"})

    async def readyz(request: Request) -> Response:
        doc: dict[str, Any] = {"status": "serving" if runtime.serving else "not_serving"}
        describe = getattr(runtime.cache, "describe", None)
        if callable(describe):
            doc["cache"] = {str(k): str(v) for k, v in describe().items()}
        return _json(doc, 200 if runtime.serving else 503)

    async def metrics(request: Request) -> Response:
        if runtime.settings.metrics_auth:  # any valid credential (CURATION_METRICS_AUTH)
            caller = Caller(authorization=request.headers.get(AUTHORIZATION_HEADER))
            await runtime.access.principal(caller)
        return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    app.router.add_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    app.router.add_route("/readyz", readyz, methods=["GET"], include_in_schema=False)
    app.router.add_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
    add_docs(app, openapi_url="/openapi.json")

    app.document = build_openapi(routes, title=app.title, version=app.version)
    app.add_exception_handler(CurationError, curation_error_handler)
    app.add_exception_handler(HTTPException, http_error_handler)

    labels = {route.path: route.rpc for route in routes}
    labels.update({p: p for p in ("/healthz", "/readyz", "/metrics", "/openapi.json", DOCS_PATH)})
    # Added last = outermost: the request ID and metrics also cover calls refused by the shutdown gate
    # and bodies refused by the limit.
    app.add_middleware(BodyLimitMiddleware, max_bytes=runtime.settings.max_request_bytes)
    app.add_middleware(DrainMiddleware, drain=runtime.drain, always_open=_PROBES)
    rpcs = frozenset(route.path for route in routes)
    app.add_middleware(RequestContextMiddleware, metrics=runtime.metrics, labels=labels, rpcs=rpcs)
    if runtime.tracer_provider is not None:
        trace_app(app, runtime.tracer_provider)  # outside all of the above (curation.rest.tracing)
    return app
