"""GENERATED from proto/curation/v1 by tools/generate.py (``make proto-client``): do not edit.

One ``Rpc`` record per RPC (``RPCS``), and one typed method per RPC on the mixins the clients inherit:
``SyncMethods`` / ``AsyncMethods`` (unary RPCs and their page iterators: gRPC and REST) and
``SyncStreamingMethods`` / ``AsyncStreamingMethods`` (client-streaming RPCs too: gRPC only).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

from curation_client._base import (
    AsyncBase,
    AsyncStreamingBase,
    CallOptions,
    Metadata,
    SyncBase,
    SyncStreamingBase,
)
from curation_client.rpc import Rpc
from curation_client.v1 import (
    admin_pb2,
    classification_pb2,
    detection_pb2,
    embeddings_pb2,
    labeling_pb2,
    sampling_pb2,
)

__all__ = [
    "ANALYZE_LABELING_FUNCTIONS",
    "APPLY_LABELING_FUNCTIONS",
    "AsyncMethods",
    "AsyncStreamingMethods",
    "DELETE_EMBEDDINGS",
    "DELETE_LABEL_MODEL",
    "FIND_NEAR_DUPLICATES",
    "FIT_LABEL_MODEL",
    "FLUSH_CACHE",
    "GET_EMBEDDINGS",
    "PLAN",
    "PREDICT_LABEL_MODEL",
    "PUT_EMBEDDINGS",
    "RPCS",
    "SCORE_CLASSIFICATION",
    "SCORE_DETECTION",
    "SCORE_DETECTION_STREAM",
    "SELECT",
    "SyncMethods",
    "SyncStreamingMethods",
]

FLUSH_CACHE = Rpc(
    service="curation.v1.AdminService",
    name="FlushCache",
    method="flush_cache",
    request_type=admin_pb2.FlushCacheRequest,
    response_type=admin_pb2.FlushCacheResponse,
    http_method="POST",
    http_path="/v1/cache:flush",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

SCORE_CLASSIFICATION = Rpc(
    service="curation.v1.DiagnosticsService",
    name="ScoreClassification",
    method="score_classification",
    request_type=classification_pb2.ScoreClassificationRequest,
    response_type=classification_pb2.ScoreClassificationResponse,
    http_method="POST",
    http_path="/v1/diagnostics/classification:score",
    idempotent=True,
    client_streaming=False,
    page_field="misclassified",
)

SCORE_DETECTION = Rpc(
    service="curation.v1.DiagnosticsService",
    name="ScoreDetection",
    method="score_detection",
    request_type=detection_pb2.ScoreDetectionRequest,
    response_type=detection_pb2.ScoreDetectionResponse,
    http_method="POST",
    http_path="/v1/diagnostics/detection:score",
    idempotent=True,
    client_streaming=False,
    page_field="assets",
)

SCORE_DETECTION_STREAM = Rpc(
    service="curation.v1.DiagnosticsService",
    name="ScoreDetectionStream",
    method="score_detection_stream",
    request_type=detection_pb2.ScoreDetectionStreamRequest,
    response_type=detection_pb2.ScoreDetectionStreamResponse,
    http_method="",
    http_path="",
    idempotent=True,
    client_streaming=True,
    page_field="",
)

PUT_EMBEDDINGS = Rpc(
    service="curation.v1.EmbeddingService",
    name="PutEmbeddings",
    method="put_embeddings",
    request_type=embeddings_pb2.PutEmbeddingsRequest,
    response_type=embeddings_pb2.PutEmbeddingsResponse,
    http_method="POST",
    http_path="/v1/embeddings:put",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

GET_EMBEDDINGS = Rpc(
    service="curation.v1.EmbeddingService",
    name="GetEmbeddings",
    method="get_embeddings",
    request_type=embeddings_pb2.GetEmbeddingsRequest,
    response_type=embeddings_pb2.GetEmbeddingsResponse,
    http_method="POST",
    http_path="/v1/embeddings:get",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

DELETE_EMBEDDINGS = Rpc(
    service="curation.v1.EmbeddingService",
    name="DeleteEmbeddings",
    method="delete_embeddings",
    request_type=embeddings_pb2.DeleteEmbeddingsRequest,
    response_type=embeddings_pb2.DeleteEmbeddingsResponse,
    http_method="POST",
    http_path="/v1/embeddings:delete",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

APPLY_LABELING_FUNCTIONS = Rpc(
    service="curation.v1.LabelingFunctionService",
    name="ApplyLabelingFunctions",
    method="apply_labeling_functions",
    request_type=labeling_pb2.ApplyLabelingFunctionsRequest,
    response_type=labeling_pb2.ApplyLabelingFunctionsResponse,
    http_method="POST",
    http_path="/v1/labeling-functions:apply",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

ANALYZE_LABELING_FUNCTIONS = Rpc(
    service="curation.v1.LabelingFunctionService",
    name="AnalyzeLabelingFunctions",
    method="analyze_labeling_functions",
    request_type=labeling_pb2.AnalyzeLabelingFunctionsRequest,
    response_type=labeling_pb2.AnalyzeLabelingFunctionsResponse,
    http_method="POST",
    http_path="/v1/labeling-functions:analyze",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

FIT_LABEL_MODEL = Rpc(
    service="curation.v1.LabelingFunctionService",
    name="FitLabelModel",
    method="fit_label_model",
    request_type=labeling_pb2.FitLabelModelRequest,
    response_type=labeling_pb2.FitLabelModelResponse,
    http_method="POST",
    http_path="/v1/label-model:fit",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

PREDICT_LABEL_MODEL = Rpc(
    service="curation.v1.LabelingFunctionService",
    name="PredictLabelModel",
    method="predict_label_model",
    request_type=labeling_pb2.PredictLabelModelRequest,
    response_type=labeling_pb2.PredictLabelModelResponse,
    http_method="POST",
    http_path="/v1/label-model:predict",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

DELETE_LABEL_MODEL = Rpc(
    service="curation.v1.LabelingFunctionService",
    name="DeleteLabelModel",
    method="delete_label_model",
    request_type=labeling_pb2.DeleteLabelModelRequest,
    response_type=labeling_pb2.DeleteLabelModelResponse,
    http_method="POST",
    http_path="/v1/label-model:delete",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

SELECT = Rpc(
    service="curation.v1.SamplingService",
    name="Select",
    method="select",
    request_type=sampling_pb2.SelectRequest,
    response_type=sampling_pb2.SelectResponse,
    http_method="POST",
    http_path="/v1/sampling:select",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

FIND_NEAR_DUPLICATES = Rpc(
    service="curation.v1.SamplingService",
    name="FindNearDuplicates",
    method="find_near_duplicates",
    request_type=sampling_pb2.FindNearDuplicatesRequest,
    response_type=sampling_pb2.FindNearDuplicatesResponse,
    http_method="POST",
    http_path="/v1/sampling:findNearDuplicates",
    idempotent=True,
    client_streaming=False,
    page_field="groups",
)

PLAN = Rpc(
    service="curation.v1.SamplingService",
    name="Plan",
    method="plan",
    request_type=sampling_pb2.PlanRequest,
    response_type=sampling_pb2.PlanResponse,
    http_method="POST",
    http_path="/v1/sampling:plan",
    idempotent=True,
    client_streaming=False,
    page_field="",
)

RPCS: tuple[Rpc[Any, Any], ...] = (
    FLUSH_CACHE,
    SCORE_CLASSIFICATION,
    SCORE_DETECTION,
    SCORE_DETECTION_STREAM,
    PUT_EMBEDDINGS,
    GET_EMBEDDINGS,
    DELETE_EMBEDDINGS,
    APPLY_LABELING_FUNCTIONS,
    ANALYZE_LABELING_FUNCTIONS,
    FIT_LABEL_MODEL,
    PREDICT_LABEL_MODEL,
    DELETE_LABEL_MODEL,
    SELECT,
    FIND_NEAR_DUPLICATES,
    PLAN,
)


class SyncMethods(SyncBase):
    """One blocking method per unary RPC (gRPC and REST)."""

    def flush_cache(
        self,
        request: admin_pb2.FlushCacheRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> admin_pb2.FlushCacheResponse:
        """Remove every cache entry of the caller's tenant (cached results and the body aliases that point at
        them) from the shared cache and every process's copies; never its stored data (embedding
        collections, fitted label models). Other tenants' entries are untouched. Later requests recompute.

        ``AdminService.FlushCache``; REST ``POST /v1/cache:flush``.
        """
        return self._invoke(FLUSH_CACHE, request, CallOptions(timeout, metadata, request_id))

    def score_classification(
        self,
        request: classification_pb2.ScoreClassificationRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> classification_pb2.ScoreClassificationResponse:
        """Score single-label or multi-label classification predictions (sklearn-exact numbers).

        ``DiagnosticsService.ScoreClassification``; REST ``POST /v1/diagnostics/classification:score``.
        """
        return self._invoke(SCORE_CLASSIFICATION, request, CallOptions(timeout, metadata, request_id))

    def iter_score_classification(
        self,
        request: classification_pb2.ScoreClassificationRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> Iterator[classification_pb2.MisclassifiedAsset]:
        """Every ``misclassified`` entry of every page of :meth:`score_classification`, which this calls
        again with each ``next_page_token`` until the last page (the request itself is not changed).
        """
        return self._iterate(
            SCORE_CLASSIFICATION,
            request,
            lambda page: page.misclassified,
            CallOptions(timeout, metadata, request_id),
        )

    def score_detection(
        self,
        request: detection_pb2.ScoreDetectionRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> detection_pb2.ScoreDetectionResponse:
        """Score object detection or instance segmentation: pycocotools-exact COCO numbers and arrays, per
        class, per slice and per asset, TIDE error types, a confusion matrix over classes + background.

        ``DiagnosticsService.ScoreDetection``; REST ``POST /v1/diagnostics/detection:score``.
        """
        return self._invoke(SCORE_DETECTION, request, CallOptions(timeout, metadata, request_id))

    def iter_score_detection(
        self,
        request: detection_pb2.ScoreDetectionRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> Iterator[detection_pb2.DetectionAsset]:
        """Every ``assets`` entry of every page of :meth:`score_detection`, which this calls again with each
        ``next_page_token`` until the last page (the request itself is not changed).
        """
        return self._iterate(
            SCORE_DETECTION, request, lambda page: page.assets, CallOptions(timeout, metadata, request_id)
        )

    def put_embeddings(
        self,
        request: embeddings_pb2.PutEmbeddingsRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> embeddings_pb2.PutEmbeddingsResponse:
        """Store (or overwrite) vectors; creates the collection on first use.

        ``EmbeddingService.PutEmbeddings``; REST ``POST /v1/embeddings:put``.
        """
        return self._invoke(PUT_EMBEDDINGS, request, CallOptions(timeout, metadata, request_id))

    def get_embeddings(
        self,
        request: embeddings_pb2.GetEmbeddingsRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> embeddings_pb2.GetEmbeddingsResponse:
        """Read vectors back by asset ID.

        ``EmbeddingService.GetEmbeddings``; REST ``POST /v1/embeddings:get``.
        """
        return self._invoke(GET_EMBEDDINGS, request, CallOptions(timeout, metadata, request_id))

    def delete_embeddings(
        self,
        request: embeddings_pb2.DeleteEmbeddingsRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> embeddings_pb2.DeleteEmbeddingsResponse:
        """Forget vectors, or the whole collection.

        ``EmbeddingService.DeleteEmbeddings``; REST ``POST /v1/embeddings:delete``.
        """
        return self._invoke(DELETE_EMBEDDINGS, request, CallOptions(timeout, metadata, request_id))

    def apply_labeling_functions(
        self,
        request: labeling_pb2.ApplyLabelingFunctionsRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> labeling_pb2.ApplyLabelingFunctionsResponse:
        """Apply declarative LFs to the assets sent; returns the sparse label matrix and per-LF counts.

        ``LabelingFunctionService.ApplyLabelingFunctions``; REST ``POST /v1/labeling-functions:apply``.
        """
        return self._invoke(APPLY_LABELING_FUNCTIONS, request, CallOptions(timeout, metadata, request_id))

    def analyze_labeling_functions(
        self,
        request: labeling_pb2.AnalyzeLabelingFunctionsRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> labeling_pb2.AnalyzeLabelingFunctionsResponse:
        """Snorkel's LFAnalysis.lf_summary on a label matrix, plus warnings Snorkel does not give.

        ``LabelingFunctionService.AnalyzeLabelingFunctions``; REST ``POST /v1/labeling-
        functions:analyze``.
        """
        return self._invoke(ANALYZE_LABELING_FUNCTIONS, request, CallOptions(timeout, metadata, request_id))

    def fit_label_model(
        self,
        request: labeling_pb2.FitLabelModelRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> labeling_pb2.FitLabelModelResponse:
        """Fit a label model; the returned model_id predicts on new matrices. The fitted model is kept in the
        store (never evicted, counted against its budget: RESOURCE_EXHAUSTED / 507 when full) until
        DeleteLabelModel forgets it.

        ``LabelingFunctionService.FitLabelModel``; REST ``POST /v1/label-model:fit``.
        """
        return self._invoke(FIT_LABEL_MODEL, request, CallOptions(timeout, metadata, request_id))

    def predict_label_model(
        self,
        request: labeling_pb2.PredictLabelModelRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> labeling_pb2.PredictLabelModelResponse:
        """Predict with a fitted model by its ID.

        ``LabelingFunctionService.PredictLabelModel``; REST ``POST /v1/label-model:predict``.
        """
        return self._invoke(PREDICT_LABEL_MODEL, request, CallOptions(timeout, metadata, request_id))

    def delete_label_model(
        self,
        request: labeling_pb2.DeleteLabelModelRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> labeling_pb2.DeleteLabelModelResponse:
        """Forget a fitted model (its bytes in the store are free again); predicting with it is NOT_FOUND
        after.

        ``LabelingFunctionService.DeleteLabelModel``; REST ``POST /v1/label-model:delete``.
        """
        return self._invoke(DELETE_LABEL_MODEL, request, CallOptions(timeout, metadata, request_id))

    def select(
        self,
        request: sampling_pb2.SelectRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> sampling_pb2.SelectResponse:
        """Select the next batch from a pool.

        ``SamplingService.Select``; REST ``POST /v1/sampling:select``.
        """
        return self._invoke(SELECT, request, CallOptions(timeout, metadata, request_id))

    def find_near_duplicates(
        self,
        request: sampling_pb2.FindNearDuplicatesRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> sampling_pb2.FindNearDuplicatesResponse:
        """Groups of near-duplicate assets (cosine distance under a threshold).

        ``SamplingService.FindNearDuplicates``; REST ``POST /v1/sampling:findNearDuplicates``.
        """
        return self._invoke(FIND_NEAR_DUPLICATES, request, CallOptions(timeout, metadata, request_id))

    def iter_find_near_duplicates(
        self,
        request: sampling_pb2.FindNearDuplicatesRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> Iterator[sampling_pb2.DuplicateGroup]:
        """Every ``groups`` entry of every page of :meth:`find_near_duplicates`, which this calls again with
        each ``next_page_token`` until the last page (the request itself is not changed).
        """
        return self._iterate(
            FIND_NEAR_DUPLICATES,
            request,
            lambda page: page.groups,
            CallOptions(timeout, metadata, request_id),
        )

    def plan(
        self,
        request: sampling_pb2.PlanRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> sampling_pb2.PlanResponse:
        """From a diagnostics result to the selection request it implies, and that selection.

        ``SamplingService.Plan``; REST ``POST /v1/sampling:plan``.
        """
        return self._invoke(PLAN, request, CallOptions(timeout, metadata, request_id))


class AsyncMethods(AsyncBase):
    """One awaitable method per unary RPC (gRPC and REST)."""

    async def flush_cache(
        self,
        request: admin_pb2.FlushCacheRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> admin_pb2.FlushCacheResponse:
        """Remove every cache entry of the caller's tenant (cached results and the body aliases that point at
        them) from the shared cache and every process's copies; never its stored data (embedding
        collections, fitted label models). Other tenants' entries are untouched. Later requests recompute.

        ``AdminService.FlushCache``; REST ``POST /v1/cache:flush``.
        """
        return await self._invoke(FLUSH_CACHE, request, CallOptions(timeout, metadata, request_id))

    async def score_classification(
        self,
        request: classification_pb2.ScoreClassificationRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> classification_pb2.ScoreClassificationResponse:
        """Score single-label or multi-label classification predictions (sklearn-exact numbers).

        ``DiagnosticsService.ScoreClassification``; REST ``POST /v1/diagnostics/classification:score``.
        """
        return await self._invoke(SCORE_CLASSIFICATION, request, CallOptions(timeout, metadata, request_id))

    def aiter_score_classification(
        self,
        request: classification_pb2.ScoreClassificationRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> AsyncIterator[classification_pb2.MisclassifiedAsset]:
        """Every ``misclassified`` entry of every page of :meth:`score_classification`, which this calls
        again with each ``next_page_token`` until the last page (the request itself is not changed).
        """
        return self._aiterate(
            SCORE_CLASSIFICATION,
            request,
            lambda page: page.misclassified,
            CallOptions(timeout, metadata, request_id),
        )

    async def score_detection(
        self,
        request: detection_pb2.ScoreDetectionRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> detection_pb2.ScoreDetectionResponse:
        """Score object detection or instance segmentation: pycocotools-exact COCO numbers and arrays, per
        class, per slice and per asset, TIDE error types, a confusion matrix over classes + background.

        ``DiagnosticsService.ScoreDetection``; REST ``POST /v1/diagnostics/detection:score``.
        """
        return await self._invoke(SCORE_DETECTION, request, CallOptions(timeout, metadata, request_id))

    def aiter_score_detection(
        self,
        request: detection_pb2.ScoreDetectionRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> AsyncIterator[detection_pb2.DetectionAsset]:
        """Every ``assets`` entry of every page of :meth:`score_detection`, which this calls again with each
        ``next_page_token`` until the last page (the request itself is not changed).
        """
        return self._aiterate(
            SCORE_DETECTION, request, lambda page: page.assets, CallOptions(timeout, metadata, request_id)
        )

    async def put_embeddings(
        self,
        request: embeddings_pb2.PutEmbeddingsRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> embeddings_pb2.PutEmbeddingsResponse:
        """Store (or overwrite) vectors; creates the collection on first use.

        ``EmbeddingService.PutEmbeddings``; REST ``POST /v1/embeddings:put``.
        """
        return await self._invoke(PUT_EMBEDDINGS, request, CallOptions(timeout, metadata, request_id))

    async def get_embeddings(
        self,
        request: embeddings_pb2.GetEmbeddingsRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> embeddings_pb2.GetEmbeddingsResponse:
        """Read vectors back by asset ID.

        ``EmbeddingService.GetEmbeddings``; REST ``POST /v1/embeddings:get``.
        """
        return await self._invoke(GET_EMBEDDINGS, request, CallOptions(timeout, metadata, request_id))

    async def delete_embeddings(
        self,
        request: embeddings_pb2.DeleteEmbeddingsRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> embeddings_pb2.DeleteEmbeddingsResponse:
        """Forget vectors, or the whole collection.

        ``EmbeddingService.DeleteEmbeddings``; REST ``POST /v1/embeddings:delete``.
        """
        return await self._invoke(DELETE_EMBEDDINGS, request, CallOptions(timeout, metadata, request_id))

    async def apply_labeling_functions(
        self,
        request: labeling_pb2.ApplyLabelingFunctionsRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> labeling_pb2.ApplyLabelingFunctionsResponse:
        """Apply declarative LFs to the assets sent; returns the sparse label matrix and per-LF counts.

        ``LabelingFunctionService.ApplyLabelingFunctions``; REST ``POST /v1/labeling-functions:apply``.
        """
        return await self._invoke(
            APPLY_LABELING_FUNCTIONS, request, CallOptions(timeout, metadata, request_id)
        )

    async def analyze_labeling_functions(
        self,
        request: labeling_pb2.AnalyzeLabelingFunctionsRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> labeling_pb2.AnalyzeLabelingFunctionsResponse:
        """Snorkel's LFAnalysis.lf_summary on a label matrix, plus warnings Snorkel does not give.

        ``LabelingFunctionService.AnalyzeLabelingFunctions``; REST ``POST /v1/labeling-
        functions:analyze``.
        """
        return await self._invoke(
            ANALYZE_LABELING_FUNCTIONS, request, CallOptions(timeout, metadata, request_id)
        )

    async def fit_label_model(
        self,
        request: labeling_pb2.FitLabelModelRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> labeling_pb2.FitLabelModelResponse:
        """Fit a label model; the returned model_id predicts on new matrices. The fitted model is kept in the
        store (never evicted, counted against its budget: RESOURCE_EXHAUSTED / 507 when full) until
        DeleteLabelModel forgets it.

        ``LabelingFunctionService.FitLabelModel``; REST ``POST /v1/label-model:fit``.
        """
        return await self._invoke(FIT_LABEL_MODEL, request, CallOptions(timeout, metadata, request_id))

    async def predict_label_model(
        self,
        request: labeling_pb2.PredictLabelModelRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> labeling_pb2.PredictLabelModelResponse:
        """Predict with a fitted model by its ID.

        ``LabelingFunctionService.PredictLabelModel``; REST ``POST /v1/label-model:predict``.
        """
        return await self._invoke(PREDICT_LABEL_MODEL, request, CallOptions(timeout, metadata, request_id))

    async def delete_label_model(
        self,
        request: labeling_pb2.DeleteLabelModelRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> labeling_pb2.DeleteLabelModelResponse:
        """Forget a fitted model (its bytes in the store are free again); predicting with it is NOT_FOUND
        after.

        ``LabelingFunctionService.DeleteLabelModel``; REST ``POST /v1/label-model:delete``.
        """
        return await self._invoke(DELETE_LABEL_MODEL, request, CallOptions(timeout, metadata, request_id))

    async def select(
        self,
        request: sampling_pb2.SelectRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> sampling_pb2.SelectResponse:
        """Select the next batch from a pool.

        ``SamplingService.Select``; REST ``POST /v1/sampling:select``.
        """
        return await self._invoke(SELECT, request, CallOptions(timeout, metadata, request_id))

    async def find_near_duplicates(
        self,
        request: sampling_pb2.FindNearDuplicatesRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> sampling_pb2.FindNearDuplicatesResponse:
        """Groups of near-duplicate assets (cosine distance under a threshold).

        ``SamplingService.FindNearDuplicates``; REST ``POST /v1/sampling:findNearDuplicates``.
        """
        return await self._invoke(FIND_NEAR_DUPLICATES, request, CallOptions(timeout, metadata, request_id))

    def aiter_find_near_duplicates(
        self,
        request: sampling_pb2.FindNearDuplicatesRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> AsyncIterator[sampling_pb2.DuplicateGroup]:
        """Every ``groups`` entry of every page of :meth:`find_near_duplicates`, which this calls again with
        each ``next_page_token`` until the last page (the request itself is not changed).
        """
        return self._aiterate(
            FIND_NEAR_DUPLICATES,
            request,
            lambda page: page.groups,
            CallOptions(timeout, metadata, request_id),
        )

    async def plan(
        self,
        request: sampling_pb2.PlanRequest,
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> sampling_pb2.PlanResponse:
        """From a diagnostics result to the selection request it implies, and that selection.

        ``SamplingService.Plan``; REST ``POST /v1/sampling:plan``.
        """
        return await self._invoke(PLAN, request, CallOptions(timeout, metadata, request_id))


class SyncStreamingMethods(SyncMethods, SyncStreamingBase):
    """The client-streaming RPCs too (gRPC)."""

    def score_detection_stream(
        self,
        requests: Iterable[detection_pb2.ScoreDetectionStreamRequest],
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> detection_pb2.ScoreDetectionStreamResponse:
        """The same for very large sets, the request sent in chunks (merged in order; see
        ScoreDetectionStreamRequest). gRPC only: REST has no client streaming.

        ``DiagnosticsService.ScoreDetectionStream``; gRPC only.
        """
        return self._invoke_stream(
            SCORE_DETECTION_STREAM, requests, CallOptions(timeout, metadata, request_id)
        )


class AsyncStreamingMethods(AsyncMethods, AsyncStreamingBase):
    """The client-streaming RPCs too (gRPC)."""

    async def score_detection_stream(
        self,
        requests: AsyncIterable[detection_pb2.ScoreDetectionStreamRequest]
        | Iterable[detection_pb2.ScoreDetectionStreamRequest],
        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
    ) -> detection_pb2.ScoreDetectionStreamResponse:
        """The same for very large sets, the request sent in chunks (merged in order; see
        ScoreDetectionStreamRequest). gRPC only: REST has no client streaming.

        ``DiagnosticsService.ScoreDetectionStream``; gRPC only.
        """
        return await self._invoke_stream(
            SCORE_DETECTION_STREAM, requests, CallOptions(timeout, metadata, request_id)
        )
