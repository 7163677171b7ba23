"""How each message type maps to JSON, computed once per descriptor: its fields, their converters from
JSON values (range- and type-checked) and the constants the parser and printer share."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from curation.rest.protojson._document import Bulk

__all__ = [
    "FD",
    "FLOAT_OVERFLOW",
    "INT64_TYPES",
    "INT_RANGES",
    "SURROGATE",
    "Bad",
    "Field",
    "Plan",
    "enum_of",
    "json_type",
    "plan_of",
]

FD = FieldDescriptor
INT_RANGES: dict[int, tuple[int, int]] = {
    FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FD.TYPE_UINT32: (0, 2**32 - 1),
    FD.TYPE_FIXED32: (0, 2**32 - 1),
    FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FD.TYPE_UINT64: (0, 2**64 - 1),
    FD.TYPE_FIXED64: (0, 2**64 - 1),
}
INT64_TYPES = frozenset({FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64, FD.TYPE_UINT64, FD.TYPE_FIXED64})
# Doubles at or above this magnitude round to infinity as float32 (halfway between the largest float32
# and 2**128); anything below rounds to a finite float32, as json_format's own shortest output needs.
FLOAT_OVERFLOW = float(2**128 - 2**103)
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_INT_STRING = re.compile(r"-?[0-9]+")
_FLOAT_STRING = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
SURROGATE = re.compile("[\ud800-\udfff]")
# Base64 text of either alphabet (before its padding), and the URL-safe letters in the standard one.
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*")
_URL_SAFE = str.maketrans("-_", "+/")


class Bad(Exception):
    """A value that does not fit its field; the caller adds the field path."""


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a message as the JSON mapping sees it."""

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
class Plan:
    """One message type: its fields in declaration order and by JSON key (proto name or lowerCamelCase)."""

    full_name: str
    fields: tuple[Field, ...]
    by_key: dict[str, Field]
    wkt: bool


def _map_entry(fd: FieldDescriptor) -> Descriptor | None:
    """The synthetic entry message of a map field, None for any other field."""
    entry = fd.message_type
    return entry if entry is not None and entry.GetOptions().map_entry else None


def enum_of(fd: FieldDescriptor) -> EnumDescriptor:
    """The enum type of an enum field."""
    assert fd.enum_type is not None
    return fd.enum_type


@cache
def plan_of(descriptor: Descriptor) -> Plan:
    """The plan of a message type, computed once (cached by descriptor)."""
    fields: list[Field] = []
    by_key: dict[str, Field] = {}
    for fd in descriptor.fields:
        entry = _map_entry(fd)
        is_map = entry is not None
        key_fd = entry.fields_by_name["key"] if entry is not None else None
        value_fd = entry.fields_by_name["value"] if entry is not None else None
        scalar_fd = value_fd if value_fd is not None else fd
        field = Field(
            fd=fd,
            name=fd.name,
            repeated=fd.is_repeated and not is_map,
            is_map=bool(is_map),
            is_message=scalar_fd.type == FD.TYPE_MESSAGE,
            presence=fd.has_presence,
            oneof=fd.containing_oneof.name if fd.containing_oneof is not None else None,
            convert=None if scalar_fd.type == FD.TYPE_MESSAGE else _converter(scalar_fd),
            key_convert=_key_converter(key_fd) if key_fd is not None else None,
            key_fd=key_fd,
            value_fd=value_fd,
        )
        fields.append(field)
        by_key[fd.name] = field
        by_key.setdefault(fd.json_name, field)
    return Plan(
        full_name=descriptor.full_name,
        fields=tuple(fields),
        by_key=by_key,
        wkt=descriptor.full_name.startswith("google.protobuf."),
    )


