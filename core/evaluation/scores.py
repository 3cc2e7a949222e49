"""Cosine-score distributions of positive vs negative (query, passage) pairs, and a suggested cut-off.

- ``score_distribution(query_emb, corpus_emb, evalset, label, ...) -> ScoreDistribution``: positives are each
  query with each relevant passage; negatives are the query's mined negatives when the set has them, else
  ``n_random`` random non-relevant passages per query (fixed seed, same for every model).
- ``suggest_threshold(pos, neg, method="f1"|"youden")``: the cosine cut-off maximising F1 (positives vs
  negatives) or Youden's J (TPR - FPR).
- ``ScoreDistribution`` holds the arrays, the separation AUC and both thresholds.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from core.evaluation.evalset import EvalSet
from core.evaluation.metrics import binary_metrics, separation_auc


@dataclass
class ScoreDistribution:
    """Positive/negative cosine scores for one model plus summary numbers."""

    label: str
    positive: np.ndarray
    negative: np.ndarray
    negative_source: str  # "mined" or "random"
    auc: float = float("nan")
    threshold_f1: float = float("nan")
    f1_at_threshold: float = float("nan")
    threshold_youden: float = float("nan")
    extra: dict = field(default_factory=dict)
    # the highest-scored non-relevant passages of each query (what a retriever actually confuses)
    hard_negative: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    def summary(self) -> dict:
        return {
            "label": self.label, "negative_source": self.negative_source,
            "n_positive": int(len(self.positive)), "n_negative": int(len(self.negative)),
            "n_hard_negative": int(len(self.hard_negative)),
            "positive_mean": float(np.mean(self.positive)) if len(self.positive) else None,
            "negative_mean": float(np.mean(self.negative)) if len(self.negative) else None,
            "auc": self.auc, "threshold_f1": self.threshold_f1, "f1_at_threshold": self.f1_at_threshold,
            "threshold_youden": self.threshold_youden,
        }


def suggest_threshold(pos: Iterable[float], neg: Iterable[float], method: str = "f1") -> tuple[float, float]:
    """Return (threshold, value): the cut-off maximising F1 (``method="f1"``) or Youden's J = TPR - FPR
    (``method="youden"``); a pair scoring >= threshold is called relevant."""
    p, n = np.asarray(list(pos), dtype=np.float64), np.asarray(list(neg), dtype=np.float64)
    if not len(p) or not len(n):
        return float("nan"), float("nan")
    scores = np.concatenate([p, n])
    labels = np.concatenate([np.ones(len(p), dtype=np.int64), np.zeros(len(n), dtype=np.int64)])
    if method == "f1":
        m = binary_metrics(scores, labels)
        return m["f1_threshold"], m["f1"]
    if method != "youden":
        raise ValueError(f"unknown threshold method {method!r}")
    cand = np.unique(scores)
    tpr = 1.0 - np.searchsorted(np.sort(p), cand, side="left") / len(p)  # share of positives >= cut
    fpr = 1.0 - np.searchsorted(np.sort(n), cand, side="left") / len(n)
    j = tpr - fpr
    best = int(np.argmax(j))
    return float(cand[best]), float(j[best])


def score_distribution(query_emb: np.ndarray, corpus_emb: np.ndarray, evalset: EvalSet, label: str,
                       n_random: int = 5, seed: int = 0) -> ScoreDistribution:
    """Cosine scores of positive and negative pairs (rows of ``query_emb`` follow ``evalset.queries`` order,
    rows of ``corpus_emb`` follow ``evalset.corpus`` order; both normalised)."""
    qidx = {q: i for i, q in enumerate(evalset.queries)}
    didx = {d: j for j, d in enumerate(evalset.corpus)}
    doc_ids = list(evalset.corpus)
    rng = random.Random(seed)
    pos_pairs, neg_pairs = [], []
    mined = any(evalset.negatives.get(q) for q in evalset.queries)
    for q, rels in evalset.qrels.items():
        pos_pairs += [(qidx[q], didx[d]) for d in rels]
        if mined:
            neg_pairs += [(qidx[q], didx[d]) for d in evalset.negatives.get(q, [])]
        else:
            # distinct random passages (without replacement), relevant ones skipped
            pool = rng.sample(range(len(doc_ids)), min(len(doc_ids), n_random + len(rels)))
            picked = [j for j in pool if doc_ids[j] not in rels][:n_random]
            neg_pairs += [(qidx[q], j) for j in picked]

    def cos(pairs: list[tuple[int, int]]) -> np.ndarray:
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        a = np.array(pairs)
        return np.einsum("ij,ij->i", query_emb[a[:, 0]], corpus_emb[a[:, 1]]).astype(np.float32)

    pos, neg = cos(pos_pairs), cos(neg_pairs)
    t_f1, f1 = suggest_threshold(pos, neg, "f1")
    t_j, _ = suggest_threshold(pos, neg, "youden")
    return ScoreDistribution(label=label, positive=pos, negative=neg, negative_source="mined" if mined else "random",
                             auc=separation_auc(pos, neg), threshold_f1=t_f1, f1_at_threshold=f1, threshold_youden=t_j,
                             hard_negative=_hard_negatives(query_emb, corpus_emb, evalset, qidx, didx, n_random))


def _hard_negatives(query_emb: np.ndarray, corpus_emb: np.ndarray, evalset: EvalSet, qidx: dict, didx: dict,
                    n_hard: int, chunk: int = 256) -> np.ndarray:
    """Cosine scores of the ``n_hard`` highest-scored non-relevant passages of every query."""
    qids = [q for q in evalset.qrels if q in qidx]
    out = []
    for start in range(0, len(qids), chunk):
        part = qids[start:start + chunk]
        scores = query_emb[[qidx[q] for q in part]] @ corpus_emb.T
        for row, q in zip(scores, part):
            for d in evalset.qrels[q]:
                row[didx[d]] = -np.inf
            k = min(n_hard, int(np.isfinite(row).sum()))
            if k:
                top = np.argpartition(-row, k - 1)[:k]
                out.append(row[top])
    return np.concatenate(out).astype(np.float32) if out else np.zeros(0, dtype=np.float32)


__all__ = ["ScoreDistribution", "score_distribution", "suggest_threshold"]
