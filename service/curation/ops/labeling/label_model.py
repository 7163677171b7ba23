"""FitLabelModel, PredictLabelModel and DeleteLabelModel: label models over a label matrix.

Fit is direct: it computes through the cache (``Host.cached``; the fitted model's ID is its cache key
digest, the payload ``FittedLabelModel`` keeps the parameters), then keeps the model in the store under
that ID (``models``): a caller refers to it later, so cache pressure must not evict it. Predict loads it
from the store by ID and scores the matrix it is sent in a worker thread; Delete frees it. A multi-label
task is one binary model per class over the functions that vote on it; a class with fewer than three
such functions is fitted by majority vote.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from curation.core.labeling import (
    MIN_LFS_FOR_MODEL,
    Diverged,
    FittedLabelModel,
    ModelKind,
    fit_matrix,
    hard_labels,
    predict_proba,
)
from curation.errors import InvalidArgument
from curation.internal.v1 import labeling_pb2 as ipb
from curation.ops import _validate as v
from curation.ops.findings import warning
from curation.ops.keys import canonical_bytes
from curation.ops.labeling import limits as lim
from curation.ops.labeling.cost import predict_cost
from curation.ops.labeling.fit_options import sgd_options
from curation.ops.labeling.matrix import Entries, asset_ids, class_matrix, class_names, entries
from curation.ops.labeling.models import delete_model, issue_model_id, keep_model, load_model, model_digest
from curation.ops.labeling.scoring import Scoring, score_proto, scoring
from curation.ops.operation_spec import Context, Host
from curation.v1 import common_pb2
from curation.v1 import labeling_pb2 as pb

__all__ = [
    "DELETE",
    "FIT",
    "MAX_ITERATIONS",
    "MODEL_KINDS",
    "PREDICT",
    "delete",
    "fit",
    "handle_fit",
    "predict",
    "respond_fit",
]

FIT = "curation.v1.LabelingFunctionService/FitLabelModel"
PREDICT = "curation.v1.LabelingFunctionService/PredictLabelModel"
DELETE = "curation.v1.LabelingFunctionService/DeleteLabelModel"
MAX_ITERATIONS = lim.MAX_ITERATIONS

MODEL_KINDS: dict[int, ModelKind] = {
    pb.LABEL_MODEL_TYPE_UNSPECIFIED: "weighted_majority",
    pb.LABEL_MODEL_TYPE_MAJORITY_VOTE: "majority",
    pb.LABEL_MODEL_TYPE_WEIGHTED_MAJORITY_VOTE: "weighted_majority",
    pb.LABEL_MODEL_TYPE_DAWID_SKENE: "dawid_skene",
    pb.LABEL_MODEL_TYPE_MATRIX_COMPLETION: "matrix_completion",
}
_TASKS = (pb.LABEL_TASK_UNSPECIFIED, pb.LABEL_TASK_SINGLE_LABEL, pb.LABEL_TASK_MULTI_LABEL)
TieBreak = Literal["abstain", "hash", "row_hash"]


# ------------------------------------------------------------------------------------ parameters
def params_to_proto(
    model: FittedLabelModel, *, class_index: int = 0, functions: Sequence[int] = ()
) -> pb.LabelModelParameters:
    """A fitted model's parameters (for class ``class_index`` over ``functions`` when multi-label)."""
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


def params_from_proto(p: pb.LabelModelParameters, kind: ModelKind) -> FittedLabelModel:
    """The core model of stored parameters."""
    k, m = p.num_classes, p.num_functions
    return FittedLabelModel(
        kind,
        k,
        np.asarray(p.log_prior, dtype=np.float64),
        np.asarray(p.tables, dtype=np.float64).reshape(m, k + 1, k),
        np.asarray(p.lf_accuracies, dtype=np.float64),
        np.asarray(p.class_balance, dtype=np.float64),
        p.iterations,
        p.converged,
    )


# ------------------------------------------------------------------------------------ predictions
def _tie_break(value: int, ids: npt.NDArray[np.str_] | None) -> TieBreak:
    """The core's tie break of the enum; hashing needs asset IDs."""
    if value == pb.TIE_BREAK_ASSET_ID_HASH:
        if ids is None:
            raise InvalidArgument("tie_break ASSET_ID_HASH needs asset_ids", field="asset_ids")
        return "hash"
    if value == pb.TIE_BREAK_ROW_INDEX_HASH:
        return "row_hash"
    if value not in (pb.TIE_BREAK_UNSPECIFIED, pb.TIE_BREAK_ABSTAIN):
        raise InvalidArgument(f"unknown tie break {value}", field="tie_break")
    return "abstain"


