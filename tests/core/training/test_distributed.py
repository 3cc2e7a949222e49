"""The same config under ``torchrun`` and ``accelerate launch`` (2 CPU processes, gloo): both ranks train,
only rank 0 writes one coherent run folder, in-batch negatives are gathered across the processes (the plan
event says so), the delivered model loads, and the trained model is within noise of a 1-process run with the
same global batch (2 x 8 = 16): the paired 95% confidence interval of the per-query NDCG@10 difference on the
run's validation queries contains 0."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.run_folder import EV_PLAN, EV_STATUS, FINAL_DIR
from core.training import read_events, read_status
from tests.conftest import ROOT
from tests.core.training.test_runner import tiny_config


def _launcher(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else shutil.which(name)


LAUNCHERS = {
    "torchrun": lambda: [_launcher("torchrun"), "--standalone", "--nproc_per_node", "2"],
    "accelerate": lambda: [_launcher("accelerate"), "launch", "--config_file",
                           str(ROOT / "configs" / "accelerate" / "cpu_2proc.yaml")],
}


@pytest.fixture(scope="module")
def one_process(tiny_model_path, tmp_path_factory) -> dict:
    """The data both launchers train on, and the 1-process run on it with the same global batch (2 processes x 8 =
    16) and steps: trained once for the module."""
    from core.training import run_training
    from tests.core.training.conftest import write_format_file

    folder = tmp_path_factory.mktemp("one-process")
    data = write_format_file(folder / "data", "pair", 80)
    one = tiny_config(tiny_model_path, data, max_steps=6, eval_steps=3, batch_size=16)
    assert run_training(one, folder / "one")["status"] == "completed"
    return {"data": data, "run": folder / "one"}


@pytest.mark.timeout(420)
@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_two_processes_one_writer(launcher, tiny_model_path, one_process, tmp_path):
    from sentence_transformers import SentenceTransformer

    from core.evaluation.stats import paired_difference
    from core.training.data import run_split_evalset
    from core.training.delivery import per_query_ndcg

    data = one_process["data"]
    cfg = tiny_config(tiny_model_path, data, max_steps=6, eval_steps=3)
    cfg.name = f"ddp-{launcher}"
    cfg_path = cfg.save(tmp_path / "cfg.yaml")
    runs = tmp_path / "runs"
    env = dict(os.environ, STUDIO_RUNS_DIR=str(runs), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1",
               CUDA_VISIBLE_DEVICES="", HF_HOME=str(tmp_path / "hf"))
    cmd = LAUNCHERS[launcher]() + ["-m", "core", "train", "--config", str(cfg_path)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    # stdout is rank 0's alone: one run folder line and one status object (the README: it ends with the status)
    assert proc.stdout.count("run folder: ") == 1 and proc.stdout.count('"status"') == 1, proc.stdout
    assert "{'" not in proc.stdout, "no raw trainer log dict"
    run_dir = runs / cfg.name
    events, _ = read_events(run_dir)
    plans = [e for e in events if e["type"] == EV_PLAN]
    assert len(plans) == 1, "only rank 0 writes events"
    assert plans[0]["world_size"] == 2 and plans[0]["gather_across_devices"] is True
    assert [e["status"] for e in events if e["type"] == EV_STATUS] == ["running", "completed"]
    assert len([e for e in events if e["type"] == "delivery"]) == 1
    status = read_status(run_dir)
    assert status["status"] == "completed" and status.get("delivered")
    assert json.loads((run_dir / FINAL_DIR / "modules.json").read_text())
    # the delivered model loads with plain sentence-transformers
    assert SentenceTransformer(str(run_dir / "delivered"), device="cpu").encode(["ok"]).shape == (1, 32)
    assert json.loads((run_dir / "delivery.json").read_text())["folder"] == "delivered"

    # one process, the same global batch (2 processes x 8 = 16), the same steps and data
    one_plan = next(e for e in read_events(one_process["run"])[0] if e["type"] == "plan")
    assert one_plan["world_size"] == 1 and one_plan["total_steps"] == plans[0]["total_steps"]
    validation = run_split_evalset(run_dir, "validation")
    assert validation is not None and len(validation.queries) >= 10
    two, base = (SentenceTransformer(str(p), device="cpu") for p in (run_dir / FINAL_DIR, tiny_model_path))
    assert not np.allclose(two.encode(["pig feed 猪饲料"]), base.encode(["pig feed 猪饲料"])), "the 2 processes trained"
    two_q = per_query_ndcg(two, validation)
    one_q = per_query_ndcg(SentenceTransformer(str(one_process["run"] / FINAL_DIR), device="cpu"), validation)
    diff = paired_difference(one_q, two_q)
    assert diff.ci_low <= 0 <= diff.ci_high, f"2 processes vs 1: {diff.to_dict()}"
