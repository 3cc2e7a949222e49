"""The evaluator that fits a data format, built from a canonical validation DataFrame.

- pair / triplet / qpn -> ``InformationRetrievalEvaluator``: validation queries search the whole passage pool
  the run knows (every distinct passage of the validation and training rows, positives and negatives, plus
  the knowledge-base passages of ``data.corpus``), so validation looks like the test; the pool is capped for
  time only (random distractors, seeded, never below ``MIN_POOL`` passages where the data has them):
  Recall@1/5/10/100, MRR@10, NDCG@10, MAP@100; triplets also get ``TripletEvaluator`` accuracy.
- scored_pair -> ``EmbeddingSimilarityEvaluator`` (Spearman / Pearson of cosine vs normalised gold), except
  scored pairs whose queries repeat (a teacher's or a judge's scores of several passages per query, e.g.
  RAG-Retrieval's distillation data): ``retrieval_view`` reads them as qpn rows, each query's highest-scored
  passage its answer, and they are evaluated by retrieval like the formats above, so such runs get a
  delivered model too.
- labelled_pair -> ``BinaryClassificationEvaluator`` (label > 0 counts as positive when labels are 0/1;
  for 3-way NLI, "entailment" is positive).
- labelled_sentence -> ``TripletEvaluator`` on (text, same-label text, other-label text) triplets.

``build_evaluator(df, fmt, model, ...) -> EvalSpec(evaluator, main_metric)``; metric names are reported
short (``ndcg@10``, ``spearman``, ``ap``, ``accuracy``) by ``short_metrics``. The retrieval evaluator keeps the
NDCG@10 of each query of its last call (``last_per_query(evaluator)``), so the delivered-model choice reuses
the scores of the checkpoint it saved instead of searching again; ``read_at(evaluator, length)`` makes it read
every text up to the delivered model's length while the model trains at a shorter one, so those scores are the
delivered length's. ``keep_base_eval`` / ``kept_base_eval`` keep the base model's step-0 result across runs under
``base_eval_key`` (the model's files, ``validation_digest``, the read length), so the next run from the same base on
the same validation set does not search it again.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from core.training.events import is_bookkeeping

EVAL_NAME = "val"
MIN_POOL = 2000  # the passage cap never goes below this (where the data has that many passages)
RETRIEVAL_FORMATS = ("pair", "triplet", "qpn")  # formats with queries and passages: evaluated by retrieval


@dataclass
class EvalSpec:
    evaluator: Any
    main_metric: str  # short name, e.g. "ndcg@10"
    description: str
    # what the metrics were measured on: n_queries, n_passages, corpus (which passages) for retrieval; n_pairs or
    # n_triplets for the other formats; for eval events / the UI
    measured_on: dict = field(default_factory=dict)
    texts: int = 0  # texts one evaluation encodes (queries + passages, or both sides of pairs): its cost


def _per_query_evaluator_class():
    """``InformationRetrievalEvaluator`` that also keeps ``per_query``: each query's NDCG@10 (in ``queries_ids``
    order) of its last call, computed by the evaluator's own ranking, or None when it scored with more than one
    similarity function."""
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

    class PerQueryRetrievalEvaluator(InformationRetrievalEvaluator):
        per_query: Optional[list[float]] = None
        read_length: Optional[int] = None  # tokens each text is read up to (``read_at``); None: the model's own

        def __call__(self, model, *args, **kwargs):
            from core.evaluation.encoding import encode_batch

            self._calls: list[list[float]] = []
            kept, batch = getattr(model, "max_seq_length", None), self.batch_size
            if self.read_length and kept is not None:
                model.max_seq_length = int(self.read_length)
                # a longer read than training's: the attention of one batch stays bounded, as in every other search
                self.batch_size = encode_batch(model, batch)
            try:
                return super().__call__(model, *args, **kwargs)
            finally:
                if self.read_length and kept is not None:
                    model.max_seq_length = kept  # training goes on at its own length
                    self.batch_size = batch
                self.per_query = self._calls[0] if len(self._calls) == 1 else None

        def compute_metrics(self, queries_result_list):
            k, dcg = 10, self.compute_dcg_at_k  # the evaluator's own NDCG@10 rule, per query
            scores = []
            for i, hits in enumerate(queries_result_list):
                relevant = self.relevant_docs[self.queries_ids[i]]
                top = sorted(hits, key=lambda x: (-x["score"], x["corpus_id"]))[:k]
                scores.append(float(dcg([1 if h["corpus_id"] in relevant else 0 for h in top], k)
                                    / dcg([1] * len(relevant), k)))
            self._calls.append(scores)
            return super().compute_metrics(queries_result_list)

    return PerQueryRetrievalEvaluator


def read_at(evaluator: Any, length: Optional[int]) -> bool:
    """Make the retrieval evaluator (also inside a ``SequentialEvaluator``) encode at ``length`` tokens whatever length
    the model trains at, and restore the training length after each evaluation. The runner passes the delivered
    length (``core.training.delivery.shipped_length``), so the validation curve scores what delivery will ship and
    delivery reuses its scores instead of searching again. Returns whether a retrieval evaluator took it."""
    took = False
    for ev in getattr(evaluator, "evaluators", None) or [evaluator]:
        if hasattr(ev, "read_length"):
            ev.read_length = int(length) if length else None
            took = True
    return took


def last_per_query(evaluator: Any) -> Optional[list[float]]:
    """Each validation query's NDCG@10 from the retrieval evaluator's last call (also inside a
    ``SequentialEvaluator``), in the order ``core.training.delivery.evalset_from_evaluator`` lists the queries;
    None when the evaluator does not keep them."""
    for ev in getattr(evaluator, "evaluators", None) or [evaluator]:
        scores = getattr(ev, "per_query", None)
        if scores is not None:
            return list(scores)
    return None


PER_QUERY_METRIC = "ndcg@10"  # the metric ``last_per_query`` holds for each query


def gain_over_base(base_scores: Optional[list[float]], scores: Optional[list[float]]) -> Optional[dict]:
    """How one validation evaluation compares with the base model's, paired over the same queries
    (``core.evaluation.stats.paired_difference``): ``{"metric", "n", "diff", "ci_low", "ci_high", "verdict"}``, the
    eval event's ``vs_base`` that the Train tab draws as the curve's 95% band; None when either side has no
    per-query scores or they are not the same queries."""
    if not base_scores or not scores or len(base_scores) != len(scores):
        return None
    from core.evaluation.stats import brief, paired_difference

    return {"metric": PER_QUERY_METRIC, **brief(paired_difference(base_scores, scores))}


def retrieval_evaluator(evaluator: Any) -> Any:
    """The retrieval evaluator itself (``evaluator``, or the one inside a ``SequentialEvaluator``): the one with
    queries, passages and relevant pairs; None when there is none."""
    for ev in getattr(evaluator, "evaluators", None) or [evaluator]:
        if all(hasattr(ev, a) for a in ("queries_ids", "queries", "corpus_ids", "corpus", "relevant_docs")):
            return ev
    return None


def validation_digest(evaluator: Any) -> Optional[str]:
    """sha256 of what the retrieval evaluator (``retrieval_evaluator``) searches: its queries, passages and relevant
    pairs, in order. The key under which the base model's per-query scores are kept for a resumed run
    (``save_base_scores``); None when the evaluator is not a retrieval one."""
    import hashlib
    import json

    ev = retrieval_evaluator(evaluator)
    if ev is None:
        return None
    payload = [list(map(str, ev.queries_ids)), list(ev.queries), list(map(str, ev.corpus_ids)), list(ev.corpus),
               {str(q): sorted(map(str, r)) for q, r in ev.relevant_docs.items()}]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def save_base_scores(run_dir: Path, evaluator: Any, scores: Optional[list[float]], length: Optional[int]) -> None:
    """Keep the base model's per-query validation scores (step 0) in the run folder (``BASE_SCORES_FILE``) with
    the validation set's digest and the length they were read at; nothing when there are none."""
    from core.paths import atomic_write_json
    from core.run_folder import BASE_SCORES_FILE

    digest = validation_digest(evaluator)
    if scores and digest:
        atomic_write_json(Path(run_dir) / BASE_SCORES_FILE, {"metric": PER_QUERY_METRIC, "validation": digest,
                                                             "read_length": length, "scores": list(scores)})


