"""Train tab section "Compare base models on my data": score the bundled models (and any local folder or Hub
id typed in) on the validation queries of the loaded data, show the table and the bar chart, and set the model
picker to the winner.

Engine calls: ``core.training.select.select_for_data`` / ``selection_chart`` / ``default_candidates``
(``core.training.config.DataConfig`` built from the Data tab's state, as the Train tab's config is).
Endpoint: ``train_select`` (bundled models, other models, language -> table, chart, verdict, model picker).
The engine's ``SelectionReport`` stays in a ``gr.State``; ``render(report, lang)`` draws the table and the verdict for
the action and again for the language switch (endpoint ``train_language``; the chart's title stays as drawn).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from ui.common import empty_table, handler
from ui.common import progress_fn as _progress_fn
from ui.strings import chart_words, t, table_headers, tr_engine

METRIC_COLUMNS = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10")


def _bundled_names() -> tuple[list[str], list[str]]:
    """(every bundled source, those available here)."""
    from core.training.select import default_candidates

    cands = default_candidates()
    return [n for n, _ in cands], [n for n, why in cands if why is None]


def _others(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _table(report, lang: str):
    """The engine's table with languages, errors and headers in the page's language."""
    df = report.table().drop(columns=["kind"])
    df["languages"] = [t(f"langs_{v}", lang) if f"langs_{v}" in _lang_keys() else v for v in df["languages"]]
    df["error"] = [tr_engine(e, lang) if e else "" for e in df["error"]]
    for col in (*METRIC_COLUMNS, "seconds"):
        df[col] = [None if v is None else round(float(v), 4) for v in df[col]]
    df.columns = table_headers(df.columns, lang)
    return df


def render_blank(lang: str) -> list:
    """The table (its headers in ``lang``, as ``_table`` shows them) and no verdict, before any selection."""
    from core.training.select import TABLE_COLUMNS

    return [empty_table([c for c in TABLE_COLUMNS if c != "kind"], lang), ""]


def _lang_keys() -> set[str]:
    from ui.strings import S

    return {k for k in S if k.startswith("langs_")}


def picker_updates(winner: str | None, bundled_names: list[str]) -> tuple[Any, Any, Any]:
    """Updates of the Train tab's model picker (source kind, bundled dropdown, path box) showing ``winner``."""
    if not winner:
        return gr.skip(), gr.skip(), gr.skip()
    if winner in bundled_names:
        return gr.update(value="bundled"), gr.update(value=winner, visible=True), gr.update(visible=False)
    kind = "local" if Path(winner).expanduser().exists() else "hub"
    return gr.update(value=kind), gr.update(visible=False), gr.update(value=winner, visible=True)


def render(report, lang: str) -> list:
    """The table and the verdict of a ``SelectionReport`` in ``lang``."""
    if report.winner:
        verdict = t("select_winner", lang, model=report.winner, reason=tr_engine(report.reason, lang))
    else:
        verdict = t("select_none", lang, reason=tr_engine(report.reason, lang))
    verdict += " " + t(
        "select_measured", lang, queries=report.n_queries, passages=report.n_passages, corpus=report.corpus
    )
    return [_table(report, lang), verdict]


def compare_models(data_state, picked, others, lang, progress=None):
    """Score the chosen candidates on the loaded data; returns (``SelectionReport``, chart path or None)."""
    from core.errors import DataError
    from core.training.config import DataConfig
    from core.training.select import select_for_data, selection_chart
    from ui.state import as_state

    st = as_state(data_state)
    if st is None:
        raise DataError(t("no_data", "en"))
    data = DataConfig(
        train=[st.train],
        validation=[st.validation] if st.validation else [],
        format=st.format,
        mapping=st.mapping or None,
    )
    from ui.common import usable_model

    specs = [usable_model(spec) for spec in [*(picked or []), *_others(others)]]
    report = select_for_data(data, specs, include_bundled=False, progress=progress)
    chart = None
    if report.winner:
        chart = str(
            selection_chart(
                report, Path(tempfile.mkdtemp(prefix="studio-select-")) / "select.png", title=t("select_chart", lang),
                words=chart_words(lang),
            )
        )
    return report, chart


def build_select(ctx, ui) -> dict:
    """Lay out the section inside the current column; the winner goes to ``ui.kind`` / ``ui.bundled`` / ``ui.mpath``
    (the Train tab's model picker)."""
    L = ctx.labeler
    names, available = _bundled_names()
    with gr.Accordion(t("select_title"), open=False, elem_id="select-section") as acc:
        L.add(acc, label="select_title")
        L.add(gr.Markdown(t("select_md")), value="select_md")
        with gr.Row():
            picked = L.add(
                gr.CheckboxGroup(names, value=available, label=t("select_bundled"), elem_id="select-bundled"),
                label="select_bundled",
            )
            others = L.add(
                gr.Textbox(label=t("select_extra"), placeholder=t("select_extra_ph"), lines=2, elem_id="select-extra"),
                label="select_extra",
                placeholder="select_extra_ph",
            )
        run = L.add(gr.Button(t("select_run"), elem_id="select-run"), value="select_run")
        verdict = gr.Markdown("", elem_id="select-verdict")
        table = L.add(
            gr.Dataframe(render_blank("en")[0], label=t("select_table"), interactive=False, elem_id="select-table"),
            label="select_table",
        )
        chart = L.add(
            gr.Image(label=t("select_chart"), type="filepath", interactive=False, elem_id="select-chart"),
            label="select_chart",
        )

    report_st = gr.State(None)  # the last SelectionReport: table and verdict follow the language switch
    show = ctx.views.add("train", report_st, [table, verdict], render, blank=render_blank)

    @handler
    def do_select(data_state, chosen, extra, lang, progress=gr.Progress()):
        report, png = compare_models(data_state, chosen, extra, lang, progress=_progress_fn(progress, lang))
        state, df, text = show(report, lang)
        return (state, df, png, text, *picker_updates(report.winner, names))

    run.click(
        do_select,
        [ctx.data_state, picked, others, ctx.lang],
        [report_st, table, chart, verdict, ui.kind, ui.bundled, ui.mpath],
        api_name="train_select",
    )
    return {"picked": picked, "others": others, "table": table, "chart": chart, "verdict": verdict}
