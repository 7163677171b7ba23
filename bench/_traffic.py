"""Requests for load benchmarks, serialized once, and two raw callers (gRPC, REST) over pooled connections.

A ``Payload`` holds one request as protobuf bytes and as proto3 JSON bytes, built up front so that the
client's own serialization is not what a benchmark measures. ``GrpcCaller`` and ``RestCaller`` send those
bytes over one long-lived channel / kept-alive connection and raise ``CurationClientError`` (with the
service's error kind) on failure, like the Python client does.
"""

from __future__ import annotations

import http.client
import json
import math
import select
from dataclasses import dataclass
from typing import Any

import grpc
import numpy as np
import numpy.typing as npt
from google.protobuf.message import Message
from tests.synth.detection import synth_detection
from tests.synth.label_model import synthetic_votes

from curation.contract import NAMESPACE_HEADER, REQUEST_TIMEOUT_HEADER
from curation.rest import protojson
from curation.v1 import classification_pb2 as cls_pb
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as det_pb
from curation.v1 import embeddings_pb2 as emb_pb
from curation.v1 import labeling_pb2 as lf_pb
from curation.v1 import sampling_pb2 as smp_pb
from curation_client import CurationClientError, resolve
from curation_client.errors import from_grpc_error, from_http_response

__all__ = [
    "RETRYABLE",
    "GrpcCaller",
    "Payload",
    "RestCaller",
    "apply_request",
    "classification_payload",
    "classification_request",
    "detection_request",
    "fit_request",
    "payload",
    "put_embeddings_request",
    "select_request",
    "small_classification_request",
]

# The README: ``overloaded`` (429) is to be retried with back-off, ``unavailable`` (503) means shutting
# down (or, for a client, try again / elsewhere).
RETRYABLE = frozenset({"overloaded", "unavailable"})
_UNLIMITED = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]


@dataclass(frozen=True)
class Payload:
    """One request, serialized for both protocols."""

    method: str
    proto: bytes
    json: bytes

    @property
    def size(self) -> str:
        return f"proto {len(self.proto) / 1e6:.1f} MB, JSON {len(self.json) / 1e6:.1f} MB"


def payload(method: str, request: Message) -> Payload:
    """``request`` for RPC ``method`` (short name) as protobuf and proto3 JSON bytes."""
    return Payload(method, request.SerializeToString(), json.dumps(protojson.to_dict(request)).encode())


class GrpcCaller:
    """Raw-bytes unary calls over one channel, without message size limits."""

    def __init__(self, target: str) -> None:
        self.channel = grpc.insecure_channel(target, options=_UNLIMITED)
        self._calls: dict[str, grpc.UnaryUnaryMultiCallable[bytes, bytes]] = {}

    def call(self, method: str, body: bytes, *, namespace: str = "default", timeout: float = 600) -> bytes:
        rpc = self._calls.get(method)
        if rpc is None:
            rpc = self._calls[method] = self.channel.unary_unary(resolve(method).path)
        try:
            reply: bytes = rpc(body, timeout=timeout, metadata=((NAMESPACE_HEADER, namespace),))
        except grpc.RpcError as exc:
            raise from_grpc_error(exc) from None
        return reply

    def close(self) -> None:
        self.channel.close()


class RestCaller:
    """Raw-bytes REST calls over one kept-alive connection (the body goes out in one write).

    Before each call the connection is checked the way pooling clients do: one the server closed while
    idle (keep-alive timeout) is reopened instead of failing the request.
    """

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=600)

    def _drop_if_closed(self) -> None:
        sock = self.conn.sock
        if sock is not None and select.select([sock], [], [], 0)[0]:
            self.conn.close()

    def get(self, path: str, *, timeout: float = 10) -> int:
        """GET ``path``; its status."""
        self._drop_if_closed()
        self.conn.timeout = timeout
        if self.conn.sock is not None:
            self.conn.sock.settimeout(timeout)
        try:
            self.conn.request("GET", path)
            reply = self.conn.getresponse()
            reply.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise
        return reply.status

    def call(self, method: str, body: bytes, *, namespace: str = "default", timeout: float = 600) -> bytes:
        rpc = resolve(method)
        self._drop_if_closed()
        if self.conn.sock is not None:
            self.conn.sock.settimeout(timeout)
        self.conn.timeout = timeout
        headers = {
            "content-type": "application/json",
            NAMESPACE_HEADER: namespace,
            REQUEST_TIMEOUT_HEADER: str(max(1, math.ceil(timeout * 1000))),
        }
        try:
            self.conn.request(rpc.http_method or "POST", rpc.http_path, body=body, headers=headers)
            reply = self.conn.getresponse()
            content = reply.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            raise CurationClientError("connection", f"{type(exc).__name__}: {exc}", status=0) from None
        if reply.status >= 400:
            raise from_http_response(reply.status, content)
        return content

    def close(self) -> None:
        self.conn.close()


# ---- requests -------------------------------------------------------------------------------------------


