"""curation.ops.labeling: apply/analyze/fit/predict through the seam, cache hits, InvalidArgument fields."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from snorkel.labeling import LFAnalysis

from curation.core.labeling import label_model as lm
from curation.errors import InvalidArgument, NotFound
from curation.ops import Context, Operations
from curation.ops import labeling as ops
from curation.ops.labeling import label_model
from curation.ops.labeling.models import model_digest
from curation.v1 import labeling_pb2 as pb
from tests.support import DictCache, answer
from tests.synth.label_model import synthetic_votes

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def _matrix(L: np.ndarray) -> pb.LabelMatrix:
    rows, fns = np.nonzero(L >= 0)
    return pb.LabelMatrix(
        num_rows=L.shape[0],
        num_functions=L.shape[1],
        rows=rows.tolist(),
        functions=fns.tolist(),
        labels=L[rows, fns].tolist(),
    )


def _dense(m: pb.LabelMatrix) -> np.ndarray:
    L = np.full((m.num_rows, m.num_functions), -1)
    L[list(m.rows), list(m.functions)] = list(m.labels)
    return L


def apply_request() -> pb.ApplyLabelingFunctionsRequest:
    req = pb.ApplyLabelingFunctionsRequest(
        class_names=["neg", "pos"],
        asset_ids=["a", "b", "c", "d"],
        scores=[0.9, 0.1, 0.2, 0.8, 0.5, 0.5, 0.3, 0.7],
        embeddings=[1, 0, 0, 1, 1, 1, -1, 0],
        embedding_dim=2,
    )
    req.texts.add(key="text", values=["Refund now", "great bike", "refunded", ""])
    req.metadata.add(key="time", values=["night", "day", "", "night"])
    req.metadata.add(key="speed", values=["5", "50", "", "99"])
    lfs = req.labeling_functions
    lfs.add(name="refund", label=0).rule.keyword.CopyFrom(
        pb.KeywordRule(field="text", patterns=["refund"], case_insensitive=True, whole_word=True)
    )
    lfs.add(name="great", label=1).rule.keyword.CopyFrom(
        pb.KeywordRule(field="text", patterns=["gr.at"], regex=True)
    )
    night = lfs.add(name="night-fast", label=1)
    night.rule.all.rules.add().equals.CopyFrom(pb.EqualsRule(key="time", value="night"))
    night.rule.all.rules.add().range.CopyFrom(pb.RangeRule(key="speed", min=10))
    lfs.add(name="pred-pos", label=1).rule.predicted_class.label = 1
    lfs.add(name="like-a", label=0).rule.similarity.CopyFrom(
        pb.SimilarityRule(exemplar_asset_ids=["a"], threshold=0.9)
    )
    lfs.add(name="no-time", label=0).rule.negation.exists.key = "time"
    return req


def test_apply() -> None:
    out = ops.apply(apply_request())
    L = _dense(out.label_matrix)
    assert L.T.tolist() == [
        [0, -1, -1, -1],  # whole-word "refund" (not "refunded")
        [-1, 1, -1, -1],
        [-1, -1, -1, 1],
        [-1, 1, -1, 1],  # argmax, lowest index on the 0.5/0.5 tie
        [0, -1, -1, -1],
        [-1, -1, 0, -1],
    ]
    assert [c.votes for c in out.counts] == [1, 1, 1, 2, 1, 1]
    assert out.counts[3].coverage == 0.5


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            lambda r: r.labeling_functions[1].rule.keyword.patterns.__setitem__(0, "(oops"),
            "labeling_functions[1].rule.keyword.patterns[0]",
        ),
        (
            lambda r: setattr(r.labeling_functions[1].rule.keyword, "field", "nope"),
            "labeling_functions[1].rule.keyword.field",
        ),
        (lambda r: setattr(r.labeling_functions[0], "label", 2), "labeling_functions[0].label"),
        (lambda r: r.ClearField("labeling_functions"), "labeling_functions"),
        (
            lambda r: r.labeling_functions[2].rule.all.rules[1].range.ClearField("min"),
            "labeling_functions[2].rule.all.rules[1].range",
        ),
        (
            lambda r: r.labeling_functions[4].rule.similarity.exemplar_asset_ids.append("zzz"),
            "labeling_functions[4].rule.similarity.exemplar_asset_ids[1]",
        ),
        (lambda r: r.labeling_functions[5].ClearField("rule"), "labeling_functions[5].rule"),
        (lambda r: r.metadata[1].values.append("1"), "metadata[1].values"),
        (lambda r: r.scores.append(1.0), "scores"),
    ],
)
def test_apply_errors_name_the_field(
    mutate: Callable[[pb.ApplyLabelingFunctionsRequest], object], field: str
) -> None:
    req = apply_request()
    mutate(req)
    with pytest.raises(InvalidArgument) as info:
        ops.apply(req)
    assert info.value.field == field


def test_analyze_matches_snorkel() -> None:
    rng = np.random.default_rng(0)
    L = rng.integers(-1, 3, size=(200, 6))
    L[:, 5] = -1
    gold = rng.integers(-1, 3, size=200)
    req = pb.AnalyzeLabelingFunctionsRequest(
        class_names=["a", "b", "c"], label_matrix=_matrix(L), gold=gold.tolist()
    )
    out = ops.analyze(req)
    ref = LFAnalysis(L).lf_summary(Y=gold)
    assert [list(f.polarity) for f in out.functions] == [list(p) for p in ref["Polarity"]]
    np.testing.assert_allclose([f.conflicts for f in out.functions], ref["Conflicts"], atol=1e-12)
    np.testing.assert_array_equal([f.correct for f in out.functions], ref["Correct"])
    np.testing.assert_allclose([f.empirical_accuracy for f in out.functions], ref["Emp. Acc."], atol=1e-12)
    assert out.label_conflict == pytest.approx(LFAnalysis(L).label_conflict())
    assert any(w.code == "LF_NEVER_FIRES" and w.field == "function_names[5]" for w in out.warnings)
    assert out.functions[0].HasField("correct")
    plain = ops.analyze(
        pb.AnalyzeLabelingFunctionsRequest(class_names=["a", "b", "c"], label_matrix=_matrix(L))
    )
    assert not plain.functions[0].HasField("correct")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r.label_matrix.labels.__setitem__(3, 7), "label_matrix.labels[3]"),
        (lambda r: r.label_matrix.rows.__setitem__(0, -1), "label_matrix.rows[0]"),
        (lambda r: r.label_matrix.functions.__setitem__(2, 9), "label_matrix.functions[2]"),
        (lambda r: setattr(r.label_matrix, "num_functions", 0), "label_matrix.num_functions"),
        (lambda r: r.label_matrix.labels.append(0), "label_matrix.labels"),
        (lambda r: r.gold.__setitem__(1, 3), "gold[1]"),
        (lambda r: r.function_names.extend(["x", "y", "z"]), "function_names"),
        (lambda r: r.function_names.extend(["x", "y", "z", "x"]), "function_names[3]"),
    ],
)
def test_analyze_errors(mutate: Callable[[pb.AnalyzeLabelingFunctionsRequest], object], field: str) -> None:
    L = np.array([[0, 1, -1, 2], [1, -1, 0, 0], [-1, -1, 2, 1]])
    req = pb.AnalyzeLabelingFunctionsRequest(
        class_names=["a", "b", "c"], label_matrix=_matrix(L), gold=[0, 1, 2]
    )
    mutate(req)
    with pytest.raises(InvalidArgument) as info:
        ops.analyze(req)
    assert info.value.field == field


@pytest.mark.parametrize(("gold", "message"), [(2, "2 is outside [-1, 2)"), (-2, "-2 is outside [-1, 2)")])
def test_gold_out_of_range_names_value_and_bound(gold: int, message: str) -> None:
    """The refusal names the value sent and the true bound (-1 = unknown gold, then the 2 classes)."""
    L = np.array([[0, 1], [1, -1]])
    req = pb.AnalyzeLabelingFunctionsRequest(class_names=["a", "b"], label_matrix=_matrix(L), gold=[0, gold])
    with pytest.raises(InvalidArgument) as info:
        ops.analyze(req)
    assert (info.value.field, info.value.message) == ("gold[1]", message)
    req.gold[1] = -1
    assert len(ops.analyze(req).functions) == 2


def test_duplicate_votes_rejected() -> None:
    m = pb.LabelMatrix(num_rows=2, num_functions=2, rows=[0, 1, 0], functions=[1, 0, 1], labels=[0, 0, 1])
    with pytest.raises(InvalidArgument) as info:
        ops.analyze(pb.AnalyzeLabelingFunctionsRequest(class_names=["a", "b"], label_matrix=m))
    assert info.value.field == "label_matrix.rows[2]"


@pytest.mark.parametrize(
    "model",
    [
        pb.LABEL_MODEL_TYPE_MAJORITY_VOTE,
        pb.LABEL_MODEL_TYPE_WEIGHTED_MAJORITY_VOTE,
        pb.LABEL_MODEL_TYPE_DAWID_SKENE,
        pb.LABEL_MODEL_TYPE_MATRIX_COMPLETION,
    ],
)
def test_fit_matches_core(model: pb.LabelModelType) -> None:
    data = synthetic_votes(3000, 6, 3, seed=2)
    req = pb.FitLabelModelRequest(class_names=["a", "b", "c"], label_matrix=_matrix(data.L), model=model)
    out = ops.fit(req)
    kind = label_model.MODEL_KINDS[model]
    core = lm.fit_matrix(data.L, n_classes=3, model=kind)
    np.testing.assert_allclose(out.parameters[0].lf_accuracies, core.lf_accuracy)
    probs = lm.predict_proba(core, data.L)
    np.testing.assert_allclose(np.reshape(out.predictions.probabilities, (3000, 3)), probs, atol=1e-6)
    no_votes = np.asarray((data.L < 0).all(axis=1)) if kind == "dawid_skene" else None
    assert list(out.predictions.labels) == lm.hard_labels(probs, no_votes=no_votes).tolist()


async def test_fit_then_predict_by_id_and_cache_hits() -> None:
    seam = Operations(ops.SPECS, DictCache(), workers=1)
    ctx = Context()
    data = synthetic_votes(2000, 5, 2, seed=3)
    ids = [f"asset-{i}" for i in range(2000)]
    fit_req = pb.FitLabelModelRequest(
        class_names=["no", "yes"],
        asset_ids=ids,
        label_matrix=_matrix(data.L),
        model=pb.LABEL_MODEL_TYPE_DAWID_SKENE,
        tie_break=pb.TIE_BREAK_ASSET_ID_HASH,
    )
    first = await answer(seam, ops.FIT, fit_req, pb.FitLabelModelResponse, ctx)
    again = await answer(seam, ops.FIT, fit_req, pb.FitLabelModelResponse, ctx)
    assert not first.cache.cached and again.cache.cached
    assert first.model_id == again.model_id  # the same model, bound to the same tenant
    assert model_digest(seam, ctx.namespace, first.model_id) == first.cache.key_digest
    pred = await answer(
        seam,
        ops.PREDICT,
        pb.PredictLabelModelRequest(
            model_id=first.model_id,
            asset_ids=ids,
            label_matrix=_matrix(data.L),
            tie_break=pb.TIE_BREAK_ASSET_ID_HASH,
        ),
        pb.PredictLabelModelResponse,
        ctx,
    )
    assert list(pred.predictions.labels) == list(first.predictions.labels)
    assert list(pred.predictions.probabilities) == list(first.predictions.probabilities)
    with pytest.raises(NotFound):
        await seam.dispatch(
            ops.PREDICT,
            pb.PredictLabelModelRequest(model_id="0" * 64, label_matrix=_matrix(data.L)),
            ctx,
        )
    with pytest.raises(InvalidArgument) as info:
        await seam.dispatch(
            ops.PREDICT,
            pb.PredictLabelModelRequest(model_id=first.model_id, label_matrix=_matrix(data.L[:, :3])),
            ctx,
        )
    assert info.value.field == "label_matrix.num_functions"
    with pytest.raises(InvalidArgument) as info:
        await seam.dispatch(ops.PREDICT, pb.PredictLabelModelRequest(model_id="nope"), ctx)
    assert info.value.field == "model_id"
    # A repeat apply and analyze are cache hits too.
    a1 = await answer(seam, ops.APPLY, apply_request(), pb.ApplyLabelingFunctionsResponse, ctx)
    a2 = await answer(seam, ops.APPLY, apply_request(), pb.ApplyLabelingFunctionsResponse, ctx)
    assert a2.cache.cached and a1.label_matrix == a2.label_matrix
    seam.close()


async def test_dawid_skene_no_vote_rows_and_convergence_through_the_seam() -> None:
    """Rows no function votes on: the prior as probabilities, abstain (-1) by default and the prior's
    class with TIE_BREAK_ASSET_ID_HASH; a sparse matrix capped at 100 EM steps answers NOT_CONVERGED."""
    seam = Operations(ops.SPECS, DictCache(), workers=1)
    ctx = Context()
    rng = np.random.default_rng(0)
    L = np.where(rng.random((2000, 10)) < 0.05, rng.integers(0, 2, (2000, 10)), -1)
    no_votes = ~(L >= 0).any(axis=1)
    req = pb.FitLabelModelRequest(
        class_names=["no", "yes"],
        asset_ids=[f"a{i}" for i in range(2000)],
        label_matrix=_matrix(L),
        model=pb.LABEL_MODEL_TYPE_DAWID_SKENE,
    )
    capped = await answer(seam, ops.FIT, req, pb.FitLabelModelResponse, ctx)
    [w] = [w for w in capped.warnings if w.code == "NOT_CONVERGED"]
    assert w.field == "max_iterations" and not capped.parameters[0].converged
    prior = np.asarray(capped.parameters[0].class_balance)
    assert abs(prior[0] - prior[1]) > 1e-3  # the prior alone would name a class
    probs = np.reshape(capped.predictions.probabilities, (2000, 2))
    np.testing.assert_allclose(probs[no_votes], np.broadcast_to(prior, (int(no_votes.sum()), 2)), rtol=1e-6)
    labels = np.asarray(capped.predictions.labels)
    assert (labels[no_votes] == -1).all() and (labels[~no_votes] >= 0).mean() > 0.9
    req.max_iterations = 1000
    req.tie_break = pb.TIE_BREAK_ASSET_ID_HASH
    longer = await answer(seam, ops.FIT, req, pb.FitLabelModelResponse, ctx)
    assert longer.parameters[0].converged and not [w for w in longer.warnings if w.code == "NOT_CONVERGED"]
    hashed = np.asarray(longer.predictions.labels)
    assert (hashed[no_votes] == int(np.argmax(longer.parameters[0].class_balance))).all()
    seam.close()


def test_multi_label_fit() -> None:
    """Class c's binary problem: LFs voting on c, positive or negative votes."""
    rng = np.random.default_rng(4)
    n = 3000
    truth = rng.random((n, 2)) < 0.4
    rows, fns, labels, neg = [], [], [], []
    for c in range(2):
        for j in range(4):
            fires = rng.random(n) < 0.5
            correct = rng.random(n) < 0.85
            says = np.where(correct, truth[:, c], ~truth[:, c])
            r = np.flatnonzero(fires)
            rows += r.tolist()
            fns += [c * 4 + j] * r.size
            labels += [c] * r.size
            neg += (~says[r]).tolist()
    req = pb.FitLabelModelRequest(
        class_names=["x", "y"],
        task=pb.LABEL_TASK_MULTI_LABEL,
        model=pb.LABEL_MODEL_TYPE_DAWID_SKENE,
        label_matrix=pb.LabelMatrix(
            num_rows=n, num_functions=8, rows=rows, functions=fns, labels=labels, negative=neg
        ),
    )
    out = ops.fit(req)
    assert [list(p.functions) for p in out.parameters] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    probs = np.reshape(out.predictions.probabilities, (n, 2))
    hard = np.reshape(out.predictions.labels, (n, 2))
    decided = hard >= 0
    assert ((hard == truth)[decided]).mean() > 0.85
    np.testing.assert_allclose([p.lf_accuracies for p in out.parameters], 0.85, atol=0.05)
    assert np.all((probs >= 0) & (probs <= 1))


