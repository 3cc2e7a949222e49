"""Train tab: model source, loss (filtered to the data format, explained in the current language) and its
parameters, strategy, hyper-parameters; time/memory estimate; equivalent CLI + config YAML (download / load);
Start / Stop / Resume; live loss and validation-metric charts, progress bar with ETA and log tail (a
``gr.Timer`` polls ``read_events`` with an incremental byte offset); the runs list (open a run to restore its
config and charts, also after a page reload or while it trains).

Engine calls: ``core.models.list_sources / DEFAULT_MODEL``; ``core.losses.losses_for / get_loss / LOSSES /
DEFAULT_LOSS``; ``core.strategies.STRATEGIES``; ``core.training.TrainConfig / start_run / request_stop /
read_events / read_status / list_runs / active_run``; ``core.training.estimate.estimate``.
"""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from ui.common import fmt_num, fmt_seconds, handler, progress_html
from ui.strings import status_word, t, tr_engine

LOSS_SLOTS = 4
STRAT_SLOTS = 3
LOG_LINES = 40
MAX_POINTS = 2000


# ------------------------------------------------------------------------------------------ form helpers

def _bundled() -> tuple[list[str], str]:
    from core.models import DEFAULT_MODEL, list_sources

    return [s.name for s in list_sources()], DEFAULT_MODEL


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


def make_config(data_state, kind, bundled, path, loss, loss_vals, strategy, strat_vals, name, epochs, batch, lr,
                warmup, max_steps, max_seq, eval_steps):
    """Form values -> ``TrainConfig`` (validated by ``TrainConfig.from_dict``)."""
    from core.errors import DataError
    from core.losses import get_loss
    from core.strategies import get_strategy
    from core.training import TrainConfig

    if not data_state or not data_state.get("train"):
        raise DataError(t("no_data", "en"))
    cfg = TrainConfig()
    cfg.name = (name or "").strip() or "run"
    cfg.model = model_spec(kind, bundled, path)
    cfg.data.train = [data_state["train"]]
    cfg.data.validation = [data_state["validation"]] if data_state.get("validation") else []
    cfg.data.test = [data_state["test"]] if data_state.get("test") else []
    cfg.data.format = data_state.get("format")
    cfg.data.mapping = data_state.get("mapping") or None
    cfg.loss.name = loss or None
    cfg.loss.params = _collect(get_loss(loss).params, loss_vals) if loss else {}
    cfg.strategy.name = strategy or "full"
    cfg.strategy.params = _collect(get_strategy(cfg.strategy.name).params, strat_vals)
    cfg.hyper.epochs = float(epochs or 1)
    cfg.hyper.batch_size = int(batch or 32)
    cfg.hyper.learning_rate = float(lr or 2e-5)
    cfg.hyper.warmup_ratio = float(warmup or 0)
    cfg.hyper.max_steps = int(max_steps) if max_steps not in (None, "") else -1
    cfg.hyper.max_seq_length = int(max_seq) if max_seq else None
    cfg.eval.eval_steps = int(eval_steps) if eval_steps else None
    return TrainConfig.from_dict(cfg.to_dict())


def cli_command(cfg) -> str:
    parts = ["python", "-m", "core", "train", "--name", cfg.name, "--model", cfg.model, "--data", *cfg.data.train]
    if cfg.data.validation:
        parts += ["--validation", *cfg.data.validation]
    if cfg.data.format:
        parts += ["--format", cfg.data.format]
    if cfg.loss.name:
        parts += ["--loss", cfg.loss.name]
    if cfg.strategy.name:
        parts += ["--strategy", cfg.strategy.name]
    parts += ["--epochs", f"{cfg.hyper.epochs:g}", "--batch-size", str(cfg.hyper.batch_size), "--lr", f"{cfg.hyper.learning_rate:g}"]
    if cfg.hyper.max_steps and cfg.hyper.max_steps > 0:
        parts += ["--max-steps", str(cfg.hyper.max_steps)]
    flags = " ".join(shlex.quote(p) for p in parts)
    note = ("# loss/strategy parameters, mapping and other settings live in the YAML; the exact equivalent is:\n"
            f"python -m core train --config {shlex.quote(safe_file(cfg.name))}.yaml")
    return flags + "\n\n" + note


def safe_file(name: str) -> str:
    from core.paths import safe_name

    return safe_name(name, default="run")


# ------------------------------------------------------------------------------------------ live view

