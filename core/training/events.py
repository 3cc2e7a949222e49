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
from typing import Any, Optional

from core.jsonl import read_new_lines
from core.paths import atomic_write_json
from core.run_folder import (  # noqa: F401  (STOP_FILE, PID_FILE, OWNER_FILE, QUEUE_LOCK re-exported)
    EV_BEST,
    EV_DATA,
    EV_DELIVERY,
    EV_ERROR,
    EV_EVAL,
    EV_PARAMS,
    EV_PHASE,
    EV_PLAN,
    EV_PROGRESS,
    EV_RECIPE,
    EV_STATUS,
    EV_TRAIN,
    EV_WARNING,
    EVENTS_FILE,
    MESSAGE_EVENTS,
    OWNER_FILE,
    PHASE_DELIVERING,
    PID_FILE,
    QUEUE_LOCK,
    STATUS_FILE,
    STOP_FILE,
)

EVENTS = EVENTS_FILE  # the names this module exported before core/run_folder.py
STATUS = STATUS_FILE
FINAL_STATES = ("completed", "stopped", "failed")


# the trainer's bookkeeping beside an evaluation's metrics (eval_runtime, eval_model_preparation_time,
# eval_samples_per_second, epoch): measured time, not quality, and never repeated from an earlier run
BOOKKEEPING_SUFFIXES = ("runtime", "_time", "per_second", "epoch")


def is_bookkeeping(name: str) -> bool:
    """True when an evaluation result's key ``name`` is the trainer's bookkeeping, not a quality metric."""
    return str(name).endswith(BOOKKEEPING_SUFFIXES)


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
            self.emit(EV_STATUS, status=status, **fields)
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
    """Events written since byte ``offset``; returns them and the offset to pass next time (``core.jsonl``'s
    incremental reader: a line still being written is left for the next call, a torn line is skipped)."""
    return read_new_lines(Path(run_dir) / EVENTS, offset)


def read_status(run_dir: str | Path) -> dict:
    """The run's ``status.json`` as a dict; {} when it is missing or unreadable (not UTF-8, not JSON, not an object),
    so one damaged run folder never breaks the runs list or a command on another run."""
    path = Path(run_dir) / STATUS
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # ValueError: JSONDecodeError and UnicodeDecodeError
        return {}
    return value if isinstance(value, dict) else {}


# ------------------------------------------------------------------------------------------ folding for display

MAX_POINTS = 2000
MAX_LOG = 200


def empty_view(run_dir: str | None = None) -> dict:
    """What a live display of one run holds (JSON-able, so a UI can keep it in its session state): loss and
    metric points, the metric's 95% band and its number of queries, log lines, the recipe's choices ([key, line]
    pairs, the line as logged), the data's format as the run read it, the last progress / phase / plan event, the
    byte offset read so far."""
    return {"run_dir": run_dir, "offset": 0, "train": [], "eval": [], "band": [], "band_n": None, "log": [],
            "recipe": [], "data_format": None, "progress": {}, "status": "", "metric": None, "plan": {}, "phase": {}}


