"""Faults during training: a full disk, a torn events line, a stop before any evaluation, a kill -9 mid-run."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.errors import StudioError
from core.run_folder import (
    CHECKPOINTS_DIR,
    CONFIG_FILE,
    EV_ERROR,
    EV_EVAL,
    EV_LOG,
    EV_PLAN,
    EV_STATUS,
    STATUS_FILE,
    STOP_FILE,
)
from core.training import read_events, read_status, run_training
from core.training.events import EVENTS, EventLog
from core.training.runner import DiskError, clean_partial_checkpoints, last_checkpoint
from tests.core.training.test_runner import tiny_config

ROOT = Path(__file__).resolve().parents[3]


def test_torn_last_line_never_swallows_the_next_event(tmp_path):
    log = EventLog(tmp_path, enabled=True)
    log.emit(EV_LOG, message="before")
    with open(tmp_path / EVENTS, "ab") as fh:  # a writer killed (or out of disk) half-way through a line
        fh.write(b'{"time": "2026-01-01T00:00:00", "type": "tra')
    events, offset = read_events(tmp_path)
    assert [e["message"] for e in events] == ["before"]  # the unterminated line is left alone
    EventLog(tmp_path, enabled=True).emit(EV_LOG, message="after resume")
    more, _ = read_events(tmp_path, offset)
    assert [e.get("message") for e in more] == ["after resume"]
    events, _ = read_events(tmp_path)
    assert [e["message"] for e in events] == ["before", "after resume"]
    # a line that is valid JSON but not an event object is skipped as well
    with open(tmp_path / EVENTS, "ab") as fh:
        fh.write(b'12\n\xff\xfe\n')
    EventLog(tmp_path, enabled=True).emit(EV_LOG, message="last")
    assert [e["message"] for e in read_events(tmp_path)[0]] == ["before", "after resume", "last"]


def _fail_checkpoint_save_at(monkeypatch, fail_step: int) -> list[int]:
    """Make the trainer's checkpoint save at ``fail_step`` write part of its files and then hit a full disk."""
    from transformers import Trainer

    original = Trainer._save_checkpoint
    calls: list[int] = []

    def save(self, model, trial):
        calls.append(self.state.global_step)
        if self.state.global_step == fail_step:
            folder = Path(self.args.output_dir) / f"checkpoint-{fail_step}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "model.safetensors").write_bytes(b"\0" * 100)  # torn: no trainer_state.json
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "model.safetensors"))
        return original(self, model, trial)

    monkeypatch.setattr(Trainer, "_save_checkpoint", save)
    return calls


def test_disk_full_while_saving_fails_the_run_then_resume_cleans_and_finishes(tiny_model_path, format_file, tmp_runs, monkeypatch):
    run_dir = tmp_runs / "full"
    cfg = tiny_config(tiny_model_path, format_file("pair"), max_steps=4, eval_steps=2)
    calls = _fail_checkpoint_save_at(monkeypatch, 4)
    with pytest.raises(DiskError) as err:
        run_training(cfg, run_dir)
    assert isinstance(err.value, StudioError)
    assert calls == [2, 4]
    msg = str(err.value)
    assert "No space left on device" in msg and "model.safetensors" in msg and "resume" in msg
    assert "\n" not in msg and "Traceback" not in msg
    status = read_status(run_dir)
    assert status["status"] == "failed" and status["error"] == msg
    events, _ = read_events(run_dir)
    assert events[-1]["type"] == EV_STATUS and events[-1]["status"] == "failed"
    assert events[-2]["type"] == EV_ERROR and events[-2]["message"] == msg and events[-2]["kind"] == "disk"
    assert (run_dir / CHECKPOINTS_DIR / "checkpoint-4").is_dir()  # the partial save is still there
    with open(run_dir / EVENTS, "ab") as fh:  # and the last event line was torn by the full disk
        fh.write(b'{"time": "2026-01-01T00:00:00", "type": "progr')

    monkeypatch.undo()
    monkeypatch.setenv("STUDIO_RUNS_DIR", str(tmp_runs))
    _, offset = read_events(run_dir)
    status = run_training(cfg, run_dir, resume=True)
    assert status["status"] == "completed" and status["step"] == 4
    after, _ = read_events(run_dir, offset)
    assert after[0]["type"] == EV_STATUS and after[0]["status"] == "running"  # the first event after resume survives
    removed = [e for e in after if e["type"] == EV_LOG and "incomplete checkpoint checkpoint-4" in e["message"]]
    assert len(removed) == 1
    plan = [e for e in after if e["type"] == EV_PLAN]
    assert plan[0]["resume_from"] == "checkpoint-2"
    assert last_checkpoint(run_dir).name == "checkpoint-4"
    assert (run_dir / CHECKPOINTS_DIR / "checkpoint-4" / "trainer_state.json").exists()


