"""The evaluator that fits a data format, built from a canonical validation DataFrame.

- pair / triplet / qpn -> ``InformationRetrievalEvaluator`` over all validation passages (positives and
  negatives): Recall@1/5/10/100, MRR@10, NDCG@10, MAP@100; triplets also get ``TripletEvaluator`` accuracy.
- scored_pair -> ``EmbeddingSimilarityEvaluator`` (Spearman / Pearson of cosine vs normalised gold).
- labelled_pair -> ``BinaryClassificationEvaluator`` (label > 0 counts as positive when labels are 0/1;
  for 3-way NLI, "entailment" is positive).
- labelled_sentence -> ``TripletEvaluator`` on (text, same-label text, other-label text) triplets.

``build_evaluator(df, fmt, model, ...) -> EvalSpec(evaluator, main_metric)``; metric names are reported
short (``ndcg@10``, ``spearman``, ``ap``, ``accuracy``) by ``short_metrics``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Optional

import pandas as pd

EVAL_NAME = "val"


@dataclass
class EvalSpec:
    evaluator: Any
    main_metric: str  # short name, e.g. "ndcg@10"
    description: str


def prompt_names(model) -> tuple[Optional[str], Optional[str]]:
    """(query prompt name, passage prompt name) when the model defines them (e5: query / passage)."""
    prompts = getattr(model, "prompts", None) or {}
    q = "query" if "query" in prompts else None
    p = next((n for n in ("passage", "document", "corpus") if n in prompts), None)
    return q, p


def retrieval_sets(df: pd.DataFrame, fmt: str, max_queries: int = 2000, seed: int = 42):
    """(queries, corpus, relevant_docs) dicts from pair / triplet / qpn rows; corpus = every passage.

    Built by ``core.evaluation.from_dataframe`` (the evaluation tab's own reading of the same rows), so
    training-time and after-training metrics count the same corpus."""
    from core.evaluation.evalset import from_dataframe

    ev = from_dataframe(df, fmt, name=EVAL_NAME)
    if len(ev.queries) > max_queries:
        ev = ev.sample(n_queries=max_queries, seed=seed)
    return dict(ev.queries), dict(ev.corpus), {q: set(rels) for q, rels in ev.qrels.items()}


def build_evaluator(df: Optional[pd.DataFrame], fmt: str, model, label_names: Optional[list[str]] = None,
                    max_queries: int = 2000, batch_size: int = 32, seed: int = 42) -> Optional[EvalSpec]:
    if df is None or len(df) == 0:
        return None
    from sentence_transformers.sentence_transformer import evaluation as ev

    qp, pp = prompt_names(model)
    if fmt in ("pair", "triplet", "qpn"):
        queries, corpus, relevant = retrieval_sets(df, fmt, max_queries, seed)
        ir = ev.InformationRetrievalEvaluator(
            queries, corpus, relevant, name=EVAL_NAME, batch_size=batch_size, write_csv=False,
            mrr_at_k=[10], ndcg_at_k=[10], accuracy_at_k=[1, 5, 10], precision_recall_at_k=[1, 5, 10, 100],
            map_at_k=[100], query_prompt_name=qp, corpus_prompt_name=pp,
        )
        desc = f"retrieval over {len(corpus)} passages, {len(queries)} queries"
        if fmt == "triplet":
            trip = ev.TripletEvaluator(list(df["anchor"]), list(df["positive"]), list(df["negative"]),
                                       name=EVAL_NAME, batch_size=batch_size, write_csv=False)
            return EvalSpec(ev.SequentialEvaluator([ir, trip], main_score_function=lambda s: s[0]), "ndcg@10", desc + " + triplet accuracy")
        return EvalSpec(ir, "ndcg@10", desc)
    if fmt == "scored_pair":
        col = "score_norm" if "score_norm" in df.columns else "score"
        sts = ev.EmbeddingSimilarityEvaluator(list(df["sentence1"]), list(df["sentence2"]), [float(x) for x in df[col]],
                                              name=EVAL_NAME, batch_size=batch_size, write_csv=False)
        return EvalSpec(sts, "spearman", f"similarity correlation on {len(df)} pairs")
    if fmt == "labelled_pair":
        labels = _binary_labels(df["label"], label_names)
        bc = ev.BinaryClassificationEvaluator(list(df["sentence1"]), list(df["sentence2"]), labels,
                                              name=EVAL_NAME, batch_size=batch_size, write_csv=False)
        return EvalSpec(bc, "ap", f"binary classification on {len(df)} pairs")
    if fmt == "labelled_sentence":
        a, p, n = _label_triplets(df, seed)
        if not a:
            return None
        trip = ev.TripletEvaluator(a, p, n, name=EVAL_NAME, batch_size=batch_size, write_csv=False)
        return EvalSpec(trip, "accuracy", f"triplet accuracy on {len(a)} same/other-label triplets")
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
        if key.endswith(("_runtime", "_samples_per_second", "_steps_per_second")) or key == "epoch":
            continue
        short = _PREFIX.sub("", key)
        short = {"spearman_cosine": "spearman", "pearson_cosine": "pearson", "cosine_ap": "ap",
                 "cosine_accuracy": "accuracy", "cosine_f1": "f1"}.get(short, short)
        short = short.replace("accuracy@", "hit@").replace("cosine_", "")
        out[short] = float(value)
    return out
