"""SamplingService: Select, FindNearDuplicates and Plan, thin over ``curation.core.sampling``.

Each is a direct operation: it first resolves a named embedding collection through the store (async),
then hands the pure computation to ``ops.cached`` (worker thread, cache, in-flight sharing). The cache
key is the canonical request plus a digest of the resolved vectors, so a collection that changed is a
new key. Large near-duplicate searches use the core's faiss IVF-Flat index over unit vectors (inner
product = cosine); small ones (and tests) its exact blocked numpy search.

Modules: ``vectors`` (the pool's vectors from a collection), ``select`` (with the adaptive default),
``near_duplicates`` (with the options Select's dedup shares) and ``plan``.
"""

from __future__ import annotations

from typing import Any

from curation.core.sampling import warm_up
from curation.ops.operation_spec import OperationSpec
from curation.ops.sampling.cost import near_duplicates_cost, plan_cost, select_cost
from curation.ops.sampling.near_duplicates import NEAR_DUPLICATES, handle_near_duplicates
from curation.ops.sampling.plan import PLAN, handle_plan, plan_strategies
from curation.ops.sampling.select import DEFAULT_DEDUP, SELECT, handle_select
from curation.v1 import sampling_pb2 as pb

__all__ = [
    "DEFAULT_DEDUP",
    "NEAR_DUPLICATES",
    "PLAN",
    "SELECT",
    "SPECS",
    "handle_near_duplicates",
    "handle_plan",
    "handle_select",
    "plan_strategies",
    "warm_up",
]

SPECS: list[OperationSpec[Any, Any, Any]] = [
    OperationSpec(
        name=SELECT,
        request_type=pb.SelectRequest,
        response_type=pb.SelectResponse,
        handle=handle_select,
        cost=select_cost,
        warm_up=warm_up,
    ),
    OperationSpec(
        name=NEAR_DUPLICATES,
        request_type=pb.FindNearDuplicatesRequest,
        response_type=pb.FindNearDuplicatesResponse,
        handle=handle_near_duplicates,
        cost=near_duplicates_cost,
    ),
    OperationSpec(
        name=PLAN,
        request_type=pb.PlanRequest,
        response_type=pb.PlanResponse,
        handle=handle_plan,
        cost=plan_cost,
        warm_up=warm_up,
    ),
]
