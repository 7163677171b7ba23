"""Python client of the curation service: the same protobuf messages over gRPC or REST.

``CurationClient`` / ``AsyncCurationClient`` speak gRPC, ``RestCurationClient`` speaks proto3 JSON over
HTTP; every failure is a ``CurationClientError`` carrying the service's error kind, field and request ID.
"""

from __future__ import annotations

from curation_client.coco import from_coco
from curation_client.errors import CurationClientError
from curation_client.grpc_client import AsyncCurationClient, CurationClient
from curation_client.methods import Method, resolve
from curation_client.rest_client import RestCurationClient

__all__ = [
    "AsyncCurationClient",
    "CurationClient",
    "CurationClientError",
    "Method",
    "RestCurationClient",
    "from_coco",
    "resolve",
]

__version__ = "0.1.0"