def test_disk_full_while_writing_events_still_fails_the_run(tiny_model_path, format_file, tmp_runs, monkeypatch):
    """ENOSPC from the events writer itself (every later event write fails too): a sentence, status failed."""
    import core.training.runner as R

    run_dir = tmp_runs / "fullevents"
    cfg = tiny_config(tiny_model_path, format_file("pair"), max_steps=4, eval_steps=2)
    original = EventLog.emit
    state = {"full": False}

    def emit(self, type, **fields):
        if type == "progress" and fields.get("step") == 2:
            state["full"] = True
        if state["full"]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(self, type, **fields)

    monkeypatch.setattr(R.EventLog, "emit", emit)
    with pytest.raises(DiskError, match="No space left on device"):
        run_training(cfg, run_dir)
    assert read_status(run_dir)["status"] == "failed"  # status.json could still be written
    assert "No space left on device" in read_status(run_dir)["error"]


def test_stopped_run_reports_the_metric_of_the_stopped_model_not_the_baseline(tiny_model_path, format_file, tmp_runs, monkeypatch):
    import core.training.runner as R

    run_dir = tmp_runs / "stopmetric"
    cfg = tiny_config(tiny_model_path, format_file("pair"), max_steps=10, eval_steps=100)  # only the baseline is evaluated
    original = R.EventLog.emit

    def emit(self, type, **fields):
        if type == "progress" and fields.get("step") == 3:
            (run_dir / STOP_FILE).write_text("x")
        return original(self, type, **fields)

    monkeypatch.setattr(R.EventLog, "emit", emit)
    status = run_training(cfg, run_dir)
    assert status["status"] == "stopped" and status["step"] == 3
    evals = {e["step"]: e["metrics"][status["main_metric"]] for e in read_events(run_dir)[0] if e["type"] == EV_EVAL}
    assert sorted(evals) == [0, 3]  # the stopped model was evaluated
    assert status["baseline"] == evals[0]
    assert status["final_metric"] == evals[3]
    assert status["worse_than_base"] == (evals[3] < evals[0])


def test_partial_checkpoints_are_removed_and_complete_ones_kept(tmp_path):
    ck = tmp_path / CHECKPOINTS_DIR
    (ck / "checkpoint-2").mkdir(parents=True)
    (ck / "checkpoint-2" / "trainer_state.json").write_text("{}")
    (ck / "checkpoint-4").mkdir()
    (ck / "checkpoint-4" / "model.safetensors").write_bytes(b"x")  # no trainer_state.json
    (ck / "checkpoint-6").mkdir()
    (ck / "checkpoint-6" / "trainer_state.json").write_text('{"global_st')  # torn while being written
    log = EventLog(tmp_path, enabled=True)
    assert last_checkpoint(tmp_path).name == "checkpoint-2"
    assert clean_partial_checkpoints(tmp_path, log) == ["checkpoint-4", "checkpoint-6"]
    assert sorted(p.name for p in ck.iterdir()) == ["checkpoint-2"]
    msgs = [e["message"] for e in read_events(tmp_path)[0]]
    assert msgs == ["Removed the incomplete checkpoint checkpoint-4 (left by an interrupted save).",
                    "Removed the incomplete checkpoint checkpoint-6 (left by an interrupted save)."]


def test_kill_9_mid_run_then_resume_completes(tiny_model_path, format_file, tmp_runs):
    """A real training process killed with SIGKILL after its first checkpoint resumes and finishes; a checkpoint
    left half-written by the kill is removed on resume."""
    run_dir = tmp_runs / "killed"
    cfg = tiny_config(tiny_model_path, format_file("pair"), max_steps=400, eval_steps=1000)
    cfg.eval.save_steps = 2
    run_dir.mkdir(parents=True)
    cfg.save(run_dir / CONFIG_FILE)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "core", "train", "--run-dir", str(run_dir)], cwd=str(ROOT), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while last_checkpoint(run_dir) is None and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert read_status(run_dir)["status"] == "running"  # killed: nothing got to say otherwise
    done = last_checkpoint(run_dir)
    assert done is not None
    # what a kill in the middle of the next save leaves behind
    partial = run_dir / CHECKPOINTS_DIR / "checkpoint-100000"
    shutil.copytree(done, partial)
    (partial / "trainer_state.json").unlink()

    cfg.hyper.max_steps = int(done.name.split("-")[-1]) + 4  # finish quickly after resuming
    status = run_training(cfg, run_dir, resume=True)
    assert status["status"] == "completed" and status["step"] == cfg.hyper.max_steps
    assert not partial.exists()
    events, _ = read_events(run_dir)
    assert [e for e in events if e["type"] == EV_PLAN][-1]["resume_from"] == done.name
    assert all(isinstance(e, dict) and "type" in e for e in events)
    json.loads((run_dir / STATUS_FILE).read_text())
