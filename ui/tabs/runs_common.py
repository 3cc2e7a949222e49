"""Run pickers shared by the Evaluate, Compare and Export tabs (lists run folders; no engine logic).

Only the caller's runs are listed and opened (``core.training.owners.visible_runs`` / ``owned_run`` with
``ui.common.request_owner()``): on a shared server another user's run looks like no run at all."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from core.run_folder import BEST_DIR, CONFIG_FILE, FINAL_DIR


def trained_runs() -> list[str]:
    """Names of runs (newest first) that have a saved model (final/ or best/)."""
    return [r.name for r in _trained()]


def _trained():
    from core.training.owners import visible_runs
    from ui.common import request_owner

    return [r for r in visible_runs(request_owner()) if (r.path / FINAL_DIR).is_dir() or (r.path / BEST_DIR).is_dir()]


def picker_labels(runs: list, lang: str = "en") -> list[tuple[str, str]]:
    """(label, run name) pairs for ``runs`` = [(name, status)], each label showing the run's status in ``lang``
    ("pig-run · completed", "pig-run · 已完成")."""
    from ui.strings import status_word

    return [(f"{name} · {status_word(status, lang)}", name) for name, status in runs]


def listed_runs() -> tuple[list[tuple[str, str]], str | None]:
    """The caller's trained runs as (name, status) pairs, newest first, and the run to preselect: the latest
    completed run, else the newest one."""
    runs = [(r.name, r.status) for r in _trained()]
    latest = next((name for name, status in runs if status == "completed"), runs[0][0] if runs else None)
    return runs, latest


def run_choices(lang: str = "en") -> tuple[list[tuple[str, str]], str | None]:
    """The run dropdown's (label, run name) pairs in ``lang`` and the run to preselect (``listed_runs``)."""
    runs, latest = listed_runs()
    return picker_labels(runs, lang), latest


def run_dir(name: str | None) -> Path:
    from core.errors import StudioError
    from core.training.owners import owned_run
    from ui.common import request_owner

    if not name:
        raise StudioError("Choose a trained run first (train one in the Train tab).")
    return owned_run(name, request_owner())


def refresh_runs(current: str | None = None, lang: str = "en"):
    """The run dropdown's update (``current`` stays picked while it is listed) and the listed (name, status) pairs."""
    runs, latest = listed_runs()
    names = [name for name, _ in runs]
    return gr.update(choices=picker_labels(runs, lang), value=current if current in names else latest), runs


def wire_run_picker(ctx, group: str, tab, run, refresh=None) -> None:
    """Keep the run dropdown ``run`` of ``tab`` current: on page load, when the tab is opened and when ``refresh``
    (a button) is clicked. The listed runs are kept in a ``gr.State``, so the status words in the labels follow the
    language switch through the tab's ``<group>_language`` event (``ctx.views``: no event of its own, so the switch
    sends no extra request); the picked run stays picked."""
    from ui.common import handler

    listed = gr.State(None)
    inputs, outputs = [run, ctx.lang], [run, listed]
    ctx.on_load.append((refresh_runs, inputs, outputs))
    for event in (tab.select,) + ((refresh.click,) if refresh is not None else ()):
        event(handler(refresh_runs), inputs, outputs, api_name=False)
    ctx.views.add(group, listed, [run], lambda runs, lang: [gr.update(choices=picker_labels(runs, lang))])


def model_dir(run: Path) -> Path:
    from core.export import export_model_dir

    return export_model_dir(run)


def base_model_of(run: Path) -> str:
    from core.training import TrainConfig

    return TrainConfig.load(run / CONFIG_FILE).model
