"""The OpenAPI 3.1 document of the REST adapter, generated from the proto descriptors.

Component schemas follow the proto3 JSON mapping as ``curation.rest.protojson`` implements it: proto
field names, 64-bit integers as decimal strings (``type: string, format: int64``), floats as numbers or
``"NaN"``/``"Infinity"``/``"-Infinity"``, bytes as base64, enums by name (or number), repeated
fields as arrays, maps as objects, unknown properties refused. Schemas are JSON Schema 2020-12 (the
dialect of OpenAPI 3.1). They describe what the server emits exactly and what it accepts slightly
narrowly (it also accepts lowerCamelCase names, ``null`` for "absent", 64-bit integers as numbers and
32-bit ones as strings), so values generated from them are valid requests.

Fields marked ``google.api.field_behavior`` REQUIRED (refused when absent) are ``required``; OUTPUT_ONLY
ones are ``readOnly``. Only messages reachable from the served RPCs appear: the internal storage
messages (``curation.internal.v1``) never do. Deprecated routes (a rule's additional bindings) are
``deprecated`` operations.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable
from typing import Any

from google.api import field_behavior_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from curation.contract import (
    DEFAULT_NAMESPACE,
    NAME_PATTERN,
    NAMESPACE_HEADER,
    REQUEST_ID_HEADER,
    REQUEST_TIMEOUT_HEADER,
)
from curation.rest.error_schema import ERROR_SCHEMA_NAME, error_schemas
from curation.rest.errors import HTTP_STATUS, REST_ONLY
from curation.rest.routes import RestRoute

__all__ = ["REQUEST_HEADERS", "build_openapi", "message_schemas", "schema_ref"]

_FD = FieldDescriptor
# Doubles below this magnitude round to a finite float32 (as curation.rest.protojson accepts them).
_FLOAT_OVERFLOW = float(2**128 - 2**103)
_NON_FINITE = {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]}
_B64 = "[A-Za-z0-9+/_-]"
_BASE64_PATTERN = f"^(?:{_B64}{{4}})*(?:{_B64}{{2}}(?:==)?|{_B64}{{3}}=?)?$"
# proto-JSON writes 64-bit integers as strings (JavaScript numbers lose precision past 2**53). 18 digits
# always fit int64 and 19 always fit uint64: generated strings are never out of range.
_INT64 = {"type": "string", "format": "int64", "pattern": "^-?[0-9]{1,18}$"}
_UINT64 = {"type": "string", "format": "uint64", "pattern": "^[0-9]{1,19}$"}

_SCALARS: dict[int, dict[str, Any]] = {
    _FD.TYPE_INT32: {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1},
    _FD.TYPE_SINT32: {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1},
    _FD.TYPE_SFIXED32: {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1},
    _FD.TYPE_UINT32: {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
    _FD.TYPE_FIXED32: {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
    _FD.TYPE_INT64: _INT64,
    _FD.TYPE_SINT64: _INT64,
    _FD.TYPE_SFIXED64: _INT64,
    _FD.TYPE_UINT64: _UINT64,
    _FD.TYPE_FIXED64: _UINT64,
    _FD.TYPE_DOUBLE: {"anyOf": [{"type": "number"}, _NON_FINITE]},
    _FD.TYPE_FLOAT: {
        "anyOf": [
            {"type": "number", "exclusiveMinimum": -_FLOAT_OVERFLOW, "exclusiveMaximum": _FLOAT_OVERFLOW},
            _NON_FINITE,
        ]
    },
    _FD.TYPE_BOOL: {"type": "boolean"},
    _FD.TYPE_STRING: {"type": "string"},
    _FD.TYPE_BYTES: {"type": "string", "contentEncoding": "base64", "pattern": _BASE64_PATTERN},
}

# The special JSON forms of the well-known types (https://protobuf.dev/programming-guides/json/).
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": "^-?[0-9]+(?:\\.[0-9]{1,9})?s$"},
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Empty": {"type": "object", "additionalProperties": False},
    "google.protobuf.Any": {"type": "object", "properties": {"@type": {"type": "string"}}},
    "google.protobuf.BoolValue": {"type": "boolean"},
    "google.protobuf.StringValue": {"type": "string"},
    "google.protobuf.BytesValue": _SCALARS[_FD.TYPE_BYTES],
    "google.protobuf.Int32Value": _SCALARS[_FD.TYPE_INT32],
    "google.protobuf.UInt32Value": _SCALARS[_FD.TYPE_UINT32],
    "google.protobuf.Int64Value": _SCALARS[_FD.TYPE_INT64],
    "google.protobuf.UInt64Value": _SCALARS[_FD.TYPE_UINT64],
    "google.protobuf.FloatValue": _SCALARS[_FD.TYPE_FLOAT],
    "google.protobuf.DoubleValue": _SCALARS[_FD.TYPE_DOUBLE],
}

REQUEST_HEADERS: list[dict[str, Any]] = [
    {
        "name": REQUEST_ID_HEADER,
        "in": "header",
        "required": False,
        "description": f"Echoed in the {REQUEST_ID_HEADER} response header and error bodies; "
        "generated if absent.",
        "schema": {"type": "string", "maxLength": 128},
    },
    {
        "name": NAMESPACE_HEADER,
        "in": "header",
        "required": False,
        "description": f"Tenant namespace of the cache (default: {DEFAULT_NAMESPACE}).",
        "schema": {"type": "string", "pattern": f"^{NAME_PATTERN}$"},
    },
    {
        "name": REQUEST_TIMEOUT_HEADER,
        "in": "header",
        "required": False,
        "description": "Deadline in milliseconds; past it the answer is 504 DEADLINE_EXCEEDED.",
        "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"},
    },
]


def schema_ref(full_name: str) -> dict[str, str]:
    """A ``$ref`` to the component schema of the message ``full_name``."""
    return {"$ref": f"#/components/schemas/{full_name}"}


def _value_schema(fd: FieldDescriptor, pending: list[Descriptor]) -> dict[str, Any]:
    if fd.message_type is not None:
        name = fd.message_type.full_name
        if name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[name])
        pending.append(fd.message_type)
        return schema_ref(name)
    if fd.enum_type is not None:
        values = fd.enum_type.values
        return {
            "anyOf": [
                {"type": "string", "enum": [v.name for v in values]},
                {"type": "integer", "enum": [v.number for v in values]},
            ]
        }
    return dict(_SCALARS[fd.type])


def _field_schema(fd: FieldDescriptor, pending: list[Descriptor]) -> dict[str, Any]:
    entry = fd.message_type if fd.type == _FD.TYPE_MESSAGE else None
    if entry is not None and entry.GetOptions().map_entry:
        key_fd, value_fd = entry.fields_by_name["key"], entry.fields_by_name["value"]
        schema: dict[str, Any] = {"type": "object", "additionalProperties": _value_schema(value_fd, pending)}
        if key_fd.type == _FD.TYPE_BOOL:
            schema["propertyNames"] = {"enum": ["true", "false"]}
        elif key_fd.type != _FD.TYPE_STRING:
            schema["propertyNames"] = {"pattern": "^-?[0-9]{1,18}$"}
        return schema
    if fd.is_repeated:
        return {"type": "array", "items": _value_schema(fd, pending)}
    return _value_schema(fd, pending)


def field_behaviors(fd: FieldDescriptor) -> frozenset[int]:
    """The field's ``google.api.field_behavior`` values (``field_behavior_pb2.REQUIRED``, ...)."""
    options: Any = fd.GetOptions()
    return frozenset(options.Extensions[field_behavior_pb2.field_behavior])


