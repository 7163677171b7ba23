"""curation.ops.classification: evaluate/respond round trip, pagination, and InvalidArgument fields."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from sklearn import metrics as skm

from curation.core import classification as core
from curation.errors import InvalidArgument
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops import _validate as v
from curation.ops import classification as ops
from curation.ops.classification.convert import misclassified_single_label_bytes
from curation.ops.paging import check_page_size, encode_page_token
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2

DIGEST = "d" * 64


def single_request(
    n: int = 120, k: int = 4, seed: int = 0, *, top_k: Sequence[int] = ()
) -> pb.ScoreClassificationRequest:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    s = rng.random((n, k)).astype(np.float32)
    s /= s.sum(1, keepdims=True)
    req = pb.ScoreClassificationRequest(
        class_names=[f"c{i}" for i in range(k)],
        asset_ids=[f"id-{i}" for i in range(n)],
        task=pb.CLASSIFICATION_TASK_SINGLE_LABEL,
        y_true=y.tolist(),
        scores=s.ravel().tolist(),
        score_type=pb.SCORE_TYPE_PROBABILITY,
        slice_by=["site"],
        top_k=top_k,
    )
    req.metadata.add(key="site", values=np.array(["a", "b", "c"])[rng.integers(0, 3, n)].tolist())
    return req


def multi_request(n: int = 80, k: int = 3, seed: int = 1) -> pb.ScoreClassificationRequest:
    rng = np.random.default_rng(seed)
    t = rng.random((n, k)) < 0.4
    s = rng.random((n, k)).astype(np.float32)
    req = pb.ScoreClassificationRequest(
        class_names=[f"c{i}" for i in range(k)],
        asset_ids=[f"m-{i}" for i in range(n)],
        task=pb.CLASSIFICATION_TASK_MULTI_LABEL,
        y_true_indicator=t.ravel().tolist(),
        scores=s.ravel().tolist(),
        score_type=pb.SCORE_TYPE_PROBABILITY,
        slice_by=["site"],
    )
    req.metadata.add(key="site", values=np.array(["x", "y"])[rng.integers(0, 2, n)].tolist())
    return req


def info() -> common_pb2.CacheInfo:
    return common_pb2.CacheInfo(cached=False, key_digest=DIGEST)


def test_spec_shape() -> None:
    [spec] = ops.SPECS
    assert spec.name == "curation.v1.DiagnosticsService/ScoreClassification"
    assert spec.payload_type is ipb.ClassificationEvaluation
    assert spec.paging_fields == ("page_size", "page_token")
    assert spec.cached


def test_single_label_round_trip_matches_sklearn() -> None:
    req = single_request()
    payload = ops.evaluate(req)
    y = np.array(req.y_true)
    s = np.array(req.scores, dtype=np.float32).reshape(-1, 4)
    p = s.argmax(1)
    summ = payload.summary
    assert summ.num_assets == 120
    assert summ.accuracy == pytest.approx(skm.accuracy_score(y, p))
    assert [t.k for t in summ.top_k] == [1, 3]
    f1 = skm.f1_score(y, p, average=None, labels=range(4), zero_division=0)
    np.testing.assert_allclose([c.f1 for c in summ.per_class], f1)
    assert [c.class_name for c in summ.per_class] == ["c0", "c1", "c2", "c3"]
    assert list(summ.confusion_matrix.shape) == [4, 4]
    cm = skm.confusion_matrix(y, p, labels=range(4))
    assert list(summ.confusion_matrix.counts) == cm.ravel().tolist()
    assert summ.log_loss == pytest.approx(skm.log_loss(y, s, labels=range(4)), rel=1e-5)
    assert summ.HasField("calibration") and len(summ.calibration.bins) == 15
    assert summ.per_class[0].HasField("average_precision")
    assert len(payload.slices) == 1 and payload.slices[0].num_values == 3
    assert payload.slices[0].metric == pb.SLICE_METRIC_ACCURACY
    assert sum(sl.support for sl in payload.slices[0].slices) == 120
    assert len(payload.misclassified) == int((y != p).sum())
    first = payload.misclassified[0]
    assert first.asset_id == f"id-{first.row}"
    assert first.confidence >= payload.misclassified[-1].confidence
    resp = ops.respond(payload, req, info())
    assert resp.summary == payload.summary and resp.cache.key_digest == DIGEST
    assert resp.misclassified_total == len(payload.misclassified)


def test_multi_label_round_trip() -> None:
    req = multi_request()
    payload = ops.evaluate(req)
    t = np.array(req.y_true_indicator).reshape(-1, 3)
    p = np.array(req.scores, dtype=np.float32).reshape(-1, 3) >= 0.5
    assert payload.summary.hamming_loss == pytest.approx(skm.hamming_loss(t, p))
    assert payload.summary.averages.HasField("samples")
    assert list(payload.summary.confusion_matrix.shape) == [3, 2, 2]
    assert len(payload.misclassified) == int((t != p).any(1).sum())
    for a in payload.misclassified:
        row = a.row
        assert list(a.missed_labels) == np.flatnonzero(t[row] & ~p[row]).tolist()
        assert list(a.spurious_labels) == np.flatnonzero(p[row] & ~t[row]).tolist()
    assert payload.slices[0].metric == pb.SLICE_METRIC_MICRO_F1


@pytest.mark.parametrize("page_size", [0, 7, 10_000])
def test_pages_cover_every_misclassified_asset_once(page_size: int) -> None:
    req = single_request(n=300)
    payload = ops.evaluate(req)
    seen: list[str] = []
    token = ""
    for _ in range(1000):
        page = pb.ScoreClassificationRequest(page_size=page_size, page_token=token)
        resp = ops.respond(payload, page, info())
        assert len(resp.misclassified) <= (page_size or 100)
        seen.extend(a.asset_id for a in resp.misclassified)
        token = resp.next_page_token
        if not token:
            break
    assert seen == [a.asset_id for a in payload.misclassified]
    assert len(set(seen)) == len(seen)


def test_bad_page_tokens_and_sizes() -> None:
    payload = ops.evaluate(single_request())
    total = len(payload.misclassified)
    for token in [
        "!!not-base64!!",
        encode_page_token("e" * 64, 0),
        encode_page_token(DIGEST, total + 1),
        encode_page_token(DIGEST, -1),
    ]:
        with pytest.raises(InvalidArgument) as err:
            ops.respond(payload, pb.ScoreClassificationRequest(page_token=token), info())
        assert err.value.field == "page_token"
    for size in (-1, 10_001):
        with pytest.raises(InvalidArgument) as err:
            check_page_size(pb.ScoreClassificationRequest(page_size=size).page_size)
        assert err.value.field == "page_size"


def _set(field: str, index: int, value: object) -> Callable[[pb.ScoreClassificationRequest], None]:
    def mutate(req: pb.ScoreClassificationRequest) -> None:
        getattr(req, field)[index] = value

    return mutate


def _truncate(field: str, keep: int | None) -> Callable[[pb.ScoreClassificationRequest], None]:
    def mutate(req: pb.ScoreClassificationRequest) -> None:
        del getattr(req, field)[keep:]

    return mutate


def _bad_y_pred(req: pb.ScoreClassificationRequest) -> None:
    req.y_pred.extend([0] * 30)
    req.y_pred[2] = -1


def _negative_score(req: pb.ScoreClassificationRequest) -> None:
    req.scores[4] = 1.5
    req.scores[5] = -0.5


def _unnormalised_row(req: pb.ScoreClassificationRequest) -> None:
    req.scores[8] = req.scores[8] + 0.3


def _short_metadata_column(req: pb.ScoreClassificationRequest) -> None:
    req.metadata.add(key="other", values=["x"])


def _no_predictions(req: pb.ScoreClassificationRequest) -> None:
    del req.scores[:]
    req.score_type = pb.SCORE_TYPE_UNSPECIFIED


# Each case breaks one field of a valid request; the error must name that field.
_MUTATIONS: dict[str, Callable[[pb.ScoreClassificationRequest], None]] = {
    "y_true[17]": _set("y_true", 17, 4),
    "y_true": _truncate("y_true", -1),
    "y_pred[2]": _bad_y_pred,
    "scores[3]": _set("scores", 3, float("nan")),
    "scores[9]": _set("scores", 9, float("inf")),
    "scores[5]": _negative_score,
    "scores[8]": _unnormalised_row,
    "scores": _truncate("scores", -1),
    "asset_ids[5]": _set("asset_ids", 5, "id-2"),
    "asset_ids": _truncate("asset_ids", 0),
    "class_names[1]": _set("class_names", 1, ""),
    "class_names[3]": _set("class_names", 3, "c0"),
    "class_names": _truncate("class_names", 0),
    "slice_by[0]": _set("slice_by", 0, "nope"),
    "metadata[1].values": _short_metadata_column,
    "y_pred": _no_predictions,
    "top_k[1]": lambda req: req.top_k.extend([1, 0]),
    "calibration_bins": lambda req: setattr(req, "calibration_bins", -3),
    "min_slice_support": lambda req: setattr(req, "min_slice_support", -1),
    "max_slices_per_key": lambda req: setattr(req, "max_slices_per_key", -1),
}


def _mutate_single(field: str) -> pb.ScoreClassificationRequest:
    req = single_request(n=30, k=4)
    _MUTATIONS[field](req)
    return req


@pytest.mark.parametrize(
    "field",
    [
        "y_true[17]",
        "y_true",
        "y_pred[2]",
        "scores[3]",
        "scores[9]",
        "scores[5]",
        "scores[8]",
        "scores",
        "asset_ids[5]",
        "asset_ids",
        "class_names[1]",
        "class_names[3]",
        "class_names",
        "slice_by[0]",
        "metadata[1].values",
        "y_pred",
        "top_k[1]",
        "calibration_bins",
        "min_slice_support",
        "max_slices_per_key",
    ],
)
def test_bad_input_names_the_field(field: str) -> None:
    req = _mutate_single(field)
    with pytest.raises(InvalidArgument) as err:
        ops.evaluate(req)
    assert err.value.field == field


def test_bad_multi_label_input() -> None:
    req = multi_request()
    del req.y_true_indicator[-1]
    with pytest.raises(InvalidArgument) as err:
        ops.evaluate(req)
    assert err.value.field == "y_true_indicator"
    req = multi_request()
    req.scores[7] = 1.25
    with pytest.raises(InvalidArgument) as err:
        ops.evaluate(req)
    assert err.value.field == "scores[7]"


def test_warnings_and_trivial_top_k() -> None:
    req = single_request(n=50, k=5, top_k=[1, 5])
    y = np.array(req.y_true)
    y[y == 4] = 0
    req.y_true[:] = y.tolist()
    payload = ops.evaluate(req)
    codes = {w.code for w in payload.warnings}
    assert {"CLASS_NEVER_PRESENT", "AVERAGE_PRECISION_NO_POSITIVES", "TOP_K_TRIVIAL"} <= codes
    assert [(t.k, t.accuracy) for t in payload.summary.top_k][1] == (5, 1.0)
    assert payload.summary.per_class[4].average_precision == 0.0


def test_validate_helpers() -> None:
    assert v.index_array([0, 2], 3, "x").dtype == np.int64
    with pytest.raises(InvalidArgument) as err:
        v.unique_strings(["a", "b", "a", "b"], "ids")
    assert err.value.field == "ids[2]"
    with pytest.raises(InvalidArgument) as err:
        v.probability_rows(np.array([[0.5, 0.5], [0.6, 0.6]]), "p")
    assert err.value.field == "p[2]"
    v.probability_rows(np.array([[0.5, 0.5005]]), "p")
    with pytest.raises(InvalidArgument) as err:
        v.check_non_empty(0, "xs")
    assert err.value.field == "xs"


@pytest.mark.parametrize("with_scores", [True, False])
def test_wire_encoded_misclassified_equals_message_by_message(with_scores: bool) -> None:
    rng = np.random.default_rng(4)
    n, k = 2000, 300
    ids = np.array([("é-" if i % 7 == 0 else "") + f"asset-{i}" + "x" * (i % 150) for i in range(n)])
    y = rng.integers(0, k, n)
    p = rng.integers(0, k, n)
    y[0], p[0] = 5, 299  # row 0 is misclassified; labels needing two varint bytes
    s = rng.random((n, k)) if with_scores else None
    wrong = core.misclassified_single_label(y, p, scores=s, asset_ids=ids)
    want = ipb.ClassificationEvaluation()
    for j, row in enumerate(wrong.rows.tolist()):
        a = want.misclassified.add(
            asset_id=str(ids[row]),
            row=row,
            true_labels=[int(y[row])],
            predicted_labels=[int(p[row])],
            confidence=float(wrong.confidence[j]),
        )
        if wrong.true_class_score is not None:
            a.true_class_score = float(wrong.true_class_score[j])
    got = ipb.ClassificationEvaluation()
    got.MergeFromString(
        misclassified_single_label_bytes(
            ids[wrong.rows].tolist(),
            wrong.rows,
            true=y[wrong.rows],
            pred=p[wrong.rows],
            conf=wrong.confidence,
            score=wrong.true_class_score,
        )
    )
    assert got == want
    assert got.SerializeToString() == want.SerializeToString()


@pytest.mark.parametrize("k", [2, 3])
def test_top_k_ties_through_the_op_equal_sklearn(k: int) -> None:
    """Every other row ties 0.5/0.5 on classes 0 and 1: sklearn's binary rule (class 0) and multiclass
    order (higher index first) both hold through validation, scoring and conversion."""
    req = single_request(n=90, k=k, seed=5, top_k=[1, 2])
    s = np.array(req.scores, dtype=np.float32).reshape(-1, k)
    s[::2] = np.array([0.5, 0.5] + [0.0] * (k - 2), dtype=np.float32)
    y = np.array(req.y_true)
    y[::2] = np.arange(s[::2].shape[0]) % 3 == 0  # tied rows: a third of class 1, the rest class 0
    req.y_true[:] = y.tolist()
    req.scores[:] = s.ravel().tolist()
    got = {t.k: t.accuracy for t in ops.evaluate(req).summary.top_k}
    if k == 2:
        assert got[1] == pytest.approx(skm.top_k_accuracy_score(y, s[:, 1], k=1), abs=1e-12)
        assert got[2] == 1.0
    else:
        for kk in (1, 2):
            want = skm.top_k_accuracy_score(y, s, k=kk, labels=list(range(k)))
            assert got[kk] == pytest.approx(want, abs=1e-12)
