"""Fitted label models kept in the store by ID: predict reads them there (not from the cache), delete
frees them, fitting again (a cache hit) keeps them again, and a model altered in the store is refused."""

from __future__ import annotations

import numpy as np
import pytest

from curation.errors import NotFound, StorageFull
from curation.internal.v1 import cache_pb2
from curation.internal.v1 import labeling_pb2 as ipb
from curation.ops import Context, Operations
from curation.ops import labeling as ops
from curation.ops.labeling.models import model_key
from curation.store import MemoryStore
from curation.v1 import labeling_pb2 as pb
from tests.support import DictCache, answer
from tests.synth.label_model import synthetic_votes

CTX = Context(namespace="team-b")


def matrix() -> pb.LabelMatrix:
    L = synthetic_votes(300, 5, 2, seed=4).L
    rows, fns = np.nonzero(L >= 0)
    return pb.LabelMatrix(
        num_rows=L.shape[0],
        num_functions=L.shape[1],
        rows=rows.tolist(),
        functions=fns.tolist(),
        labels=L[rows, fns].tolist(),
    )


FIT = pb.FitLabelModelRequest(class_names=["no", "yes"], label_matrix=matrix())


async def predict(seam: Operations, model_id: str) -> pb.PredictLabelModelResponse:
    request = pb.PredictLabelModelRequest(model_id=model_id, label_matrix=matrix())
    return await answer(seam, ops.PREDICT, request, pb.PredictLabelModelResponse, CTX)


async def test_fit_keeps_the_model_in_the_store_and_delete_frees_it() -> None:
    cache, store = DictCache(), MemoryStore(max_bytes=1 << 20)
    seam = Operations(ops.SPECS, cache, workers=1, store=store, local_bytes=0)
    fitted = await answer(seam, ops.FIT, FIT, pb.FitLabelModelResponse, CTX)
    assert await store.get(model_key("team-b", fitted.cache.key_digest)) is not None
    cache.data.clear()  # the cache forgets everything: predictions still work
    assert (await predict(seam, fitted.model_id)).predictions == fitted.predictions
    deleted = await answer(
        seam,
        ops.DELETE,
        pb.DeleteLabelModelRequest(model_id=fitted.model_id),
        pb.DeleteLabelModelResponse,
        CTX,
    )
    assert deleted.deleted and await store.used_bytes() == 0
    with pytest.raises(NotFound):
        await predict(seam, fitted.model_id)
    again = await answer(
        seam,
        ops.DELETE,
        pb.DeleteLabelModelRequest(model_id=fitted.model_id),
        pb.DeleteLabelModelResponse,
        CTX,
    )
    assert not again.deleted
    # Fitting the same request again gives the same ID (the cache key digest, bound to the tenant) and
    # keeps the model again.
    refit = await answer(seam, ops.FIT, FIT, pb.FitLabelModelResponse, CTX)
    assert refit.model_id == fitted.model_id
    assert (await predict(seam, fitted.model_id)).predictions == fitted.predictions
    with pytest.raises(NotFound):  # models are per namespace
        await seam.dispatch(
            ops.PREDICT,
            pb.PredictLabelModelRequest(model_id=fitted.model_id, label_matrix=matrix()),
            Context(),
        )
    seam.close()


async def test_a_model_altered_in_the_store_is_refused() -> None:
    store = MemoryStore(max_bytes=1 << 20)
    seam = Operations(ops.SPECS, DictCache(), workers=1, store=store, local_bytes=0)
    fitted = await answer(seam, ops.FIT, FIT, pb.FitLabelModelResponse, CTX)
    key = model_key("team-b", fitted.cache.key_digest)
    raw = await store.get(key)
    assert raw is not None
    envelope = cache_pb2.CacheEnvelope.FromString(raw)
    model = ipb.FittedLabelModel.FromString(envelope.payload)
    model.parameters[0].log_prior[:] = [0.0, -50.0]
    envelope.payload = model.SerializeToString()
    await store.put_many({key: envelope.SerializeToString()})
    with pytest.raises(NotFound, match="failed verification"):
        await predict(seam, fitted.model_id)
    seam.close()


async def test_a_fit_into_a_full_store_is_storage_full() -> None:
    store = MemoryStore(max_bytes=100)  # smaller than any model
    seam = Operations(ops.SPECS, DictCache(), workers=1, store=store)
    with pytest.raises(StorageFull):
        await seam.dispatch(ops.FIT, FIT, CTX)
    assert await store.used_bytes() == 0
    seam.close()
