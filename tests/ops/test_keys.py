"""The canonical request: the request without its paging fields, and the request left as it was."""

from __future__ import annotations

import pytest

from curation.ops.keys import canonical_bytes
from curation.v1 import detection_pb2 as pb


def _without(request: pb.ScoreDetectionRequest, fields: tuple[str, ...]) -> bytes:
    """The oracle: the fields cleared on a copy."""
    clone = pb.ScoreDetectionRequest()
    clone.CopyFrom(request)
    for name in fields:
        clone.ClearField(name)
    return clone.SerializeToString(deterministic=True)


def _request() -> pb.ScoreDetectionRequest:
    request = pb.ScoreDetectionRequest(
        coco_gt_json='{"images": []}', page_size=3, page_token="t", slice_by=["a", "b"], score_threshold=0.0
    )
    request.params.max_detections.extend([1, 10])
    return request


@pytest.mark.parametrize(
    "fields",
    [
        ("page_size", "page_token"),
        ("params",),  # a sub-message
        ("slice_by",),  # a repeated field
        ("score_threshold",),  # a field with presence, set to its default
        ("page_size", "mode"),  # one field unset
    ],
)
def test_paging_fields_are_left_out_and_the_request_is_unchanged(fields: tuple[str, ...]) -> None:
    request = _request()
    before = request.SerializeToString(deterministic=True)
    assert canonical_bytes(request, fields) == _without(request, fields)
    assert request.SerializeToString(deterministic=True) == before
    assert request.HasField("score_threshold") and request.HasField("params")


def test_without_paging_fields_set_it_is_the_request() -> None:
    request = pb.ScoreDetectionRequest(coco_gt_json="{}")
    assert canonical_bytes(request, ("page_size", "page_token")) == request.SerializeToString(
        deterministic=True
    )