def small_classification_request(variant: int = 0) -> cls_pb.ScoreClassificationRequest:
    """The README's request; ``variant`` renames the assets (a new cache key) without changing its size."""
    return cls_pb.ScoreClassificationRequest(
        class_names=["cat", "dog", "bird"],
        asset_ids=[f"a{i}-{variant}" for i in range(1, 6)],
        y_true=[0, 1, 2, 1, 0],
        y_pred=[0, 2, 2, 1, 1],
        metadata=[common_pb2.MetadataColumn(key="camera", values=["day", "night", "night", "day", "night"])],
        slice_by=["camera"],
    )


def classification_request(rows: int, classes: int, seed: int = 0) -> cls_pb.ScoreClassificationRequest:
    """``rows`` assets with an n x k probability matrix and one slice key."""
    return _classification(rows, classes, seed)[0]


def _classification(
    rows: int, classes: int, seed: int
) -> tuple[cls_pb.ScoreClassificationRequest, npt.NDArray[np.float32]]:
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, classes, rows)
    logits = rng.normal(size=(rows, classes)).astype(np.float32)
    logits[np.arange(rows), y_true] += 1.5
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    regions = np.array(["north", "south", "east", "west", "night"])[rng.integers(0, 5, rows)]
    req = cls_pb.ScoreClassificationRequest(
        class_names=[f"class_{i}" for i in range(classes)],
        task=cls_pb.CLASSIFICATION_TASK_SINGLE_LABEL,
        score_type=cls_pb.SCORE_TYPE_PROBABILITY,
        slice_by=["region"],
    )
    req.asset_ids.extend([f"asset-{i:08d}" for i in range(rows)])
    req.y_true.extend(y_true.tolist())
    req.scores.extend(probs.ravel().tolist())
    req.metadata.add(key="region").values.extend(regions.tolist())
    return req, probs


def classification_payload(rows: int, classes: int, seed: int = 0) -> Payload:
    """``classification_request`` serialized; its JSON written straight from the columns, scores in their
    shortest float32 form (the generic mapping takes tens of seconds for a million rows: the client's
    cost, not the service's)."""
    req, probs = _classification(rows, classes, seed)
    doc = {
        "class_names": list(req.class_names),
        "task": "CLASSIFICATION_TASK_SINGLE_LABEL",
        "score_type": "SCORE_TYPE_PROBABILITY",
        "slice_by": list(req.slice_by),
        "asset_ids": list(req.asset_ids),
        "y_true": list(req.y_true),
        "metadata": [{"key": m.key, "values": list(m.values)} for m in req.metadata],
    }
    scores = ",".join(probs.ravel().astype(str).tolist())
    body = json.dumps(doc)[:-1] + ', "scores": [' + scores + "]}"
    return Payload("ScoreClassification", req.SerializeToString(), body.encode())


def detection_request(
    images: int, seed: int = 0, *, categories: int = 80, edge_cases: bool = False
) -> det_pb.ScoreDetectionRequest:
    """A COCO-like columnar evaluation set: ``images`` images, about 7 GT and 40 predictions each
    (``edge_cases``: crowds, empty images and the like, see ``tests.synth.detection``)."""
    d = synth_detection(seed, num_images=images, num_categories=categories, edge_cases=edge_cases)
    req = det_pb.ScoreDetectionRequest(
        asset_ids=[f"img-{i}" for i in range(d.num_images)],
        category_names=[f"cat-{k}" for k in range(d.num_categories)],
        mode=det_pb.DETECTION_MODE_DIAGNOSTIC,
    )
    req.gt_asset.extend(d.gt_image.tolist())
    req.gt_category.extend(d.gt_category.tolist())
    req.gt_boxes.extend(np.asarray(d.gt_box).ravel().tolist())
    req.gt_iscrowd.extend(np.asarray(d.gt_iscrowd, dtype=bool).tolist())
    req.pred_asset.extend(d.dt_image.tolist())
    req.pred_category.extend(d.dt_category.tolist())
    req.pred_boxes.extend(np.asarray(d.dt_box).ravel().tolist())
    req.pred_scores.extend(np.asarray(d.dt_score).tolist())
    return req


def _keyword(name: str, label: int, field: str, *patterns: str, **flags: Any) -> lf_pb.LabelingFunction:
    rule = lf_pb.Rule(keyword=lf_pb.KeywordRule(field=field, patterns=list(patterns), **flags))
    return lf_pb.LabelingFunction(name=name, label=label, rule=rule)