def json_type(value: Any) -> str:
    """How a parsed JSON value is named in error messages ("a string", "an array", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, Bulk)):
        return "an array"
    return "an object"


def _int_converter(fd: FieldDescriptor) -> Callable[[Any], int]:
    lo, hi = INT_RANGES[fd.type]

    def convert(value: Any) -> int:
        if type(value) is int:
            number = value
        elif type(value) is float:
            if not value.is_integer():
                raise Bad(f"expected an integer, got {value!r}")
            number = int(value)
        elif type(value) is str:
            if not _INT_STRING.fullmatch(value):
                raise Bad(f"expected an integer, got the string {value[:40]!r}")
            number = int(value)
        else:
            raise Bad(f"expected an integer, got {json_type(value)}")
        if not lo <= number <= hi:
            raise Bad(f"integer {number} is out of range [{lo}, {hi}]")
        return number

    return convert


def _float_converter(fd: FieldDescriptor) -> Callable[[Any], float]:
    single = fd.type == FD.TYPE_FLOAT

    def convert(value: Any) -> float:
        if type(value) is float or type(value) is int:
            try:
                number = float(value)
            except OverflowError:
                raise Bad(f"number {value} is out of range") from None
            if not math.isfinite(number):
                raise Bad('non-finite numbers must be the strings "NaN", "Infinity" or "-Infinity"')
        elif type(value) is str:
            special = _SPECIAL_FLOATS.get(value)
            if special is not None:
                return special
            if not _FLOAT_STRING.fullmatch(value):
                raise Bad(f"expected a number, got the string {value[:40]!r}")
            number = float(value)
            if not math.isfinite(number):
                raise Bad(f"number {value[:40]} is out of range")
        else:
            raise Bad(f"expected a number, got {json_type(value)}")
        if single and abs(number) >= FLOAT_OVERFLOW:
            raise Bad(f"number {number} is out of the float32 range")
        return number

    return convert


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise Bad(f"expected true or false, got {json_type(value)}")
    return value


def _string(value: Any) -> str:
    if type(value) is not str:
        raise Bad(f"expected a string, got {json_type(value)}")
    if not value.isascii() and SURROGATE.search(value):  # isascii is O(1): a COCO file skips the scan
        raise Bad("string contains an unpaired surrogate")
    return value


def _bytes(value: Any) -> bytes:
    if type(value) is not str:
        raise Bad(f"expected a base64 string, got {json_type(value)}")
    pad = 2 if value.endswith("==") else 1 if value.endswith("=") else 0
    size = len(value) - pad
    if size % 4 != 1 and _BASE64.fullmatch(value, 0, size):
        # Clean text: decoded without the copies below (a big field is most of its body).
        if "-" in value or "_" in value:
            value = value.translate(_URL_SAFE)
        need = -size % 4
        return binascii.a2b_base64(value if need == pad else value[:size] + "=" * need)
    text = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise Bad("expected base64 (standard or URL-safe alphabet)") from None


def _enum_converter(fd: FieldDescriptor) -> Callable[[Any], int]:
    enum = enum_of(fd)
    by_name = {v.name: v.number for v in enum.values}
    numbers = frozenset(v.number for v in enum.values)
    closed = enum.is_closed

    def convert(value: Any) -> int:
        if type(value) is str:
            number = by_name.get(value)
            if number is None:
                raise Bad(f"{value[:60]!r} is not a value of {enum.full_name}")
            return number
        if type(value) is int or (type(value) is float and value.is_integer()):
            number = int(value)
            if not -(2**31) <= number < 2**31 or (closed and number not in numbers):
                raise Bad(f"{number} is not a value of {enum.full_name}")
            return number
        raise Bad(f"expected an enum name or number, got {json_type(value)}")

    return convert


def _converter(fd: FieldDescriptor) -> Callable[[Any], Any]:
    if fd.type in INT_RANGES:
        return _int_converter(fd)
    if fd.type in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        return _float_converter(fd)
    if fd.type == FD.TYPE_BOOL:
        return _bool
    if fd.type == FD.TYPE_STRING:
        return _string
    if fd.type == FD.TYPE_BYTES:
        return _bytes
    if fd.type == FD.TYPE_ENUM:
        return _enum_converter(fd)
    raise TypeError(f"no JSON converter for field {fd.full_name} of type {fd.type}")


def _key_converter(fd: FieldDescriptor) -> Callable[[str], Any]:
    if fd.type == FD.TYPE_BOOL:

        def convert_bool(key: str) -> bool:
            if key not in ("true", "false"):
                raise Bad(f'map key must be "true" or "false", got {key[:40]!r}')
            return key == "true"

        return convert_bool
    if fd.type in INT_RANGES:
        return _int_converter(fd)
    return _string
