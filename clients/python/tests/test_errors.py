"""Decoding an AIP-193 body as the agreed contract writes it (README, "Errors"), and bodies a proxy sends."""

from __future__ import annotations

import json

from curation_client.errors import from_http_response

OVERLOADED = {
    "error": {
        "code": 429,
        "message": "1 computations are already waiting; retry with back-off",
        "status": "RESOURCE_EXHAUSTED",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "OVERLOADED",
                "domain": "curation.v1",
            },
            {"@type": "type.googleapis.com/example.Unknown", "anything": 1},
            {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": "rid-9"},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.500s"},
        ],
    }
}
BAD = {
    "error": {
        "code": 400,
        "message": "y_true[12]: is outside [0, 3)",
        "status": "INVALID_ARGUMENT",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "INVALID_ARGUMENT",
                "domain": "curation.v1",
                "metadata": {"field": "y_true[12]"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": "y_true[12]", "description": "is outside [0, 3)"}],
            },
            {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": "rid-1"},
        ],
    }
}


def test_every_attribute_comes_from_the_status() -> None:
    error = from_http_response(400, json.dumps(BAD).encode(), "header-id")
    assert (error.kind, error.field, error.request_id) == ("invalid_argument", "y_true[12]", "rid-1")
    assert (error.code, error.status, error.retry_delay) == ("INVALID_ARGUMENT", 400, None)
    assert (
        error.message == "y_true[12]: is outside [0, 3)"
        and str(error) == f"invalid_argument: {error.message}"
    )
    assert [d.TypeName() for d in error.rpc_status.details] == [
        "google.rpc.ErrorInfo",
        "google.rpc.BadRequest",
        "google.rpc.RequestInfo",
    ]


def test_retry_delay_and_unknown_details() -> None:
    error = from_http_response(429, json.dumps(OVERLOADED).encode())
    assert (error.kind, error.code, error.retry_delay, error.request_id) == (
        "overloaded",
        "RESOURCE_EXHAUSTED",
        1.5,
        "rid-9",
    )
    assert len(error.rpc_status.details) == 3  # the detail of an unknown type is dropped, not fatal


def test_a_bare_status_from_a_proxy() -> None:
    bare = {"error": {"code": 503, "message": "upstream connect error", "status": "UNAVAILABLE"}}
    error = from_http_response(503, json.dumps(bare).encode(), "rid")
    assert (error.kind, error.code, error.field, error.request_id) == (
        "unavailable",
        "UNAVAILABLE",
        "",
        "rid",
    )
    old = from_http_response(422, b'{"kind": "invalid_argument", "field": "x"}')  # not AIP-193: the text
    assert (old.kind, old.code, old.field) == ("invalid_argument", "UNKNOWN", "")
