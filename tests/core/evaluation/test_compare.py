"""Comparison of models: table, deltas, guard, per-query ranks, saving, report, prompts, pair sets, ST cross-check."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

from core.evaluation import (
    EvalSet,
    PairEvalSet,
    encode_corpus,
    encode_queries,
    evaluate_models,
    write_report,
)

from .fakes import VectorModel

DOCS = {"d0": "zero", "d1": "one", "d2": "two", "d3": "three"}
VECS = {"zero": [1, 0], "one": [0.8, 0.6], "two": [0.6, 0.8], "three": [0, 1]}


def _fake_pair():
    base = VectorModel({**VECS, "q": [1, 0], "r": [0, 1]})
    tuned = VectorModel({**VECS, "q": [0, 1], "r": [1, 0]})
    ev = EvalSet(corpus=DOCS, queries={"Q": "q", "R": "r"}, qrels={"Q": {"d0": 1}, "R": {"d1": 1}}, name="toy")
    return base, tuned, ev


def test_table_deltas_guard_and_per_query(tmp_path):
    base, tuned, ev = _fake_pair()
    events = []
    res = evaluate_models([("base", base), ("tuned", tuned)], ev, k_values=(1, 3), progress=events.append,
                          use_cache=False)
    # base: Q rank 1, R rank 3 (d3, d2, d1); tuned: Q rank 4, R rank 2 (d0, d1)
    assert res.metrics["base"]["mrr@10"] == pytest.approx((1 + 1 / 3) / 2)
    assert res.metrics["tuned"]["mrr@10"] == pytest.approx((1 / 4 + 1 / 2) / 2)
    assert res.metrics["base"]["recall@1"] == pytest.approx(0.5) and res.metrics["tuned"]["recall@3"] == pytest.approx(0.5)
    t = res.table
    assert list(t.columns) == ["base", "tuned", "Δ tuned", "Δ% tuned", "CI low tuned", "CI high tuned", "p tuned",
                               "verdict tuned"]
    # every metric with per-query scores has its own verdict; one measured over all pairs at once has none
    assert t.loc["mrr@10", "verdict tuned"] == "no_difference" and pd.isna(t.loc["separation_auc", "verdict tuned"])
    assert t.loc["mrr@10", "Δ tuned"] == pytest.approx(0.375 - 2 / 3)
    assert t.loc["mrr@10", "Δ% tuned"] == pytest.approx(100 * (0.375 - 2 / 3) / (2 / 3))
    # Lower on average, but one query up and one down: on 2 queries that is not beyond noise.
    assert res.main_metric == "ndcg@10" and not res.worse_than_base and res.guard_message == ""
    sig = res.significance["tuned"]["ndcg@10"]
    assert sig.diff < 0 and sig.ci_low < 0 < sig.ci_high and sig.verdict == "no_difference"
    assert res.verdict_lines()[0].startswith("No detectable difference between 'tuned' and 'base' on ndcg@10 over 2 queries")
    pq = res.per_query.set_index("query_id")
    assert pq.loc["Q", "rank:base"] == 1 and pq.loc["Q", "rank:tuned"] == 4 and pq.loc["Q", "change:tuned"] == -3
    assert pq.loc["R", "rank:base"] == 3 and pq.loc["R", "rank:tuned"] == 2 and pq.loc["R", "change:tuned"] == 1
    assert list(res.most_improved()["query_id"]) == ["R"]
    assert list(res.most_degraded()["query_id"]) == ["Q"]
    assert any(e.stage == "model" and e.done == 2 for e in events)

    files = res.save(tmp_path / "out")
    data = json.loads(files["metrics"].read_text(encoding="utf-8"))
    assert data["worse_than_base"] is False and data["labels"] == ["base", "tuned"]
    mrr = data["deltas_vs_base"]["tuned"]["mrr@10"]
    assert mrr["absolute"] == pytest.approx(0.375 - 2 / 3) and mrr["diff"] == pytest.approx(mrr["absolute"])
    assert mrr["ci_low"] <= mrr["diff"] <= mrr["ci_high"] and mrr["verdict"] == "no_difference" and 0 < mrr["p_value"] <= 1
    assert data["verdicts"]["tuned"][0]["sentence"] == res.verdict_lines()[0]
    assert data["measured_on"] == {"n_queries": 2, "n_passages": len(DOCS), "corpus": "toy",
                                   "left_out_training_queries": 0, "unmatched_judgements": 0}
    csv = pd.read_csv(files["per_query"], encoding="utf-8-sig")
    assert list(csv.columns[:3]) == ["query_id", "query", "gold"] and list(csv["rank:tuned"]) == [4, 2]


def test_not_worse_has_no_guard():
    base, tuned, ev = _fake_pair()
    res = evaluate_models([("a", tuned), ("b", base)], ev, use_cache=False)
    assert not res.worse_than_base and res.guard_message == ""
    assert "'b' vs base 'a'" in res.headline


def test_report_files(tmp_path):
    base, tuned, ev = _fake_pair()
    res = evaluate_models([("基线", base), ("tuned", tuned)], ev, use_cache=False)
    files = write_report(res, tmp_path / "rep")
    for p in (files.markdown, files.html, files.chart, files.histograms, files.metrics_json, files.per_query_csv):
        assert p.is_file() and p.stat().st_size > 0
    assert files.chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = files.markdown.read_text(encoding="utf-8")
    assert "![metrics](chart.png)" in md and "**Verdict:** No detectable difference" in md and "| mrr@10 |" in md and "基线" in md
    assert "Most degraded queries" in md and "| q |" in md
    html = files.html.read_text(encoding="utf-8")
    src = html.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(src)[:4] == b"\x89PNG"
    assert "chart.png" not in html  # self-contained


def test_prompts_applied_on_both_sides(tiny_model):
    import copy

    model = copy.deepcopy(tiny_model)
    model.prompts = {"query": "query: ", "document": "passage: "}
    texts = ["pig feed protein", "猪饲料蛋白"]
    want_q = model.encode(["query: " + t for t in texts], prompt="", normalize_embeddings=True)
    want_d = model.encode(["passage: " + t for t in texts], prompt="", normalize_embeddings=True)
    np.testing.assert_allclose(encode_queries(model, texts), want_q, atol=1e-5)
    np.testing.assert_allclose(encode_corpus(model, texts), want_d, atol=1e-5)
    assert not np.allclose(want_q, want_d, atol=1e-3)
    plain = model.encode(texts, prompt="", normalize_embeddings=True)
    model.prompts = {"query": "", "document": ""}
    np.testing.assert_allclose(encode_corpus(model, texts), plain, atol=1e-5)


def test_pair_sets(tiny_model):
    from scipy import stats

    s1 = ["pig feed protein", "bank loan interest rate", "猪饲料蛋白", "公司年度收入", "sow weaning weight"]
    s2 = ["feed for pigs needs protein", "the bank rate will increase", "猪的饲料需要蛋白", "公司年度报告", "dog runs"]
    scores = [4.5, 3.0, 4.0, 3.5, 0.5]
    res = evaluate_models([tiny_model], PairEvalSet("scored_pair", s1, s2, scores=scores), use_cache=False)
    cos = np.sum(encode_queries(tiny_model, s1) * encode_queries(tiny_model, s2), axis=1)
    assert res.metrics[res.labels[0]]["spearman"] == pytest.approx(stats.spearmanr(cos, scores)[0])
    assert res.main_metric == "spearman" and res.per_query is None

    res = evaluate_models([tiny_model], PairEvalSet("labelled_pair", s1, s2, labels=[1, 1, 1, 0, 0]), use_cache=False)
    m = res.metrics[res.labels[0]]
    assert 0 <= m["accuracy"] <= 1 and 0 < m["ap"] <= 1 and {"f1_threshold", "precision"} <= set(m)

    res = evaluate_models([tiny_model], PairEvalSet("triplet", s1, s2, negatives=s2[1:] + s2[:1]), use_cache=False)
    a, p, n = (encode_queries(tiny_model, s1), encode_corpus(tiny_model, s2), encode_corpus(tiny_model, s2[1:] + s2[:1]))
    want = float(np.mean(np.sum(a * p, 1) > np.sum(a * n, 1)))
    assert res.metrics[res.labels[0]]["triplet_accuracy"] == pytest.approx(want)


def _pair_models(n: int = 40):
    """(good, bad, s1, s2, gold): 'good' scores pair i's cosine in the order of its gold score i, 'bad' in a
    shuffled order; every text is a vector of the fake model."""
    rng = np.random.default_rng(0)
    s1, s2 = [f"a{i}" for i in range(n)], [f"b{i}" for i in range(n)]
    angle = lambda k: [np.cos(k / n), np.sin(k / n)]  # noqa: E731  (cosine with [1, 0] falls as k grows)
    good = VectorModel({**{a: [1, 0] for a in s1}, **{b: angle(n - i) for i, b in enumerate(s2)}})
    bad = VectorModel({**{a: [1, 0] for a in s1}, **{b: angle(int(k)) for b, k in zip(s2, rng.permutation(n))}})
    return good, bad, s1, s2, [float(i) for i in range(n)]


@pytest.mark.parametrize("kind", ["scored_pair", "labelled_pair"])
def test_a_pair_set_verdict_has_an_interval_over_its_pairs(kind, tmp_path):
    """A pair set's main metric (Spearman, AP) is compared like a retrieval metric: the interval holds 0 for a
    model against itself, a model that orders the pairs by gold is *better* than one that shuffles them and the
    shuffling one *worse* (and guarded), and the sentences count pairs, not queries."""
    good, bad, s1, s2, gold = _pair_models()
    ev = PairEvalSet(kind, s1, s2, scores=gold if kind == "scored_pair" else None,
                     labels=[int(g >= 20) for g in gold] if kind == "labelled_pair" else None, name="pairs.csv")
    main = "spearman" if kind == "scored_pair" else "ap"
    same = evaluate_models([("base", good), ("tuned", VectorModel(dict(good.vectors)))], ev, use_cache=False)
    d = same.significance["tuned"][main]
    assert d.diff == 0 and d.ci_low <= 0 <= d.ci_high and d.verdict == "no_difference"
    assert same.verdict_lines() == [f"No detectable difference between 'tuned' and 'base' on {main} over 40 pairs "
                                    "(they score the same on every pair)."]
    up = evaluate_models([("base", bad), ("tuned", good)], ev, use_cache=False)
    d = up.significance["tuned"][main]
    assert d.verdict == "better" and 0 < d.ci_low <= d.diff <= d.ci_high and d.n == 40
    assert d.diff == pytest.approx(up.metrics["tuned"][main] - up.metrics["base"][main], abs=1e-9)
    assert up.verdict_lines()[0].startswith(f"'tuned' is better than 'base' on {main}: ")
    assert up.verdict_lines()[0].endswith(", 40 pairs).") and not up.worse_than_base
    down = evaluate_models([("base", good), ("tuned", bad)], ev, use_cache=False)
    assert down.significance["tuned"][main].verdict == "worse" and down.worse_than_base
    assert "beyond noise" in down.guard_message
    assert list(down.table.columns[-4:]) == ["CI low tuned", "CI high tuned", "p tuned", "verdict tuned"]
    assert down.table.loc[main, "verdict tuned"] == "worse"
    data = json.loads(down.save(tmp_path)["metrics"].read_text(encoding="utf-8"))
    assert data["measured_on"]["n_pairs"] == 40 and data["measured_on"]["n_queries"] is None
    delta = data["deltas_vs_base"]["tuned"][main]
    assert delta["verdict"] == "worse" and delta["ci_high"] < 0 and delta["n"] == 40
    assert data["verdicts"]["tuned"][0]["unit"] == "pairs"


def test_a_triplet_set_verdict_counts_triplets():
    good, bad, s1, s2, _ = _pair_models()
    negs = [f"n{i}" for i in range(40)]  # every negative is far from its anchor for the good model
    good.vectors.update({t: np.asarray([0, 1], dtype=np.float32) for t in negs})
    bad.vectors.update({t: np.asarray([1, 0], dtype=np.float32) for t in negs})  # the bad model prefers them
    ev = PairEvalSet("triplet", s1, s2, negatives=negs)
    res = evaluate_models([("base", bad), ("tuned", good)], ev, use_cache=False)
    d = res.significance["tuned"]["triplet_accuracy"]
    assert res.metrics["base"]["triplet_accuracy"] == 0 and res.metrics["tuned"]["triplet_accuracy"] == 1
    assert d.verdict == "better" and d.diff == 1 and res.unit == "triplets" and res.n_items == 40
    assert res.verdict_lines()[0].endswith("(95% CI [+1.0000, +1.0000], 40 triplets).")


def test_matches_sentence_transformers_evaluator(tiny_model, toy_evalset):
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

    ev = toy_evalset
    st = InformationRetrievalEvaluator(
        ev.queries, ev.corpus, {q: set(r) for q, r in ev.qrels.items()}, accuracy_at_k=[1, 5, 10],
        precision_recall_at_k=[1, 5, 10], mrr_at_k=[10], ndcg_at_k=[10], map_at_k=[100], name="x", write_csv=False,
    )
    theirs = st(tiny_model)
    ours = evaluate_models([("m", tiny_model)], ev, k_values=(1, 5, 10), use_cache=False).metrics["m"]
    key = lambda m: next(v for k, v in theirs.items() if k.endswith(f"cosine_{m}"))  # noqa: E731
    for name in ("ndcg@10", "mrr@10", "map@100", "recall@1", "recall@5", "recall@10"):
        assert ours[name] == pytest.approx(key(name), abs=1e-4), name
    for k in (1, 5, 10):
        assert ours[f"hit@{k}"] == pytest.approx(key(f"accuracy@{k}"), abs=1e-4)


def test_score_distribution_uses_mined_negatives_when_present():
    from core.evaluation.scores import score_distribution

    ev = EvalSet(corpus=DOCS, queries={"Q": "q"}, qrels={"Q": {"d0": 1}}, negatives={"Q": ["d3", "d0"]})
    q = np.array([[1.0, 0.0]], dtype=np.float32)
    c = np.array([VECS[t] for t in DOCS.values()], dtype=np.float32)
    d = score_distribution(q, c, ev, "m")
    assert d.negative_source == "mined" and d.positive.tolist() == [1.0] and d.negative.tolist() == [0.0]
    assert d.auc == 1.0
    ev = EvalSet(corpus=DOCS, queries={"Q": "q"}, qrels={"Q": {"d0": 1}})
    d = score_distribution(q, c, ev, "m", n_random=5)
    # random negatives are distinct non-relevant passages: d1, d2, d3 -> cosines .8, .6, 0
    assert d.negative_source == "random" and sorted(d.negative.tolist()) == pytest.approx([0.0, 0.6, 0.8], abs=1e-6)


def test_histograms_include_hard_negatives():
    base, tuned, ev = _fake_pair()
    res = evaluate_models([("base", base)], ev, use_cache=False)
    d = res.distributions[0]
    # base: Q ranks d0 first (gold), R's gold d1 is third: its hard negatives are the two passages above it
    assert len(d.hard_negative) > 0 and d.summary()["n_hard_negative"] == len(d.hard_negative)
    assert d.hard_negative.max() >= d.negative.max() - 1e-6, "hard negatives are the top-scored non-relevant ones"


def test_a_saved_copy_of_the_base_is_not_encoded_again(tiny_model_path, tmp_path, toy_evalset, monkeypatch):
    """A run that delivered its base model: Evaluate encodes the base once and gives the copy its results (a
    model.save copy differs byte for byte on disk, so the identity is taken from the loaded weights)."""
    import torch
    from sentence_transformers import SentenceTransformer

    from core.evaluation import compare

    copy = tmp_path / "delivered"
    SentenceTransformer(str(tiny_model_path), device="cpu").save(str(copy))
    changed = tmp_path / "changed"
    other = SentenceTransformer(str(tiny_model_path), device="cpu")
    with torch.no_grad():
        next(other.parameters()).add_(0.01)
    other.save(str(changed))
    longer = SentenceTransformer(str(tiny_model_path), device="cpu")
    longer.max_seq_length = 32  # same weights, other settings: other embeddings
    encoded = []
    real = compare.encode_queries
    monkeypatch.setattr(compare, "encode_queries", lambda model, texts, **kw: encoded.append(model) or real(model, texts, **kw))
    res = evaluate_models([("base", str(tiny_model_path)), ("delivered", str(copy)), ("changed", str(changed)),
                           ("longer", longer)], toy_evalset, use_cache=False)
    assert len(encoded) == 3  # base, changed, longer: not the copy
    assert res.metrics["delivered"] == res.metrics["base"]
    assert res.significance["delivered"]["ndcg@10"].diff == 0.0
    assert [d.label for d in res.distributions] == ["base", "delivered", "changed", "longer"]
    assert compare.model_identity(SentenceTransformer(str(copy), device="cpu")) == compare.model_identity(
        SentenceTransformer(str(tiny_model_path), device="cpu"))
    assert compare.model_identity(object()) is None


def test_evaluation_queries_that_are_training_queries_are_left_out_and_counted():
    """A query the run trained on (same text, spaces aside) tests nothing: it is left out of every metric and
    verdict, the corpus stays whole, the result and metrics.json say how many; only training queries is refused."""
    from core.errors import DataError
    from core.evaluation.seen import TrainingTexts

    base, tuned, ev = _fake_pair()
    res = evaluate_models([("base", base), ("tuned", tuned)], ev, use_cache=False,
                          training=TrainingTexts(passages=set(), queries={" r ", "not asked"} | {"r"}))
    assert res.left_out_queries == 1 and list(res.per_query["query_id"]) == ["Q"] and res.n_passages == 4
    assert res.summary == "1 queries, 4 passages, 1 relevant pairs; 1 training or validation queries of the run left out"
    assert res.to_dict()["measured_on"] == {"n_queries": 1, "n_passages": 4, "corpus": "toy",
                                            "left_out_training_queries": 1, "unmatched_judgements": 0}
    assert res.significance["tuned"]["ndcg@10"].n == 1
    kept = evaluate_models([("base", base), ("tuned", tuned)], ev, use_cache=False,
                           training=TrainingTexts(passages={"one"}, queries={"elsewhere"}))
    assert kept.left_out_queries == 0 and len(kept.per_query) == 2
    assert [p["subset"] for p in kept.verdicts["tuned"]] == ["", "seen", "unseen"]
    with pytest.raises(DataError, match=r"^Every one of the 2 queries of 'toy' is a training or validation query of "
                                        r"the run: there is nothing left to test it on\."):
        evaluate_models([("base", base), ("tuned", tuned)], ev, use_cache=False,
                        training=TrainingTexts(queries={"q", "r"}))
