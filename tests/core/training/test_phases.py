"""Phase events: what a run is doing (loading, evaluating the base model k/N, training, saving) with its own
progress, and the one displayed status of a run."""

import json
import os
import subprocess
import sys

from core.run_folder import CONFIG_FILE, EV_EVAL, EV_PHASE, EV_TRAIN, STATUS_FILE
from core.training import read_events, read_status, run_phase, run_status, run_training
from core.training.runner import evaluator_texts
from tests.core.training.test_runner import tiny_config


def test_run_emits_each_phase_with_its_own_progress(tiny_model_path, format_file, tmp_runs):
    cfg = tiny_config(tiny_model_path, format_file("pair", n=60), max_steps=4, eval_steps=2)
    run_training(cfg, tmp_runs / "ph")
    events, _ = read_events(tmp_runs / "ph")
    phases = [e for e in events if e["type"] == EV_PHASE]
    order = []
    for e in phases:
        if not order or order[-1] != e["phase"]:
            order.append(e["phase"])
    assert order[0] == "loading_model" and order[1] == "evaluating_base" and order[-1] == "done"
    assert "training" in order and "evaluating" in order and "saving" in order
    base = [e for e in phases if e["phase"] == "evaluating_base"]
    # queries + the whole validation pool (12 validation queries over validation + training passages)
    measured = next(e for e in events if e["type"] == EV_EVAL)["measured_on"]
    expected = measured["n_queries"] + measured["n_passages"]
    assert measured["n_queries"] == 12 and measured["n_passages"] > 12
    assert base[0]["total"] == expected and base[-1]["done"] == expected
    saves = {e.get("what") for e in phases if e["phase"] == "saving"}
    assert {"checkpoint", "final"} <= saves
    # phases come before the first step and between steps: the first training step follows the base evaluation
    first_train = next(i for i, e in enumerate(events) if e["type"] == EV_TRAIN)
    assert any(e["type"] == EV_PHASE and e["phase"] == "training" for e in events[:first_train])
    assert run_phase(tmp_runs / "ph")["phase"] == "done"


def test_evaluator_texts_counts_what_an_evaluation_encodes():
    from sentence_transformers.sentence_transformer import evaluation as ev

    ir = ev.InformationRetrievalEvaluator({"q1": "a", "q2": "b"}, {"d1": "x", "d2": "y", "d3": "z"},
                                          {"q1": {"d1"}, "q2": {"d2"}})
    sts = ev.EmbeddingSimilarityEvaluator(["a", "b"], ["c", "d"], [0.1, 0.9])
    assert evaluator_texts(ir) == 5 and evaluator_texts(sts) == 4
    assert evaluator_texts(ev.SequentialEvaluator([ir, sts])) == 9
    assert evaluator_texts(None) is None


def _write_status(run_dir, **fields):
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / CONFIG_FILE).write_text("name: x\n")
    (run_dir / STATUS_FILE).write_text(json.dumps(fields))


def test_run_status_from_status_file_and_process(tmp_runs):
    """One rule: a command-line run (no pid file, pid in status.json) alive -> running; dead -> interrupted;
    an end recorded while the process still exits -> stopping."""
    from core.training import list_runs

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_runs / "cli-run"
        _write_status(live, status="running", pid=sleeper.pid, updated=1)
        assert run_status(live) == "running"
        assert {r.name: r.status for r in list_runs()}["cli-run"] == "running"
        _write_status(live, status="stopped", pid=sleeper.pid, updated=1)
        assert run_status(live) == "stopping"  # recorded stopped, process still exiting
    finally:
        sleeper.kill()
        sleeper.wait()
    assert run_status(live) == "stopped"
    _write_status(live, status="running", pid=sleeper.pid, updated=1)
    assert run_status(live) == "interrupted"
    assert {r.name: r.status for r in list_runs()}["cli-run"] == "interrupted"
    # queued by a launcher (its own pid recorded) but the child not started: queued for a moment, not alive
    import time

    _write_status(live, status="queued", pid=os.getpid(), updated=time.time())
    assert run_status(live) == "queued"
    _write_status(live, status="queued", pid=os.getpid(), updated=time.time() - 120)
    assert run_status(live) == "interrupted"
    assert run_status(tmp_runs / "nothing-here") == "unknown"
    assert read_status(tmp_runs / "nothing-here") == {}
