"""ApplyLabelingFunctions: validate the request, compile its LFs in the core, apply them, count votes.

A direct operation: ``handle_apply`` first reads the vectors similarity rules need from the request's
``embedding_collection`` (see ``curation.ops.labeling.vectors``), then hands ``apply`` to the cache with
the canonical request plus a digest of the vectors read as key material. A request naming no collection
has exactly the key it had as a plain cached operation.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from curation.core import labeling as lfs
from curation.errors import InvalidArgument
from curation.internal.v1 import labeling_pb2 as ipb
from curation.ops import _validate as v
from curation.ops.findings import warning
from curation.ops.keys import canonical_bytes
from curation.ops.labeling.matrix import asset_ids, class_names, sparse
from curation.ops.labeling.rules import Exemplars, similarity_rules, to_rule
from curation.ops.labeling.vectors import StoredVectors, resolve_stored_vectors
from curation.ops.operation_spec import Context, Host
from curation.v1 import common_pb2
from curation.v1 import labeling_pb2 as pb

__all__ = ["APPLY", "apply", "handle_apply", "respond_apply"]

APPLY = "curation.v1.LabelingFunctionService/ApplyLabelingFunctions"


def apply(
    request: pb.ApplyLabelingFunctionsRequest, stored: StoredVectors | None = None
) -> ipb.AppliedLabelingFunctions:
    """Validate, compile and apply the LFs (blocking; runs in a worker thread). ``stored`` holds what
    ``resolve_stored_vectors`` read from the request's embedding collection."""
    names = class_names(request.class_names)
    ids = asset_ids(request.asset_ids, None, required=True)
    assert ids is not None
    n, k = ids.shape[0], len(names)
    if not len(request.labeling_functions):
        raise InvalidArgument("at least one labeling function is required", field="labeling_functions")
    inputs, embeddings = _inputs(request, n, k, stored)
    ex = _exemplars(request, embeddings, stored)
    functions = [
        lfs.LabelingFunction(lf.name, lf.label, to_rule(lf.rule, f"labeling_functions[{i}].rule", ex))
        for i, lf in enumerate(request.labeling_functions)
    ]
    return _applied(_label_matrix(functions, inputs, k), functions, n)


def _inputs(
    request: pb.ApplyLabelingFunctionsRequest, n: int, k: int, stored: StoredVectors | None
) -> tuple[lfs.Inputs, npt.NDArray[np.float32] | None]:
    """The columns the LFs read -- texts, metadata, scores (n x k) and embeddings (inline or stored) --
    and the embeddings alone."""
    texts = v.string_columns(request.texts, n, "texts", what="text field")
    metadata = v.string_columns(request.metadata, n, "metadata", what="metadata")
    scores = None
    if len(request.scores):
        scores = v.matrix(v.finite_floats(request.scores, "scores"), n, k, "scores")
    embeddings: npt.NDArray[np.float32] | None = None
    if len(request.embeddings) or request.embedding_dim:
        if request.embedding_dim <= 0:
            raise InvalidArgument("must be > 0 when embeddings are given", field="embedding_dim")
        flat = v.finite_floats(request.embeddings, "embeddings")
        embeddings = v.matrix(flat, n, request.embedding_dim, "embeddings")
    elif stored is not None:
        embeddings = stored.assets
    text_lists = {key: col.tolist() for key, col in texts.items()}
    inputs = lfs.Inputs(n=n, texts=text_lists, metadata=metadata, scores=scores, embeddings=embeddings)
    return inputs, embeddings


def _exemplars(
    request: pb.ApplyLabelingFunctionsRequest,
    embeddings: npt.NDArray[np.float32] | None,
    stored: StoredVectors | None,
) -> Exemplars:
    """Where similarity rules find exemplars named by asset ID: the request's own rows, then the
    vectors read from the collection (rows numbered after the request's)."""
    collection = stored.collection if stored is not None else ""
    if embeddings is None or not any(len(r.exemplar_asset_ids) for r in similarity_rules(request)):
        return Exemplars({}, embeddings, None, collection)
    n = len(request.asset_ids)
    index = {a: i for i, a in enumerate(request.asset_ids)}
    if stored is not None:
        index.update((a, n + j) for j, a in enumerate(stored.exemplar_ids))
    return Exemplars(index, embeddings, stored.exemplars if stored is not None else None, collection)


def _label_matrix(functions: list[lfs.LabelingFunction], inputs: lfs.Inputs, k: int) -> npt.NDArray[np.int16]:
    """The core's label matrix; a bad LF becomes InvalidArgument naming its field."""
    try:
        compiled = lfs.compile_functions(functions, inputs, n_classes=k)
        return lfs.apply(compiled, inputs)
    except lfs.LabelingFunctionError as exc:
        field = "labeling_functions" if exc.lf < 0 else f"labeling_functions[{exc.lf}]"
        raise InvalidArgument(exc.message, field=f"{field}.{exc.path}" if exc.path else field) from None


def _applied(
    L: npt.NDArray[np.int16], functions: list[lfs.LabelingFunction], n: int
) -> ipb.AppliedLabelingFunctions:
    """The sparse matrix, each LF's votes and coverage, and a warning for each LF that never fires."""
    votes = np.count_nonzero(L >= 0, axis=0)
    out = ipb.AppliedLabelingFunctions(label_matrix=sparse(L))
    for j, lf in enumerate(functions):
        out.counts.add(name=lf.name, votes=int(votes[j]), coverage=float(votes[j]) / n)
        if votes[j] == 0:
            out.warnings.append(
                warning(
                    "LF_NEVER_FIRES",
                    f"labeling function {lf.name!r} matched no asset",
                    f"labeling_functions[{j}]",
                )
            )
    return out


def respond_apply(
    payload: ipb.AppliedLabelingFunctions,
    request: pb.ApplyLabelingFunctionsRequest,
    cache_info: common_pb2.CacheInfo,
) -> pb.ApplyLabelingFunctionsResponse:
    """The response of an applied matrix (cached or not)."""
    response = pb.ApplyLabelingFunctionsResponse(label_matrix=payload.label_matrix)
    response.counts.extend(payload.counts)
    response.warnings.extend(payload.warnings)
    response.cache.CopyFrom(cache_info)
    return response


async def handle_apply(
    ops: Host, request: pb.ApplyLabelingFunctionsRequest, ctx: Context
) -> pb.ApplyLabelingFunctionsResponse:
    """Read the stored vectors the rules need, then apply through the cache (key: request + vectors)."""
    stored = await resolve_stored_vectors(ops, request, ctx)
    material = canonical_bytes(request, ())
    if stored is not None:
        material += b"\x00vectors:" + stored.digest
    payload, info = await ops.cached(
        APPLY, material, lambda: apply(request, stored), ipb.AppliedLabelingFunctions, ctx
    )
    return respond_apply(payload, request, info)
