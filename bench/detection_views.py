"""Detection views: what a COCO-only caller pays, against the full diagnosis and against pycocotools and
hotcoco on the same files.

One generated set (long-tailed categories, crowds, ties, >100 detections in an image) is written as
COCO JSON. Each contender reads the two files' text and answers:

* ``ours COCO view``: a ScoreDetection request with ``views: [COCO]`` through the seam's evaluate +
  respond, serialized (what a server computes, less the transport and the cache);
* ``ours default``: the same request naming no view (every part but the arrays);
* ``ours every view``: default + ARRAYS;
* ``pycocotools`` / ``hotcoco``: ``COCO`` + ``loadRes`` + ``COCOeval`` evaluate/accumulate/summarize;
* ``ours ... columnar``: the same objects as a columnar request (parsed from its wire bytes each run),
  the input path that does not parse JSON, so the views' own savings show undiluted.

Each runs ``--repeats`` times in this process (after the server's warm-up, so no compilation is
timed); the best time is printed with its ratio to ours COCO view. The 12 COCO numbers of the COCO
view must equal the default's and pycocotools' exactly. Usage:
``python -m bench.detection_views [--images 5000] [--repeats 3] [--smoke] [--skip pycocotools]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.synth.detection import synth_detection, to_coco_dicts

from curation.core.detection import DetectionData
from curation.ops import detection as od
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb


def _ours(
    gt_text: str, res_text: str, views: list[pb.DetectionView], arrays: bool
) -> Callable[[], list[float]]:
    """Our request over the files' text: evaluate + respond + serialize; returns the 12 numbers."""

    def run() -> list[float]:
        request = pb.ScoreDetectionRequest(
            coco_gt_json=gt_text, coco_results_json=res_text, views=views, include_arrays=arrays
        )
        response = od.respond(od.evaluate(request), request, common_pb2.CacheInfo(key_digest="bench"))
        response.SerializeToString()
        return [s.value for s in response.summary]

    return run


def _columnar(wire: bytes, views: list[pb.DetectionView]) -> Callable[[], list[float]]:
    """Our columnar request (from its wire bytes): parse + evaluate + respond + serialize."""

    def run() -> list[float]:
        request = pb.ScoreDetectionRequest.FromString(wire)
        request.views.extend(views)
        response = od.respond(od.evaluate(request), request, common_pb2.CacheInfo(key_digest="bench"))
        response.SerializeToString()
        return [s.value for s in response.summary]

    return run


def _columnar_wire(data: DetectionData) -> bytes:
    """``data`` as a columnar ScoreDetectionRequest, serialized."""
    r = pb.ScoreDetectionRequest(
        asset_ids=[f"img{i}" for i in range(data.num_images)],
        category_names=[f"c{k}" for k in range(data.num_categories)],
    )
    r.gt_asset.extend(data.gt_image.tolist())
    r.gt_category.extend(data.gt_category.tolist())
    r.gt_boxes.extend(data.gt_box.reshape(-1).tolist())
    r.gt_iscrowd.extend(data.gt_iscrowd.tolist())
    r.gt_area.extend(data.gt_area.tolist())
    r.pred_asset.extend(data.dt_image.tolist())
    r.pred_category.extend(data.dt_category.tolist())
    r.pred_boxes.extend(data.dt_box.reshape(-1).tolist())
    r.pred_scores.extend(data.dt_score.tolist())
    return r.SerializeToString()


def _peer(name: str, gt_path: str, res_path: str) -> Callable[[], list[float]] | None:
    """pycocotools or hotcoco over the files: load + evaluate + accumulate + summarize."""
    try:
        if name == "pycocotools":
            from pycocotools.coco import COCO
            from pycocotools.cocoeval import COCOeval
        else:
            from hotcoco import COCO, COCOeval
    except ImportError:
        return None

    def run() -> list[float]:
        with contextlib.redirect_stdout(io.StringIO()):
            gt = COCO(gt_path)
            ev = COCOeval(gt, gt.loadRes(res_path), "bbox")
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        return [float(v) for v in ev.stats]

    return run


def _best(fn: Callable[[], list[float]], repeats: int) -> tuple[float, list[float]]:
    times, stats = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        stats = fn()
        times.append(time.perf_counter() - started)
    return min(times), stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    parser.add_argument("--skip", action="append", default=[], help="peer to leave out (repeatable)")
    args = parser.parse_args(argv)
    images, repeats = (60, 1) if args.smoke else (args.images, args.repeats)
    od.warm_up()
    data = synth_detection(
        args.seed, num_images=images, num_categories=80, gt_per_image=7.0, dt_per_image=40.0
    )
    gt, res = to_coco_dicts(data)
    gt_text, res_text = json.dumps(gt), json.dumps(res)
    wire = _columnar_wire(data)
    print(f"{images} images, {data.num_gt} GT, {data.num_dt} detections, 80 categories (long-tailed)")
    results: dict[str, tuple[float, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        gt_path, res_path = os.path.join(tmp, "gt.json"), os.path.join(tmp, "res.json")
        Path(gt_path).write_text(gt_text)
        Path(res_path).write_text(res_text)
        contenders: dict[str, Callable[[], list[float]] | None] = {
            "ours COCO view": _ours(gt_text, res_text, [pb.DETECTION_VIEW_COCO], False),
            "ours default": _ours(gt_text, res_text, [], False),
            "ours every view": _ours(gt_text, res_text, [], True),
            **{p: _peer(p, gt_path, res_path) for p in ("pycocotools", "hotcoco") if p not in args.skip},
            "ours COCO columnar": _columnar(wire, [pb.DETECTION_VIEW_COCO]),
            "ours default columnar": _columnar(wire, []),
        }
        for name, fn in contenders.items():
            if fn is None:
                print(f"{name}: not installed, skipped")
                continue
            results[name] = _best(fn, repeats)
    return _report(results)


def _report(results: dict[str, Any]) -> int:
    base, coco_stats = results["ours COCO view"]
    columnar = results["ours COCO columnar"][0]
    print(f"\n{'contender':<24}{'best s':>9}{'x ours COCO view':>18}{'x ours COCO columnar':>22}")
    for name, (seconds, _) in results.items():
        print(f"{name:<24}{seconds:>9.3f}{seconds / base:>18.2f}{seconds / columnar:>22.2f}")
    mismatched = [n for n, (_, s) in results.items() if n != "hotcoco" and s != coco_stats]
    if mismatched:
        print(f"MISMATCH: the COCO view's 12 numbers differ from {', '.join(mismatched)}")
        return 1
    others = [n for n in results if n not in ("hotcoco", "ours COCO view")]
    print(f"12 numbers: the COCO view equals {', '.join(others)} exactly")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
