"""One RPC of the service as the clients call it: ``Rpc`` records (generated into ``_surface.RPCS`` from
the protos) and ``resolve``, which finds one by name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from google.protobuf.message import Message

__all__ = ["Rpc", "resolve"]

Q = TypeVar("Q", bound=Message)
R = TypeVar("R", bound=Message)


@dataclass(frozen=True, slots=True)
class Rpc(Generic[Q, R]):
    """An RPC: its service's full name and its name, message types, REST route (``http_method`` and
    ``http_path`` from its ``google.api.http`` option; empty for a streaming RPC), whether it may be
    retried (``idempotency_level``) and the repeated field of the response it pages, if it does."""

    service: str
    name: str
    # The clients' method: ``score_classification`` (``iter_`` / ``aiter_`` + it for the pages).
    method: str
    request_type: type[Q]
    response_type: type[R]
    http_method: str
    http_path: str
    idempotent: bool
    client_streaming: bool
    page_field: str

    @property
    def full_name(self) -> str:
        """``curation.v1.DiagnosticsService/ScoreClassification``."""
        return f"{self.service}/{self.name}"

    @property
    def path(self) -> str:
        """The gRPC method path: ``/curation.v1.DiagnosticsService/ScoreClassification``."""
        return f"/{self.full_name}"


@cache
def resolve(name: str) -> Rpc[Any, Any]:
    """The RPC called ``name``: ``"ScoreClassification"``, ``"DiagnosticsService/ScoreClassification"``
    or ``"curation.v1.DiagnosticsService/ScoreClassification"`` (a leading ``/`` is allowed)."""
    from curation_client._surface import RPCS  # noqa: PLC0415  (_surface imports this module)

    name = name.lstrip("/")
    matches = [rpc for rpc in RPCS if name in (rpc.full_name, rpc.full_name.rsplit(".", 1)[1], rpc.name)]
    if len(matches) != 1:
        problem = "no" if not matches else "more than one"
        raise ValueError(f"{problem} RPC matches {name!r}; known: {sorted(r.full_name for r in RPCS)}")
    return matches[0]
