"""Who may see and act on a run: the ONE rule every UI place that lists or acts on runs goes through.

On a workstation (single-user, ``core.deployment.multi_user()`` false) every run is everyone's, as before.
On a shared server (``STUDIO_AUTH`` set, a public deployment, or ``STUDIO_MULTI_USER=1``) a run belongs to
whoever started it: the logged-in user name when there is a login, else the browser session (a page load).
``start_run(..., owner=...)`` records the owner in the run folder (``OWNER_FILE``: the user name, or a salted
SHA-256 of the session id, never the id itself). Runs without an owner (started from the command line, or
before owners were recorded) are visible to all in single-user mode and to nobody in the UI in multi-user
mode (the operator manages them with ``python -m core runs`` / ``stop``).

- ``owner_key(username, session) -> str | None``: ``"user:<name>"`` or ``"session:<hash>"``.
- ``record_owner(run_dir, owner)``, ``run_owner(run_dir)``.
- ``may_access(run_dir, owner) -> bool``: the rule.
- ``owned_run(name, owner) -> Path``: the run folder of ``name`` (``core.paths.run_path``, must exist) when
  ``owner`` may access it; another owner's run is refused with the very sentence an unknown run gets.
- ``visible_runs(owner, root=None) -> list[RunInfo]``: ``list_runs`` filtered by the rule.
- ``check_model_source(spec, owner)``: a model typed in the UI (a base model, a candidate, a mining or round-trip
  model) names a local folder only where ``owner`` may read it: inside the runs folder only a run ``owner`` may
  access, never the datasets folder or the cache; on a public deployment nothing else on the server. A refused
  folder gets one sentence whether it exists or not. Registry names and Hub ids always pass.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

from core.deployment import multi_user, public_mode
from core.errors import ModelSourceError
from core.paths import atomic_write_json, cache_root, datasets_root, run_path, runs_root, unknown_run
from core.run_folder import OWNER_FILE

_SALT = "embedding-studio/run-owner/v1:"


def owner_key(username: Optional[str] = None, session: Optional[str] = None) -> Optional[str]:
    """The owner a request stands for: its logged-in user, else its session (hashed); None when neither."""
    if username:
        return f"user:{username}"
    if session:
        return "session:" + hashlib.sha256((_SALT + str(session)).encode("utf-8")).hexdigest()[:32]
    return None


def record_owner(run_dir: str | Path, owner: Optional[str]) -> None:
    """Write ``OWNER_FILE`` for a new run (an existing owner is kept: resuming never changes hands)."""
    path = Path(run_dir) / OWNER_FILE
    if owner and not path.exists():
        atomic_write_json(path, {"owner": owner})


def run_owner(run_dir: str | Path) -> Optional[str]:
    try:
        value = json.loads((Path(run_dir) / OWNER_FILE).read_text(encoding="utf-8")).get("owner")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def may_access(run_dir: str | Path, owner: Optional[str]) -> bool:
    """True when ``owner`` may see and act on the run: always in single-user mode, else only its owner."""
    if not multi_user():
        return True
    return owner is not None and run_owner(run_dir) == owner


def owned_run(name: str, owner: Optional[str]) -> Path:
    """The folder of the run ``name`` if it exists and ``owner`` may access it; else the unknown-run error."""
    path = run_path(name, must_exist=True)
    if not may_access(path, owner):
        raise unknown_run(name)
    return path


def visible_runs(owner: Optional[str], root: Optional[Path] = None) -> list:
    """The runs ``owner`` may see (``list_runs`` order: newest first)."""
    from core.training.launch import list_runs

    runs = list_runs(root)
    if not multi_user():
        return runs
    return [r for r in runs if owner is not None and run_owner(r.path) == owner]


def unavailable_model(spec: str) -> ModelSourceError:
    """The one sentence for a model folder the caller may not use (said alike for a folder that does not exist)."""
    text = str(spec).strip()[:200]
    return ModelSourceError(f"The model folder '{text}' is not available on this shared studio: choose a bundled "
                            "model, a Hugging Face Hub id, or the model of one of your own runs.")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def check_model_source(spec: Optional[str], owner: Optional[str]) -> None:
    """Raise ``unavailable_model`` when ``owner`` may not use the local folder ``spec`` names (see the module
    docstring); a registry name, a Hub id and every spec in single-user mode pass."""
    from core.models.sources import local_folder

    if not multi_user():
        return
    folder = local_folder(spec)
    if folder is None:
        return
    real = folder.resolve()  # symlinks followed: a link into another run is that run
    runs = runs_root().resolve()
    if _inside(real, runs):
        parts = real.relative_to(runs).parts
        if parts and (runs / parts[0]).is_dir() and may_access(runs / parts[0], owner):
            return
        raise unavailable_model(str(spec))
    if public_mode() or any(_inside(real, root.resolve()) for root in (datasets_root(), cache_root())):
        raise unavailable_model(str(spec))
