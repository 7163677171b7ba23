"""Proto3 JSON mapping (https://protobuf.dev/programming-guides/json/), fast for big repeated fields.

``google.protobuf.json_format`` converts element by element in Python; a 1M-row request spends most of
its time there. This converter walks the descriptors once per message and converts repeated scalar
fields in bulk: the element types of a JSON array are checked in one pass, numbers are range-checked
with numpy, and float/double arrays are appended as one packed wire-format chunk. The output of
``parse`` equals ``json_format.Parse`` on every input both accept; ``to_dict`` equals
``json_format.MessageToDict(m, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)``.

Choices (see the mapping): output uses the proto field names (``y_true``), prints scalars, repeated
fields and maps at their defaults so clients see zeros, prints 64-bit integers as strings and
non-finite floats as ``"NaN"``/``"Infinity"``/``"-Infinity"``. Input accepts the proto name or the
lowerCamelCase JSON name; integers as numbers (``1.0`` included) or decimal strings; floats as numbers,
numeric strings or the three special strings; enums by name or number; bytes as base64 (standard or
URL-safe, padding optional); ``null`` as "field absent". Unknown fields, duplicate fields, two members
of one oneof and wrong JSON types are rejected with ``InvalidArgument`` naming the field path, for
example ``metadata[2].values[5]``. Stricter than json_format where it is lax: integer strings must be
``-?[0-9]+`` (Python's ``int`` also takes ``"+5"``, ``"1_000"``), float strings must look like JSON
numbers (Python's ``float`` also takes ``"inf"``).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import numpy as np
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.internal import type_checkers
from google.protobuf.message import Message

from curation.errors import InvalidArgument
from curation.protowire import length_delimited

__all__ = ["dumps", "parse", "parse_object", "to_dict"]

M = TypeVar("M", bound=Message)

_FD = FieldDescriptor
_INT_RANGES: dict[int, tuple[int, int]] = {
    _FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    _FD.TYPE_SINT32: (-(2**31), 2**31 - 1),
    _FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    _FD.TYPE_UINT32: (0, 2**32 - 1),
    _FD.TYPE_FIXED32: (0, 2**32 - 1),
    _FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    _FD.TYPE_SINT64: (-(2**63), 2**63 - 1),
    _FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    _FD.TYPE_UINT64: (0, 2**64 - 1),
    _FD.TYPE_FIXED64: (0, 2**64 - 1),
}
_INT64_TYPES = frozenset(
    {_FD.TYPE_INT64, _FD.TYPE_SINT64, _FD.TYPE_SFIXED64, _FD.TYPE_UINT64, _FD.TYPE_FIXED64}
)
# Doubles at or above this magnitude round to infinity as float32 (halfway between the largest float32
# and 2**128); anything below rounds to a finite float32, as json_format's own shortest output needs.
_FLOAT_OVERFLOW = float(2**128 - 2**103)
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_INT_STRING = re.compile(r"-?[0-9]+")
_FLOAT_STRING = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Arrays shorter than this are converted element by element (the bulk set-up costs more).
_BULK_MIN = 64


class _Bad(Exception):
    """A value that does not fit its field; the caller adds the field path."""


# ---------------------------------------------------------------------------------------------- plans
@dataclass(frozen=True, slots=True)
class _Field:
    fd: FieldDescriptor
    name: str
    repeated: bool
    is_map: bool
    is_message: bool
    presence: bool
    oneof: str | None
    # Scalar converter (for map entries: of the value).
    convert: Callable[[Any], Any] | None
    # Map key converter from the JSON object key (a string).
    key_convert: Callable[[str], Any] | None
    key_fd: FieldDescriptor | None
    value_fd: FieldDescriptor | None


@dataclass(frozen=True, slots=True)
class _Plan:
    full_name: str
    fields: tuple[_Field, ...]
    by_key: dict[str, _Field]
    wkt: bool


def _map_entry(fd: FieldDescriptor) -> Descriptor | None:
    """The synthetic entry message of a map field, None for any other field."""
    entry = fd.message_type
    return entry if entry is not None and entry.GetOptions().map_entry else None


def _enum(fd: FieldDescriptor) -> EnumDescriptor:
    assert fd.enum_type is not None
    return fd.enum_type


@cache
def _plan(descriptor: Descriptor) -> _Plan:
    fields: list[_Field] = []
    by_key: dict[str, _Field] = {}
    for fd in descriptor.fields:
        entry = _map_entry(fd)
        is_map = entry is not None
        key_fd = entry.fields_by_name["key"] if entry is not None else None
        value_fd = entry.fields_by_name["value"] if entry is not None else None
        scalar_fd = value_fd if value_fd is not None else fd
        field = _Field(
            fd=fd,
            name=fd.name,
            repeated=fd.is_repeated and not is_map,
            is_map=bool(is_map),
            is_message=scalar_fd.type == _FD.TYPE_MESSAGE,
            presence=fd.has_presence,
            oneof=fd.containing_oneof.name if fd.containing_oneof is not None else None,
            convert=None if scalar_fd.type == _FD.TYPE_MESSAGE else _converter(scalar_fd),
            key_convert=_key_converter(key_fd) if key_fd is not None else None,
            key_fd=key_fd,
            value_fd=value_fd,
        )
        fields.append(field)
        by_key[fd.name] = field
        by_key.setdefault(fd.json_name, field)
    return _Plan(
        full_name=descriptor.full_name,
        fields=tuple(fields),
        by_key=by_key,
        wkt=descriptor.full_name.startswith("google.protobuf."),
    )


# ----------------------------------------------------------------------------------- scalar parsing
def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _int_converter(fd: FieldDescriptor) -> Callable[[Any], int]:
    lo, hi = _INT_RANGES[fd.type]

    def convert(value: Any) -> int:
        if type(value) is int:
            number = value
        elif type(value) is float:
            if not value.is_integer():
                raise _Bad(f"expected an integer, got {value!r}")
            number = int(value)
        elif type(value) is str:
            if not _INT_STRING.fullmatch(value):
                raise _Bad(f"expected an integer, got the string {value[:40]!r}")
            number = int(value)
        else:
            raise _Bad(f"expected an integer, got {_json_type(value)}")
        if not lo <= number <= hi:
            raise _Bad(f"integer {number} is out of range [{lo}, {hi}]")
        return number

    return convert


def _float_converter(fd: FieldDescriptor) -> Callable[[Any], float]:
    single = fd.type == _FD.TYPE_FLOAT

    def convert(value: Any) -> float:
        if type(value) is float or type(value) is int:
            try:
                number = float(value)
            except OverflowError:
                raise _Bad(f"number {value} is out of range") from None
            if not math.isfinite(number):
                raise _Bad('non-finite numbers must be the strings "NaN", "Infinity" or "-Infinity"')
        elif type(value) is str:
            special = _SPECIAL_FLOATS.get(value)
            if special is not None:
                return special
            if not _FLOAT_STRING.fullmatch(value):
                raise _Bad(f"expected a number, got the string {value[:40]!r}")
            number = float(value)
            if not math.isfinite(number):
                raise _Bad(f"number {value[:40]} is out of range")
        else:
            raise _Bad(f"expected a number, got {_json_type(value)}")
        if single and abs(number) >= _FLOAT_OVERFLOW:
            raise _Bad(f"number {number} is out of the float32 range")
        return number

    return convert


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _Bad(f"expected true or false, got {_json_type(value)}")
    return value


def _string(value: Any) -> str:
    if type(value) is not str:
        raise _Bad(f"expected a string, got {_json_type(value)}")
    if _SURROGATE.search(value):
        raise _Bad("string contains an unpaired surrogate")
    return value


def _bytes(value: Any) -> bytes:
    if type(value) is not str:
        raise _Bad(f"expected a base64 string, got {_json_type(value)}")
    text = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise _Bad("expected base64 (standard or URL-safe alphabet)") from None


def _enum_converter(fd: FieldDescriptor) -> Callable[[Any], int]:
    enum = _enum(fd)
    by_name = {v.name: v.number for v in enum.values}
    numbers = frozenset(v.number for v in enum.values)
    closed = enum.is_closed

    def convert(value: Any) -> int:
        if type(value) is str:
            number = by_name.get(value)
            if number is None:
                raise _Bad(f"{value[:60]!r} is not a value of {enum.full_name}")
            return number
        if type(value) is int or (type(value) is float and value.is_integer()):
            number = int(value)
            if not -(2**31) <= number < 2**31 or (closed and number not in numbers):
                raise _Bad(f"{number} is not a value of {enum.full_name}")
            return number
        raise _Bad(f"expected an enum name or number, got {_json_type(value)}")

    return convert


def _converter(fd: FieldDescriptor) -> Callable[[Any], Any]:
    if fd.type in _INT_RANGES:
        return _int_converter(fd)
    if fd.type in (_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE):
        return _float_converter(fd)
    if fd.type == _FD.TYPE_BOOL:
        return _bool
    if fd.type == _FD.TYPE_STRING:
        return _string
    if fd.type == _FD.TYPE_BYTES:
        return _bytes
    if fd.type == _FD.TYPE_ENUM:
        return _enum_converter(fd)
    raise TypeError(f"no JSON converter for field {fd.full_name} of type {fd.type}")


def _key_converter(fd: FieldDescriptor) -> Callable[[str], Any]:
    if fd.type == _FD.TYPE_BOOL:

        def convert_bool(key: str) -> bool:
            if key not in ("true", "false"):
                raise _Bad(f'map key must be "true" or "false", got {key[:40]!r}')
            return key == "true"

        return convert_bool
    if fd.type in _INT_RANGES:
        return _int_converter(fd)
    return _string


# ------------------------------------------------------------------------------------ bulk parsing
def _first_bad(
    values: list[Any], convert: Callable[[Any], Any], path: str, start: int = 0
) -> InvalidArgument:
    """The error for the first element from ``start`` on that ``convert`` refuses."""
    for i, value in enumerate(values[start:], start):
        try:
            convert(value)
        except _Bad as exc:
            return InvalidArgument(str(exc), field=f"{path}[{i}]")
    return InvalidArgument("invalid array", field=path)  # pragma: no cover - callers saw a bad element


def _extend_scalars(message: Message, field: _Field, values: list[Any], path: str) -> None:
    """Append a JSON array to a repeated scalar field, validating it in bulk where possible."""
    fd = field.fd
    convert = field.convert
    assert convert is not None
    container = getattr(message, field.name)
    if len(values) < _BULK_MIN:
        for i, value in enumerate(values):
            try:
                container.append(convert(value))
            except _Bad as exc:
                raise InvalidArgument(str(exc), field=f"{path}[{i}]") from None
        return
    types = set(map(type, values))
    kind = fd.type
    if kind in (_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE) and types <= {float, int}:
        try:
            arr = np.array(values, dtype=np.float64)
        except OverflowError:
            raise _first_bad(values, convert, path) from None
        bad = ~np.isfinite(arr)
        if kind == _FD.TYPE_FLOAT:
            bad |= np.abs(arr) >= _FLOAT_OVERFLOW
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _first_bad(values, convert, path, i)
        # One packed chunk: parsers accept packed encoding for any repeated numeric field.
        raw = arr.astype("<f4" if kind == _FD.TYPE_FLOAT else "<f8").tobytes()
        message.MergeFromString(length_delimited(fd.number, raw))
        return
    if kind in _INT_RANGES and types <= {int}:
        lo, hi = _INT_RANGES[kind]
        try:
            arr = np.array(values, dtype=np.uint64 if lo == 0 and hi > 2**63 else np.int64)
        except OverflowError:
            raise _first_bad(values, convert, path) from None
        bad = (arr < lo) | (arr > hi)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _first_bad(values, convert, path, i)
        container.extend(values)
        return
    if kind == _FD.TYPE_BOOL and types <= {bool}:
        container.extend(values)
        return
    if kind == _FD.TYPE_STRING and types <= {str}:
        joined = "\x00".join(values)
        if _SURROGATE.search(joined):
            raise _first_bad(values, convert, path)
        container.extend(values)
        return
    try:
        converted = list(map(convert, values))
    except _Bad:
        raise _first_bad(values, convert, path) from None
    container.extend(converted)


# ------------------------------------------------------------------------------------------ parsing
def parse(body: bytes | str, message_type: type[M]) -> M:
    """Parse a JSON document into a new ``message_type``; ``InvalidArgument`` on any mapping error."""
    try:
        doc = json.loads(body)
    except RecursionError:
        raise InvalidArgument("JSON nesting is too deep") from None
    except ValueError as exc:  # JSONDecodeError and undecodable bytes
        raise InvalidArgument(f"body is not valid JSON: {exc}") from None
    message = message_type()
    parse_object(doc, message)
    return message


def parse_object(doc: Any, message: Message, path: str = "") -> None:
    """Merge the parsed JSON value ``doc`` into ``message`` (``path`` prefixes field names in errors)."""
    plan = _plan(message.DESCRIPTOR)
    if plan.wkt:
        _parse_wkt(doc, message, path)
        return
    if type(doc) is not dict:
        raise InvalidArgument(
            f"expected a JSON object for {plan.full_name}, got {_json_type(doc)}", field=path
        )
    seen: set[str] = set()
    oneofs: set[str] = set()
    prefix = path + "." if path else ""
    for key, value in doc.items():
        field = plan.by_key.get(key)
        where = prefix + (field.name if field is not None else key)
        if field is None:
            raise InvalidArgument(f"{plan.full_name} has no field {key!r}", field=where)
        if field.name in seen:
            raise InvalidArgument(f"field {field.name!r} is given twice", field=where)
        seen.add(field.name)
        if value is None:
            message.ClearField(field.name)
            continue
        if field.oneof is not None:
            if field.oneof in oneofs:
                raise InvalidArgument(f"more than one field of oneof {field.oneof!r} is set", field=where)
            oneofs.add(field.oneof)
        if field.is_map:
            _parse_map(value, message, field, where)
        elif field.repeated:
            if type(value) is not list:
                raise InvalidArgument(f"expected an array, got {_json_type(value)}", field=where)
            if field.is_message:
                container = getattr(message, field.name)
                for i, item in enumerate(value):
                    if item is None:
                        raise InvalidArgument("null is not allowed in an array", field=f"{where}[{i}]")
                    parse_object(item, container.add(), f"{where}[{i}]")
            else:
                _extend_scalars(message, field, value, where)
        elif field.is_message:
            child = getattr(message, field.name)
            child.SetInParent()
            parse_object(value, child, where)
        else:
            assert field.convert is not None
            try:
                setattr(message, field.name, field.convert(value))
            except _Bad as exc:
                raise InvalidArgument(str(exc), field=where) from None


def _parse_map(value: Any, message: Message, field: _Field, where: str) -> None:
    if type(value) is not dict:
        raise InvalidArgument(f"expected an object (a map), got {_json_type(value)}", field=where)
    assert field.key_convert is not None
    container = getattr(message, field.name)
    for raw_key, item in value.items():
        at = f"{where}[{raw_key!r}]"
        try:
            key = field.key_convert(raw_key)
        except _Bad as exc:
            raise InvalidArgument(str(exc), field=at) from None
        if item is None:
            raise InvalidArgument("null is not allowed as a map value", field=at)
        if field.is_message:
            parse_object(item, container[key], at)
        else:
            assert field.convert is not None
            try:
                container[key] = field.convert(item)
            except _Bad as exc:
                raise InvalidArgument(str(exc), field=at) from None


def _parse_wkt(doc: Any, message: Message, path: str) -> None:
    """Well-known types have special JSON forms; json_format implements them (they are never bulky)."""
    try:
        json_format.ParseDict(doc, message)
    except json_format.ParseError as exc:
        raise InvalidArgument(str(exc), field=path) from None


# ---------------------------------------------------------------------------------------- printing
def _shortest_float32(values: Any) -> list[float]:
    """Shortest decimal that round-trips through float32, as json_format's ``ToShortestFloat``.

    numpy prints the shortest round-tripping digits in bulk; json_format starts at 6 significant digits,
    which only differs for subnormals, so those few go through json_format's own routine.
    """
    arr = np.asarray(values, dtype=np.float32)
    out = [float(s) for s in arr.astype(str).tolist()]
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
    if kind in _INT64_TYPES:
        return str(value)
    if kind in (_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT):
        if not math.isfinite(value):
            return _special(value)
        return _shortest_float32([value])[0] if kind == _FD.TYPE_FLOAT else value
    if kind == _FD.TYPE_ENUM:
        enum_value = _enum(fd).values_by_number.get(value)
        return value if enum_value is None else enum_value.name
    if kind == _FD.TYPE_BYTES:
        return base64.b64encode(value).decode("ascii")
    return value


def _print_repeated(fd: FieldDescriptor, values: Any) -> list[Any]:
    kind = fd.type
    if kind in _INT64_TYPES:
        return list(map(str, values))
    if kind in (_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT):
        return _print_floats(values, kind == _FD.TYPE_FLOAT)
    if kind in (_FD.TYPE_ENUM, _FD.TYPE_BYTES):
        return [_print_scalar(fd, v) for v in values]
    return list(values)


def _print_key(fd: FieldDescriptor, key: Any) -> str:
    if fd.type == _FD.TYPE_BOOL:
        return "true" if key else "false"
    return str(key)


def to_dict(message: Message) -> dict[str, Any]:
    """The JSON object of ``message``: proto field names, defaults printed (see the module docstring)."""
    plan = _plan(message.DESCRIPTOR)
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
