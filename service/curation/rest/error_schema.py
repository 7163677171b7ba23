"""The OpenAPI schemas of the AIP-193 error body every REST error carries (``curation.rest.errors``).

``Error`` is ``{"error": {"code", "message", "status", "details"}}``; each detail is one of the
``google.rpc`` messages the service sends, in the protobuf JSON mapping of ``google.protobuf.Any``
(``@type`` beside the message's fields, lowerCamelCase names). The detail schemas are read from the
messages' descriptors, so they name exactly the fields ``json_format`` prints.
"""

from __future__ import annotations

from typing import Any, Final

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.rpc import code_pb2, error_details_pb2

__all__ = ["ERROR_SCHEMA_NAME", "error_schemas"]

ERROR_SCHEMA_NAME: Final = "Error"
# The detail messages the service sends (curation.error_table), in their order.
_DETAILS: Final = ("ErrorInfo", "BadRequest", "RequestInfo", "RetryInfo")
_DURATION: Final = {"type": "string", "pattern": "^-?[0-9]+(?:\\.[0-9]{1,9})?s$"}


def _value(fd: FieldDescriptor) -> dict[str, Any]:
    message = fd.message_type
    if message is None:
        return {"type": "integer"} if fd.cpp_type == FieldDescriptor.CPPTYPE_INT32 else {"type": "string"}
    if message.GetOptions().map_entry:
        return {"type": "object", "additionalProperties": _value(message.fields_by_name["value"])}
    if message.full_name == "google.protobuf.Duration":
        return dict(_DURATION)
    item = _object(message)
    return {"type": "array", "items": item} if fd.is_repeated else item


def _object(descriptor: Descriptor) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {fd.json_name: _value(fd) for fd in descriptor.fields},
        "additionalProperties": False,
    }


def _detail(descriptor: Descriptor) -> dict[str, Any]:
    schema = _object(descriptor)
    type_url = {"const": f"type.googleapis.com/{descriptor.full_name}"}
    schema["properties"] = {"@type": type_url, **schema["properties"]}
    schema["required"] = ["@type"]
    schema["title"] = descriptor.full_name
    return schema


def error_schemas() -> dict[str, dict[str, Any]]:
    """The component schemas of the error body: ``Error`` and the detail messages, keyed by name."""
    messages = error_details_pb2.DESCRIPTOR.message_types_by_name
    details = {messages[name].full_name: _detail(messages[name]) for name in _DETAILS}
    body = {
        "type": "object",
        "title": "AIP-193 error",
        "properties": {
            "code": {"type": "integer", "description": "The HTTP status."},
            "message": {"type": "string"},
            "status": {"type": "string", "enum": list(code_pb2.Code.keys())},
            "details": {
                "type": "array",
                "items": {"anyOf": [{"$ref": f"#/components/schemas/{name}"} for name in details]},
            },
        },
        "required": ["code", "message", "status", "details"],
        "additionalProperties": False,
    }
    error = {
        "type": "object",
        "properties": {"error": body},
        "required": ["error"],
        "additionalProperties": False,
    }
    return {ERROR_SCHEMA_NAME: error, **details}
