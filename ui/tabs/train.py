"""Train tab: model source (each model with its languages; the one covering the data's language preselected),
loss (filtered to the data format, explained in the current language) and its parameters, strategy,
hyper-parameters; time/memory estimate; equivalent CLI + config YAML (download / load); Start / Stop / Resume;
live loss and validation-metric charts, a progress bar per phase (loading, evaluating the base model k/N,
training with ETA, saving, stopping) and log tail (a ``gr.Timer`` polls ``read_events`` with an incremental
byte offset); the runs list (open a run to restore its config and charts, also after a page reload).

Text an action puts on the page follows the language switch (``ui.common.LanguageViews``, endpoint
``train_language``): the Start / Stop / Resume message (a ``Msg``), the estimate (the engine's ``Estimate``), the
runs list (``run_rows``), the live view (charts, progress, header, log), the model note and the loss / strategy
help each stay language-free in a ``gr.State`` and are drawn by one render function for the action and the switch.

Handlers are module-level functions ``on_x(ui, values) -> {component: update}``: ``ui`` is the tab's
``TrainUI`` (its components), ``values`` the ``dict[Component, Any]`` Gradio passes for a set of inputs, so no
form value is read by position. The tab itself only lays out and wires.

Engine calls: ``core.models.list_sources / DEFAULT_MODEL``; ``core.data.language.detect_language``;
``core.losses``; ``core.strategies``; ``core.training.TrainConfig / start_run / request_stop / read_events /
run_status / list_runs / active_run``; ``core.training.events.fold_events / phase_progress``;
``core.training.cli.command_line``; ``core.training.estimate.estimate``; ``core.training.owners`` (on a shared
server only the caller's runs are listed, opened, stopped and resumed) and ``advance_queue`` (a second Start
waits in the training queue; the periodic refresh starts the next run if its predecessor died).
"""

from __future__ import annotations

import functools
import inspect
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from core.run_folder import CONFIG_FILE, EV_BEST, EV_STATUS
from ui.common import fmt_num, fmt_seconds, handler, progress_html, request_owner
from ui.strings import Msg, status_word, t, table_headers, tr_engine

LOSS_SLOTS = 4
STRAT_SLOTS = 3
LOG_LINES = 40
RUN_COLUMNS = ["run", "status", "metric", "base", "best", "step"]


@dataclass
class TrainUI:
    """The Train tab's components (filled by ``build``); handlers read values and address outputs through it."""

    lang: Any = None
    data_state: Any = None
    kind: Any = None
    bundled: Any = None
    mpath: Any = None
    model_note: Any = None
    loss: Any = None
    loss_md: Any = None
    loss_slots: list = field(default_factory=list)
    strategy: Any = None
    strat_md: Any = None
    strat_slots: list = field(default_factory=list)
    run_name: Any = None
    epochs: Any = None
    batch: Any = None
    lr: Any = None
    warmup: Any = None
    max_steps: Any = None
    max_seq: Any = None
    eval_steps: Any = None
    est_md: Any = None
    cli: Any = None
    yaml_code: Any = None
    yaml_file: Any = None
    yaml_upload: Any = None
    start_msg: Any = None
    view_state: Any = None
    run_head: Any = None
    prog: Any = None
    loss_plot: Any = None
    metric_plot: Any = None
    log_box: Any = None
    run_pick: Any = None
    runs_df: Any = None
    recipe: Any = None
    # language-free results behind the text above, redrawn by the language switch (endpoint ``train_language``)
    msg_st: Any = None  # the last Start / Stop / Resume message (``Msg``)
    est_st: Any = None  # the last ``core.training.estimate.Estimate``
    runs_st: Any = None  # the runs list (``run_rows``)
    model_st: Any = None  # the model note (``Msg``; the picker's labels name each model's languages)
    loss_st: Any = None  # {"loss": name, "format": data format}: the loss help and its parameters' help
    strat_st: Any = None  # the strategy's name: its help and its parameters' help

    @property
    def form(self) -> list:
        """The inputs a config is made from (creation order, which is also their order in the HTTP API)."""
        return [self.kind, self.bundled, self.mpath, self.loss, *self.loss_slots, self.strategy, *self.strat_slots,
                self.run_name, self.epochs, self.batch, self.lr, self.warmup, self.max_steps, self.max_seq,
                self.eval_steps, self.recipe]

    @property
    def live(self) -> list:
        return [self.loss_plot, self.metric_plot, self.prog, self.run_head, self.log_box]


