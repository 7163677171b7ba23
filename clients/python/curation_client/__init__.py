"""Python client of the curation service: the protobuf messages of ``proto/curation/v1`` (generated into
``curation_client.v1``) over gRPC or REST, with a typed method per RPC.

``CurationClient`` / ``AsyncCurationClient`` speak gRPC, ``RestCurationClient`` /
``AsyncRestCurationClient`` proto3 JSON over HTTP; every failure is a ``CurationClientError`` carrying the
service's error kind, field and request ID.
"""

from __future__ import annotations

import os
from typing import Any

from curation_client.errors import CurationClientError
from curation_client.grpc_client import AsyncCurationClient, CurationClient
from curation_client.rest_client import AsyncRestCurationClient, RestCurationClient
from curation_client.retry import DEFAULT_RETRY, RetryPolicy
from curation_client.rpc import Rpc, resolve
from curation_client.v1 import detection_pb2

__all__ = [
    "DEFAULT_RETRY",
    "AsyncCurationClient",
    "AsyncRestCurationClient",
    "CurationClient",
    "CurationClientError",
    "RestCurationClient",
    "RetryPolicy",
    "Rpc",
    "from_coco",
    "resolve",
]

__version__ = "0.1.0"


def from_coco(
    gt: str | os.PathLike[str] | bytes | dict[str, Any] | list[Any],
    results: str | os.PathLike[str] | bytes | dict[str, Any] | list[Any],
    **fields: Any,
) -> detection_pb2.ScoreDetectionRequest:
    """The columnar ``ScoreDetectionRequest`` of a COCO GT file and results list (see
    ``curation_client.coco``). Needs the ``coco`` extra: ``pip install 'curation-client[coco]'``."""
    from curation_client.coco import from_coco as build  # noqa: PLC0415 - numpy only when used

    return build(gt, results, **fields)
