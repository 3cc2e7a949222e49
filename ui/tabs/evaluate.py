"""Evaluate tab: base vs tuned table and bar chart, score histograms, most improved / degraded queries.

Engine calls: ``core.evaluation.load_evalset``, ``evaluate_models`` (-> ``ComparisonResult``: ``table``,
``most_improved``, ``most_degraded``, ``distributions``, ``headline``, ``save``), ``bar_chart``,
``score_histograms``. The result is saved as the run's ``metrics.json`` (used by the model card).
The tab keeps the last result as an ``EvalView`` and an ``EvalCharts`` (no language); ``render(view, lang)`` and
``render_charts(charts, lang)`` draw the headline, the tables and the pictures for the action and again for the
language switch (endpoint ``evaluate_language``; the charts are its last two outputs).
The metric table as shown (``shown_table``): a metric no model has a value for is no row; an empty cell reads
"—", and a line under the verdicts says why (a metric measured over all score pairs at once, such as
``separation_auc``, has no per-query confidence interval or p-value; a base score of 0 has no relative change).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import pandas as pd

from ui.common import empty_table, handler
from ui.common import progress_fn as _progress_fn
from ui.strings import chart_words, t, table_headers, tr_engine, verdict_text, verdict_word
from ui.tabs.runs_common import base_model_of, model_dir, run_dir, wire_run_picker


def eval_source(data_state: dict | None, upload) -> str:
    from core.errors import DataError

    if upload:
        return str(upload)
    ds = data_state or {}
    path = ds.get("eval") or ds.get("test") or ds.get("validation")
    if not path:
        raise DataError("No evaluation data: load the sample (it has a test split) in the Data tab or upload an evaluation file.")
    return path


QUERY_COLUMNS = ["query", "gold", "rank:base", "rank:tuned"]


@dataclass
class EvalView:
    """What the last evaluation showed, without a language: the engine's headline and guard sentences, the verdict
    parts, the metric table and the most improved / degraded queries (column keys, not headers)."""

    headline: str
    guard: str
    verdicts: list[dict]
    table: pd.DataFrame
    improved: pd.DataFrame
    degraded: pd.DataFrame
    n_queries: int | None = None
    n_passages: int = 0
    dataset: str = ""
    labels: list = field(default_factory=list)  # the compared models (the table's score columns), base first
    left_out: int = 0  # evaluation queries (a pair set: pairs) left out: the run trained or validated on them
    models: dict = field(default_factory=dict)  # what 'base' and 'tuned' are: {"run", "tuned", "base"}
    unmatched: int = 0  # judgements of the set naming a query or passage id it does not have (left out)
    n_items: int = 0  # a pair set's pairs or triplets (``unit``); retrieval counts ``n_queries``
    unit: str = "queries"

    @classmethod
    def of(cls, result, models: dict | None = None) -> EvalView:
        """The record of a ``core.evaluation.ComparisonResult``."""
        tab_df = result.table
        if tab_df.index.name or not isinstance(tab_df.index, pd.RangeIndex):
            tab_df = tab_df.reset_index()
        imp, deg = result.most_improved(10), result.most_degraded(10)
        imp = imp[[c for c in QUERY_COLUMNS if c in imp.columns]] if len(imp) else pd.DataFrame(columns=QUERY_COLUMNS)
        deg = deg[[c for c in QUERY_COLUMNS if c in deg.columns]] if len(deg) else pd.DataFrame(columns=QUERY_COLUMNS)
        return cls(headline=result.headline, guard=result.guard_message if result.worse_than_base else "",
                   verdicts=[p for lb in result.labels[1:] for p in result.verdicts.get(lb, [])], table=_rounded(tab_df),
                   improved=imp, degraded=deg, n_queries=None if result.per_query is None else len(result.per_query),
                   n_passages=result.n_passages, dataset=result.dataset, labels=list(result.labels),
                   left_out=result.left_out_queries, models=dict(models or {}), n_items=result.n_items,
                   unmatched=result.unmatched_judgements,
                   unit=result.unit)


def tuned_and_base(rd: Path, tuned: Path, base: str) -> dict:
    """The words for what Evaluate's 'tuned' and 'base' are: the run's folder it measured (with the model
    ``delivery.json`` says ``delivered/`` holds, e.g. "blend α 0.75") and the base model's name."""
    from core.export.card import held_model
    from core.models.sources import local_folder
    from core.training.delivery import read_delivery

    held = held_model(read_delivery(rd), tuned.name)
    shown = f"{tuned.name}/" + (f" ({held})" if held and held != tuned.name else "")
    base_name = Path(base).name if local_folder(base) else base
    return {"run": rd.name, "tuned": shown, "base": base_name}


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    """The metric table as shown: scores to 4 decimals, relative changes (``Δ% …`` columns) to 1."""
    out = table.round(4)
    for col in out.columns:
        if str(col).startswith("Δ% "):
            out[col] = table[col].round(1)
    return out


