"""A COCO results list decoded to columns a slice at a time, so its Structs never all exist at once.

A result decoded whole into msgspec Structs costs about 290 bytes (the Struct, a box tuple and five
float and int objects): 58 MB at 200k results, on top of the text, where its columns need 56. Here the
text is cut between results into pieces of about :data:`CHUNK_BYTES`, each decoded and turned into
columns in turn. When a piece does not decode (a cut that fell inside a value, or a bad result), the
list is split into its elements instead (``msgspec.Raw``, views of the text: 56 bytes and 0.15 us each,
a third of the cut path's time) and decoded :data:`CHUNK` at a time, which decides. The columns hold what the
results say without reference to the GT's sorted ids: each ``image_id``/``category_id`` as its position
in the GT file's ``images``/``categories`` list (-1 when absent), so the sorting and uniqueness checks
stay where they were, in :func:`~curation.core.detection.coco_typed.from_typed`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
from msgspec import UNSET, Struct, UnsetType

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint

__all__ = ["CHUNK", "CHUNK_BYTES", "Positions", "ResultColumns", "decode_results"]

Id = int | str
Box = tuple[float, float, float, float]

# Results decoded per slice: about 5 MB of Structs at a time.
CHUNK = 16_384
# Bytes of results text decoded per piece (about 3.7k results of a detector's output): a piece's Structs
# stay in cache while its columns are drawn; 256 KiB-1 MiB measured 8% faster than 2 MiB, 25% than 8.
CHUNK_BYTES = 512 << 10

_WS = b" \t\n\r"  # JSON's whitespace (``\s`` would also take \f and \v)
_HEAD = re.compile(rb"[ \t\n\r]*\[")
_NOT_WS = re.compile(rb"[^ \t\n\r]")
_BETWEEN = re.compile(rb"\}[ \t\n\r]*,[ \t\n\r]*\{")
_ARRAYS = ("image", "category", "box", "score", "bbox_unset", "score_unset")


class _Result(Struct, gc=False):
    image_id: Id | None = None
    category_id: Id | None = None
    bbox: Box | UnsetType = UNSET
    score: float | UnsetType = UNSET


class _ResultSegm(_Result):
    segmentation: Any = UNSET


_SPLIT = msgspec.json.Decoder(list[msgspec.Raw])
_DECODERS: dict[bool, msgspec.json.Decoder[Any]] = {
    False: msgspec.json.Decoder(list[_Result]),
    True: msgspec.json.Decoder(list[_ResultSegm]),
}


@dataclass(frozen=True, slots=True)
class ResultColumns:
    """Every result of the list, in input order.

    ``image``/``category``: position of the id in the GT's ``images``/``categories`` (-1: none there);
    ``box`` ``[n, 4]`` and ``score`` NaN where ``bbox_unset``/``score_unset``; ``segm`` (segm only) the
    raw segmentations, ``UNSET`` where absent; ``first_unknown_image`` the ``image_id`` of the first
    result whose image the GT does not list (``UNSET`` when every image is listed).
    """

    image: IntArray
    category: IntArray
    box: FloatArray
    score: FloatArray
    bbox_unset: BoolArray
    score_unset: BoolArray
    segm: list[Any] | None
    first_unknown_image: Any

    def __len__(self) -> int:
        return int(self.image.shape[0])


def decode_results(
    text: str | bytes, image_ids: list[Any], category_ids: list[Any], *, segm: bool
) -> ResultColumns:
    """The results list ``text`` as columns; ``image_ids``/``category_ids`` are the GT file's ids in
    file order. Raises ``msgspec.DecodeError`` when the list is not well-typed COCO results."""
    image_pos, category_pos = Positions(image_ids), Positions(category_ids)
    pieces = _pieces(text)
    if pieces is not None:
        try:
            return _decode_pieces(pieces, image_pos, category_pos, segm)
        except msgspec.DecodeError:
            pass  # a cut inside a value, or a bad result: the element-wise reading decides
    return _decode_elements(text, image_pos, category_pos, segm)


def _pieces(text: str | bytes) -> Iterator[bytearray] | None:
    """The array ``text`` as arrays of about :data:`CHUNK_BYTES` each, cut where ``}``, ``,`` and
    ``{`` follow each other (JSON whitespace between); None when ``text`` is not plain ``[ ... ]``.

    A cut inside a string or a nested object leaves a piece that is not valid JSON (an unclosed string
    or object), so when every piece decodes, every cut was between two results."""
    if isinstance(text, str):
        try:
            text = text.encode()
        except UnicodeEncodeError:
            return None
    head, end = _HEAD.match(text), len(text)
    while end and text[end - 1] in _WS:  # trailing whitespace: a byte or two, if any
        end -= 1
    if head is None or text[end - 1 : end] != b"]" or _NOT_WS.search(text, head.end(), end - 1) is None:
        return None
    return _cut(text, head.end(), end - 1)


def _cut(text: bytes, lo: int, hi: int) -> Iterator[bytearray]:
    """The pieces, each ``[`` + its results + ``]`` in one reused buffer (valid until the next one):
    a new 512 KiB object per piece is a fresh mmap, page-faulted in each time (30 ms of a cold load)."""
    view, buf = memoryview(text), bytearray(b"[")
    while lo < hi:
        cut = _BETWEEN.search(text, lo + CHUNK_BYTES, hi) if lo + CHUNK_BYTES < hi else None
        end = hi if cut is None else cut.start() + 1
        buf[1:] = view[lo:end]
        buf.append(0x5D)  # "]"
        yield buf
        lo = hi if cut is None else cut.end() - 1


def _decode_pieces(
    pieces: Iterator[bytearray],
    image_pos: Positions,
    category_pos: Positions,
    segm: bool,
) -> ResultColumns:
    """Each piece decoded and turned into columns, the columns then joined."""
    parts: list[ResultColumns] = []
    unknown: Any = UNSET
    for piece in pieces:
        chunk = _DECODERS[segm].decode(piece)
        del piece
        part = _empty(len(chunk), segm)
        first = _fill(chunk, image_pos, category_pos, part, 0)
        if unknown is UNSET and first >= 0:
            unknown = chunk[first].image_id
        del chunk
        parts.append(part)
        checkpoint()
    if len(parts) == 1:
        return replace(parts[0], first_unknown_image=unknown)
    joined = {f: np.concatenate([getattr(p, f) for p in parts]) for f in _ARRAYS}
    segms = list(chain.from_iterable(p.segm or () for p in parts)) if segm else None
    return ResultColumns(**joined, segm=segms, first_unknown_image=unknown)


def _empty(n: int, segm: bool) -> ResultColumns:
    return ResultColumns(
        image=np.empty(n, np.int64),
        category=np.empty(n, np.int64),
        box=np.empty((n, 4)),
        score=np.empty(n),
        bbox_unset=np.empty(n, np.bool_),
        score_unset=np.empty(n, np.bool_),
        segm=[] if segm else None,
        first_unknown_image=UNSET,
    )


def _decode_elements(
    text: str | bytes,
    image_pos: Positions,
    category_pos: Positions,
    segm: bool,
) -> ResultColumns:
    """The list split into its elements first, then decoded :data:`CHUNK` elements at a time."""
    raws = _SPLIT.decode(text)
    n = len(raws)
    out = _empty(n, segm)
    unknown: Any = UNSET
    raws.reverse()  # taken from the end, so each slice's views are freed as it is decoded
    for lo in range(0, n, CHUNK):
        piece = raws[-CHUNK:]
        del raws[-CHUNK:]
        piece.reverse()
        chunk = _DECODERS[segm].decode(b"".join(_wrapped(piece)))
        del piece
        first = _fill(chunk, image_pos, category_pos, out, lo)
        if unknown is UNSET and first >= 0:
            unknown = chunk[first].image_id
        del chunk
        checkpoint()
    return replace(out, first_unknown_image=unknown)


def _wrapped(raws: list[msgspec.Raw]) -> list[Any]:
    """``[`` raw ``,`` raw ... ``]``: the pieces of a JSON array of the elements."""
    pieces: list[Any] = [b","] * (2 * len(raws) + 1)
    pieces[0], pieces[-1] = b"[", b"]"
    pieces[1::2] = raws
    return pieces


class Positions:
    """Each object's id as its position in a GT list (-1: not there): a table lookup over all the
    objects at once when the GT ids are unique integers in a compact range and so are the objects'
    (what detectors write), else the id dictionary, one object at a time."""

    def __init__(self, ids: list[Any]) -> None:
        index = dict(zip(ids, range(len(ids)), strict=True))
        self.get, self.low, self.table = index.get, 0, np.empty(0, np.int64)
        if ids and len(index) == len(ids) and set(map(type, ids)) == {int}:
            low, high = min(ids), max(ids)
            if high - low <= 4 * len(ids) + 4096 and low > -(1 << 62) and high < 1 << 62:
                self.low, self.table = low, np.full(high - low + 1, -1, np.int64)
                self.table[np.array(ids, np.int64) - low] = np.arange(len(ids))

    def __call__(self, objects: list[Any], key: str) -> IntArray:
        n, values = len(objects), map(attrgetter(key), objects)
        if self.table.size:
            try:
                # operator.index: a string id must not become a number (fromiter would parse "5")
                at = np.fromiter(map(operator.index, values), np.int64, n) - self.low
            except (TypeError, OverflowError):  # a string, None or huge id: the dictionary decides
                pass
            else:
                inside = (at >= 0) & (at < self.table.size)
                return np.where(inside, self.table[np.where(inside, at, 0)], -1)
            values = map(attrgetter(key), objects)
        return np.fromiter(map(self.get, values, repeat(-1)), np.int64, n)


def _fill(
    results: list[Any], image_pos: Positions, category_pos: Positions, out: ResultColumns, lo: int
) -> int:
    """Write one slice of decoded results into rows ``lo..`` of ``out``; returns the position in the
    slice of the first result whose image the GT does not list (-1: none)."""
    n = len(results)
    rows = slice(lo, lo + n)
    image = out.image[rows]
    image[:] = image_pos(results, "image_id")
    out.category[rows] = category_pos(results, "category_id")
    unset, box = out.bbox_unset[rows], out.box[rows]
    try:  # every result has a box (the usual case): one pass; an absent one (UNSET) is not iterable
        box[:] = np.fromiter(
            chain.from_iterable(map(attrgetter("bbox"), results)), np.float64, 4 * n
        ).reshape(-1, 4)
        unset[:] = False
    except TypeError:
        boxes = list(map(attrgetter("bbox"), results))
        unset[:] = np.fromiter(map(operator.is_, boxes, repeat(UNSET)), np.bool_, n)
        box[unset] = np.nan
        given = [b for b in boxes if b is not UNSET]
        box[~unset] = np.fromiter(chain.from_iterable(given), np.float64, 4 * len(given)).reshape(-1, 4)
    no_score = out.score_unset[rows]
    try:  # likewise for the scores: UNSET is not a number
        out.score[rows] = np.fromiter(map(attrgetter("score"), results), np.float64, n)
        no_score[:] = False
    except TypeError:
        scores = list(map(attrgetter("score"), results))
        no_score[:] = np.fromiter(map(operator.is_, scores, repeat(UNSET)), np.bool_, n)
        out.score[rows] = np.fromiter((np.nan if s is UNSET else s for s in scores), np.float64, n)
    if out.segm is not None:
        out.segm.extend(map(attrgetter("segmentation"), results))
    unknown = np.flatnonzero(image < 0)
    return int(unknown[0]) if unknown.size else -1
