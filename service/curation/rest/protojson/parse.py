"""JSON text -> message, converting big repeated fields in bulk (see :mod:`curation.rest.protojson`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from google.protobuf import json_format
from google.protobuf.message import Message

from curation.errors import InvalidArgument
from curation.protowire import length_delimited
from curation.rest.protojson._document import Bulk, Reparse, is_array, load, load_whole, members, plain
from curation.rest.protojson._plan import (
    FD,
    FLOAT_OVERFLOW,
    INT_RANGES,
    SURROGATE,
    Bad,
    Field,
    json_type,
    plan_of,
)

__all__ = ["parse", "parse_object"]

M = TypeVar("M", bound=Message)
# Arrays shorter than this are converted element by element (the bulk set-up costs more).
_BULK_MIN = 64


def _first_bad(
    values: list[Any], convert: Callable[[Any], Any], path: str, start: int = 0, offset: int = 0
) -> InvalidArgument:
    """The error for the first element from ``start`` on that ``convert`` refuses (``offset``: the
    index of ``values[0]`` in the whole array)."""
    for i, value in enumerate(values[start:], start):
        try:
            convert(value)
        except Bad as exc:
            return InvalidArgument(str(exc), field=f"{path}[{offset + i}]")
    return InvalidArgument("invalid array", field=path)  # pragma: no cover - callers saw a bad element


def _extend_scalars(message: Message, field: Field, array: list[Any] | Bulk, path: str) -> None:
    """Append a JSON array to a repeated scalar field (a bulk one slice by slice)."""
    if type(array) is list:
        _extend_list(message, field, array, path, 0)
        return
    assert isinstance(array, Bulk)
    offset = 0
    for values in array.slices():
        _extend_list(message, field, values, path, offset)
        offset += len(values)


def _extend_list(message: Message, field: Field, values: list[Any], path: str, offset: int) -> None:
    """Append ``values`` (the array's elements from index ``offset``), validating them in bulk where
    possible; errors name the element's index in the whole array."""
    convert = field.convert
    assert convert is not None
    if len(values) < _BULK_MIN:
        _extend_one_by_one(getattr(message, field.name), convert, values, path, offset)
        return
    types = set(map(type, values))
    kind = field.fd.type
    if kind in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE) and types <= {float, int}:
        _extend_floats(message, field, values, path, offset)
    elif kind in INT_RANGES and types <= {int}:
        _check_ints(values, kind, convert, path, offset)
        getattr(message, field.name).extend(values)
    elif kind == FD.TYPE_BOOL and types <= {bool}:
        getattr(message, field.name).extend(values)
    elif kind == FD.TYPE_STRING and types <= {str}:
        if SURROGATE.search("\x00".join(values)):
            raise _first_bad(values, convert, path, offset=offset)
        getattr(message, field.name).extend(values)
    else:
        try:
            converted = list(map(convert, values))
        except Bad:
            raise _first_bad(values, convert, path, offset=offset) from None
        getattr(message, field.name).extend(converted)


def _extend_one_by_one(
    container: Any, convert: Callable[[Any], Any], values: list[Any], path: str, offset: int
) -> None:
    for i, value in enumerate(values, offset):
        try:
            container.append(convert(value))
        except Bad as exc:
            raise InvalidArgument(str(exc), field=f"{path}[{i}]") from None


def _extend_floats(message: Message, field: Field, values: list[int | float], path: str, offset: int) -> None:
    """Range-check the numbers with numpy, then append them as one packed chunk of wire bytes (parsers
    accept packed encoding for any repeated numeric field)."""
    assert field.convert is not None
    kind = field.fd.type
    try:
        arr = np.array(values, dtype=np.float64)
    except OverflowError:
        raise _first_bad(values, field.convert, path, offset=offset) from None
    bad = ~np.isfinite(arr)
    if kind == FD.TYPE_FLOAT:
        bad |= np.abs(arr) >= FLOAT_OVERFLOW
    if bad.any():
        raise _first_bad(values, field.convert, path, int(np.flatnonzero(bad)[0]), offset)
    raw = arr.astype("<f4" if kind == FD.TYPE_FLOAT else "<f8").tobytes()
    message.MergeFromString(length_delimited(field.fd.number, raw))