def _num(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "-" if v is None else str(v)
    if isinstance(v, float):
        return f"{v:.4f}" if math.isfinite(v) else "-"
    return str(v)


def metric_band(value: float, metric: Optional[str], gain: Any) -> Optional[tuple[float, float]]:
    """(low, high): the 95% interval of an evaluation's ``metric`` ``value`` read from its paired gain over the base
    (the eval event's ``vs_base``: the base's value plus the gain's interval); None when the event has none or
    it is of another metric."""
    from core.evaluation.stats import brief_numbers

    nums = brief_numbers(gain) if isinstance(gain, dict) and gain.get("metric") == metric else None
    if nums is None:
        return None
    base = value - nums[0]
    return base + nums[1], base + nums[2]


def fold_events(view: dict, events: list[dict]) -> dict:
    """A new view with ``events`` folded in (``view`` is left as it was): ``train`` gets (step, loss) points,
    ``eval`` (step, main metric) points, ``band`` (step, low, high): the 95% interval of each evaluation's
    metric from its paired gain over the base model (``core.training.evaluators.gain_over_base``, the eval
    event's ``vs_base``), ``progress`` / ``phase`` / ``plan`` / ``status`` the latest of their kind, ``log``
    one readable line per event worth reading."""
    out = dict(empty_view(view.get("run_dir")), **view)
    out.update(train=list(out["train"]), eval=list(out["eval"]), band=list(out["band"]), log=list(out["log"]),
               recipe=[list(kv) for kv in out.get("recipe") or []])
    log = out["log"].append  # each line one template of ui.strings.ENGINE_ZH (the Train tab shows it in its language)
    for ev in events:
        typ = ev.get("type")
        if typ == EV_TRAIN and isinstance(ev.get("loss"), (int, float)):
            out["train"].append((ev.get("step", 0), float(ev["loss"])))
        elif typ == EV_EVAL:
            metrics = ev.get("metrics") or {}
            name = out.get("metric") or next(iter(metrics), None)
            out["metric"] = name
            band, gain = None, ev.get("vs_base")
            if name in metrics and isinstance(metrics[name], (int, float)):
                out["eval"].append((ev.get("step", 0), float(metrics[name])))
                band = metric_band(float(metrics[name]), name, gain)
                if band:
                    out["band"].append((ev.get("step", 0), *band))
                    out["band_n"] = gain.get("n")
            shown = [(k, v) for k, v in metrics.items() if not is_bookkeeping(k)]
            shown.sort(key=lambda kv: kv[0] != name)
            step, values = ev.get("step"), ", ".join(f"{k}={_num(v)}" for k, v in shown[:6])
            if band:  # the gain over the base beside the metrics, with its interval and what it amounts to
                diff, low, high, n = gain["diff"], gain["ci_low"], gain["ci_high"], gain.get("n")
                if gain.get("verdict") == "better":
                    log(f"eval step {step}: {values}; vs base {diff:+.4f}, 95% CI [{low:+.4f}, {high:+.4f}] over {n} "
                        "queries: better")
                elif gain.get("verdict") == "worse":
                    log(f"eval step {step}: {values}; vs base {diff:+.4f}, 95% CI [{low:+.4f}, {high:+.4f}] over {n} "
                        "queries: worse")
                else:
                    log(f"eval step {step}: {values}; vs base {diff:+.4f}, 95% CI [{low:+.4f}, {high:+.4f}] over {n} "
                        "queries: no difference")
            else:
                log(f"eval step {step}: {values}")
        elif typ == EV_PROGRESS:
            out["progress"] = ev
        elif typ == EV_PHASE:
            phase, what = ev.get("phase"), ev.get("what")
            if out["phase"].get("phase") != phase and phase not in ("done", PHASE_DELIVERING):  # (its log lines say it)
                log(f"phase: {phase} ({what})" if what else f"phase: {phase}")
            out["phase"] = ev
        elif typ == EV_STATUS:
            status, err = ev.get("status", ""), ev.get("error")
            out["status"] = status
            log(f"status: {status} ({err})" if err else f"status: {status}")
        elif typ == EV_PLAN:
            out["plan"] = ev
            if ev.get("main_metric"):
                out["metric"] = ev["main_metric"]
            steps, loss, metric = ev.get("total_steps"), ev.get("loss"), ev.get("main_metric")
            log(f"plan: {steps} steps, loss {loss}, metric {metric}")
        elif typ in MESSAGE_EVENTS:
            message = ev.get("message", "")
            log(f"warning: {message}" if typ == EV_WARNING else f"error: {message}" if typ == EV_ERROR else f"log: {message}")
        elif typ == EV_RECIPE:
            recipe = ev.get("recipe")
            for c in ev.get("choices") or []:
                key, value, reason = c.get("key"), c.get("value"), c.get("reason")
                log(f"recipe {recipe}: {key} = {value} ({reason})")
                line = out["log"][-1]
                # what the run used: a choice measured later (the negatives, the scale) replaces the planned one
                kept = next((kv for kv in out["recipe"] if kv[0] == key), None)
                if kept is not None:
                    kept[1] = line
                else:
                    out["recipe"].append([key, line])
        elif typ == EV_PARAMS:
            strategy, trainable, total = ev.get("strategy"), f"{ev.get('trainable'):,}", f"{ev.get('total'):,}"
            stage, step = ev.get("stage"), ev.get("step")
            if stage:  # a staged strategy's switch to its second stage
                log(f"strategy {strategy}, second stage {stage} from step {step}: {trainable} of {total} parameters trainable")
            else:
                log(f"strategy {strategy}: {trainable} of {total} parameters trainable")
        elif typ == EV_DATA:
            fmt, counts = ev.get("format"), ev.get("counts")
            out["data_format"] = fmt  # as the run read its data (a config may leave the format to detection)
            log(f"data: {fmt} {counts}")
        elif typ == EV_BEST:
            metric, value, step = ev.get("metric"), _num(ev.get("value")), ev.get("step")
            log(f"best {metric} = {value} at step {step}")
        elif typ == EV_DELIVERY:
            message, change = ev.get("message", ""), ev.get("change", "")
            log(f"delivery ({change}): {message}")
    out["train"] = out["train"][-MAX_POINTS:]
    out["log"] = out["log"][-MAX_LOG:]
    return out


def phase_progress(view: dict, status: str) -> dict:
    """What the progress bar shows for a view and the run's displayed status: ``{"kind": ..., "fraction": f,
    "step": s, "total": n, "done": k, "eta": seconds or None, "what": ...}``.

    ``kind`` is one of ``loading_model``, ``mining`` (hard negatives), ``evaluating_base``, ``evaluating``, ``saving``, ``training``,
    ``delivering`` (choosing the delivered model; ``what`` is the delivery's progress sentence), ``stopping``, ``queued`` or the end status (``completed``, ``stopped``, ``failed``, ``interrupted``); for
    evaluations ``done``/``total`` count encoded texts, for training steps."""
    pr = view.get("progress") or {}
    ph = view.get("phase") or {}
    total_steps = pr.get("total_steps") or (view.get("plan") or {}).get("total_steps") or 0
    step = pr.get("step", 0) or 0
    train_frac = pr.get("fraction") or (step / total_steps if total_steps else 0.0)
    base = {"step": step, "total": total_steps, "done": step, "fraction": train_frac, "eta": None,
            "what": ph.get("what")}
    phase = ph.get("phase")
    if phase == PHASE_DELIVERING and status in ("running", "stopping"):  # after training: candidates and checks
        done, total = ph.get("done") or 0, ph.get("total") or 0
        return dict(base, kind=PHASE_DELIVERING, done=done, total=total, fraction=done / total if total else train_frac,
                    what=ph.get("what"))
    if status == "stopping":
        return dict(base, kind="stopping", what=ph.get("what") if phase == "saving" else None)
    if status in FINAL_STATES or status == "interrupted":
        return dict(base, kind=status, fraction=1.0 if status == "completed" else train_frac)
    if status == "queued" or (not phase and not pr):
        return dict(base, kind="queued", fraction=0.0)
    if phase in ("evaluating_base", "evaluating", "mining"):
        done, total = ph.get("done") or 0, ph.get("total") or 0
        return dict(base, kind=phase, done=done, total=total, fraction=done / total if total else 0.0,
                    step=ph.get("step", step))
    if phase in ("loading_model", "saving", "finishing"):
        return dict(base, kind=phase, fraction=train_frac if phase != "loading_model" else 0.0)
    return dict(base, kind="training", eta=pr.get("eta_seconds"))


# ---------------------------------------------------------------------------------------- the command line's log

class EchoLog:
    """While a run trains in this process, write its events to ``stream`` as the Train tab's log lines (one per
    event worth reading, ``fold_events``): the data, the recipe's choices with their reasons, each phase, every
    evaluation with its interval, the delivered model and why. ``python -m core train`` uses it, so the command
    line says what the studio says. A context manager: a daemon thread reads ``events.jsonl`` from where it ended
    on entry (a resumed run prints only what it adds) every ``every`` seconds; on exit it reads the rest."""

    def __init__(self, run_dir: str | Path, stream: Any = None, every: float = 0.5):
        import sys
        import threading

        self.run_dir, self.every = Path(run_dir), every
        self.stream = stream if stream is not None else sys.stderr
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="echo-log", daemon=True)
        self._view: dict = empty_view(str(run_dir))
        try:
            self._view["offset"] = (self.run_dir / EVENTS).stat().st_size
        except OSError:
            pass

    def _drain(self, skip: tuple[str, ...] = ()) -> None:
        events, self._view["offset"] = read_events(self.run_dir, self._view["offset"])
        events = [e for e in events if e.get("type") not in skip]
        for start in range(0, len(events), MAX_LOG):  # each fold keeps at most MAX_LOG lines
            self._view = fold_events(dict(self._view, log=[]), events[start:start + MAX_LOG])
            for line in self._view["log"]:
                print(line, file=self.stream, flush=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self._drain()
            except Exception:  # noqa: BLE001 - the log is a courtesy: it never stops the run
                pass

    def __enter__(self) -> EchoLog:
        self._thread.start()
        return self

    def __exit__(self, kind, *exc) -> None:
        self._stop.set()
        self._thread.join()
        try:  # a run that raised: the command line says its error in one sentence, so its error lines are not repeated
            self._drain(skip=(EV_ERROR, EV_STATUS) if kind is not None else ())
        except Exception:  # noqa: BLE001
            pass