def empty_view(run_dir: str | None = None) -> dict:
    return {"run_dir": run_dir, "offset": 0, "train": [], "eval": [], "log": [], "progress": {}, "status": "",
            "metric": None, "plan": {}}


def apply_events(view: dict, events: list[dict]) -> None:
    """Fold new events into the view (pure bookkeeping for display)."""
    for ev in events:
        typ = ev.get("type")
        if typ == "train" and isinstance(ev.get("loss"), (int, float)):
            view["train"].append((ev.get("step", 0), float(ev["loss"])))
        elif typ == "eval":
            metrics = ev.get("metrics") or {}
            name = view.get("metric") or next(iter(metrics), None)
            view["metric"] = name
            if name in metrics and isinstance(metrics[name], (int, float)):
                view["eval"].append((ev.get("step", 0), float(metrics[name])))
            shown = [(k, v) for k, v in metrics.items() if not k.endswith(("_time", "runtime", "per_second"))]
            shown.sort(key=lambda kv: kv[0] != name)
            view["log"].append(f"eval step {ev.get('step')}: " + ", ".join(f"{k}={fmt_num(v)}" for k, v in shown[:6]))
        elif typ == "progress":
            view["progress"] = ev
        elif typ == "status":
            view["status"] = ev.get("status", "")
            view["log"].append(f"status: {view['status']}" + (f" ({ev['error']})" if ev.get("error") else ""))
        elif typ == "plan":
            view["plan"] = ev
            if ev.get("main_metric"):
                view["metric"] = ev["main_metric"]
            view["log"].append(f"plan: {ev.get('total_steps')} steps, loss {ev.get('loss')}, metric {ev.get('main_metric')}")
        elif typ in ("log", "error", "warning"):
            view["log"].append(f"{typ}: {ev.get('message', '')}")
        elif typ == "params":
            view["log"].append(f"strategy {ev.get('strategy')}: {ev.get('trainable'):,} of {ev.get('total'):,} parameters trainable")
        elif typ == "data":
            view["log"].append(f"data: {ev.get('format')} {ev.get('counts')}")
        elif typ == "best":
            view["log"].append(f"best {ev.get('metric')} = {fmt_num(ev.get('value'))} at step {ev.get('step')}")
    view["train"] = view["train"][-MAX_POINTS:]
    view["log"] = view["log"][-200:]


def view_outputs(view: dict, lang: str) -> list:
    from core.training import read_status

    train_df = pd.DataFrame(view["train"], columns=["step", "loss"])
    metric = view.get("metric") or "metric"
    eval_df = pd.DataFrame(view["eval"], columns=["step", metric])
    pr = view.get("progress") or {}
    st = read_status(view["run_dir"]) if view.get("run_dir") else {}
    status = st.get("status") or view.get("status") or ""
    frac = pr.get("fraction") or (1.0 if status == "completed" else 0.0)
    total = pr.get("total_steps") or (view.get("plan") or {}).get("total_steps") or 0
    text = t("eta", lang, step=pr.get("step", 0), total=total, pct=int(round(100 * (frac or 0))),
             eta=fmt_seconds(pr.get("eta_seconds")) if status == "running" else "-")
    name = Path(view["run_dir"]).name if view.get("run_dir") else ""
    head = f"**{name}** · {status_word(status, lang)}" if name else t("no_run", lang)
    if st.get("baseline") is not None:
        head += f" · {st.get('main_metric')}: base {fmt_num(st.get('baseline'))}"
        if st.get("best_metric") is not None:
            head += f", best {fmt_num(st.get('best_metric'))}"
    if st.get("warning"):
        head += f"\n\n⚠️ {tr_engine(st['warning'], lang)}"
    elif st.get("error"):
        head += f"\n\n⚠️ {tr_engine(st['error'], lang)}"
    return [gr.update(value=train_df, y="loss"), gr.update(value=eval_df, y=metric, y_title=metric),
            progress_html(frac, text), head, "\n".join(view["log"][-LOG_LINES:])]


def runs_table() -> pd.DataFrame:
    from core.training import list_runs

    rows = [[r.name, r.status, r.main_metric or "", fmt_num(r.baseline), fmt_num(r.best_metric), r.step if r.step is not None else ""]
            for r in list_runs()]
    return pd.DataFrame(rows, columns=["run", "status", "metric", "base", "best", "step"])


def run_names() -> list[str]:
    from core.training import list_runs

    return [r.name for r in list_runs()]


