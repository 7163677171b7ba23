"""The documented maximum of every labeling request size that scales memory or time (docs/limits.md).

Each is checked by the operation's cost function (``curation.ops.labeling.cost``) before anything is
allocated; a value over its maximum is refused with ``LimitExceeded`` naming the field.
"""

from __future__ import annotations

from curation.core.labeling import MAX_DEPTH, MAX_PATTERN_CHARS, MAX_PATTERNS

__all__ = [
    "MAX_CLASSES",
    "MAX_COMPLETION_DIM",
    "MAX_DEPTH",
    "MAX_EXEMPLARS_PER_RULE",
    "MAX_EXEMPLARS_TOTAL",
    "MAX_FUNCTIONS",
    "MAX_ITERATIONS",
    "MAX_MATRIX_CELLS",
    "MAX_METADATA_COLUMNS",
    "MAX_PATTERNS",
    "MAX_PATTERN_CHARS",
    "MAX_PATTERN_CHARS_TOTAL",
    "MAX_PATTERN_PROGRAM",
    "MAX_PATTERN_WORK",
    "MAX_PROGRAM_TOTAL",
    "MAX_ROWS",
    "MAX_RULE_NODES",
    "MAX_SET_VALUES",
    "MAX_TABLE_CELLS",
    "MAX_TEXT_FIELDS",
]

# Assets (rows) of one request: every per-row array is O(rows); a million rows is the largest batch the
# service is sized for (the 1M-row requests), larger pools are split by the caller.
MAX_ROWS = 1_000_000
# Labeling functions (label-matrix columns) of one request: the matrix is rows x functions.
MAX_FUNCTIONS = 10_000
# rows x functions of a label matrix held dense (int16 while computing, int64 in the analysis):
# 100M cells is 200 MB as int16 and the largest matrix whose analysis fits the per-request budget.
MAX_MATRIX_CELLS = 100_000_000
# Classes (class_names): label-model tables are functions x (classes + 1) x classes.
MAX_CLASSES = 1_000
# functions x (classes + 1) x classes of a label model's tables: float64 copies while fitting, then a
# Python list, a proto and its bytes -- about 3 s per million entries end to end (measured), so 4M
# entries (32 MB per float64 copy) keeps the largest fit near 12 s: 1,000 classes allow 3 functions,
# 100 classes 396, 10 classes 36,363.
MAX_TABLE_CELLS = 4_000_000
# functions x classes of a matrix-completion model: its objective holds several (m k) x (m k) matrices
# (co-occurrence, residual, mask), 2,048^2 x 8 B = 32 MB each, and each SGD epoch multiplies them by mu.
MAX_COMPLETION_DIM = 2_048
# EM iterations / SGD epochs / self-training rounds: each is one pass over the matrix (or over O).
MAX_ITERATIONS = 10_000
# Text fields and metadata columns of an Apply request: each is one n-long string array.
MAX_TEXT_FIELDS = 64
MAX_METADATA_COLUMNS = 256
# Rule nodes over every labeling function (all / any / negation and their leaves): each node is one
# n-long boolean mask to evaluate; nesting is capped at MAX_DEPTH (16) by the core.
MAX_RULE_NODES = 100_000
# Values of one in_set rule (one set-membership test per row).
MAX_SET_VALUES = 100_000
# Keyword patterns: the count (MAX_PATTERNS, 10,000) and length (MAX_PATTERN_CHARS, 2,000) are the
# core's; all patterns together have at most this many characters, which bounds the time the cost
# function spends compiling them to read their RE2 program sizes (~0.1 s).
MAX_PATTERN_CHARS_TOTAL = 200_000
# RE2 program size (instructions) of one pattern: a 2,000-character literal is ~2,000; counted
# repetitions multiply (``[a-j]{1,40}xxxxx`` is 88, ``a{1000}`` 1,004).
MAX_PATTERN_PROGRAM = 4_096
# The sum of the program sizes of every pattern: matching work per text byte grows with it (the issue's
# 2,000 x ``[a-j]{1,40}xxxxx`` is 176,000 and ran over 10 minutes of CPU).
MAX_PROGRAM_TOTAL = 100_000
# Sum over text fields of (program sizes of the patterns on the field) x (characters of its texts): the
# worst-case matching work, ~0.15 ns a unit measured with RE2 sets whose DFA does not settle, so this
# is about 3 s of one core.
MAX_PATTERN_WORK = 20_000_000_000
# Exemplar vectors of one similarity rule (the similarity block is 32,768 rows x exemplars float32)
# and of all rules together.
MAX_EXEMPLARS_PER_RULE = 1_000
MAX_EXEMPLARS_TOTAL = 100_000
