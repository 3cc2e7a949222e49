"""Evaluation sets.

- ``EvalSet`` (a ``core.data.retrieval.RetrievalSet``): ``corpus`` {doc_id: text}, ``queries`` {query_id: text}, ``qrels``
  {query_id: {doc_id: relevance>0}}, optional ``negatives`` {query_id: [doc_id]} (mined hard negatives) and
  ``triplets`` [(anchor, positive, negative)] (for triplet accuracy).
- ``PairEvalSet``: scored pairs (``sentence1``, ``sentence2``, ``scores``), labelled pairs (``labels`` 0/1)
  or triplets (``sentence1`` = anchor, ``sentence2`` = positive, ``negatives``).
- Builders: ``from_rows`` (queries + positive/negative passage lists), ``from_loaded`` (a ``core.data.LoadedData``
  of any canonical format), ``load_beir(folder, split=None)`` (BEIR layout), ``load_evalset(path)`` (either).

Passages are deduplicated by exact text (one corpus id per distinct passage) and queries by exact text (their
positives are merged), so duplicated rows never count a correct hit as a miss.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.data.retrieval import RetrievalSet
from core.errors import ConfigError, DataError


@dataclass
class EvalSet(RetrievalSet):
    """A retrieval evaluation set: the one retrieval-set type (``core.data.retrieval.RetrievalSet``) with a name,
    mined negatives and triplets (see module docstring). Only queries with a text and at least one relevant passage
    count."""

    name: str = ""
    negatives: dict[str, list[str]] = field(default_factory=dict)
    triplets: list[tuple[str, str, str]] = field(default_factory=list)
    # {doc id: the passage text without the BEIR title that ``corpus`` puts in front}, only where a title was put
    # there: training data holds the bare text, so a seen / unseen split looks a passage up by both
    untitled: dict[str, str] = field(default_factory=dict)
    # positive judgements left out because their query or passage id is not in the set (or the query has no text)
    unmatched_judgements: int = 0

    kind = "retrieval"

    def __post_init__(self) -> None:
        judged = sum(1 for rels in self.qrels.values() for r in rels.values() if int(r) > 0)
        self.qrels = {  # a query without text asks nothing: it is not scored
            str(q): {str(d): int(r) for d, r in rels.items() if int(r) > 0 and str(d) in self.corpus}
            for q, rels in self.qrels.items() if str(q) in self.queries and str(self.queries[str(q)] or "").strip()
        }
        self.qrels = {q: rels for q, rels in self.qrels.items() if rels}
        self.unmatched_judgements += judged - sum(len(rels) for rels in self.qrels.values())
        self.queries = {q: t for q, t in self.queries.items() if q in self.qrels}
        self.negatives = {q: [d for d in ds if d in self.corpus and d not in self.qrels.get(q, {})]
                          for q, ds in self.negatives.items() if q in self.queries}
        if not self.corpus:
            raise DataError(f"The evaluation set '{self.name or 'unnamed'}' has no passages (expected a non-empty corpus).")
        if not self.queries:
            raise DataError(
                f"The evaluation set '{self.name or 'unnamed'}' has no query with a relevant passage in the corpus "
                "(expected qrels whose query and passage ids both exist)."
            )

    @property
    def query_ids(self) -> list[str]:
        return list(self.queries)

    @property
    def doc_ids(self) -> list[str]:
        return list(self.corpus)

    def sample(self, n_queries: int | None = None, corpus_size: int | None = None, seed: int = 0,
               query_ids: Sequence[str] | None = None) -> EvalSet:
        """A smaller set: ``n_queries`` random queries (or the given ``query_ids``), all their relevant and mined
        negative passages, plus random other passages up to ``corpus_size`` (never fewer than those needed).
        ``n_queries`` and ``corpus_size`` must be at least 1 when given (ConfigError otherwise)."""
        for flag, value in (("n_queries", n_queries), ("corpus_size", corpus_size)):
            if value is not None and value < 1:
                raise ConfigError(f"{flag} must be a whole number of at least 1, got {value}.")
        rng = random.Random(seed)
        qids = list(query_ids) if query_ids is not None else list(self.queries)
        if query_ids is None and n_queries is not None and n_queries < len(qids):
            qids = rng.sample(qids, n_queries)
        qids = [q for q in qids if q in self.queries]
        needed: dict[str, None] = {}
        for q in qids:
            for d in list(self.qrels[q]) + self.negatives.get(q, []):
                needed[d] = None
        keep = list(needed)
        if corpus_size is None:
            keep = list(self.corpus)
        elif corpus_size > len(keep):
            others = [d for d in self.corpus if d not in needed]
            keep += rng.sample(others, min(corpus_size - len(keep), len(others)))
        keep_set = set(keep)
        corpus = {d: t for d, t in self.corpus.items() if d in keep_set}  # original order
        return EvalSet(
            corpus=corpus,
            queries={q: self.queries[q] for q in qids},
            qrels={q: dict(self.qrels[q]) for q in qids},
            name=self.name,
            negatives={q: list(self.negatives.get(q, [])) for q in qids if q in self.negatives},
            triplets=list(self.triplets),
            query_meta={q: self.query_meta[q] for q in qids if q in self.query_meta},
            qrels_path=self.qrels_path,
            untitled={d: t for d, t in self.untitled.items() if d in keep_set},
            unmatched_judgements=self.unmatched_judgements,
        )

    def summary(self) -> str:
        n_rel = sum(len(r) for r in self.qrels.values())
        out = f"{len(self.queries)} queries, {len(self.corpus)} passages, {n_rel} relevant pairs"
        if self.unmatched_judgements:
            out += (f"; {self.unmatched_judgements:,} judgements left out: their query or passage id is not in the "
                    "files, or the query has no text")
        return out


@dataclass
class PairEvalSet:
    """Pairwise evaluation set: ``kind`` is ``scored_pair`` (gold ``scores``), ``labelled_pair`` (``labels`` 0/1)
    or ``triplet`` (``sentence1`` anchors, ``sentence2`` positives, ``negatives``)."""

    kind: str
    sentence1: list[str]
    sentence2: list[str]
    scores: list[float] | None = None
    labels: list[int] | None = None
    negatives: list[str] | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in {"scored_pair", "labelled_pair", "triplet"}:
            raise ConfigError(f"Unknown pair evaluation kind '{self.kind}' (expected scored_pair, labelled_pair or triplet).")
        n = len(self.sentence1)
        if n == 0:
            raise DataError(f"The evaluation set '{self.name or 'unnamed'}' has no rows (expected at least one pair).")
        for attr in ("sentence2", "scores", "labels", "negatives"):
            value = getattr(self, attr)
            if value is not None and len(value) != n:
                raise DataError(f"The evaluation set '{self.name}' has {len(value)} {attr} for {n} rows (expected equal counts).")

    def summary(self) -> str:
        return f"{len(self.sentence1)} {self.kind.replace('_', ' ')}s"


class _Interner:
    """Gives one id per distinct text, in first-seen order."""

    def __init__(self, prefix: str):
        self.prefix, self.ids, self.items = prefix, {}, {}

    def __call__(self, text: str) -> str:
        text = str(text)
        if text not in self.ids:
            key = f"{self.prefix}{len(self.ids)}"
            self.ids[text] = key
            self.items[key] = text
        return self.ids[text]


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    try:
        import math

        if isinstance(value, float) and math.isnan(value):
            return None
    except TypeError:
        pass
    text = str(value).strip()
    return text or None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    try:
        items = list(value)
    except TypeError:
        items = [value]
    return [t for t in (_clean(v) for v in items) if t]


def from_rows(queries: Iterable[str], positives: Iterable[Any], negatives: Iterable[Any] | None = None,
              name: str = "") -> EvalSet:
    """Build an ``EvalSet`` from parallel lists: query text, its positive passage(s), optional negative passage(s).

    The corpus is every positive and negative passage, deduplicated by text. A passage that is positive for a
    query is never kept as that query's negative.
    """
    docs, qs = _Interner("d"), _Interner("q")
    qrels: dict[str, dict[str, int]] = {}
    negs: dict[str, list[str]] = {}
    neg_iter = iter(negatives) if negatives is not None else None
    for query, pos in zip(queries, positives):
        neg = next(neg_iter) if neg_iter is not None else None
        query = _clean(query)
        pos_list, neg_list = _as_list(pos), _as_list(neg)
        if not query:
            continue
        pos_ids = [docs(p) for p in pos_list]
        neg_ids = [docs(n) for n in neg_list]
        if not pos_ids:
            continue
        qid = qs(query)
        rel = qrels.setdefault(qid, {})
        for d in pos_ids:
            rel[d] = 1
        bucket = negs.setdefault(qid, [])
        bucket += [d for d in neg_ids if d not in bucket]
    negs = {q: [d for d in ds if d not in qrels[q]] for q, ds in negs.items()}
    return EvalSet(corpus=docs.items, queries=qs.items, qrels=qrels, name=name,
                   negatives={q: ds for q, ds in negs.items() if ds})


def from_dataframe(df: Any, data_format: str, name: str = "", label_names: Sequence[str] | None = None) -> EvalSet | PairEvalSet:
    """Turn a canonical-format DataFrame (see core/README.md) into an ``EvalSet`` or ``PairEvalSet``."""
    cols = set(df.columns)

    def need(*names: str) -> None:
        missing = [c for c in names if c not in cols]
        if missing:
            raise DataError(f"The data '{name}' in format '{data_format}' lacks column(s) {', '.join(missing)} "
                            f"(found {', '.join(map(str, df.columns))}).")

    if data_format == "pair":
        need("anchor", "positive")
        return from_rows(df["anchor"], df["positive"], name=name)
    if data_format == "triplet":
        need("anchor", "positive", "negative")
        ev = from_rows(df["anchor"], df["positive"], df["negative"], name=name)
        ev.triplets = [(str(a), str(p), str(n)) for a, p, n in zip(df["anchor"], df["positive"], df["negative"])
                       if _clean(a) and _clean(p) and _clean(n)]
        return ev
    if data_format == "qpn":
        need("query", "pos")
        negs = df["neg"] if "neg" in cols else None
        return from_rows(df["query"], df["pos"], negs, name=name)
    if data_format == "scored_pair":
        need("sentence1", "sentence2")
        score_col = "score_norm" if "score_norm" in cols else "score"
        need(score_col)
        rows = [(str(a), str(b), float(s)) for a, b, s in zip(df["sentence1"], df["sentence2"], df[score_col])
                if _clean(a) and _clean(b) and _clean(s) is not None]
        return PairEvalSet("scored_pair", [r[0] for r in rows], [r[1] for r in rows], scores=[r[2] for r in rows], name=name)
    if data_format == "labelled_pair":
        need("sentence1", "sentence2", "label")
        labels = [int(x) for x in df["label"]]
        positive = positive_label(labels, label_names)
        return PairEvalSet("labelled_pair", [str(x) for x in df["sentence1"]], [str(x) for x in df["sentence2"]],
                           labels=[1 if x == positive else 0 for x in labels], name=name)
    raise ConfigError(
        f"The data format '{data_format}' cannot be evaluated (expected pair, triplet, qpn, scored_pair or labelled_pair)."
    )


def positive_label(labels: list[int], label_names: Sequence[str] | None) -> int:
    """Which label id means 'similar': the one named entailment/similar/positive/1/yes/true, else the largest id."""
    if label_names:
        for i, nm in enumerate(label_names):
            if str(nm).strip().lower() in {"entailment", "similar", "positive", "1", "yes", "true", "match", "duplicate"}:
                return i
    return max(labels) if labels else 1


def from_loaded(loaded: Any) -> EvalSet | PairEvalSet:
    """Build from a ``core.data.LoadedData`` (``format``, ``df``, ``source``, ``label_names``)."""
    name = Path(str(getattr(loaded, "source", "") or "data")).stem
    return from_dataframe(loaded.df, loaded.format, name=name, label_names=getattr(loaded, "label_names", None))


def load_beir(folder: str | Path, split: str | None = None) -> EvalSet:
    """Read a BEIR folder (see ``core.data.beir``) into an ``EvalSet``. ``split`` None picks the only qrels
    file, else test/dev/validation/all. Passage text is ``title + ' ' + text`` when a title is present.
    Extra query fields go to ``query_meta``."""
    from core.data.beir import read_beir

    folder = Path(folder)
    files = read_beir(folder, split)
    queries = {q: t.strip() for q, t in files.queries.items()}
    untitled = {d: t.strip() for d, t in files.corpus.items() if d in files.titles}
    return EvalSet(corpus=files.titled_corpus(), queries=queries, qrels=files.qrels,
                   name=f"{folder.name}/{files.qrels_path.stem}", query_meta=files.query_meta, qrels_path=files.qrels_path,
                   untitled=untitled)


def is_beir_folder(path: str | Path) -> bool:
    """``core.data.beir_import.is_beir_folder``: a folder holding corpus.jsonl and queries.jsonl."""
    from core.data.beir_import import is_beir_folder as beir_layout

    return beir_layout(path)


def load_evalset(path: str | Path, split: str | None = None, data_format: str | None = None) -> EvalSet | PairEvalSet:
    """A BEIR folder, or a ``.zip`` of one (unpacked by ``core.data.beir_import.beir_folder``) -> ``load_beir``; a
    data file -> ``core.data.load_data`` then ``from_loaded``."""
    from core.data.beir_import import beir_folder, is_zip

    path = Path(path)
    if is_zip(path) or is_beir_folder(path):  # unpacked, decompressed where it is gzipped
        path = beir_folder(path)
    if is_beir_folder(path):
        return load_beir(path, split)
    if not path.exists():
        raise DataError(f"The evaluation data '{path}' does not exist (expected a data file or a BEIR folder).")
    if path.is_dir():
        raise DataError(f"The folder '{path}' is not a BEIR folder (expected corpus.jsonl, queries.jsonl and qrels/*.tsv).")
    from core.data import load_data  # lazy: the data area owns file reading and format detection

    return from_loaded(load_data(str(path), format=data_format))


__all__ = ["EvalSet", "PairEvalSet", "from_rows", "from_dataframe", "from_loaded", "load_beir", "load_evalset",
           "is_beir_folder"]
