"""The conformance callers themselves: the in-process seam and a real server answer alike."""

from __future__ import annotations

from curation.v1 import classification_pb2 as pb
from tests.conformance.calls import Seam, Served

RPC = "curation.v1.DiagnosticsService/ScoreClassification"


def _request() -> pb.ScoreClassificationRequest:
    return pb.ScoreClassificationRequest(
        class_names=["a", "b", "c"],
        asset_ids=["1", "2", "3", "4"],
        y_true=[0, 1, 2, 2],
        y_pred=[0, 2, 2, 1],
    )


def test_seam_and_both_protocols_answer_alike(seam: Seam, served: Served) -> None:
    direct = seam.call(RPC, _request(), pb.ScoreClassificationResponse)
    by_grpc, _ = served.both(RPC, _request(), pb.ScoreClassificationResponse)
    direct.ClearField("cache")
    assert direct == by_grpc
    assert direct.summary.accuracy == 0.5
