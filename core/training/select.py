"""Choose the base model on the user's own data: score every candidate on the run's validation queries.

``select_models(splits, candidates=(), include_bundled=True, ...) -> SelectionReport``

Input: the run's ``Splits`` (``core.training.data.load_splits``) and model specs (registry names, local
folders, Hub ids). Every bundled source (``core.models.list_sources``) is a candidate too unless
``include_bundled=False``. What is scored is what the run's validation evaluator searches
(``core.training.evaluators.validation_retrieval``: the validation queries over every validation and training
passage plus ``corpus``, at most ``max_passages``, by default the run's ``eval.max_eval_passages``), with the
queries capped at ``max_queries`` (seeded sample) for time.
Output: one ``CandidateScore`` per candidate — hit@1/5/10, MRR@10, NDCG@10 (``core.evaluation.metrics``) with
a 95% bootstrap interval on NDCG@10 (``core.evaluation.stats.mean_ci``), encode speed (texts/s over the
queries and passages), the model's languages and whether they cover the data's — or, for a model that cannot
be loaded or encoded, its one-sentence error. A failure never stops the others.

The winner: the highest NDCG@10; when a candidate at least ``FASTER``× as fast is within noise of it (the
95% interval of the paired per-query difference includes 0, ``core.evaluation.stats.paired_difference``),
the fastest such candidate wins instead, and ``reason`` says so in one line.

``select_for_data(data_config, candidates, seed=42, ...)`` loads the splits first (CLI, Train tab).
``selection_chart(report, path)`` draws the scores as grouped bars (``core.evaluation.plots.bar_chart``).
``recipe_choice(splits, config)`` is the recipe's ``model_selection: auto`` step: it scores the bundled
sources that cover the data's language and returns ``(model, reason)``.
"""

from __future__ import annotations

import gc
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import DataError, StudioError
from core.progress import Progress, ProgressFn
from core.secrets import looks_like_secret
from core.training.config import eval_passages

METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10")
# ``SelectionReport.table``'s columns, in order
TABLE_COLUMNS = ("model", "kind", "languages", *METRICS, "ndcg@10 95% CI", "texts/s", "seconds", "error")
MAIN = "ndcg@10"
MAX_QUERIES = 200  # validation queries scored per candidate (seeded sample): enough to separate models, fast
FASTER = 1.1  # a candidate counts as faster when it encodes at least this many times as many texts per second
STAGE = "select"


@dataclass
class CandidateScore:
    """One candidate's row. ``error`` is set (and the numbers are None) when it could not be scored."""

    model: str  # the spec as given (registry name, folder, Hub id)
    kind: str = ""  # bundled / converted / local / hub
    language: str = "unknown"  # the source's language tag: en, zh, multilingual, unknown
    covers_data: bool | None = None  # the language tag serves the data's language
    metrics: dict[str, float] = field(default_factory=dict)
    ndcg_ci: tuple[float, float] | None = None
    texts_per_second: float | None = None
    seconds: float | None = None  # load + encode + score
    error: str | None = None
    per_query: np.ndarray | None = field(default=None, repr=False)  # NDCG@10 per query, in query order

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "kind": self.kind,
            "language": self.language,
            "covers_data": self.covers_data,
            "metrics": dict(self.metrics),
            "ndcg@10_ci": list(self.ndcg_ci) if self.ndcg_ci else None,
            "texts_per_second": self.texts_per_second,
            "seconds": self.seconds,
            "error": self.error,
        }


@dataclass
class SelectionReport:
    rows: list[CandidateScore]
    winner: str | None
    reason: str
    n_queries: int
    n_passages: int
    corpus: str  # which passages were searched, e.g. "validation + training"
    data_language: str  # en / zh / mixed

    def table(self):
        """One row per candidate (best NDCG@10 first, failures last): model, kind, languages, the metrics,
        the NDCG@10 interval, texts/s, seconds, error."""
        import pandas as pd

        recs = []
        for r in self.rows:
            rec = {"model": r.model, "kind": r.kind, "languages": r.language}
            rec.update({m: r.metrics.get(m) for m in METRICS})
            rec["ndcg@10 95% CI"] = f"{r.ndcg_ci[0]:.3f}–{r.ndcg_ci[1]:.3f}" if r.ndcg_ci else None
            rec["texts/s"] = round(r.texts_per_second, 1) if r.texts_per_second else None
            rec["seconds"] = r.seconds
            rec["error"] = r.error or ""
            recs.append(rec)
        return pd.DataFrame(recs, columns=list(TABLE_COLUMNS))

    def to_dict(self) -> dict:
        return {
            "winner": self.winner,
            "reason": self.reason,
            "n_queries": self.n_queries,
            "n_passages": self.n_passages,
            "corpus": self.corpus,
            "data_language": self.data_language,
            "main_metric": MAIN,
            "rows": [r.to_dict() for r in self.rows],
        }


