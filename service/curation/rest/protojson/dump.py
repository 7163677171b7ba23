"""Message -> JSON, printing big repeated numeric fields in bulk (see :mod:`curation.rest.protojson`)."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.internal import type_checkers
from google.protobuf.message import Message

from curation.rest.protojson._plan import FD, INT64_TYPES, enum_of, plan_of

__all__ = ["dumps", "to_dict"]

_SLICE = 1 << 16


def _shortest_float32(values: Any) -> list[float]:
    """Shortest decimal that round-trips through float32, as json_format's ``ToShortestFloat``.

    numpy prints the shortest round-tripping digits in bulk; json_format starts at 6 significant digits,
    which only differs for subnormals, so those few go through json_format's own routine.
    """
    arr = np.asarray(values, dtype=np.float32)
    out: list[float] = []
    # A slice at a time: the text array costs 128 bytes per number.
    for start in range(0, arr.size, _SLICE):
        out += map(float, arr[start : start + _SLICE].astype(str).tolist())
    tiny = (arr != 0) & (np.abs(arr) < np.finfo(np.float32).smallest_normal) & np.isfinite(arr)
    if tiny.any():
        for i in np.flatnonzero(tiny).tolist():
            out[i] = type_checkers.ToShortestFloat(float(arr[i]))
    return out


def _print_floats(values: Any, single: bool) -> list[Any]:
    if single:
        out: list[Any] = _shortest_float32(values)
    else:
        out = list(values)
    arr = np.asarray(out, dtype=np.float64)
    if arr.size and not np.isfinite(arr).all():
        for i in np.flatnonzero(~np.isfinite(arr)).tolist():
            out[i] = _special(out[i])
    return out


def _special(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _print_scalar(fd: FieldDescriptor, value: Any) -> Any:
    kind = fd.type
    if kind in INT64_TYPES:
        return str(value)
    if kind in (FD.TYPE_DOUBLE, FD.TYPE_FLOAT):
        if not math.isfinite(value):
            return _special(value)
        return _shortest_float32([value])[0] if kind == FD.TYPE_FLOAT else value
    if kind == FD.TYPE_ENUM:
        enum_value = enum_of(fd).values_by_number.get(value)
        return value if enum_value is None else enum_value.name
    if kind == FD.TYPE_BYTES:
        return base64.b64encode(value).decode("ascii")
    return value


def _print_repeated(fd: FieldDescriptor, values: Any) -> list[Any]:
    kind = fd.type
    if kind in INT64_TYPES:
        return list(map(str, values))
    if kind in (FD.TYPE_DOUBLE, FD.TYPE_FLOAT):
        return _print_floats(values, kind == FD.TYPE_FLOAT)
    if kind in (FD.TYPE_ENUM, FD.TYPE_BYTES):
        return [_print_scalar(fd, v) for v in values]
    return list(values)


def _print_key(fd: FieldDescriptor, key: Any) -> str:
    if fd.type == FD.TYPE_BOOL:
        return "true" if key else "false"
    return str(key)


def to_dict(message: Message) -> dict[str, Any]:
    """The JSON object of ``message``: proto field names, defaults printed (see the module docstring)."""
    plan = plan_of(message.DESCRIPTOR)
    if plan.wkt:
        return json_format.MessageToDict(
            message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
    out: dict[str, Any] = {}
    for field in plan.fields:
        fd = field.fd
        if field.is_map:
            key_fd, value_fd = field.key_fd, field.value_fd
            assert key_fd is not None and value_fd is not None
            mapping = getattr(message, field.name)
            out[field.name] = {
                _print_key(key_fd, k): (_value(v) if field.is_message else _print_scalar(value_fd, v))
                for k, v in mapping.items()
            }
        elif field.repeated:
            values = getattr(message, field.name)
            out[field.name] = [_value(v) for v in values] if field.is_message else _print_repeated(fd, values)
        elif field.presence and not message.HasField(field.name):
            continue
        elif field.is_message:
            out[field.name] = _value(getattr(message, field.name))
        else:
            out[field.name] = _print_scalar(fd, getattr(message, field.name))
    return out


def _value(message: Message) -> Any:
    # Well-known types may print as non-objects (Timestamp as a string, Value as anything).
    return to_dict(message)


def dumps(message: Message) -> bytes:
    """``to_dict`` as compact UTF-8 JSON bytes."""
    return json.dumps(to_dict(message), separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
