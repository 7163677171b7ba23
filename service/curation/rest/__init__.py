"""The REST adapter: a FastAPI app whose routes, JSON mapping and OpenAPI document come from the protos."""

from __future__ import annotations

from curation.rest.app import context_from_headers, create_app
from curation.rest.openapi import build_openapi, message_schemas
from curation.rest.protojson import dumps, parse, parse_object, to_dict
from curation.rest.routes import RestRoute, rest_routes

__all__ = [
    "RestRoute",
    "build_openapi",
    "context_from_headers",
    "create_app",
    "dumps",
    "message_schemas",
    "parse",
    "parse_object",
    "rest_routes",
    "to_dict",
]
