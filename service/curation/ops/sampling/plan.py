"""Plan: from a classification diagnostics result to the selection request it implies, and that selection.

The weakest classes (lowest F1, then recall, among classes with support) and the ranked slices with the
lowest metric decide the mix: LF-targeted picks toward the weakest classes when the pool has weak labels,
equal shares per value of the weakest slice key when the pool has that metadata column, margin
uncertainty when it has model scores (else typicality when it has embeddings), and the rest at random.
A request that names its own strategies keeps them. Each part of the mix comes with its reason.
"""

from __future__ import annotations

from curation.errors import InvalidArgument
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops.operation_spec import Context, Host
from curation.ops.sampling.select import DEFAULT_DEDUP, select_response
from curation.v1 import classification_pb2 as cpb
from curation.v1 import sampling_pb2 as pb

__all__ = ["PLAN", "handle_plan", "plan_strategies"]

# The diagnostics a plan reads (their summary and slices): a ScoreClassification response sent inline,
# or the evaluation cached under its key_digest.
Diagnostics = ipb.ClassificationEvaluation | cpb.ScoreClassificationResponse

PLAN = "curation.v1.SamplingService/Plan"
SCORE_CLASSIFICATION = "curation.v1.DiagnosticsService/ScoreClassification"


def plan_strategies(
    evaluation: Diagnostics,
    selection: pb.SelectRequest,
    weakest_classes: int,
    weakest_slices: int,
) -> tuple[list[pb.WeakClass], list[pb.WeakSlice], list[pb.SamplingStrategy], list[str]]:
    """The weakest classes (lowest F1, then recall), ranked slices (lowest metric) and the mix they imply."""
    weak_classes = _weak_classes(evaluation, weakest_classes)
    weak_slices = _weak_slices(evaluation, weakest_slices)
    mix, reasons = _mix(weak_classes, weak_slices, selection)
    return weak_classes, weak_slices, mix, reasons


def _weak_classes(evaluation: Diagnostics, count: int) -> list[pb.WeakClass]:
    """The ``count`` classes with support and the lowest F1 (then recall, then index)."""
    per_class = list(evaluation.summary.per_class)
    order = sorted(
        (i for i, c in enumerate(per_class) if c.support > 0),
        key=lambda i: (per_class[i].f1, per_class[i].recall, i),
    )
    return [
        pb.WeakClass(
            class_index=i,
            class_name=per_class[i].class_name,
            f1=per_class[i].f1,
            recall=per_class[i].recall,
            support=per_class[i].support,
        )
        for i in order[:count]
    ]


def _weak_slices(evaluation: Diagnostics, count: int) -> list[pb.WeakSlice]:
    """The ``count`` ranked slices with the lowest metric (then key, then value)."""
    slices = [(s.metric, r.key, s.value, s.support) for r in evaluation.slices for s in r.slices if s.ranked]
    slices.sort(key=lambda t: (t[0], t[1], t[2]))
    return [
        pb.WeakSlice(key=key, value=value, metric=m, support=sup) for m, key, value, sup in slices[:count]
    ]


