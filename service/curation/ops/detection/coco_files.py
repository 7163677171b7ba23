"""The two COCO files of a ScoreDetection request as text.

Each file is given once: as a string (``coco_gt_json`` / ``coco_results_json``) or as bytes
(``coco_gt_file`` / ``coco_results_file``: UTF-8 JSON, or gzip-compressed JSON, recognised by its
magic ``1f 8b``). Gzip is inflated a step at a time and refused with ``LimitExceeded`` (naming the
field) once the output passes :data:`~curation.ops.detection.limits.MAX_COCO_FILE_BYTES`, so a small
bomb never inflates further than that.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from curation.errors import InvalidArgument, LimitExceeded
from curation.ops.detection.limits import MAX_COCO_FILE_BYTES
from curation.v1 import detection_pb2 as pb

__all__ = ["CocoFiles", "coco_files", "has_coco", "inflate"]

_GZIP_MAGIC = b"\x1f\x8b"
_STEP = 16 * 1024 * 1024  # inflated bytes produced per step (the limit is checked between steps)


@dataclass(frozen=True, slots=True)
class CocoFiles:
    """The GT and results files' text and the request fields they came from (errors name these)."""

    gt: str | bytes
    results: str | bytes
    gt_field: str
    results_field: str

    @property
    def names(self) -> tuple[str, str]:
        return self.gt_field, self.results_field

    @property
    def chars(self) -> int:
        """The text's length (characters or bytes) of both files."""
        return len(self.gt) + len(self.results)


def has_coco(request: pb.ScoreDetectionRequest) -> bool:
    """Whether the request gives either COCO file in either form."""
    return bool(
        request.coco_gt_json or request.coco_gt_file or request.coco_results_json or request.coco_results_file
    )


def coco_files(request: pb.ScoreDetectionRequest, *, limit: int = MAX_COCO_FILE_BYTES) -> CocoFiles:
    """Both files' text (gzip inflated, at most ``limit`` bytes each); each must be given exactly once."""
    gt = _one(request.coco_gt_json, request.coco_gt_file, "coco_gt_json", "coco_gt_file", limit)
    res = _one(
        request.coco_results_json, request.coco_results_file, "coco_results_json", "coco_results_file", limit
    )
    if gt is None:
        raise InvalidArgument(
            "must be set together with coco_results_json (or give coco_gt_file)", field="coco_gt_json"
        )
    if res is None:
        field = "coco_results_file" if gt[1] == "coco_gt_file" else "coco_results_json"
        raise InvalidArgument(f"must be set together with {gt[1]}", field=field)
    return CocoFiles(gt[0], res[0], gt[1], res[1])


def _one(
    text: str, data: bytes, text_field: str, data_field: str, limit: int
) -> tuple[str | bytes, str] | None:
    """The file given as ``text_field`` or ``data_field`` (not both), with the field it came from."""
    if text and data:
        raise InvalidArgument(
            f"give the file once: as {text_field} or as {data_field}, not both", field=data_field
        )
    if text:
        return text, text_field
    if data:
        return (inflate(data, data_field, limit) if data.startswith(_GZIP_MAGIC) else data), data_field
    return None


def inflate(data: bytes, field: str, limit: int) -> bytes:
    """Gzip ``data`` (one or more members) inflated, refused once the output passes ``limit`` bytes."""
    parts: list[bytes] = []
    total = 0
    rest = data
    try:
        while rest:
            stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
            tail = rest
            while not stream.eof:
                piece = stream.decompress(tail, _STEP)
                if not piece and len(stream.unconsumed_tail) == len(tail) and not stream.eof:
                    raise InvalidArgument("gzip stream is truncated", field=field)
                total += len(piece)
                if total > limit:
                    raise LimitExceeded(
                        f"inflates to more than the documented maximum of {limit:,} bytes", field=field
                    )
                parts.append(piece)
                tail = stream.unconsumed_tail
            rest = stream.unused_data
    except zlib.error as exc:
        raise InvalidArgument(f"is not valid gzip: {exc}", field=field) from None
    return b"".join(parts)