# ------------------------------------------------------------------------------------------ candidates


def default_candidates() -> list[tuple[str, str | None]]:
    """``(name, why unusable or None)`` of every bundled source, in registry order (the default first)."""
    from core.models import list_sources

    return [(s.name, None if s.available else s.detail) for s in list_sources()]


def _candidates(given, include_bundled: bool) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = default_candidates() if include_bundled else []
    seen = {name.lower() for name, _ in out}
    for spec in given or ():
        text = str(spec or "").strip()
        if looks_like_secret(text):  # the candidates are saved in selection.json: never a key
            raise StudioError("A model to compare looks like a key, not a model name, folder or Hub id; put keys "
                              "in environment variables.")
        if text and text.lower() not in seen:
            seen.add(text.lower())
            out.append((text, None))
    if not out:
        raise StudioError(
            "No model to compare: give at least one model (a bundled name, a local folder or a "
            "Hub id) or include the bundled models."
        )
    return out


def _source_info(spec: str) -> tuple[str, str]:
    """(kind, language tag) of a registry name, without loading anything."""
    from core.models import list_sources

    for s in list_sources():
        if s.name == spec:
            return s.kind, s.language
    return "", "unknown"


def _sentence(err: BaseException) -> str:
    if isinstance(err, StudioError):
        return str(err)
    first = (str(err).strip().splitlines() or [type(err).__name__])[0].rstrip(".")
    return f"The model could not be scored: {type(err).__name__}: {first[:200]}."


# ------------------------------------------------------------------------------------------ scoring


def _score(
    spec: str,
    queries: dict,
    pool: dict,
    relevant: dict,
    data_lang: str,
    batch_size: int | None,
    device: str | None,
    progress: ProgressFn | None,
    seed: int,
) -> CandidateScore:
    from core.data.language import languages_covered
    from core.evaluation.encoding import encode_corpus, encode_queries
    from core.evaluation.metrics import retrieval_metrics_from_embeddings
    from core.evaluation.stats import mean_ci
    from core.models import load_model, resolve_model

    kind, lang = _source_info(spec)
    row = CandidateScore(model=spec, kind=kind, language=lang)
    t0 = time.monotonic()
    model = None
    try:
        resolved = resolve_model(spec)
        row.kind, row.language = resolved.kind, resolved.language
        row.covers_data = data_lang in languages_covered(row.language)
        model = load_model(spec, device=device)
        qids, dids = list(queries), list(pool)

        def labelled(p: Progress) -> None:
            if progress:
                progress(Progress(f"{STAGE}:encode", p.done, p.total, p.rate, p.eta_seconds, f"{spec}: {p.stage}"))

        encode_corpus(model, [pool[d] for d in dids[:4]], batch_size=batch_size)  # warm-up, not timed
        t_enc = time.monotonic()
        q_emb = encode_queries(model, [queries[q] for q in qids], batch_size=batch_size, progress=labelled)
        c_emb = encode_corpus(model, [pool[d] for d in dids], batch_size=batch_size, progress=labelled)
        enc = max(time.monotonic() - t_enc, 1e-9)
        row.texts_per_second = (len(qids) + len(dids)) / enc
        if progress:
            progress(Progress(f"{STAGE}:score", 0, 1, message=spec))
        res = retrieval_metrics_from_embeddings(
            q_emb, c_emb, qids, dids, {q: {d: 1 for d in rel} for q, rel in relevant.items()}, k_values=(1, 5, 10)
        )
        row.metrics = {m: float(res.metrics[m]) for m in METRICS}
        per_q = res.per_query.set_index("query_id").loc[qids, MAIN].to_numpy(dtype=np.float64)
        row.per_query = per_q
        _, lo, hi = mean_ci(per_q, seed=seed)
        row.ndcg_ci = (lo, hi)
    except MemoryError:
        row.error = f"Scoring the model '{spec}' ran out of memory."
    except Exception as err:  # noqa: BLE001 - one candidate's failure is its row, never the whole comparison's
        row.error = _sentence(err)
    finally:
        row.seconds = round(time.monotonic() - t0, 2)
        del model
        gc.collect()
    return row


