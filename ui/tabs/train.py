"""Train tab: layout and wiring. Model source (each model with its languages; the one covering the data's
language preselected), loss (filtered to the data format, explained in the current language) and its parameters,
strategy, hyper-parameters; time/memory estimate; equivalent CLI + config YAML (download / load); Start / Stop /
Resume; live loss and validation-metric charts, a progress bar per phase and log tail (a ``gr.Timer`` polls the
run's events); the runs list (open a run to restore its config and charts, also after a page reload).

``TrainUI`` holds the tab's components; ``build`` lays them out and wires each event to a module-level handler
``on_x(ui, values) -> {component: update}`` (``bind``), where ``values`` is the ``dict[Component, Any]`` Gradio
passes for a set of inputs, so no form value is read by position. The handlers live beside this module:

- ``ui.tabs.train_form``: the form (dataset change, loss / strategy help, Estimate, CLI + YAML, YAML upload);
- ``ui.tabs.train_runs``: the runs (Start / Stop / Resume / Open, runs list, the timer's live view).

Text an action puts on the page follows the language switch (``ui.common.LanguageViews``, endpoint
``train_language``): the Start / Stop / Resume message, the estimate, the runs list, the live view, the model note
and the loss / strategy help each stay language-free in a ``gr.State`` and are drawn by one render function of
those modules, for the action and for the switch. Engine calls made here: ``core.models.DEFAULT_MODEL``,
``core.strategies.STRATEGIES``, ``core.training.events.empty_view``, ``core.training.recipe.WARMUP_RATIO`` (form
defaults); the handlers' engine calls are listed in their modules.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gradio as gr
import pandas as pd

from ui.common import check_first, handler, progress_html
from ui.strings import Msg, t
from ui.tabs import train_form as F
from ui.tabs import train_runs as R


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


def build(ctx) -> dict:
    L = ctx.labeler
    from core.models import DEFAULT_MODEL
    from core.strategies import STRATEGIES
    from core.training.events import empty_view
    from core.training.recipe import WARMUP_RATIO

    ui = TrainUI(lang=ctx.lang, data_state=ctx.data_state)
    bounds = F.NUMBER_BOUNDS  # the config's ranges: a value outside is refused naming the box (ui.inputs)
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
                    ui.bundled = L.add(gr.Dropdown(F.model_choices("en"), value=DEFAULT_MODEL, label=t("bundled_model"),
                                                   elem_id="model-bundled"), label="bundled_model")
                    ui.mpath = L.add(gr.Textbox(label=t("model_path"), visible=False, elem_id="model-path"), label="model_path")
                ui.model_note = gr.Markdown("", elem_id="model-note")
                from ui.tabs.select import build_select  # "Compare base models on my data" section

                build_select(ctx, ui)
                ui.loss = L.add(gr.Dropdown(F.loss_choices(None), value=None, label=t("loss"), elem_id="loss"), label="loss")
                ui.loss_md = gr.Markdown("", elem_id="loss-info")
                with gr.Row():
                    ui.loss_slots = [gr.Dropdown([], value=None, allow_custom_value=True, visible=False, label=f"p{i}",
                                                 min_width=140) for i in range(F.LOSS_SLOTS)]
                ui.strategy = L.add(gr.Dropdown(list(STRATEGIES), value="full", label=t("strategy"), elem_id="strategy"),
                                    label="strategy")
                ui.strat_md = gr.Markdown(F.strategy_info("full", "en"))
                with gr.Row():
                    ui.strat_slots = [gr.Dropdown([], value=None, allow_custom_value=True, visible=False, label=f"s{i}",
                                                  min_width=140) for i in range(F.STRAT_SLOTS)]
                with gr.Accordion(t("advanced"), open=True) as acc:
                    L.add(acc, label="advanced")
                    with gr.Row():
                        ui.run_name = L.add(gr.Textbox("pig-run", label=t("run_name"), elem_id="run-name"), label="run_name")
                        ui.epochs = L.add(gr.Number(None, label=t("epochs"), elem_id="epochs",
                                                    info=t("cfg:hyper.epochs"), **bounds["hyper.epochs"]),
                                          label="epochs", info="cfg:hyper.epochs")
                        ui.batch = L.add(gr.Number(None, label=t("batch_size"), precision=0, elem_id="batch",
                                                   info=t("cfg:hyper.batch_size"), **bounds["hyper.batch_size"]),
                                         label="batch_size", info="cfg:hyper.batch_size")
                        ui.lr = L.add(gr.Number(None, label=t("learning_rate"), elem_id="lr",
                                                info=t("cfg:hyper.learning_rate"), **bounds["hyper.learning_rate"]),
                                      label="learning_rate", info="cfg:hyper.learning_rate")
                    with gr.Row():
                        ui.warmup = L.add(gr.Number(WARMUP_RATIO, label=t("warmup"), **bounds["hyper.warmup_ratio"],
                                                    info=t("cfg:hyper.warmup_ratio")), label="warmup",
                                          info="cfg:hyper.warmup_ratio")
                        ui.max_steps = L.add(gr.Number(-1, label=t("max_steps"), precision=0, elem_id="max-steps",
                                                       info=t("cfg:hyper.max_steps"), **bounds["hyper.max_steps"]),
                                             label="max_steps", info="cfg:hyper.max_steps")
                        ui.max_seq = L.add(gr.Number(None, label=t("max_seq_length"), precision=0,
                                                     info=t("cfg:hyper.max_seq_length"), **bounds["hyper.max_seq_length"]),
                                           label="max_seq_length", info="cfg:hyper.max_seq_length")
                        ui.eval_steps = L.add(gr.Number(0, label=t("eval_steps"), precision=0, **bounds["eval.eval_steps"],
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
                ui.loss_plot = L.add(gr.LinePlot(pd.DataFrame({"step": [], "loss": []}, dtype="float64"), x="step", y="loss",
                                                 label=t("chart_loss"), height=220, elem_id="loss-plot"), label="chart_loss")
                # a picture, not a LinePlot: its shaded 95% band, and the LinePlot drew each update's axes and
                # colours from the update before it. Full width under the loss, so its legend stays readable; its
                # title is drawn in the picture (the label badge covered the top of the plot)
                ui.metric_plot = L.add(gr.Image(None, type="filepath", interactive=False, label=t("chart_metric"),
                                                show_label=False, elem_id="metric-plot"), label="chart_metric")
                ui.log_box = L.add(gr.Textbox("", label=t("log_tail"), lines=8, max_lines=12, autoscroll=True,
                                              interactive=False, elem_id="log-tail"), label="log_tail")
                with gr.Row():
                    ui.run_pick = L.add(gr.Dropdown([], value=None, label=t("runs"), allow_custom_value=True, elem_id="run-pick", scale=3), label="runs")
                    open_btn = L.add(gr.Button(t("open_run"), scale=1, elem_id="open-run"), value="open_run")
                    refresh = L.add(gr.Button(t("refresh"), scale=1), value="refresh")
        # the runs list across the whole page: its eight columns were cut at the right edge of the half-width column
        ui.runs_df = gr.Dataframe(pd.DataFrame(columns=R.RUN_COLUMNS), interactive=False, elem_id="runs-table")
        timer = gr.Timer(1.0)

    form, live = ui.form, ui.live
    open_outs = [ui.view_state, *live, *form, ui.loss_md, ui.strat_md, ctx.data_state, ui.loss_st, ui.strat_st,
                 ui.model_note, ui.model_st]

    # the language switch redraws what the actions put on the page, from the states (endpoint train_language)
    views = ctx.views
    views.add("train", ui.model_st, [ui.bundled, ui.model_note], F.render_models)
    views.add("train", ui.loss_st, [ui.loss_md, *ui.loss_slots], F.render_loss)
    views.add("train", ui.strat_st, [ui.strat_md, *ui.strat_slots], F.render_strategy)
    views.add_text("train", ui.msg_st, ui.start_msg)
    views.add("train", ui.est_st, [ui.est_md], lambda est, lang: [F.estimate_text(est, lang)])
    views.add("train", ui.runs_st, [ui.runs_df], lambda rows, lang: [R.runs_table(rows, lang)])
    views.add("train", ui.view_state, live, functools.partial(R.render_live, ui))

    ui.kind.change(lambda k: (gr.update(visible=k == "bundled"), gr.update(visible=k != "bundled")), ui.kind,
                   [ui.bundled, ui.mpath], api_name=False)
    ctx.data_state.change(bind(F.on_data_change, ui), {ctx.data_state, ctx.lang, ui.bundled},
                          [ui.loss, ui.loss_md, *ui.loss_slots, ui.bundled, ui.model_note, ui.loss_st, ui.model_st],
                          api_name=False)
    ui.bundled.input(bind(F.on_model_pick, ui), {ui.bundled, ctx.data_state, ctx.lang}, [ui.model_note, ui.model_st],
                     api_name=False)
    ui.loss.input(bind(F.on_loss, ui), {ui.loss, ctx.data_state, ctx.lang}, [ui.loss_md, *ui.loss_slots, ui.loss_st],
                  api_name=False)
    ui.strategy.input(bind(F.on_strategy, ui), {ui.strategy, ctx.lang}, [ui.strat_md, *ui.strat_slots, ui.strat_st],
                      api_name=False)
    est_btn.click(bind(F.on_estimate, ui), {ctx.lang, ctx.data_state, *form},
                  [ui.est_md, ui.cli, ui.yaml_code, ui.yaml_file, ui.est_st], api_name="train_estimate")
    for comp in (ui.loss, ui.strategy, ui.run_name, ui.epochs, ui.batch, ui.lr, ui.max_steps, ui.bundled, ui.mpath):
        # raw values (preprocess=False): a number outside its box's bounds leaves the CLI and YAML as they were, as
        # any incomplete form does, rather than a refusal toast at each keystroke (Estimate and Start say it)
        comp.change(bind(F.on_form_change, ui), {ctx.data_state, *form}, [ui.cli, ui.yaml_code, ui.yaml_file],
                    api_name=False, preprocess=False)
    ui.yaml_upload.upload(bind(F.on_yaml_upload, ui), {ui.yaml_upload, ctx.lang},
                          [*form, ui.loss_md, ui.strat_md, ctx.data_state, ui.loss_st, ui.strat_st, ui.est_md],
                          api_name=False)

    start.click(bind(R.on_start, ui), {ctx.lang, ctx.data_state, *form},
                [ui.view_state, ui.start_msg, ui.run_pick, ui.runs_df, *live, ui.msg_st, ui.runs_st],
                api_name="train_start")
    stop.click(bind(R.on_stop, ui), {ui.view_state, ctx.lang}, [ui.start_msg, ui.msg_st], api_name="train_stop")
    # Resume and Open check the picked run first (ui.common.check_first: no "Error" badges over the form)
    check_first(resume.click, R.run_picked("resume"), ui.run_pick).success(
        bind(R.on_resume, ui, [ui.run_pick, ctx.lang]), [ui.run_pick, ctx.lang],
        [ui.view_state, ui.start_msg, ui.runs_df, *live, ui.msg_st, ui.runs_st], api_name="train_resume")
    check_first(open_btn.click, R.run_picked("open"), ui.run_pick).success(
        bind(R.on_open, ui, [ui.run_pick, ctx.lang]), [ui.run_pick, ctx.lang], open_outs, api_name="train_open")
    refresh.click(bind(R.on_refresh, ui), {ui.run_pick}, [ui.run_pick, ui.runs_df, ui.runs_st], api_name="train_runs")
    timer.tick(bind(R.on_tick, ui), {ui.view_state, ctx.lang}, [ui.view_state, *live, ui.runs_df, ui.runs_st],
               api_name=False, show_progress="hidden", queue=False)

    def on_load(lang):
        return R.on_page_load(ui, {ui.lang: lang})

    ctx.on_load.append((on_load, [ctx.lang], [ui.run_pick, ui.runs_df, ui.runs_st, *open_outs]))
    return {"tab": tab, "run_pick": ui.run_pick, "view": ui.view_state}
