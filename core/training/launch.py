"""Start, stop and list training runs as child processes (what the UI uses).

- ``new_run_dir(name) -> Path``: ``runs/<safe-name>`` (``-2``, ``-3``... when taken).
- ``start_run(config, run_dir=None, resume=False) -> Path``: writes ``config.yaml`` and starts
  ``python -m core train --run-dir DIR [--resume]`` as a detached child; its output goes to ``train.log``.
- ``request_stop(run_dir)``: writes the ``STOP`` file the trainer checks after every step.
- ``is_alive(run_dir)``: the run's process (``pid`` file, else the pid in ``status.json``) is running.
- ``run_status(run_dir) -> str``: the one displayed status of a run (``status.json`` + process liveness), used by
  the runs table, the Train header and ``start_run``; ``run_phase(run_dir)`` says what a live run is doing.
- ``list_runs() -> list[RunInfo]`` (status, best metric, steps) for a runs table.
- ``active_run()``: the run currently training in this runs folder, if any (one training at a time).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from core.errors import StudioError
from core.paths import atomic_write_text, run_path, runs_root, safe_name
from core.training.config import TrainConfig
from core.training.events import FINAL_STATES, STOP_FILE, EventLog, read_status

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunInfo:
    name: str
    path: Path
    status: str
    model: str
    main_metric: Optional[str]
    baseline: Optional[float]
    best_metric: Optional[float]
    step: Optional[int]
    updated: Optional[float]
    alive: bool


def new_run_dir(name: str, root: Optional[Path] = None) -> Path:
    root = Path(root or runs_root())
    base = safe_name(name, default="run")
    path, n = run_path(base, root=root), 2
    while path.exists() or path.is_symlink():
        path, n = run_path(f"{base}-{n}", root=root), n + 1
    path.mkdir(parents=True)
    return path


def _pid_alive(pid: Optional[int]) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError):
        return False
    try:  # a zombie child (finished, not yet reaped) is not alive
        with open(f"/proc/{int(pid)}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def is_alive(run_dir: str | Path, status: Optional[dict] = None) -> bool:
    """True while the run's process lives: the ``pid`` file written by ``start_run``, else (a run started from
    the command line) the pid the runner recorded in ``status.json``."""
    pid_file = Path(run_dir) / "pid"
    try:
        return _pid_alive(int(pid_file.read_text().strip()))
    except (OSError, ValueError):
        pass
    st = read_status(run_dir) if status is None else status
    if st.get("status") == "queued":  # written by the launching process, before the child exists
        return False
    try:
        return _pid_alive(int(st.get("pid")))
    except (TypeError, ValueError):
        return False


def run_status(run_dir: str | Path, status: Optional[dict] = None, alive: Optional[bool] = None) -> str:
    """The status to show for a run, from ``status.json`` and whether its process is alive.

    - recorded ``stopped`` but the process still exits: ``stopping`` (so "stopped" means the process is gone);
      ``completed``/``failed`` are shown as recorded (``start_run`` waits for such an exiting process anyway);
    - recorded ``queued``/``running``/``stopping`` and alive: as recorded;
    - recorded ``queued`` less than 30 s ago and not yet alive: ``queued`` (the child is starting);
    - otherwise not alive without a recorded end: ``interrupted`` (killed, crashed);
    - no ``status.json``: ``unknown``."""
    st = read_status(run_dir) if status is None else status
    alive = is_alive(run_dir, st) if alive is None else alive
    recorded = st.get("status")
    if not recorded:
        return "unknown"
    if recorded in FINAL_STATES:
        return "stopping" if alive and recorded == "stopped" else recorded
    if alive:
        return recorded
    if recorded == "queued" and time.time() - float(st.get("updated") or 0) < 30:
        return "queued"
    status = "interrupted"  # recorded as running, but its process is gone (killed, machine restarted)
    return status


def run_phase(run_dir: str | Path, status: Optional[dict] = None) -> dict:
    """``{"phase": ..., "what": ..., "step": ...}`` of a run as its runner last recorded it (empty if none)."""
    st = read_status(run_dir) if status is None else status
    return {k: st.get(src) for k, src in (("phase", "phase"), ("what", "phase_what"), ("step", "step")) if st.get(src) is not None}


def active_run(root: Optional[Path] = None) -> Optional[Path]:
    for info in list_runs(root):
        if info.alive:
            return info.path
    return None


def start_run(config: TrainConfig, run_dir: Optional[str | Path] = None, resume: bool = False,
              allow_concurrent: bool = False, exit_grace: float = 30.0) -> Path:
    """Start training in a child process; returns the run folder at once.

    ``run_dir`` (to resume) must be a run folder directly inside ``runs_root()`` (``core.paths.run_path``).
    A run that has recorded its end (stopped / completed) but whose process is still exiting is waited for
    (up to ``exit_grace`` seconds) instead of refusing, so Resume works right after a stop."""
    config.validate()  # nothing (not even the run folder) is created for a bad config
    if not resume:  # nor for settings this machine's memory cannot hold (the CLI checks the same way)
        from core.training.memory import check_fits

        check_fits(config)
    if run_dir is not None:
        run_dir = _checked_run_dir(run_dir)
    if not allow_concurrent:
        busy = active_run()
        deadline = time.monotonic() + exit_grace
        while busy is not None and read_status(busy).get("status") in FINAL_STATES and time.monotonic() < deadline:
            time.sleep(0.2)
            busy = active_run()
        if busy is not None:
            if run_status(busy) == "stopping":
                raise StudioError(f"The run {busy.name} is still stopping (it saves a checkpoint before it exits); "
                                  "start or resume once it shows stopped.")
            raise StudioError(f"A training is already running ({busy.name}); stop it or wait for it to finish before starting another.")
    run_dir = run_dir if run_dir is not None else new_run_dir(config.name)
    run_dir.mkdir(parents=True, exist_ok=True)
    config.save(run_dir / "config.yaml")
    (run_dir / STOP_FILE).unlink(missing_ok=True)
    EventLog(run_dir).status("queued", name=config.name, model=config.model)
    cmd = [sys.executable, "-m", "core", "train", "--run-dir", str(run_dir)]
    if resume:
        cmd.append("--resume")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    for secret in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "OPENAI_API_KEY"):
        env.pop(secret, None)  # training needs no secret
    log = open(run_dir / "train.log", "ab")
    proc = subprocess.Popen(cmd, cwd=str(PROJECT_ROOT), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    log.close()
    atomic_write_text(run_dir / "pid", str(proc.pid))
    _CHILDREN[str(run_dir)] = proc
    return run_dir


_CHILDREN: dict[str, subprocess.Popen] = {}


def _checked_run_dir(run_dir: str | Path) -> Path:
    """``run_dir`` if it is the folder ``run_path`` gives for its own name; else a StudioError."""
    given = Path(run_dir)
    path = run_path(given.name)
    if given.resolve() != path.resolve():
        raise StudioError(f"The run folder '{given}' is not inside the runs folder {runs_root()}; it is refused.")
    return path


def request_stop(run_dir: str | Path) -> None:
    """Ask a running training to stop after its current step (it saves a loadable model)."""
    run_dir = Path(run_dir)
    atomic_write_text(run_dir / STOP_FILE, str(time.time()))


def wait(run_dir: str | Path, timeout: Optional[float] = None) -> dict:
    """Block until the run's child process ends (or ``timeout``); returns its status."""
    run_dir = Path(run_dir)
    proc = _CHILDREN.get(str(run_dir))
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        if proc is not None:
            if proc.poll() is not None:
                break
        elif not is_alive(run_dir):
            break
        if deadline is not None and time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return read_status(run_dir)


def list_runs(root: Optional[Path] = None) -> list[RunInfo]:
    root = Path(root or runs_root())
    out = []
    if not root.is_dir():
        return out
    for path in sorted(root.iterdir()):
        if not path.is_dir() or not (path / "config.yaml").exists():
            continue
        try:
            run_path(path.name, root=root)  # a symlink out of the runs folder or an odd name is not a run
        except StudioError:
            continue
        st = read_status(path)
        alive = is_alive(path, st)
        status = run_status(path, st, alive)
        out.append(RunInfo(path.name, path, status, st.get("model", ""), st.get("main_metric"), st.get("baseline"),
                           st.get("best_metric"), st.get("step"), st.get("updated"), alive))
    out.sort(key=lambda r: r.updated or 0, reverse=True)
    return out
