"""The studio app: ``build_app() -> gr.Blocks`` and ``main()``.

``main()`` binds ``0.0.0.0`` inside a Hugging Face Space (env ``SPACE_ID``), else ``127.0.0.1``; the port is
``PORT`` / ``GRADIO_SERVER_PORT`` or 7860. The page opens on the bundled default model with the sample dataset
(``assets/sample``, or ``STUDIO_SAMPLE_DIR``) loaded. The English/中文 switch in the header re-labels every
registered component (``ui.common.Labeler``) and renders the text of results already on the page again in the new
language (``ui.common.LanguageViews``: one ``<tab>_language`` event per tab).

Access options (``launch_kwargs()``, documented in README "Public deployment"):
``STUDIO_AUTH="user:pass[,user2:pass2]"`` -> username/password login; ``STUDIO_MAX_UPLOAD_MB`` (default 200)
-> the upload size limit; ``STUDIO_PUBLIC`` (default on in a Space) turns off Hub push and LLM endpoints
(``ui.common.public_mode``); ``STUDIO_MULTI_USER`` (default on with ``STUDIO_AUTH`` or ``STUDIO_PUBLIC``) makes
runs private to the user or browser session that started them (``core.training.owners``). The runs and datasets folders are never served by Gradio's file route (they are
``blocked_paths``); a download is a copy made for that request (``ui.common.offer_download``).

The language switch also sets the language of the session's error messages
(``ui.common.remember_language``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from core.errors import ConfigError
from ui.common import Labeler, LanguageViews, public_mode, remember_language
from ui.inputs import StudioBlocks
from ui.strings import t

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("studio.ui")

CSS = """
/* Gradio sizes a plot's chart to the block's height without the label above it, so the x-axis title fell below the
   block and was cut off: the chart's box leaves room for the label */
#loss-plot .vega-embed, #metric-plot .vega-embed { height: calc(100% - 40px) !important; }
.studio-progress { position: relative; height: 26px; border-radius: 6px; background: var(--block-background-fill);
  border: 1px solid var(--border-color-primary); overflow: hidden; }
.studio-progress-bar { position: absolute; left: 0; top: 0; bottom: 0; background: var(--color-accent); opacity: .55;
  transition: width .5s; }
