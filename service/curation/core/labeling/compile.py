"""Validating labeling functions against their inputs and compiling their patterns.

Every LF is checked before anything runs: a unique non-empty name, a class in range, and per rule node
(see :mod:`~curation.core.labeling.rules`) a known text field or metadata column, valid RE2 patterns
within their limits, numeric range columns (parsed once), scores for model-output rules, embeddings and
well-formed exemplars for similarity rules. A bad LF raises ``LabelingFunctionError`` naming the LF and
the offending part of it. The keyword patterns of each text field, across every LF, become one
``FieldSet`` (plain literals for numpy, the rest one compiled ``re2.Set``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import re2

from curation.core._common.arrays import FloatArray
from curation.core.labeling.rules import (
    MAX_DEPTH,
    MAX_NUMPY_LITERALS,
    MAX_PATTERN_CHARS,
    MAX_PATTERNS,
    PATTERN_MAX_MEM,
    SET_MAX_MEM,
    All,
    AnyOf,
    Equals,
    Exists,
    Inputs,
    InSet,
    Keyword,
    LabelingFunction,
    LabelingFunctionError,
    Not,
    PredictedClass,
    Range,
    Rule,
    ScoreAtLeast,
    ScoreWithinMargin,
    Similarity,
)

__all__ = ["Compiled", "FieldSet", "compile_functions", "numeric_column"]


@dataclass(slots=True)
class FieldSet:
    """One text field's patterns: plain literals for numpy, the rest for one compiled RE2 set."""

    name: str
    patterns: list[str] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)  # keyword node per pattern
    compiled: re2.Set | None = None
    # Plain literal keywords (owner, keyword, case-insensitive, its RE2 form), matched with numpy.
    literals: list[tuple[int, str, bool, str]] = field(default_factory=list)


@dataclass(slots=True)
class Compiled:
    """LFs ready to apply: one RE2 set per text field; keyword rules are referenced by node id."""

    functions: tuple[LabelingFunction, ...]
    n_classes: int
    sets: dict[str, FieldSet]
    keyword_ids: dict[int, int]  # id(Keyword node) -> node number
    n_keyword_nodes: int
    # Metadata columns read by Range rules, parsed once while validating.
    numeric: dict[str, FloatArray] = field(default_factory=dict)


# ---------------------------------------------------------------------------------- compile
def _options(max_mem: int) -> re2.Options:
    """RE2 options with a program-memory budget and error logging off."""
    opts = re2.Options()
    opts.max_mem = max_mem
    opts.log_errors = False
    return opts


def _pattern(rule: Keyword, raw: str) -> str:
    """The RE2 form of one keyword pattern: escaped unless a regex, word-bounded, case flag."""
    body = raw if rule.regex else re2.escape(raw)
    if rule.whole_word:
        body = rf"\b(?:{body})\b"
    elif rule.regex:
        body = f"(?:{body})"
    return f"(?i){body}" if rule.case_insensitive else body


def compile_functions(functions: Sequence[LabelingFunction], inputs: Inputs, *, n_classes: int) -> Compiled:
    """Validate every LF against ``inputs`` and compile its patterns; raises LabelingFunctionError."""
    if not functions:
        raise LabelingFunctionError("at least one labeling function is required", lf=-1)
    sets: dict[str, FieldSet] = {}
    keyword_ids: dict[int, int] = {}
    names: set[str] = set()
    numeric: dict[str, FloatArray] = {}
    opts = _options(PATTERN_MAX_MEM)
    total = 0
    for i, lf in enumerate(functions):
        _check_function(lf, i, names, n_classes)
        for path, node in _walk(lf.rule, "rule", i, 0):
            total += _check_node(node, path, i, inputs=inputs, opts=opts, numeric=numeric)
            if total > MAX_PATTERNS:
                raise LabelingFunctionError(f"more than {MAX_PATTERNS} patterns in total", lf=i, path=path)
            if isinstance(node, Keyword):
                fs = sets.setdefault(node.field, FieldSet(node.field))
                _add_keyword(fs, keyword_ids.setdefault(id(node), len(keyword_ids)), node)
    _compile_sets(sets, functions)
    return Compiled(tuple(functions), n_classes, sets, keyword_ids, len(keyword_ids), numeric)


