"""Metrics computed by hand with numpy over the WHOLE corpus (no approximate search).

Retrieval (``retrieval_metrics`` from a score matrix, ``retrieval_metrics_from_embeddings`` in chunks):
- ``recall@k``   = |relevant in top k| / |relevant|, averaged over queries
- ``hit@k``      = 1 if any relevant passage is in the top k (hit rate)
- ``mrr@10``     = 1 / rank of the first relevant passage when that rank <= 10, else 0
- ``ndcg@10``    = DCG@10 / IDCG@10 with linear graded gain ``rel / log2(rank + 1)``; IDCG from the qrels grades
- ``map@100``    = sum over relevant hits at rank r <= 100 of precision@r, divided by min(|relevant|, 100)
  (the sentence-transformers ``InformationRetrievalEvaluator`` convention)
Ties in scores keep corpus order (stable sort). Per query: ``first_rank`` (1-based rank of the best-ranked
relevant passage over the whole corpus) and each metric's per-query value.

Pairs: ``correlation(pred, gold)`` -> pearson/spearman; ``binary_metrics(scores, labels)`` -> best-threshold
accuracy and F1 (with thresholds, precision, recall) and average precision; ``triplet_accuracy``;
``separation_auc`` (ROC AUC of positive vs negative scores).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAIN_METRIC = "ndcg@10"
DEFAULT_K = (1, 5, 10, 100)


@dataclass
class RetrievalMetrics:
    """``metrics``: {name: mean value}; ``per_query``: one row per query (query_id, first_rank, n_relevant,
    per-query metric values); ``top``: {query_id: [doc ids of the top ``keep_top`` in order]} when asked."""

    metrics: dict[str, float]
    per_query: pd.DataFrame
    top: dict[str, list[str]] = field(default_factory=dict)


def metric_names(k_values: Sequence[int] = DEFAULT_K, mrr_k: int = 10, ndcg_k: int = 10, map_k: int = 100) -> list[str]:
    ks = sorted(set(int(k) for k in k_values))
    return ([f"ndcg@{ndcg_k}", f"mrr@{mrr_k}", f"map@{map_k}"] + [f"recall@{k}" for k in ks]
            + [f"hit@{k}" for k in ks])


def _per_query_rows(scores: np.ndarray, query_ids: Sequence[str], doc_index: Mapping[str, int],
                    doc_ids: Sequence[str], qrels: Mapping[str, Mapping[str, int]], ks: list[int], mrr_k: int,
                    ndcg_k: int, map_k: int, keep_top: int) -> tuple[list[dict], dict[str, list[str]]]:
    rows, top = [], {}
    order = np.argsort(-scores, axis=1, kind="stable")
    n_docs = scores.shape[1]
    ranks_of = np.empty(n_docs, dtype=np.int64)
    for i, qid in enumerate(query_ids):
        rels = {d: int(g) for d, g in qrels.get(qid, {}).items() if int(g) > 0 and d in doc_index}
        ranks_of[order[i]] = np.arange(1, n_docs + 1)
        rel_idx = np.array([doc_index[d] for d in rels], dtype=np.int64)
        grades = np.array(list(rels.values()), dtype=np.float64)
        rel_ranks = ranks_of[rel_idx] if len(rel_idx) else np.array([], dtype=np.int64)
        n_rel = len(rel_idx)
        row: dict = {"query_id": qid, "n_relevant": n_rel,
                     "first_rank": int(rel_ranks.min()) if n_rel else None}
        first = row["first_rank"]
        row[f"mrr@{mrr_k}"] = (1.0 / first) if first is not None and first <= mrr_k else 0.0
        # NDCG with linear gain
        in_k = rel_ranks <= ndcg_k
        dcg = float(np.sum(grades[in_k] / np.log2(rel_ranks[in_k] + 1.0)))
        ideal = np.sort(grades)[::-1][:ndcg_k]
        idcg = float(np.sum(ideal / np.log2(np.arange(2, len(ideal) + 2))))
        row[f"ndcg@{ndcg_k}"] = dcg / idcg if idcg > 0 else 0.0
        # MAP@k
        hits = np.sort(rel_ranks[rel_ranks <= map_k])
        ap = float(np.sum(np.arange(1, len(hits) + 1) / hits)) if len(hits) else 0.0
        row[f"map@{map_k}"] = ap / min(n_rel, map_k) if n_rel else 0.0
        for k in ks:
            found = int(np.sum(rel_ranks <= k))
            row[f"recall@{k}"] = found / n_rel if n_rel else 0.0
            row[f"hit@{k}"] = 1.0 if found else 0.0
        rows.append(row)
        if keep_top:
            top[qid] = [doc_ids[j] for j in order[i, :keep_top]]
    return rows, top


def _finish(rows: list[dict], names: list[str], top: dict) -> RetrievalMetrics:
    per_query = pd.DataFrame(rows, columns=["query_id", "n_relevant", "first_rank"] + [n for n in names])
    per_query["first_rank"] = per_query["first_rank"].astype("Int64")
    metrics = {n: float(per_query[n].mean()) if len(per_query) else 0.0 for n in names}
    return RetrievalMetrics(metrics=metrics, per_query=per_query, top=top)


def retrieval_metrics(scores: np.ndarray, query_ids: Sequence[str], doc_ids: Sequence[str],
                      qrels: Mapping[str, Mapping[str, int]], k_values: Sequence[int] = DEFAULT_K, mrr_k: int = 10,
                      ndcg_k: int = 10, map_k: int = 100, keep_top: int = 0) -> RetrievalMetrics:
    """Metrics from a full score matrix ``scores[i, j]`` = similarity of query ``query_ids[i]`` to ``doc_ids[j]``."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(query_ids), len(doc_ids)):
        raise ValueError(f"score matrix shape {scores.shape} does not match {len(query_ids)} queries x {len(doc_ids)} docs")
    ks = sorted(set(int(k) for k in k_values))
    names = metric_names(ks, mrr_k, ndcg_k, map_k)
    doc_index = {d: j for j, d in enumerate(doc_ids)}
    rows, top = _per_query_rows(scores, list(query_ids), doc_index, list(doc_ids), qrels, ks, mrr_k, ndcg_k, map_k, keep_top)
    return _finish(rows, names, top)


