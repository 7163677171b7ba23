"""Declarative labeling functions: rules as data, applied column-wise, never user code.

An LF is a name, the class it votes for and one rule; applying LFs to ``n`` assets gives an ``n x m``
label matrix (``-1`` = abstain, Snorkel's convention). Rules:

- ``Keyword``: literal keywords or RE2 regular expressions on a text field, with case-insensitivity and
  word boundaries. Regexes and whole-word keywords on one field -- across every LF -- go into one
  compiled ``re2.Set``, so each text is scanned once, in time linear in its length (RE2 has no
  backtracking); ``re2.Set.Match`` is one C call per text, driven by a ``map`` over the texts (no
  vectorised RE2 entry point exists). Plain literal keywords (up to ``MAX_NUMPY_LITERALS`` per
  field) use numpy's vectorised substring search instead, which measured faster; case-insensitive
  literals compare ``str.lower`` forms (RE2's ``(?i)`` folding for everything else -- the two agree
  on everything but a few non-ASCII special cases such as the German sharp s).
  Patterns are limited in length and in compiled size (RE2 ``max_mem``).
- metadata predicates on string columns: ``Equals``, ``InSet``, ``Range`` (numeric, inclusive bounds,
  missing/empty never matches), ``Exists`` (non-empty), composed with ``All`` / ``AnyOf`` / ``Not``;
- model outputs: ``PredictedClass`` (argmax, lowest index on ties), ``ScoreAtLeast`` (score of class c
  >= threshold), ``ScoreWithinMargin`` (score of c within ``margin`` of the row's top score);
- ``Similarity``: cosine similarity of the asset's embedding to any exemplar vector >= threshold.

Every rule evaluates to an ``n``-long boolean mask with numpy; composition combines masks.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

import numpy as np
import numpy.typing as npt
import re2

from curation.core._common.arrays import BoolArray, F32Array, FloatArray

__all__ = [
    "MAX_DEPTH",
    "MAX_NUMPY_LITERALS",
    "MAX_PATTERN_CHARS",
    "MAX_PATTERNS",
    "PATTERN_MAX_MEM",
    "All",
    "AnyOf",
    "Compiled",
    "Equals",
    "Exists",
    "InSet",
    "Inputs",
    "Keyword",
    "LabelingFunction",
    "LabelingFunctionError",
    "Not",
    "PredictedClass",
    "Range",
    "Rule",
    "ScoreAtLeast",
    "ScoreWithinMargin",
    "Similarity",
    "apply",
    "compile_functions",
]

MAX_PATTERN_CHARS = 2000
MAX_PATTERNS = 10_000
PATTERN_MAX_MEM = 1 << 21  # RE2 program budget per pattern (bytes); larger patterns are rejected
SET_MAX_MEM = 1 << 28  # budget of one field's combined set
MAX_DEPTH = 16
# Up to this many plain literal keywords on one field are matched with numpy's vectorised substring
# search (one C pass per keyword, measured 3x faster than the RE2 set for 8 keywords over 1M texts,
# where the per-text Python call dominates); more go into the field's RE2 set (one pass for all).
MAX_NUMPY_LITERALS = 16
_SIM_CHUNK = 1 << 15


class LabelingFunctionError(ValueError):
    """A bad labeling function: ``lf`` is its index, ``path`` the offending part of it (for example
    ``rule.keyword.patterns[2]``)."""

    def __init__(self, message: str, *, lf: int, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.lf = lf
        self.path = path


@dataclass(frozen=True, slots=True)
class Keyword:
    """Any of ``patterns`` occurs in text field ``field`` (literal unless ``regex``)."""

    field: str
    patterns: tuple[str, ...]
    regex: bool = False
    case_insensitive: bool = False
    whole_word: bool = False


@dataclass(frozen=True, slots=True)
class Equals:
    """Metadata column ``key`` equals ``value``."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class InSet:
    """Metadata column ``key`` is one of ``values``."""

    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Range:
    """Metadata column ``key``, parsed as a number, lies in [min, max] (either bound may be None)."""

    key: str
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class Exists:
    """Metadata column ``key`` is non-empty."""

    key: str


@dataclass(frozen=True, slots=True)
class All:
    """Every sub-rule matches."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one sub-rule matches."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The sub-rule does not match."""

    rule: Rule


@dataclass(frozen=True, slots=True)
class PredictedClass:
    """The model's argmax class (lowest index on ties) is ``label``."""

    label: int


@dataclass(frozen=True, slots=True)
class ScoreAtLeast:
    """The score of class ``label`` is at least ``threshold``."""

    label: int
    threshold: float


