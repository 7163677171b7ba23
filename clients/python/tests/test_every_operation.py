"""Every operation of the service, over both protocols of a real running server: the same answer, and
the same bad request mapped to the same error (INVALID_ARGUMENT on gRPC, 400 on REST) naming the field.

A new family adds its rows to CASES; the adapters are generated, so this table is what keeps them honest.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import json_format
from google.protobuf.message import Message

from curation_client import CurationClient, CurationClientError, RestCurationClient
from curation_client.v1 import classification_pb2 as cls_pb
from curation_client.v1 import common_pb2
from curation_client.v1 import detection_pb2 as det_pb
from curation_client.v1 import labeling_pb2 as lf_pb

from .conftest import RunningServer


@dataclass(frozen=True)
class Case:
    method: str
    good: Message
    bad: Message
    bad_field: str


def cache_info(response: Message) -> common_pb2.CacheInfo:
    """The ``cache`` field every response of the service carries."""
    info = getattr(response, "cache")  # noqa: B009 - typed Message has no .cache; every response has one
    assert isinstance(info, common_pb2.CacheInfo)
    return info


def _detection(**overrides: object) -> det_pb.ScoreDetectionRequest:
    fields: dict[str, object] = {
        "asset_ids": ["img1", "img2"],
        "category_names": ["car", "person"],
        "gt_asset": [0, 0, 1],
        "gt_category": [0, 1, 1],
        "gt_boxes": [10, 10, 50, 40, 100, 100, 30, 60, 5, 5, 20, 40],
        "pred_asset": [0, 0, 1, 1],
        "pred_category": [0, 0, 1, 0],
        "pred_boxes": [12, 11, 48, 40, 200, 200, 10, 10, 6, 5, 20, 38, 6, 5, 20, 38],
        "pred_scores": [0.9, 0.4, 0.8, 0.3],
    }
    fields.update(overrides)
    return det_pb.ScoreDetectionRequest(**fields)  # type: ignore[arg-type]


CASES = [
    Case(
        "ScoreClassification",
        cls_pb.ScoreClassificationRequest(
            class_names=["a", "b"], asset_ids=["x", "y", "z"], y_true=[0, 1, 1], y_pred=[0, 0, 1]
        ),
        cls_pb.ScoreClassificationRequest(
            class_names=["a", "b"], asset_ids=["x", "y"], y_true=[0, 5], y_pred=[0, 1]
        ),
        "y_true[1]",
    ),
    Case(
        "ScoreDetection",
        _detection(),
        _detection(gt_boxes=[10, 10, 50, 40, 100, 100, -30, 60, 5, 5, 20, 40]),
        "gt_boxes[6]",
    ),
    Case(
        "ScoreDetection",
        _detection(views=[det_pb.DETECTION_VIEW_TIDE, det_pb.DETECTION_VIEW_COCO]),
        _detection(views=[det_pb.DETECTION_VIEW_COCO, 99]),
        "views[1]",
    ),
]


def _matrix(**overrides: object) -> lf_pb.LabelMatrix:
    """Votes of 3 functions on 4 assets (-1 = abstain is simply absent: the matrix is sparse)."""
    fields: dict[str, object] = {
        "num_rows": 4,
        "num_functions": 3,
        "rows": [0, 0, 1, 2, 2, 3, 3],
        "functions": [0, 1, 1, 0, 2, 1, 2],
        "labels": [1, 1, 0, 1, 0, 0, 0],
    }
    fields.update(overrides)
    return lf_pb.LabelMatrix(**fields)  # type: ignore[arg-type]


LABELING_CASES = [
    Case(
        "ApplyLabelingFunctions",
        lf_pb.ApplyLabelingFunctionsRequest(
            class_names=["ham", "spam"],
            asset_ids=["m1", "m2", "m3"],
            texts=[lf_pb.TextField(key="body", values=["win money now", "lunch?", "free MONEY"])],
            labeling_functions=[
                lf_pb.LabelingFunction(
                    name="money",
                    label=1,
                    rule=lf_pb.Rule(
                        keyword=lf_pb.KeywordRule(field="body", patterns=["money"], case_insensitive=True)
                    ),
                )
            ],
        ),
        lf_pb.ApplyLabelingFunctionsRequest(
            class_names=["ham", "spam"],
            asset_ids=["m1"],
            texts=[lf_pb.TextField(key="body", values=["x"])],
            labeling_functions=[
                lf_pb.LabelingFunction(
                    name="broken",
                    label=1,
                    rule=lf_pb.Rule(
                        keyword=lf_pb.KeywordRule(field="body", patterns=["(unclosed"], regex=True)
                    ),
                )
            ],
        ),
        "labeling_functions[0].rule.keyword.patterns[0]",
    ),
    Case(
        "AnalyzeLabelingFunctions",
        lf_pb.AnalyzeLabelingFunctionsRequest(class_names=["ham", "spam"], label_matrix=_matrix()),
        lf_pb.AnalyzeLabelingFunctionsRequest(
            class_names=["ham", "spam"], label_matrix=_matrix(labels=[1, 1, 0, 7, 0, 0, 0])
        ),
        "label_matrix.labels[3]",
    ),
    Case(
        "FitLabelModel",
        lf_pb.FitLabelModelRequest(
            class_names=["ham", "spam"], asset_ids=["a", "b", "c", "d"], label_matrix=_matrix()
        ),
        lf_pb.FitLabelModelRequest(
            class_names=["ham", "spam"],
            asset_ids=["a", "b", "c", "d"],
            label_matrix=_matrix(rows=[0, 0, 1, 2, 2, 3, 9]),
        ),
        "label_matrix.rows[6]",
    ),
]
CASES += LABELING_CASES


def comparable(response: Message) -> dict[str, object]:
    doc = json_format.MessageToDict(response, preserving_proto_field_name=True)
    doc.get("cache", {}).pop("cached", None)
    return doc


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.method)
def test_same_answer_and_same_error_over_both_protocols(server: RunningServer, case: Case) -> None:
    with (
        CurationClient(server.grpc_target, namespace="every-op", timeout=60) as over_grpc,
        RestCurationClient(server.base_url, namespace="every-op", timeout=60) as over_rest,
    ):
        first = over_grpc.call(case.method, case.good)
        second = over_rest.call(case.method, case.good)
        assert comparable(first) == comparable(second)
        one, two = cache_info(first), cache_info(second)
        assert two.cached and two.key_digest == one.key_digest  # one cache entry
        errors = []
        for client in (over_grpc, over_rest):
            with pytest.raises(CurationClientError) as err:
                client.call(case.method, case.bad)
            errors.append(err.value)
    assert [e.status for e in errors] == [grpc.StatusCode.INVALID_ARGUMENT, 400]
    assert {e.code for e in errors} == {"INVALID_ARGUMENT"}
    assert {(e.kind, e.field, e.message) for e in errors} == {
        ("invalid_argument", case.bad_field, errors[0].message)
    }


def test_detection_stream_equals_the_unary_answer(server: RunningServer) -> None:
    request = _detection()
    # Chunks split by field groups and by rows: protobuf merge appends repeated fields in order.
    chunks = [
        det_pb.ScoreDetectionRequest(asset_ids=request.asset_ids, category_names=request.category_names),
        det_pb.ScoreDetectionRequest(
            gt_asset=request.gt_asset[:2], gt_category=request.gt_category[:2], gt_boxes=request.gt_boxes[:8]
        ),
        det_pb.ScoreDetectionRequest(
            gt_asset=request.gt_asset[2:], gt_category=request.gt_category[2:], gt_boxes=request.gt_boxes[8:]
        ),
        det_pb.ScoreDetectionRequest(
            pred_asset=request.pred_asset,
            pred_category=request.pred_category,
            pred_boxes=request.pred_boxes,
            pred_scores=request.pred_scores,
        ),
    ]
    with CurationClient(server.grpc_target, namespace="stream-test", timeout=60) as client:
        streamed = client.score_detection_stream(det_pb.ScoreDetectionStreamRequest(chunk=c) for c in chunks)
        unary = client.score_detection(request)
    assert isinstance(unary, det_pb.ScoreDetectionResponse)
    assert unary.cache.cached  # the stream computed and stored it under the unary request's key
    assert comparable(streamed.response) == comparable(unary)
