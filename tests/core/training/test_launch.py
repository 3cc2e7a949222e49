"""Training as a child process (the UI's path): start, live events, stop, resume, one-at-a-time, CLI."""

import copy
import os
import signal
import time

import pytest

from core.errors import StudioError
from core.run_folder import CONFIG_FILE, EV_PROGRESS, FINAL_DIR, LOG_FILE, PID_FILE, STOP_FILE
from core.training import (
    advance_queue,
    list_runs,
    queue_position,
    read_events,
    read_status,
    request_stop,
    start_run,
    wait,
)
from core.training.runner import last_checkpoint
from tests.core.training.test_runner import tiny_config

pytestmark = pytest.mark.usefixtures("no_orphans")  # tests/core/training/conftest.py


def _wait_for(pred, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def _max_step(run_dir):
    events, _ = read_events(run_dir)
    steps = [e["step"] for e in events if e["type"] == EV_PROGRESS]
    return max(steps) if steps else -1


def test_child_process_stop_and_resume(tiny_model_path, format_file, tmp_runs):
    from sentence_transformers import SentenceTransformer

    cfg = tiny_config(tiny_model_path, format_file("pair", n=200), max_steps=5000, eval_steps=10000)
    cfg.name = "child run?"  # sanitised into a folder name (a name with folders in it is refused, see below)
    run_dir = start_run(cfg)
    assert run_dir.parent == tmp_runs and run_dir.name == "child-run"
    _wait_for(lambda: _max_step(run_dir) >= 3)
    assert read_status(run_dir)["status"] == "running"
    with pytest.raises(StudioError, match="is already running"):
        start_run(cfg, run_dir=run_dir, resume=True)  # the same run twice: refused
    with pytest.raises(StudioError, match="is already running with these same settings; change a setting"):
        start_run(cfg)  # Start clicked twice: no silent copy of the run in the queue
    renamed = copy.deepcopy(cfg)
    renamed.name = "another name"
    with pytest.raises(StudioError, match="is already running with these same settings, only its name differs"):
        start_run(renamed)
    assert not (tmp_runs / f"{run_dir.name}-2").exists()
    cfg.seed += 1
    second = start_run(cfg)  # another run waits in the queue instead of being refused
    assert read_status(second)["status"] == "queued" and read_status(second)["waiting"]
    assert request_stop(second) == "cancelled"  # Stop on a queued run takes it out of the queue
    assert read_status(second)["status"] == "stopped" and read_status(second)["cancelled"]
    assert request_stop(run_dir) == "requested"
    status = wait(run_dir, timeout=120)
    assert status["status"] == "stopped", open(run_dir / LOG_FILE).read()[-3000:]
    stopped_at = status["step"]
    assert 3 <= stopped_at < 5000
    SentenceTransformer(str(run_dir / FINAL_DIR)).encode(["still loads"])
    assert last_checkpoint(run_dir).name == f"checkpoint-{stopped_at}"
    runs = list_runs()
    assert runs[0].name == run_dir.name and runs[0].status == "stopped" and not runs[0].alive

    start_run(cfg, run_dir=run_dir, resume=True)
    _wait_for(lambda: _max_step(run_dir) > stopped_at + 2)
    os.kill(int((run_dir / PID_FILE).read_text()), signal.SIGTERM)  # a signal stops gracefully too
    status = wait(run_dir, timeout=120)
    assert status["status"] == "stopped" and status["step"] > stopped_at


def test_kill_9_then_resume(tiny_model_path, format_file, tmp_runs):
    cfg = tiny_config(tiny_model_path, format_file("pair", n=200), max_steps=5000, eval_steps=10000)
    cfg.eval.save_steps = 5
    run_dir = start_run(cfg)
    _wait_for(lambda: last_checkpoint(run_dir) is not None and _max_step(run_dir) >= 7)
    os.kill(int((run_dir / PID_FILE).read_text()), signal.SIGKILL)
    wait(run_dir, timeout=30)
    assert [r for r in list_runs() if r.name == run_dir.name][0].status == "interrupted"
    ckpt = last_checkpoint(run_dir)
    step = int(ckpt.name.split("-")[1])
    cfg.hyper.max_steps = step + 3
    cfg.save(run_dir / CONFIG_FILE)
    start_run(cfg, run_dir=run_dir, resume=True)
    status = wait(run_dir, timeout=180)
    assert status["status"] == "completed" and status["step"] == step + 3


def test_cli_train_and_runs(tiny_model_path, format_file, tmp_runs, capsys):
    from core.cli import main

    cfg = tiny_config(tiny_model_path, format_file("triplet"))
    cfg.name = "cli"
    cfg_path = cfg.save(tmp_runs.parent / "c.yaml")
    assert main(["train", "--config", str(cfg_path)]) == 0
    assert read_status(tmp_runs / "cli")["status"] == "completed"
    assert main(["train", "--config", str(cfg_path)]) == 2  # the folder holds a run: refuse, say why
    err = capsys.readouterr().err
    assert "already holds a run" in err
    assert main(["runs"]) == 0
    assert "cli" in capsys.readouterr().out
    # The saved config re-runs from the CLI as is.
    assert main(["train", "--config", str(tmp_runs / "cli" / CONFIG_FILE), "--name", "cli-again"]) == 0


def test_queue_waits_for_a_live_training_and_the_periodic_call_advances_it(tiny_model_path, format_file, tmp_runs):
    """A run whose process has recorded its end (here 'stopped') but is still exiting shows as stopping and
    does not hold the queue; a run recorded 'running' with a live process does: a new start waits in the queue,
    and once that process is gone (killed: it never advances the queue itself) the periodic ``advance_queue``
    starts the waiting run, exactly once however often it is called."""
    import json
    import subprocess
    import sys

    from core.training import run_status

    procs = {}
    for name, status in (("exiting", "stopped"), ("crashed", "running")):
        folder = tmp_runs / name
        folder.mkdir(parents=True)
        (folder / "config.yaml").write_text(f"name: {name}\n")
        procs[name] = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        (folder / "pid").write_text(str(procs[name].pid))
        (folder / "status.json").write_text(json.dumps({"status": status, "updated": time.time()}))
    try:
        assert run_status(tmp_runs / "exiting") == "stopping" and run_status(tmp_runs / "crashed") == "running"
        cfg = tiny_config(tiny_model_path, format_file("pair", n=40), max_steps=1, eval_steps=1)
        run_dir = start_run(cfg, run_dir=tmp_runs / "new")
        assert run_status(run_dir) == "queued" and queue_position(run_dir) == 1
        assert advance_queue() is None  # the running one still lives: nothing starts
        procs["crashed"].kill()
        procs["crashed"].wait(30)
        assert run_status(tmp_runs / "crashed") == "interrupted"
        assert advance_queue() == run_dir and advance_queue() is None  # started once, however often called
        assert queue_position(run_dir) is None
        assert wait(run_dir, timeout=120)["status"] == "completed"
    finally:
        for proc in procs.values():
            proc.kill()
            proc.wait(30)


def test_a_run_trained_inside_a_living_process_is_not_running_once_it_ends(tiny_model_path, format_file, tmp_runs):
    """``run_training`` called in a process that lives on (a notebook, this test session): once the run has
    ended it is not the training in progress, so a new start is accepted at once (it used to block every start
    for as long as the calling process lived)."""
    from core.training import active_run, run_status
    from core.training.runner import run_training

    cfg = tiny_config(tiny_model_path, format_file("pair", n=40), max_steps=1, eval_steps=1)
    ended = run_training(cfg, tmp_runs / "in-process")
    assert ended["status"] == "completed" and ended.get("pid") is None
    assert run_status(tmp_runs / "in-process") == "completed" and active_run(tmp_runs) is None
    run_dir = start_run(cfg, run_dir=tmp_runs / "next")  # refused as "already running" before
    assert wait(run_dir, timeout=120)["status"] == "completed"
    assert read_status(run_dir).get("pid")  # the CLI child keeps its pid: it exits when the run ends


def test_a_stop_pressed_while_the_child_starts_up_is_kept(tiny_model_path, format_file, tmp_runs):
    """Stop right after Start, before the child process has loaded anything: the run stops after its first step
    (before, the child deleted the stop file when it started and trained on to the end)."""
    cfg = tiny_config(tiny_model_path, format_file("pair", n=200), max_steps=5000, eval_steps=10000)
    run_dir = start_run(cfg)
    assert request_stop(run_dir) == "requested"  # the child is still importing torch
    status = wait(run_dir, timeout=180)
    assert status["status"] == "stopped", open(run_dir / LOG_FILE).read()[-3000:]
    assert 1 <= status["step"] <= 3
    assert not (run_dir / STOP_FILE).exists()  # the request is used up: a resume trains on


def test_a_finished_training_process_is_collected_not_left_a_zombie(tmp_runs):
    """The studio starts each training as a child and nothing waited for it: every finished run stayed a zombie
    process under app.py. The Train tab's periodic queue call (``advance_queue``) now collects the children that
    ended (a short child stands in for a training process here: it is certainly this process's child)."""
    import subprocess
    import sys
    from pathlib import Path

    from core.training import advance_queue, launch

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    launch._CHILDREN[str(tmp_runs / "finished")] = child
    proc = Path(f"/proc/{child.pid}/status")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "State:\tZ" not in (proc.read_text() if proc.exists() else ""):
        time.sleep(0.05)
    assert "State:\tZ" in proc.read_text(), "the ended child was expected to wait as a zombie"
    advance_queue(tmp_runs)
    assert child.returncode == 0 and not proc.exists()
    assert str(tmp_runs / "finished") not in launch._CHILDREN


def test_data_that_cannot_be_trained_on_is_refused_at_start_before_anything_is_written(tiny_model_path, tmp_path,
                                                                                      tmp_runs):
    """A training file of one row (nothing to learn against) or with no usable row is refused by ``start_run`` with
    the data's own sentence; no run folder is made and nothing is queued (before, the run was queued and failed when
    its turn came, or trained to 'completed' with every loss 0)."""
    import json

    from core.errors import DataError
    from core.training import start_run

    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"anchor": "what do sows eat", "positive": "barley"}) + "\n", encoding="utf-8")
    cfg = tiny_config(tiny_model_path, one, max_steps=2)
    cfg.data.split = None
    with pytest.raises(DataError, match=r"^The training split has 1 row; training needs at least 2 rows"):
        start_run(cfg)
    useless = tmp_path / "useless.jsonl"
    useless.write_text(json.dumps({"anchor": "q1", "positive": ""}) + "\n" + json.dumps({"anchor": "", "positive": "a"})
                       + "\n", encoding="utf-8")
    cfg.data.train = [str(useless)]
    with pytest.raises(DataError, match=r"^data\.train \(useless\.jsonl\) has no usable row"):
        start_run(cfg)
    assert not tmp_runs.exists() or not any(tmp_runs.iterdir())


@pytest.mark.parametrize("name", ["../escape", "../../../tmp/x", "a/b", ".hidden"])
def test_a_run_name_with_folders_in_it_is_refused_at_start_not_rewritten(tiny_model_path, format_file, tmp_runs, name):
    """The Train tab and a config's ``name`` go through the rule ``--name`` follows (``core.paths.run_name_arg``): a
    name with folders in it is one sentence and nothing is written (it used to become 'escape' silently, with the
    typed name kept in status.json)."""
    from core.training import start_run

    cfg = tiny_config(tiny_model_path, format_file("pair"), max_steps=2)
    cfg.name = name
    with pytest.raises(StudioError, match=r"is not a run name: use letters, digits"):
        start_run(cfg)
    assert not tmp_runs.exists() or not any(tmp_runs.iterdir())
