"""COCO JSON text straight to columns: a typed decode (msgspec Structs) and a columnar pass over it.

The generic reading (:func:`~curation.core.detection.coco_json.from_coco_json`) takes ``json.loads``
output: a dict per annotation and result, read field by field in Python (1-2 s for 35k GT and 200k
results). Here the text is decoded by msgspec into small typed Structs (unknown keys skipped in C), and
the columns are drawn from them with C-level ``map``/``compress``/``np.fromiter`` -- no Python step per
object. The results list, the large one, is decoded a slice at a time
(:mod:`~curation.core.detection.coco_typed_results`), so its Structs never all exist at once. Only
the well-typed documents take this path: ids ints or strings, numbers ints or floats,
``iscrowd``/``ignore`` ints or bools, boxes lists of numbers. Anything else (a float id, a null box,
``NaN``, a non-object entry, invalid JSON) makes :func:`decode_typed` return None and the caller reads
the document the generic way, so values, warnings and errors are exactly that reading's.
"""

from __future__ import annotations

import gc
import operator
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
from msgspec import UNSET, Struct, UnsetType

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core.detection.coco_json import (
    CocoFormatError,
    CocoJsonData,
    KeptGt,
    KeptResults,
    assemble,
)
from curation.core.detection.coco_typed_results import Positions, ResultColumns, decode_results

__all__ = ["TypedCoco", "decode_typed", "from_typed"]

Id = int | str
Box = tuple[float, float, float, float]


class _Image(Struct, gc=False):
    id: Id
    height: int | float | None = None
    width: int | float | None = None


class _Category(Struct, gc=False):
    id: Id
    name: Any = UNSET


class _Annotation(Struct, gc=False):
    image_id: Id | None = None
    category_id: Id | None = None
    bbox: Box | UnsetType = UNSET
    area: float | UnsetType = UNSET
    iscrowd: bool | int = 0
    ignore: bool | int = 0
    id: Id | None = None


class _AnnotationSegm(_Annotation):
    segmentation: Any = None


class _GtFile(Struct, gc=False):
    images: list[_Image] = []
    categories: list[_Category] = []
    annotations: list[_Annotation] = []


class _GtFileSegm(Struct, gc=False):
    images: list[_Image] = []
    categories: list[_Category] = []
    annotations: list[_AnnotationSegm] = []


_DECODERS: dict[bool, msgspec.json.Decoder[Any]] = {
    False: msgspec.json.Decoder(_GtFile),
    True: msgspec.json.Decoder(_GtFileSegm),
}


@dataclass(frozen=True, slots=True)
class TypedCoco:
    """A GT file decoded into Structs and a results list into columns (``segm``: segmentations kept)."""

    images: list[Any]
    categories: list[Any]
    annotations: list[Any]
    results: ResultColumns
    segm: bool

    def image_sides(self) -> FloatArray:
        """``[n, 2]`` height, width of each image (NaN where absent)."""
        return _numbers(map(attrgetter("height", "width"), self.images), 2)

    def first_result_has_bbox(self) -> bool:
        """pycocotools' ``loadRes`` decides from the first result whether boxes come from masks."""
        return len(self.results) > 0 and not self.results.bbox_unset[0]


def decode_typed(gt_text: str | bytes, results_text: str | bytes, *, segm: bool) -> TypedCoco | None:
    """The two files decoded into Structs, or None when either is not the well-typed COCO this path
    reads (the caller then reads it the generic way, with its exact errors)."""
    try:
        with _gc_paused():
            gt = _DECODERS[segm].decode(gt_text)
            checkpoint()
            ids = (list(map(attrgetter("id"), gt.images)), list(map(attrgetter("id"), gt.categories)))
            results = decode_results(results_text, *ids, segm=segm)
    except (msgspec.DecodeError, RecursionError):
        return None
    return TypedCoco(gt.images, gt.categories, gt.annotations, results, segm)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic collection while a file is decoded: the objects it makes hold no cycles, and a
    collection every few hundred of them (scanning all the earlier ones) tripled the decode time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def from_typed(doc: TypedCoco) -> CocoJsonData:
    """:func:`~curation.core.detection.coco_json.from_coco_json` of a typed document: same columns,
    counts and errors (each naming the first bad entry)."""
    image_ids = _sort_unique(list(map(attrgetter("id"), doc.images)), "coco_gt.images")
    category_ids = _sort_unique(list(map(attrgetter("id"), doc.categories)), "coco_gt.categories")
    img_index = dict(zip(image_ids, range(len(image_ids)), strict=True))
    cat_index = dict(zip(category_ids, range(len(category_ids)), strict=True))
    names = {c.id: str(c.id if c.name is UNSET else c.name) for c in doc.categories}
    checkpoint()
    g = _read_gt(doc.annotations, Positions(image_ids), Positions(category_ids), doc.segm)
    checkpoint()
    d = _read_results(doc.results, _to_index(doc.images, img_index), _to_index(doc.categories, cat_index))
    sizes: list[tuple[int, int] | None] = [None] * len(image_ids)
    if doc.segm:
        sizes = _image_sizes(doc.images, img_index)
    file_order = _to_index(doc.images, img_index)[:-1].tolist()
    names_in_order = [names[c] for c in category_ids]
    return assemble(
        image_ids, category_ids, names_in_order, g=g, d=d, image_sizes=sizes, image_file_order=file_order
    )


def _sort_unique(ids: list[Any], name: str) -> list[Any]:
    """The ids sorted, as pycocotools' ``getImgIds``/``getCatIds`` order them; unique, one kind."""
    if len(set(ids)) != len(ids):
        raise CocoFormatError("ids must be unique", name)
    try:
        return sorted(ids)
    except TypeError:
        raise CocoFormatError("ids must all be numbers or all strings", name) from None


