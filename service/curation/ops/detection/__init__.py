"""ScoreDetection: validate the request, run the detection core, convert to proto, page the assets.

``evaluate`` (worker thread, cached) builds a ``DetectionEvaluation``: the report and, with the
ASSETS view, every asset's outcomes (columnar); ``respond`` cuts the requested page of assets out of
it. Input is either columnar arrays or COCO JSON (``coco_gt_json`` + ``coco_results_json``), never
both. Only the parts the request's ``views`` name are computed (:mod:`.views`; the cache key holds
the view set, written canonically).

The steps live in small modules: :mod:`.request` reads the request (:mod:`.columnar` or
:mod:`.coco_json` for its objects, :mod:`.params` for the COCO parameters, with their defaults),
:mod:`.report` and :mod:`.assets` turn the core's diagnosis into the cached evaluation and pages, and
:mod:`.stream` serves the client-streaming variant (``ScoreDetectionStream``), whose merged request
runs through the same cached operation as the unary one.

Call :func:`warm_up` once at server start: it loads the compiled kernels so no request waits for them.
"""

from __future__ import annotations

from typing import Any

from curation.core.detection import diagnose, warm_up
from curation.internal.v1 import detection_pb2 as ipb
from curation.ops.detection import limits
from curation.ops.detection.assets import add_assets, add_page
from curation.ops.detection.cost import cost
from curation.ops.detection.report import report
from curation.ops.detection.request import read_request
from curation.ops.detection.stream import merge_stream, stream_response
from curation.ops.detection.views import canonical
from curation.ops.findings import to_warnings
from curation.ops.operation_spec import ClientStream, OperationSpec
from curation.ops.paging import page_bounds
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb

__all__ = [
    "SPEC",
    "SPECS",
    "evaluate",
    "merge_stream",
    "respond",
    "stream_response",
    "warm_up",
]

NAME = "curation.v1.DiagnosticsService/ScoreDetection"
STREAM_NAME = "curation.v1.DiagnosticsService/ScoreDetectionStream"


def evaluate(request: pb.ScoreDetectionRequest) -> ipb.DetectionEvaluation:
    """Validate, diagnose, and build the cached evaluation (report + per-asset outcomes)."""
    inputs, options, warnings = read_request(request)
    diag = diagnose(
        inputs.data,
        options.params,
        mode=options.mode,
        operating_iou=options.operating_iou,
        score_threshold=options.score_threshold,
        tide_foreground_iou=options.tide_foreground_iou,
        tide_background_iou=options.tide_background_iou,
        tide_progressive=options.tide_progressive,
        iou_bins=options.iou_bins,
        slices=options.slices,
        min_slice_support=options.min_slice_support,
        max_slices_per_key=options.max_slices_per_key,
        masks=inputs.masks,
        gt_slices=options.gt_slices,
        views=options.views,
        frequency=inputs.lvis_labels.frequency if inputs.lvis_labels is not None else None,
        keypoints=inputs.keypoints,
    )
    warnings.extend(to_warnings(diag.findings))
    evaluation = ipb.DetectionEvaluation(report=report(diag, inputs, request, options, warnings))
    if diag.assets is not None and diag.tide is not None:
        evaluation.asset_ids.extend(inputs.asset_ids)
        evaluation.category_names.extend(inputs.category_names)
        add_assets(evaluation, diag.assets, diag.tide, inputs)
    return evaluation


def respond(
    payload: ipb.DetectionEvaluation, request: pb.ScoreDetectionRequest, cache_info: common_pb2.CacheInfo
) -> pb.ScoreDetectionResponse:
    """The page of assets the request asks for (worst first), with the cached report."""
    total = len(payload.asset_order)
    start, stop, next_token = page_bounds(total, request.page_size, request.page_token, cache_info.key_digest)
    response = pb.ScoreDetectionResponse()
    response.CopyFrom(payload.report)
    response.assets_total = total
    response.next_page_token = next_token
    response.cache.CopyFrom(cache_info)
    add_page(response, payload, start, stop)
    return response


SPEC = OperationSpec(
    name=NAME,
    request_type=pb.ScoreDetectionRequest,
    response_type=pb.ScoreDetectionResponse,
    payload_type=ipb.DetectionEvaluation,
    evaluate=evaluate,
    respond=respond,
    # 2: the report lists the views computed and holds only their parts.
    # 3: TIDE bit-equal to tidecv (images in the COCO file's order, classes averaged in tidecv's
    # first-seen order), its special errors (false positive / false negative dAP), tide_progressive; COCO
    # results read by loadRes's rules (segmentation results keep the boxes they give, ``bbox: []`` is no
    # box, box results in segm without a segmentation are their box polygons).
    version=3,
    paging_fields=("page_size", "page_token"),
    canonical=canonical,
    cost=cost,
    warm_up=warm_up,
)


# The client-streaming variant: the seam merges the chunks (``merge_stream``) and answers the merged
# request exactly as the unary one (same cache key), then wraps the response.
STREAM_SPEC: OperationSpec[Any, Any, Any] = OperationSpec(
    name=STREAM_NAME,
    request_type=pb.ScoreDetectionStreamRequest,
    response_type=pb.ScoreDetectionStreamResponse,
    stream=ClientStream(
        answered_by=NAME, merge=merge_stream, wrap=stream_response, max_chunks=limits.MAX_STREAM_CHUNKS
    ),
)
SPECS: list[OperationSpec[Any, Any, Any]] = [SPEC, STREAM_SPEC]
