"""Side-by-side semantic search: the same query against one corpus with two (or more) models.

``SideBySide(models, corpus, qrels=None, progress=None, use_cache=True)``
- ``corpus``: an ``EvalSet`` (its qrels then mark gold passages), a dict {id: text}, or a list of texts
  (ids ``p0``, ``p1``, ...).
- Each model's corpus matrix comes from the on-disk cache (``embed_cache``, under ``core.paths.cache_root()``):
  embedded once per (model, corpus), reopened from disk after a restart instead of re-encoded.
- ``progress`` hears each phase of the cold start: ``load-model`` (i of n, message = the label) before each
  model loads, ``embed-corpus`` batches labelled with the model (one report when read from the cache), and
  ``ready`` (n of n) at the end.
- With two models the query is encoded by both at the same time (one torch thread each; ``parallel=False`` to
  encode one after the other).

``.search(query, k=10, query_id=None) -> list[list[SearchHit]]``: one ranked list per model. Each hit has the
passage id, text, cosine score, rank (1-based), and its rank over the WHOLE corpus under the other model
(the base's other is the second model, every other model's other is the base): ``other_rank``,
``rank_change`` = other_rank - rank (positive = this model ranks it higher), ``in_other`` (also in the other
list's top k) / ``is_new``. ``gold`` is True/False when relevance is known for the query (by ``query_id`` or
exact query text), else None. Search is exact (normalised float32 matrix product), no vector index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from core.errors import ConfigError
from core.evaluation.embed_cache import embed_corpus_cached
from core.evaluation.encoding import as_model, encode_queries, model_label, split_labelled, torch_threads
from core.evaluation.evalset import EvalSet
from core.progress import Progress, ProgressFn, labelled


@dataclass
class SearchHit:
    """One passage in one model's result list (see module docstring)."""

    doc_id: str
    text: str
    score: float
    rank: int
    other_rank: int | None = None
    rank_change: int | None = None
    in_other: bool | None = None
    gold: bool | None = None

    @property
    def is_new(self) -> bool:
        return self.in_other is False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["is_new"] = self.is_new
        return d


class SideBySide:
    """Holds loaded models and their cached corpus matrices; ``search`` answers one query for every model."""

    def __init__(self, models: Sequence[Any], corpus: EvalSet | Mapping[str, str] | Sequence[str],
                 qrels: Mapping[str, Mapping[str, int]] | None = None, progress: ProgressFn | None = None,
                 use_cache: bool = True, device: str | None = None, parallel: bool = True):
        self.parallel = parallel
        self._executor = None
        if not models:
            raise ConfigError("Side-by-side search needs at least one model (expected one or two model specs).")
        if isinstance(corpus, EvalSet):
            self.corpus = dict(corpus.corpus)
            self.qrels = {q: dict(r) for q, r in corpus.qrels.items()}
            self.query_ids_by_text = {t: q for q, t in corpus.queries.items()}
        else:
            self.corpus = dict(corpus) if isinstance(corpus, Mapping) else {f"p{i}": str(t) for i, t in enumerate(corpus)}
            self.qrels = {q: dict(r) for q, r in (qrels or {}).items()}
            self.query_ids_by_text = {}
        if not self.corpus:
            raise ConfigError("Side-by-side search needs a non-empty corpus (expected at least one passage).")
        self.doc_ids = list(self.corpus)
        texts = [self.corpus[d] for d in self.doc_ids]
        self.labels: list[str] = []
        self.models: list[Any] = []
        self.matrices: list[np.ndarray] = []
        self.cache_hits: list[bool] = []
        seen: set[str] = set()
        n = len(models)
        for i, spec in enumerate(models):
            label, raw = split_labelled(spec)
            label = label or model_label(raw)
            while label in seen:
                label += "'"
            seen.add(label)
            if progress:
                progress(Progress("load-model", i, n, message=label))
            model = as_model(raw, device=device)
            emb = embed_corpus_cached(model, self.doc_ids, texts, progress=labelled(progress, label),
                                      use_cache=use_cache)
            self.labels.append(label)
            self.models.append(model)
            self.matrices.append(np.ascontiguousarray(emb.matrix, dtype=np.float32))
            self.cache_hits.append(emb.hit)
        if progress:
            progress(Progress("ready", n, n, message=", ".join(self.labels)))

    def _pool(self):
        from concurrent.futures import ThreadPoolExecutor

        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=len(self.models), thread_name_prefix="side-by-side")
        return self._executor

    def close(self) -> None:
        """Stop the worker threads used for parallel query encoding (also done at garbage collection)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _other(self, i: int) -> int | None:
        if len(self.models) < 2:
            return None
        return 1 if i == 0 else 0

    def search(self, query: str, k: int = 10, query_id: str | None = None) -> list[list[SearchHit]]:
        """Top ``k`` passages per model for ``query`` (see module docstring)."""
        query = str(query or "").strip()
        if not query:
            raise ConfigError("The search query is empty (expected some text).")
        k = max(1, min(int(k), len(self.doc_ids)))
        qid = query_id or self.query_ids_by_text.get(query)
        rels = self.qrels.get(qid) if qid is not None else None
        import torch

        # matrix-vector product in torch (same thread pool as the query encoder: numpy's BLAS threads spinning
        # next to torch's measurably slowed the following encode on a 2-core machine)
        def score(i: int) -> np.ndarray:
            qv = encode_queries(self.models[i], [query])[0]
            qv = torch.from_numpy(np.ascontiguousarray(qv, dtype=np.float32))
            return (torch.from_numpy(self.matrices[i]) @ qv).numpy()

        if len(self.models) > 1 and self.parallel:
            # one single-threaded encode per model, side by side (torch releases the GIL)
            with torch_threads(1):
                scores = list(self._pool().map(score, range(len(self.models))))
        else:
            scores = [score(i) for i in range(len(self.models))]
        orders = []
        for s in scores:
            top = np.argpartition(-s, k - 1)[:k] if k < len(s) else np.arange(len(s))
            orders.append(top[np.lexsort((top, -s[top]))])  # by score desc, ties by corpus order
        out = []
        for i, (s, order) in enumerate(zip(scores, orders)):
            j = self._other(i)
            other_top = set(orders[j].tolist()) if j is not None else None
            hits = []
            for rank, idx in enumerate(order.tolist(), 1):
                other_rank = None
                if j is not None:
                    so = scores[j]
                    # whole-corpus rank under the other model: strictly higher scores + ties earlier in corpus order
                    other_rank = int(np.sum(so > so[idx]) + np.sum(so[:idx] == so[idx]) + 1)
                d = self.doc_ids[idx]
                hits.append(SearchHit(
                    doc_id=d, text=self.corpus[d], score=float(s[idx]), rank=rank, other_rank=other_rank,
                    rank_change=(other_rank - rank) if other_rank is not None else None,
                    in_other=(idx in other_top) if other_top is not None else None,
                    gold=(d in rels and rels[d] > 0) if rels is not None else None,
                ))
            out.append(hits)
        return out


__all__ = ["SideBySide", "SearchHit"]