def _image_sizes(images: list[Any], img_index: dict[Any, int]) -> list[tuple[int, int] | None]:
    """(height, width) of each image in evaluation order where both are integers (polygons need it)."""
    sizes: list[tuple[int, int] | None] = [None] * len(images)
    for im in images:
        h, w = im.height, im.width
        if isinstance(h, int) and isinstance(w, int):
            sizes[img_index[im.id]] = (h, w)
    return sizes


def _is_unset(values: Any, n: int) -> BoolArray:
    return np.fromiter(map(operator.is_, values, repeat(UNSET)), np.bool_, n)


def _numbers(values: Any, width: int) -> FloatArray:
    """Rows of ``width`` numbers or None (NaN) as a float array."""
    return np.array(list(values), dtype=np.float64).reshape(-1, width)


def _first(mask: BoolArray) -> int:
    """The first True position, or -1."""
    hit = np.flatnonzero(mask)
    return int(hit[0]) if hit.size else -1


def _rows(objects: list[Any], rows: IntArray) -> list[Any]:
    """``objects[rows]``: the list itself when every row is kept (the common case: no copy)."""
    return objects if rows.size == len(objects) else list(map(objects.__getitem__, rows.tolist()))


def _read_gt(anns: list[Any], img_pos: Positions, cat_pos: Positions, segm: bool) -> KeptGt:
    """The annotations pycocotools evaluates (known image and category); area defaults to the box's."""
    n = len(anns)
    ii, kk = img_pos(anns, "image_id"), cat_pos(anns, "category_id")
    keep = (ii >= 0) & (kk >= 0)
    rows = np.flatnonzero(keep)
    kept = _rows(anns, rows)
    try:  # one pass when every kept annotation has a box (typed: four numbers)
        box = np.fromiter(chain.from_iterable(map(attrgetter("bbox"), kept)), np.float64, 4 * len(kept))
    except TypeError:  # an absent box (UNSET) is not iterable
        no_box = _first(_is_unset(map(attrgetter("bbox"), kept), len(kept)))
        raise CocoFormatError("missing bbox", f"coco_gt.annotations[{int(rows[no_box])}].bbox") from None
    box = box.reshape(-1, 4)
    area, missing_area = _areas(kept, box)
    ids = list(map(attrgetter("id"), kept))
    if len(set(ids)) != len(ids):
        raise CocoFormatError("annotation ids must be unique", "coco_gt.annotations")
    return KeptGt(
        image=ii[rows],
        category=kk[rows],
        box=box,
        area=area,
        crowd=np.fromiter(map(attrgetter("iscrowd"), kept), np.bool_, len(kept)),
        ignore=np.fromiter(map(attrgetter("ignore"), kept), np.bool_, len(kept)),
        zero_id=np.fromiter(map(operator.eq, ids, repeat(0)), np.bool_, len(ids)),
        ids=ids,
        index=rows.astype(np.int64),
        segm=list(map(attrgetter("segmentation"), kept)) if segm else None,
        dropped=n - len(kept),
        missing_area=missing_area,
    )


def _areas(kept: list[Any], box: FloatArray) -> tuple[FloatArray, int]:
    """Each annotation's ``area``, the box's where it has none; and how many had none."""
    try:  # one pass when all have one; an absent one (UNSET) is not a number
        return np.fromiter(map(attrgetter("area"), kept), np.float64, len(kept)), 0
    except TypeError:
        areas = list(map(attrgetter("area"), kept))
    no_area = _is_unset(areas, len(areas))
    area = box[:, 2] * box[:, 3]
    area[~no_area] = np.fromiter(compress(areas, (~no_area).tolist()), np.float64, int((~no_area).sum()))
    return area, int(no_area.sum())


def _to_index(objects: list[Any], index: dict[Any, int]) -> IntArray:
    """Evaluation index of each position in a GT list (unique ids), and -1 at the end for "absent"."""
    return np.fromiter(chain(map(index.__getitem__, map(attrgetter("id"), objects)), [-1]), np.int64)


def _read_results(res: ResultColumns, img_of: IntArray, cat_of: IntArray) -> KeptResults:
    """The results pycocotools evaluates: an unknown image fails (``loadRes``'s assertion), an unknown
    category is left out; a result may lack a box only when it has a segmentation (segm)."""
    n = len(res)
    ii, kk = img_of[res.image], cat_of[res.category]
    kept = (ii >= 0) & (kk >= 0)
    no_box = res.bbox_unset
    if res.segm is not None:
        no_box = no_box & _is_unset(res.segm, n)
    j = _first((ii < 0) | (kept & (no_box | res.score_unset)))
    if j >= 0:
        _raise_result_error(res.first_unknown_image, j, ii[j] < 0, no_box[j])
    rows = np.flatnonzero(kept).astype(np.int64, copy=False)
    segms = None
    if res.segm is not None:
        segms = [None if s is UNSET else s for s in map(res.segm.__getitem__, rows.tolist())]
    every = rows.shape[0] == n  # the usual case: the columns as they are, no copies

    def take(column: Any) -> Any:
        return column if every else column[rows]

    return KeptResults(
        image=take(ii),
        category=take(kk),
        box=take(res.box),
        score=take(res.score),
        index=rows,
        segm=segms,
        dropped=n - int(rows.shape[0]),
    )


def _raise_result_error(image_id: Any, j: int, unknown_image: bool, no_box: bool) -> None:
    """The error of the first refused result, checked in the generic reading's order."""
    if unknown_image:
        raise CocoFormatError(f"image_id {image_id!r} is not in the GT images", f"coco_results[{j}].image_id")
    if no_box:
        raise CocoFormatError("missing bbox", f"coco_results[{j}].bbox")
    raise CocoFormatError("missing score", f"coco_results[{j}].score")
