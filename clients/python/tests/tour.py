"""A valid call of every RPC, in an order where each can use what the earlier ones answered (the
collection Put created, the model Fit kept, the key of a classification result): the tour every client
takes in ``test_every_rpc``."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from curation_client.v1 import admin_pb2 as admin_pb
from curation_client.v1 import classification_pb2 as cls_pb
from curation_client.v1 import detection_pb2 as det_pb
from curation_client.v1 import embeddings_pb2 as emb_pb
from curation_client.v1 import labeling_pb2 as lf_pb
from curation_client.v1 import sampling_pb2 as smp_pb

Answers = dict[str, Any]

ASSETS = [f"a{i}" for i in range(12)]
DIMENSION = 4


def classification() -> cls_pb.ScoreClassificationRequest:
    """Five misclassified assets of eight, so a page size of 2 gives three pages."""
    return cls_pb.ScoreClassificationRequest(
        class_names=["cat", "dog", "bird"],
        asset_ids=ASSETS[:8],
        y_true=[0, 1, 2, 1, 0, 2, 1, 0],
        y_pred=[0, 2, 2, 0, 1, 1, 1, 2],
    )


BAD_CLASSIFICATION = cls_pb.ScoreClassificationRequest(
    class_names=["cat", "dog"], asset_ids=["x", "y"], y_true=[0, 7], y_pred=[0, 1]
)
BAD_FIELD = "y_true[1]"


def detection() -> det_pb.ScoreDetectionRequest:
    return det_pb.ScoreDetectionRequest(
        asset_ids=["img1", "img2"],
        category_names=["car", "person"],
        gt_asset=[0, 0, 1],
        gt_category=[0, 1, 1],
        gt_boxes=[10, 10, 50, 40, 100, 100, 30, 60, 5, 5, 20, 40],
        pred_asset=[0, 0, 1, 1],
        pred_category=[0, 0, 1, 0],
        pred_boxes=[12, 11, 48, 40, 200, 200, 10, 10, 6, 5, 20, 38, 6, 5, 20, 38],
        pred_scores=[0.9, 0.4, 0.8, 0.3],
    )


def detection_chunks() -> Iterator[det_pb.ScoreDetectionStreamRequest]:
    """``detection()`` in two chunks (merged in order by the server)."""
    whole = detection()
    first = det_pb.ScoreDetectionRequest(asset_ids=whole.asset_ids, category_names=whole.category_names)
    rest = det_pb.ScoreDetectionRequest()
    rest.CopyFrom(whole)
    rest.ClearField("asset_ids")
    rest.ClearField("category_names")
    for chunk in (first, rest):
        yield det_pb.ScoreDetectionStreamRequest(chunk=chunk)


def vectors() -> bytes:
    """Twelve 4-d vectors in three tight clusters (near duplicates within each)."""
    rows = [[float(i // 4 == c) + 0.001 * i for c in range(DIMENSION)] for i in range(len(ASSETS))]
    return struct.pack(f"<{len(ASSETS) * DIMENSION}f", *(v for row in rows for v in row))


def _matrix() -> lf_pb.LabelMatrix:
    return lf_pb.LabelMatrix(
        num_rows=4,
        num_functions=3,
        rows=[0, 0, 1, 2, 2, 3, 3],
        functions=[0, 1, 1, 0, 2, 1, 2],
        labels=[1, 1, 0, 1, 0, 0, 0],
    )


def _select(collection: str) -> smp_pb.SelectRequest:
    mix = [
        smp_pb.SamplingStrategy(kind=smp_pb.STRATEGY_KIND_RANDOM, fraction=0.5),
        smp_pb.SamplingStrategy(kind=smp_pb.STRATEGY_KIND_DIVERSITY, fraction=0.5),
    ]
    return smp_pb.SelectRequest(asset_ids=ASSETS, collection=collection, budget=4, seed=1, strategies=mix)


@dataclass(frozen=True)
class Step:
    """One RPC of the tour: its request from the answers so far, and a check of its response."""

    rpc: str
    request: Callable[[Answers], Any]
    check: Callable[[Any], bool]


def steps(tag: str) -> list[Step]:
    """The tour; ``tag`` names its collection, so each client's tour keeps to its own data."""
    collection = f"tour-{tag}"
    return [
        Step("ScoreClassification", lambda _: classification(), lambda r: r.summary.num_assets == 8),
        Step("ScoreDetection", lambda _: detection(), lambda r: r.counts.num_gt == 3),
        Step("ScoreDetectionStream", lambda _: detection_chunks(), lambda r: r.response.counts.num_gt == 3),
        Step(
            "PutEmbeddings",
            lambda _: emb_pb.PutEmbeddingsRequest(
                collection=collection, dimension=DIMENSION, asset_ids=ASSETS, vectors=vectors()
            ),
            lambda r: r.dimension == DIMENSION,
        ),
        Step(
            "GetEmbeddings",
            lambda _: emb_pb.GetEmbeddingsRequest(collection=collection, asset_ids=["a0", "zz"]),
            lambda r: list(r.asset_ids) == ["a0"] and list(r.missing_ids) == ["zz"],
        ),
        Step(
            "FindNearDuplicates",
            lambda _: smp_pb.FindNearDuplicatesRequest(
                asset_ids=ASSETS, collection=collection, threshold=0.01
            ),
            lambda r: r.total_groups == 3,
        ),
        Step("Select", lambda _: _select(collection), lambda r: len(r.selected) == 4),
        Step(
            "Plan",
            lambda a: smp_pb.PlanRequest(
                diagnostics_key=a["ScoreClassification"].cache.key_digest, selection=_select(collection)
            ),
            lambda r: len(r.selection.selected) == 4,
        ),
        Step(
            "ApplyLabelingFunctions",
            lambda _: lf_pb.ApplyLabelingFunctionsRequest(
                class_names=["ham", "spam"],
                asset_ids=["m1", "m2", "m3"],
                texts=[lf_pb.TextField(key="body", values=["win money now", "lunch?", "free MONEY"])],
                labeling_functions=[
                    lf_pb.LabelingFunction(
                        name="money",
                        label=1,
                        rule=lf_pb.Rule(
                            keyword=lf_pb.KeywordRule(field="body", patterns=["money"], case_insensitive=True)
                        ),
                    )
                ],
            ),
            lambda r: r.label_matrix.num_rows == 3,
        ),
        Step(
            "AnalyzeLabelingFunctions",
            lambda _: lf_pb.AnalyzeLabelingFunctionsRequest(
                class_names=["ham", "spam"], label_matrix=_matrix()
            ),
            lambda r: len(r.functions) == 3,
        ),
        Step(
            "FitLabelModel",
            lambda _: lf_pb.FitLabelModelRequest(
                class_names=["ham", "spam"], asset_ids=["a", "b", "c", "d"], label_matrix=_matrix()
            ),
            lambda r: bool(r.model_id),
        ),
        Step(
            "PredictLabelModel",
            lambda a: lf_pb.PredictLabelModelRequest(
                model_id=a["FitLabelModel"].model_id, label_matrix=_matrix()
            ),
            lambda r: bool(r.model_id),
        ),
        Step(
            "DeleteLabelModel",
            lambda a: lf_pb.DeleteLabelModelRequest(model_id=a["FitLabelModel"].model_id),
            lambda r: r.deleted,
        ),
        Step(
            "DeleteEmbeddings",
            lambda _: emb_pb.DeleteEmbeddingsRequest(collection=collection, delete_collection=True),
            lambda r: r.collection_deleted,
        ),
        # Last: the tour's results are cached in its namespace, so there is something to remove.
        Step("FlushCache", lambda _: admin_pb.FlushCacheRequest(), lambda r: r.entries_removed > 0),
    ]
