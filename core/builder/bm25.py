"""BM25 over a passage pool, for Chinese, English and mixed text.

- ``tokenize(texts, ...) -> list[list[str]]``: per text, runs of CJK characters go through jieba (search mode by
  default, ``jieba.lcut_for_search``) and everything else through a lowercase ``\\w+`` word tokenizer; stopwords
  are dropped. So a Chinese, an English and a mixed text all tokenise sensibly with one call.
  ``zh_tokenizer="auto"`` (default) cuts with ``rjieba`` (jieba-rs, the same dictionary and algorithm in Rust,
  ~19x faster) when it is installed and with ``jieba`` otherwise; ``"jieba"`` / ``"rjieba"`` force one. On
  242,828 Chinese runs of the shared data sets the two gave identical search-mode tokens for all but 2
  (``bench/mining.py`` measures it).
- ``BM25Index(passages, method="lucene", k1=1.5, b=0.75, stopwords="auto", progress=None)``: indexes the
  passages with ``bm25s``. ``search(queries, k) -> (indices, scores)`` (both ``(n_queries, k)`` numpy arrays,
  best first; bm25s scores each query, a top-k over the non-zero scores picks the best, queries spread over
  ``n_threads`` threads); ``score(query, doc_indices) -> np.ndarray`` scores chosen passages
  for one query exactly as ``search`` would (used for the false-negative guard).

Scoring variants (``method``, passed to ``bm25s.BM25``): ``"lucene"`` (default; idf = log(1 + (N-df+.5)/(df+.5)),
never negative), ``"robertson"`` (idf = log((N-df+.5)/(df+.5)) clamped at 0). bm25s leaves the constant
``(k1 + 1)`` out of the term-frequency part, so for ``"robertson"`` ``score * (k1 + 1)`` equals the classic Okapi
BM25 score (rank-bm25's ``BM25Okapi``) whenever no query term occurs in more than half of the passages; the
ranking is the same either way. ``"atire"``, ``"bm25l"`` and ``"bm25+"`` are also accepted.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from core.errors import ConfigError
from core.progress import ProgressFn, Tracker

METHODS = ("lucene", "robertson", "atire", "bm25l", "bm25+")

# Han ideographs (basic, extension A, compatibility); runs of these go to jieba.
_CJK_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")
_WORD = re.compile(r"\w+", re.UNICODE)

# Short list of Chinese function words: safe to drop in retrieval (the bm25s list of 841 also drops content
# words such as 上升 or 严重, so it is opt-in as stopwords="en+zh-full").
ZH_FUNCTION_WORDS = frozenset(
    "的 了 是 在 和 与 及 或 吗 呢 吧 啊 呀 也 都 就 而 之 其 这 那 个 着 把 被 让 给 对 从 向 于 以 为 所 得 地 "
    "还 又 并 且 但 却 则 么 什么 怎么 怎样 如何 哪 哪些 哪个 有 没有 一个 这个 那个 我们 你们 他们 可以 会 能".split()
)

ZH_TOKENIZERS = ("auto", "jieba", "rjieba")

_jieba_lock = threading.Lock()
_jieba_ready = False


def _topk(scores: np.ndarray, k: int, nonzero_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``k`` largest ``scores``, best first (ties broken by lower index).

    With ``nonzero_only`` the selection runs over the non-zero scores only (BM25 leaves most passages at 0, and
    ``argpartition`` over long runs of equal values is slow); zero-score passages fill up the rest in index order.
    """
    if nonzero_only:
        cand = np.flatnonzero(scores)
    else:
        cand = np.arange(len(scores))
    vals = scores[cand]
    if len(cand) > k:
        part = np.argpartition(-vals, k - 1)[:k]
        cand, vals = cand[part], vals[part]
    order = np.lexsort((cand, -vals))
    cand, vals = cand[order], vals[order]
    if len(cand) < k:
        taken = np.zeros(len(scores), dtype=bool)
        taken[cand] = True
        fill = np.flatnonzero(~taken)[: k - len(cand)]
        cand = np.concatenate([cand, fill])
        vals = np.concatenate([vals, scores[fill]])
    return cand.astype(np.int64), vals.astype(np.float32)