def bind(fn: Callable, ui: TrainUI, order: list | None = None) -> Callable:
    """``fn(ui, values)`` as a Gradio handler (errors made readable by ``ui.common.handler``). Without ``order``
    the event passes a set of components and Gradio gives one ``dict[Component, Any]``; with ``order`` (a list
    of components, for an HTTP API whose argument order must stay as published) the positional values are
    turned into that same dict, so ``fn`` still reads every value by component."""
    if order is None:
        to_dict = lambda args: args[0]  # noqa: E731
    else:
        to_dict = lambda args: dict(zip(order, args))  # noqa: E731
    # ``{}`` (nothing to change) becomes ``gr.skip()``: Gradio would read an empty dict as one output value
    if inspect.isgeneratorfunction(fn):
        def bound(*args):
            for out in fn(ui, to_dict(args)):
                yield gr.skip() if out == {} else out
    else:
        def bound(*args):
            out = fn(ui, to_dict(args))
            return gr.skip() if out == {} else out
    functools.update_wrapper(bound, fn)
    del bound.__wrapped__  # Gradio reads the wrapper's own signature
    return handler(bound)


# ------------------------------------------------------------------------------------------ form helpers

def model_choices(lang: str) -> list[tuple[str, str]]:
    """(label, name) of each model source, the label naming the languages it serves."""
    from core.models import list_sources

    return [(f"{s.name} · {t('langs_' + s.language, lang)}", s.name) for s in list_sources()]


def model_for_language(language: str | None, current: str | None) -> str | None:
    """The bundled model to preselect for data in ``language``: ``current`` when it covers the language, else
    the first available source that does (multilingual-e5-small for Chinese)."""
    from core.data.language import languages_covered
    from core.models import list_sources

    sources = list_sources()
    if not language:
        return current
    by_name = {s.name: s for s in sources}
    if current in by_name and language in languages_covered(by_name[current].language):
        return current
    fits = [s for s in sources if language in languages_covered(s.language)]
    best = next((s for s in fits if s.available), fits[0] if fits else None)
    return best.name if best else current


def data_language(data_state) -> str | None:
    """The active dataset's language: as recorded in the state, else detected from its training file."""
    from ui.state import as_state

    st = as_state(data_state)
    if st is None:
        return None
    if st.language:
        return st.language
    from core.data import load_data
    from core.data.language import detect_language, texts_of

    loaded = load_data(st.train, format=st.format, mapping=st.mapping or None)
    return detect_language(texts_of(loaded.df))


def _losses(fmt: str | None) -> list[str]:
    from core.losses import LOSSES, losses_for

    if not fmt:
        return list(LOSSES)
    try:
        return [s.name for s in losses_for(fmt)]
    except Exception:  # unknown format: offer all
        return list(LOSSES)


def _default_loss(fmt: str | None) -> str | None:
    from core.losses import DEFAULT_LOSS

    names = _losses(fmt)
    return DEFAULT_LOSS.get(fmt or "", names[0] if names else None)


