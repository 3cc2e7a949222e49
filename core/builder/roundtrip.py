"""Round-trip filter for generated queries: keep a query only when it finds its own source passage again.

Promptagator (Dai et al., 2022) and InPars (Bonifacio et al., 2022) keep a synthetic query only when a retriever
ranks the passage it was generated from near the top. Here:

``roundtrip_filter(rows, passages=None, retriever="bm25", k=None, model=None, progress=None) -> RoundTripReport``

- The pool is the whole passage pool: the text of every passage in ``passages``, deduplicated by exact text.
  A row's source passage is the passage it was generated from (its ``passage_id``); a row whose passage is not
  in ``passages`` (or when ``passages`` is None) has its first positive as its source, added to the pool.
  For LLM rows the source is the positive. For inverse-cloze and title rows it is the whole passage the sentence
  or heading was cut from, so the check drops queries that do not single out their passage (a boilerplate
  sentence or a heading such as "Introduction" that many passages share); it cannot tell whether the rest of
  the passage answers the sentence (BM25 sees no shared word between "A sow drinks twenty litres a day." and
  "Water intake rises with temperature.", and dropping such pairs would throw away what ICT is for).
- Each row's query is scored against the whole pool, by BM25 (``core.builder.bm25.BM25Index``: jieba for Chinese,
  words for English) or by a dense model (``retriever="dense"``, ``model`` a spec or a loaded model; encoded with
  its query/passage prompts by ``core.evaluation.encoding``).
- The source passage's rank is ``1 +`` the number of other pool passages scoring at least as high (a tie does not
  count in the query's favour: a query with no word in common with any passage ranks last under BM25, not first).
- The row is kept when that rank is at most ``k``; otherwise it goes to ``report.dropped`` with
  ``roundtrip_rank`` and ``roundtrip_reason`` (e.g. "source passage at rank 17 of 60 (top 3 needed)").
  Nothing is lost: the caller saves the dropped rows (``python -m core build`` writes ``pairs_dropped.jsonl``).

Defaults (``DEFAULT_K``): **3 for BM25**. Promptagator keeps top-1, but with a retriever trained on the domain;
BM25 over chunks of one document set puts the neighbouring chunks (which share the chunk overlap with the
source) and the other chunks of the same section next to the source, so a good query can fairly rank its source
2nd or 3rd. An off-topic or generic query shares no distinctive word with its source and sinks far below.
**5 for the base model (dense)**: the base model is not yet tuned on the domain, which is the weakness training
fixes; a tight cut would drop exactly the hard but correct queries that teach the most, so it is looser than
BM25's. The filter is on by default with BM25 because BM25 needs no model and takes seconds (2,000 queries
against 6,757 passages: 3 s). Its price, measured on correct pairs (``bench/roundtrip.py``, BENCHMARKS.md): on
LLM-written questions (financial_qa_10k) BM25 at k=3 keeps 71% of them (k=1 58%, k=10 81%); human queries with
few words in common with their passage fail far more often, so the check is for generated queries only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.builder.chunking import Passage
from core.errors import ConfigError, DataError
from core.progress import ProgressFn, Tracker

RETRIEVERS = ("bm25", "dense")
DEFAULT_K = {"bm25": 3, "dense": 5}
DROPPED_FILE = "pairs_dropped.jsonl"
_CHUNK = 256  # queries scored at once against the dense pool


def check_k(k: Any) -> int:
    """``k`` as an int, or ConfigError unless it is a whole number of at least 1."""
    try:
        value = float(k)
    except (TypeError, ValueError):
        value = float("nan")
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise ConfigError(f"The round-trip top-k must be a whole number of at least 1 (got {k!r}).")
    return int(value)


def check_retriever(retriever: str, model: Any = None) -> str:
    """``retriever`` if it is one of ``RETRIEVERS`` (dense needs ``model``), else ConfigError."""
    if retriever not in RETRIEVERS:
        raise ConfigError(f"The round-trip retriever '{retriever}' is not known (expected bm25 or dense).")
    if retriever == "dense" and (model is None or (isinstance(model, str) and not model.strip())):
        raise ConfigError("The round-trip check with a dense retriever needs a model (a model name, folder or Hub id).")
    return retriever


def drop_reason(rank: int, pool: int, k: int, overlap: bool = True) -> str:
    """Why a row was dropped, in one phrase."""
    if not overlap:
        return f"no word in common with its source passage (rank {rank} of {pool}, top {k} needed)"
    return f"source passage at rank {rank} of {pool} (top {k} needed)"


@dataclass
class RoundTripReport:
    """``kept`` / ``dropped`` rows (dropped ones carry ``roundtrip_rank`` and ``roundtrip_reason``), the retriever
    (``"bm25"`` or the model's label), ``k``, the pool size, and ``ranks``: rank of the source for every row, in
    input order."""

    retriever: str
    k: int
    pool: int
    kept: list[dict] = field(default_factory=list, repr=False)
    dropped: list[dict] = field(default_factory=list, repr=False)
    ranks: list[int] = field(default_factory=list, repr=False)

    @property
    def checked(self) -> int:
        return len(self.kept) + len(self.dropped)

    def summary(self) -> str:
        """One sentence: how many were kept, how many dropped and why."""
        name = "BM25" if self.retriever == "bm25" else self.retriever
        return (f"Round-trip check ({name}, top {self.k} of {self.pool} passages): {len(self.kept)} of {self.checked} "
                f"generated queries kept, {len(self.dropped)} dropped (their source passage ranked below {self.k}).")

    def to_dict(self) -> dict:
        """Numbers, the rank histogram and every dropped query with its reason (no full rows)."""
        hist: dict[str, int] = {}
        for r in self.ranks:
            key = str(r) if r <= self.k else f">{self.k}"
            hist[key] = hist.get(key, 0) + 1
        return {
            "retriever": self.retriever, "k": self.k, "pool": self.pool, "checked": self.checked,
            "kept": len(self.kept), "dropped": len(self.dropped),
            "kept_share": round(len(self.kept) / self.checked, 4) if self.checked else None,
            "source_rank": dict(sorted(hist.items(), key=lambda kv: (kv[0].startswith(">"), int(kv[0].lstrip(">"))))),
            "summary": self.summary(),
            "dropped_queries": [{"query": r.get("query"), "passage_id": r.get("passage_id"), "rank": r["roundtrip_rank"],
                                 "reason": r["roundtrip_reason"]} for r in self.dropped],
        }


def _pool(rows: Sequence[dict], passages: Sequence[Passage | str] | None) -> tuple[list[str], list[int]]:
    """Pool texts and, per row, the pool index of its source passage."""
    texts: list[str] = []
    where: dict[str, int] = {}

    def add(text: str) -> int:
        j = where.get(text)
        if j is None:
            j = where[text] = len(texts)
            texts.append(text)
        return j

    by_id: dict[str, int] = {}
    for p in passages or []:
        if isinstance(p, Passage):
            by_id[str(p.id)] = add(p.text)
        elif str(p).strip():
            add(str(p))
    sources = []
    for i, row in enumerate(rows, start=1):
        pos = row.get("pos") or []
        if isinstance(pos, str):
            pos = [pos]
        if not pos or not str(pos[0]).strip() or not str(row.get("query") or "").strip():
            raise DataError(f"Row {i} has no query or no positive passage; the round-trip check needs both.")
        j = by_id.get(str(row.get("passage_id")))
        sources.append(add(str(pos[0])) if j is None else j)
    return texts, sources


def _bm25_ranks(queries: list[str], pool: list[str], sources: list[int],
                progress: ProgressFn | None) -> tuple[list[int], list[bool]]:
    from core.builder.bm25 import BM25Index

    index = BM25Index(pool)
    tracker = Tracker("roundtrip", len(queries), progress)
    ranks, overlap = [], []
    for qids, src in zip(index.query_ids(queries), sources):
        scores = index.all_scores(qids)
        s = scores[src]
        ranks.append(int((scores >= s).sum()))
        overlap.append(bool(s > 0))
        tracker.update(1)
    return ranks, overlap


def _dense_ranks(queries: list[str], pool: list[str], sources: list[int], model: Any,
                 progress: ProgressFn | None) -> list[int]:
    from core.evaluation.encoding import encode_corpus, encode_queries

    P = encode_corpus(model, pool, progress=progress)
    Q = encode_queries(model, queries, progress=progress)
    src = np.asarray(sources, dtype=np.int64)
    ranks: list[int] = []
    for s in range(0, len(queries), _CHUNK):
        sims = Q[s:s + _CHUNK] @ P.T
        own = sims[np.arange(sims.shape[0]), src[s:s + _CHUNK]]
        ranks.extend(int(x) for x in (sims >= own[:, None]).sum(axis=1))
    return ranks


def roundtrip_filter(
    rows: Sequence[dict],
    passages: Sequence[Passage | str] | None = None,
    retriever: str = "bm25",
    k: int | None = None,
    model: Any = None,
    progress: ProgressFn | None = None,
) -> RoundTripReport:
    """Split ``rows`` into those whose query finds its source passage in the top ``k`` and the others; see the
    module docstring. ``k`` defaults to ``DEFAULT_K[retriever]``. Raises ConfigError for a bad ``k`` or retriever,
    DataError for a row without query or positive, ModelSourceError for a model that cannot be loaded."""
    check_retriever(retriever, model)
    k = DEFAULT_K[retriever] if k is None else check_k(k)
    rows = list(rows)
    label = "bm25"
    if retriever == "dense":
        from core.evaluation.encoding import as_model, model_label

        model = as_model(model)
        label = model_label(model)
    if not rows:
        return RoundTripReport(retriever=label, k=k, pool=0)
    pool, sources = _pool(rows, passages)
    queries = [str(r["query"]) for r in rows]
    if retriever == "bm25":
        ranks, overlap = _bm25_ranks(queries, pool, sources, progress)
    else:
        ranks, overlap = _dense_ranks(queries, pool, sources, model, progress), [True] * len(rows)
    report = RoundTripReport(retriever=label, k=k, pool=len(pool), ranks=ranks)
    for row, rank, shared in zip(rows, ranks, overlap):
        if rank <= k:
            report.kept.append(row)
        else:
            report.dropped.append({**row, "roundtrip_rank": rank,
                                   "roundtrip_reason": drop_reason(rank, len(pool), k, shared)})
    return report