def _jieba():
    """Import jieba and load its dictionary once per process (quietly)."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def rjieba_available() -> bool:
    """True when the optional ``rjieba`` package (jieba-rs bindings) can be imported."""
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return False
    return True


def zh_cutter(zh_mode: str = "search", zh_tokenizer: str = "auto"):
    """The function that cuts one run of Chinese characters into words: ``rjieba`` or ``jieba`` (see module
    docstring), in search mode (``lcut_for_search``) or default mode (``lcut``)."""
    if zh_mode not in ("search", "default"):
        raise ConfigError(f"Unknown zh_mode '{zh_mode}'; expected 'search' or 'default'.")
    if zh_tokenizer not in ZH_TOKENIZERS:
        raise ConfigError(f"Unknown zh_tokenizer '{zh_tokenizer}'; expected one of {', '.join(ZH_TOKENIZERS)}.")
    if zh_tokenizer == "rjieba" or (zh_tokenizer == "auto" and rjieba_available()):
        try:
            import rjieba
        except ImportError as err:
            raise ConfigError(
                "zh_tokenizer is 'rjieba' but the rjieba package is not installed "
                "(expected `pip install rjieba`, or zh_tokenizer 'auto' or 'jieba')."
            ) from err
        return rjieba.cut_for_search if zh_mode == "search" else rjieba.cut
    jieba = _jieba()
    return jieba.lcut_for_search if zh_mode == "search" else jieba.lcut


def resolve_stopwords(stopwords: str | Iterable[str] | None) -> frozenset[str]:
    """``"auto"`` (English + Chinese function words), ``"en"``, ``"zh"``, ``"en+zh"``, ``"en+zh-full"`` (bm25s's
    long Chinese list), ``None``/``"none"`` (keep everything), or an iterable of words."""
    if stopwords is None:
        return frozenset()
    if not isinstance(stopwords, str):
        return frozenset(w.lower() for w in stopwords)
    from bm25s import stopwords as sw

    name = stopwords.strip().lower()
    table = {
        "none": frozenset(),
        "en": frozenset(sw.STOPWORDS_EN),
        "zh": ZH_FUNCTION_WORDS,
        "auto": frozenset(sw.STOPWORDS_EN) | ZH_FUNCTION_WORDS,
        "en+zh": frozenset(sw.STOPWORDS_EN) | ZH_FUNCTION_WORDS,
        "en+zh-full": frozenset(sw.STOPWORDS_EN) | frozenset(sw.STOPWORDS_CHINESE) | ZH_FUNCTION_WORDS,
    }
    if name not in table:
        raise ConfigError(f"Unknown stopwords setting '{stopwords}'; expected one of {', '.join(sorted(table))}.")
    return table[name]


def tokenize(
    texts: Sequence[str],
    zh_mode: str = "search",
    stopwords: str | Iterable[str] | None = "auto",
    progress: ProgressFn | None = None,
    zh_tokenizer: str = "auto",
) -> list[list[str]]:
    """Tokenise each text: jieba for Chinese runs (``zh_mode`` ``"search"`` = ``lcut_for_search``, ``"default"`` =
    ``lcut``; ``zh_tokenizer`` picks rjieba or jieba), lowercase ``\\w+`` words for the rest; stopwords removed.
    Returns one token list per text."""
    if zh_mode not in ("search", "default"):
        raise ConfigError(f"Unknown zh_mode '{zh_mode}'; expected 'search' or 'default'.")
    if zh_tokenizer not in ZH_TOKENIZERS:
        raise ConfigError(f"Unknown zh_tokenizer '{zh_tokenizer}'; expected one of {', '.join(ZH_TOKENIZERS)}.")
    stop = resolve_stopwords(stopwords)
    cut = None
    runs: dict[str, list[str]] = {}  # each distinct Chinese run is cut once (overlapping chunks repeat many)
    tracker = Tracker("tokenize", len(texts), progress)
    out: list[list[str]] = []
    word = _WORD.findall
    split = _CJK_RUN.split
    for text in texts:
        parts = split(text or "")
        if len(parts) == 1:  # no Chinese
            out.append([w for w in word(parts[0].lower()) if w not in stop])
            tracker.update(1)
            continue
        toks: list[str] = []
        # split() alternates non-CJK (even positions) and CJK runs (odd positions)
        for i, part in enumerate(parts):
            if not part:
                continue
            if i % 2:
                got = runs.get(part)
                if got is None:
                    if cut is None:
                        cut = zh_cutter(zh_mode, zh_tokenizer)
                    got = runs[part] = [t for t in cut(part) if t not in stop]
                toks += got
            else:
                toks += [w for w in word(part.lower()) if w not in stop]
        out.append(toks)
        tracker.update(1)
    return out


def _score_matrix(
    ids: list[list[int]],
    n_vocab: int,
    method: str,
    k1: float,
    b: float,
    delta: float,
    dtype: str = "float32",
    int_dtype: str = "int32",
) -> dict:
    """bm25s's precomputed score matrix (``BM25.scores``: CSC data/indices/indptr over passages x vocabulary),
    built with whole-array numpy operations instead of bm25s's per-passage loop; the same idf and
    term-frequency functions, so the same numbers. Not for ``bm25l``/``bm25+`` (they need bm25s's
    non-occurrence array)."""
    import itertools

    import scipy.sparse as sp
    from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer

    n_docs = len(ids)
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=n_docs)
    flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    pairs, tf = np.unique(doc * n_vocab + flat, return_counts=True)  # one entry per (passage, term)
    d, t = pairs // n_vocab, pairs % n_vocab
    df = np.bincount(t, minlength=n_vocab)
    idf_fn = _select_idf_scorer(method)
    idf = np.zeros(n_vocab, dtype=dtype)
    present = np.flatnonzero(df)
    idf[present] = [idf_fn(int(x), N=n_docs) for x in df[present]]
    tfc = _select_tfc_scorer(method)(
        tf_array=tf.astype(dtype), l_d=lengths[d], l_avg=lengths.mean(), k1=k1, b=b, delta=delta
    )
    values = (idf[t] * tfc).astype(dtype)
    m = sp.csc_matrix((values, (d.astype(int_dtype), t.astype(int_dtype))), shape=(n_docs, n_vocab), dtype=dtype)
    return {"data": m.data, "indices": m.indices, "indptr": m.indptr, "num_docs": n_docs}


class BM25Index:
    """A bm25s index over ``passages`` (list of texts; result indices point into it)."""

    def __init__(
        self,
        passages: Sequence[str],
        method: str = "lucene",
        k1: float = 1.5,
        b: float = 0.75,
        zh_mode: str = "search",
        stopwords: str | Iterable[str] | None = "auto",
        n_threads: int = 2,
        progress: ProgressFn | None = None,
        zh_tokenizer: str = "auto",
    ):
        import bm25s

        if method not in METHODS:
            raise ConfigError(f"Unknown BM25 method '{method}'; expected one of {', '.join(METHODS)}.")
        if len(passages) == 0:
            raise ConfigError("The BM25 passage pool is empty; give at least one passage to index.")
        self.passages = list(passages)
        self.method, self.k1, self.b = method, k1, b
        self.zh_mode, self.stopwords, self.n_threads = zh_mode, stopwords, n_threads
        self.progress, self.zh_tokenizer = progress, zh_tokenizer
        corpus_tokens = tokenize(
            self.passages, zh_mode=zh_mode, stopwords=stopwords, progress=progress, zh_tokenizer=zh_tokenizer
        )
        # Our own vocabulary (id 0 = the empty token so that queries with no known word still work).
        vocab: dict[str, int] = {"": 0}
        add = vocab.setdefault
        # setdefault's default is the next free id, taken only by a new word
        ids = [[add(t, len(vocab)) for t in toks] for toks in corpus_tokens]
        del corpus_tokens
        self.vocab = vocab
        self.doc_lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        self._bm25 = bm25s.BM25(k1=k1, b=b, method=method, csc_backend="scipy")
        if method in ("bm25l", "bm25+"):
            self._bm25.index((ids, vocab), show_progress=False, create_empty_token=False)
        else:
            bm = self._bm25
            bm.scores = _score_matrix(ids, len(vocab), method, k1, b, bm.delta, bm.dtype, bm.int_dtype)
            bm.vocab_dict, bm.unique_token_ids_set, bm.nonoccurrence_array = vocab, set(vocab.values()), None
        self._csr = None

    def __len__(self) -> int:
        return len(self.passages)

    def query_ids(self, queries: Sequence[str]) -> list[list[int]]:
        """Token ids of each query in this index's vocabulary (unknown words dropped; ``[0]`` if none is known)."""
        toks = tokenize(queries, zh_mode=self.zh_mode, stopwords=self.stopwords, zh_tokenizer=self.zh_tokenizer)
        out = []
        for q in toks:
            row = [self.vocab[t] for t in q if t in self.vocab]
            out.append(row or [0])
        return out

    def search(
        self, queries: Sequence[str], k: int = 10, batch_size: int = 1000, progress: ProgressFn | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` passages for each query: ``(indices, scores)``, each shaped ``(len(queries), min(k, N))``,
        best first. Queries are processed in batches with bm25s's threaded retrieval."""
        progress = progress if progress is not None else self.progress
        k = max(1, min(int(k), len(self.passages)))
        n = len(queries)
        all_idx = np.zeros((n, k), dtype=np.int64)
        all_sc = np.zeros((n, k), dtype=np.float32)
        tracker = Tracker("bm25", n, progress)
        sparse_scores = self.method not in ("bm25l", "bm25+")  # others give 0 to passages with no query word

        def one(qids: list[int]) -> tuple[np.ndarray, np.ndarray]:
            scores = self._bm25.get_scores_from_ids(qids)
            return _topk(scores, k, nonzero_only=sparse_scores)

        pool = ThreadPoolExecutor(max_workers=self.n_threads) if self.n_threads and self.n_threads > 1 else None
        try:
            for start in range(0, n, batch_size):
                batch = list(queries[start : start + batch_size])
                qids = self.query_ids(batch)
                results = pool.map(one, qids, chunksize=16) if pool else map(one, qids)
                for off, (ix, sc) in enumerate(results):
                    all_idx[start + off] = ix
                    all_sc[start + off] = sc
                tracker.update(len(batch))
        finally:
            if pool:
                pool.shutdown()
        return all_idx, all_sc

    def all_scores(self, query_token_ids: Sequence[int]) -> np.ndarray:
        """BM25 score of an already tokenised query (ids from ``query_ids``) against every passage, in index order."""
        return np.asarray(self._bm25.get_scores_from_ids(list(query_token_ids)), dtype=np.float32)

    def score(self, query: str, doc_indices: Sequence[int]) -> np.ndarray:
        """BM25 score of ``query`` against the passages at ``doc_indices`` (same numbers ``search`` returns)."""
        return self.score_ids(self.query_ids([query])[0], doc_indices)

    def score_ids(self, query_token_ids: Sequence[int], doc_indices: Sequence[int]) -> np.ndarray:
        """Like ``score`` for an already tokenised query (ids from ``query_ids``)."""
        if len(doc_indices) == 0:
            return np.zeros(0, dtype=np.float32)
        if self._csr is None:
            import scipy.sparse as sp

            s = self._bm25.scores
            csc = sp.csc_matrix((s["data"], s["indices"], s["indptr"]), shape=(s["num_docs"], len(s["indptr"]) - 1))
            self._csr = csc.tocsr()
        sub = self._csr[np.asarray(doc_indices, dtype=np.int64)][:, np.asarray(query_token_ids, dtype=np.int64)]
        return np.asarray(sub.sum(axis=1), dtype=np.float32).ravel()
