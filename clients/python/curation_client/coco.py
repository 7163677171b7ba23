"""``from_coco(gt, results)``: a COCO GT file and results list as a columnar ``ScoreDetectionRequest``.

The columnar request carries the same objects as ``coco_gt_json`` + ``coco_results_json`` would, read
as the server (and pycocotools) read them: images and categories sorted by id (asset IDs are the image
ids as strings, category names the ``name`` members), annotations naming an unknown image or category
left out, results naming an unknown category left out, a result on an unknown image refused, a GT
without ``area`` given its box area, result areas ``w * h``. So ``score_detection(from_coco(gt, res))``
gives the JSON request's numbers, without the server parsing JSON.

What the columnar form cannot say: pycocotools' quirk for an annotation with id 0 (its match counts as a
false positive in COCO mode) is not reproduced, and the JSON request's warnings (left-out objects,
missing areas) are not sent back. Ids must be integers or strings and numbers JSON numbers (the JSON
request also takes the odd cases); segmentations (``iou_type`` SEGM) must be compressed RLE, unless
pycocotools is installed to convert polygons and uncompressed RLE. With ``iou_type`` KEYPOINTS the
keypoints and GT ``num_keypoints`` are sent, and results without boxes send none (the server takes
their keypoints' extent, as ``loadRes``); a category whose keypoint count is not COCO's 17 needs its
sigmas in ``params.keypoint_sigmas``.
"""

from __future__ import annotations

import gc
import gzip
import operator
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, compress, repeat
from operator import attrgetter
from typing import Any

try:
    import msgspec
    import numpy as np
    import numpy.typing as npt
    from msgspec import UNSET, Struct, UnsetType
except ImportError as missing:  # the optional extra
    raise ImportError(
        f"from_coco needs numpy and msgspec ({missing.name} is missing): pip install 'curation-client[coco]'"
    ) from missing

from curation_client._coco_results import Index, ResultColumns, read_results
from curation_client.v1 import detection_pb2 as pb

__all__ = ["from_coco"]

Id = int | str
Box = tuple[float, float, float, float]
Source = str | os.PathLike[str] | bytes | dict[str, Any] | list[Any]


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
    segmentation: msgspec.Raw | UnsetType = UNSET
    keypoints: list[float] | UnsetType = UNSET
    num_keypoints: int | UnsetType = UNSET


class _Result(Struct, gc=False):
    image_id: Id | None = None
    category_id: Id | None = None
    bbox: Box | UnsetType = UNSET
    score: float | UnsetType = UNSET
    segmentation: msgspec.Raw | UnsetType = UNSET
    keypoints: list[float] | UnsetType = UNSET


class _GtFile(Struct, gc=False):
    images: list[_Image] = []
    categories: list[_Category] = []
    annotations: list[_Annotation] = []


_GT = msgspec.json.Decoder(_GtFile)
_RESULTS = msgspec.json.Decoder(list[_Result])


def from_coco(gt: Source, results: Source, **fields: Any) -> pb.ScoreDetectionRequest:
    """The columnar request for a COCO GT file and results list; each a path (``.json`` or gzip),
    the file's bytes (gzip accepted) or the parsed dict / list. ``fields`` are further request fields
    (``params``, ``mode``, ``iou_type``, ...); ``iou_type`` SEGM also sends the masks."""
    with _gc_paused():
        return _from_coco(gt, results, pb.ScoreDetectionRequest(**fields))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic collection while the files are decoded and read: their objects hold no cycles, and
    the collections their boxes (tuples) set off took ~0.1 s of a 35 MB pair."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _from_coco(gt: Source, results: Source, request: pb.ScoreDetectionRequest) -> pb.ScoreDetectionRequest:
    segm = request.iou_type == pb.DETECTION_IOU_TYPE_SEGM
    kp = request.iou_type == pb.DETECTION_IOU_TYPE_KEYPOINTS
    g = _decode(_text(gt), _GT, "gt")
    res_text = _text(results)
    try:
        image_ids = sorted(map(attrgetter("id"), g.images))
        category_ids = sorted(map(attrgetter("id"), g.categories))
    except TypeError:  # mixed id kinds: a results file that does not decode is still named first
        _decode(res_text, _RESULTS, "results")
        raise
    names = {c.id: str(c.id if c.name is UNSET else c.name) for c in g.categories}
    img_index = dict(zip(image_ids, range(len(image_ids)), strict=True))
    cat_index = dict(zip(category_ids, range(len(category_ids)), strict=True))
    request.asset_ids.extend(map(str, image_ids))
    request.category_names.extend(names[c] for c in category_ids)
    img, cat = Index(img_index), Index(cat_index)
    try:
        res = read_results(res_text, _RESULTS, img, cat, segm or kp)
    except msgspec.DecodeError as exc:
        raise ValueError(_not_coco("results", exc)) from None
    del res_text
    _add_gt(request, g.annotations, img, cat)
    _add_results(request, res, segm or kp)
    if kp:
        gt_rows = [a for a in g.annotations if a.image_id in img_index and a.category_id in cat_index]
        _add_keypoints(request, gt_rows, res.kept)
    if segm:
        sizes = {im.id: (im.height, im.width) for im in g.images}
        gt_rows = [a for a in g.annotations if a.image_id in img_index and a.category_id in cat_index]
        _add_masks(request.gt_masks, gt_rows, sizes)
        _add_masks(request.pred_masks, res.kept, sizes)
    return request


