"""COCO bbox evaluation: ours against pycocotools, faster-coco-eval, hotcoco and ultrafast-pycocotools.

One generated set (long-tailed categories, crowds, ties, >100 detections in an image) is written once as
COCO JSON (GT file + results file); every evaluator then runs in its own subprocess on those identical
files, so each gets a clean heap. Per evaluator we print:

* ``load``: parsing the two JSON files into the evaluator's structures;
* ``eval``: evaluate + accumulate + summarize (the bar of issue 3), wall time, and ``eval cpu``, the
  process's CPU time over the same span (above ``eval`` when an evaluator uses several threads);
  ``threads``, the process's threads after evaluating (peers' native thread pools show up here);
* ``peak MiB``: the subprocess's peak resident set (Linux ``VmHWM``, reset through
  ``/proc/self/clear_refs`` after the imports) minus its resident set at that point, i.e. what loading
  and evaluating the set cost on top of the imported libraries;
* ``eval MiB``: the same, with the reset after loading: what evaluating alone adds on top of the
  loaded set (the kernels' own memory, measured the same way for every evaluator);
* the 12 summary numbers, and whether they equal pycocotools' exactly.

``ours`` evaluates as the server's COCO-only view does: :func:`coco_arrays`, a few categories at a
time with no whole match state kept (COCO's numbers do not read the per-threshold match table the
diagnosis uses; pycocotools and the peers still build their ``evalImgs``). It also times the
full diagnostic (COCO + TIDE error types + confusion + per-asset) when that
module is available. Usage: ``python bench/detection_coco.py [--images 5000] [--smoke] [--skip NAME]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PEERS = ["pycocotools", "faster-coco-eval", "hotcoco", "ultrafast-pycocotools", "ours"]


def _status_kib(key: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> float:
    """Start a fresh peak measurement; returns the current resident set in MiB.

    A child inherits its parent's high-water mark across fork/exec, so ``ru_maxrss`` alone would
    report the parent's peak; on Linux writing 5 to ``/proc/self/clear_refs`` resets ``VmHWM``.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    rss = _status_kib("VmRSS")
    return rss / 1024.0 if rss is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _peak_mib() -> float:
    hwm = _status_kib("VmHWM")
    return hwm / 1024.0 if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _run_ours(gt_path: str, res_path: str) -> dict[str, Any]:
    """Our load + evaluate + accumulate + summarize, then the full diagnosis, after the server's warm-up."""
    sys.path.insert(0, str(ROOT / "service"))
    from curation.core.detection import coco as dc
    from curation.core.detection import decode_typed, diagnose, from_typed, warm_up
    from curation.core.detection.coco_by_category import coco_arrays

    warm_up()  # what the server does at start: no compilation inside the timed region
    base = _reset_peak()
    t0 = time.perf_counter()
    with open(gt_path, "rb") as f:
        gt = f.read()
    with open(res_path, "rb") as f:
        res = f.read()
    typed = decode_typed(gt, res, segm=False)  # the server's path for well-typed files
    assert typed is not None
    parsed = from_typed(typed)
    del gt, res, typed
    load_peak = _peak_mib() - base
    eval_base = _reset_peak()
    c1, t1 = time.process_time(), time.perf_counter()
    arrays, _ = coco_arrays(parsed.data)
    stats = [s.value for s in dc.summarize(arrays)]
    t2, c2 = time.perf_counter(), time.process_time()
    eval_peak = _peak_mib() - eval_base
    peak = max(load_peak, _peak_mib() - base)
    diagnose(parsed.data)
    t3 = time.perf_counter()
    return {
        "name": "ours",
        "load": t1 - t0,
        "eval": t2 - t1,
        "eval_cpu": c2 - c1,
        "stats": stats,
        "diagnostic": t3 - t2,
        "peak_mib": peak,
        "eval_mib": eval_peak,
        "threads": _status_kib("Threads"),
    }


