"""The Train tab's runs: Start / Stop / Resume / Open, the runs list, and the live view of one run.

Handlers (``on_x(ui, values) -> {component: update}``, wired by ``ui.tabs.train.build``): Start (the form's
config, ``ui.tabs.train_form.make_config``; a second Start waits in the training queue), Stop, Resume, Open (a
run's config back into the form, its charts redrawn, also after a page reload), the runs list's refresh and the
``gr.Timer`` tick that folds new events into the live view (charts, a progress bar per phase, header, log tail)
from an incremental byte offset. The Start / Stop / Resume message (a ``Msg``), the runs list (``run_rows``) and
the live view stay language-free in ``gr.State`` and are drawn by ``runs_table`` / ``render_live`` for the action
and for the language switch.

Engine calls: ``core.training.start_run / request_stop / read_events / read_status / run_status /
queue_position / advance_queue / TrainConfig.load``; ``core.training.events.empty_view / fold_events /
phase_progress``; ``core.training.owners.visible_runs / may_access / owned_run`` (on a shared server only the
caller's runs are listed, opened, stopped and resumed); ``core.models.check_model_folder``.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr
import pandas as pd

from core.run_folder import CONFIG_FILE, EV_BEST, EV_STATUS
from ui.common import fmt_num, fmt_seconds, progress_html, request_owner
from ui.strings import Msg, chart_words, status_word, t, table_headers, tr_engine, tr_list, tr_sources, verdict_word
from ui.tabs.train_form import data_state_from_config, form_from_config, make_config

if TYPE_CHECKING:
    from ui.tabs.train import TrainUI

LOG_LINES = 40  # log lines shown under the charts
RUN_COLUMNS = ["run", "status", "metric", "base", "best", "delivered", "vs base (95% CI)", "step"]
_CHARTS: Path | None = None  # drawn validation curves (``_charts_dir``)


def progress_text(p: dict, lang: str) -> str:
    """The progress bar's sentence for ``core.training.events.phase_progress``'s answer."""
    kind = p["kind"]
    what = t("save_" + p["what"], lang) if p.get("what") in ("checkpoint", "best", "final") else ""
    if kind in ("evaluating_base", "evaluating", "mining"):
        return t("ph_" + kind, lang, done=p["done"], total=p["total"] or "?", step=p["step"])
    if kind in ("loading_model", "finishing", "queued"):
        return t("ph_" + kind, lang)
    if kind == "delivering":
        return t("ph_delivering", lang, what=tr_engine(p.get("what") or "", lang))
    if kind == "saving":
        return t("ph_saving", lang, what=what or t("save_checkpoint", lang), step=p["step"])
    if kind == "stopping":
        return t("ph_stopping_save", lang, what=what) if what else t("ph_stopping_step", lang, step=p["step"])
    eta = fmt_seconds(p.get("eta")) if kind == "training" else "-"
    return t("eta", lang, step=p["step"], total=p["total"], pct=int(round(100 * (p["fraction"] or 0))), eta=eta)


# Runs delivered before the sentence changed wrote "Delivered best: the highest ...", which the header ("Delivered:
# ...") showed with the word twice; such a sentence is shown as today's ("best has the highest ...").
_OLD_DELIVERED = re.compile(r"\ADelivered (\S+): the highest validation ")


def delivery_sentence(sentence: str) -> str:
    """The delivery's sentence (``core.training.delivery.choose``) as the run header shows it after "Delivered:"."""
    return _OLD_DELIVERED.sub(r"\1 has the highest validation ", sentence, count=1)


def axis_titles(lang: str) -> dict:
    """The loss chart's axis titles in ``lang``: the step axis and the loss axis (the metric chart is a picture
    drawn in ``lang``, ``metric_chart``)."""
    step, loss = table_headers(["step", "loss"], lang)
    return {"step": step, "loss": loss}


