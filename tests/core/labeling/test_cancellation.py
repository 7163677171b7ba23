"""Cancellation of labeling work: applying LFs and fitting label models stop at a checkpoint once
cancelled, and matching texts / scoring rows in tiny spans (a token installed) changes no result."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from curation.core import labeling as lfs
from curation.core.labeling import _kernels, analysis, evaluate
from tests.core.checkpoints import (
    assert_same,
    assert_stops_at_deadline,
    assert_stops_when_cancelled,
    count_checkpoints,
)
from tests.synth.label_model import synthetic_votes

WORDS = np.array(["refund", "Broken", "great", "late", "bike", "night", "cat", "ok", "the", "a", "lateral"])


def _inputs(seed: int, n: int = 2000) -> tuple[lfs.Inputs, list[lfs.LabelingFunction]]:
    rng = np.random.default_rng(seed)
    texts = [" ".join(row) for row in WORDS[rng.integers(0, len(WORDS), size=(n, 5))].tolist()]
    emb = rng.normal(size=(n, 8)).astype(np.float32)
    kw = lfs.Keyword
    functions = [
        lfs.LabelingFunction("refund", 0, kw("text", ("refund",))),
        lfs.LabelingFunction("broken", 0, kw("text", ("broken",), case_insensitive=True, whole_word=True)),
        lfs.LabelingFunction("late", 1, kw("text", (r"lat\w+", r"b[i]ke"), regex=True)),
        lfs.LabelingFunction("cat", 2, kw("text", ("cat",), whole_word=True)),
        lfs.LabelingFunction("night", 2, lfs.Equals("time", "night")),
        lfs.LabelingFunction("fast", 0, lfs.Range("speed", 60.0, None)),
        lfs.LabelingFunction("pred", 1, lfs.PredictedClass(1)),
        lfs.LabelingFunction("near", 2, lfs.Similarity(emb[:3], 0.8)),
    ]
    inputs = lfs.Inputs(
        n=n,
        texts={"text": texts},
        metadata={
            "time": rng.choice(np.array(["day", "night", ""]), n),
            "speed": rng.uniform(0, 100, n).astype(np.str_),
        },
        scores=rng.dirichlet(np.ones(3), n),
        embeddings=emb,
    )
    return inputs, functions


def _apply(inputs: lfs.Inputs, functions: list[lfs.LabelingFunction]) -> Any:
    return lfs.apply(lfs.compile_functions(functions, inputs, n_classes=3), inputs)


def _models(L: Any) -> list[Any]:
    out = []
    for kind in lfs.MODELS:
        model = lfs.fit_matrix(L, n_classes=4, model=kind, seed=1)
        out.append((model, lfs.predict_proba(model, L)))
    return out


def test_applying_lfs_stops_when_cancelled_from_another_thread() -> None:
    inputs, functions = _inputs(0)
    assert_stops_when_cancelled(lambda: _apply(inputs, functions))


@pytest.mark.parametrize("kind", ["dawid_skene", "matrix_completion"])
def test_fitting_a_label_model_stops_when_cancelled_and_at_a_passed_deadline(kind: str) -> None:
    L = synthetic_votes(3000, 8, 4, seed=1).L
    assert_stops_when_cancelled(lambda: lfs.fit_matrix(L, n_classes=4, model=kind))
    assert_stops_at_deadline(lambda: lfs.fit_matrix(L, n_classes=4, model=kind))


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_lfs_and_models_in_tiny_spans_under_a_token_are_identical(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    inputs, functions = _inputs(seed)
    L = synthetic_votes(1500, 7, 4, seed=seed).L

    def run() -> Any:
        return _apply(inputs, functions), _models(L), lfs.lf_summary(L)

    reference = run()
    _, default_checks = count_checkpoints(run)
    monkeypatch.setattr(evaluate, "_FIRST_TEXTS", 1)
    monkeypatch.setattr(evaluate, "_SPAN_SECONDS", 0.0)  # every span shrinks back to one text
    monkeypatch.setattr(evaluate, "_SIM_CHUNK", 37)
    monkeypatch.setattr(_kernels, "ROWS_PER_SPAN", 5)
    monkeypatch.setattr(analysis, "_CELLS_PER_SPAN", 9)
    chunked, checks = count_checkpoints(run)
    assert checks > default_checks > 1
    assert_same(chunked, reference)
