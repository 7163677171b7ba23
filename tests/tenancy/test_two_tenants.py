"""Two tenants on one real server, over gRPC and REST, with in-process and Redis backends; each tenant
calls with its own API key, so the tenant comes from the credential.

Tenant A creates everything that has an identifier - result digests, page tokens (of a cached and a
direct operation), a fitted model's ID, an embeddings collection and its asset IDs. Tenant B then tries
each of A's identifiers in every call that takes one, and each time gets NOT_FOUND, with a status, message
and details byte-identical to those B gets for an identifier that never existed (same request ID), so no
answer tells B whether A has something. A reads all of its own data. Flushes: each tenant's flush removes
its own cache entries only, and never stored data. A key granted two namespaces picks one with the
header (a tenant of its own); a header naming a namespace the key is not granted is PERMISSION_DENIED.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from typing import Any

import pytest
from google.protobuf.message import Message

from curation.internal.v1 import cache_pb2
from curation.internal.v1 import labeling_pb2 as internal_labeling
from curation.v1 import admin_pb2 as adm
from curation.v1 import classification_pb2 as cls
from curation.v1 import detection_pb2 as det
from curation.v1 import embeddings_pb2 as emb
from curation.v1 import labeling_pb2 as lf
from curation.v1 import sampling_pb2 as smp

from .conftest import Failure, Tenant, Wire

SCORE_CLS = "curation.v1.DiagnosticsService/ScoreClassification"
SCORE_DET = "curation.v1.DiagnosticsService/ScoreDetection"
PUT = "curation.v1.EmbeddingService/PutEmbeddings"
GET = "curation.v1.EmbeddingService/GetEmbeddings"
DELETE_EMB = "curation.v1.EmbeddingService/DeleteEmbeddings"
NEAR = "curation.v1.SamplingService/FindNearDuplicates"
SELECT = "curation.v1.SamplingService/Select"
PLAN = "curation.v1.SamplingService/Plan"
FIT = "curation.v1.LabelingFunctionService/FitLabelModel"
PREDICT = "curation.v1.LabelingFunctionService/PredictLabelModel"
DELETE_MODEL = "curation.v1.LabelingFunctionService/DeleteLabelModel"
FLUSH = "curation.v1.AdminService/FlushCache"

ASSETS = [f"a{i}" for i in range(12)]
DIMENSION = 4


def classification(page_token: str = "") -> cls.ScoreClassificationRequest:
    """Five of eight wrong: five pages of one misclassified asset."""
    return cls.ScoreClassificationRequest(
        class_names=["cat", "dog", "bird"],
        asset_ids=[f"c{i}" for i in range(8)],
        y_true=[0, 1, 2, 1, 0, 2, 1, 0],
        y_pred=[0, 2, 2, 0, 1, 1, 1, 2],
        page_size=1,
        page_token=page_token,
    )


def detection(page_token: str = "") -> det.ScoreDetectionRequest:
    return det.ScoreDetectionRequest(
        asset_ids=["img1", "img2"],
        category_names=["car", "person"],
        gt_asset=[0, 0, 1],
        gt_category=[0, 1, 1],
        gt_boxes=[10, 10, 50, 40, 100, 100, 30, 60, 5, 5, 20, 40],
        pred_asset=[0, 0, 1, 1],
        pred_category=[0, 0, 1, 0],
        pred_boxes=[12, 11, 48, 40, 200, 200, 10, 10, 6, 5, 20, 38, 6, 5, 20, 38],
        pred_scores=[0.9, 0.4, 0.8, 0.3],
        page_size=1,
        page_token=page_token,
    )


def vectors() -> bytes:
    """Twelve 4-d vectors in three tight clusters (near duplicates within each)."""
    rows = [[float(i // 4 == c) + 0.001 * i for c in range(DIMENSION)] for i in range(len(ASSETS))]
    return struct.pack(f"<{len(ASSETS) * DIMENSION}f", *(v for row in rows for v in row))


def near(collection: str, page_token: str = "") -> smp.FindNearDuplicatesRequest:
    return smp.FindNearDuplicatesRequest(
        asset_ids=ASSETS, collection=collection, threshold=0.01, page_size=1, page_token=page_token
    )


def select(collection: str) -> smp.SelectRequest:
    mix = [smp.SamplingStrategy(kind=smp.STRATEGY_KIND_DIVERSITY, fraction=1.0)]
    return smp.SelectRequest(asset_ids=ASSETS, collection=collection, budget=3, seed=1, strategies=mix)


def matrix() -> lf.LabelMatrix:
    return lf.LabelMatrix(
        num_rows=4,
        num_functions=3,
        rows=[0, 0, 1, 2, 2, 3, 3],
        functions=[0, 1, 1, 0, 2, 1, 2],
        labels=[1, 1, 0, 1, 0, 0, 0],
    )


FIT_REQUEST = lf.FitLabelModelRequest(
    class_names=["ham", "spam"], asset_ids=["m0", "m1", "m2", "m3"], label_matrix=matrix()
)


# ------------------------------------------------------------------ identifiers that never existed
def _b64(message: Message) -> str:
    return base64.urlsafe_b64encode(message.SerializeToString()).decode().rstrip("=")


def never_digest() -> str:
    return hashlib.sha256(os.urandom(16)).hexdigest()


def never_page_token() -> str:
    """A well-formed token with a MAC no key made."""
    return _b64(
        cache_pb2.PageToken(key_digest=never_digest(), offset=1, key_id="tenancy-test", mac=os.urandom(32))
    )


def never_model_id() -> str:
    return _b64(
        internal_labeling.LabelModelId(key_digest=never_digest(), key_id="tenancy-test", mac=os.urandom(32))
    )


# ------------------------------------------------------------------ checks
def assert_not_found(answer: Any, protocol: str) -> Failure:
    assert isinstance(answer, Failure), answer
    assert answer.code == ("NOT_FOUND" if protocol == "grpc" else "404"), answer
    if protocol == "rest":
        assert b'"status":"NOT_FOUND"' in answer.details.replace(b" ", b""), answer
    return answer


async def assert_same_as_never(wire: Wire, tenant: Tenant, rpc: str, theirs: Message, never: Message) -> None:
    """``theirs`` (another tenant's identifier) answers exactly what ``never`` (an identifier that never
    existed) answers: NOT_FOUND, same code, message and details bytes."""
    got = assert_not_found(await wire.attempt(rpc, theirs, tenant), wire.protocol)
    baseline = assert_not_found(await wire.attempt(rpc, never, tenant), wire.protocol)
    assert got == baseline, (rpc, got, baseline)


class Created:
    """What tenant A made, by identifier."""

    def __init__(self) -> None:
        self.cls: cls.ScoreClassificationResponse
        self.det: det.ScoreDetectionResponse
        self.near: smp.FindNearDuplicatesResponse
        self.model: lf.FitLabelModelResponse
        self.collection = ""


async def create(wire: Wire, a: Tenant) -> Created:
    made = Created()
    made.cls = await wire.call(SCORE_CLS, classification(), a)
    made.det = await wire.call(SCORE_DET, detection(), a)
    made.collection = f"vectors-{a.name}"
    put = emb.PutEmbeddingsRequest(
        collection=made.collection, dimension=DIMENSION, asset_ids=ASSETS, vectors=vectors()
    )
    assert (await wire.call(PUT, put, a)).stored == len(ASSETS)
    made.near = await wire.call(NEAR, near(made.collection), a)
    made.model = await wire.call(FIT, FIT_REQUEST, a)
    assert made.cls.next_page_token and made.det.next_page_token and made.near.next_page_token
    assert made.model.model_id
    return made


async def test_another_tenants_identifiers_are_not_found(wire: Wire, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    made = await create(wire, a)
    p = wire.protocol
    # Result digests: Plan by key.
    await assert_same_as_never(
        wire,
        b,
        PLAN,
        smp.PlanRequest(diagnostics_key=made.cls.cache.key_digest, selection=select("")),
        smp.PlanRequest(diagnostics_key=never_digest(), selection=select("")),
    )
    # Page tokens: on the very request A made (B's own evaluation of it), and through a direct operation.
    await assert_same_as_never(
        wire, b, SCORE_CLS, classification(made.cls.next_page_token), classification(never_page_token())
    )
    await assert_same_as_never(
        wire, b, SCORE_DET, detection(made.det.next_page_token), detection(never_page_token())
    )
    await assert_same_as_never(
        wire,
        b,
        NEAR,
        near(made.collection, made.near.next_page_token),
        near(made.collection, never_page_token()),
    )
    # Model IDs: predict and delete.
    await assert_same_as_never(
        wire,
        b,
        PREDICT,
        lf.PredictLabelModelRequest(model_id=made.model.model_id, label_matrix=matrix()),
        lf.PredictLabelModelRequest(model_id=never_model_id(), label_matrix=matrix()),
    )
    await assert_same_as_never(
        wire,
        b,
        DELETE_MODEL,
        lf.DeleteLabelModelRequest(model_id=made.model.model_id),
        lf.DeleteLabelModelRequest(model_id=never_model_id()),
    )
    # Collection names and the asset IDs in them: every call that reads or deletes by them.
    never = f"never-{a.name}"
    for rpc, make in [
        (GET, lambda c: emb.GetEmbeddingsRequest(collection=c, asset_ids=ASSETS[:3])),
        (DELETE_EMB, lambda c: emb.DeleteEmbeddingsRequest(collection=c, asset_ids=ASSETS[:3])),
        (DELETE_EMB, lambda c: emb.DeleteEmbeddingsRequest(collection=c, delete_collection=True)),
        (NEAR, near),
        (SELECT, select),
        (PLAN, lambda c: smp.PlanRequest(diagnostics=made.cls, selection=select(c))),
    ]:
        await assert_same_as_never(wire, b, rpc, make(made.collection), make(never))
    # A still has all of it, untouched by B's attempts (the deletes above included).
    await assert_own_data_reads(wire, a, made)
    assert p in ("grpc", "rest")


async def assert_own_data_reads(wire: Wire, a: Tenant, made: Created) -> None:
    second = await wire.call(SCORE_CLS, classification(made.cls.next_page_token), a)
    assert second.cache.cached and len(second.misclassified) == 1
    assert second.misclassified[0].asset_id != made.cls.misclassified[0].asset_id
    assert (await wire.call(SCORE_DET, detection(made.det.next_page_token), a)).cache.cached
    assert len((await wire.call(NEAR, near(made.collection, made.near.next_page_token), a)).groups) == 1
    predicted = await wire.call(
        PREDICT, lf.PredictLabelModelRequest(model_id=made.model.model_id, label_matrix=matrix()), a
    )
    assert predicted.predictions == made.model.predictions
    got = await wire.call(GET, emb.GetEmbeddingsRequest(collection=made.collection, asset_ids=ASSETS), a)
    assert list(got.asset_ids) == ASSETS and got.vectors == vectors()
    plan = smp.PlanRequest(diagnostics_key=made.cls.cache.key_digest, selection=select(made.collection))
    assert len((await wire.call(PLAN, plan, a)).selection.selected) == 3
    assert len((await wire.call(SELECT, select(made.collection), a)).selected) == 3


async def test_a_flush_removes_only_its_tenants_cache_entries(
    wire: Wire, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    made = await create(wire, a)
    b_first = await wire.call(SCORE_CLS, classification(), b)
    assert not b_first.cache.cached
    assert (await wire.call(SCORE_CLS, classification(), b)).cache.cached

    flushed_b = await wire.call(FLUSH, adm.FlushCacheRequest(), b)
    assert flushed_b.entries_removed > 0
    assert not (await wire.call(SCORE_CLS, classification(), b)).cache.cached  # B computes again
    assert (await wire.call(SCORE_CLS, classification(), a)).cache.cached  # A's entries are all there
    assert (await wire.call(SCORE_DET, detection(), a)).cache.cached

    flushed_a = await wire.call(FLUSH, adm.FlushCacheRequest(), a)
    assert flushed_a.entries_removed > flushed_b.entries_removed  # A had more: detection, fit, ...
    assert (await wire.call(SCORE_CLS, classification(), b)).cache.cached  # B's new entry stayed
    again = await wire.call(SCORE_CLS, classification(), a)
    assert not again.cache.cached and again.cache.key_digest == made.cls.cache.key_digest
    assert not (await wire.call(SCORE_DET, detection(), a)).cache.cached
    # Stored data is not cache: the model and the collection are still A's (tokens still verify).
    predicted = await wire.call(
        PREDICT, lf.PredictLabelModelRequest(model_id=made.model.model_id, label_matrix=matrix()), a
    )
    assert predicted.predictions == made.model.predictions
    got = await wire.call(GET, emb.GetEmbeddingsRequest(collection=made.collection, asset_ids=ASSETS), a)
    assert got.vectors == vectors()
    assert (await wire.call(FLUSH, adm.FlushCacheRequest(), a)).entries_removed > 0  # what A just recomputed
    unused = Tenant(f"{a.name}-dev", a.key, header=f"{a.name}-dev")  # granted to A's key, never used
    empty = await wire.call(FLUSH, adm.FlushCacheRequest(), unused)
    assert empty.entries_removed == 0


@pytest.mark.parametrize("old", ["0" * 64, "f" * 64])
async def test_old_and_malformed_identifiers_are_refused_cleanly(
    wire: Wire, tenants: tuple[Tenant, Tenant], old: str
) -> None:
    """IDs and tokens of the unsigned formats are NOT_FOUND like any unverifiable one; text that is no
    identifier at all is INVALID_ARGUMENT, whoever asks."""
    a, _ = tenants
    unsigned = _b64(cache_pb2.PageToken(key_digest=old, offset=1))
    assert_not_found(await wire.attempt(SCORE_CLS, classification(unsigned), a), wire.protocol)
    predict = lf.PredictLabelModelRequest(model_id=old, label_matrix=matrix())
    assert_not_found(await wire.attempt(PREDICT, predict, a), wire.protocol)
    for rpc, request in [
        (SCORE_CLS, classification("!!not a token")),
        (PREDICT, lf.PredictLabelModelRequest(model_id="not-an-id", label_matrix=matrix())),
    ]:
        refused = await wire.attempt(rpc, request, a)
        assert isinstance(refused, Failure)
        assert refused.code == ("INVALID_ARGUMENT" if wire.protocol == "grpc" else "400"), refused


async def test_a_key_granted_two_namespaces_picks_one_with_the_header(
    wire: Wire, tenants: tuple[Tenant, Tenant]
) -> None:
    """A's key is granted ``a`` (its tenant) and ``a-dev``: the header picks ``a-dev``, which is a tenant of
    its own - A's identifiers are NOT_FOUND there as anywhere else - and naming ``a`` is the same as
    naming nothing."""
    a, _ = tenants
    dev = Tenant(f"{a.name}-dev", a.key, header=f"{a.name}-dev")
    made = await create(wire, a)
    explicit = await wire.call(SCORE_CLS, classification(), Tenant(a.name, a.key, header=a.name))
    assert explicit.cache.cached and explicit.cache.key_digest == made.cls.cache.key_digest
    in_dev = await wire.call(SCORE_CLS, classification(), dev)
    assert not in_dev.cache.cached and in_dev.cache.key_digest != made.cls.cache.key_digest
    await assert_same_as_never(
        wire, dev, SCORE_CLS, classification(made.cls.next_page_token), classification(never_page_token())
    )
    await assert_same_as_never(
        wire,
        dev,
        PREDICT,
        lf.PredictLabelModelRequest(model_id=made.model.model_id, label_matrix=matrix()),
        lf.PredictLabelModelRequest(model_id=never_model_id(), label_matrix=matrix()),
    )
    get = emb.GetEmbeddingsRequest(collection=made.collection, asset_ids=ASSETS[:2])
    assert_not_found(await wire.attempt(GET, get, dev), wire.protocol)
    # What is made in a-dev is a-dev's.
    put = emb.PutEmbeddingsRequest(
        collection="dev-only", dimension=DIMENSION, asset_ids=ASSETS, vectors=vectors()
    )
    assert (await wire.call(PUT, put, dev)).created
    dev_get = emb.GetEmbeddingsRequest(collection="dev-only", asset_ids=ASSETS[:2])
    assert list((await wire.call(GET, dev_get, dev)).asset_ids) == ASSETS[:2]
    assert_not_found(await wire.attempt(GET, dev_get, a), wire.protocol)
    dev_token = (await wire.call(SCORE_CLS, classification(), dev)).next_page_token
    assert_not_found(await wire.attempt(SCORE_CLS, classification(dev_token), a), wire.protocol)


async def test_a_header_naming_a_namespace_not_granted_is_refused(
    wire: Wire, tenants: tuple[Tenant, Tenant]
) -> None:
    """B's key naming A's namespace (or A's naming B's) is PERMISSION_DENIED before anything runs: B can
    neither read A's data nor flush A's cache that way."""
    a, b = tenants
    made = await create(wire, a)
    denied = "PERMISSION_DENIED" if wire.protocol == "grpc" else "403"
    for who, rpc, request in [
        (Tenant(a.name, b.key, header=a.name), SCORE_CLS, classification(made.cls.next_page_token)),
        (Tenant(a.name, b.key, header=a.name), FLUSH, adm.FlushCacheRequest()),
        (Tenant(a.name, b.key, header=a.name), GET, emb.GetEmbeddingsRequest(collection=made.collection)),
        (Tenant(b.name, a.key, header=b.name), SCORE_CLS, classification()),
    ]:
        refused = await wire.attempt(rpc, request, who)
        assert isinstance(refused, Failure) and refused.code == denied, (rpc, refused)
    assert (await wire.call(SCORE_CLS, classification(), a)).cache.cached  # nothing was flushed
