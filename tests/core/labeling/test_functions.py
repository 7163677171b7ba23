"""Declarative labeling functions: rule semantics against per-row references, errors, linear-time RE2."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.core import labeling as lfs
from curation.core.labeling import evaluate

TEXTS = [
    "Refund please",
    "my bike is broken",
    "BROKEN bikes",
    "a cat",
    "concatenate",
    "",
    "late night refund",
]
N = len(TEXTS)
META = {
    "time": np.array(["night", "day", "", "dusk", "night", "day", "night"]),
    "speed": np.array(["10", "95.5", "", "50", "-3", "80", "1e2"]),
}
SCORES = np.array(
    [
        [0.7, 0.2, 0.1],
        [0.1, 0.45, 0.45],
        [0.3, 0.3, 0.4],
        [0.0, 1.0, 0.0],
        [0.5, 0.25, 0.25],
        [0.2, 0.2, 0.6],
        [0.34, 0.33, 0.33],
    ],
    dtype=np.float32,
)
EMB = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [-1, 0], [2, 0.1], [0.5, -0.5]], dtype=np.float32)


def _inputs() -> lfs.Inputs:
    return lfs.Inputs(n=N, texts={"text": TEXTS}, metadata=META, scores=SCORES, embeddings=EMB)


def _apply(*rules: lfs.Rule, label: int = 1) -> list[list[int]]:
    functions = [lfs.LabelingFunction(f"lf{i}", label, r) for i, r in enumerate(rules)]
    compiled = lfs.compile_functions(functions, _inputs(), n_classes=3)
    votes: list[list[int]] = lfs.apply(compiled, _inputs()).T.tolist()
    return votes


def _expect(mask: list[bool], label: int = 1) -> list[int]:
    return [label if m else -1 for m in mask]


def test_keywords_case_and_word_boundaries() -> None:
    got = _apply(
        lfs.Keyword("text", ("broken",)),
        lfs.Keyword("text", ("broken",), case_insensitive=True),
        lfs.Keyword("text", ("cat",)),
        lfs.Keyword("text", ("cat",), whole_word=True),
        lfs.Keyword("text", ("bike", "refund"), case_insensitive=True, whole_word=True),
        lfs.Keyword("text", (r"re\w+d",), regex=True),
        lfs.Keyword("text", ("a.c",)),  # literal: the dot is not a wildcard
    )
    lower = [t.lower() for t in TEXTS]
    assert got[0] == _expect(["broken" in t for t in TEXTS])
    assert got[1] == _expect(["broken" in t for t in lower])
    assert got[2] == _expect(["cat" in t for t in TEXTS])
    assert got[3] == _expect([t in ("a cat",) for t in TEXTS])
    assert got[4] == _expect([any(w in ("bike", "refund") for w in t.split()) for t in lower])
    assert got[5] == _expect([re2.search(r"re\w+d", t) is not None for t in TEXTS])
    assert got[6] == _expect([False] * N)


def test_metadata_predicates_and_composition() -> None:
    speed = [float(s) if s else None for s in META["speed"]]
    time = META["time"].tolist()
    got = _apply(
        lfs.Equals("time", "night"),
        lfs.InSet("time", ("night", "dusk")),
        lfs.Exists("time"),
        lfs.Range("speed", 50.0, None),
        lfs.Range("speed", None, 10.0),
        lfs.Range("speed", 10.0, 95.5),
        lfs.All((lfs.Equals("time", "night"), lfs.Range("speed", 0.0, None))),
        lfs.AnyOf((lfs.Equals("time", "dusk"), lfs.Keyword("text", ("refund",), case_insensitive=True))),
        lfs.Not(lfs.Exists("time")),
    )
    assert got[0] == _expect([t == "night" for t in time])
    assert got[1] == _expect([t in ("night", "dusk") for t in time])
    assert got[2] == _expect([t != "" for t in time])
    assert got[3] == _expect([s is not None and s >= 50 for s in speed])
    assert got[4] == _expect([s is not None and s <= 10 for s in speed])
    assert got[5] == _expect([s is not None and 10 <= s <= 95.5 for s in speed])
    assert got[6] == _expect(
        [t == "night" and s is not None and s >= 0 for t, s in zip(time, speed, strict=True)]
    )
    assert got[7] == _expect([t == "dusk" or "refund" in x.lower() for t, x in zip(time, TEXTS, strict=True)])
    assert got[8] == _expect([t == "" for t in time])


def test_model_output_and_similarity_rules() -> None:
    got = _apply(
        lfs.PredictedClass(0),
        lfs.ScoreAtLeast(2, 0.45),
        lfs.ScoreWithinMargin(2, 0.05),
        lfs.Similarity(np.array([[1, 0], [0, -1]], dtype=np.float32), 0.9),
    )
    s = SCORES
    assert got[0] == _expect([int(np.argmax(r)) == 0 for r in s])
    assert got[1] == _expect([r[2] >= 0.45 for r in s])
    assert got[2] == _expect([r.max() - r[2] <= 0.05 for r in s])
    unit = [e / np.linalg.norm(e) if np.linalg.norm(e) else None for e in EMB]
    ex = [np.array([1, 0]), np.array([0, -1])]
    assert got[3] == _expect([u is not None and max(float(u @ x) for x in ex) >= 0.9 for u in unit])


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.text(alphabet="abcAB .-", max_size=12), min_size=1, max_size=20),
    st.lists(st.text(alphabet="abAB.", min_size=1, max_size=3), min_size=1, max_size=4),
    st.booleans(),
)
def test_literal_keywords_match_substring_reference(texts: list[str], words: list[str], ci: bool) -> None:
    inputs = lfs.Inputs(n=len(texts), texts={"t": texts})
    functions = [
        lfs.LabelingFunction(f"w{i}", 0, lfs.Keyword("t", (w,), case_insensitive=ci))
        for i, w in enumerate(words)
    ]
    L = lfs.apply(lfs.compile_functions(functions, inputs, n_classes=1), inputs)
    for j, w in enumerate(words):
        ref = [(w.lower() in t.lower()) if ci else (w in t) for t in texts]
        assert (L[:, j] == 0).tolist() == ref


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        (lfs.Keyword("text", ("(unclosed",), regex=True), "rule.keyword.patterns[0]"),
        (lfs.Keyword("text", ("ok", r"(a)\1"), regex=True), "rule.keyword.patterns[1]"),
        (lfs.Keyword("text", ("x" * (lfs.MAX_PATTERN_CHARS + 1),)), "rule.keyword.patterns[0]"),
        (lfs.Keyword("text", (r"(\pL{50}){20}",), regex=True), "rule.keyword.patterns[0]"),
        (lfs.Keyword("nope", ("a",)), "rule.keyword.field"),
        (lfs.Keyword("text", ()), "rule.keyword.patterns"),
        (lfs.Equals("nope", "a"), "rule.equals.key"),
        (lfs.InSet("nope", ("a",)), "rule.in_set.key"),
        (lfs.Range("speed"), "rule.range"),
        (lfs.Range("time", 1.0), "rule.range.key"),
        (lfs.All(()), "rule.all"),
        (lfs.Not(lfs.AnyOf((lfs.Exists("x"),))), "rule.negation.any.rules[0].exists.key"),
        (lfs.ScoreAtLeast(7, 0.5), "rule.score_at_least.label"),
        (lfs.Similarity(np.ones((1, 3), dtype=np.float32), 0.5), "rule.similarity.exemplars"),
    ],
)
def test_bad_functions_name_the_lf_and_path(rule: lfs.Rule, path: str) -> None:
    functions = [lfs.LabelingFunction("fine", 0, lfs.Exists("time")), lfs.LabelingFunction("bad", 0, rule)]
    with pytest.raises(lfs.LabelingFunctionError) as info:
        lfs.compile_functions(functions, _inputs(), n_classes=3)
    assert info.value.lf == 1
    assert info.value.path == path


def test_bad_function_lists() -> None:
    with pytest.raises(lfs.LabelingFunctionError, match="at least one"):
        lfs.compile_functions([], _inputs(), n_classes=2)
    dup = [lfs.LabelingFunction("a", 0, lfs.Exists("time"))] * 2
    with pytest.raises(lfs.LabelingFunctionError, match="duplicate") as info:
        lfs.compile_functions(dup, _inputs(), n_classes=2)
    assert (info.value.lf, info.value.path) == (1, "name")
    with pytest.raises(lfs.LabelingFunctionError, match="outside") as info:
        lfs.compile_functions([lfs.LabelingFunction("a", 2, lfs.Exists("time"))], _inputs(), n_classes=2)
    assert info.value.path == "label"


async def test_hostile_pattern_runs_in_linear_time() -> None:
    """``(a+)+$`` backtracks exponentially in backtracking engines on "aaa...b"; RE2 scans it once."""
    text = "a" * 200_000 + "b"
    inputs = lfs.Inputs(n=3, texts={"t": [text, text + "a", "b"]})
    functions = [lfs.LabelingFunction("evil", 0, lfs.Keyword("t", ("(a+)+$", "(x+x+)+y"), regex=True))]

    def run() -> list[int]:
        votes = lfs.apply(lfs.compile_functions(functions, inputs, n_classes=1), inputs)
        first: list[int] = votes[:, 0].tolist()
        return first

    result = await asyncio.wait_for(asyncio.to_thread(run), timeout=60)
    assert result == [-1, 0, -1]


def test_many_literals_go_through_the_re2_set_with_the_same_answer() -> None:
    """Above MAX_NUMPY_LITERALS plain keywords per field the RE2 set matches them; same answer."""
    rng = np.random.default_rng(1)
    texts = ["".join(rng.choice(list("abcAB "), size=30)) for _ in range(300)]
    words = sorted({"".join(rng.choice(list("abAB"), size=3)) for _ in range(40)})
    assert len(words) > lfs.MAX_NUMPY_LITERALS
    inputs = lfs.Inputs(n=len(texts), texts={"t": texts})

    def run(chosen: list[str]) -> np.ndarray:
        functions = [
            lfs.LabelingFunction(f"w{i}", 0, lfs.Keyword("t", (w,), case_insensitive=i % 2 == 1))
            for i, w in enumerate(chosen)
        ]
        compiled = lfs.compile_functions(functions, inputs, n_classes=1)
        assert bool(compiled.sets["t"].literals) == (len(chosen) <= lfs.MAX_NUMPY_LITERALS)
        return lfs.apply(compiled, inputs)

    everything = run(words)
    few = run(words[: lfs.MAX_NUMPY_LITERALS])
    np.testing.assert_array_equal(everything[:, : lfs.MAX_NUMPY_LITERALS], few)
    for i, w in enumerate(words):
        ref = [(w.lower() in t.lower()) if i % 2 else (w in t) for t in texts]
        assert (everything[:, i] == 0).tolist() == ref


def test_set_matches_in_blocks_give_the_same_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    """The RE2 set matches texts in blocks of at most _MATCH_BLOCK texts x patterns; a block size that
    splits the texts unevenly gives the same label matrix as one block."""
    rng = np.random.default_rng(2)
    texts = ["".join(rng.choice(list("abc "), size=20)) for _ in range(101)]
    inputs = lfs.Inputs(n=len(texts), texts={"t": texts})
    functions = [
        lfs.LabelingFunction(f"r{i}", i % 2, lfs.Keyword("t", (p,), regex=True))
        for i, p in enumerate(["a+b", "c{2}", r"\bab", "ba?c", "b c"])
    ]
    compiled = lfs.compile_functions(functions, inputs, n_classes=2)
    whole = lfs.apply(compiled, inputs)
    monkeypatch.setattr(evaluate, "_MATCH_BLOCK", 7 * len(functions))
    blocked = lfs.apply(compiled, inputs)
    np.testing.assert_array_equal(blocked, whole)
    assert (whole >= 0).any() and (whole < 0).any()