def _str(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return str(v)


def slot_updates(params, values: dict | None, lang: str, n: int) -> list:
    values = values or {}
    out = []
    for i in range(n):
        if i < len(params):
            p = params[i]
            choices = list(p.choices) if p.type == "choice" else (["true", "false"] if p.type == "bool" else [])
            value = _str(values.get(p.name, p.default))
            if value is not None and choices and value not in choices:
                choices.append(value)
            out.append(gr.update(choices=choices, value=value, label=p.name, info=(p.help or {}).get(lang, ""),
                                 visible=True))
        else:
            out.append(gr.update(visible=False, value=None, choices=[]))
    return out


def slot_infos(params, lang: str, n: int) -> list:
    """The parameter boxes' help in ``lang`` (values and choices left as they are), for the language switch."""
    return [gr.update(info=(params[i].help or {}).get(lang, "")) if i < len(params) else gr.skip() for i in range(n)]


def _collect(params, values) -> dict:
    out = {}
    for p, v in zip(params, values):
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        out[p.name] = v
    return out


def loss_info(name: str | None, fmt: str | None, lang: str) -> str:
    from core.losses import get_loss

    if not name:
        return ""
    spec = get_loss(name)
    head = t("loss_for", lang, format=fmt) if fmt else ""
    return f"**{spec.name}**: {(spec.description or {}).get(lang) or (spec.description or {}).get('en', '')}\n\n{head}"


def strategy_info(name: str | None, lang: str) -> str:
    from core.strategies import get_strategy

    if not name:
        return ""
    spec = get_strategy(name)
    return f"**{spec.name}**: {(spec.description or {}).get(lang) or (spec.description or {}).get('en', '')}"


def render_models(note: Msg, lang: str) -> list:
    """The model picker's labels (each model with its languages) and the note on the preselected model."""
    return [gr.update(choices=model_choices(lang)), note.render(lang)]


def render_loss(rec: dict, lang: str) -> list:
    """The loss help (``rec``: the loss and the data format) and its parameters' help in ``lang``."""
    from core.losses import get_loss

    name = rec.get("loss")
    params = get_loss(name).params if name else ()
    return [loss_info(name, rec.get("format"), lang), *slot_infos(params, lang, LOSS_SLOTS)]


def render_strategy(name: str, lang: str) -> list:
    """The strategy help and its parameters' help in ``lang``."""
    from core.strategies import get_strategy

    params = get_strategy(name).params if name else ()
    return [strategy_info(name, lang), *slot_infos(params, lang, STRAT_SLOTS)]


def model_spec(kind: str, bundled: str | None, path: str | None) -> str:
    from core.errors import ModelSourceError

    if kind == "bundled":
        if not bundled:
            raise ModelSourceError("Choose a bundled model.")
        return bundled
    spec = (path or "").strip()
    if not spec:
        raise ModelSourceError("Type a model folder path or a Hugging Face Hub id (like BAAI/bge-small-zh-v1.5).")
    return spec


def _open(value, kind):
    """A form number, or None (left open for the recipe) when the field is empty or 0. Gradio's number box
    sends 0 for an empty field, and 0 epochs, batch size, learning rate or length means nothing else."""
    return None if value in (None, "", 0) else kind(value)


def make_config(ui: TrainUI, v: dict):
    """The form's values (by component) -> ``TrainConfig`` (validated by ``TrainConfig.from_dict``)."""
    from core.errors import DataError
    from core.losses import get_loss
    from core.strategies import get_strategy
    from core.training import TrainConfig

    data_state = v.get(ui.data_state)
    if not data_state or not data_state.get("train"):
        raise DataError(t("no_data", "en"))
    loss, strategy = v.get(ui.loss), v.get(ui.strategy) or "full"
    max_steps, max_seq, eval_steps = v.get(ui.max_steps), v.get(ui.max_seq), v.get(ui.eval_steps)
    cfg = TrainConfig()
    cfg.name = (v.get(ui.run_name) or "").strip() or "run"
    cfg.model = model_spec(v.get(ui.kind), v.get(ui.bundled), v.get(ui.mpath))
    cfg.data.train = [data_state.get("train")]
    cfg.data.validation = [data_state.get("validation")] if data_state.get("validation") else []
    cfg.data.test = [data_state.get("test")] if data_state.get("test") else []
    # the knowledge base (the Build tab's passages, else the dataset's BEIR corpus): validation searches it
    # and mined negatives come from it
    cfg.data.corpus = data_state.get("passages") or data_state.get("eval") or None
    cfg.data.format = data_state.get("format")
    cfg.data.mapping = data_state.get("mapping") or None
    cfg.loss.name = loss or None
    cfg.loss.params = _collect(get_loss(loss).params, [v.get(c) for c in ui.loss_slots]) if loss else {}
    cfg.strategy.name = strategy
    cfg.strategy.params = _collect(get_strategy(strategy).params, [v.get(c) for c in ui.strat_slots])
    cfg.recipe = v.get(ui.recipe) or "auto"
    # an empty field is left open: the recipe fills it from the data and the model (core/training/recipe.py)
    cfg.hyper.epochs = _open(v.get(ui.epochs), float)
    cfg.hyper.batch_size = _open(v.get(ui.batch), int)
    cfg.hyper.learning_rate = _open(v.get(ui.lr), float)
    warmup = v.get(ui.warmup)  # 0 is no warm-up, not an open field
    cfg.hyper.warmup_ratio = float(warmup) if warmup not in (None, "") else None
    cfg.hyper.max_steps = int(max_steps) if max_steps not in (None, "") else -1
    cfg.hyper.max_seq_length = _open(max_seq, int)
    cfg.eval.eval_steps = int(eval_steps) if eval_steps else None
    return TrainConfig.from_dict(cfg.to_dict())


def safe_file(name: str) -> str:
    from core.paths import safe_name

    return safe_name(name, default="run")


def cli_outputs(ui: TrainUI, cfg) -> dict:
    from core.training.cli import command_line

    path = Path(tempfile.mkdtemp(prefix="studio-yaml-")) / f"{safe_file(cfg.name)}.yaml"
    path.write_text(cfg.to_yaml(), encoding="utf-8")  # a config never holds secrets (TrainConfig refuses them)
    from ui.common import offer_download

    return {ui.cli: command_line(cfg), ui.yaml_code: cfg.to_yaml(), ui.yaml_file: offer_download(path, move=True)}


def form_from_config(ui: TrainUI, cfg, lang: str) -> dict:
    from core.losses import get_loss
    from core.strategies import get_strategy
    from core.training.recipe import WARMUP_RATIO

    names = [n for _, n in model_choices(lang)]
    is_bundled = cfg.model in names
    is_path = not is_bundled and (Path(cfg.model).exists() or cfg.model.startswith(("/", ".")))
    k = "bundled" if is_bundled else ("local" if is_path else "hub")
    lname = cfg.loss.name or _default_loss(cfg.data.format)
    lparams = get_loss(lname).params if lname else ()
    sparams = get_strategy(cfg.strategy.name).params
    out = {ui.kind: gr.update(value=k),
           ui.bundled: gr.update(value=cfg.model if is_bundled else None, visible=k == "bundled"),
           ui.mpath: gr.update(value="" if is_bundled else cfg.model, visible=k != "bundled"),
           ui.loss: gr.update(choices=_losses(cfg.data.format), value=lname),
           ui.strategy: gr.update(value=cfg.strategy.name),
           ui.run_name: cfg.name, ui.epochs: cfg.hyper.epochs, ui.batch: cfg.hyper.batch_size,
           ui.lr: cfg.hyper.learning_rate, ui.warmup: WARMUP_RATIO if cfg.hyper.warmup_ratio is None else cfg.hyper.warmup_ratio, ui.max_steps: cfg.hyper.max_steps,
           ui.max_seq: cfg.hyper.max_seq_length, ui.eval_steps: cfg.eval.eval_steps or 0,
           ui.recipe: getattr(cfg, "recipe", "auto") or "auto",
           ui.loss_md: loss_info(lname, cfg.data.format, lang),
           ui.loss_st: {"loss": lname, "format": cfg.data.format}, ui.strat_st: cfg.strategy.name,
           ui.strat_md: strategy_info(cfg.strategy.name, lang)}
    out.update(zip(ui.loss_slots, slot_updates(lparams, cfg.loss.params, lang, LOSS_SLOTS)))
    out.update(zip(ui.strat_slots, slot_updates(sparams, cfg.strategy.params, lang, STRAT_SLOTS)))
    return out


def data_state_from_config(cfg) -> dict:
    test = cfg.data.test[0] if cfg.data.test else None
    beir = Path(test).parent / "beir" if test else None  # the sample layout: test split + BEIR corpus beside it
    return {"train": cfg.data.train[0] if cfg.data.train else None,
            "validation": cfg.data.validation[0] if cfg.data.validation else None,
            "test": test, "eval": str(beir) if beir and (beir / "corpus.jsonl").is_file() else None,
            "format": cfg.data.format,
            "mapping": cfg.data.mapping or {}, "roles": list((cfg.data.mapping or {}).keys()), "rows": None}


# ------------------------------------------------------------------------------------------ live view

def progress_text(p: dict, lang: str) -> str:
    """The progress bar's sentence for ``core.training.events.phase_progress``'s answer."""
    kind = p["kind"]
    what = t("save_" + p["what"], lang) if p.get("what") in ("checkpoint", "best", "final") else ""
    if kind in ("evaluating_base", "evaluating", "mining"):
        return t("ph_" + kind, lang, done=p["done"], total=p["total"] or "?", step=p["step"])
    if kind in ("loading_model", "finishing", "queued"):
        return t("ph_" + kind, lang)
    if kind == "saving":
        return t("ph_saving", lang, what=what or t("save_checkpoint", lang), step=p["step"])
    if kind == "stopping":
        return t("ph_stopping_save", lang, what=what) if what else t("ph_stopping_step", lang, step=p["step"])
    eta = fmt_seconds(p.get("eta")) if kind == "training" else "-"
    return t("eta", lang, step=p["step"], total=p["total"], pct=int(round(100 * (p["fraction"] or 0))), eta=eta)


def view_outputs(ui: TrainUI, view: dict, lang: str) -> dict:
    from core.training import read_status, run_status
    from core.training.events import phase_progress

    train_df = pd.DataFrame(view["train"], columns=["step", "loss"])
    metric = view.get("metric") or "metric"
    eval_df = pd.DataFrame(view["eval"], columns=["step", metric])
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
    if st.get("warning"):
        head += f"\n\n⚠️ {tr_engine(st['warning'], lang)}"
    elif st.get("error"):
        head += f"\n\n⚠️ {tr_engine(st['error'], lang)}"
    return {ui.loss_plot: gr.update(value=train_df, y="loss"),
            ui.metric_plot: gr.update(value=eval_df, y=metric, y_title=metric),
            ui.prog: progress_html(p["fraction"], text), ui.run_head: head,
            ui.log_box: "\n".join(view["log"][-LOG_LINES:]), ui.view_state: dict(view, shown=status)}


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
    return [{"run": r.name, "status": r.status, "position": r.position, "metric": r.main_metric or "",
             "base": r.baseline, "best": r.best_metric, "step": r.step} for r in _visible_runs()]


def runs_table(rows: list[dict], lang: str) -> pd.DataFrame:
    """The runs table of ``run_rows()`` in ``lang``: headers and status words translated."""
    data = [[r["run"], t("queue_pos", lang, pos=r["position"]) if r["position"] else status_word(r["status"], lang),
             r["metric"], fmt_num(r["base"]), fmt_num(r["best"]), r["step"] if r["step"] is not None else ""]
            for r in rows]
    return pd.DataFrame(data, columns=table_headers(RUN_COLUMNS, lang))


def runs_outputs(ui: TrainUI, lang: str) -> dict:
    """The runs list read now: its record and its table in ``lang``."""
    rows = run_rows()
    return {ui.runs_st: rows, ui.runs_df: runs_table(rows, lang)}


def message_outputs(ui: TrainUI, msg: Msg, lang: str) -> dict:
    """The Start / Stop / Resume message: kept as ``msg`` for the language switch, shown in ``lang``."""
    return {ui.msg_st: msg, ui.start_msg: msg.render(lang)}


def estimate_text(est, lang: str) -> str:
    """A ``core.training.estimate.Estimate`` (time, memory, parameters, time per phase, notes) in ``lang``."""
    text = t("est_text", lang, time=fmt_seconds(est.seconds), steps=est.total_steps, mem=f"{est.peak_memory_mb:,.0f}",
             trainable=f"{est.trainable_parameters:,}", total=f"{est.parameters:,}")
    b = est.breakdown
    if b:
        text += "\n\n" + t("est_breakdown", lang, load=fmt_seconds(b.get("startup", 0) + b.get("load_model", 0)),
                           mine=fmt_seconds(b.get("mine", 0)),
                           base=fmt_seconds(b.get("evaluate_base", 0)), train=fmt_seconds(b.get("train", 0)),
                           evals=fmt_seconds(b.get("evaluate", 0)), save=fmt_seconds(b.get("save", 0)),
                           deliver=fmt_seconds(b.get("deliver", 0)))
    if est.notes:
        text += "\n\n" + "\n".join(f"- {tr_engine(n, lang)}" for n in est.notes)
    return text


def run_names() -> list[str]:
    return [r.name for r in _visible_runs()]


def _run_folder(name: str | None, action: str) -> Path:
    from core.errors import StudioError
    from core.training.owners import owned_run

    if not name:
        raise StudioError(f"Choose a run in the runs list to {action}.")
    return owned_run(name, request_owner())  # run_path (only run folders inside runs/), then the owner rule


def opened_view(run_dir: Path) -> dict:
    from core.training import read_events
    from core.training.events import empty_view, fold_events

    events, offset = read_events(run_dir, 0)
    return dict(fold_events(empty_view(str(run_dir)), events), offset=offset)


# ------------------------------------------------------------------------------------------ handlers

def on_data_change(ui: TrainUI, v: dict) -> dict:
    from core.losses import get_loss

    data_state, lang = v.get(ui.data_state), v.get(ui.lang)
    fmt = (data_state or {}).get("format")
    name = _default_loss(fmt)
    params = get_loss(name).params if name else ()
    out = {ui.loss: gr.update(choices=_losses(fmt), value=name), ui.loss_md: loss_info(name, fmt, lang),
           ui.loss_st: {"loss": name, "format": fmt}}
    out.update(zip(ui.loss_slots, slot_updates(params, None, lang, LOSS_SLOTS)))
    try:
        language = data_language(data_state)
    except Exception:  # the Data tab reports unreadable files; the model choice just stays
        language = None
    if language:
        pick = model_for_language(language, v.get(ui.bundled))
        note = Msg.of("model_for_lang", language=Msg.of("data_lang_" + language), model=pick)
        out.update({ui.bundled: gr.update(value=pick), ui.model_st: note, ui.model_note: note.render(lang)})
    return out


def on_loss(ui: TrainUI, v: dict) -> dict:
    from core.losses import get_loss

    name, lang = v.get(ui.loss), v.get(ui.lang)
    params = get_loss(name).params if name else ()
    fmt = (v.get(ui.data_state) or {}).get("format")
    out = {ui.loss_md: loss_info(name, fmt, lang), ui.loss_st: {"loss": name, "format": fmt}}
    out.update(zip(ui.loss_slots, slot_updates(params, None, lang, LOSS_SLOTS)))
    return out


def on_strategy(ui: TrainUI, v: dict) -> dict:
    from core.strategies import get_strategy

    name, lang = v.get(ui.strategy), v.get(ui.lang)
    params = get_strategy(name).params if name else ()
    out = {ui.strat_md: strategy_info(name, lang), ui.strat_st: name}
    out.update(zip(ui.strat_slots, slot_updates(params, None, lang, STRAT_SLOTS)))
    return out


def on_estimate(ui: TrainUI, v: dict):
    from core.training.estimate import estimate

    lang = v.get(ui.lang)
    cfg = make_config(ui, v)
    yield {ui.est_st: None, ui.est_md: t("estimate_out", lang) + " …"}
    est = estimate(cfg)
    yield {ui.est_st: est, ui.est_md: estimate_text(est, lang), **cli_outputs(ui, cfg)}


def on_form_change(ui: TrainUI, v: dict) -> dict:
    try:
        cfg = make_config(ui, v)
    except Exception:  # an incomplete form: the CLI and YAML stay as they were
        return {}
    return cli_outputs(ui, cfg)


def on_yaml_upload(ui: TrainUI, v: dict) -> dict:
    from core.training import TrainConfig

    f = v.get(ui.yaml_upload)
    if not f:
        return {}
    return form_from_config(ui, TrainConfig.load(f), v.get(ui.lang))


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
    return {**message_outputs(ui, _started_message(run_dir, "started"), lang),
            ui.run_pick: gr.update(choices=run_names(), value=run_dir.name), **runs_outputs(ui, lang),
            **view_outputs(ui, view, lang)}


def _started_message(run_dir: Path, key: str) -> Msg:
    """"Training started/resumed: name", or the run's place in the training queue."""
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
        (r.path for r in sorted(runs, key=lambda r: r.position or 0) if r.position), None)
    run_dir = shown or (str(mine) if mine else None)
    if not run_dir:
        raise StudioError("No training is running, so there is nothing to stop.")
    if run_status(run_dir) == "stopping":
        return message_outputs(ui, Msg.of("stop_already", name=Path(run_dir).name), lang)
    if request_stop(run_dir) == "cancelled":
        return message_outputs(ui, Msg.of("queue_cancelled", name=Path(run_dir).name), lang)
    return message_outputs(ui, Msg.of("stop_requested"), lang)


