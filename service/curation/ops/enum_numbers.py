"""Refuse enum numbers a request's enum does not define, naming the field.

proto3 enums are open: a number the enum does not define survives parsing (from wire bytes and from a
proto-JSON number) as a plain int, so without this check ``"iou_type": 3`` would be answered as if it
meant something. The seam calls :func:`check_enum_numbers` on every request, so every enum field of
every operation is covered, present and future. ``*_UNSPECIFIED`` (0) keeps whatever meaning the
operation gives it; only numbers missing from the enum are refused.

Cheap by construction: per message type the walk is planned once (:func:`_plan`): the enum fields and
the message fields that can lead to one. A message type without enums costs one cached lookup, big
repeated scalar arrays are never touched, and a repeated enum is checked with numpy.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from curation.errors import InvalidArgument

__all__ = ["check_enum_numbers"]


@dataclass(frozen=True, slots=True)
class _Step:
    """One field of a planned walk: an enum to check, or a message to walk into."""

    name: str
    repeated: bool
    is_map: bool
    enum: EnumDescriptor | None  # the field's enum (for a map: its value's), else None: a message


def check_enum_numbers(message: Message, prefix: str = "") -> None:
    """Raise ``InvalidArgument`` at the first enum field of ``message`` (set fields, nested messages
    included) holding a number its enum does not define; the field is named from ``prefix`` as the
    service names fields (``strategies[2].kind``, ``views[1]``)."""
    for step in _plan(message.DESCRIPTOR):
        path = f"{prefix}{step.name}"
        value = getattr(message, step.name)
        if step.is_map:
            _check_map(value, step, path)
        elif step.repeated:
            if step.enum is not None:
                _check_numbers(np.asarray(value, dtype=np.int64), step.enum, path)
            else:
                for i, item in enumerate(value):
                    check_enum_numbers(item, f"{path}[{i}].")
        elif step.enum is not None:
            if int(value) not in _defined(step.enum):
                raise _refusal(int(value), step.enum, path)
        elif message.HasField(step.name):
            check_enum_numbers(value, f"{path}.")


def _check_map(container: object, step: _Step, path: str) -> None:
    """A map field: each value (an enum, or a message holding enums) named as ``path[key]``."""
    items = container.items()  # type: ignore[attr-defined]  # a protobuf map container
    for key, value in sorted(items):
        where = f"{path}[{key!r}]" if isinstance(key, str) else f"{path}[{key}]"
        if step.enum is not None:
            if int(value) not in _defined(step.enum):
                raise _refusal(int(value), step.enum, where)
        else:
            check_enum_numbers(value, f"{where}.")


def _check_numbers(numbers: npt.NDArray[np.int64], enum: EnumDescriptor, path: str) -> None:
    """A repeated enum: the first undefined number, by index."""
    if numbers.size == 0:
        return
    known = np.isin(numbers, _defined_array(enum))
    if not known.all():
        bad = int(np.flatnonzero(~known)[0])
        raise _refusal(int(numbers[bad]), enum, f"{path}[{bad}]")


def _refusal(number: int, enum: EnumDescriptor, path: str) -> InvalidArgument:
    names = ", ".join(f"{v.name} ({v.number})" for v in sorted(enum.values, key=lambda v: v.number))
    return InvalidArgument(f"{number} is not a {enum.full_name} value; defined: {names}", field=path)


@functools.cache
def _defined(enum: EnumDescriptor) -> frozenset[int]:
    return frozenset(enum.values_by_number)


@functools.cache
def _defined_array(enum: EnumDescriptor) -> npt.NDArray[np.int64]:
    return np.array(sorted(enum.values_by_number), dtype=np.int64)


@functools.cache
def _plan(descriptor: Descriptor) -> tuple[_Step, ...]:
    """The fields of ``descriptor`` to visit: enums, and messages (maps too) that can hold an enum."""
    holding = _holding_enums(descriptor)
    steps = []
    for field in descriptor.fields:
        is_map = _is_map(field)
        target = field.message_type.fields_by_name["value"] if is_map and field.message_type else field
        if target.type == FieldDescriptor.TYPE_ENUM:
            steps.append(_Step(field.name, field.is_repeated, is_map, target.enum_type))
        elif target.type == FieldDescriptor.TYPE_MESSAGE and target.message_type in holding:
            steps.append(_Step(field.name, field.is_repeated, is_map, None))
    return tuple(steps)


def _holding_enums(root: Descriptor) -> frozenset[Descriptor]:
    """The message types reachable from ``root`` that hold an enum field somewhere below them
    (a fixed point, so recursive types such as ``google.protobuf.Struct`` end)."""
    reachable: list[Descriptor] = []
    seen: set[Descriptor] = set()
    stack = [root]
    while stack:
        d = stack.pop()
        if d in seen:
            continue
        seen.add(d)
        reachable.append(d)
        stack.extend(f.message_type for f in d.fields if f.message_type is not None)
    holding = {d for d in reachable if any(f.type == FieldDescriptor.TYPE_ENUM for f in d.fields)}
    grew = True
    while grew:
        grew = False
        for d in reachable:
            if d not in holding and any(f.message_type in holding for f in d.fields):
                holding.add(d)
                grew = True
    return frozenset(holding)


def _is_map(field: FieldDescriptor) -> bool:
    entry = field.message_type
    return field.is_repeated and entry is not None and entry.GetOptions().map_entry
