"""Applying compiled labeling functions: every rule to a boolean row mask, the LFs to a label matrix.

Keyword rules are matched once per text field for all LFs (numpy substring search for a few plain
literals, one pass of the field's RE2 set for the rest); metadata, model-output and similarity rules are
numpy expressions over the inputs' columns, and ``All`` / ``AnyOf`` / ``Not`` combine masks.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, F32Array, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans, timed_spans
from curation.core.labeling.compile import Compiled, numeric_column
from curation.core.labeling.rules import (
    All,
    AnyOf,
    Equals,
    Exists,
    Inputs,
    InSet,
    Keyword,
    Not,
    PredictedClass,
    Range,
    Rule,
    ScoreAtLeast,
    ScoreWithinMargin,
    Similarity,
)

__all__ = ["apply"]

# Rows per block of the similarity matrix product.
_SIM_CHUNK = 1 << 15
# Keyword matching: texts in the first span, and the time a span is sized for.
_FIRST_TEXTS = 8
_SPAN_SECONDS = 0.02
# Texts x patterns per span at most: every pattern may match every text, and the hit lists of a span
# are all held at once.
_MATCH_BLOCK = 1 << 22


def _keyword_masks(compiled: Compiled, inputs: Inputs) -> BoolArray:
    """masks[node, row]: numpy substring search for a few plain literals, then one pass of each
    field's RE2 set over its texts. Texts go in spans sized by measured time (a regular expression's
    cost per byte depends on the patterns), with a cancellation checkpoint between spans; a single
    text is matched in one call."""
    n = inputs.n
    masks = np.zeros((compiled.n_keyword_nodes, n), dtype=np.bool_)
    for fs in compiled.sets.values():
        field_texts = inputs.texts[fs.name]
        fold = any(lit[2] for lit in fs.literals)
        owners = np.asarray(fs.owners, dtype=np.int64)
        most = max(1, _MATCH_BLOCK // max(1, len(fs.owners)))
        for lo, hi in timed_spans(n, first=min(_FIRST_TEXTS, most), target=_SPAN_SECONDS, most=most):
            texts = field_texts[lo:hi]
            if fs.literals:
                _literal_masks(fs.literals, np.asarray(texts, dtype=np.str_), fold, masks[:, lo:hi])
            if fs.compiled is not None:
                _set_masks(list(map(fs.compiled.Match, texts)), owners, masks[:, lo:hi])
    return masks


def _literal_masks(
    literals: list[tuple[int, str, bool, str]], texts: npt.NDArray[np.str_], fold: bool, out: BoolArray
) -> None:
    """Sets ``out[owner, row]`` where a plain literal occurs in text ``row`` (case-folded if asked)."""
    lowered = np.strings.lower(texts) if fold else texts
    for owner, raw, ci, _ in literals:
        needle = raw.lower() if ci else raw
        out[owner] |= np.strings.find(lowered if ci else texts, needle) >= 0


def _set_masks(hits: list[list[int] | None], owners: IntArray, out: BoolArray) -> None:
    """Sets ``out[owner, row]`` for each pattern of the RE2 set that matched text ``row``."""
    lengths = np.fromiter((len(h) if h else 0 for h in hits), dtype=np.int64, count=len(hits))
    if not lengths.any():
        return
    flat = np.fromiter(
        itertools.chain.from_iterable(h for h in hits if h), dtype=np.int64, count=int(lengths.sum())
    )
    rows = np.repeat(np.arange(len(hits)), lengths)
    out[owners[flat], rows] = True


@dataclass(slots=True)
class _Evaluator:
    """Evaluates rules to row masks, keeping what several rules share (parsed ranges, argmax, unit rows)."""

    compiled: Compiled
    inputs: Inputs
    keyword: BoolArray
    numeric: dict[str, FloatArray] = field(default_factory=dict)
    top: npt.NDArray[np.floating] | None = None
    argmax: npt.NDArray[np.intp] | None = None
    unit: F32Array | None = None

    def mask(self, rule: Rule) -> BoolArray:
        """The rows ``rule`` matches."""
        if isinstance(rule, Keyword):
            return np.asarray(self.keyword[self.compiled.keyword_ids[id(rule)]], dtype=np.bool_)
        if isinstance(rule, Equals | InSet | Exists | Range):
            return self._metadata(rule)
        if isinstance(rule, All | AnyOf | Not):
            return self._combined(rule)
        if isinstance(rule, PredictedClass | ScoreWithinMargin | ScoreAtLeast):
            return self._model_output(rule)
        if isinstance(rule, Similarity):
            return self._similar(rule)
        raise TypeError(f"unknown rule {type(rule).__name__}")

    def _metadata(self, rule: Equals | InSet | Exists | Range) -> BoolArray:
        """Predicates on a metadata column; a range never matches a missing or empty value."""
        col = self.inputs.metadata[rule.key]
        if isinstance(rule, Equals):
            return np.asarray(col == rule.value)
        if isinstance(rule, InSet):
            return np.isin(col, np.asarray(rule.values, dtype=np.str_))
        if isinstance(rule, Exists):
            return np.asarray(col != "")
        x = self.numeric.get(rule.key)
        if x is None:
            x = self.numeric[rule.key] = numeric_column(col, rule.key, -1, "")
        out = ~np.isnan(x)
        if rule.min is not None:
            out &= x >= rule.min
        if rule.max is not None:
            out &= x <= rule.max
        return out

    def _combined(self, rule: All | AnyOf | Not) -> BoolArray:
        """All / any of the sub-rules, or the negation of one."""
        if isinstance(rule, Not):
            return ~self.mask(rule.rule)
        out = self.mask(rule.rules[0]).copy()
        for sub in rule.rules[1:]:
            if isinstance(rule, All):
                out &= self.mask(sub)
            else:
                out |= self.mask(sub)
        return out

    def _model_output(self, rule: PredictedClass | ScoreWithinMargin | ScoreAtLeast) -> BoolArray:
        """Rules on the score matrix; the argmax and top score are computed once and kept."""
        inp = self.inputs
        assert inp.scores is not None
        if isinstance(rule, ScoreAtLeast):
            return np.asarray(inp.scores[:, rule.label] >= rule.threshold)
        if self.argmax is None:
            self.argmax = np.argmax(inp.scores, axis=1)
            self.top = inp.scores[np.arange(inp.n), self.argmax]
        if isinstance(rule, PredictedClass):
            return np.asarray(self.argmax == rule.label)
        assert self.top is not None
        return np.asarray(self.top - inp.scores[:, rule.label] <= rule.margin)

    def _similar(self, rule: Similarity) -> BoolArray:
        """max cosine similarity to the exemplars >= threshold (zero vectors never match)."""
        assert self.inputs.embeddings is not None
        if self.unit is None:
            emb = np.asarray(self.inputs.embeddings, dtype=np.float32)
            norms = np.linalg.norm(emb, axis=1, keepdims=True)
            self.unit = np.where(norms > 0, emb / np.maximum(norms, 1e-30), 0.0).astype(np.float32)
        ex = np.asarray(rule.exemplars, dtype=np.float32)
        en = np.linalg.norm(ex, axis=1, keepdims=True)
        ex = ex[en[:, 0] > 0] / en[en[:, 0] > 0]
        out = np.zeros(self.inputs.n, dtype=np.bool_)
        if ex.shape[0] == 0:
            return out
        nonzero = np.any(self.unit != 0, axis=1)
        for start, _ in spans(self.inputs.n, _SIM_CHUNK):
            sims = self.unit[start : start + _SIM_CHUNK] @ ex.T
            out[start : start + _SIM_CHUNK] = sims.max(axis=1) >= rule.threshold
        return np.asarray(out & nonzero, dtype=np.bool_)


def apply(compiled: Compiled, inputs: Inputs) -> npt.NDArray[np.int16]:
    """The n x m label matrix (-1 = abstain) of the compiled LFs on ``inputs``."""
    ev = _Evaluator(compiled, inputs, _keyword_masks(compiled, inputs), dict(compiled.numeric))
    m = len(compiled.functions)
    L = np.full((inputs.n, m), -1, dtype=np.int16)
    for j, lf in enumerate(compiled.functions):
        checkpoint()
        L[ev.mask(lf.rule), j] = lf.label
    return L
