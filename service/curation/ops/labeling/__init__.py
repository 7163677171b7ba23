"""LabelingFunctionService: apply declarative LFs, analyse a label matrix, fit and predict label models.

Apply, Analyze and Fit are cached (a repeat request is a cache hit; the fitted model's ID is its cache
key digest). Apply is a direct operation so that it can first read the vectors its similarity rules
need from the request's ``embedding_collection`` (async, through the embedding store), as sampling
does; it then hands the pure computation to ``ops.cached`` with the canonical request plus a digest of
the vectors read as key material, so a changed collection is a new key. A request naming no collection
has exactly the key it had as a plain cached operation. Predict is direct: it loads the fitted model's
payload by ID from the cache (``ops.load_payload``) and scores the matrix it is sent in a worker thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from curation.core.labeling import functions as lfs
from curation.core.labeling import label_model as lm
from curation.core.labeling import warm_up
from curation.core.labeling.analysis import findings, lf_summary
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops.embeddings import check_collection, store_for
from curation.ops.keys import canonical_bytes
from curation.ops.operation_spec import Context, Host, OperationSpec
from curation.v1 import common_pb2
from curation.v1 import labeling_pb2 as pb

__all__ = [
    "ANALYZE",
    "APPLY",
    "FIT",
    "PREDICT",
    "SPECS",
    "StoredVectors",
    "analyze",
    "apply",
    "fit",
    "handle_apply",
    "predict",
    "resolve_stored_vectors",
    "respond_analyze",
    "respond_apply",
    "respond_fit",
    "warm_up",
]

SERVICE = "curation.v1.LabelingFunctionService"
APPLY = f"{SERVICE}/ApplyLabelingFunctions"
ANALYZE = f"{SERVICE}/AnalyzeLabelingFunctions"
FIT = f"{SERVICE}/FitLabelModel"
PREDICT = f"{SERVICE}/PredictLabelModel"

# A label matrix is held dense (int16) while computing: cap rows x functions.
MAX_CELLS = 400_000_000
MAX_ITERATIONS = 10_000
# Vectors read from the store are hashed for the cache key in a worker thread above this many bytes.
_HASH_ON_LOOP_BYTES = 1 << 20

_MODEL: dict[int, lm.ModelKind] = {
    pb.LABEL_MODEL_TYPE_UNSPECIFIED: "weighted_majority",
    pb.LABEL_MODEL_TYPE_MAJORITY_VOTE: "majority",
    pb.LABEL_MODEL_TYPE_WEIGHTED_MAJORITY_VOTE: "weighted_majority",
    pb.LABEL_MODEL_TYPE_DAWID_SKENE: "dawid_skene",
    pb.LABEL_MODEL_TYPE_MATRIX_COMPLETION: "matrix_completion",
}


def _warning(code: str, message: str, field: str = "") -> common_pb2.Warning:
    return common_pb2.Warning(code=code, message=message, field=field)


# ------------------------------------------------------------------------------------ validation
def _class_names(values: Sequence[str], *, minimum: int = 1) -> list[str]:
    v.check_non_empty(len(values), "class_names")
    v.unique_strings(values, "class_names", allow_empty=False)
    if len(values) < minimum:
        raise InvalidArgument(f"needs at least {minimum} classes", field="class_names")
    return list(values)


def _asset_ids(values: Sequence[str], n: int | None, *, required: bool) -> npt.NDArray[np.str_] | None:
    if not len(values):
        if required:
            raise InvalidArgument("must not be empty", field="asset_ids")
        return None
    ids = v.unique_strings(values, "asset_ids")
    if n is not None:
        v.check_length(ids.shape[0], n, "asset_ids", what="one per label-matrix row")
    return ids


def _first_duplicate(keys: npt.NDArray[np.int64]) -> int | None:
    """Index of the first entry whose key occurred at an earlier index, or None."""
    if keys.size < 2:
        return None
    order = np.argsort(keys, kind="stable")
    dup = keys[order][1:] == keys[order][:-1]
    return int(order[1:][dup].min()) if dup.any() else None


def _entries(
    matrix: pb.LabelMatrix, n_classes: int, *, multi: bool, field: str = "label_matrix"
) -> tuple[
    int, int, npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]
]:
    """(n, m, rows, functions, labels, negative) of a validated sparse matrix."""
    n, m = matrix.num_rows, matrix.num_functions
    if n <= 0:
        raise InvalidArgument(f"must be > 0, got {n}", field=f"{field}.num_rows")
    if m <= 0:
        raise InvalidArgument("at least one labeling function is required", field=f"{field}.num_functions")
    if n * m > MAX_CELLS:
        raise InvalidArgument(f"{n} x {m} exceeds {MAX_CELLS} cells", field=f"{field}.num_rows")
    size = len(matrix.rows)
    v.check_length(len(matrix.functions), size, f"{field}.functions", what="one per entry")
    v.check_length(len(matrix.labels), size, f"{field}.labels", what="one per entry")
    rows = v.index_array(matrix.rows, n, f"{field}.rows")
    fns = v.index_array(matrix.functions, m, f"{field}.functions")
    labels = v.index_array(matrix.labels, n_classes, f"{field}.labels")
    if len(matrix.negative):
        if not multi:
            raise InvalidArgument("negative votes are for multi-label tasks", field=f"{field}.negative")
        v.check_length(len(matrix.negative), size, f"{field}.negative", what="one per entry")
        negative = np.asarray(matrix.negative, dtype=np.bool_)
    else:
        negative = np.zeros(size, dtype=np.bool_)
    key = rows * m + fns
    if multi:
        key = key * n_classes + labels
    dup = _first_duplicate(key)
    if dup is not None:
        what = "(row, function, label)" if multi else "(row, function)"
        raise InvalidArgument(f"duplicate vote for {what}", field=f"{field}.rows[{dup}]")
    return n, m, rows, fns, labels, negative


def _dense(matrix: pb.LabelMatrix, n_classes: int, field: str = "label_matrix") -> npt.NDArray[np.int16]:
    n, m, rows, fns, labels, _ = _entries(matrix, n_classes, multi=False, field=field)
    L = np.full((n, m), -1, dtype=np.int16)
    L[rows, fns] = labels
    return L


def _sparse(L: npt.NDArray[np.int16]) -> pb.LabelMatrix:
    rows, fns = np.nonzero(L >= 0)
    return pb.LabelMatrix(
        num_rows=L.shape[0],
        num_functions=L.shape[1],
        rows=rows.tolist(),
        functions=fns.tolist(),
        labels=L[rows, fns].tolist(),
    )


# ------------------------------------------------------------------------------------ apply
def _columns(columns: Sequence[Any], n: int, field: str, what: str) -> dict[str, npt.NDArray[np.str_]]:
    out: dict[str, npt.NDArray[np.str_]] = {}
    for i, col in enumerate(columns):
        if not col.key:
            raise InvalidArgument(f"{what} key must not be empty", field=f"{field}[{i}].key")
        if col.key in out:
            raise InvalidArgument(f"duplicate {what} key {col.key!r}", field=f"{field}[{i}].key")
        v.check_length(len(col.values), n, f"{field}[{i}].values", what="one value per asset")
        out[col.key] = np.asarray(col.values, dtype=np.str_)
    return out


class _Exemplars(NamedTuple):
    """Where similarity rules find the vectors of exemplar_asset_ids: ``rows[id]`` is a row of
    ``table`` (the request's assets' embeddings) when below its length, else ``rows[id] - len(table)``
    is a row of ``stored`` (vectors read from ``collection`` for exemplars outside the request)."""

    rows: dict[str, int]
    table: npt.NDArray[np.float32] | None
    stored: npt.NDArray[np.float32] | None
    collection: str


def _rule(rule: pb.Rule, at: str, ex: _Exemplars, depth: int = 0) -> lfs.Rule:
    if depth > lfs.MAX_DEPTH:
        raise InvalidArgument(f"rules nest deeper than {lfs.MAX_DEPTH}", field=at)
    kind = rule.WhichOneof("kind")
    if kind is None:
        raise InvalidArgument("a rule must set one of its kinds", field=at)
    r: Any = getattr(rule, kind)
    simple: dict[str, Callable[[], lfs.Rule]] = {
        "keyword": lambda: lfs.Keyword(r.field, tuple(r.patterns), r.regex, r.case_insensitive, r.whole_word),
        "equals": lambda: lfs.Equals(r.key, r.value),
        "in_set": lambda: lfs.InSet(r.key, tuple(r.values)),
        "range": lambda: lfs.Range(
            r.key, r.min if r.HasField("min") else None, r.max if r.HasField("max") else None
        ),
        "exists": lambda: lfs.Exists(r.key),
        "predicted_class": lambda: lfs.PredictedClass(r.label),
        "score_at_least": lambda: lfs.ScoreAtLeast(r.label, r.threshold),
        "score_within_margin": lambda: lfs.ScoreWithinMargin(r.label, r.margin),
    }
    if kind in simple:
        return simple[kind]()
    if kind in ("all", "any"):
        subs = tuple(_rule(sub, f"{at}.{kind}.rules[{j}]", ex, depth + 1) for j, sub in enumerate(r.rules))
        return lfs.All(subs) if kind == "all" else lfs.AnyOf(subs)
    if kind == "negation":
        return lfs.Not(_rule(r, f"{at}.negation", ex, depth + 1))
    # similarity
    where = f"{at}.similarity"
    if ex.table is None:
        raise InvalidArgument(
            "similarity rules need embeddings (sent inline or in embedding_collection)", field=where
        )
    dim = ex.table.shape[1]
    flat = v.finite_floats(r.exemplars, f"{where}.exemplars")
    if flat.shape[0] % dim:
        raise InvalidArgument(
            f"length {flat.shape[0]} is not a multiple of embedding_dim {dim}", field=f"{where}.exemplars"
        )
    vectors = [flat.reshape(-1, dim)]
    rows = []
    for j, asset in enumerate(r.exemplar_asset_ids):
        if asset not in ex.rows:
            place = f"neither an asset of the request nor in collection {ex.collection!r}"
            raise InvalidArgument(
                f"unknown asset {asset!r}: {place if ex.collection else 'not an asset of the request'}",
                field=f"{where}.exemplar_asset_ids[{j}]",
            )
        rows.append(ex.rows[asset])
    at_rows = np.asarray(rows, dtype=np.int64)
    own = at_rows < ex.table.shape[0]
    vectors.append(ex.table[at_rows[own]])
    if ex.stored is not None and not own.all():
        vectors.append(ex.stored[at_rows[~own] - ex.table.shape[0]])
    exemplars = np.concatenate(vectors).astype(np.float32)
    if exemplars.shape[0] == 0:
        raise InvalidArgument("give exemplars or exemplar_asset_ids", field=where)
    return lfs.Similarity(exemplars, r.threshold)


def _similarity_rules(request: pb.ApplyLabelingFunctionsRequest) -> list[pb.SimilarityRule]:
    """Every similarity rule of the request, nested ones included (too deep ones are left to ``_rule``)."""
    out: list[pb.SimilarityRule] = []
    stack = [(lf.rule, 0) for lf in request.labeling_functions]
    while stack:
        rule, depth = stack.pop()
        kind = rule.WhichOneof("kind")
        if depth > lfs.MAX_DEPTH or kind is None:
            continue
        if kind == "similarity":
            out.append(rule.similarity)
        elif kind in ("all", "any"):
            stack.extend((sub, depth + 1) for sub in getattr(rule, kind).rules)
        elif kind == "negation":
            stack.append((rule.negation, depth + 1))
    return out


@dataclass(frozen=True, slots=True)
class StoredVectors:
    """What Apply read from ``embedding_collection`` before computing (see ``resolve_stored_vectors``).

    ``assets`` are the request's assets' vectors (None when sent inline or no rule needs them);
    ``exemplars`` the vectors of the ``exemplar_ids`` outside the request that the collection holds
    (IDs it lacks are left out, so ``apply`` reports them with the rule's field). ``digest`` covers the
    collection's generation and every vector read: it is part of the cache key.
    """

    collection: str
    assets: npt.NDArray[np.float32] | None
    exemplar_ids: tuple[str, ...]
    exemplars: npt.NDArray[np.float32]
    digest: bytes


def _digest(parts: Sequence[bytes]) -> bytes:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.digest()


async def resolve_stored_vectors(
    ops: Host, request: pb.ApplyLabelingFunctionsRequest, ctx: Context
) -> StoredVectors | None:
    """Read from the request's embedding collection the vectors its similarity rules need.

    NotFound for an unknown collection; InvalidArgument ``asset_ids[i]`` when the assets' embeddings are
    to come from the collection and asset i has none, ``embedding_dim`` when inline embeddings do not
    have the collection's dimension.
    """
    collection = request.embedding_collection
    if not collection:
        return None
    check_collection(collection, field="embedding_collection")
    store = store_for(ops, ctx)
    head = await store.require(collection)
    dim = int(head.dimension)
    inline = bool(len(request.embeddings) or request.embedding_dim)
    if inline and request.embedding_dim != dim:
        raise InvalidArgument(
            f"collection {collection!r} has dimension {dim}, got {request.embedding_dim}",
            field="embedding_dim",
        )
    rules = _similarity_rules(request)
    parts = [head.generation.encode()]
    assets = None
    if rules and not inline:
        ids = list(request.asset_ids)
        v.check_non_empty(len(ids), "asset_ids")
        v.unique_strings(ids, "asset_ids")
        head, found, assets = await store.get(collection, ids)
        if not found.all():
            bad = int(np.flatnonzero(~found)[0])
            raise InvalidArgument(
                f"no embedding stored for {ids[bad]!r} in collection {collection!r}"
                f" ({int((~found).sum())} missing)",
                field=f"asset_ids[{bad}]",
            )
        parts += [head.generation.encode(), assets.tobytes()]
    own = set(request.asset_ids)
    wanted = sorted({a for r in rules for a in r.exemplar_asset_ids if a not in own})
    exemplar_ids: tuple[str, ...] = ()
    exemplars = np.zeros((0, dim), dtype=np.float32)
    if wanted:
        head, found, vecs = await store.get(collection, wanted)
        exemplar_ids = tuple(a for a, ok in zip(wanted, found.tolist(), strict=True) if ok)
        exemplars = vecs[found]
        parts += [head.generation.encode(), *(a.encode() for a in exemplar_ids), exemplars.tobytes()]
    if sum(len(p) for p in parts) < _HASH_ON_LOOP_BYTES:
        digest = _digest(parts)
    else:
        digest = await ops.run(_digest, parts, ctx=ctx)
    return StoredVectors(collection, assets, exemplar_ids, exemplars, digest)


def apply(
    request: pb.ApplyLabelingFunctionsRequest, stored: StoredVectors | None = None
) -> pb.AppliedLabelingFunctions:
    """Validate, compile and apply the LFs (blocking; runs in a worker thread). ``stored`` holds what
    ``resolve_stored_vectors`` read from the request's embedding collection."""
    names = _class_names(request.class_names)
    ids = _asset_ids(request.asset_ids, None, required=True)
    assert ids is not None
    n, k = ids.shape[0], len(names)
    if not len(request.labeling_functions):
        raise InvalidArgument("at least one labeling function is required", field="labeling_functions")
    texts = {key: col.tolist() for key, col in _columns(request.texts, n, "texts", "text field").items()}
    metadata = _columns(request.metadata, n, "metadata", "metadata")
    scores = None
    if len(request.scores):
        scores = v.matrix(v.finite_floats(request.scores, "scores"), n, k, "scores")
    embeddings = None
    if len(request.embeddings) or request.embedding_dim:
        if request.embedding_dim <= 0:
            raise InvalidArgument("must be > 0 when embeddings are given", field="embedding_dim")
        flat = v.finite_floats(request.embeddings, "embeddings")
        embeddings = v.matrix(flat, n, request.embedding_dim, "embeddings")
    elif stored is not None:
        embeddings = stored.assets
    collection = stored.collection if stored is not None else ""
    ex = _Exemplars({}, embeddings, None, collection)
    if embeddings is not None and any(len(r.exemplar_asset_ids) for r in _similarity_rules(request)):
        index = {a: i for i, a in enumerate(request.asset_ids)}
        if stored is not None:
            index.update((a, n + j) for j, a in enumerate(stored.exemplar_ids))
        ex = _Exemplars(index, embeddings, stored.exemplars if stored is not None else None, collection)
    functions = [
        lfs.LabelingFunction(lf.name, lf.label, _rule(lf.rule, f"labeling_functions[{i}].rule", ex))
        for i, lf in enumerate(request.labeling_functions)
    ]
    inputs = lfs.Inputs(n=n, texts=texts, metadata=metadata, scores=scores, embeddings=embeddings)
    try:
        compiled = lfs.compile_functions(functions, inputs, n_classes=k)
        L = lfs.apply(compiled, inputs)
    except lfs.LabelingFunctionError as exc:
        field = "labeling_functions" if exc.lf < 0 else f"labeling_functions[{exc.lf}]"
        raise InvalidArgument(exc.message, field=f"{field}.{exc.path}" if exc.path else field) from None
    votes = np.count_nonzero(L >= 0, axis=0)
    out = pb.AppliedLabelingFunctions(label_matrix=_sparse(L))
    for j, lf in enumerate(functions):
        out.counts.add(name=lf.name, votes=int(votes[j]), coverage=float(votes[j]) / n)
        if votes[j] == 0:
            out.warnings.append(
                _warning(
                    "LF_NEVER_FIRES",
                    f"labeling function {lf.name!r} matched no asset",
                    f"labeling_functions[{j}]",
                )
            )
    return out


def respond_apply(
    payload: pb.AppliedLabelingFunctions,
    request: pb.ApplyLabelingFunctionsRequest,
    cache_info: common_pb2.CacheInfo,
) -> pb.ApplyLabelingFunctionsResponse:
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
        APPLY, material, lambda: apply(request, stored), pb.AppliedLabelingFunctions, ctx
    )
    return respond_apply(payload, request, info)


