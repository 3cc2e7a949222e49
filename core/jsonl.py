"""JSON lines: the one reader and writer of ``*.jsonl`` files in the engine.

- ``parse_line(line, max_depth) -> (value, problem, kind)``: one line; ``problem`` is ``None`` for a JSON
  object, else a phrase ("not valid JSON: ...", "is a JSON list, expected an object ...", "nested more than
  N levels deep ...") and ``kind`` the issue kind (``bad_json`` / ``json_too_deep``). The table reader
  (``core.data.readers``) turns these into per-row issues.
- ``iter_jsonl(path, max_depth=None, tolerant=False) -> (line number, value)``: every non-blank line decoded.
  A line that is not JSON or is nested deeper than ``max_depth`` raises ``DataError`` in one sentence naming
  the file and line ("<path>, line 7: not valid JSON: ... ; expected one JSON object per line."), unless
  ``tolerant`` (then it is skipped: append logs whose last line a killed writer cut short). Values are given
  as decoded, objects or not, so a caller can word what its records need (an ``_id``, a ``text``).
- ``read_jsonl(path, max_depth=None, tolerant=False) -> list[dict]``: the JSON objects; a line holding
  another JSON value is refused (or skipped when ``tolerant``) the same way.
- ``read_new_lines(path, offset=0) -> (objects, next_offset)``: the incremental reader of an append-only log
  (``events.jsonl``): the JSON objects on the complete lines written since byte ``offset``, and the offset to
  pass next time. A last line without its newline (being written, or torn by a killed writer) is not consumed;
  a line that is not a JSON object is skipped. A missing file gives ``([], offset)``.
- ``write_jsonl(rows, path) -> Path``: UTF-8 (non-ASCII kept), one object per line, written atomically.

Files are read as UTF-8 with an optional byte-order mark.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Optional

from core.errors import DataError
from core.paths import atomic_write_text

ONE_PER_LINE = "expected one JSON object per line"


def deep_message(max_depth: int) -> str:
    return f"nested more than {max_depth} levels deep (STUDIO_MAX_JSON_DEPTH); expected flat records"


def too_deep(obj: Any, max_depth: int) -> bool:
    """True when ``obj`` nests lists/dicts more than ``max_depth`` levels (checked without recursion)."""
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return False


def _decode(line: str | bytes, max_depth: Optional[int]) -> tuple[Any, Optional[str], str]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as err:
        return None, f"not valid JSON: {err.msg} (column {err.colno})", "bad_json"
    except UnicodeDecodeError:
        return None, "not valid JSON: the bytes are not UTF-8 text", "bad_json"
    except ValueError:  # bytes json cannot even decode as text in the encoding it guessed
        return None, "not valid JSON", "bad_json"
    except RecursionError:
        return None, deep_message(max_depth or 0), "json_too_deep"
    if max_depth is not None and isinstance(value, (dict, list)) and too_deep(value, max_depth):
        return None, deep_message(max_depth), "json_too_deep"
    return value, None, ""


def parse_line(line: str, max_depth: int) -> tuple[Any, Optional[str], str]:
    """Parse one JSON line: ``(object, None, "")`` or ``(None, problem, kind)``."""
    obj, problem, kind = _decode(line, max_depth)
    if problem is None and not isinstance(obj, dict):
        return None, f"is a JSON {type(obj).__name__}, expected an object like {{\"query\": ..., \"positive\": ...}}", "bad_json"
    return obj, problem, kind


def iter_jsonl(path: str | os.PathLike, max_depth: Optional[int] = None, tolerant: bool = False) -> Iterator[tuple[int, Any]]:
    """``(line number, decoded value)`` for every non-blank line of ``path`` (see the module docstring)."""
    with open(path, "rb") as fh:  # bytes: a line that is not UTF-8 is named, not a UnicodeDecodeError traceback
        for lineno, raw in enumerate(fh, 1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                value, problem, kind = None, "not valid JSON: the bytes are not UTF-8 text", "bad_json"
            else:
                if not line:
                    continue
                value, problem, kind = _decode(line, max_depth)
            if problem is not None:
                if tolerant:
                    continue
                if kind == "json_too_deep":
                    raise DataError(f"{path}, line {lineno}: {problem}.")
                raise DataError(f"{path}, line {lineno}: {problem}; expected one JSON object per line.")
            yield lineno, value


def read_jsonl(path: str | os.PathLike, max_depth: Optional[int] = None, tolerant: bool = False) -> list[dict]:
    """The JSON objects of ``path``, in order (see the module docstring)."""
    rows = []
    for lineno, value in iter_jsonl(path, max_depth=max_depth, tolerant=tolerant):
        if not isinstance(value, dict):
            if tolerant:
                continue
            kind = type(value).__name__
            raise DataError(f"{path}, line {lineno}: a JSON {kind} is not an object; expected one JSON object per line.")
        rows.append(value)
    return rows


def read_new_lines(path: str | os.PathLike, offset: int = 0) -> tuple[list[dict], int]:
    """The JSON objects on the complete lines of ``path`` from byte ``offset`` on, and the offset just past the
    last complete line (see the module docstring)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return [], offset
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    rows = []
    for raw in data[: end + 1].splitlines():
        if raw.strip():
            value, problem, _ = _decode(raw, None)
            if problem is None and isinstance(value, dict):  # a torn or foreign line is skipped, reading goes on
                rows.append(value)
    return rows, offset + end + 1


def dumps_line(obj: Any) -> str:
    """One JSON line (non-ASCII kept, values JSON cannot hold written as text), newline included."""
    return json.dumps(obj, ensure_ascii=False, default=str) + "\n"


def write_jsonl(rows: Iterable[Any], path: str | os.PathLike) -> Path:
    """Write ``rows`` as UTF-8 JSON lines, atomically; returns the path."""
    return atomic_write_text(path, "".join(dumps_line(r) for r in rows))


__all__ = ["parse_line", "iter_jsonl", "read_jsonl", "read_new_lines", "write_jsonl", "dumps_line", "deep_message", "too_deep", "ONE_PER_LINE"]
