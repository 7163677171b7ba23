"""Declarative labeling functions as data: the rule records, the inputs they read and their limits.

An LF is a name, the class it votes for and one rule; applying LFs to ``n`` assets gives an ``n x m``
label matrix (``-1`` = abstain, Snorkel's convention). Rules are data, never user code:

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

:mod:`~curation.core.labeling.compile` validates LFs against their inputs and compiles their patterns;
:mod:`~curation.core.labeling.evaluate` evaluates every rule to an ``n``-long boolean mask with numpy
(composition combines masks) and builds the label matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import F32Array

__all__ = [
    "MAX_DEPTH",
    "MAX_NUMPY_LITERALS",
    "MAX_PATTERN_CHARS",
    "MAX_PATTERNS",
    "PATTERN_MAX_MEM",
    "SET_MAX_MEM",
    "All",
    "AnyOf",
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
