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


def run_choices() -> tuple[list[tuple[str, str]], str | None]:
    """(label, run name) pairs, newest first, each label showing the run's status ("pig-run · completed"), and
    the run to preselect: the latest completed run, else the newest one."""
    runs = _trained()
    choices = [(f"{r.name} · {r.status}", r.name) for r in runs]
    latest = next((r.name for r in runs if r.status == "completed"), runs[0].name if runs else None)
    return choices, latest


def run_dir(name: str | None) -> Path:
    from core.errors import StudioError
    from core.training.owners import owned_run
    from ui.common import request_owner

    if not name:
        raise StudioError("Choose a trained run first (train one in the Train tab).")
    return owned_run(name, request_owner())


def refresh_runs(current: str | None = None):
    choices, latest = run_choices()
    names = [v for _, v in choices]
    return gr.update(choices=choices, value=current if current in names else latest)


def model_dir(run: Path) -> Path:
    from core.export import export_model_dir

    return export_model_dir(run)


def base_model_of(run: Path) -> str:
    from core.training import TrainConfig

    return TrainConfig.load(run / CONFIG_FILE).model