def retrieval_metrics_from_embeddings(query_emb: np.ndarray, corpus_emb: np.ndarray, query_ids: Sequence[str],
                                      doc_ids: Sequence[str], qrels: Mapping[str, Mapping[str, int]],
                                      k_values: Sequence[int] = DEFAULT_K, mrr_k: int = 10, ndcg_k: int = 10,
                                      map_k: int = 100, keep_top: int = 0, chunk: int = 256) -> RetrievalMetrics:
    """Same as ``retrieval_metrics`` with cosine scores of normalised embeddings, computed ``chunk`` queries at a time."""
    ks = sorted(set(int(k) for k in k_values))
    names = metric_names(ks, mrr_k, ndcg_k, map_k)
    doc_index = {d: j for j, d in enumerate(doc_ids)}
    query_ids, doc_ids = list(query_ids), list(doc_ids)
    rows: list[dict] = []
    top: dict[str, list[str]] = {}
    c = np.asarray(corpus_emb, dtype=np.float32)
    for start in range(0, len(query_ids), chunk):
        s = np.asarray(query_emb[start:start + chunk], dtype=np.float32) @ c.T
        r, t = _per_query_rows(s, query_ids[start:start + chunk], doc_index, doc_ids, qrels, ks, mrr_k, ndcg_k,
                               map_k, keep_top)
        rows += r
        top.update(t)
    return _finish(rows, names, top)


# ---------------------------------------------------------------- pairs


def correlation(pred: Iterable[float], gold: Iterable[float]) -> dict[str, float]:
    """Pearson and Spearman correlation of predicted similarities against gold scores (NaN when undefined)."""
    from scipy import stats

    p, g = np.asarray(list(pred), dtype=np.float64), np.asarray(list(gold), dtype=np.float64)
    if len(p) < 2 or np.ptp(p) == 0 or np.ptp(g) == 0:
        return {"pearson": float("nan"), "spearman": float("nan")}
    return {"pearson": float(stats.pearsonr(p, g)[0]), "spearman": float(stats.spearmanr(p, g)[0])}


