"""The parsed JSON document the walk reads, with big flat arrays left as text and decoded in slices.

``json.loads`` on a whole body makes a Python object of every element (a float costs 32 bytes for the
~11 of its text, a short string ~70 bytes for ~17), so a 124 MB body held +756 MB at its peak, all at
once, in one long GIL-holding call. Here a body is first scanned at C speed (``bytes.find``/``count``)
for *flat* arrays: a ``[`` outside strings whose ``]`` encloses no ``[`` or ``{``. Each one with at least
``BULK_BYTES`` of text is cut out and replaced by a marker that the json module turns into a
:class:`Bulk`; the walk decodes it ``SLICE_BYTES`` at a time (``json.loads`` on a comma-aligned slice),
converts each slice into the message and drops it. So the peak is the message being built plus one
slice, and values, error messages and error indexes are those of the whole-body path: every value is
decoded by the json module and converted by the same code, with the slice's offset.

Where the scan cannot be sure where strings begin and end it cuts nothing and the body is decoded
whole: a body with an escaped backslash (``\\\\``, so every ``\\"`` is an escaped quote otherwise), an
escaped NUL (``\\u0000``, which the marker uses), a NUL byte (UTF-16/32 bodies), or more than
``MAX_ARRAYS`` arrays. A slice that is not valid JSON raises :class:`Reparse`: the caller then decodes
the whole body, so a syntax error is reported as the json module reports it on the real text.

JSON objects with a repeated key become :class:`Duplicates`; the walk rejects them, as ``json_format``
does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from curation.errors import InvalidArgument

__all__ = [
    "BULK_BYTES",
    "MAX_ARRAYS",
    "SLICE_BYTES",
    "Bulk",
    "Document",
    "Duplicates",
    "Reparse",
    "is_array",
    "load",
    "load_whole",
    "members",
    "plain",
]

# Arrays with at least this much text are decoded in slices (smaller ones cost little whole).
BULK_BYTES = 1 << 16
# Text decoded at a time: one slice's Python objects are the transient cost (a few times this).
SLICE_BYTES = 1 << 20
# Bodies with more '[' than this are decoded whole (the scan takes a Python step per array).
MAX_ARRAYS = 4096
# Python steps allowed to find an array's end or a slice's comma among ']' / ',' inside its strings.
_MAX_STEPS = 1024
_MARKER = b'{"\\u0000":%d}'
_MARKER_KEY = "\x00"


class Reparse(Exception):
    """A slice of a cut-out array is not valid JSON: decode the whole body to report it."""


class Duplicates:
    """A JSON object that names a key more than once: its members in document order."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def _quotes(body: bytes, start: int, end: int, escapes: bool) -> int:
    """Unescaped double quotes in ``body[start:end]``: exact when the body holds no ``\\\\`` and
    neither end splits a ``\\"`` (callers cut next to a ``,``, ``[`` or ``]``). ``escapes``: whether
    the body holds a backslash at all (counting ``\\"`` is the slower half)."""
    quotes = body.count(b'"', start, end)
    return quotes - body.count(b'\\"', start, end) if escapes and quotes else quotes


class Bulk:
    """A flat JSON array left as text: ``body[start:end]`` is what lies between its brackets."""

    __slots__ = ("body", "end", "escapes", "start", "strings")

    def __init__(self, body: bytes, start: int, end: int, escapes: bool) -> None:
        self.body, self.start, self.end, self.escapes = body, start, end, escapes
        self.strings = body.find(b'"', start, end) >= 0

    def _cut(self, pos: int) -> int:
        """The first ',' outside strings at least ``SLICE_BYTES`` after ``pos`` (a slice boundary, so
        outside strings); -1 for "the rest is one slice"."""
        body, end = self.body, self.end
        at = body.find(b",", min(pos + SLICE_BYTES, end), end)
        if not self.strings:
            return at
        quotes, counted = 0, pos
        for _ in range(_MAX_STEPS):
            if at < 0:
                return -1
            quotes += _quotes(body, counted, at, self.escapes)
            if quotes % 2 == 0:
                return at
            counted = at
            at = body.find(b",", at + 1, end)
        return -1

    def slices(self) -> Iterator[list[Any]]:
        """The array's values, a list per slice of about ``SLICE_BYTES`` of text, in order."""
        pos, many = self.start, False
        while True:
            cut = self._cut(pos)
            stop = self.end if cut < 0 else cut
            many = many or cut >= 0
            try:
                values = json.loads(b"".join((b"[", memoryview(self.body)[pos:stop], b"]")))
            except (ValueError, RecursionError):
                raise Reparse from None
            if not values and many:  # an empty element next to a cut comma: "[1,,2]", "[1,]"
                raise Reparse
            if values:
                yield values
            if cut < 0:
                return
            pos = cut + 1

    def values(self) -> Iterator[Any]:
        """The array's values one by one."""
        for values in self.slices():
            yield from values

    def check(self) -> None:
        """Raise :class:`Reparse` unless the whole array is valid JSON."""
        for _ in self.slices():
            pass


