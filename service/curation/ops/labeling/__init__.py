"""LabelingFunctionService: apply declarative LFs, analyse a label matrix, fit, predict and delete label
models.

Apply, Analyze and Fit are cached (a repeat request is a cache hit; the fitted model's ID is its cache
key digest). Fit is a direct operation so that it can keep the fitted model in the store under that ID
(``models``): predictions refer to it later, so it must not be evicted by cache pressure. Apply is a
direct operation so that it can first read the vectors its similarity rules need from the request's
``embedding_collection`` (async, through the embedding store), as sampling does; it then hands the pure
computation to ``ops.cached`` with the canonical request plus a digest of the vectors read as key
material, so a changed collection is a new key. A request naming no collection has exactly the key it
had as a plain cached operation. Predict is direct: it loads the fitted model by ID from the store and
scores the matrix it is sent in a worker thread; Delete frees it.

Modules: ``matrix`` (class names, asset IDs, the label matrix sparse and dense, per-class binary
matrices), ``rules`` (proto rules to core rules), ``vectors`` (what Apply reads from a collection),
``apply``, ``analyze``, ``label_model`` (fit, predict, delete, parameters to and from proto) and
``models`` (fitted models in the store).
"""

from __future__ import annotations

from typing import Any

from curation.auth import Scope
from curation.core.labeling import warm_up
from curation.internal.v1 import labeling_pb2 as ipb
from curation.ops.labeling.analyze import ANALYZE, analyze, respond_analyze
from curation.ops.labeling.apply import APPLY, apply, handle_apply, respond_apply
from curation.ops.labeling.cost import analyze_cost, apply_cost, fit_cost, predict_request_cost
from curation.ops.labeling.label_model import (
    DELETE,
    FIT,
    PREDICT,
    delete,
    fit,
    handle_fit,
    predict,
    respond_fit,
)
from curation.ops.labeling.vectors import StoredVectors, resolve_stored_vectors
from curation.ops.operation_spec import OperationSpec
from curation.v1 import labeling_pb2 as pb

__all__ = [
    "ANALYZE",
    "APPLY",
    "DELETE",
    "FIT",
    "PREDICT",
    "SPECS",
    "StoredVectors",
    "analyze",
    "apply",
    "delete",
    "fit",
    "handle_apply",
    "handle_fit",
    "predict",
    "resolve_stored_vectors",
    "respond_analyze",
    "respond_apply",
    "respond_fit",
    "warm_up",
]

SPECS: list[OperationSpec[Any, Any, Any]] = [
    OperationSpec(
        name=APPLY,
        request_type=pb.ApplyLabelingFunctionsRequest,
        response_type=pb.ApplyLabelingFunctionsResponse,
        # Kept so ``ops.load_payload(APPLY, digest)`` reads an applied matrix by its key digest.
        payload_type=ipb.AppliedLabelingFunctions,
        handle=handle_apply,
        cost=apply_cost,
    ),
    OperationSpec(
        name=ANALYZE,
        request_type=pb.AnalyzeLabelingFunctionsRequest,
        response_type=pb.AnalyzeLabelingFunctionsResponse,
        payload_type=ipb.LabelingFunctionAnalysis,
        evaluate=analyze,
        respond=respond_analyze,
        # 2: lf_empirical_probs with gold labels; learned weights.
        version=2,
        cost=analyze_cost,
        # The stated rows x functions are in the estimate's work: a tiny body stating many goes elsewhere.
        cost_from_body=True,
    ),
    OperationSpec(
        name=FIT,
        request_type=pb.FitLabelModelRequest,
        response_type=pb.FitLabelModelResponse,
        # Direct (fit through the cache, then keep the model in the store); the payload type stays for
        # ``ops.load_payload(FIT, digest)``.
        payload_type=ipb.FittedLabelModel,
        handle=handle_fit,
        # 2: Dawid-Skene abstentions carry no evidence; NOT_CONVERGED warning.
        # 3: matrix completion is Snorkel's LabelModel fit (SGD from its seeded start); gold scores.
        version=3,
        cost=fit_cost,
        warm_up=warm_up,
        scope=Scope.WRITE,
    ),
    OperationSpec(
        name=PREDICT,
        request_type=pb.PredictLabelModelRequest,
        response_type=pb.PredictLabelModelResponse,
        handle=predict,
        # The fitted model's classes are checked once it is loaded (``predict_cost``).
        cost=predict_request_cost,
        warm_up=warm_up,
    ),
    OperationSpec(
        name=DELETE,
        request_type=pb.DeleteLabelModelRequest,
        response_type=pb.DeleteLabelModelResponse,
        handle=delete,
        scope=Scope.WRITE,
    ),
]