def saved_base_scores(run_dir: Path, evaluator: Any, length: Optional[int]) -> Optional[list[float]]:
    """The base model's per-query validation scores a run kept (``save_base_scores``), when they were measured on
    this very validation set at this length and read as numbers; None otherwise (not there, another set, a
    damaged file)."""
    import json

    from core.run_folder import BASE_SCORES_FILE

    try:
        kept = json.loads((Path(run_dir) / BASE_SCORES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("metric") != PER_QUERY_METRIC or kept.get("read_length") != length:
        return None
    digest = validation_digest(evaluator)
    if digest is None or kept.get("validation") != digest:
        return None
    return query_scores(kept.get("scores"), evaluator)


def query_scores(scores: Any, evaluator: Any) -> Optional[list[float]]:
    """``scores`` as floats when they can be the retrieval ``evaluator``'s per-query NDCG@10: a list of numbers
    (not true/false) between 0 and 1, one per query it searches; None otherwise (a damaged or foreign file)."""
    ev = retrieval_evaluator(evaluator)
    if ev is None or not isinstance(scores, list) or len(scores) != len(ev.queries_ids) or not scores:
        return None
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and 0.0 <= x <= 1.0 for x in scores):
        return None
    return [float(x) for x in scores]


def base_eval_key(model_spec: str, evaluator: Any, length: Optional[int], extra: str = "") -> Optional[str]:
    """The key under which the base model's step-0 validation result is kept across runs (``keep_base_eval``): the
    model folder's fingerprint (its weights, config and prompts), what the retrieval evaluator searches
    (``validation_digest``) and how (its prompts, the metrics it reports), the length it reads at, and ``extra``
    (what else of the run shapes the result: the runner passes the prompt use and the Matryoshka dimensions).
    None when any part is unknown (a model spec that does not resolve, an evaluator that is not a retrieval one)."""
    import hashlib

    digest = validation_digest(evaluator)
    if digest is None or not model_spec:
        return None
    try:
        from core.models import model_fingerprint

        fp = model_fingerprint(model_spec)
    except Exception:  # an unresolvable spec: no cache, the run evaluates its base
        return None
    ev = retrieval_evaluator(evaluator)
    how = [type(e).__name__ + ":" + str(getattr(e, "name", "")) for e in (getattr(evaluator, "evaluators", None)
                                                                          or [evaluator])]
    how += [repr(getattr(ev, a, None)) for a in ("query_prompt", "corpus_prompt", "query_prompt_name",
                                                 "corpus_prompt_name", "mrr_at_k", "ndcg_at_k", "accuracy_at_k",
                                                 "precision_recall_at_k", "map_at_k", "main_score_function")]
    text = "|".join([BASE_EVAL_RULE, fp, digest, f"length={length}", extra, *how])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


BASE_EVAL_RULE = "base-eval-v1"  # in ``base_eval_key``: a change to what the step-0 evaluation records renews it


def _base_eval_file(key: str) -> Path:
    from core.paths import cache_root

    return cache_root() / "validation-base" / f"{key}.json"


def keep_base_eval(key: Optional[str], metrics: dict, scores: Optional[list[float]]) -> None:
    """Keep the base model's step-0 validation ``metrics`` (as the trainer reports them) and per-query ``scores``
    under ``key`` so that the next run from the same base model on the same validation set takes them instead of
    searching again. A cache that cannot be written only costs time."""
    from core.paths import atomic_write_json

    if key is None or not scores:
        return
    numbers = {k: float(v) for k, v in metrics.items()  # its measures, not the time the search took
               if isinstance(v, (int, float)) and not isinstance(v, bool) and not is_bookkeeping(k)}
    try:
        atomic_write_json(_base_eval_file(key), {"metrics": numbers, "scores": [float(x) for x in scores]})
    except (OSError, TypeError, ValueError):
        pass


def kept_base_eval(key: Optional[str], evaluator: Any) -> Optional[tuple[dict, list[float]]]:
    """``(metrics, per-query scores)`` an earlier run kept under ``key`` (``keep_base_eval``) for as many queries as
    ``evaluator`` searches; None when there is none or it cannot be read as numbers."""
    import json
    import math

    if key is None:
        return None
    try:
        kept = json.loads(_base_eval_file(key).read_text(encoding="utf-8"))
        metrics, scores = dict(kept["metrics"]), query_scores(kept["scores"], evaluator)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if scores is None:
        return None
    if not metrics or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in metrics.values()):
        return None
    return metrics, scores


