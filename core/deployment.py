"""What kind of deployment the studio runs in, from environment variables (no Gradio here).

- ``public_mode() -> bool``: ``STUDIO_PUBLIC`` (``1/true/yes/on``; default on inside a Hugging Face Space,
  ``SPACE_ID`` set; ``0/false/no/off`` turns it off). The UI turns Hub push and LLM endpoints off then.
- ``multi_user() -> bool``: whether runs belong to the user (or browser session) that started them
  (``core.training.owners``). ``STUDIO_MULTI_USER`` (``1``/``0`` and the same words) decides when set; else on
  when ``STUDIO_AUTH`` is set or the deployment is public, off on a workstation (every run visible to everyone).
"""

from __future__ import annotations

import os

from core.errors import ConfigError

_ON = ("1", "true", "yes", "on")
_OFF = ("0", "false", "no", "off")


def env_switch(name: str) -> bool | None:
    """``True`` / ``False`` for an on/off environment variable, ``None`` when unset or empty; anything else is a
    ``ConfigError`` naming the variable."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return None
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise ConfigError(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), got {value[:40]!r}.")


def public_mode() -> bool:
    """True on a public deployment (see module docstring)."""
    value = os.environ.get("STUDIO_PUBLIC", "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    return bool(os.environ.get("SPACE_ID"))


def multi_user() -> bool:
    """True when runs are private to their owner (see module docstring)."""
    forced = env_switch("STUDIO_MULTI_USER")
    if forced is not None:
        return forced
    return bool(os.environ.get("STUDIO_AUTH", "").strip()) or public_mode()
