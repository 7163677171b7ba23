"""A COCO results list decoded to columns a slice at a time, so its Structs never all exist at once.

A result decoded whole into msgspec Structs costs about 290 bytes (the Struct, a box tuple and five
float and int objects): 58 MB at 200k results, on top of the text, where its columns need 56. Here the
list is first split into its elements (``msgspec.Raw``: views of the text, about 56 bytes each), and
the elements are decoded and turned into columns :data:`CHUNK` at a time. The columns hold what the
results say without reference to the GT's sorted ids: each ``image_id``/``category_id`` as its position
in the GT file's ``images``/``categories`` list (-1 when absent), so the sorting and uniqueness checks
stay where they were, in :func:`~curation.core.detection.coco_typed.from_typed`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
from msgspec import UNSET, Struct, UnsetType

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint

__all__ = ["CHUNK", "ResultColumns", "decode_results"]

Id = int | str
Box = tuple[float, float, float, float]

# Results decoded per slice: about 5 MB of Structs at a time.
CHUNK = 16_384


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
    image_pos = dict(zip(image_ids, range(len(image_ids)), strict=True)).get
    category_pos = dict(zip(category_ids, range(len(category_ids)), strict=True)).get
    raws = _SPLIT.decode(text)
    n = len(raws)
    out = ResultColumns(
        image=np.empty(n, np.int64),
        category=np.empty(n, np.int64),
        box=np.empty((n, 4)),
        score=np.empty(n),
        bbox_unset=np.empty(n, np.bool_),
        score_unset=np.empty(n, np.bool_),
        segm=[] if segm else None,
        first_unknown_image=UNSET,
    )
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


def _fill(
    results: list[Any],
    image_pos: Callable[[Any, int], int],
    category_pos: Callable[[Any, int], int],
    out: ResultColumns,
    lo: int,
) -> int:
    """Write one slice of decoded results into rows ``lo..`` of ``out``; returns the position in the
    slice of the first result whose image the GT does not list (-1: none)."""
    n = len(results)
    rows = slice(lo, lo + n)
    image = out.image[rows]
    image[:] = np.fromiter(map(image_pos, map(attrgetter("image_id"), results), repeat(-1)), np.int64, n)
    cat_ids = map(attrgetter("category_id"), results)
    out.category[rows] = np.fromiter(map(category_pos, cat_ids, repeat(-1)), np.int64, n)
    boxes = list(map(attrgetter("bbox"), results))
    unset = out.bbox_unset[rows]
    unset[:] = np.fromiter(map(operator.is_, boxes, repeat(UNSET)), np.bool_, n)
    box = out.box[rows]
    given = boxes
    if unset.any():
        box[unset] = np.nan
        given = [b for b in boxes if b is not UNSET]
    box[~unset] = np.fromiter(chain.from_iterable(given), np.float64, 4 * len(given)).reshape(-1, 4)
    scores = list(map(attrgetter("score"), results))
    no_score = out.score_unset[rows]
    no_score[:] = np.fromiter(map(operator.is_, scores, repeat(UNSET)), np.bool_, n)
    if no_score.any():
        scores = [np.nan if s is UNSET else s for s in scores]
    out.score[rows] = np.fromiter(scores, np.float64, n)
    if out.segm is not None:
        out.segm.extend(map(attrgetter("segmentation"), results))
    unknown = np.flatnonzero(image < 0)
    return int(unknown[0]) if unknown.size else -1