def prompt_names(model) -> tuple[Optional[str], Optional[str]]:
    """(query prompt name, passage prompt name) when the model defines them (e5: query / passage)."""
    prompts = getattr(model, "prompts", None) or {}
    q = "query" if "query" in prompts else None
    p = next((n for n in ("passage", "document", "corpus") if n in prompts), None)
    return q, p


def row_passages(df: Optional[pd.DataFrame], fmt: str) -> list[str]:
    """Every distinct passage (positives and negatives) of pair / triplet / qpn rows, in first-seen order."""
    if df is None or len(df) == 0 or fmt not in RETRIEVAL_FORMATS:
        return []
    from core.evaluation.evalset import from_dataframe

    return list(dict.fromkeys(from_dataframe(df, fmt, name=EVAL_NAME).corpus.values()))


def corpus_passages(path: str | Path) -> list[str]:
    """Passages of a knowledge-base file: a BEIR folder (its ``corpus.jsonl``) or a JSONL file of objects with
    ``text`` (a ``title`` is ignored), e.g. the Build tab's passages. Errors name the file and what was expected."""
    from core.data.beir import CORPUS_FILE
    from core.errors import DataError
    from core.jsonl import iter_jsonl

    p = Path(path)
    if p.is_dir():
        p = p / CORPUS_FILE
    if not p.is_file():
        raise DataError(f"The config key data.corpus names '{path}', which does not exist "
                        "(expected a corpus JSONL file or a BEIR folder with corpus.jsonl).")
    out: list[str] = []
    for lineno, obj in iter_jsonl(p):
        text = obj.get("text") if isinstance(obj, dict) else None
        if not isinstance(text, str):
            raise DataError(f"{p}, line {lineno}: expected a JSON object with a 'text' field (data.corpus).")
        # the text alone, as training and validation rows carry a passage (a BEIR corpus keeps its title apart):
        # a title-prefixed copy would sit in the pool beside the row's own text as a near-duplicate of the gold
        text = text.strip()
        if text:
            out.append(text)
    return list(dict.fromkeys(out))


