"""Run-folder events: ``events.jsonl`` (append-only, one JSON object per line) and ``status.json``.

Writers: ``EventLog(run_dir).emit(type, **fields)``; only the process of rank 0 writes (a log made on another
rank is a no-op), so the same code runs under ``torchrun`` / ``accelerate launch``.
Readers: ``read_events(run_dir, offset=0) -> (events, new_offset)`` returns complete lines only (a line being
written is left for the next call), so a UI can poll cheaply; ``read_status(run_dir)``.
A line torn by a crash or a full disk is never merged with the next event: the writer first ends an
unterminated last line, and the reader skips any line that is not a JSON object.
"""

from __future__ import annotations

import json
import math
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.paths import atomic_write_json

EVENTS = "events.jsonl"
STATUS = "status.json"
STOP_FILE = "STOP"
FINAL_STATES = ("completed", "stopped", "failed")


def is_main_process() -> bool:
    """True on rank 0 (or when not distributed)."""
    for var in ("RANK", "LOCAL_RANK"):
        val = os.environ.get(var)
        if val not in (None, "") and var == "RANK":
            return int(val) == 0
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_rank() == 0
    except Exception:  # pragma: no cover - torch missing or odd backend
        pass
    return True


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN/inf: keep them readable
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        try:
            return _clean(value.item())
        except Exception:
            return str(value)
    return value


class EventLog:
    """Append events to ``run_dir/events.jsonl`` and keep ``status.json`` current."""

    def __init__(self, run_dir: str | Path, enabled: bool | None = None):
        self.run_dir = Path(run_dir)
        self.enabled = is_main_process() if enabled is None else enabled
        # What status.json says, kept in memory too, so every rank knows how its run ended.
        self.current: dict[str, Any] = read_status(self.run_dir) if self.enabled else {}
        if self.enabled:
            self.run_dir.mkdir(parents=True, exist_ok=True)

    def emit(self, type: str, **fields: Any) -> dict:
        event = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "type": type, **_clean(fields)}
        if self.enabled:
            line = json.dumps(event, ensure_ascii=False) + "\n"
            path = self.run_dir / EVENTS
            if _torn_tail(path):
                line = "\n" + line  # end a line torn by a crash or a full disk, so it never swallows this event
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        return event

    def status(self, status: str, **fields: Any) -> None:
        """Record a status change both as an event and in ``status.json`` (merged with what is there)."""
        try:
            self.emit("status", status=status, **fields)
        finally:  # status.json is kept current even when the events file cannot be written (disk full)
            self.update_status(status=status, pid=os.getpid(), **fields)

    def update_status(self, **fields: Any) -> None:
        """Merge fields into ``status.json`` without a status change (best metric, last step...)."""
        self.current.update(_clean(fields))
        self.current["updated"] = time.time()
        if self.enabled:
            atomic_write_json(self.run_dir / STATUS, self.current)


def _torn_tail(path: Path) -> bool:
    """True when ``path`` exists, is not empty and does not end with a newline (its last line was torn)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() == 0:
                return False
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) != b"\n"
    except OSError:
        return False


def read_events(run_dir: str | Path, offset: int = 0) -> tuple[list[dict], int]:
    """Events written since byte ``offset``; returns them and the offset to pass next time."""
    path = Path(run_dir) / EVENTS
    if not path.exists():
        return [], offset
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read()
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    events = []
    for raw in data[: end + 1].splitlines():
        if raw.strip():
            try:
                event = json.loads(raw)
            except ValueError:  # JSONDecodeError or undecodable bytes
                continue  # a torn line from a killed writer: skip it, keep reading
            if isinstance(event, dict):
                events.append(event)
    return events, offset + end + 1


def read_status(run_dir: str | Path) -> dict:
    path = Path(run_dir) / STATUS
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
