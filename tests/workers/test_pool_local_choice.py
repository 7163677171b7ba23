"""Which small calls the serving process computes itself (``ProcessPool._local_compute`` and
``InProcess.answer_cheap``): only operations whose cost follows from the body alone, and only under
``LOCAL_WORK``; a tiny body that names stored data, many iterations or a large stated matrix goes to the
compute processes. The hop is stubbed: no process is started, the test sees which calls would leave."""

from __future__ import annotations

from typing import Any

import pytest
from bench._traffic import small_classification_request
from google.protobuf.message import Message

from curation.errors import InvalidArgument
from curation.metrics import Metrics
from curation.ops import Context, Operations
from curation.ops.envelopes import Envelopes, SigningKeys
from curation.ops.gateway import PROTO, InProcess
from curation.ops.registry import all_specs
from curation.settings import Settings
from curation.store import MemoryStore
from curation.v1 import classification_pb2, detection_pb2, labeling_pb2, sampling_pb2
from curation.wiring import CODECS
from curation.workers import ProcessPool, WorkerConfig
from curation.workers.pool import LOCAL_WORK
from tests.support import DictCache

CLASSIFY = "curation.v1.DiagnosticsService/ScoreClassification"
DETECT = "curation.v1.DiagnosticsService/ScoreDetection"
SELECT = "curation.v1.SamplingService/Select"
FIT = "curation.v1.LabelingFunctionService/FitLabelModel"
ANALYZE = "curation.v1.LabelingFunctionService/AnalyzeLabelingFunctions"
HOPPED = b"answered by a compute process"


@pytest.fixture
def pool() -> tuple[ProcessPool, list[str]]:
    """A pool over the real registry whose hop to the processes is recorded and answered ``HOPPED``."""
    keys = SigningKeys.random()
    cache = DictCache()
    config = WorkerConfig(Settings(workers=1, local_cache_bytes=0), 1, signing_keys=keys, codecs=CODECS)
    local = InProcess(Operations(all_specs(), cache, workers=1, local_bytes=0, envelopes=Envelopes(keys)))
    processes = ProcessPool(config, cache, MemoryStore(max_bytes=1 << 20), Metrics(), local=local)
    hops: list[str] = []

    async def hop(name: str, frames: list[bytes], *args: Any, **kw: Any) -> bytes:
        hops.append(name)
        return HOPPED

    processes._call = hop  # type: ignore[method-assign]
    return processes, hops


async def ask(pool: ProcessPool, name: str, message: Message) -> bytes:
    return await pool.answer(name, message.SerializeToString(), PROTO, Context())


async def test_the_readme_request_is_computed_here(pool: tuple[ProcessPool, list[str]]) -> None:
    processes, hops = pool
    answer = classification_pb2.ScoreClassificationResponse.FromString(
        await ask(processes, CLASSIFY, small_classification_request())
    )
    assert hops == [] and answer.summary.num_assets == 5
    again = classification_pb2.ScoreClassificationResponse.FromString(
        await ask(processes, CLASSIFY, small_classification_request())
    )
    assert hops == [] and again.cache.cached and again.summary == answer.summary


async def test_a_selection_over_a_stored_collection_goes_to_the_processes(
    pool: tuple[ProcessPool, list[str]],
) -> None:
    processes, hops = pool
    request = sampling_pb2.SelectRequest(collection="a-million-vectors", budget=10, num_classes=2)
    assert len(request.SerializeToString()) < 64
    assert await ask(processes, SELECT, request) == HOPPED
    assert hops == [SELECT]


async def test_a_label_model_fit_with_a_small_body_goes_to_the_processes(
    pool: tuple[ProcessPool, list[str]],
) -> None:
    processes, hops = pool
    request = labeling_pb2.FitLabelModelRequest(
        class_names=["a", "b"],
        label_matrix=labeling_pb2.LabelMatrix(
            num_rows=2, num_functions=1, rows=[0], functions=[0], labels=[1]
        ),
        model=labeling_pb2.LABEL_MODEL_TYPE_DAWID_SKENE,
        max_iterations=10_000,
    )
    assert await ask(processes, FIT, request) == HOPPED
    assert hops == [FIT]


async def test_a_small_body_stating_much_work_goes_to_the_processes(
    pool: tuple[ProcessPool, list[str]],
) -> None:
    processes, hops = pool
    classes = [f"c{i}" for i in range(400)]  # 160,000 confusion cells from a 2 KB body
    many = classification_pb2.ScoreClassificationRequest(
        class_names=classes, asset_ids=["a"], y_true=[0], y_pred=[1]
    )
    stated = labeling_pb2.AnalyzeLabelingFunctionsRequest(
        class_names=["a", "b"],
        label_matrix=labeling_pb2.LabelMatrix(num_rows=100_000, num_functions=10),
    )
    assert LOCAL_WORK < 8 * 100_000 * 10
    assert await ask(processes, CLASSIFY, many) == HOPPED
    assert await ask(processes, ANALYZE, stated) == HOPPED
    assert hops == [CLASSIFY, ANALYZE]


async def test_detection_is_never_computed_here(pool: tuple[ProcessPool, list[str]]) -> None:
    """Its estimate inflates gzip COCO files: not a cost that follows from the body alone."""
    processes, hops = pool
    request = detection_pb2.ScoreDetectionRequest(asset_ids=["a"], category_names=["x"])
    assert await ask(processes, DETECT, request) == HOPPED
    assert hops == [DETECT]


async def test_a_refusal_of_a_small_body_is_the_same_here(pool: tuple[ProcessPool, list[str]]) -> None:
    processes, hops = pool
    bad = classification_pb2.ScoreClassificationRequest(
        class_names=["a"], asset_ids=["x", "y"], y_true=[0, 3], y_pred=[0, 0]
    )
    with pytest.raises(InvalidArgument) as error:
        await ask(processes, CLASSIFY, bad)
    assert error.value.field == "y_true[1]" and hops == []


async def test_a_repeat_of_a_cached_answer_is_answered_from_its_encoded_bytes(
    pool: tuple[ProcessPool, list[str]],
) -> None:
    processes, hops = pool
    request = small_classification_request(7)
    first = await ask(processes, CLASSIFY, request)
    second = await ask(processes, CLASSIFY, request)  # from the cache: its bytes are kept
    cache = processes.cache
    assert isinstance(cache, DictCache)
    cache.data.clear()
    assert await ask(processes, CLASSIFY, request) == second != first
    assert classification_pb2.ScoreClassificationResponse.FromString(second).cache.cached
    other = await processes.answer(CLASSIFY, request.SerializeToString(), PROTO, Context(namespace="other"))
    assert not classification_pb2.ScoreClassificationResponse.FromString(other).cache.cached
    assert hops == []
