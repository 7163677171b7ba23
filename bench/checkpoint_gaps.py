"""Cancellation latency of the core: the longest time between two checkpoints on each heavy path.

Every family's heaviest core paths run at large sizes with a token installed whose ``check`` records
``time.perf_counter()`` (and the thread's CPU time) per call. Per path we print the run time, the number
of checkpoints, the longest gap between two consecutive checkpoints (start and end of the run included:
a cancel arriving anywhere is seen within that time), the CPU time of this thread in that gap (the gap
without the time other processes took from us on a shared machine; BLAS and faiss threads are not
counted) and the overhead of running with a token (best of ``--repeats`` alternated runs with and
without a plain token). The longest gap bounds how long a worker keeps computing after its caller left,
its deadline passed or the process was asked to stop.

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
        self.cpu: list[float] = []
        self.where: list[str] | None = [] if where else None

    def check(self) -> None:
        self.times.append(time.perf_counter())
        self.cpu.append(time.thread_time())
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


@dataclass(frozen=True)
class Measured:
    seconds: float
    checks: int
    gap: float  # longest wall-clock gap between checkpoints
    gap_cpu: float  # this thread's CPU time during that gap
    overhead: float  # run time with a token / without - 1
    where: str  # the checkpoints around the longest gap (--where)


def measure(run: Run, repeats: int, where: bool = False) -> Measured:
    """Times, checkpoints, the longest gap and the token's overhead of ``run``."""
    run()  # warm: compilation, caches, page faults
    token = RecordingToken(where)
    with cancellable(token):
        cpu0, started = time.thread_time(), time.perf_counter()
        run()
        ended, cpu1 = time.perf_counter(), time.thread_time()
    gaps = np.diff(np.array([started, *token.times, ended]))
    cpu_gaps = np.diff(np.array([cpu0, *token.cpu, cpu1]))
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
    return Measured(
        ended - started, len(token.times), float(gaps[i]), float(cpu_gaps[i]), with_token / bare - 1.0, at
    )


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


# -------------------------------------------------------------------------------- classification
def _classification(smoke: bool, k: int) -> tuple[Any, Any]:
    n = 2_000 if smoke else 1_000_000
    rng = np.random.default_rng(1)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)).astype(np.float32)
    logits[np.arange(n), y] += 1.5
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    return y, probs


def classification_summary(smoke: bool) -> Run:
    from curation.core import classification as cl

    k = 10 if smoke else 100
    y, probs = _classification(smoke, k)
    return lambda: cl.single_label_summary(
        y, n_classes=k, scores=probs, probabilities=True, top_k=(1, 5), calibration_bins=15
    )


def classification_slices(smoke: bool) -> Run:
    from curation.core import classification as cl

    y, probs = _classification(smoke, 10)
    values = np.random.default_rng(2).integers(0, 50, y.shape[0]).astype(np.str_)
    return lambda: cl.single_label_slices(
        values, y, probs.argmax(1), n_classes=10, scores=probs, probabilities=True, top_k=(1, 3)
    )


def classification_multi(smoke: bool) -> Run:
    from curation.core import classification as cl

    _, probs = _classification(smoke, 20)
    truth = np.random.default_rng(3).random(probs.shape) < probs * 3
    return lambda: cl.multi_label_summary(truth, scores=probs, probabilities=True)


# -------------------------------------------------------------------------------------- labeling
def labeling_apply(smoke: bool) -> Run:
    from curation.core import labeling as lfs

    n = 2_000 if smoke else 1_000_000
    rng = np.random.default_rng(0)
    words = np.array(["refund", "broken", "great", "late", "bike", "night", "cat", "ok", "the", "a"])
    texts = [" ".join(row) for row in words[rng.integers(0, len(words), size=(n, 6))].tolist()]
    kw = lfs.Keyword
    functions = [
        lfs.LabelingFunction("refund", 0, kw("text", ("refund",))),
        lfs.LabelingFunction("broken", 0, kw("text", ("broken",), whole_word=True)),
        lfs.LabelingFunction("great", 1, kw("text", ("great",), case_insensitive=True)),
        lfs.LabelingFunction("late", 0, kw("text", (r"lat\w",), regex=True)),
        lfs.LabelingFunction("bike", 2, kw("text", ("bike", "bicycle"))),
        lfs.LabelingFunction("cat", 2, kw("text", ("cat",), whole_word=True)),
        lfs.LabelingFunction("night", 2, lfs.Equals("time_of_day", "night")),
        lfs.LabelingFunction("fast", 0, lfs.Range("speed", 80.0, None)),
        lfs.LabelingFunction("pred-0", 0, lfs.PredictedClass(0)),
        lfs.LabelingFunction("score-2", 2, lfs.ScoreAtLeast(2, 0.6)),
    ]
    inputs = lfs.Inputs(
        n=n,
        texts={"text": texts},
        metadata={
            "time_of_day": rng.choice(np.array(["day", "night", "dusk", ""]), size=n),
            "speed": rng.uniform(0, 100, size=n).astype(np.str_),
        },
        scores=rng.dirichlet(np.ones(3), size=n).astype(np.float32),
    )
    compiled = lfs.compile_functions(functions, inputs, n_classes=3)
    return lambda: lfs.apply(compiled, inputs)


