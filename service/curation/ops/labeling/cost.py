"""What a labeling request will cost, from the sizes it states, before anything is computed.

Every cost function first checks each size against its documented maximum (``limits``; LimitExceeded
naming the field), then estimates the peak memory (bytes, an upper bound of what the computation holds
beyond the request) and the work (elementary steps) -- docs/limits.md states the formulas in words.
Sizes known only from stored data (a collection's dimension, a fitted model's classes) are checked by
the handlers once read (``stored_vectors_cost``, ``predict_cost``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import re2

from curation.core.labeling import PATTERN_MAX_MEM
from curation.ops._limits import at_most, count_at_most, longest, str_array_bytes, total_chars
from curation.ops.embedding_limits import MAX_DIMENSION
from curation.ops.labeling import limits as lim
from curation.ops.operation_spec import Cost
from curation.v1 import labeling_pb2 as pb

__all__ = [
    "analyze_cost",
    "apply_cost",
    "fit_cost",
    "predict_cost",
    "predict_request_cost",
    "stored_vectors_cost",
]

# Python and protobuf overheads per element, measured (tests/ops/test_cost_estimates.py).
_PY_INT = 36  # a list slot plus an int object
_PY_FLOAT = 32  # a list slot plus a float object
_PY_STR = 64  # a list slot plus a str object's header
# Rows of a similarity block (the core's _SIM_CHUNK) and texts x patterns of one match block.
_SIM_ROWS = 1 << 15


# ---------------------------------------------------------------------------------------- rules
@dataclass(slots=True)
class _Rules:
    """What the rules of an Apply request add up to."""

    nodes: int = 0
    keyword_nodes: int = 0
    patterns: int = 0
    pattern_chars: int = 0
    program: dict[str, int] = field(default_factory=dict)  # text field -> sum of program sizes
    patterns_on: dict[str, int] = field(default_factory=dict)  # text field -> patterns
    exemplars: int = 0
    widest_exemplars: int = 0
    in_set_values: int = 0
    similarity: int = 0


def _walk(request: pb.ApplyLabelingFunctionsRequest) -> Iterator[tuple[str, pb.Rule]]:
    """Every rule node with its field path, depth first; a node nested deeper than MAX_DEPTH is refused."""
    stack = [(f"labeling_functions[{i}].rule", lf.rule, 0) for i, lf in enumerate(request.labeling_functions)]
    stack.reverse()
    while stack:
        at, rule, depth = stack.pop()
        at_most(depth, lim.MAX_DEPTH, at, what="levels of nesting")
        yield at, rule
        kind = rule.WhichOneof("kind")
        if kind in ("all", "any"):
            subs = getattr(rule, kind).rules
            stack.extend(
                (f"{at}.{kind}.rules[{j}]", sub, depth + 1) for j, sub in reversed(list(enumerate(subs)))
            )
        elif kind == "negation":
            stack.append((f"{at}.negation", rule.negation, depth + 1))


def _program_size(rule: pb.KeywordRule, raw: str) -> int:
    """RE2 instructions of one pattern as the core compiles it (0 when it does not compile: ``apply``
    refuses it before matching anything)."""
    body = raw if rule.regex else re2.escape(raw)
    if rule.whole_word:
        body = rf"\b(?:{body})\b"
    elif rule.regex:
        body = f"(?:{body})"
    opts = re2.Options()
    opts.max_mem = PATTERN_MAX_MEM
    opts.log_errors = False
    try:
        return int(re2.compile(f"(?i){body}" if rule.case_insensitive else body, opts).programsize)
    except re2.error:
        return 0


def _keyword(out: _Rules, at: str, rule: pb.KeywordRule) -> None:
    """Count a keyword rule's patterns, checking their count, length, total length and program sizes."""
    for j, raw in enumerate(rule.patterns):
        where = f"{at}.keyword.patterns[{j}]"
        out.patterns += 1
        at_most(out.patterns, lim.MAX_PATTERNS, where, what="patterns in total")
        at_most(len(raw), lim.MAX_PATTERN_CHARS, where, what="characters")
        out.pattern_chars += len(raw)
        at_most(out.pattern_chars, lim.MAX_PATTERN_CHARS_TOTAL, where, what="pattern characters in total")
        size = _program_size(rule, raw)
        at_most(size, lim.MAX_PATTERN_PROGRAM, where, what="RE2 instructions")
        total = sum(out.program.values()) + size
        at_most(total, lim.MAX_PROGRAM_TOTAL, where, what="RE2 instructions over every pattern")
        out.program[rule.field] = out.program.get(rule.field, 0) + size
        out.patterns_on[rule.field] = out.patterns_on.get(rule.field, 0) + 1


