"""Where things live on disk, and safe ways to write there.

- ``safe_name(text)``: turn any user string into a file-name component (no separators, no ``..``).
- ``runs_root()``: folder holding ``runs/<name>/`` (``STUDIO_RUNS_DIR``; ``/data/runs`` inside a
  Hugging Face Space with persistent storage; else ``./runs``).
- ``datasets_root()``: built datasets (``STUDIO_DATASETS_DIR``; ``/data/datasets`` in a Space; else
  ``./datasets``).
- ``cache_root()``: user cache folder (``STUDIO_CACHE_DIR``, else ``$XDG_CACHE_HOME/embedding-studio``).
- ``atomic_path(path)`` (a temp path to write, renamed on success) and
  ``atomic_write_text / atomic_write_bytes / atomic_write_json``: write to a temp file in the same folder,
  fsync, then ``os.replace``: a crash never leaves a half-written file.
- ``inside(base, path)``: resolve ``path`` and refuse anything outside ``base``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, Iterator

from core.errors import StudioError

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_name(text: str, default: str = "unnamed", max_len: int = 80) -> str:
    """Return a file-name component made from ``text``.

    Keeps letters (any script, so Chinese names survive), digits, ``_``, ``-`` and ``.``; everything else
    becomes ``-``. Leading dots are stripped (no hidden files, no ``..``). Never empty, at most ``max_len``.
    """
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    text = _UNSAFE.sub("-", text)
    text = re.sub(r"\.{2,}", ".", text).strip("-.")
    text = re.sub(r"-{2,}", "-", text)[:max_len].strip("-.")
    return text or default


def inside(base: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Resolve ``path`` relative to ``base``; raise StudioError if it escapes ``base``."""
    base_p = Path(base).resolve()
    p = (base_p / path).resolve()
    if p != base_p and base_p not in p.parents:
        raise StudioError(f"The path '{path}' points outside '{base_p}'.")
    return p


def _root(env_var: str, space_sub: str, local: Path) -> Path:
    """``$env_var`` if set; ``/data/<space_sub>`` inside a Space with persistent storage; else ``local``."""
    env = os.environ.get(env_var)
    if env:
        root = Path(env)
    elif os.environ.get("SPACE_ID") and Path("/data").is_dir() and os.access("/data", os.W_OK):
        root = Path("/data") / space_sub
    else:
        root = local
    root.mkdir(parents=True, exist_ok=True)
    return root


def runs_root() -> Path:
    return _root("STUDIO_RUNS_DIR", "runs", Path.cwd() / "runs")


def datasets_root() -> Path:
    """Where built datasets and LLM answers live (kept like runs: nothing the user built is lost)."""
    return _root("STUDIO_DATASETS_DIR", "datasets", Path.cwd() / "datasets")


def cache_root() -> Path:
    xdg = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return _root("STUDIO_CACHE_DIR", "cache", xdg / "embedding-studio")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside ``path``; write it fully inside the block. On success it is fsynced, made
    readable (0644) and renamed over ``path``; on any error it is removed. A crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be read (served, attached, shared)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