def labeling_regex(smoke: bool) -> Run:
    """Counted repetitions, the expensive kind of RE2 set (the issue's ``[a-j]{1,40}xxxxx``), compiled
    per run as the service does per request: the set's compilation is one uninterruptible call, and
    its lazily built DFA makes the first texts cost tens of ms per KB, so the spans shrink to a text
    or two."""
    from curation.core import labeling as lfs

    n, patterns = (20, 100) if smoke else (200, 1_000)
    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefghijx"))
    texts = ["".join(row) for row in letters[rng.integers(0, len(letters), size=(n, 1000))].tolist()]
    rule = lfs.Keyword("text", tuple(f"[a-j]{{1,40}}xxxxx{i}" for i in range(patterns)), regex=True)
    inputs = lfs.Inputs(n=n, texts={"text": texts})
    functions = [lfs.LabelingFunction("rep", 0, rule)]
    return lambda: lfs.apply(lfs.compile_functions(functions, inputs, n_classes=2), inputs)


def _votes(smoke: bool) -> Any:
    from tests.synth.label_model import synthetic_votes

    return synthetic_votes(5_000 if smoke else 1_000_000, 20, 5, seed=5).L


def label_model(kind: str) -> Callable[[bool], Run]:
    def setup(smoke: bool) -> Run:
        from curation.core import labeling as lfs

        L = _votes(smoke)
        stats = lfs.vote_statistics(L, n_classes=5, reduce=False)
        return lambda: lfs.fit(stats, model=kind)  # type: ignore[arg-type]

    return setup


def label_predict(smoke: bool) -> Run:
    from curation.core import labeling as lfs

    L = _votes(smoke)
    model = lfs.fit_matrix(L, n_classes=5, model="weighted_majority")
    return lambda: lfs.predict_proba(model, L)


def label_summary(smoke: bool) -> Run:
    from curation.core import labeling as lfs

    L = _votes(smoke)
    return lambda: lfs.lf_summary(L)


# -------------------------------------------------------------------------------------- sampling
def _vectors(n: int, d: int) -> Any:
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(max(2, n // 500), d)).astype(np.float32)
    return centers[rng.integers(0, len(centers), n)] + 0.8 * rng.normal(size=(n, d)).astype(np.float32)


def kcenter(smoke: bool) -> Run:
    from curation.core.sampling import kcenter_greedy

    x = _vectors(5_000 if smoke else 1_000_000, 32 if smoke else 128)
    return lambda: kcenter_greedy(x, 50 if smoke else 300)


def near_duplicates_exact(smoke: bool) -> Run:
    from curation.core.sampling import ANN_MIN_ROWS, near_duplicates

    x = _vectors(2_000 if smoke else ANN_MIN_ROWS - 1, 32 if smoke else 128)
    return lambda: near_duplicates(x, threshold=0.01)


def near_duplicates_ann(smoke: bool) -> Run:
    from curation.core.sampling import cosine_knn, near_duplicates

    x = _vectors(25_000 if smoke else 1_000_000, 32 if smoke else 128)
    return lambda: near_duplicates(x, threshold=0.01, knn=cosine_knn)


def uncertainty_scores(smoke: bool) -> Run:
    from curation.core.sampling import entropy, margin

    _, probs = _classification(smoke, 10 if smoke else 100)
    p64 = probs.astype(np.float64)
    return lambda: (entropy(p64), margin(p64))


PATHS: list[Path] = [
    Path("detection", "COCO evaluate_images (box IoU + matching)", coco_evaluate),
    Path("detection", "COCO accumulate", coco_accumulate),
    Path("detection", "TIDE errors", tide),
    Path("detection", "full diagnosis", diagnosis),
    Path("classification", "single-label summary 100 classes", classification_summary),
    Path("classification", "50 slices, full summaries", classification_slices),
    Path("classification", "multi-label summary 20 labels", classification_multi),
    Path("labeling", "apply 10 LFs (keywords, regex, metadata)", labeling_apply),
    Path("labeling", "apply a counted-repetition regex set", labeling_regex),
    Path("labeling", "fit dawid_skene", label_model("dawid_skene")),
    Path("labeling", "fit matrix_completion", label_model("matrix_completion")),
    Path("labeling", "predict_proba", label_predict),
    Path("labeling", "lf_summary", label_summary),
    Path("sampling", "k-center greedy", kcenter),
    Path("sampling", "near-duplicates, exact kNN", near_duplicates_exact),
    Path("sampling", "near-duplicates, faiss IVF", near_duplicates_ann),
    Path("sampling", "entropy + margin scores", uncertainty_scores),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds (CI)")
    parser.add_argument("--only", action="append", default=[], help="run only this family (repeatable)")
    parser.add_argument("--path", default="", help="run only paths whose name contains this")
    parser.add_argument("--where", action="store_true", help="name the checkpoints around the longest gap")
    parser.add_argument(
        "--repeats", type=int, default=0, help="runs each way for the overhead (default 3, smoke 1)"
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.smoke else 3)
    print(
        f"{'family':<15}{'path':<45}{'run s':>8}{'checks':>8}{'max gap ms':>11}{'its cpu ms':>11}{'overhead':>9}",
        flush=True,
    )
    for path in PATHS:
        if (args.only and path.family not in args.only) or args.path not in path.name:
            continue
        m = measure(path.setup(args.smoke), repeats, args.where)
        print(
            f"{path.family:<15}{path.name:<45}{m.seconds:8.2f}{m.checks:8d}{m.gap * 1e3:11.1f}"
            f"{m.gap_cpu * 1e3:11.1f}{m.overhead:+9.1%}  {m.where}",
            flush=True,
        )


if __name__ == "__main__":
    main()
