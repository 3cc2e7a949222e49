"""Evaluate one or more models on one evaluation set and compare them with the first (the base).

``evaluate_models(models, evalset, k_values=(1, 5, 10, 100), progress=None, use_cache=True) -> ComparisonResult``

- ``models``: spec strings / paths, loaded ``SentenceTransformer`` objects, or ``(label, spec)`` pairs; the first
  is the base, the others are compared with it (the last one is "the tuned model" for per-query extremes).
- ``evalset``: an ``EvalSet`` (retrieval: whole-corpus metrics, per-query ranks, score histograms) or a
  ``PairEvalSet`` (scored pairs: Pearson/Spearman; labelled pairs: best-threshold accuracy/F1 and AP;
  triplets: accuracy).
- Queries and passages are encoded with the model's query / document prompts (``encoding``); corpus embeddings
  go through the on-disk cache (``embed_cache``) unless ``use_cache=False``. A model identical to one already
  evaluated (``model_identity``: same weights, modules and prompts, e.g. a run that delivered its base model) is
  not encoded again: it gets that model's results.

``ComparisonResult`` has ``table`` (metric rows x model columns plus ``Δ <label>`` and ``Δ% <label>`` against
the base), ``per_query`` (rank of the first relevant passage per model and the change), ``distributions``,
``significance`` ({model: {metric: PairedDiff}} over per-query values, by ``stats.paired_difference``),
``verdicts`` (one sentence's parts per model for the main metric, and per seen / unseen query subset when
``training`` is given: queries whose gold passage is a training positive or not), ``left_out_queries`` (with
``training``: the evaluation queries left out because the run trained or validated on the same query text),
``worse_than_base`` (the main metric's CI lies below 0) / ``guard_message`` and ``save(folder)`` (``metrics.json`` + ``per_query.csv``, atomic).
"""

from __future__ import annotations

import datetime as _dt
import gc
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import ConfigError, DataError
from core.evaluation.embed_cache import embed_corpus_cached
from core.evaluation.encoding import _is_model, as_model, encode_corpus, encode_queries, model_label, split_labelled
from core.evaluation.evalset import EvalSet, PairEvalSet
from core.evaluation.metrics import (
    DEFAULT_K,
    MAIN_METRIC,
    binary_metrics,
    correlation,
    metric_names,
    retrieval_metrics_from_embeddings,
    separation_auc,
    triplet_accuracy,
)
from core.evaluation.scores import ScoreDistribution, score_distribution, suggest_threshold
from core.evaluation.seen import TrainingTexts
from core.evaluation.stats import WORSE, PairedDiff, paired_difference
from core.evaluation.verdict import render, verdict_parts
from core.paths import atomic_write_json, atomic_write_text
from core.progress import Progress, ProgressFn, labelled
from core.run_folder import METRICS_FILE

PER_QUERY_FILE = "per_query.csv"  # ``ComparisonResult.save``'s per-query table beside ``metrics.json``

MAIN_METRICS = {"retrieval": MAIN_METRIC, "scored_pair": "spearman", "labelled_pair": "ap", "triplet": "triplet_accuracy"}