def test_fit_errors() -> None:
    L = np.array([[0, 1, -1], [1, -1, 0]])
    base = pb.FitLabelModelRequest(class_names=["a", "b"], label_matrix=_matrix(L))
    cases = [
        (lambda r: setattr(r, "tie_break", pb.TIE_BREAK_ASSET_ID_HASH), "asset_ids"),
        (lambda r: r.class_balance.extend([1.0]), "class_balance"),
        (lambda r: r.class_balance.extend([1.0, 0.0]), "class_balance[1]"),
        (lambda r: r.lf_accuracies.extend([0.5, 1.0, 0.6]), "lf_accuracies[1]"),
        (lambda r: r.asset_ids.extend(["x", "x"]), "asset_ids[1]"),
        (lambda r: r.label_matrix.negative.extend([True] * 4), "label_matrix.negative"),
        (lambda r: r.ClearField("class_names"), "class_names"),
        (lambda r: setattr(r, "max_iterations", -1), "max_iterations"),
    ]
    for mutate, field in cases:
        req = pb.FitLabelModelRequest()
        req.CopyFrom(base)
        mutate(req)
        with pytest.raises(InvalidArgument) as info:
            ops.fit(req)
        assert info.value.field == field, field
    assert not ops.fit(base).warnings
    two = ops.fit(pb.FitLabelModelRequest(class_names=["a", "b"], label_matrix=_matrix(L[:, :2])))
    assert [w.code for w in two.warnings] == ["TOO_FEW_LFS"]