def _not_empty(fd: FieldDescriptor, schema: dict[str, Any]) -> dict[str, Any]:
    """A REQUIRED field's schema: the service refuses the empty list and the empty string too (the
    server writes every field, defaults included, so ``required`` alone would admit them)."""
    if fd.is_repeated:
        return {**schema, "minItems": 1}
    if fd.type in (_FD.TYPE_STRING, _FD.TYPE_BYTES):
        return {**schema, "minLength": 1}
    return schema


def _message_schema(descriptor: Descriptor, pending: list[Descriptor]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for fd in descriptor.fields:
        properties[fd.name] = _field_schema(fd, pending)
        behaviors = field_behaviors(fd)
        if field_behavior_pb2.REQUIRED in behaviors:
            required.append(fd.name)
            properties[fd.name] = _not_empty(fd, properties[fd.name])
        if field_behavior_pb2.OUTPUT_ONLY in behaviors:
            properties[fd.name] = {**properties[fd.name], "readOnly": True}
    schema: dict[str, Any] = {
        "type": "object",
        "title": descriptor.full_name,
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    exclusive = [
        {"not": {"required": [a.name, b.name]}}
        for oneof in descriptor.oneofs
        for a, b in itertools.combinations(oneof.fields, 2)
    ]
    if exclusive:
        schema["allOf"] = exclusive
    return schema


def message_schemas(roots: Iterable[Descriptor]) -> dict[str, dict[str, Any]]:
    """JSON Schemas of ``roots`` and every message they reach, keyed by full name."""
    schemas: dict[str, dict[str, Any]] = {}
    pending = list(roots)
    while pending:
        descriptor = pending.pop()
        if descriptor.full_name in schemas or descriptor.full_name in _WELL_KNOWN:
            continue
        schemas[descriptor.full_name] = _message_schema(descriptor, pending)
    return dict(sorted(schemas.items()))


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_REQUEST_ID = {REQUEST_ID_HEADER: {"schema": {"type": "string"}, "description": "The request ID."}}
_RETRY_HEADERS = {
    **_REQUEST_ID,
    "Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait (with RetryInfo)."},
}
_AUTH_HEADERS = {
    **_REQUEST_ID,
    "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer (the scheme to use)."},
}
# Every RPC takes "authorization: Bearer <API key or JWT>" once authentication is configured.
_SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (cur_<id>_<secret>) or a JWT; required when the server configures "
        "authentication (CURATION_API_KEYS_FILE or a JWKS).",
    }
}
_ERROR_DESCRIPTION = (
    "An AIP-193 error: google.rpc.Code name, message, and details (ErrorInfo with the reason, "
    "BadRequest naming the field, RequestInfo with the request ID, RetryInfo where a retry helps)."
)
_STATUS_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string"},
        "cache": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["status"],
}
# The endpoints every process serves besides the RPCs.
_OPERATIONS_PATHS: dict[str, Any] = {
    "/healthz": {
        "get": {
            "operationId": "healthz",
            "summary": "Liveness: 200 while the event loop answers.",
            "responses": {"200": _json(_STATUS_SCHEMA, "Alive.")},
        }
    },
    "/readyz": {
        "get": {
            "operationId": "readyz",
            "summary": "Readiness: 200 while serving, 503 before start-up completes and during shutdown.",
            "responses": {
                "200": _json(_STATUS_SCHEMA, "Serving."),
                "503": _json(_STATUS_SCHEMA, "Not serving."),
            },
        }
    },
    "/metrics": {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus text exposition.",
            "responses": {
                "200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}
            },
        }
    },
}