def _rules(request: pb.ApplyLabelingFunctionsRequest, dim: int) -> _Rules:
    """Walk every rule: node count, patterns, exemplars and set sizes, each within its maximum. Inline
    exemplars count once the dimension is known (``dim`` 0: the collection's, not read yet)."""
    out = _Rules()
    for at, rule in _walk(request):
        out.nodes += 1
        at_most(out.nodes, lim.MAX_RULE_NODES, at, what="rule nodes in total")
        kind = rule.WhichOneof("kind")
        if kind == "keyword":
            out.keyword_nodes += 1
            _keyword(out, at, rule.keyword)
        elif kind == "in_set":
            count_at_most(len(rule.in_set.values), lim.MAX_SET_VALUES, f"{at}.in_set.values")
            out.in_set_values += len(rule.in_set.values)
        elif kind == "similarity":
            sim = rule.similarity
            count = (len(sim.exemplars) // dim if dim > 0 else 0) + len(sim.exemplar_asset_ids)
            at_most(count, lim.MAX_EXEMPLARS_PER_RULE, f"{at}.similarity.exemplars", what="exemplars")
            out.exemplars += count
            at_most(out.exemplars, lim.MAX_EXEMPLARS_TOTAL, f"{at}.similarity", what="exemplars in total")
            out.widest_exemplars = max(out.widest_exemplars, count)
            out.similarity += 1
    return out


# ---------------------------------------------------------------------------------------- apply
def _check_apply_sizes(request: pb.ApplyLabelingFunctionsRequest) -> tuple[int, int, int]:
    """(rows, functions, classes), each within its maximum, and their product."""
    n, m, k = len(request.asset_ids), len(request.labeling_functions), len(request.class_names)
    count_at_most(n, lim.MAX_ROWS, "asset_ids")
    count_at_most(m, lim.MAX_FUNCTIONS, "labeling_functions")
    count_at_most(k, lim.MAX_CLASSES, "class_names")
    count_at_most(len(request.texts), lim.MAX_TEXT_FIELDS, "texts")
    count_at_most(len(request.metadata), lim.MAX_METADATA_COLUMNS, "metadata")
    at_most(n * m, lim.MAX_MATRIX_CELLS, "labeling_functions", what="cells (asset_ids x labeling_functions)")
    at_most(int(request.embedding_dim), MAX_DIMENSION, "embedding_dim")
    return n, m, k


def _text_cost(request: pb.ApplyLabelingFunctionsRequest, rules: _Rules, n: int) -> Cost:
    """The text fields' arrays and matching: (program sizes) x (characters) per field, within its max."""
    memory = 0
    work = 0
    for i, col in enumerate(request.texts):
        values: Sequence[str] = col.values
        chars = total_chars(values)
        program = rules.program.get(col.key, 0)
        work += program * max(chars, 1)
        at_most(work, lim.MAX_PATTERN_WORK, f"texts[{i}].values", what="RE2 instructions x text characters")
        # The string array, its list, a literal search's copy and lowered copy; a block of set matches.
        width = 4 * len(values) * max(longest(values), 1)
        patterns = rules.patterns_on.get(col.key, 0)
        memory += 3 * width + len(values) * _PY_STR + 4 * chars + 48 * min(n * patterns, 1 << 22) + 64 * n
    return Cost(memory, work)


def _column_cost(request: pb.ApplyLabelingFunctionsRequest, rules: _Rules, n: int) -> int:
    """The metadata columns: string arrays (and a sorted copy for set tests), parsed numbers."""
    memory = 0
    for col in request.metadata:
        memory += 4 * str_array_bytes(col.values) + 24 * n
    return memory + 4 * 64 * rules.in_set_values


def _vector_cost(request: pb.ApplyLabelingFunctionsRequest, rules: _Rules, n: int, dim: int) -> Cost:
    """Embeddings (inline or ``dim`` from the collection): unit rows, the similarity blocks, exemplars."""
    if not rules.similarity:
        return Cost(0)
    rows = min(n, _SIM_ROWS)
    memory = 4 * n * dim * 5 + n * dim + 8 * rows * rules.widest_exemplars + 8 * rules.exemplars * dim
    return Cost(memory, n * dim * rules.exemplars)


def _matrix_out_cost(n: int, m: int) -> int:
    """The label matrix (int16) and its sparse proto: every cell may vote (indices, lists, wire bytes)."""
    cells = n * m
    return cells * (2 + 1 + 16 + 2 + 3 * _PY_INT + 12 + 24)


def apply_cost(request: pb.ApplyLabelingFunctionsRequest) -> Cost:
    """Apply's cost: rows, functions, texts, columns, rules and patterns within their maxima; memory of
    the inputs as arrays, the masks, the matrix and its proto; work = pattern matching + rule masks."""
    n, m, k = _check_apply_sizes(request)
    dim = int(request.embedding_dim)
    rules = _rules(request, dim)
    text = _text_cost(request, rules, n)
    memory = (
        2 * str_array_bytes(request.asset_ids)
        + 128 * n
        + _column_cost(request, rules, n)
        + 12 * n * k  # scores as float32, argmax and top score
        + n * rules.keyword_nodes  # one mask per keyword node
        + 2 * n * (lim.MAX_DEPTH + 2)  # masks alive while combining nested rules
        + _matrix_out_cost(n, m)
    )
    vectors = _vector_cost(request, rules, n, dim)
    return Cost(memory, n * rules.nodes) + text + vectors


def stored_vectors_cost(request: pb.ApplyLabelingFunctionsRequest, dim: int) -> Cost:
    """What reading the assets' vectors of dimension ``dim`` from a collection adds: the store's read
    (buffers and float32 copies) plus Apply's similarity work on them."""
    n = len(request.asset_ids)
    base = apply_cost(request)
    rules = _rules(request, dim)
    if not rules.similarity:
        return base
    exemplars = Cost(8 * 4 * rules.exemplars * dim)
    if request.embedding_dim > 0:  # the assets' vectors are inline (counted); exemplars are read
        return base + exemplars
    return base + exemplars + Cost(6 * 4 * n * dim) + _vector_cost(request, rules, n, dim)


# ---------------------------------------------------------------------------------------- matrices
def _check_matrix(matrix: pb.LabelMatrix, field: str) -> tuple[int, int, int]:
    """(rows, functions, entries) of a label matrix, each within its maximum."""
    n, m, size = int(matrix.num_rows), int(matrix.num_functions), len(matrix.rows)
    at_most(n, lim.MAX_ROWS, f"{field}.num_rows", what="rows")
    at_most(m, lim.MAX_FUNCTIONS, f"{field}.num_functions", what="functions")
    at_most(max(n, 0) * max(m, 0), lim.MAX_MATRIX_CELLS, f"{field}.num_rows", what="cells (rows x functions)")
    # Entries beyond the cells are duplicates (refused when validated), but each is held while checking.
    count_at_most(size, lim.MAX_MATRIX_CELLS, f"{field}.rows")
    return max(n, 0), max(m, 0), size


def _entries_cost(n: int, m: int, size: int, ids: Sequence[str]) -> int:
    """Validated entries (int64 rows, functions, labels, keys, sort order) and asset IDs."""
    return 96 * size + 2 * str_array_bytes(ids) + 16 * n + 8 * m


def analyze_cost(request: pb.AnalyzeLabelingFunctionsRequest) -> Cost:
    """Analyze's cost: the dense matrix and the analysis' int64 and boolean copies of it."""
    n, m, size = _check_matrix(request.label_matrix, "label_matrix")
    count_at_most(len(request.class_names), lim.MAX_CLASSES, "class_names")
    cells = n * m
    memory = _entries_cost(n, m, size, request.function_names) + cells * (2 + 3 * 8 + 4) + 64 * n + 256 * m
    memory += 8 * 4 * len(request.learned_weights)
    if len(request.gold):
        # lf_empirical_probs: m x (k + 1) x k counts and probabilities, as floats, proto and wire bytes.
        k = len(request.class_names)
        table = m * (k + 1) * k
        at_most(
            table,
            lim.MAX_TABLE_CELLS,
            "gold",
            what="empirical probabilities (functions x (classes + 1) x classes)",
        )
        memory += table * (3 * 8 + _PY_FLOAT + 8 + 8)
    return Cost(memory, 8 * cells + size)


def _model_cost(n: int, m: int, k: int, model: int, iterations: int) -> Cost:
    """One label model over an n x m matrix of k classes: tables, and for matrix completion its
    (m k) x (m k) objective; work = iterations x cells x classes."""
    tables = m * (k + 1) * k
    # Tables: a few float64 copies while fitting, then as a Python list, a proto and its wire bytes.
    memory = tables * (4 * 8 + _PY_FLOAT + 8 + 3 * 8) + 16 * n * k
    steps = max(iterations, 100 if model == pb.LABEL_MODEL_TYPE_DAWID_SKENE else 1)
    if model == pb.LABEL_MODEL_TYPE_MATRIX_COMPLETION:
        d = m * k
        memory += 8 * 10 * d * d + 8 * 40 * d * k
        # Snorkel's SGD: iterations (default 100) epochs of a few d x d x k products.
        steps = iterations or 100
        return Cost(memory, 4 * steps * d * d * k)
    return Cost(memory, steps * n * m * k)


def _check_model(m: int, k: int, model: int, field: str) -> None:
    """A model's tables within MAX_TABLE_CELLS, matrix completion's m k within MAX_COMPLETION_DIM."""
    at_most(
        m * (k + 1) * k,
        lim.MAX_TABLE_CELLS,
        field,
        what="table entries (functions x (classes + 1) x classes)",
    )
    if model == pb.LABEL_MODEL_TYPE_MATRIX_COMPLETION:
        at_most(m * k, lim.MAX_COMPLETION_DIM, field, what="functions x classes (matrix completion)")


def _predictions_cost(n: int, k: int) -> int:
    """Probabilities and hard labels (float64, int64), their float32 and Python copies, the proto."""
    return n * k * (8 + 8 + 8 + 4 + _PY_FLOAT + _PY_INT + 4 + 4 + 16)


def fit_cost(request: pb.FitLabelModelRequest) -> Cost:
    """Fit's cost: the matrix (dense per class for multi-label), the model, and the predictions."""
    n, m, size = _check_matrix(request.label_matrix, "label_matrix")
    k = len(request.class_names)
    count_at_most(k, lim.MAX_CLASSES, "class_names")
    at_most(int(request.max_iterations), lim.MAX_ITERATIONS, "max_iterations", what="iterations")
    count_at_most(len(request.dev_labels), lim.MAX_ROWS, "dev_labels")
    multi = request.task == pb.LABEL_TASK_MULTI_LABEL
    per_model = 2 if multi else k
    _check_model(m, per_model, request.model, "label_matrix.num_functions")
    model = _model_cost(n, m, per_model, request.model, int(request.max_iterations))
    memory = _entries_cost(n, m, size, request.asset_ids) + n * m * (2 + 2) + 64 * n
    if not request.omit_predictions:
        memory += _predictions_cost(n, k)
    work = model.work * (k if multi else 1)
    return Cost(memory + model.memory_bytes, work + size)


def predict_request_cost(request: pb.PredictLabelModelRequest) -> Cost:
    """What Predict's request alone states (the classes come with the fitted model: ``predict_cost``)."""
    n, m, size = _check_matrix(request.label_matrix, "label_matrix")
    return Cost(_entries_cost(n, m, size, request.asset_ids) + n * m * 4, size)


def predict_cost(request: pb.PredictLabelModelRequest, classes: int, multi: bool) -> Cost:
    """Predict's cost once the fitted model's classes are known."""
    n, m = int(request.label_matrix.num_rows), int(request.label_matrix.num_functions)
    per_model = 2 if multi else classes
    tables = m * (per_model + 1) * per_model * (classes if multi else 1)
    memory = tables * (4 * 8 + _PY_FLOAT) + _predictions_cost(n, classes) + 16 * n * per_model
    return predict_request_cost(request) + Cost(memory, n * m * classes)
