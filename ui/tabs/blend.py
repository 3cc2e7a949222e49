"""Evaluate tab section "Blend base ↔ tuned": domain and general NDCG@10 against the blend weight α, and
the blend at a chosen α exported as a model zip.

Engine calls: ``core.training.delivery.blend_curve`` / ``blend_chart`` / ``export_blend`` / ``tuned_dir``
(weights ``(1−α)·base + α·tuned`` by ``core.models.merge.interpolate``), ``core.evaluation.load_evalset``.
Endpoints: ``evaluate_blend`` (run, data state, upload -> chart, table) and ``evaluate_blend_export``
(run, α -> zip). The curve's table follows the language switch (in ``evaluate_language``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr
import pandas as pd

from core.run_folder import CONFIG_FILE
from ui.common import handler
from ui.common import progress_fn as _progress_fn
from ui.strings import chart_words, t
from ui.tabs.runs_common import base_model_of, run_dir


def _general_setting(rd: Path):
    from core.training import TrainConfig

    return getattr(TrainConfig.load(rd / CONFIG_FILE).data, "general", None)


def _diff_cell(d: dict | None) -> str:
    """``"+0.0313 [+0.0083, +0.0550]"``: one α's paired change from α 0 with its 95% interval ("" when unknown)."""
    return "" if not d else f"{d['diff']:+.4f} [{d['ci_low']:+.4f}, {d['ci_high']:+.4f}]"


def render_table(curve: dict, lang: str) -> list:
    """The blend curve (``blend_curve``'s dict) as a table in ``lang``: α, then domain and each language's general
    NDCG@10, each headed with the queries and passages it was measured on and followed by its change from α 0
    with the 95% interval."""
    measured = curve.get("measured", {})
    vs = curve.get("vs_base", {})
    n = len(curve["alphas"])

    def head(key: str, counts: dict, **kw) -> str:  # a curve kept from before the counts were recorded: "?"
        q, p = counts.get("queries"), counts.get("passages")
        return t(key, lang, queries=f"{q:,}" if isinstance(q, int) else "?",
                 passages=f"{p:,}" if isinstance(p, int) else "?", **kw)

    df = pd.DataFrame({"α": curve["alphas"]})
    df[head("blend_col_domain", measured.get("domain", {}))] = [round(v, 4) for v in curve["domain"]]
    df[t("blend_col_domain_diff", lang)] = [_diff_cell(d) for d in vs.get("domain", [None] * n)]
    for data_lang, ys in curve["general"].items():
        df[head("blend_col_general", measured.get("general", {}).get(data_lang, {}), language=data_lang)] = [round(v, 4) for v in ys]
        df[t("blend_col_general_diff", lang, language=data_lang)] = [
            _diff_cell(d) for d in vs.get("general", {}).get(data_lang, [None] * n)]
    return [df]


def render_blank(lang: str) -> list:
    """The blend table before a curve is computed: its first columns' headers in ``lang``."""
    return [pd.DataFrame(columns=["α", t("blend_col_domain_blank", lang), t("blend_col_domain_diff", lang)])]


def build_blend(ctx, run_dropdown, upload=None) -> dict:
    """Lay out the blend section inside the current tab and wire it to ``run_dropdown`` (and ``upload``)."""
    L = ctx.labeler
    L.add(gr.Markdown(t("blend_md")), value="blend_md")
    with gr.Row():
        curve_btn = L.add(gr.Button(t("blend_curve"), elem_id="blend-curve"), value="blend_curve")
        alpha = L.add(gr.Slider(0, 1, value=0.5, step=0.05, label=t("blend_alpha"), elem_id="blend-alpha"), label="blend_alpha")
        export_btn = L.add(gr.Button(t("blend_export"), elem_id="blend-export"), value="blend_export")
    with gr.Row():
        chart = L.add(gr.Image(label=t("blend_chart"), type="filepath", interactive=False, elem_id="blend-chart"), label="blend_chart")
        table = L.add(gr.Dataframe(render_blank("en")[0], label=t("blend_table"), interactive=False, elem_id="blend-table"),
                      label="blend_table")
    zip_file = L.add(gr.File(label=t("blend_zip"), interactive=False, elem_id="blend-zip"), label="blend_zip")
    curve_st = gr.State(None)  # the last curve (engine dict): its table follows the language switch
    show = ctx.views.add("evaluate", curve_st, [table], render_table, blank=render_blank)

    @handler
    def do_curve(name, data_state, up, lang="en", progress=gr.Progress()):
        from core.evaluation.compare import without_training_queries
        from core.evaluation.seen import run_training_texts
        from core.training.data import evalset_for
        from core.training.delivery import blend_chart, blend_curve, tuned_dir
        from ui.tabs.evaluate import eval_source

        rd = run_dir(name)
        evalset = evalset_for(eval_source(data_state, up), rd)
        if getattr(evalset, "kind", "") != "retrieval":
            from core.errors import DataError

            raise DataError("The blend curve needs a retrieval evaluation set (queries and passages), "
                            f"but '{getattr(evalset, 'name', '')}' holds pairs.")
        training = run_training_texts(rd)
        if training is not None:  # as Evaluate: a query the run trained or validated on tests nothing
            evalset, _ = without_training_queries(evalset, training.queries)
        curve = blend_curve(base_model_of(rd), str(tuned_dir(rd)), evalset, general=_general_setting(rd),
                            progress=_progress_fn(progress, lang))
        png = blend_chart(curve, Path(tempfile.mkdtemp(prefix="studio-blend-")) / "blend.png", title=t("blend_title", lang),
                          words=chart_words(lang))
        curve_v, df = show(curve, lang)
        return curve_v, str(png), df

    @handler
    def do_export(name, a, progress=gr.Progress()):
        from core.export import model_card
        from core.training.delivery import export_blend, tuned_dir

        rd = run_dir(name)
        out = Path(tempfile.mkdtemp(prefix="studio-blend-export-"))
        return str(export_blend(base_model_of(rd), str(tuned_dir(rd)), a, out, card=model_card(rd, holds=f"blend-{float(a):g}"),
                                progress=_progress_fn(progress)))

    up = upload if upload is not None else gr.State(None)
    curve_btn.click(do_curve, [run_dropdown, ctx.data_state, up, ctx.lang], [curve_st, chart, table], api_name="evaluate_blend")
    export_btn.click(do_export, [run_dropdown, alpha], zip_file, api_name="evaluate_blend_export")
    return {"alpha": alpha, "chart": chart, "table": table, "zip": zip_file}