def binary_metrics(scores: Iterable[float], labels: Iterable[int]) -> dict[str, float]:
    """Best-threshold accuracy and F1 on similarity ``scores`` for 0/1 ``labels`` (a pair is predicted similar
    when its score >= threshold; thresholds are midpoints between consecutive distinct scores), plus average
    precision (threshold-free)."""
    s = np.asarray(list(scores), dtype=np.float64)
    y = np.asarray(list(labels), dtype=np.int64)
    n, n_pos = len(s), int(y.sum())
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    tp = np.concatenate([[0], np.cumsum(y_sorted)])          # predicted positive = first i items
    fp = np.concatenate([[0], np.cumsum(1 - y_sorted)])
    i = np.arange(n + 1)
    valid = np.ones(n + 1, dtype=bool)
    valid[1:n] = s_sorted[:-1] != s_sorted[1:]                # cut only between distinct scores
    acc = (tp + ((n - n_pos) - fp)) / max(n, 1)
    f1 = np.where(2 * tp + fp + (n_pos - tp) > 0, 2 * tp / np.maximum(2 * tp + fp + (n_pos - tp), 1), 0.0)

    def threshold(cut: int) -> float:
        if cut == 0:
            return float(s_sorted[0] + 1e-6) if n else 0.0
        if cut == n:
            return float(s_sorted[-1])
        return float((s_sorted[cut - 1] + s_sorted[cut]) / 2)

    acc_cut = int(i[valid][np.argmax(acc[valid])])
    f1_cut = int(i[valid][np.argmax(f1[valid])])
    precision = tp[f1_cut] / f1_cut if f1_cut else 0.0
    recall = tp[f1_cut] / n_pos if n_pos else 0.0
    return {
        "accuracy": float(acc[acc_cut]), "accuracy_threshold": threshold(acc_cut),
        "f1": float(f1[f1_cut]), "f1_threshold": threshold(f1_cut),
        "precision": float(precision), "recall": float(recall),
        "ap": average_precision(s, y),
    }


def average_precision(scores: Iterable[float], labels: Iterable[int]) -> float:
    """Average precision of ranking by score (ties grouped, as scikit-learn's ``average_precision_score``)."""
    from sklearn.metrics import average_precision_score

    y = np.asarray(list(labels), dtype=np.int64)
    if y.sum() == 0:
        return float("nan")
    return float(average_precision_score(y, np.asarray(list(scores), dtype=np.float64)))


def spearman_rows(pred: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """Spearman correlation of each row of ``pred`` with the same row of ``gold`` (2-D arrays of one shape; ties
    get average ranks, as ``scipy.stats.spearmanr``); NaN for a row where either side is constant."""
    from scipy.stats import rankdata

    rp = rankdata(np.asarray(pred, dtype=np.float64), axis=1)
    rg = rankdata(np.asarray(gold, dtype=np.float64), axis=1)
    rp -= rp.mean(axis=1, keepdims=True)
    rg -= rg.mean(axis=1, keepdims=True)
    den = np.sqrt((rp * rp).sum(axis=1) * (rg * rg).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (rp * rg).sum(axis=1) / np.where(den > 0, den, 1.0), np.nan)


def ap_rows(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Average precision of ranking each row of ``scores`` by score against the same row of 0/1 ``labels`` (2-D
    arrays of one shape; tied scores keep their order); NaN for a row with no positive."""
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s, axis=1, kind="stable")
    y = np.take_along_axis(np.asarray(labels, dtype=np.float64), order, axis=1)
    precision = np.cumsum(y, axis=1) / np.arange(1, s.shape[1] + 1)
    n_pos = y.sum(axis=1)
    return np.where(n_pos > 0, (precision * y).sum(axis=1) / np.maximum(n_pos, 1), np.nan)


def triplet_accuracy(pos_scores: Iterable[float], neg_scores: Iterable[float]) -> float:
    """Share of triplets with sim(anchor, positive) > sim(anchor, negative)."""
    p, n = np.asarray(list(pos_scores)), np.asarray(list(neg_scores))
    return float(np.mean(p > n)) if len(p) else float("nan")


def separation_auc(pos_scores: Iterable[float], neg_scores: Iterable[float]) -> float:
    """ROC AUC of positives vs negatives = P(random positive scores above random negative), ties count 1/2."""
    from scipy.stats import rankdata

    p, n = np.asarray(list(pos_scores), dtype=np.float64), np.asarray(list(neg_scores), dtype=np.float64)
    if not len(p) or not len(n):
        return float("nan")
    ranks = rankdata(np.concatenate([p, n]))
    return float((ranks[: len(p)].sum() - len(p) * (len(p) + 1) / 2) / (len(p) * len(n)))


__all__ = ["RetrievalMetrics", "retrieval_metrics", "retrieval_metrics_from_embeddings", "metric_names", "correlation",
           "binary_metrics", "average_precision", "spearman_rows", "ap_rows", "triplet_accuracy", "separation_auc", "MAIN_METRIC", "DEFAULT_K"]