def _check_function(lf: LabelingFunction, i: int, names: set[str], n_classes: int) -> None:
    """A unique, non-empty name (added to ``names``) and a label in ``[0, n_classes)``."""
    if not lf.name:
        raise LabelingFunctionError("name must not be empty", lf=i, path="name")
    if lf.name in names:
        raise LabelingFunctionError(f"duplicate name {lf.name!r}", lf=i, path="name")
    names.add(lf.name)
    if not 0 <= lf.label < n_classes:
        raise LabelingFunctionError(f"label {lf.label} is outside [0, {n_classes})", lf=i, path="label")


def _add_keyword(fs: FieldSet, nid: int, node: Keyword) -> None:
    """File the patterns of keyword node ``nid`` under its field: plain literals for numpy, the rest
    (regexes, whole words, literals with a NUL) as RE2 patterns."""
    plain = not node.regex and not node.whole_word
    for raw in node.patterns:
        if plain and "\x00" not in raw:
            fs.literals.append((nid, raw, node.case_insensitive, _pattern(node, raw)))
        else:
            fs.patterns.append(_pattern(node, raw))
            fs.owners.append(nid)


def _compile_sets(sets: dict[str, FieldSet], functions: Sequence[LabelingFunction]) -> None:
    """Compile each field's RE2 set (literals join it when there are too many for numpy)."""
    set_opts = _options(SET_MAX_MEM)
    for fs in sets.values():
        if len(fs.literals) > MAX_NUMPY_LITERALS:  # one RE2 pass beats many numpy passes
            fs.patterns.extend(lit[3] for lit in fs.literals)
            fs.owners.extend(lit[0] for lit in fs.literals)
            fs.literals.clear()
        if not fs.patterns:
            continue
        compiled = re2.Set.SearchSet(set_opts)
        for p in fs.patterns:
            compiled.Add(p)
        try:
            compiled.Compile()
        except re2.error:
            raise LabelingFunctionError(
                f"the patterns on text field {fs.name!r} together exceed the compiled size limit",
                lf=_first_lf_on_field(functions, fs.name),
                path="rule.keyword.patterns",
            ) from None
        fs.compiled = compiled


def _first_lf_on_field(functions: Sequence[LabelingFunction], name: str) -> int:
    """Index of the first LF with a keyword rule on text field ``name`` (-1 if none)."""
    for i, lf in enumerate(functions):
        if any(isinstance(n, Keyword) and n.field == name for _, n in _walk(lf.rule, "rule", i, 0)):
            return i
    return -1


def _walk(rule: Rule, path: str, lf: int, depth: int) -> list[tuple[str, Rule]]:
    """Every node of ``rule`` with its field path, depth first; rejects empty all/any and deep nesting."""
    if depth > MAX_DEPTH:
        raise LabelingFunctionError(f"rules nest deeper than {MAX_DEPTH}", lf=lf, path=path)
    out: list[tuple[str, Rule]] = [(path, rule)]
    if isinstance(rule, All | AnyOf):
        kind = "all" if isinstance(rule, All) else "any"
        if not rule.rules:
            raise LabelingFunctionError(f"{kind} needs at least one rule", lf=lf, path=f"{path}.{kind}")
        for j, sub in enumerate(rule.rules):
            out.extend(_walk(sub, f"{path}.{kind}.rules[{j}]", lf, depth + 1))
    elif isinstance(rule, Not):
        out.extend(_walk(rule.rule, f"{path}.negation", lf, depth + 1))
    return out


def _check_node(
    node: Rule,
    path: str,
    lf: int,
    *,
    inputs: Inputs,
    opts: re2.Options,
    numeric: dict[str, FloatArray],
) -> int:
    """Validate one rule node; returns the number of patterns it adds."""
    if isinstance(node, Keyword):
        return _check_keyword(node, f"{path}.keyword", lf, inputs, opts)
    if isinstance(node, Equals | InSet | Range | Exists):
        _check_metadata_rule(node, path, lf, inputs, numeric)
    elif isinstance(node, PredictedClass | ScoreAtLeast | ScoreWithinMargin):
        _check_model_output_rule(node, path, lf, inputs)
    elif isinstance(node, Similarity):
        _check_similarity(node, f"{path}.similarity", lf, inputs)
    return 0