# ------------------------------------------------------------------------------------ analyze
def analyze(request: pb.AnalyzeLabelingFunctionsRequest) -> pb.LabelingFunctionAnalysis:
    """Snorkel's lf_summary of the matrix, plus findings as warnings."""
    names = _class_names(request.class_names)
    k = len(names)
    L = _dense(request.label_matrix, k)
    n, m = L.shape
    fn_names = [str(j) for j in range(m)]
    if len(request.function_names):
        v.check_length(len(request.function_names), m, "function_names", what="one per function")
        fn_names = v.unique_strings(request.function_names, "function_names", allow_empty=False).tolist()
    gold = None
    if len(request.gold):
        v.check_length(len(request.gold), n, "gold", what="one per row")
        gold = v.index_array(np.asarray(request.gold, dtype=np.int64) + 1, k + 1, "gold") - 1
    s = lf_summary(L, gold=gold)
    out = pb.LabelingFunctionAnalysis(
        label_coverage=s.label_coverage, label_overlap=s.label_overlap, label_conflict=s.label_conflict
    )
    cov, ovl, con, votes = s.coverage.tolist(), s.overlaps.tolist(), s.conflicts.tolist(), s.votes.tolist()
    for j in range(m):
        row = out.functions.add(
            name=fn_names[j],
            polarity=s.polarity[j],
            coverage=cov[j],
            overlaps=ovl[j],
            conflicts=con[j],
            votes=votes[j],
        )
        if s.correct is not None and s.incorrect is not None and s.empirical_accuracy is not None:
            row.correct = int(s.correct[j])
            row.incorrect = int(s.incorrect[j])
            row.empirical_accuracy = float(s.empirical_accuracy[j])
    for f in findings(L, s, n_classes=k, names=fn_names):
        out.warnings.append(_warning(f.code, f.message, f.field))
    return out


