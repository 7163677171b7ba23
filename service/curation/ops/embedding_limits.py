"""The documented maximum of every embeddings request size (docs/limits.md), and the cost of a put, get
or delete from those sizes.

Put states its sizes (vectors x dimension); Get and Delete name only asset IDs, so their cost needs the
collection's dimension, read from its header before any vector is (``read_cost``).
"""

from __future__ import annotations

from curation.ops._limits import at_most, count_at_most, str_array_bytes
from curation.ops.operation_spec import Cost

__all__ = [
    "MAX_DIMENSION",
    "MAX_IDS_PER_REQUEST",
    "MAX_VECTOR_BYTES",
    "put_cost",
    "read_cost",
    "request_ids_cost",
]

# Floats per vector: the widest embedding models in use have a few thousand; 65,536 leaves room and
# keeps one row of a 100,000-asset request within MAX_VECTOR_BYTES.
MAX_DIMENSION = 65_536
# Asset IDs (vectors) of one put, get or delete: each is one store key, fetched or written in chunks of
# 10,000; larger transfers are split by the caller.
MAX_IDS_PER_REQUEST = 100_000
# Vector bytes of one put or get (IDs x dimension x 4): a get holds about five copies while decoding,
# so 256 MiB of vectors stays within the per-request budget (3 GiB by default).
MAX_VECTOR_BYTES = 256 * 1024 * 1024
# A store key and value per asset beyond its vector bytes (hash, prefix, ID, dict slot).
_PER_ID = 400


def request_ids_cost(ids: list[str] | tuple[str, ...], field: str = "asset_ids") -> Cost:
    """The IDs of a request within their maximum, and what checking them (unique, non-empty) takes."""
    count_at_most(len(ids), MAX_IDS_PER_REQUEST, field)
    return Cost(2 * str_array_bytes(ids) + _PER_ID * len(ids), len(ids))


def put_cost(ids: list[str], dimension: int) -> Cost:
    """A put of ``len(ids)`` vectors: the float32 array, its stored-dtype copy and bytes, and per ID its
    key and value (each 10,000-ID chunk of values is built at once)."""
    base = request_ids_cost(ids)
    at_most(dimension, MAX_DIMENSION, "dimension")
    row = 4 * max(dimension, 0)
    at_most(len(ids) * row, MAX_VECTOR_BYTES, "vectors", what="vector bytes")
    return base + Cost(3 * len(ids) * row + min(len(ids), 10_000) * (row + 200), len(ids) * max(row, 1))


def read_cost(ids: list[str], dimension: int, *, field: str = "asset_ids") -> Cost:
    """A get or delete of ``len(ids)`` vectors of ``dimension`` floats: the values fetched, the buffer,
    its bytes, the float32 array and the found rows and their bytes."""
    row = 4 * max(dimension, 0)
    at_most(len(ids) * row, MAX_VECTOR_BYTES, field, what="vector bytes to read")
    return request_ids_cost(ids, field) + Cost(
        6 * len(ids) * row + len(ids) * _PER_ID, len(ids) * max(row, 1)
    )