def _run_peer(name: str, gt_path: str, res_path: str) -> dict[str, Any]:
    """Runs inside the subprocess: import, load, evaluate; returns timings, memory and stats."""
    if name == "ours":
        return _run_ours(gt_path, res_path)
    out: dict[str, Any] = {"name": name}
    sink = io.StringIO()
    if name == "pycocotools":
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    elif name == "faster-coco-eval":
        from faster_coco_eval import COCO
        from faster_coco_eval import COCOeval_faster as COCOeval
    elif name == "hotcoco":
        from hotcoco import COCO, COCOeval
    elif name == "ultrafast-pycocotools":
        from ultrafast_pycocotools import COCO, COCOeval
    else:
        raise SystemExit(f"unknown peer {name}")
    base = _reset_peak()
    with contextlib.redirect_stdout(sink):
        t0 = time.perf_counter()
        gt = COCO(gt_path)
        dt = gt.loadRes(res_path)
        load_peak = _peak_mib() - base
        eval_base = _reset_peak()
        c1, t1 = time.process_time(), time.perf_counter()
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
        t2, c2 = time.perf_counter(), time.process_time()
    out.update(load=t1 - t0, eval=t2 - t1, eval_cpu=c2 - c1, stats=[float(v) for v in ev.stats])
    out["threads"] = _status_kib("Threads")
    out["eval_mib"] = _peak_mib() - eval_base
    out["peak_mib"] = max(load_peak, _peak_mib() - base)
    return out


def _end_to_end(gt_path: str, res_path: str, repeats: int) -> dict[str, float]:
    """Best seconds of a new ScoreDetection request from the files on disk to the answer, against a real
    server: REST with the files as JSON strings, gRPC with ``from_coco``'s columnar request; each for
    the full diagnostic and for a COCO-only caller (``views: [DETECTION_VIEW_COCO]``). Each request
    differs (``iou_histogram_bins``) so none is answered from the cache."""
    import httpx

    sys.path.insert(0, str(ROOT / "clients" / "python"))
    from bench._server import running_server
    from curation_client import CurationClient, from_coco

    big = {"CURATION_MAX_REQUEST_BYTES": str(1 << 30), "CURATION_MAX_RESPONSE_BYTES": str(1 << 30)}
    best: dict[str, float] = {}
    with (
        running_server(big) as server,
        httpx.Client(timeout=600) as http,
        CurationClient(server.grpc, timeout=600) as client,
    ):
        for i in range(repeats):
            for suffix, views in (("", []), (", COCO view", ["DETECTION_VIEW_COCO"])):
                t0 = time.perf_counter()
                with open(gt_path) as f, open(res_path) as g:
                    body = json.dumps({"coco_gt_json": f.read(), "coco_results_json": g.read(), "views": views,
                                       "iou_histogram_bins": 30 + 2 * i + len(views), "page_size": 1})  # fmt: skip
                answer = http.post(f"{server.http}/v1/diagnostics/detection:score", content=body,
                                   headers={"content-type": "application/json"})  # fmt: skip
                answer.raise_for_status()
                t1 = time.perf_counter()
                bins = 60 + 2 * i + len(views)
                request = from_coco(gt_path, res_path, views=views, iou_histogram_bins=bins, page_size=1)
                client.call("ScoreDetection", request)
                t2 = time.perf_counter()
                for name, seconds in ((f"rest_json{suffix}", t1 - t0), (f"grpc_from_coco{suffix}", t2 - t1)):
                    best[name] = min(best.get(name, float("inf")), seconds)
    return best


