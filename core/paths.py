"""Where things live on disk, and safe ways to write there.

- ``safe_name(text)``: turn any user string into a file-name component (no separators, no ``..``).
- ``runs_root()``: folder holding ``runs/<name>/`` (``STUDIO_RUNS_DIR``; ``/data/runs`` inside a
  Hugging Face Space with persistent storage; else ``./runs``).
- ``datasets_root()``: built datasets (``STUDIO_DATASETS_DIR``; ``/data/datasets`` in a Space; else
  ``./datasets``).
- ``cache_root()``: user cache folder (``STUDIO_CACHE_DIR``, else ``$XDG_CACHE_HOME/embedding-studio``).
- ``atomic_path(path)`` (a temp path to write, renamed on success) and
  ``atomic_write_text / atomic_write_bytes / atomic_write_json``: write to a temp file in the same folder,
  fsync, then ``os.replace``: a crash never leaves a half-written file. A target that is a folder, or whose folder
  cannot be created or written, is a ``WriteError`` (a ``StudioError`` and an ``OSError``) naming it.
  ``out_folder(path)`` / ``out_file(path)``: create an output folder / check an output file before the long work,
  or say in one sentence why it cannot be. ``not_replacing(paths, overwrite)``: refuse, before any work, an output
  that already exists (what the user made is never replaced silently) unless ``--overwrite`` was given.
  ``atomic_replace_dir(path, write)``: a folder made whole in a temp folder beside it, then renamed over it.
- ``inside(base, path)``: resolve ``path`` and refuse anything outside ``base``.
- ``run_name_arg(name)``: a run name typed on the command line (``--name``) as a run folder name: a name with
  folders in it is refused with ``run_path``'s sentence; spaces and the like become ``-`` (``safe_name``).
- ``run_path(name, must_exist=False)``: the ONE way a run name (from the UI or the CLI) becomes a folder:
  ``runs_root() / name`` for a plain name only (no separators, no ``..``, not absolute, no symlink leading
  out of the runs folder); anything else is a ``StudioError``. ``unknown_run(name)``: its "no such run" error. ``run_dir_arg(value)``: the same for a CLI
  argument that may also be a folder path.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from core.errors import StudioError
from core.run_folder import CONFIG_FILE

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


_RUN_NAME = re.compile(r"[^\W][\w.\-]{0,199}", re.UNICODE)


def run_path(name: str, must_exist: bool = False, root: str | os.PathLike | None = None) -> Path:
    """Return the folder of the run called ``name``: ``runs_root() / name`` (or ``root / name``).

    ``name`` must be a plain run name: letters (any script), digits, ``_``, ``-`` and ``.``, not starting with
    a dot or dash, no separators, at most 200 characters. The folder (once resolved, symlinks followed) must
    sit directly inside the runs folder. With ``must_exist`` the folder must hold a ``config.yaml``.
    Raises ``StudioError`` (one sentence naming the name) otherwise.
    """
    text = name if isinstance(name, str) else None
    if not text or not text.strip():
        raise StudioError("A run name is required (choose a run in the runs list).")
    shown = text[:80].encode("unicode_escape").decode("ascii") if not text[:80].isprintable() else text[:80]
    if not _RUN_NAME.fullmatch(text) or ".." in text:
        raise StudioError(f"'{shown}' is not a run name: use letters, digits, '-', '_' and '.' only, with no folders or '..'.")
    base = Path(root) if root is not None else runs_root()
    real_base = base.resolve()
    path = base / text
    if path.resolve().parent != real_base:
        raise StudioError(f"The run '{shown}' points outside the runs folder {real_base}; it is refused.")
    if must_exist and not (path / CONFIG_FILE).is_file():
        raise unknown_run(text, root)
    return path


def run_name_arg(name: str, default: str = "run") -> str:
    """The run folder name for a ``--name`` typed on the command line: a name with folders in it (a separator,
    ``..``, a leading dot) is refused with ``run_path``'s sentence, whatever else it holds becomes ``-``
    (``safe_name``, as the Train tab does)."""
    text = str(name or default)
    if any(sep in text for sep in ("/", "\\", "\x00")) or ".." in text or text.startswith("."):
        run_path(text)  # raises: not a run name
    return safe_name(text, default=default)


def unknown_run(name: str, root: str | os.PathLike | None = None) -> StudioError:
    """The one sentence for a run name that names no run (also said, word for word, for another owner's run,
    so a refusal never tells that such a run exists; on a shared server without the runs folder's path)."""
    from core.deployment import multi_user

    text = str(name)
    shown = text[:80].encode("unicode_escape").decode("ascii") if not text[:80].isprintable() else text[:80]
    if multi_user():  # a shared server does not tell its callers where it keeps runs
        return StudioError(f"There is no run named '{shown}'.")
    real_base = (Path(root) if root is not None else runs_root()).resolve()
    return StudioError(f"There is no run named '{shown}' in {real_base}.")


def run_dir_arg(value: str, must_exist: bool = False) -> Path:
    """A run given on the command line: a plain name goes through ``run_path``; a folder path inside the runs
    folder must be one of its runs (``run_path`` of its name, so no symlink escape); a path elsewhere is the
    operator's explicit choice (whoever types it already has the shell) and is used as given."""
    text = str(value or "")
    if "/" not in text and "\\" not in text and text not in (".", ".."):
        return run_path(text, must_exist=must_exist)
    given = Path(text)
    root = runs_root().resolve()
    real = given.resolve()
    if real == root or root in real.parents or root in given.absolute().parents:
        path = run_path(given.name, must_exist=must_exist)
        if path.resolve() != real:
            raise StudioError(f"The run folder '{text}' is not a run directly inside the runs folder {root}.")
        return path
    if must_exist and not given.is_dir():
        raise StudioError(f"The run folder '{text}' does not exist.")
    if must_exist and not (given / CONFIG_FILE).is_file():
        raise StudioError(f"The folder '{text}' holds no config.yaml; it is not a run folder.")
    return given


def space_storage() -> Path | None:
    """The Space's persistent storage (``/data``, or ``SPACE_DATA_DIR``) when running in a Space (``SPACE_ID``)
    that has it mounted and writable, else None."""
    data = Path(os.environ.get("SPACE_DATA_DIR") or "/data")
    if os.environ.get("SPACE_ID") and data.is_dir() and os.access(data, os.W_OK):
        return data
    return None


def _root(env_var: str, space_sub: str, local: Path) -> Path:
    """``$env_var`` if set; ``<persistent storage>/<space_sub>`` inside a Space with it; else ``local``."""
    env = os.environ.get(env_var)
    storage = space_storage()
    if env:
        root = Path(env)
    elif storage is not None:
        root = storage / space_sub
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


class WriteError(StudioError, OSError):
    """A path cannot be written: ``str(err)`` is one sentence naming it. Also an ``OSError``, so a caller that
    tolerates a failed write (a read-only cache) still does."""


def _reason(err: OSError) -> str:
    """The short system reason of ``err`` ("Permission denied"), for a sentence."""
    return err.strerror or type(err).__name__


def _temp_beside(path: Path) -> str:
    """Create the folder of ``path`` and an empty temp file in it; return the temp file's name.

    Raises ``WriteError`` (one sentence naming ``path``) when ``path`` is a folder, or when its folder cannot be
    created or written (a file in the way, a read-only or virtual file system, no permission)."""
    if path.is_dir():
        raise WriteError(f"Cannot write '{path}': it is a folder (expected a file name).")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as err:
        reason = _reason(err)
        raise WriteError(f"Cannot write '{path}': its folder '{parent}' cannot be created or written ({reason}).") from err
    os.close(fd)
    return tmp


def out_folder(path: str | os.PathLike) -> Path:
    """Create the output folder ``path`` (with its parents) before any long work, and return it.

    Raises ``WriteError`` (one sentence naming ``path``) when it is a file or cannot be created or written."""
    out = Path(path).expanduser()
    if out.exists() and not out.is_dir():
        raise WriteError(f"The output folder '{out}' is a file (expected a folder).")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        reason = _reason(err)
        raise WriteError(f"The output folder '{out}' cannot be created ({reason}).") from err
    if not os.access(out, os.W_OK | os.X_OK):
        raise WriteError(f"The output folder '{out}' is not writable.")
    return out


def out_file(path: str | os.PathLike) -> Path:
    """Check, before the long work, that ``atomic_path(path)`` will be able to write ``path``: creates its folder
    and a temp file there (removed at once). Returns ``path``; raises the same ``WriteError`` otherwise."""
    path = Path(path).expanduser()
    os.unlink(_temp_beside(path))
    return path


def not_replacing(paths: Iterable[str | os.PathLike], overwrite: bool = False) -> None:
    """Refuse, before any work, to replace an output that already exists: the first of ``paths`` that exists is a
    ``WriteError`` naming it and the ``--overwrite`` flag. Nothing is checked when ``overwrite`` is true."""
    if overwrite:
        return
    for p in paths:
        path = Path(p).expanduser()
        if path.exists() or path.is_symlink():
            raise WriteError(f"'{path}' already exists; give --overwrite to replace it, or choose another output.")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside ``path``; write it fully inside the block. On success it is fsynced, made
    readable (0644) and renamed over ``path``; on any error it is removed. A crash never leaves half a file."""
    path = Path(path)
    tmp = _temp_beside(path)
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


def atomic_replace_dir(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Make the folder ``path`` whole or not at all: ``write(tmp)`` fills a temp folder beside it, which then replaces
    ``path`` (an older folder there is removed). On any error the temp folder is removed and ``path`` is left as it
    was. Raises ``WriteError`` when the parent folder cannot be created or written."""
    import shutil

    path = Path(path)
    parent = out_folder(path.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    try:
        write(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp makes 0700; like the files in it, the folder is meant to be read
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=parent))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path
