"""The error kinds: each has its statuses on both protocols (the contract's table, written out here as
the README states it), and the kinds themselves know no protocol."""

from __future__ import annotations

import grpc

from curation.errors import (
    CurationError,
    DeadlineExceeded,
    ErrorKind,
    InvalidArgument,
    LimitExceeded,
    NotFound,
    Overloaded,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    StorageFull,
    Unauthenticated,
    Unavailable,
)
from curation.rest.errors import HTTP_STATUS
from curation.rpc.errors import GRPC_STATUS


def test_both_adapter_tables_cover_every_kind() -> None:
    assert set(GRPC_STATUS) == set(ErrorKind)
    assert set(HTTP_STATUS) == set(ErrorKind)


def test_each_error_class_has_its_own_kind_and_statuses() -> None:
    classes: list[type[CurationError]] = [
        CurationError,
        InvalidArgument,
        PayloadTooLarge,
        NotFound,
        DeadlineExceeded,
        Unavailable,
        LimitExceeded,
        Overloaded,
        StorageFull,
        Unauthenticated,
        PermissionDenied,
        RateLimited,
    ]
    assert sorted(c.kind for c in classes) == sorted(ErrorKind)
    expected: dict[type[CurationError], tuple[grpc.StatusCode, int]] = {
        InvalidArgument: (grpc.StatusCode.INVALID_ARGUMENT, 400),
        PayloadTooLarge: (grpc.StatusCode.RESOURCE_EXHAUSTED, 413),
        NotFound: (grpc.StatusCode.NOT_FOUND, 404),
        DeadlineExceeded: (grpc.StatusCode.DEADLINE_EXCEEDED, 504),
        Unavailable: (grpc.StatusCode.UNAVAILABLE, 503),
        LimitExceeded: (grpc.StatusCode.INVALID_ARGUMENT, 400),
        Overloaded: (grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
        StorageFull: (grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
        RateLimited: (grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
        CurationError: (grpc.StatusCode.INTERNAL, 500),
        Unauthenticated: (grpc.StatusCode.UNAUTHENTICATED, 401),
        PermissionDenied: (grpc.StatusCode.PERMISSION_DENIED, 403),
    }
    for cls, statuses in expected.items():
        assert (GRPC_STATUS[cls.kind], HTTP_STATUS[cls.kind]) == statuses


def test_an_error_names_its_field() -> None:
    error = InvalidArgument("is outside [0, 3)", field="y_true[12]")
    assert str(error) == "y_true[12]: is outside [0, 3)"
    assert (error.kind, error.field, error.message) == ("invalid_argument", "y_true[12]", "is outside [0, 3)")


def test_unauthenticated_never_says_why() -> None:
    reasons = ("missing credential", "expired token", "revoked key", "bad signature")
    assert {Unauthenticated(r).message for r in reasons} == {"missing or invalid credentials"}
    assert {str(Unauthenticated(r)) for r in reasons} == {"missing or invalid credentials"}