def _text(source: Source) -> bytes:
    """The JSON text of ``source`` (a path is read, gzip inflated, parsed values re-encoded)."""
    if isinstance(source, dict | list):
        return msgspec.json.encode(source)
    if isinstance(source, bytes):
        return gzip.decompress(source) if source[:2] == b"\x1f\x8b" else source
    with open(source, "rb") as f:
        text = f.read()
    return gzip.decompress(text) if text[:2] == b"\x1f\x8b" else text


def _decode(text: bytes, decoder: msgspec.json.Decoder[Any], what: str) -> Any:
    try:
        return decoder.decode(text)
    except msgspec.DecodeError as exc:
        raise ValueError(_not_coco(what, exc)) from None


def _not_coco(what: str, exc: Exception) -> str:
    return f"{what}: not COCO JSON that from_coco reads ({exc}); send it as JSON"


def _unset(values: Iterable[Any], n: int) -> npt.NDArray[np.bool_]:
    return np.fromiter(map(operator.is_, values, repeat(UNSET)), np.bool_, n)


def _boxes(objects: list[Any], what: str) -> npt.NDArray[np.float64]:
    try:  # one pass; an absent box (UNSET) is not iterable
        return np.fromiter(
            chain.from_iterable(map(attrgetter("bbox"), objects)), np.float64, 4 * len(objects)
        )
    except TypeError:
        missing = _unset(map(attrgetter("bbox"), objects), len(objects)).argmax()
        raise ValueError(f"{what}[{int(missing)}] (kept objects) has no bbox") from None


def _add_gt(request: pb.ScoreDetectionRequest, anns: list[Any], img: Index, cat: Index) -> None:
    ii, kk = img(anns, "image_id"), cat(anns, "category_id")
    rows = np.flatnonzero((ii >= 0) & (kk >= 0))
    kept = _rows(anns, rows)
    box = _boxes(kept, "annotations")
    areas = list(map(attrgetter("area"), kept))
    no_area = _unset(areas, len(areas))
    area = box[2::4] * box[3::4]
    area[~no_area] = np.fromiter(compress(areas, (~no_area).tolist()), np.float64, int((~no_area).sum()))
    _packed(request, 3, ii[rows])
    _packed(request, 4, kk[rows])
    _packed(request, 5, box)
    _packed(request, 7, area)
    _packed(request, 6, np.fromiter(map(attrgetter("iscrowd"), kept), np.bool_, len(kept)))
    _packed(request, 8, np.fromiter(map(attrgetter("ignore"), kept), np.bool_, len(kept)))


def _add_results(request: pb.ScoreDetectionRequest, res: ResultColumns, boxless_ok: bool) -> None:
    if res.first_unknown is not None:
        j, image_id = res.first_unknown
        raise ValueError(f"results[{j}]: image_id {image_id!r} is not in the GT images")
    rows = np.flatnonzero(res.category >= 0)
    if res.score_unset[rows].any():
        raise ValueError("a result has no score")
    _packed(request, 9, res.image[rows])
    _packed(request, 10, res.category[rows])
    # As loadRes: without a box on the first result, boxes (and areas) come from the masks (keypoints).
    if not (boxless_ok and res.box_unset[:1].any()):
        missing = np.flatnonzero(res.box_unset[rows])
        if missing.size:
            raise ValueError(f"results[{int(missing[0])}] (kept objects) has no bbox")
        _packed(request, 11, res.box[rows].reshape(-1))
    _packed(request, 12, res.score[rows])