def on_resume(ui: TrainUI, v: dict) -> dict:
    from core.training import TrainConfig, start_run
    from core.training.events import empty_view

    lang = v.get(ui.lang)
    run_dir = _run_folder(v.get(ui.run_pick), "resume")
    cfg = TrainConfig.load(run_dir / CONFIG_FILE)
    start_run(cfg, run_dir=run_dir, resume=True)
    view = empty_view(str(run_dir))
    return {**message_outputs(ui, _started_message(run_dir, "resumed"), lang), **runs_outputs(ui, lang),
            **view_outputs(ui, view, lang)}


def on_open(ui: TrainUI, v: dict) -> dict:
    from core.training import TrainConfig

    lang = v.get(ui.lang)
    run_dir = _run_folder(v.get(ui.run_pick), "open")
    cfg = TrainConfig.load(run_dir / CONFIG_FILE)
    return {**view_outputs(ui, opened_view(run_dir), lang), **form_from_config(ui, cfg, lang),
            ui.data_state: data_state_from_config(cfg)}


def on_refresh(ui: TrainUI, v: dict) -> dict:
    from ui.common import request_language

    current = v.get(ui.run_pick)
    names = run_names()
    return {ui.run_pick: gr.update(choices=names, value=current if current in names else (names[0] if names else None)),
            **runs_outputs(ui, request_language())}


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


