"""Run pickers shared by the Evaluate, Compare and Export tabs (lists run folders; no engine logic)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr


def trained_runs() -> list[str]:
    """Names of runs (newest first) that have a saved model (final/ or best/)."""
    from core.training import list_runs

    return [r.name for r in list_runs() if (r.path / "final").is_dir() or (r.path / "best").is_dir()]


def run_dir(name: str | None) -> Path:
    from core.errors import StudioError
    from core.paths import run_path

    if not name:
        raise StudioError("Choose a trained run first (train one in the Train tab).")
    return run_path(name, must_exist=True)


def refresh_runs(current: str | None = None):
    names = trained_runs()
    return gr.update(choices=names, value=current if current in names else (names[0] if names else None))


def model_dir(run: Path) -> Path:
    from core.export import export_model_dir

    return export_model_dir(run)


def base_model_of(run: Path) -> str:
    from core.training import TrainConfig

    return TrainConfig.load(run / "config.yaml").model