MISSING = "—"  # an empty cell of the metric table as shown
_STAT_PREFIXES = ("Δ% ", "Δ ", "CI low ", "CI high ", "p ", "verdict ")


def shown_table(table: pd.DataFrame, labels=()) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The metric table as the tab shows it, and the metrics its notes name: ``(table, not_per_query, zero_base)``.

    A metric that no model (``labels``, the score columns; by default every column that is not ``metric`` nor a
    ``Δ`` / ``Δ%`` / ``CI`` / ``p`` column) has a value for is dropped; every other empty cell reads ``MISSING``.
    ``not_per_query``: metrics with scores but no confidence interval or p-value (measured over all score pairs
    at once, such as ``separation_auc``); ``zero_base``: metrics with no relative change because the base scores 0.
    """
    if "metric" not in table.columns or not len(table):
        return table, [], []
    scores = [c for c in (labels or [c for c in table.columns if c != "metric" and not str(c).startswith(_STAT_PREFIXES)])
              if c in table.columns]
    if not scores:
        return table, [], []
    num = table[scores].apply(pd.to_numeric, errors="coerce")
    kept = table[num.notna().any(axis=1)].reset_index(drop=True)
    num = num[num.notna().any(axis=1)].reset_index(drop=True)
    stat_cols = [c for c in kept.columns if str(c).startswith(("CI low ", "CI high ", "p "))]
    rel_cols = [c for c in kept.columns if str(c).startswith("Δ% ")]
    not_per_query = [str(m) for i, m in enumerate(kept["metric"]) if stat_cols and kept.loc[i, stat_cols].isna().all()]
    zero_base = [str(m) for i, m in enumerate(kept["metric"])
                 if rel_cols and num.loc[i, scores[0]] == 0 and kept.loc[i, rel_cols].isna().any()]
    shown = kept.astype(object).where(kept.notna(), MISSING)
    return shown, not_per_query, zero_base


def _headed(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``df`` with its column keys shown in ``lang``."""
    out = df.copy()
    out.columns = table_headers(df.columns, lang)
    return out


TABLE_BLANK = ["metric", "base", "tuned"]  # the metric table's columns before an evaluation (it adds Δ and CI ones)


def render_blank(lang: str) -> list:
    """What ``render``'s outputs show before any evaluation: no headline, the tables' headers in ``lang``."""
    return ["", empty_table(TABLE_BLANK, lang), empty_table(QUERY_COLUMNS, lang), empty_table(QUERY_COLUMNS, lang)]


def render(v: EvalView, lang: str) -> list:
    """The headline, the metric table and the improved / degraded queries of ``v`` in ``lang``."""
    head = f"**{tr_engine(v.headline, lang)}**" + (f"\n\n⚠️ {tr_engine(v.guard, lang)}" if v.guard else "")
    lines = [verdict_text(p, lang) for p in v.verdicts]
    if lines:
        head += "\n\n" + "\n\n".join(f"**{ln}**" if i == 0 else ln for i, ln in enumerate(lines))
    if v.n_queries is not None:
        head += "\n\n" + t("eval_measured_on", lang, n_queries=f"{v.n_queries:,}", n_passages=f"{v.n_passages:,}",
                             corpus=v.dataset)  # "12,000 queries", as the verdict sentences write counts
        if v.left_out:
            head += " " + t("eval_left_out", lang, n=f"{v.left_out:,}")
        if v.unmatched:
            head += " " + t("eval_unmatched", lang, n=f"{v.unmatched:,}")
    elif v.n_items:  # a pair set: its pairs or triplets, no passages searched
        head += "\n\n" + t("eval_measured_on_items", lang, n=f"{v.n_items:,}", unit=t(f"unit_{v.unit}", lang),
                             corpus=v.dataset)
        if v.left_out:
            head += " " + t("eval_left_out_pairs", lang, n=f"{v.left_out:,}", unit=t(f"unit_{v.unit}", lang))
    if v.models:  # which model each name stands for: the delivered one may be a blend, or the base itself
        head += "\n\n" + t("eval_models", lang, **v.models)
    table, not_per_query, zero_base = shown_table(v.table, v.labels)
    for col in [c for c in table.columns if str(c).startswith("verdict ")]:  # better / worse / no difference, in lang
        table[col] = [verdict_word(x, lang) if x != MISSING else x for x in table[col]]
    if not_per_query:
        head += "\n\n" + t("eval_dash_not_per_query", lang, metrics=", ".join(not_per_query))
    if zero_base:
        head += "\n\n" + t("eval_dash_zero_base", lang, metrics=", ".join(zero_base))
    return [head, _headed(table, lang), _headed(v.improved, lang), _headed(v.degraded, lang)]