def view_outputs(ui: TrainUI, view: dict, lang: str) -> dict:
    from core.training import read_status, run_status
    from core.training.events import phase_progress

    # numeric columns even with no point yet: an empty (object) column would make the chart's step axis discrete
    train_df = pd.DataFrame(view["train"], columns=["step", "loss"]).astype({"step": "int64", "loss": "float64"})
    metric = view.get("metric") or "metric"
    run_dir = view.get("run_dir")
    st = read_status(run_dir) if run_dir else {}
    status = run_status(run_dir, st) if run_dir else (view.get("status") or "")
    p = phase_progress(view, status)
    text = progress_text(p, lang) if run_dir else ""
    name = Path(run_dir).name if run_dir else ""
    shown = status_word(status, lang)
    if status == "queued" and st.get("waiting"):
        from core.training import queue_position

        pos = queue_position(run_dir)
        shown = t("queue_pos", lang, pos=pos) if pos else shown
    head = f"**{name}** · {shown}" if name else t("no_run", lang)
    if status == "stopping":
        head += f" ({text})"
    if st.get("baseline") is not None:
        head += t("head_base", lang, metric=st.get("main_metric"), base=fmt_num(st.get("baseline")))
        if st.get("best_metric") is not None:
            head += t("head_best", lang, best=fmt_num(st.get("best_metric")))
    if st.get("delivery"):  # the run's delivered model and why (core.training.delivery), one sentence
        head += "\n\n" + t("head_delivered", lang, sentence=tr_engine(delivery_sentence(st["delivery"]), lang),
                             change=tr_list(st.get("delivery_change") or "", lang))
    if st.get("warning"):
        head += f"\n\n⚠️ {tr_engine(st['warning'], lang)}"
    elif st.get("error"):
        head += f"\n\n⚠️ {tr_engine(st['error'], lang)}"
    head += validation_line(st.get("validation"), lang) + recipe_block(view.get("recipe") or [], lang)
    titles = axis_titles(lang)
    return {
        ui.loss_plot: gr.update(value=train_df, y="loss", x_title=titles["step"], y_title=titles["loss"]),
        ui.metric_plot: metric_chart(view, metric, lang),
        ui.prog: progress_html(p["fraction"], text),
        ui.run_head: head,
        ui.log_box: "\n".join(tr_engine(line, lang) for line in view["log"][-LOG_LINES:]),
        ui.view_state: dict(view, shown=status),
    }


def metric_chart(view: dict, metric: str, lang: str) -> str | None:
    """The metric chart of ``view`` in ``lang`` as a PNG path (``core.evaluation.plots.curve_chart``: the metric at
    each evaluation, the base model's level, each evaluation's 95% interval from its paired gain over the base);
    None before the first evaluation. One file per drawn content, so the live tick redraws only when an evaluation
    or the language changed."""
    points = [(int(step), float(value)) for step, value in view["eval"]]
    if not points:
        return None
    from core.evaluation.plots import curve_chart

    band = [(int(step), float(low), float(high)) for step, low, high in view.get("band") or []]
    n = view.get("band_n")
    key = json.dumps([points, band, metric, lang, n])
    path = _charts_dir() / f"curve-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}.png"
    if not path.is_file():  # the title is drawn in the picture: Gradio's label badge would cover its top
        curve_chart(points, band, metric, path, n_queries=n, words=chart_words(lang), title=t("chart_metric", lang))
    return str(path)


def _charts_dir() -> Path:
    """This process's folder of drawn validation curves (made once, under the system's temporary folder)."""
    global _CHARTS
    if _CHARTS is None or not _CHARTS.is_dir():
        _CHARTS = Path(tempfile.mkdtemp(prefix="studio-curves-"))
    return _CHARTS


def recipe_block(recipe: list, lang: str) -> str:
    """The recipe's choices of the run (``view["recipe"]``: [key, logged line] pairs, one per setting) as a folded
    list under the run header, each line in ``lang``; "" without any. The run's log keeps only its last lines,
    which on a finished run no longer reach back to the recipe."""
    if not recipe:
        return ""
    items = "\n".join(f"- {tr_engine(line, lang)}" for _, line in recipe)
    return f"\n\n<details><summary>{t('head_recipe', lang, n=len(recipe))}</summary>\n\n{items}\n\n</details>"


