"""Export a trained model: a downloadable zip, a model card, a push to the Hugging Face Hub.

- ``zip_model(model_dir, out_path, card=None, progress=None) -> Path``
- ``model_card(run_dir) -> str``, ``card_metrics(run_dir)``, ``card_preview(card)`` (front matter as a code
  block), ``base_model_info(spec)`` (the real model id and its languages)
- ``push_to_hub(model_dir, repo_id, token, private=True, card=None, api=None, onnx_dir=None) -> str`` (token typed
  in or ``HF_TOKEN``, kept in memory only); ``push_run(run_dir, repo_id, token=None, private=True, which=None,
  onnx=False) -> str`` (the run's delivered model + card, optionally its ONNX export under ``onnx/``)
- ``export_model_dir(run_dir) -> Path``: the folder to export (``delivered/``, else ``best/``, else ``final/``);
  ``shipped_model_dir(run_dir)`` the same, refused while the run is still training (zip, push, ONNX).
- ``zip_run(run_dir, out_path, which=None, progress=None) -> Path``: that folder zipped with the run's model card as
  its README.md (the Export tab's download and ``python -m core zip``).
"""

from __future__ import annotations

from pathlib import Path

from core.errors import StudioError
from core.export.card import base_model_info, card_metrics, card_preview, model_card, split_front_matter
from core.export.hub import (
    check_repo_id,
    env_token,
    hub_endpoint,
    hub_offline,
    push_error_message,
    push_run,
    push_to_hub,
)
from core.export.zip import check_model_dir, zip_model


def export_model_dir(run_dir, which: str | None = None) -> Path:
    """The saved model of a run to export / compare / describe: ``which`` (``delivered``, ``best`` or ``final``)
    when given and present, else the first present of ``delivered/`` (the model the run chose to deliver),
    ``best/``, ``final/``."""
    from core.models.sources import saved_model_dir

    run_dir = Path(run_dir)
    found = saved_model_dir(run_dir, which)
    if found is not None:
        return check_model_dir(found)
    raise StudioError(f"The run '{run_dir.name}' has no saved model yet (no delivered/, best/ or final/ folder); wait for it to finish or stop it.")


def shipped_model_dir(run_dir, which: str | None = None) -> Path:
    """``export_model_dir(run_dir, which)`` of a run that is not training: a StudioError while its process is
    queued, running or stopping (``core.training.launch.run_status``). A run in training has at most a ``best/``
    so far, its delivered model is chosen when training ends, and its card would describe folders that do not
    exist yet; ``zip``, ``push`` and the ONNX export ship only what a run finished with (or was stopped at)."""
    from core.training.launch import run_status

    run_dir = Path(run_dir)
    state = run_status(run_dir)
    if state in ("queued", "running", "stopping"):
        raise StudioError(f"The run '{run_dir.name}' is still {state}: its delivered model is chosen when training "
                          "ends. Wait for it to finish (or stop it), then export.")
    return export_model_dir(run_dir, which)


def zip_run(run_dir, out_path, which: str | None = None, progress=None) -> Path:
    """The run's model to export (``shipped_model_dir(run_dir, which)``) zipped into ``out_path`` (``zip_model``)
    with the run's model card, naming that model, as the archive's ``README.md``; returns the zip's path."""
    src = shipped_model_dir(run_dir, which)
    return zip_model(src, out_path, card=model_card(run_dir, holds=src.name), progress=progress)


__all__ = ["zip_model", "zip_run", "model_card", "card_metrics", "card_preview", "split_front_matter", "base_model_info",
           "push_to_hub", "push_run", "env_token", "push_error_message", "check_repo_id", "hub_offline", "hub_endpoint",
           "check_model_dir", "export_model_dir", "shipped_model_dir"]