def pick_winner(rows: list[CandidateScore], seed: int = 0) -> tuple[str | None, str]:
    """The winner's spec and the one-line reason (see the module docstring); ``(None, reason)`` when no row
    was scored."""
    from core.evaluation.stats import paired_difference

    scored = [r for r in rows if r.ok and r.per_query is not None]
    if not scored:
        return None, "No candidate could be scored; see each model's error."
    ranked = sorted(scored, key=lambda r: -r.metrics[MAIN])
    best = ranked[0]
    if len(ranked) == 1:
        return best.model, f"{best.model}: the only candidate that could be scored (NDCG@10 {best.metrics[MAIN]:.3f})."
    close = []
    for r in ranked[1:]:
        if (r.texts_per_second or 0) < FASTER * (best.texts_per_second or math.inf):
            continue
        d = paired_difference(best.per_query, r.per_query, seed=seed)
        if d.ci_low <= 0 <= d.ci_high:
            close.append((r, d))
    if close:
        fast, d = max(close, key=lambda c: c[0].texts_per_second or 0)
        ratio = (fast.texts_per_second or 0) / max(best.texts_per_second or 1e-9, 1e-9)
        return fast.model, (
            f"{fast.model}: NDCG@10 {fast.metrics[MAIN]:.3f} is within noise of {best.model}'s "
            f"{best.metrics[MAIN]:.3f} (difference {d.diff:+.3f}, 95% CI {d.ci_low:+.3f} to "
            f"{d.ci_high:+.3f}) and it encodes {ratio:.1f}x faster."
        )
    second = ranked[1]
    d = paired_difference(second.per_query, best.per_query, seed=seed)
    return best.model, (
        f"{best.model}: highest NDCG@10 ({best.metrics[MAIN]:.3f}, next {second.model} "
        f"{second.metrics[MAIN]:.3f}; difference {d.diff:+.3f}, 95% CI {d.ci_low:+.3f} to "
        f"{d.ci_high:+.3f}) and no faster candidate is within noise of it."
    )


def select_models(
    splits,
    candidates=(),
    *,
    include_bundled: bool = True,
    max_queries: int = MAX_QUERIES,
    max_passages: int | None = None,
    corpus: str | None = None,
    seed: int = 42,
    batch_size: int | None = None,
    device: str | None = None,
    progress: ProgressFn | None = None,
) -> SelectionReport:
    """Score each candidate on the validation queries of ``splits`` (see the module docstring)."""
    from core.training.evaluators import RETRIEVAL_FORMATS, retrieval_inputs, validation_retrieval
    from core.training.recipe import data_language

    # teacher-scored data: searched like qpn rows, as the run's validation searches it
    val_rows, fmt, train_view = retrieval_inputs(splits.validation, splits.format, splits.train)
    if fmt not in RETRIEVAL_FORMATS:
        raise DataError(
            f"Choosing the base model needs retrieval data (pair, triplet or qpn rows with queries and "
            f"passages), but the data holds {splits.format} rows."
        )
    if splits.validation is None or len(splits.validation) == 0:
        raise DataError(
            "Choosing the base model needs validation queries: give a validation file or keep a "
            "validation share in the split (data.split)."
        )
    if not isinstance(max_queries, int) or isinstance(max_queries, bool) or max_queries < 1:
        raise StudioError(
            f"The number of validation queries to score must be a whole number of at least 1, got {max_queries!r}."
        )
    cands = _candidates(candidates, include_bundled)
    if max_passages is None:  # the run's own cap (eval.max_eval_passages), so the pool is the one it searches
        from core.training.config import MAX_EVAL_PASSAGES

        max_passages = MAX_EVAL_PASSAGES
    if progress:
        progress(Progress(f"{STAGE}:data", 0, 1, message="validation queries and passage pool"))
    queries, pool, relevant, sources = validation_retrieval(
        val_rows, fmt, max_queries, seed, train_view, corpus, max_passages
    )
    if not queries:
        raise DataError("The validation split has no query with a passage to find; add validation rows.")
    data_lang, _ = data_language(splits, seed=seed)
    rows: list[CandidateScore] = []
    for i, (spec, unusable) in enumerate(cands):
        if progress:
            progress(Progress(f"{STAGE}:model", i, len(cands), message=f"loading {spec}"))
        if unusable:
            kind, lang = _source_info(spec)
            rows.append(
                CandidateScore(
                    model=spec, kind=kind, language=lang, error=f"The model '{spec}' is not available here: {unusable}."
                )
            )
            continue
        rows.append(_score(spec, queries, pool, relevant, data_lang, batch_size, device, progress, seed))
    if progress:
        progress(Progress(f"{STAGE}:model", len(cands), len(cands), message="done"))
    winner, reason = pick_winner(rows, seed=seed)
    rows.sort(key=lambda r: (not r.ok, -(r.metrics.get(MAIN) or 0.0)))
    return SelectionReport(
        rows=rows,
        winner=winner,
        reason=reason,
        n_queries=len(queries),
        n_passages=len(pool),
        corpus=" + ".join(sources),
        data_language=data_lang,
    )