.studio-progress-text { position: relative; padding-left: 10px; line-height: 26px; font-size: 13px; }
.studio-error { border: 1px solid #e11d48; background: #fff1f2; color: #9f1239; padding: 8px 12px; border-radius: 6px; }
.rank-up { color: #15803d; } .rank-down { color: #b91c1c; }
#header-row { align-items: center; }
/* a table's column headers break between words, never inside one (Gradio's "_ro" / "w" in a narrow column): the
   column takes the width of its longest header word; Chinese still breaks between characters */
th .header.text { word-break: normal !important; overflow-wrap: normal !important; }
"""

# Gradio's Textbox autoscroll does not scroll a non-interactive box whose value an event sets (measured on Gradio
# 6.31 in Chromium: scrollTop stays 0 after 40 lines), so the Train tab's log opened at its first lines. This page
# script keeps the log at its newest line while the reader is there: scrolling up to read stops the following,
# scrolling back to the end resumes it, and another run's log (one that does not hold the last line shown) starts at
# its end again.
LOG_FOLLOW_JS = """
() => {
  const SELECTOR = '#log-tail textarea';
  let pinned = true, last = null;
  document.addEventListener('scroll', (e) => {
    const t = e.target;
    if (t && t.matches && t.matches(SELECTOR)) pinned = t.scrollTop + t.clientHeight >= t.scrollHeight - 4;
  }, true);
  setInterval(() => {
    const t = document.querySelector(SELECTOR);
    if (!t || t.value === last) return;
    const end = (v) => (v || '').trimEnd().split('\\n').pop();
    if (last === null || !t.value.includes(end(last))) pinned = true;  // not a continuation: another run's log
    last = t.value;
    if (pinned) t.scrollTop = t.scrollHeight;
  }, 300);
}
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
    views: LanguageViews = field(default_factory=LanguageViews)  # results on the page that follow the switch
    tabs: dict = field(default_factory=dict)


def build_app() -> gr.Blocks:
    from ui.tabs import build as build_tab
    from ui.tabs import compare, data, evaluate, export, train

    labeler = Labeler()
    # delete_cache: Gradio's copies of downloads and uploads go after a day (and on restart)
    with StudioBlocks(title="Embedding Studio", fill_width=True, delete_cache=(3600, 86400)) as demo:
        with gr.Row(elem_id="header-row"):
            with gr.Column(scale=5):
                title = labeler.add(gr.Markdown(t("title")), value="title")
                labeler.add(gr.Markdown(t("subtitle")), value="subtitle")
                if public_mode():
                    labeler.add(gr.Markdown(t("public_note"), elem_id="public-note"), value="public_note")
                banner = gr.Markdown(t("banner_none"), elem_id="active-dataset")
            lang = gr.Radio([("English", "en"), ("中文", "zh")], value="en", label=t("lang"), scale=1, elem_id="lang",
                            min_width=180)
        ctx = Ctx(lang=lang, labeler=labeler, data_state=gr.State(None), sample_dir=sample_dir())
        with gr.Tabs(elem_id="tabs") as tabs:
            ctx.tabs["data"] = data.build(ctx)
            ctx.tabs["build"] = build_tab.build(ctx)
            ctx.tabs["train"] = train.build(ctx)
            ctx.tabs["evaluate"] = evaluate.build(ctx)
            ctx.tabs["compare"] = compare.build(ctx)
            ctx.tabs["export"] = export.build(ctx)
        only_tabs_in(tabs)

        def set_language(value: str, request: gr.Request):
            remember_language(request, value)  # errors of this session's events follow the switch
            return labeler.updates(value)

        lang.change(set_language, lang, labeler.components, api_name="set_language", show_progress="hidden")
        # the one place naming the active dataset, on every tab: follows every change of ctx.data_state
        from ui.state import banner_text

        ctx.data_state.change(banner_text, [ctx.data_state, lang], banner, api_name="active_dataset", show_progress="hidden")
        lang.change(banner_text, [ctx.data_state, lang], banner, api_name=False, show_progress="hidden")
        ctx.views.wire(lang)  # each tab's dynamic text: <tab>_language endpoints

        from ui.common import handler

        for fn, inputs, outputs in ctx.on_load:  # handler: the hook knows its caller (run owner, language)
            demo.load(handler(_quiet(fn)), inputs, outputs, api_name=False, show_progress="hidden")
    del title
    return demo


def only_tabs_in(tabs: gr.Tabs) -> None:
    """Every child of the studio's ``gr.Tabs`` is a ``gr.Tab``, else a RuntimeError naming the others. Gradio 6's
    page registers a tab under its position among all the children of its Tabs but lists it under its position
    among the tabs, so a component made in the Tabs outside any tab's ``with`` block (a ``gr.State`` made after it)
    shifts the tabs after it: once a tab is opened, the tab bar shows one of them twice ("6. Export")."""
    stray = [f"{type(c).__name__} {c._id}" for c in tabs.children if not isinstance(c, gr.Tab)]
    if stray:
        raise RuntimeError("made in gr.Tabs outside any gr.Tab (make them inside a tab's `with` block): "
                           + ", ".join(stray))


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


DEFAULT_MAX_UPLOAD_MB = 200


def auth_from_env(value: str | None = None) -> list[tuple[str, str]] | None:
    """``STUDIO_AUTH="user:pass[,user2:pass2]"`` -> ``[(user, pass), ...]``; unset/empty -> None (no login).
    A malformed entry is a ConfigError naming its position (never the password)."""
    value = os.environ.get("STUDIO_AUTH", "") if value is None else value
    if not value.strip():
        return None
    pairs = []
    for i, item in enumerate(value.split(","), 1):
        user, sep, password = item.strip().partition(":")
        if not sep or not user.strip() or not password:
            raise ConfigError(f"STUDIO_AUTH entry {i} must look like user:password (entries separated by commas).")
        pairs.append((user.strip(), password))
    return pairs


def max_upload_mb() -> float:
    """``STUDIO_MAX_UPLOAD_MB`` (default 200): the largest upload accepted, in megabytes."""
    raw = os.environ.get("STUDIO_MAX_UPLOAD_MB", "").strip()
    if not raw:
        return float(DEFAULT_MAX_UPLOAD_MB)
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not (mb > 0 and mb < 1e7):
        raise ConfigError(f"STUDIO_MAX_UPLOAD_MB must be a positive number of megabytes, got {raw!r}.")
    return mb


def launch_kwargs() -> dict:
    in_space = bool(os.environ.get("SPACE_ID"))
    port = int(os.environ.get("PORT") or os.environ.get("GRADIO_SERVER_PORT") or 7860)
    from core.paths import datasets_root, runs_root

    kwargs = {"server_name": "0.0.0.0" if in_space else "127.0.0.1", "server_port": port, "css": CSS, "js": LOG_FOLLOW_JS,
              "footer_links": ["api", "gradio"],
              # nothing under runs/ or datasets/ is served or handed out as is: downloads are copies
              "blocked_paths": [str(datasets_root()), str(runs_root())],
              "max_file_size": int(max_upload_mb() * 1024 * 1024)}
    from core.deployment import multi_user

    multi_user()  # a malformed STUDIO_MULTI_USER stops the start with one sentence
    auth = auth_from_env()
    if auth:
        kwargs["auth"] = auth
        kwargs["auth_message"] = "Embedding Studio"
    return kwargs


def storage_note() -> str:
    """A warning for the server log when the studio runs in a Space (``SPACE_ID``) without persistent storage
    (``core.paths.space_storage``: ``/data`` or ``SPACE_DATA_DIR``, mounted and writable): runs and uploads then
    live in the container's working folder, which a restart of the Space empties. "" otherwise."""
    from core.paths import runs_root, space_storage

    if not os.environ.get("SPACE_ID") or space_storage() is not None or os.environ.get("STUDIO_RUNS_DIR"):
        return ""
    where = os.environ.get("SPACE_DATA_DIR") or "/data"
    return (f"This Space has no persistent storage at {where} (mounted and writable): runs and uploaded data are kept "
            f"in {runs_root().parent} and are lost when the Space restarts. Add persistent storage in the Space's "
            "settings (or set SPACE_DATA_DIR to a writable folder that survives restarts).")


ENGINE_IMPORTS = ("sentence_transformers", "core.evaluation.compare")  # what the first Evaluate / Compare needs


def warm_engine_imports():
    """Import the engine's model stack in a background thread, so the first Evaluate or Compare click does not
    wait for it (torch + sentence-transformers: ~7 s on 2 cores, measured in bench/sample_clickthrough.py).
    Returns the started daemon thread; an import that fails here fails again, with its sentence, on use."""
    import importlib
    import threading

    def run() -> None:
        for name in ENGINE_IMPORTS:
            try:
                importlib.import_module(name)
            except Exception as err:  # noqa: BLE001 - reported where the module is used
                logging.getLogger(__name__).info("warming %s failed: %s", name, err)

    thread = threading.Thread(target=run, name="warm-engine-imports", daemon=True)
    thread.start()
    return thread


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        kwargs = launch_kwargs()  # a bad STUDIO_AUTH / STUDIO_MAX_UPLOAD_MB stops here with one sentence
    except ConfigError as err:
        raise SystemExit(f"error: {err}") from None
    note = storage_note()
    if note:
        logging.getLogger("studio").warning(note)
    demo = build_app()
    demo.queue(default_concurrency_limit=4)
    warm_engine_imports()
    demo.launch(**kwargs)