def validation_line(on: dict | None, lang: str) -> str:
    """What the run's validation metric was measured on (``status.json`` ``validation``: the retrieval evaluator's
    queries, passages, their sources and the length each text is read up to), as a paragraph of the run header;
    "" for a run that has none (not retrieval, or written before runs recorded it)."""
    if isinstance(on, dict) and (on.get("n_pairs") or on.get("n_triplets")):  # sentence pairs, labelled rows
        key = "head_validation_pairs" if on.get("n_pairs") else "head_validation_triplets"
        return "\n\n" + t(key, lang, n=f"{on.get('n_pairs') or on.get('n_triplets'):,}")
    if not isinstance(on, dict) or not on.get("n_queries"):
        return ""
    words = dict(n_queries=f"{on['n_queries']:,}", n_passages=f"{on.get('n_passages') or 0:,}",
                 corpus=tr_sources(str(on.get("corpus") or ""), lang))
    if on.get("max_seq_length"):
        return "\n\n" + t("head_validation", lang, length=on["max_seq_length"], **words)
    return "\n\n" + t("head_validation_any_length", lang, **words)


def render_live(ui: TrainUI, view: dict, lang: str) -> list:
    """``ui.live`` (charts, progress, header, log) for ``view`` in ``lang``: the language switch's redraw."""
    out = view_outputs(ui, view, lang)
    return [out[c] for c in ui.live]


def _visible_runs() -> list:
    """The runs the caller may see (all on a workstation; their own on a shared server)."""
    from core.training.owners import visible_runs

    return visible_runs(request_owner())


def run_rows() -> list[dict]:
    """The caller's runs as language-free records (what the runs table shows)."""
    return [
        {
            "run": r.name,
            "status": r.status,
            "position": r.position,
            "metric": r.main_metric or "",
            "base": r.baseline,
            "best": r.best_metric,
            "delivered": r.delivered,
            "delivered_metric": r.delivered_metric,
            "gain": r.delivered_gain,
            "step": r.step,
        }
        for r in _visible_runs()
    ]


def gain_cell(gain: dict | None, lang: str) -> str:
    """A paired gain over the base (``core.evaluation.stats.brief``) as one cell: "+0.0856 [+0.0485, +0.1240]
    better", the verdict in ``lang``; "" when there is none or it is not numbers."""
    from core.evaluation.stats import brief_text

    numbers = brief_text(gain)
    if not numbers:
        return ""
    return f"{numbers} {verdict_word(gain.get('verdict'), lang)}".rstrip()


def delivered_cell(name: str | None, metric, lang: str) -> str:
    """The delivered model and its validation score as one cell ("blend-0.5 0.6134"); "" before delivery."""
    if not isinstance(name, str) or not name:
        return ""
    shown = t("delivered_base", lang) if name == "base" else name
    return f"{shown} {fmt_num(metric)}" if isinstance(metric, (int, float)) and not isinstance(metric, bool) else shown


def runs_table(rows: list[dict], lang: str) -> pd.DataFrame:
    """The runs table of ``run_rows()`` in ``lang``: headers and status words translated."""
    data = [
        [
            r["run"],
            t("queue_pos", lang, pos=r["position"]) if r["position"] else status_word(r["status"], lang),
            r["metric"],
            fmt_num(r["base"]),
            fmt_num(r["best"]),
            delivered_cell(r.get("delivered"), r.get("delivered_metric"), lang),
            gain_cell(r.get("gain"), lang),
            r["step"] if r["step"] is not None else "",
        ]
        for r in rows
    ]
    return pd.DataFrame(data, columns=table_headers(RUN_COLUMNS, lang))


