"""Cancellation latency of the core: the longest time between two checkpoints on each heavy path.

Every family's heaviest core paths run at large sizes with a token installed whose ``check`` records
``time.perf_counter()`` per call. Per path we print the run time, the number of checkpoints, the longest
gap between two consecutive checkpoints (start and end of the run included: a cancel arriving anywhere
is seen within that time) and the overhead of running with a token (best of ``--repeats`` alternated
runs with and without a plain token). The longest gap bounds how long a worker keeps computing after its
caller left, its deadline passed or the process was asked to stop.

    python -m bench.checkpoint_gaps            # full sizes (minutes)
    python -m bench.checkpoint_gaps --smoke    # tiny sizes (CI)
    python -m bench.checkpoint_gaps --only detection
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from curation.core import CancelToken, cancellable

Run = Callable[[], Any]


class RecordingToken(CancelToken):
    """A never-cancelled token that records when each checkpoint ran."""

    def __init__(self, where: bool = False) -> None:
        super().__init__()
        self.times: list[float] = []
        self.where: list[str] | None = [] if where else None

    def check(self) -> None:
        self.times.append(time.perf_counter())
        if self.where is not None:
            self.where.append(_caller())
        super().check()


def _caller() -> str:
    """file:line of the first frame outside the cancellation machinery (for --where)."""
    frame = sys._getframe(2)
    while frame.f_back is not None and "_common" in frame.f_code.co_filename:
        frame = frame.f_back
    return f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno}"


@dataclass(frozen=True)
class Path:
    family: str
    name: str
    setup: Callable[[bool], Run]  # smoke -> the computation to time


def measure(run: Run, repeats: int, where: bool = False) -> tuple[float, int, float, float, str]:
    """(seconds, checkpoints, longest gap in seconds, overhead fraction, where the gap lies) of ``run``."""
    run()  # warm: compilation, caches, page faults
    token = RecordingToken(where)
    with cancellable(token):
        started = time.perf_counter()
        run()
        ended = time.perf_counter()
    stamps = np.array([started, *token.times, ended])
    gaps = np.diff(stamps)
    gap = float(gaps.max())
    places = ["start", *(token.where or []), "end"]
    i = int(np.argmax(gaps))
    at = f"{places[i]} -> {places[i + 1]}" if token.where is not None else ""
    bare, with_token = np.inf, np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        bare = min(bare, time.perf_counter() - t0)
        with cancellable(CancelToken()):
            t0 = time.perf_counter()
            run()
            with_token = min(with_token, time.perf_counter() - t0)
    return ended - started, len(token.times), gap, with_token / bare - 1.0, at


# ------------------------------------------------------------------------------------- detection
def _detection_data(smoke: bool) -> Any:
    from tests.synth.detection import synth_detection

    images = 200 if smoke else 20_000
    return synth_detection(0, num_images=images, num_categories=80, gt_per_image=7.0, dt_per_image=40.0)


def coco_evaluate(smoke: bool) -> Run:
    from curation.core.detection import coco

    data = _detection_data(smoke)
    return lambda: coco.evaluate_images(data)


def coco_accumulate(smoke: bool) -> Run:
    from curation.core.detection import coco

    state = coco.evaluate_images(_detection_data(smoke))
    return lambda: coco.accumulate(state)


def tide(smoke: bool) -> Run:
    from curation.core.detection.tide import tide_errors

    data = _detection_data(smoke)
    return lambda: tide_errors(data)


def diagnosis(smoke: bool) -> Run:
    from curation.core.detection import diagnose

    data = _detection_data(smoke)
    return lambda: diagnose(data)


PATHS: list[Path] = [
    Path("detection", "COCO evaluate_images (box IoU + matching)", coco_evaluate),
    Path("detection", "COCO accumulate", coco_accumulate),
    Path("detection", "TIDE errors", tide),
    Path("detection", "full diagnosis", diagnosis),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds (CI)")
    parser.add_argument("--only", action="append", default=[], help="run only this family (repeatable)")
    parser.add_argument("--where", action="store_true", help="name the checkpoints around the longest gap")
    parser.add_argument(
        "--repeats", type=int, default=0, help="runs each way for the overhead (default 3, smoke 1)"
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.smoke else 3)
    print(
        f"{'family':<15}{'path':<50}{'run s':>9}{'checks':>9}{'max gap ms':>12}{'overhead':>10}", flush=True
    )
    for path in PATHS:
        if args.only and path.family not in args.only:
            continue
        seconds, checks, gap, overhead, at = measure(path.setup(args.smoke), repeats, args.where)
        print(
            f"{path.family:<15}{path.name:<50}{seconds:9.3f}{checks:9d}{gap * 1e3:12.1f}{overhead:+10.1%}  {at}",
            flush=True,
        )


if __name__ == "__main__":
    main()