async def test_rest_round_trip_matches_the_seam() -> None:
    """Fit over REST, predict over REST by the returned ID: the same answer as the seam gives."""
    import httpx
    from google.protobuf import json_format

    from curation.rest import create_app
    from curation.settings import Settings
    from curation.wiring import build_runtime

    rt = build_runtime(Settings(workers=1), ops.SPECS)
    rt.serving = True
    data = synthetic_votes(300, 4, 3, seed=8)
    fit_req = pb.FitLabelModelRequest(class_names=["a", "b", "c"], label_matrix=_matrix(data.L))
    direct = ops.respond_fit(ops.fit(fit_req), fit_req, pb.FitLabelModelResponse().cache)
    try:
        transport = httpx.ASGITransport(app=create_app(rt))
        json_body = {"content-type": "application/json"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://rest", headers=json_body
        ) as client:
            r = await client.post("/v1/label-model:fit", content=json_format.MessageToJson(fit_req))
            assert r.status_code == 200, r.text
            fitted = json_format.Parse(r.text, pb.FitLabelModelResponse())
            assert model_digest(rt.ops, "default", fitted.model_id) == fitted.cache.key_digest
            assert fitted.predictions == direct.predictions
            assert list(fitted.parameters) == list(direct.parameters)
            pred_req = pb.PredictLabelModelRequest(model_id=fitted.model_id, label_matrix=_matrix(data.L))
            r = await client.post("/v1/label-model:predict", content=json_format.MessageToJson(pred_req))
            assert r.status_code == 200, r.text
            assert json_format.Parse(r.text, pb.PredictLabelModelResponse()).predictions == direct.predictions
            bad = pb.AnalyzeLabelingFunctionsRequest(
                class_names=["a"],
                label_matrix=pb.LabelMatrix(num_rows=1, num_functions=1, rows=[0], functions=[0], labels=[4]),
            )
            r = await client.post("/v1/labeling-functions:analyze", content=json_format.MessageToJson(bad))
            assert r.status_code == 400
            assert "label_matrix.labels[0]" in r.text
            r = await client.post("/v1/label-model:predict", content='{"modelId": "' + "0" * 64 + '"}')
            assert r.status_code == 404
    finally:
        await rt.close()
