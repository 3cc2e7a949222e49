"""Recognise secrets (API keys, tokens, passwords) so that none is ever written to disk.

- ``is_secret_key(key) -> bool``: a setting's NAME that holds a secret: any name containing ``api key``,
  ``authorization``, ``password``, ``secret``, ``credential``, ``private key``, ``access key``, ``cookie``,
  ``bearer``, or the word ``token`` / ``auth`` (``hf_token``, ``X-Auth``, ``apiKey``...), compared without
  case, ``-`` or ``_``. ``max_tokens`` / ``num_tokens`` (plural counts) and ``*_env`` names (the NAME of an
  environment variable, e.g. ``api_key_env: OPENAI_API_KEY``) are not secrets.
- ``looks_like_secret(value) -> bool``: a string VALUE shaped like a credential: ``sk-…``, ``hf_…``,
  ``Bearer …``, ``ghp_…``, ``xoxb-…``, ``AKIA…``.
- ``find_secret(obj) -> str | None``: the dotted path (``loss.params[2].api-key``) of the first secret in a
  nested structure of dicts / lists / tuples, by key name or by value; ``None`` when there is none.
- ``refuse_secrets(obj, where)``: raise ``ConfigError`` naming that path.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import ConfigError

# Compared against the key with case, '-', '_', '.' and spaces removed.
_SECRET_PARTS = ("apikey", "authorization", "password", "passwd", "passphrase", "secret", "credential",
                 "privatekey", "accesskey", "cookie", "bearer", "hftoken", "authtoken", "accesstoken", "sessionid")
# Whole words (split on '-', '_', '.', spaces and camelCase) that name a secret.
_SECRET_WORDS = {"token", "auth", "pwd", "key"}
# ``key`` alone is a secret word only after these (``api key``, ``hub key``...); ``group_key`` is not.
_KEY_OWNERS = {"api", "hub", "hf", "openai", "access", "private", "secret", "auth", "llm", "service"}
_VALUE_PATTERNS = re.compile(
    r"(?:sk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_\-]{16,}"
    r"|hf_[A-Za-z0-9]{20,}"
    r"|(?:Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=\-]{8,}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|github_pat_[A-Za-z0-9_]{20,}"
    r"|xox[abprs]-[A-Za-z0-9\-]{10,}"
    r"|AKIA[0-9A-Z]{16}"
    r"|eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})",
    re.IGNORECASE,
)
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


def _words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return [w.lower() for w in re.split(r"[\s_\-.:/]+", spaced) if w]


def is_secret_key(key: Any, value: Any = None) -> bool:
    """True when a setting named ``key`` holds a secret (see module docstring)."""
    text = str(key)
    words = _words(text)
    if words and words[-1] == "env" and (value is None or (isinstance(value, str) and _ENV_NAME.fullmatch(value))):
        return False  # ``api_key_env: OPENAI_API_KEY`` names the variable, it is not the key
    flat = "".join(words)
    if any(part in flat for part in _SECRET_PARTS):
        return True
    for i, w in enumerate(words):
        if w in ("token", "auth", "pwd"):
            return True
        if w == "key" and (i == 0 and len(words) == 1 or i > 0 and words[i - 1] in _KEY_OWNERS):
            return True
    return False


def looks_like_secret(value: Any) -> bool:
    """True when the string ``value`` is shaped like a credential (the whole value, spaces trimmed)."""
    return isinstance(value, str) and bool(_VALUE_PATTERNS.fullmatch(value.strip()))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == [] or value is False


def find_secret(obj: Any, prefix: str = "") -> str | None:
    """Dotted path of the first secret in ``obj`` (by key name with a non-empty value, or by value shape)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            if is_secret_key(k, v) and not _empty(v):
                return path
            if looks_like_secret(k):
                return path
            found = find_secret(v, path)
            if found:
                return found
        return None
    if isinstance(obj, (list, tuple, set)):
        for i, v in enumerate(obj):
            found = find_secret(v, f"{prefix}[{i}]")
            if found:
                return found
        return None
    if looks_like_secret(obj):
        return prefix or "value"
    return None


def refuse_secrets(obj: Any, where: str) -> None:
    """Raise ``ConfigError`` when ``obj`` carries a secret, naming where it sits (never its value)."""
    path = find_secret(obj)
    if path:
        raise ConfigError(f"{where}: '{path}' looks like a secret (an API key, token or password); secrets are "
                          "never stored in a config or a run folder, give them through an environment variable.")