def _check_ints(values: list[int], kind: int, convert: Callable[[Any], Any], path: str, offset: int) -> None:
    """Every integer in the field type's range (checked with numpy; the first offender reported)."""
    lo, hi = INT_RANGES[kind]
    try:
        arr = np.array(values, dtype=np.uint64 if lo == 0 and hi > 2**63 else np.int64)
    except OverflowError:
        raise _first_bad(values, convert, path, offset=offset) from None
    bad = (arr < lo) | (arr > hi)
    if bad.any():
        raise _first_bad(values, convert, path, int(np.flatnonzero(bad)[0]), offset)


def parse(body: bytes | str, message_type: type[M]) -> M:
    """Parse a JSON document into a new ``message_type``; ``InvalidArgument`` on any mapping error."""
    document = load(body)
    message = message_type()
    try:
        parse_object(document.value, message)
    except Reparse:
        pass  # a slice of a bulk array is not JSON: the whole body is not, say so as the json module does
    except InvalidArgument:
        # The whole-body path would have refused the JSON first: so must this one.
        try:
            for bulk in document.bulks:
                bulk.check()
        except Reparse:
            pass
        else:
            raise
    else:
        return message
    message = message_type()
    parse_object(load_whole(body), message)
    return message


def parse_object(doc: Any, message: Message, path: str = "") -> None:
    """Merge the parsed JSON value ``doc`` into ``message`` (``path`` prefixes field names in errors)."""
    plan = plan_of(message.DESCRIPTOR)
    if plan.wkt:
        _parse_wkt(doc, message, path)
        return
    pairs = members(doc)
    if pairs is None:
        raise InvalidArgument(
            f"expected a JSON object for {plan.full_name}, got {json_type(doc)}", field=path
        )
    seen: set[str] = set()
    oneofs: set[str] = set()
    prefix = path + "." if path else ""
    for key, value in pairs:
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
        _parse_field(value, message, field, where)


def _parse_field(value: Any, message: Message, field: Field, where: str) -> None:
    """Set one field of ``message`` from its (non-null) JSON value."""
    if field.is_map:
        _parse_map(value, message, field, where)
    elif field.repeated:
        if not is_array(value):
            raise InvalidArgument(f"expected an array, got {json_type(value)}", field=where)
        if field.is_message:
            container = getattr(message, field.name)
            for i, item in enumerate(value.values() if isinstance(value, Bulk) else value):
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
        except Bad as exc:
            raise InvalidArgument(str(exc), field=where) from None


def _parse_map(value: Any, message: Message, field: Field, where: str) -> None:
    pairs = members(value)
    if pairs is None:
        raise InvalidArgument(f"expected an object (a map), got {json_type(value)}", field=where)
    assert field.key_convert is not None
    container = getattr(message, field.name)
    seen: set[Any] = set()
    for raw_key, item in pairs:
        at = f"{where}[{raw_key!r}]"
        try:
            key = field.key_convert(raw_key)
        except Bad as exc:
            raise InvalidArgument(str(exc), field=at) from None
        if raw_key in seen:
            raise InvalidArgument(f"map key {raw_key[:40]!r} is given twice", field=at)
        seen.add(raw_key)
        if item is None:
            raise InvalidArgument("null is not allowed as a map value", field=at)
        if field.is_message:
            parse_object(item, container[key], at)
        else:
            assert field.convert is not None
            try:
                container[key] = field.convert(item)
            except Bad as exc:
                raise InvalidArgument(str(exc), field=at) from None


def _parse_wkt(doc: Any, message: Message, path: str) -> None:
    """Well-known types have special JSON forms; json_format implements them (they are never bulky)."""
    try:
        json_format.ParseDict(plain(doc, path), message)
    except json_format.ParseError as exc:
        raise InvalidArgument(str(exc), field=path) from None