@dataclass
class EvalCharts:
    """What the last evaluation's pictures are drawn from (no language): the metrics per model and the score
    distributions; ``render_charts(c, lang)`` draws them for the action and again for the language switch."""

    labels: list
    metrics: dict
    metric_order: list
    title: str
    distributions: list

    @classmethod
    def of(cls, result) -> EvalCharts:
        return cls(labels=list(result.labels), metrics=dict(result.metrics), metric_order=list(result.metric_order),
                   title=result.title, distributions=list(result.distributions or []))


def render_charts(c: EvalCharts, lang: str) -> list:
    """[bar chart PNG, score histograms PNG or None] of ``c`` with the words of ``lang``, in a new temp folder."""
    from core.evaluation import bar_chart, score_histograms

    out = Path(tempfile.mkdtemp(prefix="studio-eval-"))
    words = chart_words(lang)
    bar = str(bar_chart(c, out / "bars.png", words=words))
    hist = str(score_histograms(c.distributions, out / "hist.png", words=words)) if c.distributions else None
    return [bar, hist]


def data_line(ds, lang: str) -> list:
    """The line naming the file the Evaluate tab measures on (from the active ``DataState``), in ``lang``."""
    ds = ds or {}
    p = ds.get("eval") or ds.get("test") or ds.get("validation")
    return [f"{t('eval_data', lang)}: `{Path(p).name}`" if p else ""]


def build(ctx) -> dict:
    L = ctx.labeler
    with gr.Tab(t("tab_evaluate"), id=3, elem_id="tab-evaluate") as tab:
        L.add(tab, label="tab_evaluate")
        L.add(gr.Markdown(t("eval_intro")), value="eval_intro")
        with gr.Row():
            run = L.add(gr.Dropdown([], label=t("eval_run"), allow_custom_value=True, elem_id="eval-run"), label="eval_run")
            refresh = L.add(gr.Button(t("refresh"), scale=0), value="refresh")
            data_md = gr.Markdown("")
            upload = L.add(gr.File(label=t("eval_upload"), elem_id="eval-upload"), label="eval_upload")
        go = L.add(gr.Button(t("run_eval"), variant="primary", elem_id="eval-go"), value="run_eval")
        headline = gr.Markdown("", elem_id="eval-headline")
        with gr.Row():
            blank = render_blank("en")
            table = L.add(gr.Dataframe(blank[1], label=t("eval_table"), interactive=False, elem_id="eval-table"),
                          label="eval_table")
            bars = L.add(gr.Image(label=t("eval_chart"), type="filepath", interactive=False), label="eval_chart")
        hist = L.add(gr.Image(label=t("histograms"), type="filepath", interactive=False), label="histograms")
        with gr.Row():
            improved = L.add(gr.Dataframe(blank[2], label=t("improved"), interactive=False, wrap=True,
                                          elem_id="eval-improved"), label="improved")
            degraded = L.add(gr.Dataframe(blank[3], label=t("degraded"), interactive=False, wrap=True,
                                          elem_id="eval-degraded"), label="degraded")
        view = gr.State(None)  # the last EvalView: the headline, tables and verdicts follow the language switch
        # registered before the blend section, so evaluate_language returns these outputs first (then the data
        # line and the run picker), the blend table last
        show = ctx.views.add("evaluate", view, [headline, table, improved, degraded], render, blank=render_blank)
        ctx.views.add("evaluate", ctx.data_state, [data_md], data_line)
        wire_run_picker(ctx, "evaluate", tab, run, refresh)  # its status words follow the switch too
        from ui.tabs.blend import build_blend  # "Blend base <-> tuned" section
        build_blend(ctx, run, upload)
        charts = gr.State(None)  # the last EvalCharts: the pictures are redrawn in the page's language
        show_charts = ctx.views.add("evaluate", charts, [bars, hist], render_charts)

    # the line naming the evaluation data follows the active dataset and the language switch
    ctx.data_state.change(lambda ds, lang: data_line(ds, lang)[0], [ctx.data_state, ctx.lang], data_md, api_name=False)

    @handler
    def do_eval(run_name, data_state, up, lang="en", progress=gr.Progress()):
        from core.evaluation import evaluate_models
        from core.evaluation.seen import run_training_texts
        from core.training.data import evalset_for

        rd = run_dir(run_name)
        evalset = evalset_for(eval_source(data_state, up), rd)
        tuned, base = model_dir(rd), base_model_of(rd)
        result = evaluate_models([("base", base), ("tuned", str(tuned))], evalset,
                                 progress=_progress_fn(progress, lang), training=run_training_texts(rd))
        result.save(rd)
        c, bar, hist_png = show_charts(EvalCharts.of(result), lang)
        v, head, tab_df, imp, deg = show(EvalView.of(result, models=tuned_and_base(rd, tuned, base)), lang)
        return v, head, tab_df, bar, hist_png, imp, deg, c

    go.click(do_eval, [run, ctx.data_state, upload, ctx.lang],
             [view, headline, table, bars, hist, improved, degraded, charts], api_name="evaluate")
    return {"tab": tab, "run": run}
