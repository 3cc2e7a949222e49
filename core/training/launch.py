"""Start, stop and list training runs as child processes (what the UI uses).

- ``new_run_dir(name) -> Path``: ``runs/<safe-name>`` (``-2``, ``-3``... when taken).
- ``start_run(config, run_dir=None, resume=False, owner=None) -> Path``: writes ``config.yaml`` (and the owner,
  ``core.training.owners``), puts the run in the training queue (``status.json``: ``queued`` with
  ``waiting: true``) and advances the queue: when no training is running it starts at once as
  ``python -m core train --run-dir DIR [--resume]``, a detached child whose output goes to ``train.log``.
- ``advance_queue(root=None, ignore=None)``: idempotent; under a lock file (``QUEUE_LOCK``), when no training
  is running (a process that has recorded its end and is only exiting does not count), starts the oldest
  waiting run. Called by ``start_run``, by the training child as it exits
  (``python -m core train``, whatever ended the run) and by the UI's periodic refresh (so a killed child or a
  closed page never stalls the queue). One training at a time.
- ``queue_position(run_dir) -> int | None``: 1 for the next run to start; None when not waiting.
- ``request_stop(run_dir) -> str``: ``"cancelled"`` for a run waiting in the queue (it leaves the queue,
  status ``stopped`` with ``cancelled: true``); ``"not_running"`` for a run that ended (nothing is written);
  else writes the ``STOP`` file the trainer checks after every step and returns ``"requested"``.
- ``is_alive(run_dir)``: the run's process (``pid`` file, else the pid in ``status.json``) is running.
- ``run_status(run_dir) -> str``: the one displayed status of a run (``status.json`` + process liveness), used by
  the runs table, the Train header and ``start_run``; ``run_phase(run_dir)`` says what a live run is doing.
- ``list_runs() -> list[RunInfo]`` (status, best metric, steps, queue position) for a runs table; the UI lists
  ``core.training.owners.visible_runs`` (the same, filtered by owner on a shared server).
- ``active_run()``: the run currently training in this runs folder, if any (one training at a time).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from core.errors import StudioError
from core.paths import atomic_write_text, run_name_arg, run_path, runs_root
from core.run_folder import CONFIG_FILE, EV_STATUS, LOG_FILE, PID_FILE, QUEUE_LOCK
from core.training.config import TrainConfig
from core.training.events import FINAL_STATES, STOP_FILE, EventLog, read_status
from core.training.owners import record_owner

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
    position: Optional[int] = None  # place in the training queue (1 = next), None when not waiting
    delivered: Optional[str] = None  # the delivered model's name (core.training.delivery), None before delivery
    delivered_metric: Optional[float] = None  # its validation score
    delivered_gain: Optional[dict] = None  # its paired gain over the base (core.evaluation.stats.brief); None: base


def new_run_dir(name: str, root: Optional[Path] = None) -> Path:
    """A new folder for the run ``name`` (``-2``, ``-3``... when taken). A name with folders in it (``../x``,
    ``a/b``) is refused with one sentence, as ``--name`` is (``core.paths.run_name_arg``); any other character that
    cannot be in a folder name becomes ``-``."""
    root = Path(root or runs_root())
    base = run_name_arg(name, default="run")
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
    pid_file = Path(run_dir) / PID_FILE
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
    - recorded ``queued`` and ``waiting`` (in the training queue, no process yet): ``queued``;
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
    if recorded == "queued" and st.get("waiting"):
        return "queued"
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


def refuse_finished_resume(run_dir: Path, config: TrainConfig) -> None:
    """Raise StudioError when the run in ``run_dir`` completed every step ``config`` plans: resuming it would
    train one step past its plan and rewrite its models (the CLI's ``--resume`` and the Train tab's Resume).
    The plan: ``hyper.max_steps`` when set, else the run's own ``plan`` event when its epochs are unchanged; a
    config that asks for more steps or epochs resumes. Nothing is read but the status and the events."""
    from core.training.events import read_events

    status = read_status(run_dir)
    if run_status(run_dir, status) != "completed":
        return
    max_steps = config.hyper.max_steps
    planned = max_steps if max_steps is not None and max_steps > 0 else None
    if planned is None:
        plans = [e for e in read_events(run_dir)[0] if e.get("type") == "plan"]
        if plans and "given_epochs" in plans[-1] and plans[-1]["given_epochs"] == config.hyper.epochs:
            planned = plans[-1].get("total_steps")
    step = int(status.get("step") or 0)
    if planned is not None and step >= int(planned):
        name = Path(run_dir).name
        raise StudioError(f"The run '{name}' has completed its {step} planned steps: there is nothing to resume. Raise "
                          "hyper.max_steps or hyper.epochs in its config to train further, or start a new run.")


def start_run(config: TrainConfig, run_dir: Optional[str | Path] = None, resume: bool = False,
              owner: Optional[str] = None, allow_concurrent: bool = False) -> Path:
    """Queue a training and start it when no other one runs; returns the run folder at once.

    ``run_dir`` (to resume) must be a run folder directly inside ``runs_root()`` (``core.paths.run_path``) and
    not queued or running already. ``owner`` (``core.training.owners.owner_key``) is recorded for a new run.
    ``read_status(run_dir)["status"]`` is ``queued`` with ``waiting: true`` while it waits (``queue_position``);
    the run starts when the running training ends (``advance_queue``). ``allow_concurrent`` starts it at once
    beside any other (tests, or an operator who knows the machine has room)."""
    config.validate()  # nothing (not even the run folder) is created for a bad config
    from core.models.sources import check_max_length

    check_max_length(config.model, config.hyper.max_seq_length)  # nor for a length the model cannot read
    if not resume:  # nor for settings this machine's memory cannot hold (the CLI checks the same way)
        from core.training.memory import check_fits

        check_fits(config)
    if run_dir is None:
        _refuse_twin(config, owner)
    if run_dir is not None:
        run_dir = _checked_run_dir(run_dir)
        if resume:
            refuse_finished_resume(run_dir, config)
        shown = run_status(run_dir)
        if shown in ("queued", "running", "stopping"):
            raise StudioError(f"The run {run_dir.name} is already {shown}; stop it or wait for it to end before starting it again.")
    run_dir = run_dir if run_dir is not None else new_run_dir(config.name)
    run_dir.mkdir(parents=True, exist_ok=True)
    config.save(run_dir / CONFIG_FILE)
    record_owner(run_dir, owner)
    (run_dir / STOP_FILE).unlink(missing_ok=True)
    if allow_concurrent:
        _launch(run_dir, resume)
        return run_dir
    with _queue_lock(run_dir.parent):
        (run_dir / PID_FILE).unlink(missing_ok=True)  # an old run's pid never makes a waiting run look alive
        _set_status(run_dir, "queued", waiting=True, queued_at=time.time(), resume=bool(resume), name=config.name,
                    model=config.model)
    advance_queue(run_dir.parent)
    return run_dir


def _refuse_twin(config: TrainConfig, owner: Optional[str]) -> None:
    """StudioError when one of ``owner``'s runs is queued or running with the very same settings (all but the
    name): a second click on Start would queue a copy of it (``pig-run-2``) and show it instead of the first."""
    from core.training.owners import visible_runs

    wanted = {k: v for k, v in config.to_dict().items() if k != "name"}
    for info in visible_runs(owner):
        if info.status not in ("queued", "running"):
            continue
        try:
            theirs = TrainConfig.load(info.path / CONFIG_FILE).to_dict()
        except StudioError:
            continue
        if {k: v for k, v in theirs.items() if k != "name"} != wanted:
            continue
        if theirs.get("name") == config.name:
            raise StudioError(f"The run {info.name} is already {info.status} with these same settings; change a "
                              "setting to train another run, or stop it first.")
        raise StudioError(f"The run {info.name} is already {info.status} with these same settings, only its name "
                              "differs; change a setting to train another run, or stop it first.")


def _set_status(run_dir: Path, status: str, **fields) -> None:
    """A status change made by the launcher, not by a training process (so no pid is recorded)."""
    log = EventLog(run_dir, enabled=True)
    log.emit(EV_STATUS, status=status, **fields)
    log.update_status(status=status, pid=None, **fields)


@contextlib.contextmanager
def _queue_lock(root: Path):
    """Hold the runs folder's queue lock (``fcntl.flock`` on ``QUEUE_LOCK``; released if the holder dies)."""
    import fcntl

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / QUEUE_LOCK, "a") as fh:  # not inherited by children (close-on-exec)
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def advance_queue(root: Optional[str | Path] = None, ignore: Optional[str | Path] = None) -> Optional[Path]:
    """Start the oldest waiting run when no training runs (``ignore``: a run whose process is the caller,
    ending); returns the run started, else None. Safe to call any number of times from any process."""
    root = Path(root or runs_root())
    skip = Path(ignore).resolve() if ignore is not None else None
    reap_children()  # (the Train tab calls this every second: finished children are collected here)
    if not any(r.position for r in list_runs(root)):
        return None  # nothing waits (the common case): no lock taken, nothing written
    with _queue_lock(root):
        runs = list_runs(root)
        for r in runs:
            if r.path.resolve() == skip:
                continue
            if r.status == "queued" and r.position is None:  # its child is starting
                return None
            if r.alive and read_status(r.path).get("status") not in FINAL_STATES:
                return None  # training (a process that has recorded its end is only exiting: it holds nothing)
        for r in sorted((r for r in runs if r.position), key=lambda r: r.position):
            try:
                _launch(r.path, bool(read_status(r.path).get("resume")))
                return r.path
            except OSError as err:  # the child could not even be started: that run fails, the next one goes
                _set_status(r.path, "failed", waiting=False, error=f"The training process could not start: {err}")
    return None


