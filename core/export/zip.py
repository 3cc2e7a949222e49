"""Pack a saved model folder into one zip file for download.

``zip_model(model_dir, out_path, card=None, progress=None) -> Path``: every file under ``model_dir`` goes into
the archive under a top folder named after ``out_path`` (so unzipping never spills files); ``card`` (markdown),
when given, replaces the folder's ``README.md`` inside the archive (the folder itself is not changed). The zip
is written to a temp name beside ``out_path`` and renamed at the end, so a half-written zip never exists.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Optional

from core.errors import ConfigError, StudioError
from core.paths import atomic_path
from core.progress import ProgressFn, Tracker

MODEL_MARKERS = ("modules.json", "config_sentence_transformers.json", "config.json")


def check_model_dir(model_dir: str | os.PathLike) -> Path:
    """Return ``model_dir`` as a Path, or raise StudioError when it is not a saved model folder."""
    path = Path(model_dir)
    if not path.is_dir():
        raise StudioError(f"The model folder '{path}' does not exist; finish or stop a training run first.")
    if not any((path / m).is_file() for m in MODEL_MARKERS):
        raise StudioError(f"The folder '{path}' holds no saved model (expected {MODEL_MARKERS[0]} or config.json).")
    return path


def zip_path(out_path: str | os.PathLike) -> Path:
    """The file ``zip_model`` writes for ``out_path``: ``out_path`` with ``.zip`` added when missing; a ConfigError
    when it names no file (empty, or a folder such as ``.``)."""
    out = Path(out_path)
    if not str(out_path).strip() or not out.name or out.name in (".", ".."):
        raise ConfigError(f"--out '{out_path}' names no file; give the zip's file name, e.g. model.zip.")
    return out if out.suffix.lower() == ".zip" else out.with_name(out.name + ".zip")


def zip_model(model_dir: str | os.PathLike, out_path: str | os.PathLike, card: Optional[str] = None,
              progress: ProgressFn | None = None) -> Path:
    """Zip ``model_dir`` into ``zip_path(out_path)``; returns the zip's path."""
    src = check_model_dir(model_dir)
    out = zip_path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    top = out.stem
    files = sorted(p for p in src.rglob("*") if p.is_file() and not p.name.startswith(".") and ".tmp" not in p.name)
    tracker = Tracker("zip", len(files), progress)
    with atomic_path(out) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for f in files:
                rel = f.relative_to(src).as_posix()
                if card is not None and rel == "README.md":
                    tracker.update(1, rel)
                    continue
                zf.write(f, f"{top}/{rel}")
                tracker.update(1, rel)
            if card is not None:
                zf.writestr(f"{top}/README.md", card)
    return out
