"""The fast JSON mapping equals google.protobuf.json_format on the real curation.v1 messages."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.errors import InvalidArgument
from curation.internal.v1 import cache_pb2
from curation.internal.v1 import classification_pb2 as ipb
from curation.rest import protojson
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2
from tests.support import build_message, descriptor_of

_FD = FieldDescriptor
_INTS = {
    _FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    _FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    _FD.TYPE_UINT32: (0, 2**32 - 1),
    _FD.TYPE_UINT64: (0, 2**64 - 1),
}
TYPES: list[type[Message]] = [
    pb.ScoreClassificationRequest,
    pb.ScoreClassificationResponse,
    ipb.ClassificationEvaluation,
    common_pb2.Warning,
    cache_pb2.CacheEnvelope,
    cache_pb2.PageToken,
]


def _scalar(fd: FieldDescriptor) -> st.SearchStrategy[Any]:
    if fd.type in _INTS:
        lo, hi = _INTS[fd.type]
        return st.integers(lo, hi)
    # JSON has one NaN: generate the canonical one (a NaN's sign and payload cannot round-trip).
    if fd.type == _FD.TYPE_DOUBLE:
        return st.floats(allow_nan=False) | st.just(math.nan)
    if fd.type == _FD.TYPE_FLOAT:
        return st.floats(width=32, allow_nan=False) | st.just(math.nan)
    if fd.type == _FD.TYPE_BOOL:
        return st.booleans()
    if fd.type == _FD.TYPE_STRING:
        return st.text(max_size=8)
    if fd.type == _FD.TYPE_BYTES:
        return st.binary(max_size=8)
    if fd.type == _FD.TYPE_ENUM:
        assert fd.enum_type is not None
        return st.sampled_from([v.number for v in fd.enum_type.values])
    raise AssertionError(fd.type)


def _values(fd: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if fd.type == _FD.TYPE_MESSAGE:
        assert fd.message_type is not None
        return _message(fd.message_type, depth + 1)
    return _scalar(fd)


def _message(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Field values of a random message (repeated scalars sometimes long enough for the bulk path)."""
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for fd in descriptor.fields:
        if fd.type == _FD.TYPE_MESSAGE and depth >= 2:
            continue
        if fd.is_repeated:
            element = _values(fd, depth)
            long = 0 if fd.type == _FD.TYPE_MESSAGE else 70
            parts[fd.name] = st.one_of(
                st.lists(element, max_size=3), st.lists(element, min_size=long, max_size=long)
            )
        else:
            parts[fd.name] = _values(fd, depth)
    return st.fixed_dictionaries({}, optional=parts)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    cls = draw(st.sampled_from(TYPES))
    return build_message(cls(), draw(_message(descriptor_of(cls))))


def _reference_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _wire(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_printing_equals_json_format(message: Message) -> None:
    assert protojson.to_dict(message) == _reference_dict(message)
    assert json.loads(protojson.dumps(message)) == _reference_dict(message)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages(), st.booleans())
def test_parsing_equals_json_format(message: Message, camel: bool) -> None:
    # Either name style: json_format's default output uses the lowerCamelCase JSON names.
    text = json_format.MessageToJson(message, preserving_proto_field_name=not camel)
    ours = protojson.parse(text.encode(), type(message))
    assert _wire(ours) == _wire(message)
    try:
        theirs = json_format.Parse(text, type(message)())
    except json_format.ParseError as exc:
        # json_format refuses its own shortest output of the largest float32 (3.40282347e+38 is above
        # the exact maximum although it rounds to it, likewise the lowest); nothing else may fail.
        assert "Float value too large" in str(exc) or "Float value too small" in str(exc)
    else:
        assert _wire(theirs) == _wire(ours)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"y_true": [0, 1, "x"]}, "y_true[2]"),
        ({"yTrue": [0] * 100 + [2**31]}, "y_true[100]"),
        ({"y_true": [0] * 100 + [1.5]}, "y_true[100]"),
        ({"scores": [0.5] * 100 + [True]}, "scores[100]"),
        ({"scores": [0.5] * 100 + [1e39]}, "scores[100]"),
        ({"scores": [0.5, "nan"]}, "scores[1]"),
        ({"y_true_indicator": [True] * 80 + [1]}, "y_true_indicator[80]"),
        ({"asset_ids": ["a"] * 80 + [None]}, "asset_ids[80]"),
        ({"asset_ids": ["a"] * 80 + ["\ud800"]}, "asset_ids[80]"),
        ({"metadata": [{"key": "a"}, {"key": "b", "values": ["x", 5]}]}, "metadata[1].values[1]"),
        ({"metadata": [{"key": "a", "colour": 1}]}, "metadata[0].colour"),
        ({"metadata": [None]}, "metadata[0]"),
        ({"metadata": {"key": "a"}}, "metadata"),
        ({"task": "CLASSIFICATION_TASK_TRIANGLE"}, "task"),
        ({"task": 1.5}, "task"),
        ({"calibration_bins": "12 "}, "calibration_bins"),
        ({"calibration_bins": True}, "calibration_bins"),
        ({"decision_threshold": "inf"}, "decision_threshold"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"page_size": 1, "pageSize": 2}, "page_size"),
    ],
)
def test_mapping_errors_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        protojson.parse(json.dumps(body).encode(), pb.ScoreClassificationRequest)
    assert err.value.field == field


@pytest.mark.parametrize(
    "body", [b"{", b"[1, 2]", b"\xff\xfe{}", b"{}" + b"x", b"[" * 100_000 + b"]" * 100_000]
)
def test_bodies_that_are_not_a_json_object_are_invalid(body: bytes) -> None:
    with pytest.raises(InvalidArgument):
        protojson.parse(body, pb.ScoreClassificationRequest)


def test_accepted_spellings() -> None:
    body = {
        "yTrue": [0, 1.0, "2"] + [3] * 70,
        "scores": [1, "NaN", "Infinity", "-Infinity", "0.25"] + [0.5] * 70,
        "task": 2,
        "scoreType": "SCORE_TYPE_PROBABILITY",
        "decision_threshold": "1e-3",
        "page_token": None,
    }
    message = protojson.parse(json.dumps(body).encode(), pb.ScoreClassificationRequest)
    assert list(message.y_true[:4]) == [0, 1, 2, 3]
    assert message.scores[0] == 1 and math.isnan(message.scores[1])
    assert (message.scores[2], message.scores[3], message.scores[4]) == (math.inf, -math.inf, 0.25)
    assert message.task == pb.CLASSIFICATION_TASK_MULTI_LABEL
    assert message.score_type == pb.SCORE_TYPE_PROBABILITY
    assert message.HasField("decision_threshold") and message.decision_threshold == 1e-3
    envelope = protojson.parse(b'{"payload": "-_8", "schema_version": "7"}', cache_pb2.CacheEnvelope)
    assert envelope.payload == b"\xfb\xff" and envelope.schema_version == 7


def test_output_prints_defaults_and_int64_as_strings() -> None:
    out = protojson.to_dict(pb.ClassMetrics(class_name="a", support=3))
    assert out == {
        "class_name": "a",
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": "3",
        "predicted": "0",
    }
