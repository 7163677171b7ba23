"""The REST adapter: a FastAPI app whose routes, JSON mapping and OpenAPI document come from the protos.

Its names are imported on first use: a compute process needs only the JSON codec
(``curation.rest.protojson``) and so starts without importing FastAPI (about 0.4 s of CPU per process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from curation.rest.app import caller_from_headers, create_app
    from curation.rest.openapi import build_openapi, message_schemas
    from curation.rest.protojson import dumps, parse, parse_object, to_dict
    from curation.rest.routes import RestRoute, rest_routes

__all__ = [
    "RestRoute",
    "build_openapi",
    "caller_from_headers",
    "create_app",
    "dumps",
    "message_schemas",
    "parse",
    "parse_object",
    "rest_routes",
    "to_dict",
]

_HOME = {
    "RestRoute": "curation.rest.routes",
    "build_openapi": "curation.rest.openapi",
    "caller_from_headers": "curation.rest.app",
    "create_app": "curation.rest.app",
    "dumps": "curation.rest.protojson",
    "message_schemas": "curation.rest.openapi",
    "parse": "curation.rest.protojson",
    "parse_object": "curation.rest.protojson",
    "rest_routes": "curation.rest.routes",
    "to_dict": "curation.rest.protojson",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