def join_passages(ev, texts, prefix: str = "pool") -> int:
    """Add each of ``texts`` that ``ev.corpus`` does not hold (by text; repeats once) as passage ``<prefix>-<i>``
    (``i`` its place among the distinct ``texts``); returns how many were added. The validation pool and an
    evaluation file searched with a run's passages (``core.training.data.evalset_for``) grow by this one rule."""
    known = set(ev.corpus.values())
    added = 0
    for i, text in enumerate(dict.fromkeys(texts)):
        if text not in known:
            ev.corpus[f"{prefix}-{i}"] = text
            added += 1
    return added


def retrieval_sets(df: pd.DataFrame, fmt: str, max_queries: int = 2000, seed: int = 42,
                   extra_passages: Optional[list[str]] = None, max_passages: Optional[int] = None):
    """(queries, corpus, relevant_docs) dicts from pair / triplet / qpn rows; corpus = every validation passage
    plus ``extra_passages`` (training / knowledge-base passages, deduplicated by text), then capped at
    ``max(max_passages, MIN_POOL)`` by keeping every passage the queries need and seeded random distractors.

    Built by ``core.evaluation.from_dataframe`` (the evaluation tab's own reading of the same rows), so
    training-time and after-training metrics count the same corpus."""
    from core.evaluation.evalset import from_dataframe

    ev = from_dataframe(df, fmt, name=EVAL_NAME)
    if len(ev.queries) > max_queries:
        ev = ev.sample(n_queries=max_queries, seed=seed)
    if extra_passages:
        join_passages(ev, extra_passages)
    if max_passages is not None and len(ev.corpus) > max(int(max_passages), MIN_POOL):
        ev = ev.sample(corpus_size=max(int(max_passages), MIN_POOL), seed=seed, query_ids=list(ev.queries))
    return dict(ev.queries), dict(ev.corpus), {q: set(rels) for q, rels in ev.qrels.items()}