def apply_request(rows: int, seed: int = 0) -> lf_pb.ApplyLabelingFunctionsRequest:
    """Twenty labeling functions (keyword, regex, metadata, model-output rules) over ``rows`` texts."""
    rng = np.random.default_rng(seed)
    words = np.array(["refund", "broken", "great", "late", "bike", "night", "cat", "ok", "the", "a"])
    texts = [" ".join(row) for row in words[rng.integers(0, len(words), size=(rows, 6))].tolist()]
    time_of_day = rng.choice(np.array(["day", "night", "dusk", ""]), size=rows).tolist()
    scores = rng.dirichlet(np.ones(3), size=rows).astype(np.float32)
    R = lf_pb.Rule
    fns = [
        _keyword("refund", 0, "text", "refund"),
        _keyword("broken", 0, "text", "broken", whole_word=True),
        _keyword("great", 1, "text", "great", case_insensitive=True),
        _keyword("late", 0, "text", r"lat\w", regex=True),
        _keyword("bike", 2, "text", "bike", "bicycle"),
        _keyword("cat", 2, "text", "cat", whole_word=True),
        _keyword("ok", 1, "text", "ok"),
        _keyword("night-word", 2, "text", "night"),
        _keyword("late-night", 0, "text", r"late\s+night", regex=True),
        _keyword("the-a", 1, "text", r"\bthe a\b", regex=True),
        lf_pb.LabelingFunction(
            name="night", label=2, rule=R(equals=lf_pb.EqualsRule(key="tod", value="night"))
        ),
        lf_pb.LabelingFunction(
            name="dark", label=2, rule=R(in_set=lf_pb.InSetRule(key="tod", values=["night", "dusk"]))
        ),
        lf_pb.LabelingFunction(name="known-time", label=1, rule=R(exists=lf_pb.ExistsRule(key="tod"))),
        lf_pb.LabelingFunction(
            name="not-day",
            label=2,
            rule=R(negation=R(equals=lf_pb.EqualsRule(key="tod", value="day"))),
        ),
        lf_pb.LabelingFunction(
            name="pred-0", label=0, rule=R(predicted_class=lf_pb.PredictedClassRule(label=0))
        ),
        lf_pb.LabelingFunction(
            name="pred-1", label=1, rule=R(predicted_class=lf_pb.PredictedClassRule(label=1))
        ),
        lf_pb.LabelingFunction(
            name="score-2", label=2, rule=R(score_at_least=lf_pb.ScoreAtLeastRule(label=2, threshold=0.6))
        ),
        lf_pb.LabelingFunction(
            name="score-0", label=0, rule=R(score_at_least=lf_pb.ScoreAtLeastRule(label=0, threshold=0.7))
        ),
        lf_pb.LabelingFunction(
            name="margin-1",
            label=1,
            rule=R(score_within_margin=lf_pb.ScoreWithinMarginRule(label=1, margin=0.05)),
        ),
        _keyword("ok-great", 1, "text", "ok great", "great ok"),
    ]
    req = lf_pb.ApplyLabelingFunctionsRequest(class_names=["a", "b", "c"], labeling_functions=fns)
    req.asset_ids.extend([f"doc-{i}" for i in range(rows)])
    req.texts.add(key="text").values.extend(texts)
    req.metadata.add(key="tod").values.extend(time_of_day)
    req.scores.extend(scores.ravel().tolist())
    return req


def label_matrix(rows: int, functions: int, classes: int, seed: int = 0) -> lf_pb.LabelMatrix:
    """A sparse label matrix of ``rows`` x ``functions`` LFs with known truth (see tests.synth)."""
    votes = synthetic_votes(rows, functions, classes, seed=seed).L
    r, f = np.nonzero(votes >= 0)
    m = lf_pb.LabelMatrix(num_rows=rows, num_functions=functions)
    m.rows.extend(r.tolist())
    m.functions.extend(f.tolist())
    m.labels.extend(votes[r, f].astype(np.int64).tolist())
    return m


def fit_request(rows: int, functions: int, classes: int, seed: int = 0) -> lf_pb.FitLabelModelRequest:
    """A weighted-majority-vote fit over a synthetic label matrix; predictions left out of the answer."""
    return lf_pb.FitLabelModelRequest(
        class_names=[f"c{i}" for i in range(classes)],
        label_matrix=label_matrix(rows, functions, classes, seed),
        model=lf_pb.LABEL_MODEL_TYPE_WEIGHTED_MAJORITY_VOTE,
        seed=seed,
        omit_predictions=True,
    )


def put_embeddings_request(
    collection: str, rows: int, dimension: int, seed: int = 0
) -> emb_pb.PutEmbeddingsRequest:
    """``rows`` random float32 vectors under asset IDs ``e-0`` ... in ``collection``."""
    vectors = np.random.default_rng(seed).normal(size=(rows, dimension)).astype("<f4")
    return emb_pb.PutEmbeddingsRequest(
        collection=collection,
        dimension=dimension,
        asset_ids=[f"e-{i}" for i in range(rows)],
        vectors=vectors.tobytes(),
    )


def select_request(collection: str, rows: int, budget: int, seed: int = 0) -> smp_pb.SelectRequest:
    """Diversity (k-center) selection of ``budget`` assets from ``collection``'s vectors."""
    return smp_pb.SelectRequest(
        asset_ids=[f"e-{i}" for i in range(rows)],
        collection=collection,
        budget=budget,
        seed=seed,
        strategies=[smp_pb.SamplingStrategy(kind=smp_pb.STRATEGY_KIND_DIVERSITY, fraction=1.0)],
    )
