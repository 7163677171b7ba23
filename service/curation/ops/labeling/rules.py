"""Labeling-function rules from their proto form (``curation.v1.Rule``) to the core's rule records.

Every rule kind but similarity maps field for field. A similarity rule's exemplars are its inline
vectors plus the vectors of its ``exemplar_asset_ids``: rows of the request's own embeddings, or vectors
read beforehand from the request's embedding collection (see ``curation.ops.labeling.vectors``).
Errors name the rule's field, e.g. ``labeling_functions[2].rule.all.rules[0].similarity``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from curation.core import labeling as lfs
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.v1 import labeling_pb2 as pb

__all__ = ["Exemplars", "similarity_rules", "to_rule"]


class Exemplars(NamedTuple):
    """Where similarity rules find the vectors of exemplar_asset_ids: ``rows[id]`` is a row of
    ``table`` (the request's assets' embeddings) when below its length, else ``rows[id] - len(table)``
    is a row of ``stored`` (vectors read from ``collection`` for exemplars outside the request)."""

    rows: dict[str, int]
    table: npt.NDArray[np.float32] | None
    stored: npt.NDArray[np.float32] | None
    collection: str


def _simple_rule(kind: str, r: Any) -> lfs.Rule | None:
    """The core rule of a kind without sub-rules or vectors (None for the others)."""
    simple: dict[str, Callable[[], lfs.Rule]] = {
        "keyword": lambda: lfs.Keyword(r.field, tuple(r.patterns), r.regex, r.case_insensitive, r.whole_word),
        "equals": lambda: lfs.Equals(r.key, r.value),
        "in_set": lambda: lfs.InSet(r.key, tuple(r.values)),
        "range": lambda: lfs.Range(
            r.key, r.min if r.HasField("min") else None, r.max if r.HasField("max") else None
        ),
        "exists": lambda: lfs.Exists(r.key),
        "predicted_class": lambda: lfs.PredictedClass(r.label),
        "score_at_least": lambda: lfs.ScoreAtLeast(r.label, r.threshold),
        "score_within_margin": lambda: lfs.ScoreWithinMargin(r.label, r.margin),
    }
    return simple[kind]() if kind in simple else None


def to_rule(rule: pb.Rule, at: str, ex: Exemplars, depth: int = 0) -> lfs.Rule:
    """The core rule of ``rule`` (found at field ``at``), nested rules included."""
    if depth > lfs.MAX_DEPTH:
        raise InvalidArgument(f"rules nest deeper than {lfs.MAX_DEPTH}", field=at)
    kind = rule.WhichOneof("kind")
    if kind is None:
        raise InvalidArgument("a rule must set one of its kinds", field=at)
    r: Any = getattr(rule, kind)
    simple = _simple_rule(kind, r)
    if simple is not None:
        return simple
    if kind in ("all", "any"):
        subs = tuple(to_rule(sub, f"{at}.{kind}.rules[{j}]", ex, depth + 1) for j, sub in enumerate(r.rules))
        return lfs.All(subs) if kind == "all" else lfs.AnyOf(subs)
    if kind == "negation":
        return lfs.Not(to_rule(r, f"{at}.negation", ex, depth + 1))
    return _similarity(r, f"{at}.similarity", ex)


def _similarity(r: pb.SimilarityRule, where: str, ex: Exemplars) -> lfs.Similarity:
    """A similarity rule: its inline exemplars, then those named by asset ID (own rows, then stored)."""
    if ex.table is None:
        raise InvalidArgument(
            "similarity rules need embeddings (sent inline or in embedding_collection)", field=where
        )
    dim = ex.table.shape[1]
    flat = v.finite_floats(r.exemplars, f"{where}.exemplars")
    if flat.shape[0] % dim:
        raise InvalidArgument(
            f"length {flat.shape[0]} is not a multiple of embedding_dim {dim}", field=f"{where}.exemplars"
        )
    vectors = [flat.reshape(-1, dim)]
    at_rows = _exemplar_rows(r, where, ex)
    own = at_rows < ex.table.shape[0]
    vectors.append(ex.table[at_rows[own]])
    if ex.stored is not None and not own.all():
        vectors.append(ex.stored[at_rows[~own] - ex.table.shape[0]])
    exemplars = np.concatenate(vectors).astype(np.float32)
    if exemplars.shape[0] == 0:
        raise InvalidArgument("give exemplars or exemplar_asset_ids", field=where)
    return lfs.Similarity(exemplars, r.threshold)


def _exemplar_rows(r: pb.SimilarityRule, where: str, ex: Exemplars) -> npt.NDArray[np.int64]:
    """The row (see ``Exemplars``) of every exemplar asset ID; an unknown ID is an error naming it."""
    rows = []
    for j, asset in enumerate(r.exemplar_asset_ids):
        if asset not in ex.rows:
            place = f"neither an asset of the request nor in collection {ex.collection!r}"
            raise InvalidArgument(
                f"unknown asset {asset!r}: {place if ex.collection else 'not an asset of the request'}",
                field=f"{where}.exemplar_asset_ids[{j}]",
            )
        rows.append(ex.rows[asset])
    return np.asarray(rows, dtype=np.int64)


def similarity_rules(request: pb.ApplyLabelingFunctionsRequest) -> list[pb.SimilarityRule]:
    """Every similarity rule of the request, nested ones included (too deep ones are left to ``to_rule``)."""
    out: list[pb.SimilarityRule] = []
    stack = [(lf.rule, 0) for lf in request.labeling_functions]
    while stack:
        rule, depth = stack.pop()
        kind = rule.WhichOneof("kind")
        if depth > lfs.MAX_DEPTH or kind is None:
            continue
        if kind == "similarity":
            out.append(rule.similarity)
        elif kind in ("all", "any"):
            stack.extend((sub, depth + 1) for sub in getattr(rule, kind).rules)
        elif kind == "negation":
            stack.append((rule.negation, depth + 1))
    return out
