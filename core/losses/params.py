"""Typed, user-settable parameters and their validation (shared by losses and training strategies).

A ``Param`` describes one knob shown in the UI and accepted from a config file: its type, default, range,
choices and a bilingual help text. ``validate_values(owner, params, given)`` turns a user dict into a
complete, type-correct dict (defaults filled in) or raises ``ConfigError`` with one sentence naming the
owner, the parameter, the value and what was expected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import ConfigError

PARAM_TYPES = ("float", "int", "str", "bool", "choice", "int_list")


@dataclass(frozen=True)
class Param:
    """One parameter.

    ``type`` is one of ``float``, ``int``, ``str``, ``bool``, ``choice`` (one of ``choices``) or ``int_list``
    (a list of ints; a string like ``"768, 512"`` is accepted too). ``default=None`` means optional: ``None``
    is then an accepted value meaning "not set". ``min``/``max`` are inclusive bounds for numbers (and for
    every item of an ``int_list``). ``help`` is ``{"en": ..., "zh": ...}``.
    """

    name: str
    type: str
    default: Any = None
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    help: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"Param {self.name}: unknown type {self.type!r}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"Param {self.name}: a choice needs choices")


def _bounds_text(p: Param) -> str:
    if p.min is not None and p.max is not None:
        return f"between {p.min:g} and {p.max:g}"
    if p.min is not None:
        return f"at least {p.min:g}"
    if p.max is not None:
        return f"at most {p.max:g}"
    return ""


def _check_bounds(owner: str, p: Param, value: float, shown: Any) -> None:
    if (p.min is not None and value < p.min) or (p.max is not None and value > p.max):
        raise ConfigError(f"{owner} parameter '{p.name}' is {shown!r} but must be {_bounds_text(p)}.")


def coerce_value(owner: str, p: Param, value: Any) -> Any:
    """Return ``value`` converted to ``p``'s type, or raise ConfigError naming owner, parameter and value."""
    if value is None:
        if p.default is None:
            return None
        raise ConfigError(f"{owner} parameter '{p.name}' is empty but needs a {p.type} value.")
    if p.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "on", "false", "no", "0", "off"):
            return value.strip().lower() in ("true", "yes", "1", "on")
        raise ConfigError(f"{owner} parameter '{p.name}' is {value!r} but must be true or false.")
    if p.type == "float":
        try:
            if isinstance(value, bool):
                raise ValueError
            out = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{owner} parameter '{p.name}' is {value!r} but must be a number.") from None
        if not math.isfinite(out):
            raise ConfigError(f"{owner} parameter '{p.name}' is {value!r} but must be a finite number.")
        _check_bounds(owner, p, out, value)
        return out
    if p.type == "int":
        out = _to_int(value)
        if out is None:
            raise ConfigError(f"{owner} parameter '{p.name}' is {value!r} but must be a whole number.")
        _check_bounds(owner, p, out, value)
        return out
    if p.type == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{owner} parameter '{p.name}' is {value!r} but must be text.")
        return value.strip()
    if p.type == "choice":
        text = str(value).strip()
        for c in p.choices or ():
            if text.lower() == c.lower():
                return c
        raise ConfigError(f"{owner} parameter '{p.name}' is {value!r} but must be one of: {', '.join(p.choices or ())}.")
    # int_list
    items: list[Any]
    if isinstance(value, str):
        items = [x for x in re.split(r"[\s,;，；]+", value.strip()) if x]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ConfigError(f"{owner} parameter '{p.name}' is {value!r} but must be a list of whole numbers like 768, 512.")
    out_list = []
    for item in items:
        n = _to_int(item)
        if n is None:
            raise ConfigError(f"{owner} parameter '{p.name}' contains {item!r} but must be a list of whole numbers.")
        _check_bounds(owner, p, n, item)
        out_list.append(n)
    return out_list


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            return None
        return int(f) if f.is_integer() else None
    return None


def validate_values(owner: str, params: tuple[Param, ...], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Fill defaults and coerce every value of ``given`` against ``params``.

    Input: ``owner`` (a loss or strategy name, used in messages), the declared ``params``, the user's dict
    (may be ``None``). Output: a new dict with exactly one entry per declared parameter. Unknown keys raise
    ConfigError listing the known ones.
    """
    given = dict(given or {})
    known = {p.name: p for p in params}
    unknown = [k for k in given if k not in known]
    if unknown:
        names = ", ".join(known) or "none"
        raise ConfigError(f"{owner} has no parameter '{unknown[0]}'; its parameters are: {names}.")
    out: dict[str, Any] = {}
    for p in params:
        out[p.name] = coerce_value(owner, p, given[p.name]) if p.name in given else p.default
    return out