def retrieval_view(df: Optional[pd.DataFrame], fmt: str) -> tuple[Optional[pd.DataFrame], str]:
    """``(rows, format)`` to evaluate ``df`` by: ``(df, fmt)`` unchanged, except scored pairs whose queries repeat
    (on average two or more rows per ``sentence1``), which become qpn rows (``query``, ``pos``: the query's
    highest-scored passages, ``neg``: its other passages) in the order of their first row. One-off pairs
    (STS-style sentence similarity) stay scored pairs."""
    if fmt != "scored_pair" or df is None or not len(df) or not {"sentence1", "sentence2"} <= set(df.columns):
        return df, fmt
    col = "score_norm" if "score_norm" in df.columns else "score"
    groups = df.groupby("sentence1", sort=False)
    if col not in df.columns or groups.ngroups * 2 > len(df):
        return df, fmt
    rows = []
    for query, g in groups:
        scores = pd.to_numeric(g[col], errors="coerce")
        best = scores.max()
        pos = list(dict.fromkeys(str(p) for p, v in zip(g["sentence2"], scores) if v == best))
        neg = [p for p in dict.fromkeys(str(p) for p in g["sentence2"]) if p not in pos]
        rows.append({"query": str(query), "pos": pos, "neg": neg})
    return pd.DataFrame(rows), "qpn"


def retrieval_inputs(df: Optional[pd.DataFrame], fmt: str, train_df: Optional[pd.DataFrame] = None):
    """``(validation rows, format, training rows)`` to search by: ``retrieval_view`` of ``df``, and the training
    rows read the same way when the validation rows were (their passages join the pool)."""
    view, view_fmt = retrieval_view(df, fmt)
    return view, view_fmt, (retrieval_view(train_df, fmt)[0] if view_fmt != fmt else train_df)


def validation_retrieval(df: pd.DataFrame, fmt: str, max_queries: int = 2000, seed: int = 42,
                         train_df: Optional[pd.DataFrame] = None, corpus: Optional[str] = None,
                         max_passages: Optional[int] = None):
    """(queries, pool, relevant, sources): what the validation evaluator searches (the runner's evaluator and
    the estimate both call this, so the estimate times the same pool)."""
    extra = row_passages(train_df, fmt)
    sources = ["validation"] + (["training"] if extra else [])
    if corpus:
        extra += corpus_passages(corpus)
        sources.append(Path(corpus).name)
    queries, pool, relevant = retrieval_sets(df, fmt, max_queries, seed, extra, max_passages)
    return queries, pool, relevant, sources