def _add_keypoints(request: pb.ScoreDetectionRequest, anns: list[Any], results: list[Any]) -> None:
    """The kept GTs' keypoints and ``num_keypoints``, the kept results' keypoints."""
    for objects, what in ((anns, "annotations"), (results, "results")):
        for key in ("keypoints", "num_keypoints") if what == "annotations" else ("keypoints",):
            missing = _unset(map(attrgetter(key), objects), len(objects))
            if missing.any():
                raise ValueError(f"{what}[{int(missing.argmax())}] (kept objects) has no {key}")
    values = chain.from_iterable(map(attrgetter("keypoints"), anns))
    _packed(request, 40, np.fromiter(values, np.float64))
    _packed(request, 42, np.fromiter(map(attrgetter("num_keypoints"), anns), np.int64, len(anns)))
    values = chain.from_iterable(map(attrgetter("keypoints"), results))
    _packed(request, 41, np.fromiter(values, np.float64))


def _rows(objects: list[Any], rows: npt.NDArray[np.intp]) -> list[Any]:
    """``objects[rows]`` (the list itself when every row is kept)."""
    return objects if rows.size == len(objects) else list(map(objects.__getitem__, rows.tolist()))


def _packed(request: pb.ScoreDetectionRequest, number: int, values: npt.NDArray[Any]) -> None:
    """Append ``values`` to repeated field ``number`` as one packed wire chunk: doubles, bools or
    non-negative integers (varints, written a 7-bit group at a time for all values at once)."""
    if values.dtype.kind == "f":
        raw = values.astype("<f8").tobytes()
    elif values.dtype.kind == "b":
        raw = values.astype(np.uint8).tobytes()
    else:
        raw = _varints(values.astype(np.uint64))
    tag, length = _varint((number << 3) | 2), _varint(len(raw))
    request.MergeFromString(tag + length + raw)


def _varints(values: npt.NDArray[np.uint64]) -> bytes:
    """Non-negative integers as varints back to back."""
    if not values.size:
        return b""
    lengths = np.ones(values.shape[0], dtype=np.uint8)
    for j in range(1, 10):
        lengths += values >= np.uint64(1 << (7 * j))
    width = int(lengths.max())
    groups = np.empty((values.shape[0], width), dtype=np.uint8)
    keep = np.empty((values.shape[0], width), dtype=np.bool_)
    for j in range(width):
        more = (lengths > j + 1).view(np.uint8) << np.uint8(7)
        groups[:, j] = ((values >> np.uint64(7 * j)) & np.uint64(0x7F)).astype(np.uint8) | more
        keep[:, j] = lengths > j
    return groups[keep].tobytes()


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _add_masks(container: Any, objects: list[Any], sizes: dict[Any, tuple[Any, Any]]) -> None:
    """Compressed RLE masks of ``objects`` (polygons / uncompressed RLE converted by pycocotools)."""
    for obj in objects:
        seg = msgspec.json.decode(obj.segmentation) if obj.segmentation is not UNSET else None
        if isinstance(seg, dict) and isinstance(seg.get("counts"), str):
            h, w = seg["size"]
            container.add(counts=seg["counts"], height=h, width=w)
            continue
        h, w = sizes[obj.image_id]
        rle = _convert(seg, h, w)
        container.add(counts=rle["counts"].decode("ascii"), height=rle["size"][0], width=rle["size"][1])


def _convert(seg: Any, height: Any, width: Any) -> Any:
    """A polygon list or uncompressed RLE as compressed RLE (pycocotools' ``annToRLE``)."""
    try:
        from pycocotools import mask as mask_utils  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415
    except ImportError:
        raise ValueError("polygons and uncompressed RLE need pycocotools installed; send JSON") from None
    if isinstance(seg, list):
        return mask_utils.merge(mask_utils.frPyObjects(seg, height, width))
    return mask_utils.frPyObjects(seg, seg["size"][0], seg["size"][1])