def runs_outputs(ui: TrainUI, lang: str) -> dict:
    """The runs list read now: its record and its table in ``lang``."""
    rows = run_rows()
    return {ui.runs_st: rows, ui.runs_df: runs_table(rows, lang)}


def message_outputs(ui: TrainUI, msg: Msg, lang: str) -> dict:
    """The Start / Stop / Resume message: kept as ``msg`` for the language switch, shown in ``lang``."""
    return {ui.msg_st: msg, ui.start_msg: msg.render(lang)}


def run_names() -> list[str]:
    return [r.name for r in _visible_runs()]


def _run_folder(name: str | None, action: str) -> Path:
    """The caller's run ``name`` (``core.training.owners.owned_run``: ``run_path``, then the owner rule)."""
    from core.errors import StudioError
    from core.training.owners import owned_run

    if not name:
        raise StudioError(f"Choose a run in the runs list to {action}.")
    return owned_run(name, request_owner())


def run_picked(action: str) -> Callable[[str | None], None]:
    """The check a run button (Open, Resume) runs first (``ui.common.check_first``): the picked run's one-sentence
    error (none picked, not there, not the caller's) before the button's own event, which fills the whole form."""
    def check(name: str | None) -> None:
        _run_folder(name, action)
    return check


def opened_view(run_dir: Path) -> dict:
    from core.training import read_events
    from core.training.events import empty_view, fold_events

    events, offset = read_events(run_dir, 0)
    return dict(fold_events(empty_view(str(run_dir)), events), offset=offset)


# ------------------------------------------------------------------------------------------ handlers


def on_start(ui: TrainUI, v: dict) -> dict:
    from core.training import start_run
    from core.training.events import empty_view

    lang = v.get(ui.lang)
    cfg = make_config(ui, v)
    if v.get(ui.kind) == "local":
        from core.models import check_model_folder

        check_model_folder(cfg.model)  # a clear message now rather than a failed run later
    run_dir = start_run(cfg, owner=request_owner())  # queued when another training runs
    view = empty_view(str(run_dir))
    return {
        **message_outputs(ui, _started_message(run_dir, "started"), lang),
        ui.run_pick: gr.update(choices=run_names(), value=run_dir.name),
        **runs_outputs(ui, lang),
        **view_outputs(ui, view, lang),
    }


def _started_message(run_dir: Path, key: str) -> Msg:
    """ "Training started/resumed: name", or the run's place in the training queue."""
    from core.training import queue_position

    pos = queue_position(run_dir)
    return Msg.of("queued_msg", name=run_dir.name, pos=pos) if pos else Msg.of(key, name=run_dir.name)


def on_stop(ui: TrainUI, v: dict) -> dict:
    """Stop the run shown (when it is queued or running), else the caller's running run, else the caller's
    first run waiting in the queue (which then leaves the queue)."""
    from core.errors import StudioError
    from core.training import request_stop, run_status
    from core.training.owners import may_access

    lang = v.get(ui.lang)
    view = v.get(ui.view_state) or {}
    owner = request_owner()
    shown = view.get("run_dir")
    if shown and not (may_access(shown, owner) and run_status(shown) in ("queued", "running")):
        shown = None
    runs = _visible_runs()
    mine = next((r.path for r in runs if r.alive), None) or next(
        (r.path for r in sorted(runs, key=lambda r: r.position or 0) if r.position), None
    )
    run_dir = shown or (str(mine) if mine else None)
    if not run_dir:
        raise StudioError("No training is running, so there is nothing to stop.")
    if run_status(run_dir) == "stopping":
        return message_outputs(ui, Msg.of("stop_already", name=Path(run_dir).name), lang)
    done = request_stop(run_dir)
    if done == "cancelled":
        return message_outputs(ui, Msg.of("queue_cancelled", name=Path(run_dir).name), lang)
    if done == "not_running":  # it ended a moment ago
        raise StudioError("No training is running, so there is nothing to stop.")
    return message_outputs(ui, Msg.of("stop_requested"), lang)


