"""FindNearDuplicates: groups of near-duplicate assets under cosine distance, paged; and the validation
of near-duplicate options that Select's ``dedup`` shares.

A direct operation: it first reads the pool's vectors from a named collection (see ``vectors``), then
hands the computation to the cache with the canonical request (without its paging fields) plus a digest
of the vectors as key material; every page is cut from the one cached list of groups. Large pools use
the core's faiss IVF-Flat search, small ones (and tests) the exact one (``cosine_knn``).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from curation.core.sampling import Dedup, NearDuplicates, cosine_knn, near_duplicates, tie_keys
from curation.errors import InvalidArgument
from curation.internal.v1 import sampling_pb2 as ipb
from curation.ops import _validate as v
from curation.ops.embeddings import decode_vectors
from curation.ops.keys import canonical_bytes
from curation.ops.operation_spec import Context, Host
from curation.ops.paging import check_page_size, page_bounds
from curation.ops.sampling import limits as lim
from curation.ops.sampling.cost import near_duplicates_cost
from curation.ops.sampling.vectors import PoolVectors, resolve_pool_vectors
from curation.v1 import sampling_pb2 as pb

__all__ = ["MAX_NEIGHBORS", "NEAR_DUPLICATES", "dedup_options", "handle_near_duplicates"]

NEAR_DUPLICATES = "curation.v1.SamplingService/FindNearDuplicates"
MAX_NEIGHBORS = lim.MAX_NEIGHBORS


def dedup_options(opts: pb.NearDuplicateOptions, field: str) -> Dedup:
    """The core's options: a finite threshold >= 0 and 0..MAX_NEIGHBORS neighbours (0 = 10)."""
    if not math.isfinite(opts.threshold) or opts.threshold < 0:
        raise InvalidArgument("must be a finite number >= 0", field=f"{field}.threshold")
    if opts.neighbors < 0 or opts.neighbors > MAX_NEIGHBORS:
        raise InvalidArgument(f"must lie in [0, {MAX_NEIGHBORS}]", field=f"{field}.neighbors")
    return Dedup(threshold=opts.threshold, relative=opts.relative, k=opts.neighbors or 10)


def evaluate_near_duplicates(
    request: pb.FindNearDuplicatesRequest, resolved: PoolVectors
) -> ipb.NearDuplicateGroups:
    """Validate and group (blocking; runs in a worker thread): every group, largest first."""
    v.check_non_empty(len(request.asset_ids), "asset_ids")
    ids = v.unique_strings(request.asset_ids, "asset_ids", allow_empty=False)
    n = ids.shape[0]
    emb = resolved.pool
    if request.embeddings or emb is None:
        emb = decode_vectors(request.embeddings, n, request.embedding_dimension, "embeddings")
    opts = pb.NearDuplicateOptions(
        threshold=request.threshold, relative=request.relative, neighbors=request.neighbors
    )
    d = dedup_options(opts, "request")
    nd = near_duplicates(
        emb, threshold=d.threshold, relative=d.relative, k=d.k, knn=cosine_knn, tie_keys=tie_keys(ids, 0)
    )
    return _groups(nd, ids)


def _groups(nd: NearDuplicates, ids: npt.NDArray[np.str_]) -> ipb.NearDuplicateGroups:
    """The groups as proto: members by asset ID, each group's largest linking distance."""
    out = ipb.NearDuplicateGroups(threshold=nd.threshold)
    if nd.median_nn_distance is not None:
        out.median_nn_distance = nd.median_nn_distance
    comp_max = np.zeros(int(nd.labels.max(initial=-1)) + 1)
    if nd.pairs.size:
        np.maximum.at(comp_max, nd.labels[nd.pairs[:, 0]], nd.distances)
    total = 0
    for g in nd.groups:
        members = sorted(ids[g].tolist())
        total += len(members)
        out.groups.add(asset_ids=members, max_distance=float(comp_max[nd.labels[g[0]]]))
    out.duplicate_assets = total
    return out


async def handle_near_duplicates(
    ops: Host, request: pb.FindNearDuplicatesRequest, ctx: Context
) -> pb.FindNearDuplicatesResponse:
    """Resolve the vectors, group through the cache, and answer the requested page."""
    check_page_size(request.page_size)
    resolved, _ = await resolve_pool_vectors(
        ops,
        ctx,
        list(request.asset_ids),
        request.collection,
        [],
        has_inline=bool(request.embeddings),
        cost=lambda dim: near_duplicates_cost(request, dim),
    )
    material = canonical_bytes(request, ("page_size", "page_token")) + b"\x00vectors:" + resolved.digest
    payload, info = await ops.cached(
        NEAR_DUPLICATES,
        material,
        lambda: evaluate_near_duplicates(request, resolved),
        ipb.NearDuplicateGroups,
        ctx,
    )
    total = len(payload.groups)
    start, stop, token = page_bounds(total, request.page_size, request.page_token, info.key_digest)
    response = pb.FindNearDuplicatesResponse(
        groups=payload.groups[start:stop],
        total_groups=total,
        duplicate_assets=payload.duplicate_assets,
        threshold=payload.threshold,
        next_page_token=token,
        warnings=payload.warnings,
    )
    if payload.HasField("median_nn_distance"):
        response.median_nn_distance = payload.median_nn_distance
    response.cache.CopyFrom(info)
    return response
