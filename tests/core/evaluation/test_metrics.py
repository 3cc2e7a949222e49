"""Metric values against numbers computed by hand on toy cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.evaluation.metrics import (
    binary_metrics,
    correlation,
    retrieval_metrics,
    retrieval_metrics_from_embeddings,
    separation_auc,
    triplet_accuracy,
)
from core.evaluation.scores import suggest_threshold

DOCS = ["d1", "d2", "d3", "d4", "d5"]
QUERIES = ["q1", "q2", "q3"]
SCORES = np.array([
    [0.9, 0.8, 0.7, 0.6, 0.5],  # order d1 d2 d3 d4 d5
    [0.1, 0.2, 0.3, 0.4, 0.5],  # order d5 d4 d3 d2 d1
    [0.5, 0.1, 0.9, 0.3, 0.2],  # order d3 d1 d4 d5 d2
])
QRELS = {"q1": {"d2": 2, "d4": 1}, "q2": {"d5": 1}, "q3": {"d2": 1, "d1": 3}}

L2 = math.log2
NDCG_Q1 = (2 / L2(3) + 1 / L2(5)) / (2 / L2(2) + 1 / L2(3))
NDCG_Q3 = (3 / L2(3) + 1 / L2(6)) / (3 / L2(2) + 1 / L2(3))


def test_retrieval_metrics_match_hand_computed_values():
    res = retrieval_metrics(SCORES, QUERIES, DOCS, QRELS, k_values=(1, 3, 5))
    m = res.metrics
    assert NDCG_Q1 == pytest.approx(0.64332, abs=1e-5) and NDCG_Q3 == pytest.approx(0.62784, abs=1e-5)
    assert m["ndcg@10"] == pytest.approx((NDCG_Q1 + 1.0 + NDCG_Q3) / 3)
    assert m["mrr@10"] == pytest.approx((0.5 + 1.0 + 0.5) / 3)
    # AP: q1 hits at 2,4 -> (1/2 + 2/4)/2 ; q2 -> 1 ; q3 hits at 2,5 -> (1/2 + 2/5)/2
    assert m["map@100"] == pytest.approx((0.5 + 1.0 + 0.45) / 3)
    assert m["recall@1"] == pytest.approx(1 / 3)
    assert m["recall@3"] == pytest.approx((0.5 + 1.0 + 0.5) / 3)
    assert m["recall@5"] == pytest.approx(1.0)
    assert m["hit@1"] == pytest.approx(1 / 3)
    assert m["hit@3"] == pytest.approx(1.0)
    pq = res.per_query.set_index("query_id")
    assert list(pq["first_rank"]) == [2, 1, 2]
    assert pq.loc["q1", "ndcg@10"] == pytest.approx(NDCG_Q1)
    assert pq.loc["q3", "ndcg@10"] == pytest.approx(NDCG_Q3)
    assert pq.loc["q3", "map@100"] == pytest.approx(0.45)


def test_cutoffs_exclude_relevant_passages_below_k():
    res = retrieval_metrics(SCORES, QUERIES, DOCS, QRELS, k_values=(1,), mrr_k=1, ndcg_k=3, map_k=3)
    pq = res.per_query.set_index("query_id")
    # q3: d1 (grade 3) at rank 2 counts, d2 at rank 5 is outside the top 3; IDCG@3 still uses both grades
    assert pq.loc["q3", "ndcg@3"] == pytest.approx((3 / L2(3)) / (3 + 1 / L2(3)))
    assert pq.loc["q3", "map@3"] == pytest.approx((1 / 2) / 2)
    assert pq.loc["q1", "mrr@1"] == 0.0 and pq.loc["q2", "mrr@1"] == 1.0


def test_ties_keep_corpus_order_and_unknown_docs_are_ignored():
    scores = np.zeros((1, 5))
    res = retrieval_metrics(scores, ["q"], DOCS, {"q": {"d3": 1, "missing": 1}}, k_values=(1, 3))
    assert int(res.per_query["first_rank"][0]) == 3
    assert res.metrics["mrr@10"] == pytest.approx(1 / 3)
    assert res.metrics["recall@3"] == pytest.approx(1.0)  # the unknown doc does not count as relevant


def test_chunked_embeddings_give_same_numbers_as_full_matrix():
    rng = np.random.default_rng(0)
    q, c = rng.normal(size=(7, 4)).astype(np.float32), rng.normal(size=(30, 4)).astype(np.float32)
    docs = [f"d{i}" for i in range(30)]
    qrels = {f"q{i}": {f"d{(3 * i) % 30}": 1, f"d{(3 * i + 7) % 30}": 2} for i in range(7)}
    full = retrieval_metrics(q @ c.T, list(qrels), docs, qrels, keep_top=3)
    chunked = retrieval_metrics_from_embeddings(q, c, list(qrels), docs, qrels, chunk=2, keep_top=3)
    for name, value in full.metrics.items():
        assert chunked.metrics[name] == pytest.approx(value, abs=1e-6)
    assert full.top == chunked.top and len(full.top["q0"]) == 3


def test_correlation_small_known_case():
    # x=[1,2,3], y=[1,3,2]: centred (-1,0,1)·(-1,1,0) = 1, norms sqrt(2)*sqrt(2) -> r = 0.5; ranks equal values
    c = correlation([1, 2, 3], [1, 3, 2])
    assert c["pearson"] == pytest.approx(0.5) and c["spearman"] == pytest.approx(0.5)
    c = correlation([1, 2, 3, 4], [1, 4, 9, 100])
    assert c["spearman"] == pytest.approx(1.0) and c["pearson"] < 0.95
    assert math.isnan(correlation([1, 1, 1], [1, 2, 3])["pearson"])


def test_binary_metrics_best_thresholds_and_ap():
    m = binary_metrics([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])
    # F1: top3 -> tp2 fp1 fn0 -> 0.8 at threshold (0.7+0.6)/2
    assert m["f1"] == pytest.approx(0.8) and m["f1_threshold"] == pytest.approx(0.65)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(1.0)
    # accuracy: predicting only the top item similar -> 3/4 at threshold 0.85 (first best cut)
    assert m["accuracy"] == pytest.approx(0.75) and m["accuracy_threshold"] == pytest.approx(0.85)
    # AP: positives at ranks 1 and 3 -> (1/1 + 2/3) / 2
    assert m["ap"] == pytest.approx((1 + 2 / 3) / 2)


def test_binary_metrics_do_not_split_tied_scores():
    m = binary_metrics([0.5, 0.5, 0.1], [1, 0, 0])
    # a cut between the two 0.5 scores is impossible: best F1 is top2 (tp1 fp1) = 2/3
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["accuracy"] == pytest.approx(2 / 3)


def test_triplet_accuracy_auc_and_thresholds():
    assert triplet_accuracy([0.9, 0.5, 0.3], [0.1, 0.6, 0.3]) == pytest.approx(1 / 3)
    assert separation_auc([0.9, 0.6], [0.7, 0.1]) == pytest.approx(0.75)
    assert separation_auc([0.5], [0.5]) == pytest.approx(0.5)
    t, j = suggest_threshold([0.9, 0.8], [0.1, 0.85], "youden")
    assert t == pytest.approx(0.8) and j == pytest.approx(0.5)
    t, f1 = suggest_threshold([0.9, 0.8], [0.1, 0.85], "f1")
    # sorted: .9(+) .85(-) .8(+) .1(-): top1 f1=2/3, top3 f1=0.8 -> threshold (0.8+0.1)/2
    assert f1 == pytest.approx(0.8) and t == pytest.approx(0.45)


def test_row_wise_spearman_and_average_precision_match_scipy_and_sklearn():
    from scipy import stats
    from sklearn.metrics import average_precision_score

    from core.evaluation.metrics import ap_rows, spearman_rows

    rng = np.random.default_rng(0)
    pred, gold = rng.random((4, 30)), rng.random((4, 30))
    gold[1, :10] = gold[1, 0]  # ties get average ranks
    got = spearman_rows(pred, gold)
    assert got == pytest.approx([stats.spearmanr(p, g)[0] for p, g in zip(pred, gold)])
    assert math.isnan(spearman_rows(pred[:1], np.ones((1, 30)))[0])
    labels = (gold > 0.5).astype(int)
    assert ap_rows(pred, labels) == pytest.approx([average_precision_score(y, p) for p, y in zip(pred, labels)])
    assert math.isnan(ap_rows(pred[:1], np.zeros((1, 30)))[0])
