"""Teacher-score rows for the distillation losses (MarginMSELoss, DistillKLDivLoss).

``teacher_rows(df, data_format, n_negatives=7, seed=42) -> DataFrame``

Input: canonical rows that carry teacher scores, in one of two layouts:

- ``qpn`` with ``pos_scores`` / ``neg_scores`` (FlagEmbedding and RAG-Retrieval distillation data: one
  score per passage of ``pos`` / ``neg``, same order);
- ``scored_pair`` where ``sentence1`` is a query that repeats over several rows, ``sentence2`` a passage and
  ``score`` the teacher's score for it (RAG-Retrieval's ``{"query", "content", "score"}`` lines). Rows are
  grouped by query; the highest-scored passage is the positive, the others the candidates.

Output columns: ``anchor``, ``positive``, ``negative_1..negative_n``, ``label`` (a list of ``n + 1`` floats:
the teacher's score of the positive, then of each negative, in column order). This is what
sentence-transformers' ``DistillKLDivLoss`` (softmax over the candidates, KL to the teacher's softmax) and
``MarginMSELoss`` (``label[0] - label[i]`` as the target margin) take. When a query has fewer negatives than
``n`` they are re-used (seeded), the way ``core.data.qpn_to_rows`` does; a query with no negative is skipped.
Raises DataError naming the row when a score is missing or not a number, or when no usable row is left.
"""

from __future__ import annotations

import math
import random

import pandas as pd

from core.errors import DataError

DISTILL_LOSSES = ("DistillKLDivLoss", "MarginMSELoss")


def _score(value, where: str, col: str) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        f = float("nan")
    if not math.isfinite(f):
        raise DataError(f"{where}, column '{col}' has the teacher score {value!r}; expected a number.")
    return f


def _groups_from_qpn(df: pd.DataFrame) -> list[tuple[str, list[tuple[str, float]], list[tuple[str, float]], object]]:
    for col in ("pos_scores", "neg_scores"):
        if col not in df.columns:
            raise DataError(f"Distillation needs teacher scores: the qpn data has no '{col}' column "
                            "(one score per passage of 'pos' / 'neg').")
    out = []
    for i, rec in enumerate(df.to_dict(orient="records")):
        row = rec.get("_row", i + 1)
        where = f"Row {row}"
        pos, neg = list(rec.get("pos") or []), list(rec.get("neg") or [])
        ps, ns = list(rec.get("pos_scores") or []), list(rec.get("neg_scores") or [])
        if len(ps) != len(pos) or len(ns) != len(neg):
            raise DataError(f"{where} has {len(pos)} positives with {len(ps)} pos_scores and {len(neg)} negatives "
                            f"with {len(ns)} neg_scores; expected one score per passage.")
        out.append((str(rec["query"]), [(p, _score(s, where, "pos_scores")) for p, s in zip(pos, ps)],
                    [(n, _score(s, where, "neg_scores")) for n, s in zip(neg, ns)], row))
    return out


def _groups_from_scored_pairs(df: pd.DataFrame):
    for col in ("sentence1", "sentence2", "score"):
        if col not in df.columns:
            raise DataError(f"Distillation from scored pairs needs the columns sentence1 (query), sentence2 (passage) "
                            f"and score (teacher score); '{col}' is missing.")
    by_query: dict[str, list[tuple[str, float]]] = {}
    first_row: dict[str, object] = {}
    for i, rec in enumerate(df.to_dict(orient="records")):
        row = rec.get("_row", i + 1)
        q = str(rec["sentence1"])
        by_query.setdefault(q, []).append((str(rec["sentence2"]), _score(rec["score"], f"Row {row}", "score")))
        first_row.setdefault(q, row)
    out = []
    for q, items in by_query.items():
        items = sorted(items, key=lambda x: -x[1])
        out.append((q, items[:1], items[1:], first_row[q]))
    return out


def teacher_rows(df: pd.DataFrame, data_format: str, n_negatives: int = 7, seed: int = 42) -> pd.DataFrame:
    """Rows for a distillation loss from scored canonical data (see the module docstring)."""
    if n_negatives < 1:
        raise DataError(f"Distillation needs at least one negative per row, got n_negatives={n_negatives}.")
    if data_format == "qpn":
        groups = _groups_from_qpn(df)
    elif data_format == "scored_pair":
        groups = _groups_from_scored_pairs(df)
    else:
        raise DataError(f"Distillation trains on qpn rows with teacher scores or on scored pairs, not on {data_format} data.")
    rng = random.Random(seed)
    rows = []
    for query, positives, negatives, row in groups:
        if not negatives:
            continue
        for pos, pos_score in positives:
            pool = negatives * math.ceil(n_negatives / len(negatives)) if len(negatives) < n_negatives else negatives
            picked = rng.sample(pool, n_negatives)
            out = {"anchor": query, "positive": pos}
            for k, (text, _) in enumerate(picked, start=1):
                out[f"negative_{k}"] = text
            out["label"] = [float(pos_score)] + [float(s) for _, s in picked]
            out["_row"] = row
            rows.append(out)
    if not rows:
        raise DataError("No query has both a positive and a scored negative, so there is nothing to distil; "
                        "each query needs at least two scored passages.")
    cols = ["anchor", "positive"] + [f"negative_{k}" for k in range(1, n_negatives + 1)] + ["label", "_row"]
    return pd.DataFrame(rows, columns=cols)
