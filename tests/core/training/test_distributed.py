"""The same config under ``torchrun`` and ``accelerate launch`` (2 CPU processes, gloo): both ranks train,
only rank 0 writes one coherent run folder, and in-batch negatives are gathered across the processes."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

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


@pytest.mark.timeout(300)
@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_two_processes_one_writer(launcher, tiny_model_path, format_file, tmp_path):
    cfg = tiny_config(tiny_model_path, format_file("pair", n=80), max_steps=6, eval_steps=3)
    cfg.name = f"ddp-{launcher}"
    cfg_path = cfg.save(tmp_path / "cfg.yaml")
    runs = tmp_path / "runs"
    env = dict(os.environ, STUDIO_RUNS_DIR=str(runs), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1",
               CUDA_VISIBLE_DEVICES="", HF_HOME=str(tmp_path / "hf"))
    cmd = LAUNCHERS[launcher]() + ["-m", "core", "train", "--config", str(cfg_path)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    run_dir = runs / cfg.name
    events, _ = read_events(run_dir)
    plans = [e for e in events if e["type"] == EV_PLAN]
    assert len(plans) == 1, "only rank 0 writes events"
    assert plans[0]["world_size"] == 2 and plans[0]["gather_across_devices"] is True
    assert [e["status"] for e in events if e["type"] == EV_STATUS] == ["running", "completed"]
    assert read_status(run_dir)["status"] == "completed"
    from sentence_transformers import SentenceTransformer

    SentenceTransformer(str(run_dir / FINAL_DIR)).encode(["ok"])
    assert json.loads((run_dir / FINAL_DIR / "modules.json").read_text())