def predictions(
    params: Sequence[pb.LabelModelParameters],
    kind: ModelKind,
    e: Entries,
    *,
    multi: bool,
    n_classes: int,
    tie: TieBreak,
    ids: npt.NDArray[np.str_] | None,
    scoring: Scoring | None = None,
) -> tuple[pb.LabelPredictions, pb.LabelModelScore | None]:
    """Probabilities (n x k, float32) and hard labels of the fitted model(s) on the matrix ``e``, and
    their score against ``scoring``'s gold labels (single-label) when given."""
    score = None
    if multi:
        probs, hard = _multi_label(params, kind, e, n_classes=n_classes, tie=tie, ids=ids)
    else:
        L = e.dense()
        probs = predict_proba(params_from_proto(params[0], kind), L)
        hard = hard_labels(probs, tie_break=tie, asset_ids=ids, no_votes=_no_votes(kind, L))
        if scoring is not None:
            score = score_proto(scoring, hard, probs)
    out = pb.LabelPredictions(num_rows=e.n, num_classes=n_classes)
    out.probabilities.extend(probs.astype(np.float32).reshape(-1).tolist())
    out.labels.extend(hard.reshape(-1).tolist())
    return out, score


def _multi_label(
    params: Sequence[pb.LabelModelParameters],
    kind: ModelKind,
    e: Entries,
    *,
    n_classes: int,
    tie: TieBreak,
    ids: npt.NDArray[np.str_] | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """P(has class c) and the 0/1 decision per class, each from its class's binary model."""
    probs = np.zeros((e.n, n_classes), dtype=np.float64)
    hard = np.zeros((e.n, n_classes), dtype=np.int64)
    for c, p in enumerate(params):
        L, used = class_matrix(e, c, np.asarray(p.functions, dtype=np.int64))
        # Classes with fewer than MIN_LFS_FOR_MODEL functions were fitted by majority vote (see ``fit``).
        class_kind = kind if used.shape[0] >= MIN_LFS_FOR_MODEL else "majority"
        pc = predict_proba(params_from_proto(p, class_kind), L)
        probs[:, c] = pc[:, 1]
        hard[:, c] = hard_labels(pc, tie_break=tie, asset_ids=ids, no_votes=_no_votes(class_kind, L))
    return probs, hard


def _no_votes(kind: ModelKind, L: npt.NDArray[np.int16]) -> npt.NDArray[np.bool_] | None:
    """Dawid-Skene: the rows no function votes on (they get the prior; TIE_BREAK_ABSTAIN abstains on
    them). The other models keep Snorkel's rule: such a row is labelled by its probabilities (the prior;
    uniform by default, so it abstains unless the caller gives a non-uniform class_balance)."""
    if kind != "dawid_skene":
        return None
    return np.asarray((L < 0).all(axis=1), dtype=np.bool_)


def _not_converged(fitted: FittedLabelModel, what: str, field: str) -> list[common_pb2.Warning]:
    """A NOT_CONVERGED warning when an EM fit stopped at its iteration cap."""
    if fitted.kind != "dawid_skene" or fitted.converged:
        return []
    message = f"{what}: EM stopped after {fitted.iterations} iterations without converging"
    return [warning("NOT_CONVERGED", message + "; raise max_iterations", field)]


# ------------------------------------------------------------------------------------ fit
def fit(request: pb.FitLabelModelRequest) -> ipb.FittedLabelModel:
    """Fit the requested label model (blocking; runs in a worker thread)."""
    multi = request.task == pb.LABEL_TASK_MULTI_LABEL
    if request.task not in _TASKS:
        raise InvalidArgument(f"unknown task {request.task}", field="task")
    names = class_names(request.class_names, minimum=1 if multi else 2)
    k = len(names)
    if request.model not in MODEL_KINDS:
        raise InvalidArgument(f"unknown label model {request.model}", field="model")
    kind = MODEL_KINDS[request.model]
    e = entries(request.label_matrix, k, multi=multi)
    ids = asset_ids(request.asset_ids, e.n, required=False)
    tie = _tie_break(request.tie_break, ids)
    if not 0 <= request.max_iterations <= MAX_ITERATIONS:
        raise InvalidArgument(f"must lie in [0, {MAX_ITERATIONS}]", field="max_iterations")
    balance = _class_balance(request, k, multi=multi)
    if len(request.dev_labels):
        balance = _dev_balance(request, k, multi=multi)
    accs = _lf_accuracies(request, kind, e.m, multi=multi)
    gold = scoring(request.gold, request.metrics, n=e.n, k=k, multi=multi)
    options: dict[str, object] = {
        "model": kind,
        "seed": int(request.seed),
        "max_iter": request.max_iterations,
        "sgd": sgd_options(request, kind, e.m),
    }
    payload = ipb.FittedLabelModel(
        model=request.model, task=request.task, class_names=names, num_functions=e.m
    )
    if multi:
        _fit_per_class(payload, e, names, balance, options)
    else:
        _fit_single_label(payload, e, k, balance=balance, accs=accs, options=options)
    if not request.omit_predictions or gold is not None:
        preds, score = predictions(
            payload.parameters, kind, e, multi=multi, n_classes=k, tie=tie, ids=ids, scoring=gold
        )
        if not request.omit_predictions:
            payload.predictions.CopyFrom(preds)
        if score is not None:
            payload.score.CopyFrom(score)
    return payload


def _class_balance(
    request: pb.FitLabelModelRequest, k: int, *, multi: bool
) -> npt.NDArray[np.float64] | None:
    """One prior per class, each > 0 (and < 1 for multi-label: P(has class c)), or None."""
    if not len(request.class_balance):
        return None
    v.check_length(len(request.class_balance), k, "class_balance", what="one per class")
    balance: npt.NDArray[np.float64] = v.finite_floats(
        request.class_balance, "class_balance", dtype=np.float64
    )
    upper_ok = balance < 1 if multi else np.ones(k, dtype=np.bool_)
    if np.any((balance <= 0) | ~upper_ok):
        bad = int(np.flatnonzero((balance <= 0) | ~upper_ok)[0])
        raise InvalidArgument("must be > 0 (and < 1 for multi-label)", field=f"class_balance[{bad}]")
    return balance


def _dev_balance(request: pb.FitLabelModelRequest, k: int, *, multi: bool) -> npt.NDArray[np.float64]:
    """Snorkel's class balance from ``Y_dev``: the class counts of the dev labels (the core normalises
    them: count / total, Snorkel's arithmetic); every class must occur."""
    if multi:
        raise InvalidArgument("not supported for multi-label tasks", field="dev_labels")
    if len(request.class_balance):
        raise InvalidArgument("send class_balance or dev_labels, not both", field="dev_labels")
    labels = v.index_array(request.dev_labels, k, "dev_labels")
    counts = np.bincount(labels, minlength=k)
    if np.any(counts == 0):
        missing = int(np.flatnonzero(counts == 0)[0])
        raise InvalidArgument(
            f"class {missing} does not occur: every class needs a prior", field="dev_labels"
        )
    return counts.astype(np.float64)


def _lf_accuracies(
    request: pb.FitLabelModelRequest, kind: ModelKind, m: int, *, multi: bool
) -> npt.NDArray[np.float64] | None:
    """Given LF accuracies in (0, 1), one per function (weighted majority vote, single-label), or None."""
    if not len(request.lf_accuracies):
        return None
    if kind != "weighted_majority":
        raise InvalidArgument("only weighted majority vote takes accuracies", field="lf_accuracies")
    if multi:
        raise InvalidArgument("not supported for multi-label tasks", field="lf_accuracies")
    v.check_length(len(request.lf_accuracies), m, "lf_accuracies", what="one per function")
    accs: npt.NDArray[np.float64] = v.finite_floats(request.lf_accuracies, "lf_accuracies", dtype=np.float64)
    if np.any((accs <= 0) | (accs >= 1)):
        bad = int(np.flatnonzero((accs <= 0) | (accs >= 1))[0])
        raise InvalidArgument("must lie in (0, 1)", field=f"lf_accuracies[{bad}]")
    return accs


def _fit(L: npt.NDArray[np.int16], **kwargs: object) -> FittedLabelModel:
    """``fit_matrix``, a diverged SGD fit refused as the learning rate's fault (as Snorkel refuses it)."""
    try:
        return fit_matrix(L, **kwargs)  # type: ignore[arg-type]
    except Diverged as err:
        raise InvalidArgument(str(err), field="learning_rate") from err


def _fit_single_label(
    payload: ipb.FittedLabelModel,
    e: Entries,
    k: int,
    *,
    balance: npt.NDArray[np.float64] | None,
    accs: npt.NDArray[np.float64] | None,
    options: dict[str, object],
) -> None:
    """One model over the whole matrix (a warning when too few functions identify it)."""
    if e.m < MIN_LFS_FOR_MODEL and options["model"] != "majority":
        payload.warnings.append(
            warning(
                "TOO_FEW_LFS",
                f"{e.m} labeling functions; a label model needs at least {MIN_LFS_FOR_MODEL}",
                "label_matrix",
            )
        )
    fitted = _fit(e.dense(), n_classes=k, class_balance=balance, lf_accuracies=accs, **options)
    payload.parameters.append(params_to_proto(fitted))
    payload.warnings.extend(_not_converged(fitted, "the label model", "max_iterations"))


def _fit_per_class(
    payload: ipb.FittedLabelModel,
    e: Entries,
    names: list[str],
    balance: npt.NDArray[np.float64] | None,
    options: dict[str, object],
) -> None:
    """One binary model per class over the functions that vote on it (majority vote below
    ``MIN_LFS_FOR_MODEL``), with a warning for each such class and each class with no positive vote."""
    for c, name in enumerate(names):
        L, used = class_matrix(e, c)
        prior = None if balance is None else [1.0 - balance[c], balance[c]]
        few = used.shape[0] < MIN_LFS_FOR_MODEL
        if few:
            payload.warnings.append(
                warning(
                    "TOO_FEW_LFS",
                    f"class {name!r} has {used.shape[0]} labeling functions; fitted by majority vote",
                    f"class_names[{c}]",
                )
            )
        class_options = {**options, "model": "majority"} if few else options
        fitted = _fit(L, n_classes=2, class_balance=prior, **class_options)
        payload.parameters.append(params_to_proto(fitted, class_index=c, functions=used.tolist()))
        payload.warnings.extend(_not_converged(fitted, f"class {name!r}", "max_iterations"))
        if used.shape[0] and not np.any(~e.negative[e.labels == c]):
            payload.warnings.append(
                warning("NO_POSITIVE_VOTES", f"no positive votes for class {name!r}", f"class_names[{c}]")
            )


def respond_fit(
    payload: ipb.FittedLabelModel, request: pb.FitLabelModelRequest, cache_info: common_pb2.CacheInfo
) -> pb.FitLabelModelResponse:
    """The response of a (cached) fit, without its model ID (``handle_fit`` issues it: it is bound to the
    caller's tenant)."""
    response = pb.FitLabelModelResponse(model=payload.model, task=payload.task)
    response.parameters.extend(payload.parameters)
    if payload.HasField("predictions"):
        response.predictions.CopyFrom(payload.predictions)
    if payload.HasField("score"):
        response.score.CopyFrom(payload.score)
    response.warnings.extend(payload.warnings)
    response.cache.CopyFrom(cache_info)
    return response


async def handle_fit(ops: Host, request: pb.FitLabelModelRequest, ctx: Context) -> pb.FitLabelModelResponse:
    """Fit (or read the cached fit), keep the model in the store under its ID, respond."""
    payload, info = await ops.cached(
        FIT, canonical_bytes(request, ()), lambda: fit(request), ipb.FittedLabelModel, ctx
    )
    await keep_model(ops, ctx.namespace, info.key_digest, payload)
    response = respond_fit(payload, request, info)
    response.model_id = issue_model_id(ops, ctx.namespace, info.key_digest)
    return response


# ------------------------------------------------------------------------------------ predict, delete
async def predict(
    ops: Host, request: pb.PredictLabelModelRequest, ctx: Context
) -> pb.PredictLabelModelResponse:
    """Predict with the model kept under ``model_id`` (NotFound when never fitted or deleted)."""
    model_id = request.model_id
    payload = await load_model(ops, ctx.namespace, model_digest(ops, ctx.namespace, model_id))
    if request.label_matrix.num_functions != payload.num_functions:
        raise InvalidArgument(
            f"the model was fitted on {payload.num_functions} functions, "
            f"got {request.label_matrix.num_functions}",
            field="label_matrix.num_functions",
        )
    multi = payload.task == pb.LABEL_TASK_MULTI_LABEL
    ops.check_cost(predict_cost(request, len(payload.class_names), multi), field="model_id")
    result, score = await ops.run(_predict, payload, request, ctx=ctx)
    response = pb.PredictLabelModelResponse(model_id=model_id, predictions=result, warnings=payload.warnings)
    if score is not None:
        response.score.CopyFrom(score)
    return response


async def delete(ops: Host, request: pb.DeleteLabelModelRequest, ctx: Context) -> pb.DeleteLabelModelResponse:
    """Forget the model kept under ``model_id``; its bytes in the store are free again. An ID of this
    tenant's whose model is gone already answers ``deleted: false``; an ID not issued to this tenant is
    ``NotFound``, as everywhere."""
    digest = model_digest(ops, ctx.namespace, request.model_id)
    return pb.DeleteLabelModelResponse(deleted=await delete_model(ops, ctx.namespace, digest))


def _predict(
    payload: ipb.FittedLabelModel, request: pb.PredictLabelModelRequest
) -> tuple[pb.LabelPredictions, pb.LabelModelScore | None]:
    """Validate the request's matrix (and gold labels) against the fitted model, predict and score
    (worker thread)."""
    k = len(payload.class_names)
    multi = payload.task == pb.LABEL_TASK_MULTI_LABEL
    ids = asset_ids(request.asset_ids, request.label_matrix.num_rows, required=False)
    tie = _tie_break(request.tie_break, ids)
    e = entries(request.label_matrix, k, multi=multi)
    gold = scoring(request.gold, request.metrics, n=e.n, k=k, multi=multi)
    return predictions(
        payload.parameters,
        MODEL_KINDS[payload.model],
        e,
        multi=multi,
        n_classes=k,
        tie=tie,
        ids=ids,
        scoring=gold,
    )
