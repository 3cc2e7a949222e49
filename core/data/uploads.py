"""Uploaded files kept where a run can find them again.

``keep_upload(path) -> Path``: a web upload lands in the server's temporary folder (Gradio's cache), which a restart
or a cache clean-up empties, while a run's ``config.yaml`` names its data files: Resume, Evaluate and Compare of
that run read them again. The Data tab keeps each file it loads as
``datasets_root()/uploads/<content digest>/<file name>`` (one copy per content, whatever its name or how often it
is uploaded) and the dataset names that copy. A file already under ``datasets_root()`` is returned as it is.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

UPLOADS = "uploads"  # the folder under datasets_root() holding kept uploads


def keep_upload(path: str | os.PathLike) -> Path:
    """The durable copy of the file ``path`` (see the module docstring); its name is the upload's through
    ``core.paths.safe_name`` (extensions kept), so no part of it can point elsewhere."""
    from core.data.beir_import import file_digest
    from core.paths import atomic_path, datasets_root, inside, safe_name

    src = Path(path)
    root = datasets_root()
    if root.resolve() in src.resolve().parents:
        return src
    folder = inside(root, Path(UPLOADS) / file_digest(src))
    suffixes = [x for x in src.suffixes[-2:] if 1 < len(x) <= 8]  # .csv, .jsonl.gz: the readers go by them
    stem = src.name[:len(src.name) - sum(map(len, suffixes))] if suffixes else src.name
    name = safe_name(stem, default="upload", max_len=60) + "".join("." + safe_name(x[1:], max_len=7) for x in suffixes)
    dest = inside(folder, name)
    if not dest.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(dest) as tmp:  # a half-copied file never carries the final name
            shutil.copyfile(src, tmp)
    return dest


__all__ = ["keep_upload", "UPLOADS"]
