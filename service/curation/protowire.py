"""Protobuf wire format written directly, for the few places where building message objects one at a time
costs seconds: a packed chunk of numbers appended to a message, or a million small sub-messages encoded
with numpy and parsed once (https://protobuf.dev/programming-guides/encoding/).

Scalar helpers (``tag``, ``varint``, ``length_delimited``) build one field; the vectorised ``put_*``
helpers write the same field into many records at once: ``buf`` is the output, ``at`` the offset of each
record's next byte, and each returns the offsets just past what it wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

import numpy as np
import numpy.typing as npt

__all__ = [
    "WireType",
    "length_delimited",
    "packed_doubles",
    "packed_varints",
    "put_bytes",
    "put_double",
    "put_varint",
    "tag",
    "utf8_lengths",
    "varint",
    "varint_sizes",
]

Offsets = npt.NDArray[np.int64]
Buffer = npt.NDArray[np.uint8]


class WireType(IntEnum):
    """The wire types this module writes."""

    VARINT = 0
    I64 = 1
    LEN = 2


def tag(field_number: int, wire_type: WireType) -> int:
    """A field's key: its number and wire type (one byte for field numbers below 16)."""
    return field_number << 3 | wire_type


def varint(n: int) -> bytes:
    """A non-negative integer as a varint."""
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            out.append(low)
            return bytes(out)
        out.append(low | 0x80)


def length_delimited(field_number: int, payload: bytes) -> bytes:
    """One length-delimited field: a string, a sub-message or a packed run of numbers."""
    return varint(tag(field_number, WireType.LEN)) + varint(len(payload)) + payload


def packed_varints(field_number: int, values: npt.ArrayLike) -> bytes:
    """A repeated integer, bool or enum field as one packed chunk (empty for no values). Negative values
    take ten bytes (their two's complement as uint64), as protobuf writes int32 and int64."""
    unsigned = np.ascontiguousarray(values).astype(np.int64, copy=False).view(np.uint64)
    if unsigned.shape[0] == 0:
        return b""
    lengths = np.ones(unsigned.shape[0], dtype=np.uint8)
    for j in range(1, 10):
        lengths += unsigned >= np.uint64(1 << (7 * j))
    width = int(lengths.max())
    # Row i: value i's first ``width`` groups of 7 bits, the continuation bit set on all but its last
    # byte; the bytes past its length are dropped. Filled a column at a time (1-D loops are fast).
    groups = np.empty((unsigned.shape[0], width), dtype=np.uint8)
    keep = np.empty((unsigned.shape[0], width), dtype=np.bool_)
    for j in range(width):
        more = lengths > j + 1
        groups[:, j] = ((unsigned >> np.uint64(7 * j)) & np.uint64(0x7F)).astype(np.uint8) | (
            more.view(np.uint8) << np.uint8(7)
        )
        keep[:, j] = lengths > j
    data = groups.tobytes() if width == 1 else groups[keep].tobytes()
    return length_delimited(field_number, data)


def packed_doubles(field_number: int, values: npt.ArrayLike) -> bytes:
    """A repeated ``double`` field as one packed chunk (empty for no values)."""
    raw = np.ascontiguousarray(values, dtype="<f8").tobytes()
    return length_delimited(field_number, raw) if raw else b""


def varint_sizes(values: npt.NDArray[np.int64]) -> Offsets:
    """Bytes each non-negative value takes as a varint (one pass per byte the largest value needs, not
    nine: small values, the common case, cost two numpy calls)."""
    out = np.ones(values.shape[0], dtype=np.int64)
    top = int(values.max(initial=0))
    j = 1
    while j < 10 and top >= 1 << (7 * j):
        out += values >= (1 << (7 * j))
        j += 1
    return out


def put_varint(buf: Buffer, at: Offsets, values: npt.NDArray[np.int64] | int) -> Offsets:
    """Write ``values[i]`` as a varint at ``at[i]``; one integer (a field key) goes to every ``at``."""
    if isinstance(values, int):  # a key: its one or two bytes, each written to every record at once
        encoded = varint(values)
        for j, key_byte in enumerate(encoded):
            buf[at + j] = key_byte
        return at + len(encoded)
    values = np.asarray(values, dtype=np.int64)
    lengths = varint_sizes(values)
    unsigned = values.astype(np.uint64)
    for j in range(int(lengths.max(initial=1))):
        live = lengths > j
        byte = (unsigned[live] >> np.uint64(7 * j)) & np.uint64(0x7F)
        more = (lengths[live] - 1 > j).astype(np.uint64) << np.uint64(7)
        buf[at[live] + j] = (byte | more).astype(np.uint8)
    return at + lengths


def put_double(buf: Buffer, at: Offsets, values: npt.NDArray[np.float64]) -> Offsets:
    """Write each value as 8 little-endian bytes (a ``double`` field's payload)."""
    raw = np.ascontiguousarray(values, dtype="<f8").view(np.uint8).reshape(-1, 8)
    buf[at[:, None] + np.arange(8)] = raw
    return at + 8


def put_bytes(buf: Buffer, at: Offsets, data: bytes, lengths: Offsets) -> Offsets:
    """Copy consecutive pieces of ``data`` (``lengths[i]`` bytes each) to ``at[i]``."""
    owner = np.repeat(np.arange(at.shape[0]), lengths)
    starts = np.zeros(at.shape[0], dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    buf[at[owner] + (np.arange(owner.shape[0]) - starts[owner])] = np.frombuffer(data, dtype=np.uint8)
    return at + lengths


def utf8_lengths(strings: Sequence[str]) -> tuple[bytes, Offsets]:
    """The strings' UTF-8 bytes concatenated, and each one's byte length."""
    joined = "".join(strings).encode("utf-8")
    chars = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    if len(joined) == int(chars.sum()):  # all ASCII: bytes == characters
        return joined, chars
    sizes = np.fromiter((len(x.encode("utf-8")) for x in strings), dtype=np.int64, count=len(strings))
    return joined, sizes
