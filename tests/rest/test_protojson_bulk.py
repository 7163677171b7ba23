"""Big arrays decoded a slice at a time give what the whole-body path and json_format give.

The slice path is forced on every array here (``BULK_BYTES`` = 1, slices of a few bytes), so generated
messages of every request type and hand-made edge cases cross slice boundaries everywhere: results must
equal ``json_format.Parse``, and errors must equal the whole-body path's (same field, same message).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.errors import InvalidArgument
from curation.rest import protojson
from curation.rest.protojson import _document
from curation.v1 import (
    classification_pb2,
    detection_pb2,
    diagnostics_pb2,
    embeddings_pb2,
    labeling_pb2,
    sampling_pb2,
)
from tests.support import build_message, descriptor_of

_FD = FieldDescriptor
_MODULES: list[ModuleType] = [
    classification_pb2,
    detection_pb2,
    diagnostics_pb2,
    embeddings_pb2,
    labeling_pb2,
    sampling_pb2,
]
REQUESTS: list[type[Message]] = [
    getattr(module, name)
    for module in _MODULES
    for name in module.DESCRIPTOR.message_types_by_name
    if name.endswith("Request")
]
_INTS = {
    _FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    _FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    _FD.TYPE_UINT32: (0, 2**32 - 1),
    _FD.TYPE_UINT64: (0, 2**64 - 1),
}
# Strings that trouble a scanner looking for brackets, commas and quotes.
_AWKWARD = st.sampled_from(['a"b', "x]y", "[", "],[", ",", "\\", 'q\\"', "é", "\U0001f600", "\n", "{1}", ""])


@pytest.fixture
def sliced(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every flat array is cut out and decoded in slices of a few bytes."""
    monkeypatch.setattr(_document, "BULK_BYTES", 1)
    monkeypatch.setattr(_document, "SLICE_BYTES", 3)
    yield


def _whole(body: bytes, message_type: type[Message], monkeypatch: pytest.MonkeyPatch) -> Message | str:
    with monkeypatch.context() as patch:
        patch.setattr(_document, "BULK_BYTES", 1 << 62)
        return _outcome(body, message_type)


def _outcome(body: bytes, message_type: type[Message]) -> Message | str:
    try:
        return protojson.parse(body, message_type)
    except InvalidArgument as exc:
        return f"{exc.field}: {exc}"


def _scalar(fd: FieldDescriptor) -> st.SearchStrategy[Any]:
    if fd.type in _INTS:
        lo, hi = _INTS[fd.type]
        return st.integers(lo, hi) | st.sampled_from([0, lo, hi])
    if fd.type == _FD.TYPE_DOUBLE:
        return st.floats(allow_nan=False) | st.sampled_from([1e-7, -0.0, math.nan, 5e-324])
    if fd.type == _FD.TYPE_FLOAT:
        return st.floats(width=32, allow_nan=False) | st.sampled_from([1e-7, -0.0, math.nan])
    if fd.type == _FD.TYPE_BOOL:
        return st.booleans()
    if fd.type == _FD.TYPE_STRING:
        return st.text(max_size=6) | _AWKWARD
    if fd.type == _FD.TYPE_BYTES:
        return st.binary(max_size=8)
    if fd.type == _FD.TYPE_ENUM:
        assert fd.enum_type is not None
        return st.sampled_from([v.number for v in fd.enum_type.values])
    raise AssertionError(fd.type)


