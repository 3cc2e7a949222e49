"""The Train tab's form: model, loss, strategy and settings, the estimate, the CLI line and the YAML.

Handlers (``on_x(ui, values) -> {component: update}``, wired by ``ui.tabs.train.build``): the dataset changed
(loss list for its format, model preselected for its language), loss / strategy picked (help and parameter
boxes), Estimate, any form change (CLI + YAML), a YAML file loaded into the form. Render functions draw the
language-free states (model note, loss / strategy help, estimate) in either language for the language switch.

Engine calls: ``core.models.list_sources / model_for_language``; ``core.data.language.file_language``;
``core.losses``; ``core.strategies``; ``core.training.settings.config_from_settings / dataset_from_config``
(form values <-> ``TrainConfig``); ``core.training.TrainConfig.load``; ``core.training.cli.command_line``;
``core.training.estimate.estimate``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ui.common import fmt_seconds, offer_download
from ui.strings import Msg, t, tr_engine

if TYPE_CHECKING:
    from ui.tabs.train import TrainUI

LOSS_SLOTS = 4  # parameter boxes shown under the loss
STRAT_SLOTS = 3  # parameter boxes shown under the strategy

# The number boxes' bounds: the ranges ``core.training.config`` accepts for their keys, with 0 allowed where the box
# is an open field (0 = empty, left to the recipe: ``_open``). A value outside them is refused before the handler
# runs, in one sentence naming the box by its label in the page's language (``ui.inputs``), instead of the config's
# sentence naming the key ("config: 'hyper.epochs' must be a number > 0 ..."), which the page could not translate.
NUMBER_BOUNDS: dict[str, dict] = {
    "hyper.epochs": {"minimum": 0, "maximum": 10_000},
    "hyper.batch_size": {"minimum": 0, "maximum": 1_000_000},
    "hyper.learning_rate": {"minimum": 0, "maximum": 10},
    "hyper.warmup_ratio": {"minimum": 0, "maximum": 0.99},
    "hyper.max_steps": {"minimum": -1},
    "hyper.max_seq_length": {"minimum": 0, "maximum": 1_000_000},
    "eval.eval_steps": {"minimum": 0},
}


def model_choices(lang: str) -> list[tuple[str, str]]:
    """(label, name) of each model source, the label naming the languages it serves."""
    from core.models import list_sources

    return [(f"{s.name} · {t('langs_' + s.language, lang)}", s.name) for s in list_sources()]


def data_language(data_state) -> str | None:
    """The active dataset's language: as recorded in the state, else detected from its training file."""
    from core.data.language import file_language
    from ui.state import as_state

    st = as_state(data_state)
    if st is None:
        return None
    return st.language or file_language(st.train, format=st.format, mapping=st.mapping)


def _language_or_none(data_state) -> str | None:
    """``data_language``, or None when the data cannot be read (the Data tab reports that; the model note stays)."""
    try:
        return data_language(data_state)
    except Exception:  # noqa: BLE001
        return None


def loss_choices(fmt: str | None) -> list[str]:
    """The losses offered for data in format ``fmt`` (all of them when the format is unknown)."""
    from core.losses import LOSSES, losses_for

    if not fmt:
        return list(LOSSES)
    try:
        return [s.name for s in losses_for(fmt)]
    except Exception:  # unknown format: offer all
        return list(LOSSES)


def _default_loss(fmt: str | None) -> str | None:
    from core.losses import DEFAULT_LOSS

    names = loss_choices(fmt)
    return DEFAULT_LOSS.get(fmt or "", names[0] if names else None)