def _rpc_operation(route: RestRoute) -> dict[str, Any]:
    """The OpenAPI operation of one RPC: its JSON body, its answer and one response per error status."""
    service, _, method = route.rpc.partition("/")
    responses: dict[str, Any] = {
        "200": {
            **_json(schema_ref(route.response_type.DESCRIPTOR.full_name), "The answer."),
            "headers": _REQUEST_ID,
        }
    }
    for status in sorted({*HTTP_STATUS.values(), *REST_ONLY}):
        responses[str(status)] = {
            **_json(schema_ref(ERROR_SCHEMA_NAME), _ERROR_DESCRIPTION),
            "headers": _RETRY_HEADERS
            if status in (429, 503)
            else _AUTH_HEADERS
            if status == 401
            else _REQUEST_ID,
        }
    operation_id = f"{service.rsplit('.', 1)[-1]}.{method}"
    return {
        "operationId": f"{operation_id}.deprecated{route.http_method.title()}"
        if route.deprecated
        else operation_id,
        "summary": route.rpc,
        **({"deprecated": True} if route.deprecated else {}),
        "tags": [service],
        "parameters": REQUEST_HEADERS,
        "security": [{"bearer": []}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema_ref(route.request_type.DESCRIPTOR.full_name)}},
        },
        "responses": responses,
    }


def build_openapi(routes: Iterable[RestRoute], *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document: one operation per REST route plus the health and metrics endpoints."""
    routes = list(routes)
    paths: dict[str, Any] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.http_method.lower()] = _rpc_operation(route)
    paths.update(copy.deepcopy(_OPERATIONS_PATHS))
    roots: list[Any] = []
    for route in routes:
        roots += [route.request_type.DESCRIPTOR, route.response_type.DESCRIPTOR]
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": {**message_schemas(roots), **error_schemas()},
            "securitySchemes": _SECURITY_SCHEMES,
        },
    }