def queue_position(run_dir: str | Path) -> Optional[int]:
    """The run's place in the training queue (1 = next), None when it is not waiting."""
    run_dir = Path(run_dir)
    for r in list_runs(run_dir.parent):
        if r.path.name == run_dir.name:
            return r.position
    return None


def _launch(run_dir: Path, resume: bool) -> None:
    """Start ``python -m core train --run-dir DIR [--resume]`` as a detached child (status ``queued`` until the
    child records ``running``)."""
    cfg = read_status(run_dir)
    _set_status(run_dir, "queued", waiting=False, name=cfg.get("name"), model=cfg.get("model"))
    cmd = [sys.executable, "-m", "core", "train", "--run-dir", str(run_dir)]
    if resume:
        cmd.append("--resume")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    for secret in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "OPENAI_API_KEY"):
        env.pop(secret, None)  # training needs no secret
    log = open(run_dir / LOG_FILE, "ab")
    try:
        proc = subprocess.Popen(cmd, cwd=str(PROJECT_ROOT), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    finally:
        log.close()
    atomic_write_text(run_dir / PID_FILE, str(proc.pid))
    _CHILDREN[str(run_dir)] = proc


_CHILDREN: dict[str, subprocess.Popen] = {}


def reap_children() -> int:
    """Collect the training processes this process started that have ended, so none stays behind as a zombie for
    as long as the studio runs (nothing else waits for them); returns how many were collected."""
    ended = [key for key, proc in list(_CHILDREN.items()) if proc.poll() is not None]
    for key in ended:
        _CHILDREN.pop(key, None)
    return len(ended)


def _checked_run_dir(run_dir: str | Path) -> Path:
    """``run_dir`` if it is the folder ``run_path`` gives for its own name; else a StudioError."""
    given = Path(run_dir)
    path = run_path(given.name)
    if given.resolve() != path.resolve():
        raise StudioError(f"The run folder '{given}' is not inside the runs folder {runs_root()}; it is refused.")
    return path


def request_stop(run_dir: str | Path) -> str:
    """Stop a run: a run waiting in the queue leaves it at once (``"cancelled"``); a running one is asked to stop
    after its current step and saves a loadable model (``"requested"``); a run that is not running is left as it
    is (``"not_running"``)."""
    run_dir = Path(run_dir)
    with _queue_lock(run_dir.parent):
        st = read_status(run_dir)
        if st.get("status") == "queued" and st.get("waiting"):
            _set_status(run_dir, "stopped", waiting=False, cancelled=True)
            return "cancelled"
        if run_status(run_dir, st) not in ("queued", "running", "stopping"):
            return "not_running"  # a finished run: no stop file left behind for a later resume to trip on
        atomic_write_text(run_dir / STOP_FILE, str(time.time()))
    return "requested"


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
    out, waiting = [], []
    if not root.is_dir():
        return out
    for path in sorted(root.iterdir()):
        if not path.is_dir() or not (path / CONFIG_FILE).exists():
            continue
        try:
            run_path(path.name, root=root)  # a symlink out of the runs folder or an odd name is not a run
        except StudioError:
            continue
        st = read_status(path)
        alive = is_alive(path, st)
        status = run_status(path, st, alive)
        out.append(RunInfo(path.name, path, status, st.get("model", ""), st.get("main_metric"), st.get("baseline"),
                           st.get("best_metric"), st.get("step"), st.get("updated"), alive,
                           delivered=st.get("delivered"), delivered_metric=st.get("delivered_metric"),
                           delivered_gain=st.get("delivered_gain")))
        if status == "queued" and st.get("waiting") and not alive:
            waiting.append((float(st.get("queued_at") or st.get("updated") or 0), path.name, out[-1]))
    for i, (_, _, info) in enumerate(sorted(waiting, key=lambda w: w[:2]), 1):
        info.position = i
    out.sort(key=lambda r: r.updated or 0, reverse=True)
    return out
