"""Asset vectors read from a named embedding collection, shared by the operations that accept one.

Labeling's similarity rules and sampling's pools both read the vectors of the request's assets from a
collection; every asset must have one, and the first that has none is named in the error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from curation.errors import InvalidArgument
from curation.internal.v1 import embeddings_pb2 as ipb
from curation.ops.embeddings import EmbeddingStore

__all__ = ["require_vectors"]


async def require_vectors(
    store: EmbeddingStore, collection: str, ids: Sequence[str], *, field: str = "asset_ids"
) -> tuple[ipb.EmbeddingCollectionHeader, npt.NDArray[np.float32]]:
    """(header, ``len(ids) x dimension`` vectors) of ``ids`` in ``collection``.

    NotFound for an unknown collection; InvalidArgument ``field[i]`` for the first ID the collection has
    no vector for (the message counts all that are missing).
    """
    head, found, vecs = await store.get(collection, ids)
    if not found.all():
        bad = int(np.flatnonzero(~found)[0])
        raise InvalidArgument(
            f"no embedding stored for {ids[bad]!r} in collection {collection!r}"
            f" ({int((~found).sum())} missing)",
            field=f"{field}[{bad}]",
        )
    return head, vecs