# ------------------------------------------------------------------------------------------ layout

def build(ctx) -> dict:
    L = ctx.labeler
    from core.models import DEFAULT_MODEL
    from core.strategies import STRATEGIES
    from core.training.events import empty_view
    from core.training.recipe import WARMUP_RATIO

    ui = TrainUI(lang=ctx.lang, data_state=ctx.data_state)
    with gr.Tab(t("tab_train"), id=2, elem_id="tab-train") as tab:
        ui.view_state = gr.State(empty_view())
        ui.msg_st, ui.est_st, ui.runs_st, ui.loss_st = gr.State(None), gr.State(None), gr.State(None), gr.State(None)
        ui.model_st, ui.strat_st = gr.State(Msg.en("")), gr.State("full")
        L.add(tab, label="tab_train")
        with gr.Row():
            with gr.Column(scale=5):
                with gr.Row():
                    ui.kind = L.add(gr.Radio([(t("ms_bundled"), "bundled"), (t("ms_local"), "local"), (t("ms_hub"), "hub")],
                                             value="bundled", label=t("model_source"), elem_id="model-kind"),
                                    label="model_source", choices=[("ms_bundled", "bundled"), ("ms_local", "local"), ("ms_hub", "hub")])
                    ui.bundled = L.add(gr.Dropdown(model_choices("en"), value=DEFAULT_MODEL, label=t("bundled_model"),
                                                   elem_id="model-bundled"), label="bundled_model")
                    ui.mpath = L.add(gr.Textbox(label=t("model_path"), visible=False, elem_id="model-path"), label="model_path")
                ui.model_note = gr.Markdown("", elem_id="model-note")
                from ui.tabs.select import build_select  # "Compare base models on my data" section

                build_select(ctx, ui)
                ui.loss = L.add(gr.Dropdown(_losses(None), value=None, label=t("loss"), elem_id="loss"), label="loss")
                ui.loss_md = gr.Markdown("", elem_id="loss-info")
                with gr.Row():
                    ui.loss_slots = [gr.Dropdown([], value=None, allow_custom_value=True, visible=False, label=f"p{i}",
                                                 min_width=140) for i in range(LOSS_SLOTS)]
                ui.strategy = L.add(gr.Dropdown(list(STRATEGIES), value="full", label=t("strategy"), elem_id="strategy"),
                                    label="strategy")
                ui.strat_md = gr.Markdown(strategy_info("full", "en"))
                with gr.Row():
                    ui.strat_slots = [gr.Dropdown([], value=None, allow_custom_value=True, visible=False, label=f"s{i}",
                                                  min_width=140) for i in range(STRAT_SLOTS)]
                with gr.Accordion(t("advanced"), open=True) as acc:
                    L.add(acc, label="advanced")
                    with gr.Row():
                        ui.run_name = L.add(gr.Textbox("pig-run", label=t("run_name"), elem_id="run-name"), label="run_name")
                        ui.epochs = L.add(gr.Number(None, label=t("epochs"), elem_id="epochs",
                                                    info=t("cfg:hyper.epochs")), label="epochs", info="cfg:hyper.epochs")
                        ui.batch = L.add(gr.Number(None, label=t("batch_size"), precision=0, elem_id="batch",
                                                   info=t("cfg:hyper.batch_size")), label="batch_size",
                                         info="cfg:hyper.batch_size")
                        ui.lr = L.add(gr.Number(None, label=t("learning_rate"), elem_id="lr",
                                                info=t("cfg:hyper.learning_rate")),
                                      label="learning_rate", info="cfg:hyper.learning_rate")
                    with gr.Row():
                        ui.warmup = L.add(gr.Number(WARMUP_RATIO, label=t("warmup"), minimum=0, maximum=0.99,
                                                    info=t("cfg:hyper.warmup_ratio")), label="warmup",
                                          info="cfg:hyper.warmup_ratio")
                        ui.max_steps = L.add(gr.Number(-1, label=t("max_steps"), precision=0, elem_id="max-steps",
                                                       info=t("cfg:hyper.max_steps")), label="max_steps",
                                             info="cfg:hyper.max_steps")
                        ui.max_seq = L.add(gr.Number(None, label=t("max_seq_length"), precision=0,
                                                     info=t("cfg:hyper.max_seq_length")), label="max_seq_length",
                                           info="cfg:hyper.max_seq_length")
                        ui.eval_steps = L.add(gr.Number(0, label=t("eval_steps"), precision=0, minimum=0,
                                                        elem_id="eval-steps", info=t("cfg:eval.eval_steps")),
                                              label="eval_steps", info="cfg:eval.eval_steps")
                    ui.recipe = L.add(gr.Radio([(t("recipe_auto"), "auto"), (t("recipe_plain"), "plain")], value="auto",
                                               label=t("recipe"), info=t("recipe_info"), elem_id="recipe"),
                                      label="recipe", info="recipe_info",
                                      choices=[("recipe_auto", "auto"), ("recipe_plain", "plain")])
                est_btn = L.add(gr.Button(t("estimate"), elem_id="estimate"), value="estimate")
                ui.est_md = gr.Markdown("", elem_id="estimate-out")
                with gr.Accordion(t("cli"), open=False) as acc2:
                    L.add(acc2, label="cli")
                    ui.cli = gr.Code("", language="shell", label="CLI", elem_id="cli", interactive=False)
                    ui.yaml_code = L.add(gr.Code("", language="yaml", label=t("yaml"), elem_id="yaml", interactive=False), label="yaml")
                    with gr.Row():
                        ui.yaml_file = L.add(gr.File(label=t("download_yaml"), interactive=False), label="download_yaml")
                        ui.yaml_upload = L.add(gr.File(label=t("load_yaml"), file_types=[".yaml", ".yml"], elem_id="yaml-upload"),
                                               label="load_yaml")
                with gr.Row():
                    start = L.add(gr.Button(t("start"), variant="primary", elem_id="start"), value="start")
                    stop = L.add(gr.Button(t("stop"), variant="stop", elem_id="stop"), value="stop")
                    resume = L.add(gr.Button(t("resume"), elem_id="resume"), value="resume")
                ui.start_msg = gr.Markdown("", elem_id="start-msg")
            with gr.Column(scale=6):
                ui.run_head = gr.Markdown(t("no_run"), elem_id="run-head")
                ui.prog = gr.HTML(progress_html(0, ""), elem_id="train-progress")
                with gr.Row():
                    ui.loss_plot = L.add(gr.LinePlot(pd.DataFrame({"step": [], "loss": []}), x="step", y="loss",
                                                     label=t("chart_loss"), height=260, elem_id="loss-plot"), label="chart_loss")
                    ui.metric_plot = L.add(gr.LinePlot(pd.DataFrame({"step": [], "metric": []}), x="step", y="metric",
                                                       label=t("chart_metric"), height=260, elem_id="metric-plot"), label="chart_metric")
                ui.log_box = L.add(gr.Textbox("", label=t("log_tail"), lines=8, max_lines=12, autoscroll=True,
                                              interactive=False, elem_id="log-tail"), label="log_tail")
                with gr.Row():
                    ui.run_pick = L.add(gr.Dropdown([], value=None, label=t("runs"), allow_custom_value=True, elem_id="run-pick", scale=3), label="runs")
                    open_btn = L.add(gr.Button(t("open_run"), scale=1, elem_id="open-run"), value="open_run")
                    refresh = L.add(gr.Button(t("refresh"), scale=1), value="refresh")
                ui.runs_df = gr.Dataframe(pd.DataFrame(columns=RUN_COLUMNS), interactive=False, elem_id="runs-table")
        timer = gr.Timer(1.0)

    form, live = ui.form, ui.live
    open_outs = [ui.view_state, *live, *form, ui.loss_md, ui.strat_md, ctx.data_state, ui.loss_st, ui.strat_st]

    # the language switch redraws what the actions put on the page, from the states (endpoint train_language)
    views = ctx.views
    views.add("train", ui.model_st, [ui.bundled, ui.model_note], render_models)
    views.add("train", ui.loss_st, [ui.loss_md, *ui.loss_slots], render_loss)
    views.add("train", ui.strat_st, [ui.strat_md, *ui.strat_slots], render_strategy)
    views.add_text("train", ui.msg_st, ui.start_msg)
    views.add("train", ui.est_st, [ui.est_md], lambda est, lang: [estimate_text(est, lang)])
    views.add("train", ui.runs_st, [ui.runs_df], lambda rows, lang: [runs_table(rows, lang)])
    views.add("train", ui.view_state, live, functools.partial(render_live, ui))

    ui.kind.change(lambda k: (gr.update(visible=k == "bundled"), gr.update(visible=k != "bundled")), ui.kind,
                   [ui.bundled, ui.mpath], api_name=False)
    ctx.data_state.change(bind(on_data_change, ui), {ctx.data_state, ctx.lang, ui.bundled},
                          [ui.loss, ui.loss_md, *ui.loss_slots, ui.bundled, ui.model_note, ui.loss_st, ui.model_st],
                          api_name=False)
    ui.loss.input(bind(on_loss, ui), {ui.loss, ctx.data_state, ctx.lang}, [ui.loss_md, *ui.loss_slots, ui.loss_st],
                  api_name=False)
    ui.strategy.input(bind(on_strategy, ui), {ui.strategy, ctx.lang}, [ui.strat_md, *ui.strat_slots, ui.strat_st],
                      api_name=False)
    est_btn.click(bind(on_estimate, ui), {ctx.lang, ctx.data_state, *form},
                  [ui.est_md, ui.cli, ui.yaml_code, ui.yaml_file, ui.est_st], api_name="train_estimate")
    for comp in (ui.loss, ui.strategy, ui.run_name, ui.epochs, ui.batch, ui.lr, ui.max_steps, ui.bundled, ui.mpath):
        comp.change(bind(on_form_change, ui), {ctx.data_state, *form}, [ui.cli, ui.yaml_code, ui.yaml_file], api_name=False)
    ui.yaml_upload.upload(bind(on_yaml_upload, ui), {ui.yaml_upload, ctx.lang},
                          [*form, ui.loss_md, ui.strat_md, ctx.data_state, ui.loss_st, ui.strat_st], api_name=False)

    start.click(bind(on_start, ui), {ctx.lang, ctx.data_state, *form},
                [ui.view_state, ui.start_msg, ui.run_pick, ui.runs_df, *live, ui.msg_st, ui.runs_st],
                api_name="train_start")
    stop.click(bind(on_stop, ui), {ui.view_state, ctx.lang}, [ui.start_msg, ui.msg_st], api_name="train_stop")
    resume.click(bind(on_resume, ui, [ui.run_pick, ctx.lang]), [ui.run_pick, ctx.lang],
                 [ui.view_state, ui.start_msg, ui.runs_df, *live, ui.msg_st, ui.runs_st], api_name="train_resume")
    open_btn.click(bind(on_open, ui, [ui.run_pick, ctx.lang]), [ui.run_pick, ctx.lang], open_outs, api_name="train_open")
    refresh.click(bind(on_refresh, ui), {ui.run_pick}, [ui.run_pick, ui.runs_df, ui.runs_st], api_name="train_runs")
    timer.tick(bind(on_tick, ui), {ui.view_state, ctx.lang}, [ui.view_state, *live, ui.runs_df, ui.runs_st],
               api_name=False, show_progress="hidden", queue=False)

    def on_load(lang):
        return on_page_load(ui, {ui.lang: lang})

    ctx.on_load.append((on_load, [ctx.lang], [ui.run_pick, ui.runs_df, ui.runs_st, *open_outs]))
    return {"tab": tab, "run_pick": ui.run_pick, "view": ui.view_state}