@dataclass(frozen=True, slots=True)
class ScoreWithinMargin:
    """The score of class ``label`` is within ``margin`` of the row's top score."""

    label: int
    margin: float


@dataclass(frozen=True, slots=True)
class Similarity:
    """Cosine similarity of the embedding to some exemplar is at least ``threshold``."""

    exemplars: F32Array  # e x dim
    threshold: float


Rule = Union[  # noqa: UP007 - a runtime alias used in isinstance-free dispatch
    Keyword,
    Equals,
    InSet,
    Range,
    Exists,
    All,
    AnyOf,
    Not,
    PredictedClass,
    ScoreAtLeast,
    ScoreWithinMargin,
    Similarity,
]


@dataclass(frozen=True, slots=True)
class LabelingFunction:
    """An LF: its name, the class it votes for and its rule."""

    name: str
    label: int
    rule: Rule


@dataclass(slots=True)
class Inputs:
    """The columns LFs read, each aligned with the n assets."""

    n: int
    texts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    metadata: Mapping[str, npt.NDArray[np.str_]] = field(default_factory=dict)
    scores: npt.NDArray[np.floating] | None = None  # n x k
    embeddings: npt.NDArray[np.floating] | None = None  # n x dim


@dataclass(slots=True)
class _FieldSet:
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
    sets: dict[str, _FieldSet]
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
    sets: dict[str, _FieldSet] = {}
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
                fs = sets.setdefault(node.field, _FieldSet(node.field))
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


def _add_keyword(fs: _FieldSet, nid: int, node: Keyword) -> None:
    """File the patterns of keyword node ``nid`` under its field: plain literals for numpy, the rest
    (regexes, whole words, literals with a NUL) as RE2 patterns."""
    plain = not node.regex and not node.whole_word
    for raw in node.patterns:
        if plain and "\x00" not in raw:
            fs.literals.append((nid, raw, node.case_insensitive, _pattern(node, raw)))
        else:
            fs.patterns.append(_pattern(node, raw))
            fs.owners.append(nid)


def _compile_sets(sets: dict[str, _FieldSet], functions: Sequence[LabelingFunction]) -> None:
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
        numeric[node.key] = _numeric(inputs.metadata[node.key], node.key, lf, f"{path}.range.key")


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


def _numeric(col: npt.NDArray[np.str_], key: str, lf: int, path: str) -> FloatArray:
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


# ---------------------------------------------------------------------------------- apply
def _keyword_masks(compiled: Compiled, inputs: Inputs) -> BoolArray:
    """masks[node, row]: numpy substring search for a few plain literals, then one pass of each
    field's RE2 set over its texts."""
    n = inputs.n
    masks = np.zeros((compiled.n_keyword_nodes, n), dtype=np.bool_)
    for fs in compiled.sets.values():
        if fs.literals:
            texts = np.asarray(inputs.texts[fs.name], dtype=np.str_)
            lowered = np.strings.lower(texts) if any(lit[2] for lit in fs.literals) else texts
            for owner, raw, ci, _ in fs.literals:
                needle = raw.lower() if ci else raw
                masks[owner] |= np.strings.find(lowered if ci else texts, needle) >= 0
        if fs.compiled is None:
            continue
        owners = np.asarray(fs.owners, dtype=np.int64)
        hits = list(map(fs.compiled.Match, inputs.texts[fs.name]))
        lengths = np.fromiter((len(h) if h else 0 for h in hits), dtype=np.int64, count=n)
        if not lengths.any():
            continue
        flat = np.fromiter(
            itertools.chain.from_iterable(h for h in hits if h), dtype=np.int64, count=int(lengths.sum())
        )
        rows = np.repeat(np.arange(n), lengths)
        masks[owners[flat], rows] = True
    return masks


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
            x = self.numeric[rule.key] = _numeric(col, rule.key, -1, "")
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
        for start in range(0, self.inputs.n, _SIM_CHUNK):
            sims = self.unit[start : start + _SIM_CHUNK] @ ex.T
            out[start : start + _SIM_CHUNK] = sims.max(axis=1) >= rule.threshold
        return np.asarray(out & nonzero, dtype=np.bool_)


def apply(compiled: Compiled, inputs: Inputs) -> npt.NDArray[np.int16]:
    """The n x m label matrix (-1 = abstain) of the compiled LFs on ``inputs``."""
    ev = _Evaluator(compiled, inputs, _keyword_masks(compiled, inputs), dict(compiled.numeric))
    m = len(compiled.functions)
    L = np.full((inputs.n, m), -1, dtype=np.int16)
    for j, lf in enumerate(compiled.functions):
        L[ev.mask(lf.rule), j] = lf.label
    return L
