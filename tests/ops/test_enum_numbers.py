"""check_enum_numbers on shapes the requests do not have yet: maps, recursive types, big arrays."""

from __future__ import annotations

import time

import numpy as np
import pytest
from google.protobuf import struct_pb2

from curation.errors import InvalidArgument
from curation.ops.enum_numbers import check_enum_numbers
from curation.v1 import detection_pb2 as dpb


def test_maps_and_recursive_types_are_walked() -> None:
    """google.protobuf.Struct: a map of Values, each a message that may hold a list of Values (recursive),
    with an enum (NullValue) at the bottom."""
    doc = struct_pb2.Struct()
    doc.fields["ok"].null_value = struct_pb2.NULL_VALUE
    inner = doc.fields["deep"].list_value.values
    inner.add().string_value = "x"
    inner.add().null_value = 5  # type: ignore[assignment]  # an undefined number on purpose
    with pytest.raises(InvalidArgument) as info:
        check_enum_numbers(doc, "doc.")
    assert info.value.field == "doc.fields['deep'].list_value.values[1].null_value"
    inner[1].null_value = struct_pb2.NULL_VALUE
    check_enum_numbers(doc)


def test_message_names_the_number_and_the_defined_values() -> None:
    with pytest.raises(InvalidArgument) as info:
        check_enum_numbers(dpb.ScoreDetectionRequest(mode=7))  # type: ignore[arg-type]
    assert info.value.message == (
        "7 is not a curation.v1.DetectionMode value; defined: DETECTION_MODE_UNSPECIFIED (0), "
        "DETECTION_MODE_COCO (1), DETECTION_MODE_DIAGNOSTIC (2), DETECTION_MODE_LVIS (3)"
    )


def test_unspecified_keeps_its_meaning() -> None:
    unspecified = dpb.ScoreDetectionRequest(
        mode=dpb.DETECTION_MODE_UNSPECIFIED,
        iou_type=dpb.DETECTION_IOU_TYPE_UNSPECIFIED,
        views=[dpb.DETECTION_VIEW_UNSPECIFIED],
    )
    check_enum_numbers(unspecified)  # 0 is the operation's to read: a default, or (views) refused there


def test_big_requests_cost_no_per_element_python() -> None:
    """Millions of scalars and thousands of views: the walk touches the arrays without a Python loop."""
    request = dpb.ScoreDetectionRequest()
    request.pred_scores.extend(np.zeros(2_000_000, dtype=np.float32))
    request.views.extend([dpb.DETECTION_VIEW_COCO] * 100_000)
    request.views.append(42)  # type: ignore[arg-type]  # an undefined number on purpose
    started = time.perf_counter()
    with pytest.raises(InvalidArgument) as info:
        check_enum_numbers(request)
    assert info.value.field == "views[100000]"
    assert time.perf_counter() - started < 0.5