@dataclass
class ComparisonResult:
    """Everything one comparison produced (see module docstring)."""

    labels: list[str]
    kind: str
    metrics: dict[str, dict[str, float]]
    metric_order: list[str]
    main_metric: str
    table: pd.DataFrame
    per_query: pd.DataFrame | None
    distributions: list[ScoreDistribution]
    worse_than_base: bool
    guard_message: str
    headline: str
    dataset: str = ""
    summary: str = ""
    k_values: tuple[int, ...] = DEFAULT_K
    seconds: dict[str, float] = field(default_factory=dict)
    significance: dict[str, dict[str, PairedDiff]] = field(default_factory=dict)
    verdicts: dict[str, list[dict]] = field(default_factory=dict)  # model -> [all, seen?, unseen?] parts
    n_passages: int = 0
    left_out_queries: int = 0  # evaluation queries that were training or validation queries: not a test, left out
    unmatched_judgements: int = 0  # the set's judgements naming a query or passage it does not have: left out
    n_items: int = 0  # what the comparison ran over: queries, or a pair set's pairs or triplets (``unit``)

    @property
    def unit(self) -> str:
        """What ``n_items`` counts: "queries", "pairs" or "triplets" (the verdicts' ``unit``)."""
        return PAIR_UNITS.get(self.kind, "queries")

    @property
    def base(self) -> str:
        return self.labels[0]

    @property
    def tuned(self) -> str:
        return self.labels[-1]

    @property
    def title(self) -> str:
        return f"{self.dataset or 'evaluation'}: {' vs '.join(self.labels)}"

    def _extremes(self, n: int, improved: bool) -> pd.DataFrame:
        if self.per_query is None or len(self.labels) < 2:
            return pd.DataFrame()
        col = f"rr_delta:{self.tuned}"
        df = self.per_query.sort_values([col, f"change:{self.tuned}"], ascending=not improved, kind="stable")
        df = df[df[col] > 0] if improved else df[df[col] < 0]
        return df.head(n).reset_index(drop=True)

    def most_improved(self, n: int = 10) -> pd.DataFrame:
        """Queries whose first relevant passage moved up most under the tuned model (by reciprocal-rank gain)."""
        return self._extremes(n, True)

    def most_degraded(self, n: int = 10) -> pd.DataFrame:
        """Queries whose first relevant passage moved down most under the tuned model."""
        return self._extremes(n, False)

    def verdict_lines(self) -> list[str]:
        """English verdict sentences (all queries, then seen / unseen), one per compared model and subset."""
        return [render(p) for lb in self.labels[1:] for p in self.verdicts.get(lb, [])]

    def to_dict(self) -> dict:
        deltas = {}
        for lb in self.labels[1:]:
            deltas[lb] = {m: {"absolute": _delta(self.metrics[self.base].get(m), self.metrics[lb].get(m)),
                              "relative": _rel(self.metrics[self.base].get(m), self.metrics[lb].get(m))}
                          for m in self.metric_order}
            for m, d in self.significance.get(lb, {}).items():
                deltas[lb][m].update(diff=d.diff, ci_low=d.ci_low, ci_high=d.ci_high, p_value=d.p_value,
                                     verdict=d.verdict, n=d.n, needed_n=d.needed_n)
        return {
            "created": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "dataset": self.dataset, "summary": self.summary, "kind": self.kind, "main_metric": self.main_metric,
            "labels": self.labels, "base": self.base, "metrics": self.metrics, "deltas_vs_base": deltas,
            "worse_than_base": self.worse_than_base, "guard_message": self.guard_message, "headline": self.headline,
            "score_distributions": [d.summary() for d in self.distributions], "seconds": self.seconds,
            "verdicts": {lb: [dict(p, sentence=render(p)) for p in ps] for lb, ps in self.verdicts.items()},
            "measured_on": {"n_queries": len(self.per_query) if self.per_query is not None else None,
                            **({f"n_{self.unit}": self.n_items} if self.kind != "retrieval" else {}),
                            "n_passages": self.n_passages, "corpus": self.dataset,
                            "left_out_training_queries": self.left_out_queries,
                            "unmatched_judgements": self.unmatched_judgements},
        }

    def save(self, folder: str | Path) -> dict[str, Path]:
        """Write ``metrics.json`` (and ``per_query.csv``, UTF-8 with BOM, for retrieval) atomically into ``folder``.
        Returns {"metrics": path, "per_query": path}."""
        folder = Path(folder)
        out = {"metrics": atomic_write_json(folder / METRICS_FILE, _json_safe(self.to_dict()))}
        if self.per_query is not None:
            # UTF-8 with BOM so spreadsheet programs show Chinese queries correctly
            out["per_query"] = atomic_write_text(folder / PER_QUERY_FILE, "\ufeff" + self.per_query.to_csv(index=False))
        return out


