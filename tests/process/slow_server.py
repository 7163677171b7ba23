"""``python -m tests.process.slow_server``: the real entry point (``curation.__main__.main``: settings from
the environment, signal handling, exit status) over one slow fake operation instead of the registry.

``ScoreClassification`` with ``class_names=[<tag>, <mode>, <argument>]`` logs ``computing`` with the
tag, then, by mode: ``gate`` waits (in 10 ms steps, with a cancellation checkpoint between them) until
the file named by the argument exists; ``block`` sleeps the argument's seconds in one uninterruptible
call (a computation that never reaches a checkpoint); ``now`` answers at once.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from curation import __main__ as entry
from curation import wiring
from curation.core import checkpoint
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops import OperationSpec
from curation.settings import Settings
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2

AnySpec = OperationSpec[Any, Any, Any]

log = logging.getLogger("tests.slow_server")

NAME = "curation.v1.DiagnosticsService/ScoreClassification"


def evaluate(request: pb.ScoreClassificationRequest) -> ipb.ClassificationEvaluation:
    tag, mode, argument = request.class_names
    log.info("computing", extra={"tag": tag})
    if mode == "block":
        time.sleep(float(argument))
    elif mode == "gate":
        while not os.path.exists(argument):
            checkpoint()
            time.sleep(0.01)
    return ipb.ClassificationEvaluation(summary=pb.ClassificationSummary(num_assets=len(request.asset_ids)))


def respond(
    payload: ipb.ClassificationEvaluation, request: pb.ScoreClassificationRequest, info: common_pb2.CacheInfo
) -> pb.ScoreClassificationResponse:
    return pb.ScoreClassificationResponse(summary=payload.summary, cache=info)


def slow_specs() -> list[AnySpec]:
    """The slow operation alone: the registry the compute processes import."""
    spec: OperationSpec[
        pb.ScoreClassificationRequest, pb.ScoreClassificationResponse, ipb.ClassificationEvaluation
    ]
    spec = OperationSpec(
        name=NAME,
        request_type=pb.ScoreClassificationRequest,
        response_type=pb.ScoreClassificationResponse,
        payload_type=ipb.ClassificationEvaluation,
        evaluate=evaluate,
        respond=respond,
        paging_fields=("page_size", "page_token"),
    )
    return [spec]


_build_runtime = wiring.build_runtime


def slow_runtime(settings: Settings, specs: list[AnySpec] | None = None) -> wiring.Runtime:
    """The process's runtime over the slow operation only (the argument is ignored)."""
    return _build_runtime(settings, slow_specs())


if __name__ == "__main__":
    # The entry point's wiring.prepare builds its runtime, and names the compute processes' registry,
    # through these names.
    wiring.build_runtime = slow_runtime
    wiring.DEFAULT_REGISTRY = "tests.process.slow_server:slow_specs"  # type: ignore[attr-defined]
    entry.main()