def _str(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return str(v)


def slot_info(p, lang: str) -> str:
    """A parameter box's help in ``lang`` and what an empty box means (the recipe's choice or the default)."""
    default = "—" if p.default is None else _str(p.default)
    sep = "" if lang == "zh" else " "
    return f"{(p.help or {}).get(lang, '')}{sep}{t('slot_empty', lang, default=default)}".strip()


def slot_updates(params, values: dict | None, lang: str, n: int) -> list:
    """The parameter boxes for ``params``: the values a config gave (``values``), else empty. An empty box is not
    sent, so the recipe decides it (e.g. the calibrated ``scale``) or the loss's own default applies."""
    values = values or {}
    out = []
    for i in range(n):
        if i < len(params):
            p = params[i]
            choices = list(p.choices) if p.type == "choice" else (["true", "false"] if p.type == "bool" else [])
            value = _str(values.get(p.name))
            if value is not None and choices and value not in choices:
                choices.append(value)
            out.append(gr.update(choices=choices, value=value, label=p.name, info=slot_info(p, lang), visible=True))
        else:
            out.append(gr.update(visible=False, value=None, choices=[]))
    return out


def slot_infos(params, lang: str, n: int) -> list:
    """The parameter boxes' help in ``lang`` (values and choices left as they are), for the language switch."""
    return [gr.update(info=slot_info(params[i], lang)) if i < len(params) else gr.skip() for i in range(n)]


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
    if kind == "hub":  # an id, never a path: '../../etc/passwd' as a Hub id was read as a folder when the run began
        from core.export.hub import check_repo_id

        spec = check_repo_id(spec)
    from ui.common import usable_model

    return usable_model(spec)


def _number(value, kind, key: str):
    """A form number as ``kind`` (int or float), or None when the field is empty; text that is no number, or a
    fraction where a whole number is needed, is refused with one sentence naming the config ``key``."""
    from core.errors import ConfigError

    if value in (None, ""):
        return None
    shown = str(value)[:40]
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number, got '{shown}'.") from None
    if kind is int:
        if not number.is_integer():
            raise ConfigError(f"{key} must be a whole number, got '{shown}'.")
        return int(number)
    return number


def _open(value, kind, key: str):
    """A form number, or None (left open for the recipe) when the field is empty or 0. Gradio's number box
    sends 0 for an empty field, and 0 epochs, batch size, learning rate or length means nothing else."""
    number = _number(value, kind, key)
    return None if number == 0 else number


def make_config(ui: TrainUI, v: dict):
    """The form's values (by component) -> ``TrainConfig`` (``core.training.settings.config_from_settings``).

    What the user left alone stays open for the recipe, as ``python -m core train --data X`` leaves it: empty
    parameter boxes are not sent, and the loss the tab preselects for the data is not written when none of its
    parameters is set (recipe ``auto``), so the recipe may calibrate its ``scale`` and cache it to fit memory
    (Cached MNRL, the same gradient)."""
    from core.errors import DataError
    from core.losses import get_loss
    from core.strategies import get_strategy
    from core.training.settings import config_from_settings

    data_state = v.get(ui.data_state)
    if not data_state or not data_state.get("train"):
        raise DataError(t("no_data", "en"))
    loss, strategy = v.get(ui.loss), v.get(ui.strategy) or "full"
    max_steps, warmup, eval_steps = v.get(ui.max_steps), v.get(ui.warmup), v.get(ui.eval_steps)
    loss_params = _collect(get_loss(loss).params, [v.get(c) for c in ui.loss_slots]) if loss else {}
    if loss == _default_loss(data_state.get("format")) and not loss_params and v.get(ui.recipe) != "plain":
        loss = None  # the preselected loss with no parameter set: left open, as on the CLI
    return config_from_settings(
        data_state,
        model=model_spec(v.get(ui.kind), v.get(ui.bundled), v.get(ui.mpath)),
        name=v.get(ui.run_name),
        loss=loss,
        loss_params=loss_params,
        strategy=strategy,
        strategy_params=_collect(get_strategy(strategy).params, [v.get(c) for c in ui.strat_slots]),
        recipe=v.get(ui.recipe),
        # an empty field is left open: the recipe fills it from the data and the model (core/training/recipe.py)
        epochs=_open(v.get(ui.epochs), float, "hyper.epochs"),
        batch_size=_open(v.get(ui.batch), int, "hyper.batch_size"),
        learning_rate=_open(v.get(ui.lr), float, "hyper.learning_rate"),
        warmup_ratio=_number(warmup, float, "hyper.warmup_ratio"),  # 0 is no warm-up, not an open field
        max_steps=_number(max_steps, int, "hyper.max_steps"),
        max_seq_length=_open(v.get(ui.max_seq), int, "hyper.max_seq_length"),
        eval_steps=_open(eval_steps, int, "eval.eval_steps"),
    )


def cli_outputs(ui: TrainUI, cfg) -> dict:
    """The CLI line (``core.training.cli.command_line``), the config YAML and the YAML file to download."""
    from core.paths import safe_name
    from core.training.cli import command_line

    path = Path(tempfile.mkdtemp(prefix="studio-yaml-")) / f"{safe_name(cfg.name, default='run')}.yaml"
    path.write_text(cfg.to_yaml(), encoding="utf-8")  # a config never holds secrets (TrainConfig refuses them)
    return {ui.cli: command_line(cfg), ui.yaml_code: cfg.to_yaml(), ui.yaml_file: offer_download(path, move=True)}


def form_from_config(ui: TrainUI, cfg, lang: str) -> dict:
    from core.losses import get_loss
    from core.strategies import get_strategy
    from core.training.recipe import WARMUP_RATIO

    names = [n for _, n in model_choices(lang)]
    model = str(cfg.model or "")
    is_bundled = model in names
    is_path = not is_bundled and bool(model) and (Path(model).exists() or model.startswith(("/", ".")))
    k = "bundled" if is_bundled else ("local" if is_path else "hub")
    lname = cfg.loss.name or _default_loss(cfg.data.format)
    lparams = get_loss(lname).params if lname else ()
    sparams = get_strategy(cfg.strategy.name).params
    out = {} if not model else {  # a config that leaves the model open keeps the form's
        ui.kind: gr.update(value=k),
        ui.bundled: gr.update(value=model if is_bundled else None, visible=k == "bundled"),
        ui.mpath: gr.update(value="" if is_bundled else model, visible=k != "bundled"),
    }
    out |= {
        ui.loss: gr.update(choices=loss_choices(cfg.data.format), value=lname),
        ui.strategy: gr.update(value=cfg.strategy.name),
        ui.run_name: cfg.name,
        ui.epochs: cfg.hyper.epochs,
        ui.batch: cfg.hyper.batch_size,
        ui.lr: cfg.hyper.learning_rate,
        ui.warmup: WARMUP_RATIO if cfg.hyper.warmup_ratio is None else cfg.hyper.warmup_ratio,
        ui.max_steps: cfg.hyper.max_steps,
        ui.max_seq: cfg.hyper.max_seq_length,
        ui.eval_steps: cfg.eval.eval_steps or 0,
        ui.recipe: getattr(cfg, "recipe", "auto") or "auto",
        ui.loss_md: loss_info(lname, cfg.data.format, lang),
        ui.loss_st: {"loss": lname, "format": cfg.data.format},
        ui.strat_st: cfg.strategy.name,
        ui.strat_md: strategy_info(cfg.strategy.name, lang),
    }
    out.update(zip(ui.loss_slots, slot_updates(lparams, cfg.loss.params, lang, LOSS_SLOTS)))
    out.update(zip(ui.strat_slots, slot_updates(sparams, cfg.strategy.params, lang, STRAT_SLOTS)))
    return out


def data_state_from_config(cfg, detected: str | None = None) -> dict:
    """The Data tab's state for the dataset a config trains on (``core.training.settings.dataset_from_config``);
    ``detected``: the format the run read its data as, for a config that left it to detection."""
    from core.training.settings import dataset_from_config

    dataset = dataset_from_config(cfg)
    dataset["format"] = dataset["format"] or detected
    return {**dataset, "roles": list(dataset["mapping"]), "rows": None, "opened_run": cfg.name}


def estimate_text(est, lang: str) -> str:
    """A ``core.training.estimate.Estimate`` (time, memory, parameters, time per phase, notes) in ``lang``."""
    text = t(
        "est_text",
        lang,
        time=fmt_seconds(est.seconds),
        steps=est.total_steps,
        mem=f"{est.peak_memory_mb:,.0f}",
        trainable=f"{est.trainable_parameters:,}",
        total=f"{est.parameters:,}",
    )
    b = est.breakdown
    if b:
        text += "\n\n" + t(
            "est_breakdown",
            lang,
            load=fmt_seconds(b.get("startup", 0) + b.get("load_model", 0)),
            mine=fmt_seconds(b.get("mine", 0)),
            base=fmt_seconds(b.get("evaluate_base", 0)),
            train=fmt_seconds(b.get("train", 0)),
            evals=fmt_seconds(b.get("evaluate", 0)),
            save=fmt_seconds(b.get("save", 0)),
            deliver=fmt_seconds(b.get("deliver", 0)),
        )
    if est.notes:
        text += "\n\n" + "\n".join(f"- {tr_engine(n, lang)}" for n in est.notes)
    return text


# ------------------------------------------------------------------------------------------ handlers


def on_data_change(ui: TrainUI, v: dict) -> dict:
    from core.losses import get_loss

    data_state, lang = v.get(ui.data_state), v.get(ui.lang)
    if (data_state or {}).get("opened_run"):  # Open run filled the form with that run's loss and model: keep them
        return {}
    fmt = (data_state or {}).get("format")
    name = _default_loss(fmt)
    params = get_loss(name).params if name else ()
    out = {
        ui.loss: gr.update(choices=loss_choices(fmt), value=name),
        ui.loss_md: loss_info(name, fmt, lang),
        ui.loss_st: {"loss": name, "format": fmt},
    }
    out.update(zip(ui.loss_slots, slot_updates(params, None, lang, LOSS_SLOTS)))
    language = _language_or_none(data_state)
    if language:
        from core.models import model_for_language

        pick = model_for_language(language, v.get(ui.bundled))
        note = Msg.of("model_for_lang", language=Msg.of("data_lang_" + language), model=pick)
        out.update({ui.bundled: gr.update(value=pick), ui.model_st: note, ui.model_note: note.render(lang)})
    return out


def on_model_pick(ui: TrainUI, v: dict) -> dict:
    """The note under the model picker after the user picks a bundled model: whether it covers the data's language
    (the preselection's note would otherwise still praise the model it replaced)."""
    from core.data.language import languages_covered
    from core.models import model_for_language, model_language

    picked, lang = v.get(ui.bundled), v.get(ui.lang)
    language = _language_or_none(v.get(ui.data_state))
    if not picked or not language:
        return {}
    if language in languages_covered(model_language(picked)):
        note = Msg.of("model_covers", language=Msg.of("data_lang_" + language), model=picked)
    else:
        note = Msg.of("model_lacks", language=Msg.of("data_lang_" + language), model=picked,
                      better=model_for_language(language, None) or "multilingual-e5-small")
    return {ui.model_st: note, ui.model_note: note.render(lang)}


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
    yield {ui.est_st: None, ui.est_md: t("estimate_working", lang)}  # it takes a while: say what it does
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
    lang = v.get(ui.lang)
    cfg = TrainConfig.load(f, shown=Path(f).name)  # its messages name the file, not the server's upload folder
    out = form_from_config(ui, cfg, lang)
    d = cfg.data
    named = [k for k in ("train", "validation", "test", "corpus") if getattr(d, k, None)]
    # the form holds settings; the data is the Data tab's active dataset: say so rather than drop it silently
    out[ui.est_md] = t("yaml_loaded_data_ignored" if named else "yaml_loaded", lang, file=Path(f).name,
                       keys=", ".join(f"data.{k}" for k in named))
    return out
