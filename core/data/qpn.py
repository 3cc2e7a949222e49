"""Expand query-positives-negatives rows into training rows, the way RAG-Retrieval does.

``qpn_to_rows(data, neg_nums=7, seed=42, prompt=None, keep_row=False) -> DataFrame``

RAG-Retrieval's ``EmbeddingDataset.read_train_data`` (rag_retrieval/train/embedding/data.py) makes one
training example per positive passage; each example gets ``neg_nums`` negatives drawn from the query's
negative list with ``random.sample``; when the list is shorter than ``neg_nums`` it is repeated
``ceil(neg_nums / len(neg))`` times first, so negatives are re-used (sampling with replacement, but each
negative used at most that many times). We do the same with a seeded ``random.Random`` so results repeat.

Output columns: ``anchor``, ``positive``, ``negative_1`` .. ``negative_<neg_nums>`` (the n-tuple layout that
sentence-transformers' MultipleNegativesRankingLoss takes); with ``neg_nums=0`` only ``anchor`` and
``positive`` (rows without negatives are fine then). ``keep_row=True`` adds ``_row`` (the source line).

Prompts: RAG-Retrieval prepends ``prompt_for_query`` to the query with no separator. We do the same: the
row's ``prompt`` cell when non-empty, else the ``prompt`` argument, is prepended verbatim to the anchor
(include any trailing space or colon in the prompt yourself, e.g. ``"为这个句子生成表示以用于检索相关文章："``).
Passages are never prefixed. If you instead configure prompts on the sentence-transformers model, leave
``prompt`` unset here so the query is not prefixed twice.
"""

from __future__ import annotations

import math
import random
from typing import Optional

import pandas as pd

from core.errors import DataError


def qpn_to_rows(data, neg_nums: int = 7, seed: int = 42, prompt: Optional[str] = None,
                keep_row: bool = False) -> pd.DataFrame:
    """Expand canonical qpn rows (``query``, ``pos`` list, ``neg`` list, optional ``prompt``) to one row per positive.

    Inputs: ``data`` a ``LoadedData`` in qpn format or its ``df``; ``neg_nums`` negatives per row (>= 0);
    ``seed`` for the sampling; ``prompt`` prepended to queries whose row has no prompt of its own.
    Output: DataFrame with ``anchor``, ``positive``, ``negative_1..negative_<neg_nums>``.
    Raises ``DataError`` when ``neg_nums > 0`` and a row has no negatives (naming its row).
    """
    df: pd.DataFrame = getattr(data, "df", data)
    source = getattr(data, "source", None)
    if neg_nums < 0:
        raise DataError(f"neg_nums must be 0 or more, got {neg_nums}.")
    for col in ("query", "pos"):
        if col not in df.columns:
            raise DataError(f"qpn_to_rows needs canonical qpn data with columns 'query' and 'pos' (load it with format 'qpn'); got columns: {', '.join(map(str, df.columns))}.")
    rng = random.Random(seed)
    has_neg = "neg" in df.columns
    has_prompt = "prompt" in df.columns
    rows: list[dict] = []
    for idx, rec in enumerate(df.to_dict(orient="records")):
        row_no = rec.get("_row", idx + 1)
        p = rec.get("prompt") if has_prompt else None
        p = p if isinstance(p, str) and p else (prompt or "")
        anchor = p + str(rec["query"])
        negs = list(rec.get("neg") or []) if has_neg else []
        if neg_nums > 0 and not negs:
            where = f"row {row_no} of {source}" if source else f"row {row_no}"
            raise DataError(f"{where} has no negatives but neg_nums={neg_nums}; mine hard negatives first or use neg_nums=0.")
        for pos in rec["pos"]:
            out = {"anchor": anchor, "positive": pos}
            if neg_nums > 0:
                if len(negs) < neg_nums:
                    pool = negs * math.ceil(neg_nums / len(negs))
                    picked = rng.sample(pool, neg_nums)
                else:
                    picked = rng.sample(negs, neg_nums)
                for k, n in enumerate(picked, start=1):
                    out[f"negative_{k}"] = n
            if keep_row:
                out["_row"] = row_no
            rows.append(out)
    cols = ["anchor", "positive"] + [f"negative_{k}" for k in range(1, neg_nums + 1)] + (["_row"] if keep_row else [])
    return pd.DataFrame(rows, columns=cols)