def respond_analyze(
    payload: pb.LabelingFunctionAnalysis,
    request: pb.AnalyzeLabelingFunctionsRequest,
    cache_info: common_pb2.CacheInfo,
) -> pb.AnalyzeLabelingFunctionsResponse:
    response = pb.AnalyzeLabelingFunctionsResponse(
        label_coverage=payload.label_coverage,
        label_overlap=payload.label_overlap,
        label_conflict=payload.label_conflict,
    )
    response.functions.extend(payload.functions)
    response.warnings.extend(payload.warnings)
    response.cache.CopyFrom(cache_info)
    return response


# ------------------------------------------------------------------------------------ fit / predict
def _params_to_proto(
    model: lm.FittedLabelModel, *, class_index: int = 0, functions: Sequence[int] = ()
) -> pb.LabelModelParameters:
    return pb.LabelModelParameters(
        num_classes=model.n_classes,
        num_functions=model.n_lfs,
        log_prior=model.log_prior.tolist(),
        class_balance=model.class_balance.tolist(),
        tables=model.tables.reshape(-1).tolist(),
        lf_accuracies=model.lf_accuracy.tolist(),
        iterations=model.iterations,
        converged=model.converged,
        class_index=class_index,
        functions=list(functions),
    )


def _params_from_proto(p: pb.LabelModelParameters, kind: lm.ModelKind) -> lm.FittedLabelModel:
    k, m = p.num_classes, p.num_functions
    return lm.FittedLabelModel(
        kind,
        k,
        np.asarray(p.log_prior, dtype=np.float64),
        np.asarray(p.tables, dtype=np.float64).reshape(m, k + 1, k),
        np.asarray(p.lf_accuracies, dtype=np.float64),
        np.asarray(p.class_balance, dtype=np.float64),
        p.iterations,
        p.converged,
    )