# ------------------------------------------------------------------------------------------ layout

def build(ctx) -> dict:
    L = ctx.labeler
    from core.strategies import STRATEGIES

    bundled_names, default_model = _bundled()

    with gr.Tab(t("tab_train"), id=2, elem_id="tab-train") as tab:
        view_state = gr.State(empty_view())
        L.add(tab, label="tab_train")
        with gr.Row():
            with gr.Column(scale=5):
                with gr.Row():
                    kind = L.add(gr.Radio([(t("ms_bundled"), "bundled"), (t("ms_local"), "local"), (t("ms_hub"), "hub")],
                                          value="bundled", label=t("model_source"), elem_id="model-kind"),
                                 label="model_source", choices=[("ms_bundled", "bundled"), ("ms_local", "local"), ("ms_hub", "hub")])
                    bundled = L.add(gr.Dropdown(bundled_names, value=default_model, label=t("bundled_model"),
                                                elem_id="model-bundled"), label="bundled_model")
                    mpath = L.add(gr.Textbox(label=t("model_path"), visible=False, elem_id="model-path"), label="model_path")
                loss = L.add(gr.Dropdown(_losses(None), value=None, label=t("loss"), elem_id="loss"), label="loss")
                loss_md = gr.Markdown("", elem_id="loss-info")
                with gr.Row():
                    loss_slots = [gr.Dropdown([], value=None, allow_custom_value=True, visible=False, label=f"p{i}",
                                              min_width=140) for i in range(LOSS_SLOTS)]
                strategy = L.add(gr.Dropdown(list(STRATEGIES), value="full", label=t("strategy"), elem_id="strategy"),
                                 label="strategy")
                strat_md = gr.Markdown(strategy_info("full", "en"))
                with gr.Row():
                    strat_slots = [gr.Dropdown([], value=None, allow_custom_value=True, visible=False, label=f"s{i}",
                                               min_width=140) for i in range(STRAT_SLOTS)]
                with gr.Accordion(t("advanced"), open=True) as acc:
                    L.add(acc, label="advanced")
                    with gr.Row():
                        run_name = L.add(gr.Textbox("pig-run", label=t("run_name"), elem_id="run-name"), label="run_name")
                        epochs = L.add(gr.Number(1, label=t("epochs"), minimum=0.01, elem_id="epochs"), label="epochs")
                        batch = L.add(gr.Number(16, label=t("batch_size"), precision=0, minimum=1, elem_id="batch"), label="batch_size")
                        lr = L.add(gr.Number(5e-5, label=t("learning_rate"), elem_id="lr"), label="learning_rate")
                    with gr.Row():
                        warmup = L.add(gr.Number(0.1, label=t("warmup"), minimum=0, maximum=0.99), label="warmup")
                        max_steps = L.add(gr.Number(-1, label=t("max_steps"), precision=0, elem_id="max-steps"), label="max_steps")
                        max_seq = L.add(gr.Number(128, label=t("max_seq_length"), precision=0, minimum=0), label="max_seq_length")
                        eval_steps = L.add(gr.Number(0, label=t("eval_steps"), precision=0, minimum=0, elem_id="eval-steps"), label="eval_steps")
                est_btn = L.add(gr.Button(t("estimate"), elem_id="estimate"), value="estimate")
                est_md = gr.Markdown("", elem_id="estimate-out")
                with gr.Accordion(t("cli"), open=False) as acc2:
                    L.add(acc2, label="cli")
                    cli = gr.Code("", language="shell", label="CLI", elem_id="cli", interactive=False)
                    yaml_code = L.add(gr.Code("", language="yaml", label=t("yaml"), elem_id="yaml", interactive=False), label="yaml")
                    with gr.Row():
                        yaml_file = L.add(gr.File(label=t("download_yaml"), interactive=False), label="download_yaml")
                        yaml_upload = L.add(gr.File(label=t("load_yaml"), file_types=[".yaml", ".yml"], elem_id="yaml-upload"),
                                            label="load_yaml")
                with gr.Row():
                    start = L.add(gr.Button(t("start"), variant="primary", elem_id="start"), value="start")
                    stop = L.add(gr.Button(t("stop"), variant="stop", elem_id="stop"), value="stop")
                    resume = L.add(gr.Button(t("resume"), elem_id="resume"), value="resume")
                start_msg = gr.Markdown("", elem_id="start-msg")
            with gr.Column(scale=6):
                run_head = gr.Markdown(t("no_run"), elem_id="run-head")
                prog = gr.HTML(progress_html(0, ""), elem_id="train-progress")
                with gr.Row():
                    loss_plot = L.add(gr.LinePlot(pd.DataFrame({"step": [], "loss": []}), x="step", y="loss",
                                                  label=t("chart_loss"), height=260, elem_id="loss-plot"), label="chart_loss")
                    metric_plot = L.add(gr.LinePlot(pd.DataFrame({"step": [], "metric": []}), x="step", y="metric",
                                                    label=t("chart_metric"), height=260, elem_id="metric-plot"), label="chart_metric")
                log_box = L.add(gr.Textbox("", label=t("log_tail"), lines=8, max_lines=12, autoscroll=True,
                                           interactive=False, elem_id="log-tail"), label="log_tail")
                with gr.Row():
                    run_pick = L.add(gr.Dropdown([], value=None, label=t("runs"), allow_custom_value=True, elem_id="run-pick", scale=3), label="runs")
                    open_btn = L.add(gr.Button(t("open_run"), scale=1, elem_id="open-run"), value="open_run")
                    refresh = L.add(gr.Button(t("refresh"), scale=1), value="refresh")
                runs_df = gr.Dataframe(pd.DataFrame(columns=["run", "status", "metric", "base", "best", "step"]),
                                       interactive=False, elem_id="runs-table")
        timer = gr.Timer(1.0)

    form = [kind, bundled, mpath, loss, *loss_slots, strategy, *strat_slots, run_name, epochs, batch, lr, warmup,
            max_steps, max_seq, eval_steps]
    live = [loss_plot, metric_plot, prog, run_head, log_box]

    def _cfg(data_state, *vals):
        k, b, p, lo = vals[0:4]
        lv = vals[4:4 + LOSS_SLOTS]
        st = vals[4 + LOSS_SLOTS]
        sv = vals[5 + LOSS_SLOTS:5 + LOSS_SLOTS + STRAT_SLOTS]
        rest = vals[5 + LOSS_SLOTS + STRAT_SLOTS:]
        return make_config(data_state, k, b, p, lo, lv, st, sv, *rest)

    # -- events: form ------------------------------------------------------------------------------
    kind.change(lambda k: (gr.update(visible=k == "bundled"), gr.update(visible=k != "bundled")), kind, [bundled, mpath],
                api_name=False)

    @handler
    def on_format(data_state, lang):
        from core.losses import get_loss

        fmt = (data_state or {}).get("format")
        name = _default_loss(fmt)
        params = get_loss(name).params if name else ()
        return [gr.update(choices=_losses(fmt), value=name), loss_info(name, fmt, lang),
                *slot_updates(params, None, lang, LOSS_SLOTS)]

    ctx.data_state.change(on_format, [ctx.data_state, ctx.lang], [loss, loss_md, *loss_slots], api_name=False)

    @handler
    def on_loss(name, data_state, lang):
        from core.losses import get_loss

        params = get_loss(name).params if name else ()
        return [loss_info(name, (data_state or {}).get("format"), lang), *slot_updates(params, None, lang, LOSS_SLOTS)]

    loss.input(on_loss, [loss, ctx.data_state, ctx.lang], [loss_md, *loss_slots], api_name=False)

    @handler
    def on_strategy(name, lang):
        from core.strategies import get_strategy

        params = get_strategy(name).params if name else ()
        return [strategy_info(name, lang), *slot_updates(params, None, lang, STRAT_SLOTS)]

    strategy.input(on_strategy, [strategy, ctx.lang], [strat_md, *strat_slots], api_name=False)

    def on_lang(lang, loss_name, strat_name, data_state):
        try:
            return loss_info(loss_name, (data_state or {}).get("format"), lang), strategy_info(strat_name, lang)
        except Exception:
            return gr.skip(), gr.skip()

    ctx.lang.change(on_lang, [ctx.lang, loss, strategy, ctx.data_state], [loss_md, strat_md], api_name=False)

    @handler
    def on_estimate(lang, data_state, *vals):
        from core.training.estimate import estimate

        cfg = _cfg(data_state, *vals)
        yield t("estimate_out", lang) + " …", gr.skip(), gr.skip(), gr.skip()
        est = estimate(cfg)
        text = t("est_text", lang, time=fmt_seconds(est.seconds), steps=est.total_steps, mem=f"{est.peak_memory_mb:,.0f}",
                 trainable=f"{est.trainable_parameters:,}", total=f"{est.parameters:,}")
        if est.notes:
            text += "\n\n" + "\n".join(f"- {tr_engine(n, lang)}" for n in est.notes)
        yield (text, *_cli_outputs(cfg))

    def _cli_outputs(cfg):
        path = Path(tempfile.mkdtemp(prefix="studio-yaml-")) / f"{safe_file(cfg.name)}.yaml"
        path.write_text(cfg.to_yaml(), encoding="utf-8")  # a config never holds secrets (TrainConfig refuses them)
        return cli_command(cfg), cfg.to_yaml(), str(path)

    est_btn.click(on_estimate, [ctx.lang, ctx.data_state, *form], [est_md, cli, yaml_code, yaml_file], api_name="train_estimate")

    @handler
    def on_form_change(data_state, *vals):
        try:
            cfg = _cfg(data_state, *vals)
        except Exception:
            return gr.skip(), gr.skip(), gr.skip()
        return _cli_outputs(cfg)

    for comp in (loss, strategy, run_name, epochs, batch, lr, max_steps, bundled, mpath):
        comp.change(on_form_change, [ctx.data_state, *form], [cli, yaml_code, yaml_file], api_name=False)

    def form_from_config(cfg, lang):
        from core.losses import get_loss
        from core.strategies import get_strategy

        names, _ = _bundled()
        is_bundled = cfg.model in names
        is_path = not is_bundled and (Path(cfg.model).exists() or cfg.model.startswith(("/", ".")))
        k = "bundled" if is_bundled else ("local" if is_path else "hub")
        lname = cfg.loss.name or _default_loss(cfg.data.format)
        lparams = get_loss(lname).params if lname else ()
        sparams = get_strategy(cfg.strategy.name).params
        return [gr.update(value=k), gr.update(value=cfg.model if is_bundled else None, visible=k == "bundled"),
                gr.update(value="" if is_bundled else cfg.model, visible=k != "bundled"),
                gr.update(choices=_losses(cfg.data.format), value=lname),
                *slot_updates(lparams, cfg.loss.params, lang, LOSS_SLOTS),
                gr.update(value=cfg.strategy.name), *slot_updates(sparams, cfg.strategy.params, lang, STRAT_SLOTS),
                cfg.name, cfg.hyper.epochs, cfg.hyper.batch_size, cfg.hyper.learning_rate, cfg.hyper.warmup_ratio,
                cfg.hyper.max_steps, cfg.hyper.max_seq_length or 0, cfg.eval.eval_steps or 0]

    def data_state_from_config(cfg) -> dict:
        test = cfg.data.test[0] if cfg.data.test else None
        beir = Path(test).parent / "beir" if test else None  # the sample layout: test split + BEIR corpus beside it
        return {"train": cfg.data.train[0] if cfg.data.train else None,
                "validation": cfg.data.validation[0] if cfg.data.validation else None,
                "test": test, "eval": str(beir) if beir and (beir / "corpus.jsonl").is_file() else None,
                "format": cfg.data.format,
                "mapping": cfg.data.mapping or {}, "roles": list((cfg.data.mapping or {}).keys()), "rows": None}

    @handler
    def on_yaml_upload(f, lang):
        from core.training import TrainConfig

        if not f:
            return [gr.skip()] * (len(form) + 2)
        cfg = TrainConfig.load(f)
        return [*form_from_config(cfg, lang), loss_info(cfg.loss.name or _default_loss(cfg.data.format), cfg.data.format, lang),
                gr.skip()]

    yaml_upload.upload(on_yaml_upload, [yaml_upload, ctx.lang], [*form, loss_md, ctx.data_state], api_name=False)

    # -- events: start / stop / resume / runs ---------------------------------------------------------
    @handler
    def on_start(lang, data_state, *vals):
        from core.training import start_run

        cfg = _cfg(data_state, *vals)
        if vals[0] == "local":
            from core.models import check_model_folder

            check_model_folder(cfg.model)  # a clear message now rather than a failed run later
        run_dir = start_run(cfg)  # refuses a second concurrent training with a StudioError
        view = empty_view(str(run_dir))
        names = run_names()
        return [view, t("started", lang, name=run_dir.name), gr.update(choices=names, value=run_dir.name),
                runs_table(), *view_outputs(view, lang)]

    start.click(on_start, [ctx.lang, ctx.data_state, *form], [view_state, start_msg, run_pick, runs_df, *live],
                api_name="train_start")

    @handler
    def on_stop(view, lang):
        from core.errors import StudioError
        from core.training import active_run, request_stop

        run_dir = (view or {}).get("run_dir") or (str(active_run()) if active_run() else None)
        if not run_dir:
            raise StudioError("No training is running.")
        request_stop(run_dir)
        return t("stop_requested", lang)

    stop.click(on_stop, [view_state, ctx.lang], [start_msg], api_name="train_stop")

    @handler
    def on_resume(run_name_value, lang):
        from core.errors import StudioError
        from core.paths import runs_root
        from core.training import TrainConfig, start_run

        if not run_name_value:
            raise StudioError("Choose a run to resume in the runs list.")
        run_dir = runs_root() / run_name_value
        cfg = TrainConfig.load(run_dir / "config.yaml")
        start_run(cfg, run_dir=run_dir, resume=True)
        view = empty_view(str(run_dir))
        return [view, t("started", lang, name=run_dir.name), runs_table(), *view_outputs(view, lang)]

    resume.click(on_resume, [run_pick, ctx.lang], [view_state, start_msg, runs_df, *live], api_name="train_resume")

    @handler
    def on_open(run_name_value, lang):
        from core.errors import StudioError
        from core.paths import runs_root
        from core.training import TrainConfig, read_events

        if not run_name_value:
            raise StudioError("Choose a run in the runs list first.")
        run_dir = runs_root() / run_name_value
        if not (run_dir / "config.yaml").is_file():
            raise StudioError(f"The run '{run_name_value}' has no config.yaml in {run_dir.parent}.")
        cfg = TrainConfig.load(run_dir / "config.yaml")
        view = empty_view(str(run_dir))
        events, view["offset"] = read_events(run_dir, 0)
        apply_events(view, events)
        lname = cfg.loss.name or _default_loss(cfg.data.format)
        return [view, *view_outputs(view, lang), *form_from_config(cfg, lang), loss_info(lname, cfg.data.format, lang),
                data_state_from_config(cfg)]

    open_outs = [view_state, *live, *form, loss_md, ctx.data_state]
    open_btn.click(on_open, [run_pick, ctx.lang], open_outs, api_name="train_open")

    def on_refresh(current):
        names = run_names()
        return gr.update(choices=names, value=current if current in names else (names[0] if names else None)), runs_table()

    refresh.click(handler(on_refresh), [run_pick], [run_pick, runs_df], api_name="train_runs")

    def on_tick(view, lang):
        from core.training import read_events

        if not view or not view.get("run_dir"):
            return [gr.skip()] * (len(live) + 2)
        events, offset = read_events(view["run_dir"], view.get("offset", 0))
        if not events and view.get("ticked"):
            return [gr.skip()] * (len(live) + 2)
        view = dict(view, offset=offset, ticked=True, train=list(view["train"]), eval=list(view["eval"]), log=list(view["log"]))
        apply_events(view, events)
        status_changed = any(e.get("type") in ("status", "best") for e in events)
        return [view, *view_outputs(view, lang), runs_table() if status_changed else gr.skip()]

    timer.tick(on_tick, [view_state, ctx.lang], [view_state, *live, runs_df], api_name=False, show_progress="hidden",
               queue=False)

    def on_page_load(lang):
        """After a (re)load: list runs and re-open the training in progress (or the latest run)."""
        from core.training import active_run

        names = run_names()
        busy = active_run()
        pick = busy.name if busy else (names[0] if names else None)
        if not pick:
            return [gr.update(choices=names, value=None), runs_table()] + [gr.skip()] * len(open_outs)
        try:
            restored = on_open.__wrapped__(pick, lang)
        except Exception:
            return [gr.update(choices=names, value=pick), runs_table()] + [gr.skip()] * len(open_outs)
        if not busy:
            restored[-1] = gr.skip()  # keep the data picked in the Data tab unless a training is in progress
            restored = restored[: 1 + len(live)] + [gr.skip()] * (len(form) + 1) + [gr.skip()]
        return [gr.update(choices=names, value=pick), runs_table(), *restored]

    ctx.on_load.append((on_page_load, [ctx.lang], [run_pick, runs_df, *open_outs]))
    return {"tab": tab, "run_pick": run_pick, "view": view_state}
