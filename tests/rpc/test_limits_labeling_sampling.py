"""Over gRPC, a labeling, sampling or embeddings parameter over its documented maximum is
INVALID_ARGUMENT with a google.rpc.Status of reason ``LIMIT_EXCEEDED`` naming the field -- whether
the seam's estimate refuses it or the handler, once it has read a collection's dimension."""

from __future__ import annotations

import grpc
import pytest

from curation.ops import embeddings as emb_ops
from curation.ops import labeling as lab_ops
from curation.ops import sampling as smp_ops
from curation.ops.embedding_limits import MAX_DIMENSION, MAX_VECTOR_BYTES
from curation.ops.labeling.limits import MAX_ITERATIONS
from curation.ops.sampling.limits import MAX_NEIGHBORS
from curation.settings import Settings
from curation.v1 import (
    embeddings_pb2,
    embeddings_pb2_grpc,
    labeling_pb2,
    labeling_pb2_grpc,
    sampling_pb2,
    sampling_pb2_grpc,
)
from tests.rpc.conftest import Serve, Served
from tests.wire_errors import grpc_error


async def started(serve: Serve) -> Served:
    served = await serve([*lab_ops.SPECS, *smp_ops.SPECS, *emb_ops.SPECS], Settings(workers=1))
    await served.server.set_serving(True)
    return served


async def test_over_a_maximum_is_invalid_argument_with_the_field(serve: Serve) -> None:
    served = await started(serve)
    labeling = labeling_pb2_grpc.LabelingFunctionServiceStub(served.channel)
    sampling = sampling_pb2_grpc.SamplingServiceStub(served.channel)
    fit = labeling_pb2.FitLabelModelRequest(
        class_names=["a", "b"],
        label_matrix=labeling_pb2.LabelMatrix(
            num_rows=1, num_functions=1, rows=[0], functions=[0], labels=[0]
        ),
        max_iterations=MAX_ITERATIONS + 1,
    )
    dups = sampling_pb2.FindNearDuplicatesRequest(
        asset_ids=["a", "b"], embeddings=bytes(8), embedding_dimension=1, neighbors=MAX_NEIGHBORS + 1
    )
    for call, field in (
        (labeling.FitLabelModel(fit), "max_iterations"),
        (sampling.FindNearDuplicates(dups), "neighbors"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        detail = grpc_error(info.value)
        assert (detail.kind, detail.field) == ("limit_exceeded", field)
        assert "maximum" in detail.message


async def test_a_size_read_from_the_store_is_checked_before_reading(serve: Serve) -> None:
    served = await started(serve)
    embeddings = embeddings_pb2_grpc.EmbeddingServiceStub(served.channel)
    put = embeddings_pb2.PutEmbeddingsRequest(
        collection="wide", dimension=MAX_DIMENSION, asset_ids=["a0"], vectors=bytes(4 * MAX_DIMENSION)
    )
    await embeddings.PutEmbeddings(put)
    ids = [f"a{i}" for i in range(MAX_VECTOR_BYTES // (4 * MAX_DIMENSION) + 1)]
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await embeddings.GetEmbeddings(embeddings_pb2.GetEmbeddingsRequest(collection="wide", asset_ids=ids))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    detail = grpc_error(info.value)
    assert (detail.kind, detail.field) == ("limit_exceeded", "asset_ids")
