"""A COCO results text decoded to columns a piece at a time, for ``from_coco``.

The text is cut between results into pieces of about :data:`PIECE_BYTES`; each piece is decoded and its
columns drawn while its objects are still in cache (a third faster than decoding the whole list first
at 200k results). A cut inside a string or a nested value leaves a piece that is not valid JSON, so when
any piece fails to decode, the whole text is decoded in one go instead, which decides (and names the
bad entry by its index in the whole list).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
from msgspec import UNSET

__all__ = ["PIECE_BYTES", "Index", "ResultColumns", "read_results"]

PIECE_BYTES = 512 << 10

_HEAD = re.compile(rb"[ \t\n\r]*\[")
_NOT_WS = re.compile(rb"[^ \t\n\r]")
_BETWEEN = re.compile(rb"\}[ \t\n\r]*,[ \t\n\r]*\{")


class Index:
    """Each object's id as its evaluation index (-1: unknown): a table lookup over all objects at once
    when the ids (``index`` keys, sorted) are compact integers, else ``index`` one object at a time."""

    def __init__(self, index: dict[Any, int]) -> None:
        keys = list(index)
        self.get, self.low, self.table = index.get, 0, np.empty(0, np.int64)
        if keys and set(map(type, keys)) == {int} and keys[-1] - keys[0] <= 4 * len(keys) + 4096:
            self.low, self.table = keys[0], np.full(keys[-1] - keys[0] + 1, -1, np.int64)
            self.table[np.array(keys, np.int64) - keys[0]] = np.fromiter(index.values(), np.int64, len(keys))

    def __call__(self, objects: list[Any], key: str) -> npt.NDArray[np.int64]:
        n = len(objects)
        if self.table.size:
            try:  # operator.index: a string id must not be parsed as a number (fromiter would)
                at = np.fromiter(map(operator.index, map(attrgetter(key), objects)), np.int64, n) - self.low
            except (TypeError, OverflowError):
                pass  # a string, None or huge id: the dictionary decides
            else:
                inside = (at >= 0) & (at < self.table.size)
                return np.where(inside, self.table[np.where(inside, at, 0)], -1)
        return np.fromiter(map(self.get, map(attrgetter(key), objects), repeat(-1)), np.int64, n)


@dataclass(frozen=True, slots=True)
class ResultColumns:
    """Every result in input order (``box``/``score`` NaN where ``*_unset``); ``first_unknown``: the
    first result whose image the GT does not list, as (index, image_id), or None; ``kept``: the
    results of known categories (segm only, for their masks)."""

    image: npt.NDArray[np.int64]
    category: npt.NDArray[np.int64]
    box: npt.NDArray[np.float64]
    box_unset: npt.NDArray[np.bool_]
    score: npt.NDArray[np.float64]
    score_unset: npt.NDArray[np.bool_]
    first_unknown: tuple[int, Any] | None
    kept: list[Any]


def read_results(
    text: bytes, decoder: msgspec.json.Decoder[Any], img: Index, cat: Index, segm: bool
) -> ResultColumns:
    """The results ``text`` as columns; raises ``msgspec.DecodeError`` as decoding it whole would."""
    pieces = _pieces(text, reuse=not segm)
    if pieces is not None:
        try:
            return _join([_columns(decoder.decode(p), img, cat, segm) for p in pieces])
        except msgspec.DecodeError:
            pass  # a cut inside a value, or a bad result: the whole text decides
    return _columns(decoder.decode(text), img, cat, segm)


def _pieces(text: bytes, reuse: bool) -> Iterator[bytes | bytearray] | None:
    """``[`` ... ``]`` cut where ``}``, ``,`` and ``{`` follow each other; None if not plain ``[...]``."""
    head, end = _HEAD.match(text), len(text)
    while end and text[end - 1] in b" \t\n\r":
        end -= 1
    if head is None or text[end - 1 : end] != b"]" or _NOT_WS.search(text, head.end(), end - 1) is None:
        return None
    return _cut(text, head.end(), end - 1, reuse)


def _cut(text: bytes, lo: int, hi: int, reuse: bool) -> Iterator[bytes | bytearray]:
    """``[`` + each piece's results + ``]``; with ``reuse`` in one buffer, valid until the next piece
    (a new 512 KiB object per piece is a fresh mmap, page-faulted in each time), else new bytes (the
    masks' ``msgspec.Raw`` views keep them)."""
    view, buf = memoryview(text), bytearray(b"[")
    while lo < hi:
        cut = _BETWEEN.search(text, lo + PIECE_BYTES, hi) if lo + PIECE_BYTES < hi else None
        end = hi if cut is None else cut.start() + 1
        if reuse:
            buf[1:] = view[lo:end]
            buf.append(0x5D)  # "]"
            yield buf
        else:
            yield b"[" + text[lo:end] + b"]"
        lo = hi if cut is None else cut.end() - 1


def _columns(res: list[Any], img: Index, cat: Index, segm: bool) -> ResultColumns:
    """One piece's columns (its objects are read once each per column, in C)."""
    n = len(res)
    ii, kk = img(res, "image_id"), cat(res, "category_id")
    unknown = np.flatnonzero(ii < 0)
    box, box_unset = _numbers(res, "bbox", 4)
    score, score_unset = _numbers(res, "score", 1)
    return ResultColumns(
        image=ii,
        category=kk,
        box=box.reshape(n, 4),
        box_unset=box_unset,
        score=score,
        score_unset=score_unset,
        first_unknown=(int(unknown[0]), res[int(unknown[0])].image_id) if unknown.size else None,
        kept=list(compress(res, (kk >= 0).tolist())) if segm else [],
    )


def _numbers(res: list[Any], key: str, width: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """``key`` of each result as ``width`` floats (NaN where UNSET), and where it is UNSET."""
    n = len(res)
    values: Any = map(attrgetter(key), res)
    try:  # one pass when none is absent: UNSET is neither a number nor iterable
        out = np.fromiter(chain.from_iterable(values) if width > 1 else values, np.float64, width * n)
        return out, np.zeros(n, np.bool_)
    except TypeError:
        pass
    given = list(map(attrgetter(key), res))
    unset = np.fromiter(map(operator.is_, given, repeat(UNSET)), np.bool_, n)
    out = np.full((n, width), np.nan)
    kept = list(compress(given, (~unset).tolist()))
    flat = chain.from_iterable(kept) if width > 1 else kept
    out[~unset] = np.fromiter(flat, np.float64, width * len(kept)).reshape(-1, width)
    return out.reshape(-1), unset


def _join(parts: list[ResultColumns]) -> ResultColumns:
    """The pieces' columns end to end (the first unknown image's index counted over all of them)."""
    if len(parts) == 1:
        return parts[0]
    first, offset = None, 0
    for p in parts:
        if p.first_unknown is not None:
            first = (offset + p.first_unknown[0], p.first_unknown[1])
            break
        offset += p.image.shape[0]
    arrays = ("image", "category", "box", "box_unset", "score", "score_unset")
    joined = {a: np.concatenate([getattr(p, a) for p in parts]) for a in arrays}
    return ResultColumns(**joined, first_unknown=first, kept=list(chain.from_iterable(p.kept for p in parts)))
