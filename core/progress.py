"""Progress reporting for long work (mining, embedding, LLM calls, training).

Long functions take ``progress: ProgressFn | None``; they call it with a ``Progress`` as work advances.
``Tracker`` computes rate and ETA so every caller reports the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Optional


@dataclass
class Progress:
    stage: str  # short machine name, e.g. "embed", "bm25", "llm"
    done: int
    total: Optional[int]
    rate: Optional[float] = None  # items per second
    eta_seconds: Optional[float] = None
    message: str = ""
    share: Optional[float] = None  # the whole work's share done, when it is finer than done / total (0..1)

    @property
    def fraction(self) -> Optional[float]:
        if self.share is not None:
            return self.share
        return (self.done / self.total) if self.total else None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["fraction"] = self.fraction
        return d


ProgressFn = Callable[[Progress], None]


def labelled(progress: Optional[ProgressFn], label: str) -> Optional[ProgressFn]:
    """A ``ProgressFn`` that prefixes every report's message with ``label`` (e.g. which model is embedding)."""
    if progress is None:
        return None
    return lambda p: progress(replace(p, message=f"{label}: {p.message}".rstrip(": ")))


class Tracker:
    """Counts work and reports it, at most every ``min_interval`` seconds (and always at the end)."""

    def __init__(self, stage: str, total: Optional[int], progress: Optional[ProgressFn], min_interval: float = 0.2):
        self.stage, self.total, self.progress, self.min_interval = stage, total, progress, min_interval
        self.done = 0
        self.start = time.monotonic()
        self._last = 0.0

    def update(self, n: int = 1, message: str = "") -> None:
        self.done += n
        now = time.monotonic()
        finished = self.total is not None and self.done >= self.total
        if self.progress and (finished or now - self._last >= self.min_interval):
            self._last = now
            self.progress(self.snapshot(message))

    def snapshot(self, message: str = "") -> Progress:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        rate = self.done / elapsed if self.done else None
        eta = (self.total - self.done) / rate if (rate and self.total is not None) else None
        return Progress(self.stage, self.done, self.total, rate, eta, message)