def on_resume(ui: TrainUI, v: dict) -> dict:
    from core.training import TrainConfig, start_run
    from core.training.events import empty_view

    lang = v.get(ui.lang)
    run_dir = _run_folder(v.get(ui.run_pick), "resume")
    cfg = TrainConfig.load(run_dir / CONFIG_FILE)
    start_run(cfg, run_dir=run_dir, resume=True)
    view = empty_view(str(run_dir))
    return {
        **message_outputs(ui, _started_message(run_dir, "resumed"), lang),
        **runs_outputs(ui, lang),
        **view_outputs(ui, view, lang),
    }


def on_open(ui: TrainUI, v: dict) -> dict:
    from core.training import TrainConfig

    lang = v.get(ui.lang)
    run_dir = _run_folder(v.get(ui.run_pick), "open")
    cfg = TrainConfig.load(run_dir / CONFIG_FILE)
    view = opened_view(run_dir)
    note = Msg.of("model_of_run", run=cfg.name, model=cfg.model)  # not the data's preselection: the run's own model
    return {
        **view_outputs(ui, view, lang),
        **form_from_config(ui, cfg, lang),
        ui.data_state: data_state_from_config(cfg, view.get("data_format")),
        ui.model_st: note,
        ui.model_note: note.render(lang),
    }


def on_refresh(ui: TrainUI, v: dict) -> dict:
    from ui.common import request_language

    current = v.get(ui.run_pick)
    names = run_names()
    return {
        ui.run_pick: gr.update(choices=names, value=current if current in names else (names[0] if names else None)),
        **runs_outputs(ui, request_language()),
    }


def on_tick(ui: TrainUI, v: dict) -> dict:
    """New events folded in; the display also refreshes when the run's displayed status changes without an
    event (its process ended after it wrote its last line)."""
    from core.training import read_events, run_status
    from core.training.events import fold_events

    _advance_queue()
    view = v.get(ui.view_state)
    if not view or not view.get("run_dir"):
        return {}
    events, offset = read_events(view["run_dir"], view.get("offset", 0))
    status = run_status(view["run_dir"])
    if not events and view.get("shown") == status:
        return {}
    view = dict(fold_events(view, events), offset=offset)
    out = view_outputs(ui, view, v.get(ui.lang))
    if status != view.get("shown") or any(e.get("type") in (EV_STATUS, EV_BEST) for e in events):
        out.update(runs_outputs(ui, v.get(ui.lang)))
    return out


_ADVANCED = [0.0]  # monotonic time of this process's last advance_queue call
ADVANCE_EVERY = 3.0  # seconds between two advance_queue calls from the periodic refresh


def _advance_queue() -> None:
    """Start the next queued run if the running one ended without doing it (killed): at most every few seconds,
    whichever session's timer ticks; a failure here never breaks the page's refresh."""
    import time

    from core.training import advance_queue

    now = time.monotonic()
    if now - _ADVANCED[0] < ADVANCE_EVERY:
        return
    _ADVANCED[0] = now
    try:
        advance_queue()
    except Exception as err:  # noqa: BLE001
        import logging

        logging.getLogger("studio.ui").warning("advancing the training queue failed: %s", err)


def on_page_load(ui: TrainUI, v: dict) -> dict:
    """After a (re)load: list the caller's runs and re-open their training in progress (or their latest run)."""
    lang = v.get(ui.lang)
    runs = _visible_runs()
    names = [r.name for r in runs]
    busy = next((r.path for r in runs if r.alive), None)
    pick = busy.name if busy else (names[0] if names else None)
    out = {ui.run_pick: gr.update(choices=names, value=pick), **runs_outputs(ui, lang)}
    if not pick:
        return out
    try:
        restored = on_open(ui, {ui.run_pick: pick, ui.lang: lang})
    except Exception:
        return out
    if not busy:  # keep the form and the data picked in the Data tab unless a training is in progress
        restored = {c: u for c, u in restored.items() if c in ui.live or c is ui.view_state}
    return {**out, **restored}