def _tie_break(value: int, ids: npt.NDArray[np.str_] | None) -> Any:
    if value == pb.TIE_BREAK_ASSET_ID_HASH:
        if ids is None:
            raise InvalidArgument("tie_break ASSET_ID_HASH needs asset_ids", field="asset_ids")
        return "hash"
    if value not in (pb.TIE_BREAK_UNSPECIFIED, pb.TIE_BREAK_ABSTAIN):
        raise InvalidArgument(f"unknown tie break {value}", field="tie_break")
    return "abstain"


def _binary_matrix(
    n: int,
    rows: npt.NDArray[np.int64],
    fns: npt.NDArray[np.int64],
    negative: npt.NDArray[np.bool_],
    select: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]]:
    """Class c's binary problem: the functions that vote on c, 1 = has c, 0 = lacks c, -1 abstain."""
    used = np.unique(fns[select])
    L = np.full((n, used.shape[0]), -1, dtype=np.int16)
    L[rows[select], np.searchsorted(used, fns[select])] = np.where(negative[select], 0, 1)
    return L, used


def _predictions(
    params: Sequence[pb.LabelModelParameters],
    kind: lm.ModelKind,
    *,
    task: int,
    n_classes: int,
    matrix: pb.LabelMatrix,
    tie: Any,
    ids: npt.NDArray[np.str_] | None,
) -> pb.LabelPredictions:
    multi = task == pb.LABEL_TASK_MULTI_LABEL
    n, _, rows, fns, labels, negative = _entries(matrix, n_classes, multi=multi)
    out = pb.LabelPredictions(num_rows=n, num_classes=n_classes)
    if not multi:
        L = np.full((n, matrix.num_functions), -1, dtype=np.int16)
        L[rows, fns] = labels
        probs = lm.predict_proba(_params_from_proto(params[0], kind), L)
        out.probabilities.extend(probs.astype(np.float32).reshape(-1).tolist())
        out.labels.extend(lm.hard_labels(probs, tie_break=tie, asset_ids=ids).tolist())
        return out
    probs = np.zeros((n, n_classes), dtype=np.float64)
    hard = np.zeros((n, n_classes), dtype=np.int64)
    for c, p in enumerate(params):
        used = np.asarray(p.functions, dtype=np.int64)
        select = (labels == c) & np.isin(fns, used)
        L = np.full((n, used.shape[0]), -1, dtype=np.int16)
        L[rows[select], np.searchsorted(used, fns[select])] = np.where(negative[select], 0, 1)
        # Classes with fewer than 3 functions were fitted by majority vote (see ``fit``).
        pc = lm.predict_proba(_params_from_proto(p, kind if used.shape[0] >= 3 else "majority"), L)
        probs[:, c] = pc[:, 1]
        hard[:, c] = lm.hard_labels(pc, tie_break=tie, asset_ids=ids)
    out.probabilities.extend(probs.astype(np.float32).reshape(-1).tolist())
    out.labels.extend(hard.reshape(-1).tolist())
    return out