def _delta(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return None
    return b - a


def _rel(a: float | None, b: float | None) -> float | None:
    d = _delta(a, b)
    return None if d is None or a == 0 else d / abs(a)


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        return _json_safe(obj.item())
    return obj


def _unique_labels(models: Sequence[Any]) -> list[tuple[str, Any]]:
    out, seen = [], {}
    for m in models:
        label, spec = split_labelled(m)
        label = label or model_label(spec)
        if label in seen:
            seen[label] += 1
            label = f"{label} ({seen[label]})"
        else:
            seen[label] = 1
        out.append((label, spec))
    return out


def build_table(metrics: dict[str, dict[str, float]], labels: list[str], order: list[str]) -> pd.DataFrame:
    """Metric rows x model columns, plus ``Δ <label>`` (absolute) and ``Δ% <label>`` (relative, %) vs the first."""
    table = pd.DataFrame({lb: [metrics[lb].get(m, float("nan")) for m in order] for lb in labels}, index=order)
    table.index.name = "metric"
    base = labels[0]
    for lb in labels[1:]:
        table[f"Δ {lb}"] = table[lb] - table[base]
        table[f"Δ% {lb}"] = np.where(table[base] != 0, 100.0 * (table[lb] - table[base]) / table[base].abs(), np.nan)
    return table


def _guard(metrics: dict[str, dict[str, float]], labels: list[str], main: str) -> tuple[bool, str, str]:
    base = labels[0]
    if len(labels) < 2:
        v = metrics[base].get(main, float("nan"))
        return False, "", f"'{base}' scores {v:.4f} on {main}."
    worse, lines, heads = False, [], []
    for lb in labels[1:]:
        b, t = metrics[base].get(main, float("nan")), metrics[lb].get(main, float("nan"))
        d = t - b
        rel = f"{100 * d / abs(b):+.1f}%" if b else "n/a"
        if math.isfinite(d) and d < -1e-9:
            worse = True
            lines.append(f"WARNING: the tuned model '{lb}' is WORSE than the base model '{base}' on {main} "
                         f"({t:.4f} vs {b:.4f}, {d:+.4f}, {rel}); do not ship it before checking the training data and settings.")
        heads.append(f"'{lb}' vs base '{base}' on {main}: {t:.4f} vs {b:.4f} ({d:+.4f}, {rel}).")
    return worse, " ".join(lines), " ".join(heads)


def evaluate_models(models: Sequence[Any], evalset: EvalSet | PairEvalSet, k_values: Sequence[int] = DEFAULT_K,
                    progress: ProgressFn | None = None, use_cache: bool = True, batch_size: int | None = None,
                    device: str | None = None, training: TrainingTexts | None = None) -> ComparisonResult:
    """Evaluate every model on ``evalset`` and compare with the first (see module docstring).
    ``training``: what the compared run learned from (``core.evaluation.seen``): retrieval queries whose text is one
    of its queries are left out (``without_training_queries``), and the verdicts split into seen / unseen queries
    by its passages."""
    if not models:
        raise ConfigError("No model was given to evaluate (expected at least one model spec).")
    left_out = 0
    if training is not None and isinstance(evalset, EvalSet):
        evalset, left_out = without_training_queries(evalset, training.queries)
    elif training is not None and training.pairs:
        evalset, left_out = without_training_pairs(evalset, training.pairs)
    pairs = _unique_labels(models)
    labels = [lb for lb, _ in pairs]
    from core.models.sources import resolve_model

    for _, spec in pairs:  # every model is found before any is encoded: a typo in the last one costs no minutes
        if not _is_model(spec):
            resolve_model(str(spec))
    kind = evalset.kind if isinstance(evalset, PairEvalSet) else "retrieval"
    ks = tuple(sorted(set(int(k) for k in k_values)))
    metrics: dict[str, dict[str, float]] = {}
    per_query_parts: dict[str, pd.DataFrame] = {}
    item_scores: dict[str, np.ndarray] = {}  # pair sets: each model's score of every pair (triplets: 1 when right)
    distributions: list[ScoreDistribution] = []
    seconds: dict[str, float] = {}
    import time

    done: dict[str, str] = {}  # model_identity -> the label evaluated with it
    for idx, (label, spec) in enumerate(pairs):
        t0 = time.monotonic()
        if progress:
            progress(Progress("model", idx, len(pairs), message=f"evaluating {label}"))
        model = as_model(spec, device=device)
        lp = labelled(progress, label)
        ident = model_identity(model)
        if ident is not None and ident in done:  # the same model again: its results, not a second encoding
            same = done[ident]
            metrics[label] = dict(metrics[same])
            if kind == "retrieval":
                per_query_parts[label] = per_query_parts[same].copy()
            else:
                item_scores[label] = item_scores[same]
            distributions.append(replace(distributions[labels.index(same)], label=label))
            seconds[label] = round(time.monotonic() - t0, 2)
            if progress:
                progress(Progress("model", idx, len(pairs), message=f"{label} has the weights of {same}: its results"))
            continue
        if ident is not None:
            done[ident] = label
        if kind == "retrieval":
            m, pq, dist = _eval_retrieval(model, evalset, label, ks, lp, use_cache, batch_size)
            per_query_parts[label] = pq
        else:
            m, dist, item_scores[label] = _eval_pairs(model, evalset, label, lp, batch_size)
        metrics[label] = m
        distributions.append(dist)
        seconds[label] = round(time.monotonic() - t0, 2)
        if model is not split_labelled(spec)[1]:
            del model  # loaded here: free it before the next one
            gc.collect()
    if progress:
        progress(Progress("model", len(pairs), len(pairs), message="done"))
    order = metric_names(ks) if kind == "retrieval" else list(metrics[labels[0]].keys())
    order = [m for m in order if m in metrics[labels[0]]] + [m for m in metrics[labels[0]] if m not in order]
    main = MAIN_METRICS[kind]
    worse, guard, headline = _guard(metrics, labels, main)
    per_query = _merge_per_query(per_query_parts, labels, evalset) if kind == "retrieval" else None
    sig, verdicts = {}, {}
    if kind == "retrieval":
        sig, verdicts = _significance(per_query_parts, labels, order, main, evalset,
                                      training.passages if training is not None and training.passages else None)
    else:
        sig, verdicts = _pair_significance(item_scores, metrics, labels, main, evalset)
    if len(labels) > 1:
        worse = any(sig[lb][main].verdict == WORSE for lb in labels[1:] if main in sig.get(lb, {}))
        if not worse:
            guard = ""
        elif guard:
            guard = guard.replace("is WORSE", "is WORSE (beyond noise: the 95% CI lies below 0)")
    table = build_table(metrics, labels, order)
    for lb in labels[1:]:
        if sig.get(lb):
            table[f"CI low {lb}"] = [sig[lb][m].ci_low if m in sig[lb] else np.nan for m in order]
            table[f"CI high {lb}"] = [sig[lb][m].ci_high if m in sig[lb] else np.nan for m in order]
            table[f"p {lb}"] = [sig[lb][m].p_value if m in sig[lb] else np.nan for m in order]
            # each metric's own verdict by the one rule (interval and paired test), not the main metric's alone
            table[f"verdict {lb}"] = [sig[lb][m].verdict if m in sig[lb] else None for m in order]
    return ComparisonResult(
        labels=labels, kind=kind, metrics=metrics, metric_order=order, main_metric=main,
        table=table, per_query=per_query, distributions=distributions,
        worse_than_base=worse, guard_message=guard, headline=headline, dataset=evalset.name,
        summary=evalset.summary() + (f"; {left_out:,} training or validation {'queries' if kind == 'retrieval' else PAIR_UNITS[kind]} "
                                     "of the run left out" if left_out else ""),
        k_values=ks, seconds=seconds, significance=sig, verdicts=verdicts,
        n_passages=len(evalset.corpus) if kind == "retrieval" else 0, left_out_queries=left_out,
        n_items=len(evalset.queries) if kind == "retrieval" else len(evalset.sentence1),
        unmatched_judgements=getattr(evalset, "unmatched_judgements", 0),
    )


def without_training_queries(evalset: EvalSet, queries: set[str]) -> tuple[EvalSet, int]:
    """(``evalset`` without the queries whose text is one of the training ``queries``, how many were left out); the
    corpus stays whole. A DataError when every query is a training query: there is nothing left to test on."""
    trained = [q for q, text in evalset.queries.items() if text.strip() in queries]
    if not trained:
        return evalset, 0
    if len(trained) == len(evalset.queries):
        raise DataError(f"Every one of the {len(trained):,} queries of '{evalset.name or 'the evaluation data'}' is a "
                        "training or validation query of the run: there is nothing left to test it on. Evaluate on "
                        "queries held out from training (the run's test split).")
    dropped = set(trained)
    return evalset.sample(query_ids=[q for q in evalset.queries if q not in dropped]), len(trained)


def without_training_pairs(evalset: PairEvalSet, pairs: set[frozenset]) -> tuple[PairEvalSet, int]:
    """(``evalset`` without the rows whose two texts, in either order, are a pair the run trained or validated on
    (``core.evaluation.seen.pair_key``), how many were left out); a DataError when every row is one."""
    from core.evaluation.seen import pair_key

    keep = [i for i, (a, b) in enumerate(zip(evalset.sentence1, evalset.sentence2)) if pair_key(a, b) not in pairs]
    if len(keep) == len(evalset.sentence1):
        return evalset, 0
    if not keep:
        raise DataError(f"Every one of the {len(evalset.sentence1):,} rows of '{evalset.name or 'the evaluation data'}' "
                        "is a pair the run trained or validated on: there is nothing left to test it on. Evaluate on "
                        "pairs held out from training (the run's test split).")
    pick = lambda values: None if values is None else [values[i] for i in keep]  # noqa: E731
    return (replace(evalset, sentence1=pick(evalset.sentence1), sentence2=pick(evalset.sentence2),
                    scores=pick(evalset.scores), labels=pick(evalset.labels), negatives=pick(evalset.negatives)),
            len(evalset.sentence1) - len(keep))


def model_identity(model: Any) -> str | None:
    """A digest of everything that decides a loaded model's embeddings: its weights (every tensor's name, dtype,
    shape and bytes), its modules as ``repr`` shows them (pooling, normalisation), its max length, prompts and
    tokenizer vocabulary.
    Equal for a base model and a run's ``delivered/`` copy of it; None for an object without a ``state_dict``."""
    import hashlib

    import torch

    state = getattr(model, "state_dict", None)
    if state is None:
        return None
    h = hashlib.sha1()
    h.update(repr(model).encode("utf-8"))
    h.update(repr(sorted((getattr(model, "prompts", None) or {}).items())).encode("utf-8"))
    for attr in ("max_seq_length", "truncate_dim", "similarity_fn_name", "default_prompt_name"):
        h.update(f"{attr}={getattr(model, attr, None)!r}".encode())
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is not None and hasattr(tokenizer, "get_vocab"):
        h.update(type(tokenizer).__name__.encode())
        h.update(repr(sorted(tokenizer.get_vocab().items())).encode("utf-8"))
        h.update(repr(getattr(tokenizer, "do_lower_case", None)).encode())
    for name, tensor in state().items():
        t = tensor.detach().to("cpu").contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}".encode())
        h.update(t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def _significance(parts: dict[str, pd.DataFrame], labels: list[str], order: list[str], main: str, ev: EvalSet,
                  seen_passages: set[str] | None) -> tuple[dict, dict]:
    """Per model and per-query metric the ``paired_difference`` against the base; verdict parts for the main
    metric on all queries, with ``seen_passages`` on the seen / unseen query subsets, and on a bilingual set on
    the English and the Chinese queries (``core.data.language.text_language``)."""
    base = parts[labels[0]].set_index("query_id")
    qids = list(base.index)
    seen = None
    if seen_passages is not None:
        from core.evaluation.seen import seen_queries

        seen = np.array(seen_queries(ev, qids, seen_passages))
    from core.data.language import text_language

    langs = np.array([text_language(ev.queries.get(q, "")) for q in qids])
    # a bilingual set (each language at least a tenth of the queries) gets a verdict per language
    by_lang = {x: langs == x for x in sorted(set(langs.tolist()))}
    by_lang = by_lang if len(by_lang) > 1 and all(m.sum() >= 0.1 * len(qids) for m in by_lang.values()) else {}
    sig, verdicts = {}, {}
    for lb in labels[1:]:
        other = parts[lb].set_index("query_id").loc[qids]
        sig[lb] = {m: paired_difference(base[m].to_numpy(float), other[m].to_numpy(float))
                   for m in order if m in base.columns and m in other.columns}
        if main not in sig[lb]:
            continue
        verdicts[lb] = [verdict_parts(lb, labels[0], main, sig[lb][main])]
        if seen is not None:
            for name, mask in (("seen", seen), ("unseen", ~seen)):
                if mask.any():
                    d = paired_difference(base[main].to_numpy(float)[mask], other[main].to_numpy(float)[mask])
                    verdicts[lb].append(verdict_parts(lb, labels[0], main, d, subset=name))
        for name, mask in by_lang.items():
            d = paired_difference(base[main].to_numpy(float)[mask], other[main].to_numpy(float)[mask])
            verdicts[lb].append(verdict_parts(lb, labels[0], main, d, subset=name))
    return sig, verdicts


PAIR_UNITS = {"scored_pair": "pairs", "labelled_pair": "pairs", "triplet": "triplets"}  # what a pair set's verdict counts


def _pair_significance(scores: dict[str, np.ndarray], metrics: dict[str, dict[str, float]], labels: list[str],
                       main: str, ev: PairEvalSet) -> tuple[dict, dict]:
    """The main metric's paired comparison of every model with the base on a pair set, and its verdict parts:
    triplet accuracy is a mean over triplets (``paired_difference`` of the right / wrong indicators); Spearman and
    average precision are measured over all pairs at once (``paired_metric_difference``, pairs resampled
    together). A metric the base or the model has no value for (e.g. Spearman of constant gold scores) gets none."""
    from core.evaluation.metrics import ap_rows, spearman_rows
    from core.evaluation.stats import paired_metric_difference

    base = labels[0]
    sig, verdicts = {}, {}
    for lb in labels[1:]:
        if not all(math.isfinite(metrics[m].get(main, float("nan"))) for m in (base, lb)):
            continue
        if ev.kind == "triplet":
            d = paired_difference(scores[base], scores[lb])
        else:
            rows, gold = (spearman_rows, ev.scores) if ev.kind == "scored_pair" else (ap_rows, ev.labels)
            d = paired_metric_difference(rows, scores[base], scores[lb], gold)
        sig[lb] = {main: d}
        verdicts[lb] = [verdict_parts(lb, base, main, d, unit=PAIR_UNITS[ev.kind])]
    return sig, verdicts


def _eval_retrieval(model: Any, ev: EvalSet, label: str, ks: tuple[int, ...], progress: ProgressFn | None,
                    use_cache: bool, batch_size: int | None) -> tuple[dict, pd.DataFrame, ScoreDistribution]:
    qids, dids = list(ev.queries), list(ev.corpus)
    q_emb = encode_queries(model, [ev.queries[q] for q in qids], batch_size=batch_size, progress=progress)
    c_emb = embed_corpus_cached(model, dids, [ev.corpus[d] for d in dids], progress=progress,
                                use_cache=use_cache, batch_size=batch_size).matrix
    res = retrieval_metrics_from_embeddings(q_emb, c_emb, qids, dids, ev.qrels, k_values=ks)
    metrics = dict(res.metrics)
    dist = score_distribution(q_emb, c_emb, ev, label)
    metrics["separation_auc"] = dist.auc
    if ev.triplets:
        a = encode_queries(model, [t[0] for t in ev.triplets], batch_size=batch_size)
        p = encode_corpus(model, [t[1] for t in ev.triplets], batch_size=batch_size)
        n = encode_corpus(model, [t[2] for t in ev.triplets], batch_size=batch_size)
        metrics["triplet_accuracy"] = triplet_accuracy(np.sum(a * p, axis=1), np.sum(a * n, axis=1))
    return metrics, res.per_query, dist


def _eval_pairs(model: Any, ev: PairEvalSet, label: str, progress: ProgressFn | None,
                batch_size: int | None) -> tuple[dict, ScoreDistribution, np.ndarray]:
    """(metrics, score distribution, per-item scores): the cosine of every pair, or for triplets 1.0 where the
    positive scores above the negative."""
    # Symmetric texts: both sides get the query prompt (what e5-style models recommend for similarity tasks).
    a = encode_queries(model, ev.sentence1, batch_size=batch_size, progress=progress)
    if ev.kind == "triplet":
        p = encode_corpus(model, ev.sentence2, batch_size=batch_size, progress=progress)
        n = encode_corpus(model, ev.negatives or [], batch_size=batch_size, progress=progress)
        pos, neg = np.sum(a * p, axis=1), np.sum(a * n, axis=1)
        metrics = {"triplet_accuracy": triplet_accuracy(pos, neg)}
        source, items = "triplet", (pos > neg).astype(np.float64)
    else:
        b = encode_queries(model, ev.sentence2, batch_size=batch_size, progress=progress)
        cos = np.sum(a * b, axis=1)
        items = cos.astype(np.float64)
        if ev.kind == "scored_pair":
            metrics = correlation(cos, ev.scores or [])
            gold = np.asarray(ev.scores, dtype=np.float64)
            cut = np.median(gold)
            pos, neg = cos[gold > cut], cos[gold <= cut]
            source = "below-median gold"
        else:
            metrics = binary_metrics(cos, ev.labels or [])
            y = np.asarray(ev.labels)
            pos, neg = cos[y == 1], cos[y == 0]
            source = "labelled"
    t_f1, f1 = suggest_threshold(pos, neg, "f1")
    t_j, _ = suggest_threshold(pos, neg, "youden")
    dist = ScoreDistribution(label=label, positive=pos.astype(np.float32), negative=neg.astype(np.float32),
                             negative_source=source, auc=separation_auc(pos, neg), threshold_f1=t_f1,
                             f1_at_threshold=f1, threshold_youden=t_j)
    metrics["separation_auc"] = dist.auc
    return metrics, dist, items


def _merge_per_query(parts: dict[str, pd.DataFrame], labels: list[str], ev: EvalSet) -> pd.DataFrame:
    base = parts[labels[0]]
    df = pd.DataFrame({
        "query_id": base["query_id"],
        "query": [ev.queries[q] for q in base["query_id"]],
        "gold": [";".join(sorted(ev.qrels[q], key=lambda d: -ev.qrels[q][d])) for q in base["query_id"]],
    })
    for lb in labels:
        part = parts[lb].set_index("query_id").loc[df["query_id"]]
        df[f"rank:{lb}"] = part["first_rank"].to_numpy()
        df[f"ndcg@10:{lb}"] = part["ndcg@10"].to_numpy() if "ndcg@10" in part else np.nan
    b = df[f"rank:{labels[0]}"].astype("float64")
    for lb in labels[1:]:
        r = df[f"rank:{lb}"].astype("float64")
        df[f"change:{lb}"] = (b - r).astype("Int64")  # positive = moved up
        df[f"rr_delta:{lb}"] = 1.0 / r - 1.0 / b
    return df


__all__ = ["ComparisonResult", "evaluate_models", "build_table", "MAIN_METRICS"]
