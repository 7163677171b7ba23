"""The hand-written wire format equals protobuf's own encoding."""

from __future__ import annotations

import numpy as np
from google.protobuf.internal.encoder import _VarintBytes  # type: ignore[attr-defined]  # private, the oracle on purpose; not in types-protobuf
from hypothesis import given
from hypothesis import strategies as st

from curation.internal.v1 import detection_pb2 as ipb
from curation.protowire import (
    WireType,
    length_delimited,
    packed_doubles,
    packed_varints,
    put_bytes,
    put_double,
    put_varint,
    tag,
    utf8_lengths,
    varint,
    varint_sizes,
)
from curation.v1 import classification_pb2 as pb

UINT63 = st.integers(min_value=0, max_value=2**63 - 1)


@given(UINT63)
def test_varint_is_protobufs(n: int) -> None:
    assert varint(n) == _VarintBytes(n)


@given(st.lists(UINT63, max_size=50))
def test_vectorised_varints_are_the_scalar_ones_back_to_back(values: list[int]) -> None:
    arr = np.asarray(values, dtype=np.int64)
    sizes = varint_sizes(arr)
    assert sizes.tolist() == [len(varint(v)) for v in values]
    buf = np.zeros(int(sizes.sum()), dtype=np.uint8)
    at = np.zeros(arr.shape[0], dtype=np.int64)
    np.cumsum(sizes[:-1], out=at[1:])
    end = put_varint(buf, at, arr)
    assert buf.tobytes() == b"".join(varint(v) for v in values)
    assert end.tolist() == (at + sizes).tolist()


@given(st.lists(st.text(max_size=5), min_size=1, max_size=20))
def test_strings_and_doubles_land_where_asked(strings: list[str]) -> None:
    data, lengths = utf8_lengths(strings)
    assert lengths.tolist() == [len(s.encode()) for s in strings]
    at = np.zeros(len(strings), dtype=np.int64)
    np.cumsum(lengths[:-1] + 8, out=at[1:])
    buf = np.zeros(int(lengths.sum()) + 8 * len(strings), dtype=np.uint8)
    doubles = np.arange(len(strings), dtype=np.float64) / 3
    put_double(buf, put_bytes(buf, at, data, lengths), doubles)
    pieces = zip(strings, doubles.tolist(), strict=True)
    expected = b"".join(s.encode() + np.float64(d).astype("<f8").tobytes() for s, d in pieces)
    assert buf.tobytes() == expected


def test_a_packed_field_parses_as_the_message_would_write_it() -> None:
    field = pb.ScoreClassificationRequest.DESCRIPTOR.fields_by_name["scores"]
    raw = np.array([0.25, 0.5, 1.5], dtype="<f4").tobytes()
    message = pb.ScoreClassificationRequest()
    message.MergeFromString(length_delimited(field.number, raw))
    assert list(message.scores) == [0.25, 0.5, 1.5]
    assert tag(field.number, WireType.LEN) == (field.number << 3) | 2


INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)


@given(st.lists(INT64, max_size=40), st.lists(INT32, max_size=40), st.lists(st.booleans(), max_size=40))
def test_packed_varints_are_what_protobuf_writes(
    int64s: list[int], int32s: list[int], bools: list[bool]
) -> None:
    expected = ipb.DetectionEvaluation()
    expected.object_index.extend(int64s)
    expected.object_category.extend(int32s)
    expected.object_is_gt.extend(bools)
    ours = packed_varints(9, np.asarray(int64s, dtype=np.int64)) + packed_varints(
        10, np.asarray(int32s, dtype=np.int32)
    )
    ours = packed_varints(8, np.asarray(bools, dtype=np.bool_)) + ours
    assert ours == expected.SerializeToString()


@given(st.lists(st.floats(allow_nan=False), max_size=40))
def test_packed_doubles_are_what_protobuf_writes(values: list[float]) -> None:
    expected = ipb.DetectionEvaluation()
    expected.object_score.extend(values)
    assert packed_doubles(11, np.asarray(values, dtype=np.float64)) == expected.SerializeToString()