def fit(request: pb.FitLabelModelRequest) -> pb.FittedLabelModel:
    """Fit the requested label model (blocking; runs in a worker thread)."""
    multi = request.task == pb.LABEL_TASK_MULTI_LABEL
    if request.task not in (pb.LABEL_TASK_UNSPECIFIED, pb.LABEL_TASK_SINGLE_LABEL, pb.LABEL_TASK_MULTI_LABEL):
        raise InvalidArgument(f"unknown task {request.task}", field="task")
    names = _class_names(request.class_names, minimum=1 if multi else 2)
    k = len(names)
    if request.model not in _MODEL:
        raise InvalidArgument(f"unknown label model {request.model}", field="model")
    kind = _MODEL[request.model]
    n, m, rows, fns, labels, negative = _entries(request.label_matrix, k, multi=multi)
    ids = _asset_ids(request.asset_ids, n, required=False)
    tie = _tie_break(request.tie_break, ids)
    if not 0 <= request.max_iterations <= MAX_ITERATIONS:
        raise InvalidArgument(f"must lie in [0, {MAX_ITERATIONS}]", field="max_iterations")
    balance = None
    if len(request.class_balance):
        v.check_length(len(request.class_balance), k, "class_balance", what="one per class")
        balance = v.finite_floats(request.class_balance, "class_balance", dtype=np.float64)
        upper_ok = balance < 1 if multi else np.ones(k, dtype=np.bool_)
        if np.any((balance <= 0) | ~upper_ok):
            bad = int(np.flatnonzero((balance <= 0) | ~upper_ok)[0])
            raise InvalidArgument("must be > 0 (and < 1 for multi-label)", field=f"class_balance[{bad}]")
    accs = None
    if len(request.lf_accuracies):
        if kind != "weighted_majority":
            raise InvalidArgument("only weighted majority vote takes accuracies", field="lf_accuracies")
        if multi:
            raise InvalidArgument("not supported for multi-label tasks", field="lf_accuracies")
        v.check_length(len(request.lf_accuracies), m, "lf_accuracies", what="one per function")
        accs = v.finite_floats(request.lf_accuracies, "lf_accuracies", dtype=np.float64)
        if np.any((accs <= 0) | (accs >= 1)):
            bad = int(np.flatnonzero((accs <= 0) | (accs >= 1))[0])
            raise InvalidArgument("must lie in (0, 1)", field=f"lf_accuracies[{bad}]")
    options: dict[str, Any] = {
        "model": kind,
        "seed": int(request.seed) % (2**32),
        "max_iter": request.max_iterations,
    }
    payload = pb.FittedLabelModel(model=request.model, task=request.task, class_names=names, num_functions=m)
    if not multi:
        L = np.full((n, m), -1, dtype=np.int16)
        L[rows, fns] = labels
        if m < 3 and kind != "majority":
            payload.warnings.append(
                _warning(
                    "TOO_FEW_LFS", f"{m} labeling functions; a label model needs at least 3", "label_matrix"
                )
            )
        fitted = lm.fit_matrix(L, n_classes=k, class_balance=balance, lf_accuracies=accs, **options)
        payload.parameters.append(_params_to_proto(fitted))
    else:
        for c in range(k):
            select = labels == c
            L, used = _binary_matrix(n, rows, fns, negative, select)
            prior = None if balance is None else [1.0 - balance[c], balance[c]]
            if used.shape[0] < 3:
                payload.warnings.append(
                    _warning(
                        "TOO_FEW_LFS",
                        f"class {names[c]!r} has {used.shape[0]} labeling functions; fitted by majority vote",
                        f"class_names[{c}]",
                    )
                )
                fitted = lm.fit_matrix(
                    L, n_classes=2, class_balance=prior, **{**options, "model": "majority"}
                )
            else:
                fitted = lm.fit_matrix(L, n_classes=2, class_balance=prior, **options)
            payload.parameters.append(_params_to_proto(fitted, class_index=c, functions=used.tolist()))
            if used.shape[0] and not np.any(~negative[select]):
                payload.warnings.append(
                    _warning(
                        "NO_POSITIVE_VOTES", f"no positive votes for class {names[c]!r}", f"class_names[{c}]"
                    )
                )
    if not request.omit_predictions:
        payload.predictions.CopyFrom(
            _predictions(
                payload.parameters,
                kind,
                task=request.task,
                n_classes=k,
                matrix=request.label_matrix,
                tie=tie,
                ids=ids,
            )
        )
    return payload