def _generate(images: int, directory: str, seed: int) -> tuple[str, str, int, int]:
    sys.path.insert(0, str(ROOT / "service"))
    from tests.synth.detection import synth_detection, to_coco_dicts

    data = synth_detection(seed, num_images=images, num_categories=80, gt_per_image=7.0, dt_per_image=40.0)
    gt, res = to_coco_dicts(data)
    gt_path = os.path.join(directory, "gt.json")
    res_path = os.path.join(directory, "results.json")
    with open(gt_path, "w") as f:
        json.dump(gt, f)
    with open(res_path, "w") as f:
        json.dump(res, f)
    return gt_path, res_path, data.num_gt, data.num_dt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip", action="append", default=[], help="peer to leave out (repeatable)")
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end server phase")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--gt", help=argparse.SUPPRESS)
    parser.add_argument("--res", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(_run_peer(args.worker, args.gt, args.res)))
        return 0
    images = 60 if args.smoke else args.images
    with tempfile.TemporaryDirectory() as tmp:
        gt_path, res_path, n_gt, n_dt = _generate(images, tmp, args.seed)
        print(f"{images} images, {n_gt} GT, {n_dt} detections, 80 categories (long-tailed)")
        results: dict[str, dict[str, Any]] = {}
        for peer in PEERS:
            if peer in args.skip:
                continue
            proc = subprocess.run(
                [sys.executable, __file__, "--worker", peer, "--gt", gt_path, "--res", res_path],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                print(f"{peer}: failed\n{proc.stderr[-2000:]}")
                if peer == "ours":
                    return 1
                continue
            results[peer] = json.loads(proc.stdout.strip().splitlines()[-1])
    # The reference for "same numbers": pycocotools, or the first peer that ran when it was skipped.
    # (faster-coco-eval last: on the edge cases of --smoke its numbers differ from pycocotools').
    order = ["pycocotools", "hotcoco", "ultrafast-pycocotools", "faster-coco-eval"]
    ref_name = next((n for n in order if n in results), None)
    ref = results[ref_name]["stats"] if ref_name else None
    print(
        f"\n{'evaluator':<24}{'load s':>9}{'eval s':>9}{'eval cpu':>9}{'threads':>8}{'peak MiB':>10}"
        f"{'eval MiB':>10}  stats == {ref_name or '-'} (exact)"
    )
    for name, r in results.items():
        same = "ref" if name == ref_name else ("-" if ref is None else str(r["stats"] == ref))
        print(
            f"{name:<24}{r['load']:>9.3f}{r['eval']:>9.3f}{r['eval_cpu']:>9.3f}{r['threads']:>8.0f}"
            f"{r['peak_mib']:>10.1f}{r['eval_mib']:>10.1f}  {same}"
        )
    if "diagnostic" in results.get("ours", {}):
        print(
            f"ours, full diagnostic (COCO + TIDE + confusion + per-asset): {results['ours']['diagnostic']:.3f} s"
        )
    print("\n12 numbers:")
    labels = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
    print(f"{'':<24}" + "".join(f"{lbl:>8}" for lbl in labels))
    for name, r in results.items():
        print(f"{name:<24}" + "".join(f"{v:>8.4f}" for v in r["stats"]))
    ours = results.get("ours")
    if ours:
        print("\nratio (peer / ours; >1 means ours is faster or smaller):")
        for name, r in results.items():
            if name == "ours":
                continue
            mem = r["peak_mib"] / ours["peak_mib"] if ours["peak_mib"] > 0 else float("inf")
            eval_mem = r["eval_mib"] / ours["eval_mib"] if ours["eval_mib"] > 0 else float("inf")
            print(
                f"  {name:<22} eval x{r['eval'] / ours['eval']:.2f}  eval cpu x{r['eval_cpu'] / ours['eval_cpu']:.2f}"
                f"  load x{r['load'] / ours['load']:.2f}  peak mem x{mem:.2f}  eval mem x{eval_mem:.2f}"
            )
    _print_end_to_end(args, images, results)
    if ref is not None and ours and ours["stats"] != ref:
        print(f"MISMATCH: ours differs from {ref_name}")
        return 1
    return 0


def _print_end_to_end(args: argparse.Namespace, images: int, results: dict[str, dict[str, Any]]) -> None:
    """The end-to-end phase and its ratios to the in-process peers of the same run."""
    if not args.no_e2e:
        with tempfile.TemporaryDirectory() as tmp:
            gt_path, res_path, _, _ = _generate(images, tmp, args.seed)
            e2e = _end_to_end(gt_path, res_path, 1 if args.smoke else 3)
        print("\nend to end, a new request each time (server; full diagnostic unless a view is named; best):")
        for name, seconds in e2e.items():
            line = f"  {name:<28}{seconds:>8.3f} s"
            for peer in ("hotcoco", "ultrafast-pycocotools"):
                if peer in results:
                    total = results[peer]["load"] + results[peer]["eval"]
                    line += f"   x{seconds / total:.2f} of {peer} load+eval ({total:.3f} s)"
            print(line)


if __name__ == "__main__":
    raise SystemExit(main())