def build_evaluator(df: Optional[pd.DataFrame], fmt: str, model, label_names: Optional[list[str]] = None,
                    max_queries: int = 2000, batch_size: Optional[int] = None, seed: int = 42,
                    train_df: Optional[pd.DataFrame] = None, corpus: Optional[str] = None,
                    max_passages: Optional[int] = None) -> Optional[EvalSpec]:
    """The evaluator for ``fmt`` on validation rows ``df``. Retrieval formats search the validation passages
    plus those of ``train_df`` and of the knowledge-base file ``corpus``, capped at ``max_passages``. They encode
    ``batch_size`` texts at once, by default the device's size (``core.evaluation.encoding.encode_batch``)."""
    if df is None or len(df) == 0:
        return None
    from sentence_transformers.sentence_transformer import evaluation as ev

    from core.evaluation.encoding import encode_batch

    batch_size = encode_batch(model, batch_size)

    qp, pp = prompt_names(model)
    df, fmt, train_df = retrieval_inputs(df, fmt, train_df)  # query-grouped scored pairs: searched like qpn rows
    if fmt in RETRIEVAL_FORMATS:
        queries, pool, relevant, sources = validation_retrieval(df, fmt, max_queries, seed, train_df, corpus,
                                                                max_passages)
        ir = _per_query_evaluator_class()(
            queries, pool, relevant, name=EVAL_NAME, batch_size=batch_size, write_csv=False,
            mrr_at_k=[10], ndcg_at_k=[10], accuracy_at_k=[1, 5, 10], precision_recall_at_k=[1, 5, 10, 100],
            map_at_k=[100], query_prompt_name=qp, corpus_prompt_name=pp,
        )
        where = " + ".join(sources)
        desc = f"retrieval over {len(pool)} passages ({where}), {len(queries)} queries"
        on = {"n_queries": len(queries), "n_passages": len(pool), "corpus": where}
        if fmt == "triplet":
            trip = ev.TripletEvaluator(list(df["anchor"]), list(df["positive"]), list(df["negative"]),
                                       name=EVAL_NAME, batch_size=batch_size, write_csv=False)
            return EvalSpec(ev.SequentialEvaluator([ir, trip], main_score_function=lambda s: s[0]), PER_QUERY_METRIC,
                            desc + " + triplet accuracy", on, texts=len(queries) + len(pool) + 3 * len(df))
        return EvalSpec(ir, PER_QUERY_METRIC, desc, on, texts=len(queries) + len(pool))
    if fmt == "scored_pair":
        col = "score_norm" if "score_norm" in df.columns else "score"
        sts = ev.EmbeddingSimilarityEvaluator(list(df["sentence1"]), list(df["sentence2"]), [float(x) for x in df[col]],
                                              name=EVAL_NAME, batch_size=batch_size, write_csv=False)
        return EvalSpec(sts, "spearman", f"similarity correlation on {len(df)} pairs", {"n_pairs": len(df)},
                        texts=2 * len(df))
    if fmt == "labelled_pair":
        labels = _binary_labels(df["label"], label_names)
        bc = ev.BinaryClassificationEvaluator(list(df["sentence1"]), list(df["sentence2"]), labels,
                                              name=EVAL_NAME, batch_size=batch_size, write_csv=False)
        return EvalSpec(bc, "ap", f"binary classification on {len(df)} pairs", {"n_pairs": len(df)},
                        texts=2 * len(df))
    if fmt == "labelled_sentence":
        a, p, n = _label_triplets(df, seed)
        if not a:
            return None
        trip = ev.TripletEvaluator(a, p, n, name=EVAL_NAME, batch_size=batch_size, write_csv=False)
        return EvalSpec(trip, "accuracy", f"triplet accuracy on {len(a)} same/other-label triplets",
                        {"n_triplets": len(a)}, texts=3 * len(a))
    return None


def _binary_labels(labels: pd.Series, label_names: Optional[list[str]]) -> list[int]:
    """1 for the label that means 'similar' (as the Evaluate tab decides it: entailment/similar/... by name,
    else the largest id), 0 for the others."""
    from core.evaluation.evalset import positive_label

    ids = [int(x) for x in labels]
    pos = positive_label(ids, label_names)
    return [int(x == pos) for x in ids]


def _label_triplets(df: pd.DataFrame, seed: int, limit: int = 2000):
    rng = random.Random(seed)
    by_label: dict[Any, list[str]] = {}
    for text, label in zip(df["text"], df["label"]):
        by_label.setdefault(label, []).append(text)
    labels = [l for l, t in by_label.items() if len(t) >= 2]
    a, p, n = [], [], []
    if len(by_label) < 2:
        return a, p, n
    for label in labels:
        others = [l for l in by_label if l != label]
        for text in by_label[label]:
            a.append(text)
            p.append(rng.choice([t for t in by_label[label] if t != text] or by_label[label]))
            n.append(rng.choice(by_label[rng.choice(others)]))
    idx = list(range(len(a)))
    rng.shuffle(idx)
    idx = idx[:limit]
    return [a[i] for i in idx], [p[i] for i in idx], [n[i] for i in idx]


_PREFIX = re.compile(rf"^(eval_)?({EVAL_NAME}_)?(cosine_)?")


def short_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """``{'eval_val_cosine_ndcg@10': x, 'eval_loss': y, ...}`` -> ``{'ndcg@10': x, 'loss': y}`` (numbers only)."""
    out = {}
    for key, value in metrics.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        if is_bookkeeping(key):
            continue
        short = _PREFIX.sub("", key)
        short = {"spearman_cosine": "spearman", "pearson_cosine": "pearson", "cosine_ap": "ap",
                 "cosine_accuracy": "accuracy", "cosine_f1": "f1"}.get(short, short)
        short = short.replace("accuracy@", "hit@").replace("cosine_", "")
        out[short] = float(value)
    return out