@dataclass(slots=True)
class Document:
    """A decoded body: its JSON value (with :class:`Bulk` arrays) and every array left as text."""

    value: Any
    bulks: list[Bulk] = field(default_factory=list)


def _object(pairs: list[tuple[str, Any]]) -> Any:
    out = dict(pairs)
    return out if len(out) == len(pairs) else Duplicates(pairs)


def _flat_end(body: bytes, start: int, escapes: bool) -> int:
    """Index of the ``]`` closing the array whose ``[`` is at ``start - 1`` if the array is flat (no
    ``[`` or ``{`` anywhere inside, even in strings), else -1."""
    close = body.find(b"]", start)
    for _ in range(_MAX_STEPS):
        if close < 0:
            return -1
        if _quotes(body, start, close, escapes) % 2 == 0:
            break
        close = body.find(b"]", close + 1)
    else:
        return -1
    if body.find(b"[", start, close) >= 0 or body.find(b"{", start, close) >= 0:
        return -1
    return close


def _flat_arrays(body: bytes) -> list[tuple[int, int, bool]]:
    """(start, end, escapes) of the text inside every flat array of at least ``BULK_BYTES``, in order
    (``escapes``: whether the body holds a backslash)."""
    # Cheapest test first: a body holding JSON text in a string (COCO files) has many '[', and the
    # searches for two-byte patterns among its many escaped quotes took 0.14 s on 35 MB.
    if body.count(b"[") > MAX_ARRAYS or b"\x00" in body or b"\\\\" in body or b"\\u0000" in body:
        return []
    spans: list[tuple[int, int, bool]] = []
    escapes = b"\\" in body
    quotes, counted = 0, 0
    at = body.find(b"[")
    while at >= 0:
        quotes += _quotes(body, counted, at, escapes)
        counted = at
        if quotes % 2 == 0:  # outside strings
            end = _flat_end(body, at + 1, escapes)
            if end - at - 1 >= BULK_BYTES:
                spans.append((at + 1, end, escapes))
                quotes += _quotes(body, at, end, escapes)
                counted = end
        at = body.find(b"[", max(at, counted) + 1)
    return spans


def load_whole(body: bytes | str) -> Any:
    """The JSON value of ``body`` decoded at once; ``InvalidArgument`` if it is not JSON."""
    try:
        return json.loads(body, object_pairs_hook=_object)
    except RecursionError:
        raise InvalidArgument("JSON nesting is too deep") from None
    except ValueError as exc:  # JSONDecodeError and undecodable bytes
        raise InvalidArgument(f"body is not valid JSON: {exc}") from None


def load(body: bytes | str) -> Document:
    """The document of ``body``, big flat arrays left as text; ``InvalidArgument`` if it is not JSON."""
    if not isinstance(body, bytes):
        return Document(load_whole(body))
    spans = _flat_arrays(body)
    if not spans:
        return Document(load_whole(body))
    bulks = [Bulk(body, start, end, escapes) for start, end, escapes in spans]
    view = memoryview(body)
    pieces: list[bytes | memoryview] = []
    done = 0
    for i, (start, end, _) in enumerate(spans):
        pieces += (view[done : start - 1], _MARKER % i)
        done = end + 1
    pieces.append(view[done:])
    skeleton = b"".join(pieces)
    del pieces, view

    def hook(pairs: list[tuple[str, Any]]) -> Any:
        if len(pairs) == 1 and pairs[0][0] == _MARKER_KEY:
            return bulks[pairs[0][1]]
        return _object(pairs)

    try:
        value = json.loads(skeleton, object_pairs_hook=hook)
    except (ValueError, RecursionError):
        return Document(load_whole(body))  # the error as the json module reports it on the real text
    return Document(value, bulks)


def members(value: Any) -> Iterable[tuple[str, Any]] | None:
    """The (key, value) pairs of a JSON object in document order, repeated keys included; None if
    ``value`` is not an object."""
    if type(value) is dict:
        return value.items()
    if isinstance(value, Duplicates):
        return value.pairs
    return None


def is_array(value: Any) -> bool:
    """A JSON array: a list, or a :class:`Bulk` one."""
    return type(value) is list or isinstance(value, Bulk)


def plain(value: Any, path: str) -> Any:
    """``value`` as plain dicts and lists (for json_format); ``InvalidArgument`` on a repeated key."""
    pairs = members(value)
    if pairs is not None:
        out: dict[str, Any] = {}
        for key, item in pairs:
            if key in out:
                raise InvalidArgument(f"key {key!r} is given twice", field=path)
            out[key] = plain(item, path)
        return out
    if isinstance(value, Bulk):
        return list(value.values())
    if type(value) is list:
        return [plain(item, path) for item in value]
    return value