def _fields(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for fd in descriptor.fields:
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            continue
        if fd.type == _FD.TYPE_MESSAGE:
            if depth >= 2:
                continue
            assert fd.message_type is not None
            element: st.SearchStrategy[Any] = _fields(fd.message_type, depth + 1)
        else:
            element = _scalar(fd)
        parts[fd.name] = st.lists(element, max_size=12) if fd.is_repeated else element
    return st.fixed_dictionaries({}, optional=parts)


@st.composite
def requests(draw: st.DrawFn) -> Message:
    cls = draw(st.sampled_from(REQUESTS))
    return build_message(cls(), draw(_fields(descriptor_of(cls))))


def _wire(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def test_every_request_type_is_generated() -> None:
    names = {cls.DESCRIPTOR.name for cls in REQUESTS}
    assert {"ScoreClassificationRequest", "ScoreDetectionRequest", "PutEmbeddingsRequest"} <= names
    assert len(REQUESTS) >= 10


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(requests(), st.booleans(), st.booleans(), st.sampled_from([None, 1]))
def test_sliced_requests_equal_json_format(
    sliced: None, message: Message, camel: bool, ascii_only: bool, indent: int | None
) -> None:
    doc = json_format.MessageToDict(message, preserving_proto_field_name=not camel)
    text = json.dumps(doc, ensure_ascii=ascii_only, indent=indent)
    ours = protojson.parse(text.encode(), type(message))
    assert _wire(ours) == _wire(message)
    try:
        theirs = json_format.Parse(text, type(message)())
    except json_format.ParseError as exc:  # its own float32 extremes; see test_protojson
        assert "Float value too large" in str(exc) or "Float value too small" in str(exc)
    else:
        assert _wire(theirs) == _wire(ours)


EDGE_BODIES = [
    # Accepted: spellings json_format takes, whitespace, escapes and awkward strings around arrays.
    b'{"scores": [1e-7, -0.0, "NaN", "Infinity", "-Infinity", 0.25, 1, 3.4e38], "y_true": [0, 1.0, "2"]}',
    b'{"scores": [ 0.5 ,\n 0.25\t,0.125 ] , "asset_ids": ["a,b", "c]d", "e\\"f", "\\u00e9", "\\n"]}',
    b'{"asset_ids": ["\\ud83d\\ude00", "x"], "class_names": ["\\u005b", "\\/"]}',
    b'{"asset_ids": [], "scores": [ ], "class_names": ["[", "]", ",", "\\""], "y_pred": [\n]}',
    b'{"class_names": ["x\\"]", "y"], "top_k": [1, 2, 3], "decision_threshold": "1e-3"}',
    b'{"metadata": [{"key": "k", "values": ["a", "b,", "]c"]}], "slice_by": ["k"]}',
    '{"asset_ids": ["日本", "ü"], "scores": [0.1, 0.2]}'.encode(),
    # Refused: syntax inside a cut-out array, wrong element kinds, nesting, unknown and repeated keys.
    b'{"scores": [1,,2]}',
    b'{"scores": [1,2,]}',
    b'{"scores": [,1]}',
    b'{"scores": [1 2]}',
    b'{"scores": [01]}',
    b'{"scores": [1.5, NaN]}',
    b'{"scores": [0.5, null]}',
    b'{"scores": [0.5, 1e39]}',
    b'{"scores": [0.5, 1e400]}',
    b'{"scores": [[0.5], [0.5]]}',
    b'{"scores": [0.5, "x"]}',
    b'{"y_true": [0, 1, 2147483648]}',
    b'{"y_true": [0, 1.5]}',
    b'{"asset_ids": ["a", 5]}',
    b'{"asset_ids": ["a", "\\ud800"]}',
    b'{"asset_ids": ["a", "b"], "unknown": [1, 2]}',
    b'{"unknown": 1, "scores": [1,,2]}',
    b'{"scores": [0.5], "scores": [0.25]}',
    b'{"scores": [0.5, 0.25], "class_names": ["a", "b"',
    b'{"metadata": [[1, 2]]}',
    b'{"metadata": [1, 2]}',
    b'{"task": [1, 2]}',
    b'{"asset_ids": ["a\\\\", "b"]}',
    b"[1, 2, 3]",
]
# Where json_format is laxer than the mapping (a UTF-8 byte-order mark; true as the number 1): only the
# two paths of ours are compared.
LAX_IN_JSON_FORMAT = [b'\xef\xbb\xbf{"scores": [0.5, 0.5]}', b'{"scores": [0.5, true]}']


@pytest.mark.parametrize("body", EDGE_BODIES + LAX_IN_JSON_FORMAT)
def test_edge_cases_equal_the_whole_body_path_and_json_format(
    sliced: None, body: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_type = classification_pb2.ScoreClassificationRequest
    ours = _outcome(body, message_type)
    assert _whole(body, message_type, monkeypatch) == ours
    if body in LAX_IN_JSON_FORMAT:
        return
    try:
        theirs: Message | None = json_format.Parse(body, message_type())
    except json_format.ParseError:
        theirs = None
    if theirs is None:
        assert isinstance(ours, str)
    else:
        assert isinstance(ours, Message) and _wire(ours) == _wire(theirs)


def test_a_big_body_is_decoded_in_slices_with_the_right_indexes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = json.loads

    def counting(text: Any, **kwargs: Any) -> Any:
        calls.append(len(text))
        return real(text, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    scores = [0.125] * 400_000
    ids = [f'"{i}' + "," * 20 for i in range(200_000)] + ["x]y"]  # commas, quotes, a bracket
    body = json.dumps({"scores": scores, "asset_ids": ids}).encode()
    message = protojson.parse(body, classification_pb2.ScoreClassificationRequest)
    assert len(message.scores) == 400_000 and list(message.asset_ids) == ids
    assert len(calls) > 3 and max(calls) < len(body) // 2
    bad = body.replace(b"0.125]", b"0.125, 1e39]")
    with pytest.raises(InvalidArgument) as err:
        protojson.parse(bad, classification_pb2.ScoreClassificationRequest)
    assert err.value.field == "scores[400000]"


@pytest.mark.parametrize(
    "value", ["", "=", "QQ", "QQ=", "QQ==", "QUJD", "-_8", "+/8=", "+/-_", "QQ===", "Q", "QUJDR", "a b", "é"]
)
def test_base64_spellings_decode_as_before(value: str) -> None:
    def old(text: str) -> bytes | None:
        import base64
        import binascii

        stripped = text.rstrip("=")
        try:
            padded = stripped.replace("+", "-").replace("/", "_") + "=" * (-len(stripped) % 4)
            return base64.urlsafe_b64decode(padded)
        except (binascii.Error, ValueError):
            return None

    body = json.dumps({"vectors": value}).encode()
    try:
        got: bytes | None = protojson.parse(body, embeddings_pb2.PutEmbeddingsRequest).vectors
    except InvalidArgument:
        got = None
    assert got == old(value)