def select_for_data(data, candidates=(), *, seed: int = 42, **kw) -> SelectionReport:
    """``select_models`` on the splits of ``data`` (a ``DataConfig``: files, format, mapping, split)."""
    from core.training.data import load_splits

    splits = load_splits(data, seed=seed)
    kw.setdefault("corpus", data.corpus)
    return select_models(splits, candidates, seed=seed, **kw)


def selection_chart(report: SelectionReport, path: str | Path, title: str | None = None,
                    words: dict | None = None) -> Path:
    """Grouped bars (hit@1/5/10, MRR@10, NDCG@10), one bar per scored candidate labelled with its speed;
    ``words``: see ``core.evaluation.plots.chart_word``."""
    from types import SimpleNamespace

    from core.evaluation.plots import bar_chart, chart_word

    scored = [r for r in report.rows if r.ok]
    if not scored:
        raise StudioError("No candidate could be scored, so there is nothing to chart.")
    labels = [f"{r.model} ({r.texts_per_second:.0f} {chart_word('texts_per_s', words)})" for r in scored]
    view = SimpleNamespace(
        labels=labels, metrics={lb: r.metrics for lb, r in zip(labels, scored)}, metric_order=list(METRICS)
    )
    return bar_chart(
        view,
        path,
        metrics=list(METRICS),
        title=title or chart_word("models_title", words, queries=report.n_queries, passages=report.n_passages),
        words=words,
    )


# ------------------------------------------------------------------------------------------ the recipe's step


def recipe_choice(splits, config, progress: ProgressFn | None = None) -> tuple[str, str] | None:
    """``(model, reason)`` for the recipe's ``model_selection: auto``: the winner among the available bundled
    sources that cover the data's language, scored on the run's validation queries and pool; ``None`` (the
    language rule then decides) when there is nothing to choose between or nothing to score on."""
    from core.data.language import languages_covered
    from core.models import list_sources
    from core.training.evaluators import RETRIEVAL_FORMATS, retrieval_view
    from core.training.recipe import data_language

    if splits.validation is None or not len(splits.validation):
        return None
    if retrieval_view(splits.validation, splits.format)[1] not in RETRIEVAL_FORMATS:
        return None
    lang, _ = data_language(splits, seed=config.seed)
    names = [s.name for s in list_sources() if s.available and lang in languages_covered(s.language)]
    if len(names) < 2:
        return None
    key = _recipe_key(config, names)
    if key not in _RECIPE_PICKS:  # the estimate and the run plan the same config: score once per process
        report = select_models(
            splits,
            names,
            include_bundled=False,
            seed=config.seed,
            corpus=config.data.corpus,
            max_passages=eval_passages(config),
            progress=progress,
        )
        _RECIPE_PICKS[key] = (
            None
            if report.winner is None
            else (report.winner, f"{report.reason} (model selection on {report.n_queries} validation queries)")
        )
    return _RECIPE_PICKS[key]


_RECIPE_PICKS: dict[str, tuple[str, str] | None] = {}


def _recipe_key(config, names: list[str]) -> str:
    """The data files (path, size, mtime) and every setting that shapes the validation queries and pool."""
    import hashlib
    import os

    d = config.data
    files = []
    for f in [*d.train, *d.validation, *([d.corpus] if d.corpus else [])]:
        try:
            st = os.stat(f)
            files.append((str(f), st.st_size, st.st_mtime_ns))
        except OSError:
            files.append((str(f), None, None))
    parts = (
        files,
        d.format,
        d.mapping,
        d.split,
        d.group_by,
        d.max_rows,
        config.seed,
        eval_passages(config),
        names,
    )
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()


__all__ = [
    "CandidateScore",
    "SelectionReport",
    "select_models",
    "select_for_data",
    "selection_chart",
    "pick_winner",
    "recipe_choice",
    "default_candidates",
    "METRICS",
    "MAX_QUERIES",
    "FASTER",
]