def _check_keyword(node: Keyword, where: str, lf: int, inputs: Inputs, opts: re2.Options) -> int:
    """A known text field and 1+ patterns, each non-empty, within the length limit and compiling in
    RE2 within its memory budget; returns the number of patterns."""
    if node.field not in inputs.texts:
        raise LabelingFunctionError(f"no text field named {node.field!r}", lf=lf, path=f"{where}.field")
    if not node.patterns:
        raise LabelingFunctionError("needs at least one pattern", lf=lf, path=f"{where}.patterns")
    for j, raw in enumerate(node.patterns):
        at = f"{where}.patterns[{j}]"
        if not raw:
            raise LabelingFunctionError("pattern must not be empty", lf=lf, path=at)
        if len(raw) > MAX_PATTERN_CHARS:
            raise LabelingFunctionError(
                f"pattern has {len(raw)} characters, the limit is {MAX_PATTERN_CHARS}", lf=lf, path=at
            )
        try:
            re2.compile(_pattern(node, raw), opts)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            raise LabelingFunctionError(f"invalid pattern: {reason}", lf=lf, path=at) from None
    return len(node.patterns)


def _check_metadata_rule(
    node: Equals | InSet | Range | Exists, path: str, lf: int, inputs: Inputs, numeric: dict[str, FloatArray]
) -> None:
    """A known metadata column; a range has a finite bound and a numeric column (parsed once, kept in
    ``numeric``)."""
    kind = {Equals: "equals", InSet: "in_set", Range: "range"}.get(type(node), "exists")
    if node.key not in inputs.metadata:
        raise LabelingFunctionError(
            f"no metadata column named {node.key!r}", lf=lf, path=f"{path}.{kind}.key"
        )
    if not isinstance(node, Range):
        return
    if node.min is None and node.max is None:
        raise LabelingFunctionError("range needs min or max", lf=lf, path=f"{path}.range")
    for name in ("min", "max"):
        value = getattr(node, name)
        if value is not None and not np.isfinite(value):
            raise LabelingFunctionError("must be finite", lf=lf, path=f"{path}.range.{name}")
    if node.key not in numeric:
        numeric[node.key] = numeric_column(inputs.metadata[node.key], node.key, lf, f"{path}.range.key")


def _check_model_output_rule(
    node: PredictedClass | ScoreAtLeast | ScoreWithinMargin, path: str, lf: int, inputs: Inputs
) -> None:
    """Scores present, a class among their columns, a finite threshold (a margin also >= 0)."""
    kind = {PredictedClass: "predicted_class", ScoreAtLeast: "score_at_least"}.get(
        type(node), "score_within_margin"
    )
    if inputs.scores is None:
        raise LabelingFunctionError("model-output rules need scores", lf=lf, path=f"{path}.{kind}")
    if not 0 <= node.label < inputs.scores.shape[1]:
        raise LabelingFunctionError(
            f"class {node.label} is outside [0, {inputs.scores.shape[1]})", lf=lf, path=f"{path}.{kind}.label"
        )
    value = getattr(node, "threshold", getattr(node, "margin", 0.0))
    if not np.isfinite(value) or (isinstance(node, ScoreWithinMargin) and value < 0):
        raise LabelingFunctionError("must be finite (and a margin >= 0)", lf=lf, path=f"{path}.{kind}")


def _check_similarity(node: Similarity, where: str, lf: int, inputs: Inputs) -> None:
    """Embeddings present; finite e x dim exemplars (e >= 1); a threshold in [-1, 1]."""
    if inputs.embeddings is None:
        raise LabelingFunctionError("similarity rules need embeddings", lf=lf, path=where)
    ex = node.exemplars
    if ex.ndim != 2 or ex.shape[0] == 0 or ex.shape[1] != inputs.embeddings.shape[1]:
        raise LabelingFunctionError(
            f"exemplars must be e x {inputs.embeddings.shape[1]} with e >= 1",
            lf=lf,
            path=f"{where}.exemplars",
        )
    if not np.isfinite(ex).all():
        raise LabelingFunctionError("exemplars must be finite", lf=lf, path=f"{where}.exemplars")
    if not -1.0 <= node.threshold <= 1.0:
        raise LabelingFunctionError("threshold must lie in [-1, 1]", lf=lf, path=f"{where}.threshold")


def numeric_column(col: npt.NDArray[np.str_], key: str, lf: int, path: str) -> FloatArray:
    """A metadata column as floats (empty = NaN); a non-numeric value is an error naming its row."""
    present = col != ""
    out = np.full(col.shape[0], np.nan)
    try:
        out[present] = np.array(col[present].tolist(), dtype=np.float64)
    except ValueError:
        for i in np.flatnonzero(present).tolist():
            try:
                float(col[i])
            except ValueError:
                raise LabelingFunctionError(
                    f"metadata column {key!r} has a non-numeric value {str(col[i])!r} at row {i}",
                    lf=lf,
                    path=path,
                ) from None
    return out
