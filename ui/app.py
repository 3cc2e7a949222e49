"""The studio app: ``build_app() -> gr.Blocks`` and ``main()``.

``main()`` binds ``0.0.0.0`` inside a Hugging Face Space (env ``SPACE_ID``), else ``127.0.0.1``; the port is
``PORT`` / ``GRADIO_SERVER_PORT`` or 7860. The page opens on the bundled default model with the sample dataset
(``assets/sample``, or ``STUDIO_SAMPLE_DIR``) loaded. The English/中文 switch in the header re-labels every
registered component (``ui.common.Labeler``) and sets the language of the session's error messages
(``ui.common.remember_language``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from ui.common import Labeler, remember_language
from ui.strings import t

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("studio.ui")

CSS = """
.studio-progress { position: relative; height: 26px; border-radius: 6px; background: var(--block-background-fill);
  border: 1px solid var(--border-color-primary); overflow: hidden; }
.studio-progress-bar { position: absolute; left: 0; top: 0; bottom: 0; background: var(--color-accent); opacity: .55;
  transition: width .5s; }
.studio-progress-text { position: relative; padding-left: 10px; line-height: 26px; font-size: 13px; }
.studio-error { border: 1px solid #e11d48; background: #fff1f2; color: #9f1239; padding: 8px 12px; border-radius: 6px; }
.rank-up { color: #15803d; } .rank-down { color: #b91c1c; }
#header-row { align-items: center; }
"""


def sample_dir() -> Path:
    return Path(os.environ.get("STUDIO_SAMPLE_DIR") or ROOT / "assets" / "sample")


@dataclass
class Ctx:
    """What the tabs share: the language switch, the label registry, the chosen data, page-load hooks."""

    lang: gr.Radio
    labeler: Labeler
    data_state: gr.State
    sample_dir: Path
    on_load: list = field(default_factory=list)  # (fn, inputs, outputs) run when the page loads
    tabs: dict = field(default_factory=dict)


def build_app() -> gr.Blocks:
    from ui.tabs import build as build_tab
    from ui.tabs import compare, data, evaluate, export, train

    labeler = Labeler()
    with gr.Blocks(title="Embedding Studio", fill_width=True) as demo:
        with gr.Row(elem_id="header-row"):
            with gr.Column(scale=5):
                title = labeler.add(gr.Markdown(t("title")), value="title")
                labeler.add(gr.Markdown(t("subtitle")), value="subtitle")
            lang = gr.Radio([("English", "en"), ("中文", "zh")], value="en", label=t("lang"), scale=1, elem_id="lang",
                            min_width=180)
        ctx = Ctx(lang=lang, labeler=labeler, data_state=gr.State(None), sample_dir=sample_dir())
        with gr.Tabs(elem_id="tabs"):
            ctx.tabs["data"] = data.build(ctx)
            ctx.tabs["build"] = build_tab.build(ctx)
            ctx.tabs["train"] = train.build(ctx)
            ctx.tabs["evaluate"] = evaluate.build(ctx)
            ctx.tabs["compare"] = compare.build(ctx)
            ctx.tabs["export"] = export.build(ctx)

        def set_language(value: str, request: gr.Request):
            remember_language(request, value)  # errors of this session's events follow the switch
            return labeler.updates(value)

        lang.change(set_language, lang, labeler.components, api_name="set_language", show_progress="hidden")

        for fn, inputs, outputs in ctx.on_load:
            demo.load(_quiet(fn), inputs, outputs, api_name=False, show_progress="hidden")
    del title
    return demo


def _quiet(fn):
    """Page-load hooks never show an error toast (e.g. the sample folder is missing): they just skip."""
    def run(*args):
        try:
            return fn(*args)
        except Exception as err:  # noqa: BLE001
            log.info("page-load hook %s skipped: %s", getattr(fn, "__name__", fn), err)
            return gr.skip()
    run.__name__ = getattr(fn, "__name__", "on_load")
    return run


def launch_kwargs() -> dict:
    in_space = bool(os.environ.get("SPACE_ID"))
    port = int(os.environ.get("PORT") or os.environ.get("GRADIO_SERVER_PORT") or 7860)
    from core.paths import datasets_root, runs_root

    return {"server_name": "0.0.0.0" if in_space else "127.0.0.1", "server_port": port, "css": CSS,
            "footer_links": ["api", "gradio"], "allowed_paths": [str(datasets_root()), str(runs_root())]}


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    demo = build_app()
    demo.queue(default_concurrency_limit=4)
    demo.launch(**launch_kwargs())