def _mix(
    weak_classes: list[pb.WeakClass], weak_slices: list[pb.WeakSlice], selection: pb.SelectRequest
) -> tuple[list[pb.SamplingStrategy], list[str]]:
    """The strategies (fractions summing to 1) the weak spots and the pool's inputs imply, with reasons."""
    has_weak = len(selection.weak_label_probs) > 0 or len(selection.weak_labels) > 0
    meta_keys = {c.key for c in selection.metadata}
    reasons: list[str] = []
    mix: list[pb.SamplingStrategy] = []
    head = 1.0
    if has_weak and weak_classes:
        mix.append(
            pb.SamplingStrategy(
                kind=pb.STRATEGY_KIND_LF_TARGETED,
                fraction=0.3,
                name="weak-class-lf",
                target_classes=[c.class_index for c in weak_classes],
                model_filter=pb.MODEL_FILTER_DISAGREE_OR_UNSURE,
            )
        )
        head -= 0.3
        reasons.append(
            "weak-class-lf (30%): weak labels point at the weakest classes "
            + ", ".join(c.class_name or str(c.class_index) for c in weak_classes)
            + " where the model disagrees or is unsure"
        )
    slice_key = next((s.key for s in weak_slices if s.key in meta_keys), "")
    if slice_key:
        mix.append(
            pb.SamplingStrategy(
                kind=pb.STRATEGY_KIND_STRATIFIED,
                fraction=0.1,
                name="weak-slice-strata",
                strata=pb.STRATA_SOURCE_METADATA,
                metadata_key=slice_key,
            )
        )
        head -= 0.1
        reasons.append(
            f"weak-slice-strata (10%): equal shares per {slice_key!r} value, the weakest slice key"
        )
    _add_model_share(mix, reasons, head, selection)
    rest = round(1.0 - sum(s.fraction for s in mix), 6)
    mix.append(pb.SamplingStrategy(kind=pb.STRATEGY_KIND_RANDOM, fraction=rest, name="random"))
    reasons.append(
        f"random ({rest:.0%}): calibration, and a check that the targeted picks are not blind spots"
    )
    return mix, reasons


def _add_model_share(
    mix: list[pb.SamplingStrategy], reasons: list[str], head: float, selection: pb.SelectRequest
) -> None:
    """80% of what the targeted strategies left: margin uncertainty with model scores, else typicality
    (cold start) with embeddings, else nothing."""
    share = round(head * 0.8, 6)
    if len(selection.scores) > 0:
        mix.append(
            pb.SamplingStrategy(
                kind=pb.STRATEGY_KIND_UNCERTAINTY,
                fraction=share,
                name="margin",
                measure=pb.UNCERTAINTY_MEASURE_MARGIN,
            )
        )
        reasons.append(f"margin ({share:.0%}): the model's least decided assets")
    elif selection.embeddings or selection.collection:
        mix.append(pb.SamplingStrategy(kind=pb.STRATEGY_KIND_TYPICALITY, fraction=share, name="typicality"))
        reasons.append(
            f"typicality ({share:.0%}): no model scores yet, so the most typical asset of each uncovered"
            " cluster (cold start; k-center came last in bench/label_savings.py)"
        )


async def _evaluation(ops: Host, request: pb.PlanRequest, ctx: Context) -> Diagnostics:
    """The diagnostics result: cached under ``diagnostics_key``, or inline."""
    if request.diagnostics_key:
        return await ops.load_payload(
            SCORE_CLASSIFICATION, request.diagnostics_key, ctx.namespace, ipb.ClassificationEvaluation
        )
    if request.HasField("diagnostics"):
        return request.diagnostics
    raise InvalidArgument("give diagnostics inline or a diagnostics_key", field="diagnostics")


async def handle_plan(ops: Host, request: pb.PlanRequest, ctx: Context) -> pb.PlanResponse:
    """The plan and the selection it makes (the caller's strategies, when given, are kept as sent)."""
    evaluation = await _evaluation(ops, request, ctx)
    if request.weakest_classes < 0 or request.weakest_slices < 0:
        raise InvalidArgument("must be >= 0", field="weakest_classes")
    weak_classes, weak_slices, mix, reasons = plan_strategies(
        evaluation, request.selection, request.weakest_classes or 3, request.weakest_slices or 3
    )
    select_request = pb.SelectRequest()
    select_request.CopyFrom(request.selection)
    if not select_request.strategies:
        select_request.strategies.extend(mix)
        if not select_request.HasField("dedup") and (select_request.embeddings or select_request.collection):
            select_request.dedup.CopyFrom(DEFAULT_DEDUP)
            reasons.append(
                "near-duplicates removed (cosine distance <= 0.5 x the median nearest-neighbour distance)"
            )
    else:
        reasons = ["strategies given by the caller: kept as sent"]
    selection = await select_response(ops, select_request, ctx)
    return pb.PlanResponse(
        weak_classes=weak_classes,
        weak_slices=weak_slices,
        request=select_request,
        selection=selection,
        reasons=reasons,
    )