def respond_fit(
    payload: pb.FittedLabelModel, request: pb.FitLabelModelRequest, cache_info: common_pb2.CacheInfo
) -> pb.FitLabelModelResponse:
    response = pb.FitLabelModelResponse(
        model_id=cache_info.key_digest, model=payload.model, task=payload.task
    )
    response.parameters.extend(payload.parameters)
    if payload.HasField("predictions"):
        response.predictions.CopyFrom(payload.predictions)
    response.warnings.extend(payload.warnings)
    response.cache.CopyFrom(cache_info)
    return response


async def predict(
    ops: Host, request: pb.PredictLabelModelRequest, ctx: Context
) -> pb.PredictLabelModelResponse:
    """Predict with the model fitted under ``model_id`` (NotFound when it left the cache)."""
    model_id = request.model_id
    if len(model_id) != 64 or any(ch not in "0123456789abcdef" for ch in model_id):
        raise InvalidArgument("must be the model_id returned by FitLabelModel", field="model_id")
    payload = await ops.load_payload(FIT, model_id, ctx.namespace)
    assert isinstance(payload, pb.FittedLabelModel)
    k = len(payload.class_names)
    if request.label_matrix.num_functions != payload.num_functions:
        raise InvalidArgument(
            f"the model was fitted on {payload.num_functions} functions, "
            f"got {request.label_matrix.num_functions}",
            field="label_matrix.num_functions",
        )

    def run() -> pb.LabelPredictions:
        n = request.label_matrix.num_rows
        ids = _asset_ids(request.asset_ids, n, required=False)
        tie = _tie_break(request.tie_break, ids)
        return _predictions(
            payload.parameters,
            _MODEL[payload.model],
            task=payload.task,
            n_classes=k,
            matrix=request.label_matrix,
            tie=tie,
            ids=ids,
        )

    predictions = await ops.run(run, ctx=ctx)
    return pb.PredictLabelModelResponse(model_id=model_id, predictions=predictions, warnings=payload.warnings)


SPECS: list[OperationSpec[Any, Any, Any]] = [
    OperationSpec(
        name=APPLY,
        request_type=pb.ApplyLabelingFunctionsRequest,
        response_type=pb.ApplyLabelingFunctionsResponse,
        # Kept so ``ops.load_payload(APPLY, digest)`` reads an applied matrix by its key digest.
        payload_type=pb.AppliedLabelingFunctions,
        handle=handle_apply,
    ),
    OperationSpec(
        name=ANALYZE,
        request_type=pb.AnalyzeLabelingFunctionsRequest,
        response_type=pb.AnalyzeLabelingFunctionsResponse,
        payload_type=pb.LabelingFunctionAnalysis,
        evaluate=analyze,
        respond=respond_analyze,
    ),
    OperationSpec(
        name=FIT,
        request_type=pb.FitLabelModelRequest,
        response_type=pb.FitLabelModelResponse,
        payload_type=pb.FittedLabelModel,
        evaluate=fit,
        respond=respond_fit,
        warm_up=warm_up,
    ),
    OperationSpec(
        name=PREDICT,
        request_type=pb.PredictLabelModelRequest,
        response_type=pb.PredictLabelModelResponse,
        handle=predict,
        warm_up=warm_up,
    ),
]
