"""Export tab: model card preview, download the model folder as a zip, push to the Hub (token typed in or
``HF_TOKEN``, kept in memory only; optionally with the ONNX export under ``onnx/``), a confirmation checkbox
when the run's status says ``worse_than_base``; ONNX export (fp32/int8, Matryoshka dims, by default the run's)
as a zip with its report table, chart and a note naming the set NDCG@10 was measured on (the run's test split).
The preview shows the card's YAML front matter as a code block (``card_preview``); the zip and the Hub get the
card itself. Engine errors are shown through ``tr_engine`` in the page's language. The push message and the
ONNX report table follow the language switch (``export_language``).

Engine calls: ``core.export.model_card``, ``card_preview``, ``zip_run``, ``push_run``, ``export_model_dir``,
``core.training.read_status``, ``core.export.onnx.export_onnx``, ``report_chart``, ``run_onnx_inputs``.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import gradio as gr

from core.run_folder import BEST_DIR, DELIVERED_DIR, FINAL_DIR
from ui.common import empty_table, handler
from ui.strings import Msg, chart_words, t, table_headers, tr_engine, verdict_word
from ui.tabs.runs_common import run_dir, wire_run_picker


def _worse(rd: Path) -> bool:
    from core.training import read_status

    return bool(read_status(rd).get("worse_than_base"))


@contextlib.contextmanager
def _in_language(lang: str):
    """Re-raise an engine error's sentence in the page's language."""
    from core.errors import StudioError

    try:
        yield
    except StudioError as err:
        raise StudioError(tr_engine(str(err), lang)) from None


def render_onnx(table, lang: str) -> list:
    """The ONNX report table (column keys) with its headers and verdict words in ``lang``."""
    from core.export.onnx import VERDICT

    shown = table.copy()
    if VERDICT in shown.columns:
        shown[VERDICT] = [verdict_word(v, lang) for v in shown[VERDICT]]
    shown.columns = table_headers(table.columns, lang)
    return [shown]


def render_onnx_blank(lang: str) -> list:
    """The ONNX report table before an export: its headers in ``lang``."""
    from core.export.onnx import REPORT_COLUMNS

    return [empty_table(REPORT_COLUMNS, lang)]


def _held(rd: Path, which_v: str | None) -> str | None:
    """The folder name the export takes for ``which_v`` (``core.export.export_model_dir``: the choice when present,
    else the first saved of delivered / best / final); None when the run has none yet."""
    from core.errors import StudioError
    from core.export import export_model_dir

    try:
        return export_model_dir(rd, which_v or None).name
    except StudioError:
        return None


def build(ctx) -> dict:
    L = ctx.labeler
    with gr.Tab(t("tab_export"), id=5, elem_id="tab-export") as tab:
        L.add(tab, label="tab_export")
        with gr.Row():
            run = L.add(gr.Dropdown([], label=t("export_run"), allow_custom_value=True, elem_id="exp-run"), label="export_run")
            which = L.add(gr.Radio([(t("wm_delivered"), DELIVERED_DIR), (t("wm_final"), FINAL_DIR), (t("wm_best"), BEST_DIR)],
                                   value=DELIVERED_DIR, label=t("which_model"), elem_id="exp-which"),
                          label="which_model",
                          choices=[("wm_delivered", DELIVERED_DIR), ("wm_final", FINAL_DIR), ("wm_best", BEST_DIR)])
        warn = L.add(gr.Markdown(t("worse_warning"), visible=False, elem_id="exp-warn"), value="worse_warning")
        confirm = L.add(gr.Checkbox(False, label=t("confirm_worse"), visible=False, elem_id="exp-confirm"), label="confirm_worse")
        with gr.Row():
            with gr.Column(scale=3):
                card = L.add(gr.Markdown("", label=t("card"), elem_id="exp-card", container=True), label="card")
            with gr.Column(scale=2):
                zip_btn = L.add(gr.Button(t("make_zip"), variant="primary", elem_id="exp-zip"), value="make_zip")
                zip_file = L.add(gr.File(label=t("zip_file"), interactive=False, elem_id="exp-zip-file"), label="zip_file")
                repo = L.add(gr.Textbox(label=t("hub_repo"), elem_id="exp-repo"), label="hub_repo")
                token = L.add(gr.Textbox(label=t("hub_token"), type="password", elem_id="exp-token"), label="hub_token")
                private = L.add(gr.Checkbox(True, label=t("hub_private")), label="hub_private")
                hub_onnx = L.add(gr.Checkbox(False, label=t("hub_onnx"), elem_id="exp-hub-onnx"), label="hub_onnx")
                push_btn = L.add(gr.Button(t("push"), elem_id="exp-push"), value="push")
                push_md = gr.Markdown("", elem_id="exp-push-msg")
                L.add(gr.Markdown(t("onnx_heading")), value="onnx_heading")
                onnx_int8 = L.add(gr.Checkbox(False, label=t("onnx_int8"), elem_id="exp-onnx-int8"), label="onnx_int8")
                onnx_dims = L.add(gr.Textbox("", label=t("onnx_dims"), elem_id="exp-onnx-dims"), label="onnx_dims")
                onnx_btn = L.add(gr.Button(t("onnx_export"), elem_id="exp-onnx"), value="onnx_export")
                onnx_zip = L.add(gr.File(label=t("onnx_zip"), interactive=False, elem_id="exp-onnx-zip"), label="onnx_zip")
                onnx_note = gr.Markdown("", elem_id="exp-onnx-note")
        onnx_table = L.add(gr.Dataframe(render_onnx_blank("en")[0], label=t("onnx_table"), interactive=False,
                                        elem_id="exp-onnx-table"), label="onnx_table")
        onnx_chart = L.add(gr.Image(label=t("onnx_chart"), type="filepath", interactive=False, elem_id="exp-onnx-chart"),
                           label="onnx_chart")
        push_st = gr.State(None)  # the last push's message (a Msg) and the last ONNX report table (column keys):
        onnx_st = gr.State(None)  # both redrawn on the language switch (export_language)
        show_push = ctx.views.add_text("export", push_st, push_md)
        show_onnx = ctx.views.add("export", onnx_st, [onnx_table], render_onnx, blank=render_onnx_blank)
        wire_run_picker(ctx, "export", tab, run)  # inside the tab: its gr.State is no child of gr.Tabs

    @handler
    def on_run(name, which_v=None):
        """The card of the run's model chosen in ``which`` (the delivered one by default) and the worse-model
        warning."""
        from core.export import card_preview, model_card

        if not name:
            return "", gr.update(visible=False), gr.update(visible=False, value=False)
        rd = run_dir(name)
        worse = _worse(rd)
        holds = _held(rd, which_v)
        return card_preview(model_card(rd, holds=holds)), gr.update(visible=worse), gr.update(visible=worse, value=False)

    run.change(on_run, [run, which], [card, warn, confirm], api_name="export_card")
    # the same card for another choice of model (the endpoint above takes the choice too)
    which.change(on_run, [run, which], [card, warn, confirm], api_name=False)

    def _check(rd: Path, ok: bool, lang: str):
        from core.errors import StudioError

        if _worse(rd) and not ok:
            raise StudioError(t("need_confirm", lang))

    @handler
    def do_zip(name, which_v, ok, lang, progress=gr.Progress()):
        from core.export import export_model_dir, zip_run
        from ui.common import offer_download
        from ui.common import progress_fn as _progress_fn

        with _in_language(lang):
            rd = run_dir(name)
            _check(rd, ok, lang)
            held = export_model_dir(rd, which_v).name  # the folder exported names the zip
            out = Path(tempfile.mkdtemp(prefix="studio-export-")) / f"{rd.name}-{held}.zip"
            return offer_download(zip_run(rd, out, which_v, progress=_progress_fn(progress, lang)), move=True)

    zip_btn.click(do_zip, [run, which, confirm, ctx.lang], zip_file, api_name="export_zip")

    @handler
    def do_push(name, which_v, ok, repo_id, tok, priv, with_onnx, lang, progress=gr.Progress()):
        from core.export import push_run
        from ui.common import progress_fn as _progress_fn
        from ui.common import refuse_in_public

        refuse_in_public("public_off_hub", lang)
        with _in_language(lang):
            rd = run_dir(name)
            _check(rd, ok, lang)
            url = push_run(rd, repo_id, tok, private=bool(priv), which=which_v, onnx=bool(with_onnx),
                           progress=_progress_fn(progress, lang))
        return *show_push(Msg.of("pushed", url=url), lang), ""

    # the token box is cleared after every push attempt that succeeds; it is never put in any State
    push_btn.click(do_push, [run, which, confirm, repo, token, private, hub_onnx, ctx.lang], [push_st, push_md, token],
                   api_name="export_push")

    @handler
    def do_onnx(name, which_v, ok, int8, dims_text, lang, progress=gr.Progress()):
        import shutil

        from core.export import shipped_model_dir
        from core.export.cli import parse_dims
        from core.export.onnx import export_onnx, report_chart, run_onnx_inputs
        from ui.common import offer_download
        from ui.common import progress_fn as _progress_fn
        with _in_language(lang):
            rd = run_dir(name)
            _check(rd, ok, lang)
            src = shipped_model_dir(rd, which_v)  # a run still training is refused, as the zip and the push are
            inputs = run_onnx_inputs(rd, parse_dims(dims_text, field=t("onnx_dims_field", lang)))
            work = Path(tempfile.mkdtemp(prefix="studio-onnx-"))
            try:
                folder = work / f"{rd.name}-{src.name}-onnx"
                report = export_onnx(src, folder, int8=bool(int8), dims=inputs.dims, evalset=inputs.evalset,
                                     progress=_progress_fn(progress, lang))
                chart = report_chart(report.table, work / f"{rd.name}-onnx-report.png", words=chart_words(lang))
                archive = shutil.make_archive(str(work / folder.name), "zip", root_dir=work, base_dir=folder.name)
                zip_path, chart_path = offer_download(archive, move=True), offer_download(chart, move=True)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        table_v, table = show_onnx(report.table.copy(), lang)
        note = tr_engine(inputs.measured_on, lang)
        if inputs.evalset is not None:  # Evaluate may measure another file of the same queries (a BEIR folder's titles)
            note += " " + t("onnx_vs_evaluate", lang)
        return table_v, zip_path, table, chart_path, note

    onnx_btn.click(do_onnx, [run, which, confirm, onnx_int8, onnx_dims, ctx.lang],
                   [onnx_st, onnx_zip, onnx_table, onnx_chart, onnx_note], api_name="export_onnx")
    return {"tab": tab, "run": run}
