"""The decoded-results tier holds no more real memory than its budget.

Filled with real payloads (evaluations computed by the ops layer, decoded from their cache bytes as the
seam does), the process's resident memory grows by at most the budget plus a stated slack. Measured by
RSS in a fresh subprocess after ``malloc_trim``: the payloads live in upb arenas, which tracemalloc
does not see.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from curation.internal.v1 import classification_pb2 as ipb
from curation.ops.recent import RecentPayloads
from curation.v1 import classification_pb2 as pb

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 48 << 20
# Allocator slack: arenas' rounding, malloc's per-chunk overhead, pages trim cannot release.
SLACK = 16 << 20

_FILL = textwrap.dedent(
    """
    import ctypes, gc, json, sys
    from pathlib import Path
    import numpy as np
    from curation.ops import classification, detection
    from curation.ops.recent import RecentPayloads
    from curation.v1 import classification_pb2 as pb
    from tests.ops.test_detection import _request
    from tests.synth.detection import synth_detection

    def classification_payload(n, k, multi):
        rng = np.random.default_rng(n)
        scores = rng.random((n, k)).astype(np.float32)
        req = pb.ScoreClassificationRequest(
            class_names=[f"c{i}" for i in range(k)],
            asset_ids=[f"asset-{i}" for i in range(n)],
            scores=scores.ravel().tolist(),
            slice_by=["site"],
        )
        if multi:
            req.task = pb.CLASSIFICATION_TASK_MULTI_LABEL
            req.y_true_indicator.extend((rng.random((n, k)) < 0.3).ravel().tolist())
        else:
            req.task = pb.CLASSIFICATION_TASK_SINGLE_LABEL
            req.score_type = pb.SCORE_TYPE_PROBABILITY
            scores /= scores.sum(1, keepdims=True)
            del req.scores[:]
            req.scores.extend(scores.ravel().tolist())
            req.y_true.extend(rng.integers(0, k, n).tolist())
        req.metadata.add(key="site", values=np.array(["a", "b", "c"])[rng.integers(0, 3, n)].tolist())
        return classification.evaluate(req)

    payloads = [
        classification_payload(20_000, 10, False),
        classification_payload(8_000, 10, True),
        detection.evaluate(_request(synth_detection(3, num_images=300, num_categories=20))),
    ]
    blobs = [(type(p), p.SerializeToString()) for p in payloads]
    del payloads
    libc = ctypes.CDLL("libc.so.6")

    def rss():
        gc.collect()
        libc.malloc_trim(0)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024

    before = rss()
    tier = RecentPayloads(int(sys.argv[1]))
    for i in range(int(sys.argv[2])):
        kind, raw = blobs[i % len(blobs)]
        tier.put(f"key-{i}", kind.FromString(raw), len(raw))
    print(json.dumps({"grown": rss() - before, "held": tier.memory, "entries": len(tier._entries)}))
    """
)


def test_filled_with_real_payloads_the_tier_stays_within_its_budget() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _FILL, str(BUDGET), "400"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["held"] <= BUDGET
    assert out["grown"] <= BUDGET + SLACK, out
    # The charge is a measurement, not a blanket margin: the tier really fills with what it counts.
    assert out["grown"] >= BUDGET // 3, out
    assert out["entries"] >= 10, out


def test_entries_are_charged_their_decoded_size_and_evicted_least_recent_first() -> None:
    payload = ipb.ClassificationEvaluation()
    payload.misclassified.add(asset_id="a")
    tier = RecentPayloads(8 * 1000)
    for i in range(5):
        tier.put(f"k{i}", payload, 250)  # charged 7.5 x 250 = 1875 bytes each: four fit
    assert tier.get("k0", ipb.ClassificationEvaluation) is None
    assert all(tier.get(f"k{i}", ipb.ClassificationEvaluation) is payload for i in range(1, 5))
    assert tier.memory == 4 * 1875
    tier.put("big", payload, 300)  # 2250 > a quarter of the budget: not kept, nothing evicted
    assert tier.get("big", ipb.ClassificationEvaluation) is None and tier.memory == 4 * 1875
    assert tier.get("k1", pb.ScoreClassificationResponse) is None  # wrong type: a miss
    assert np.isclose(tier.memory / 4 / 250, 7.5)
