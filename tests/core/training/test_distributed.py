"""The same config under ``torchrun`` (2 CPU processes, gloo): both ranks train, only rank 0 writes."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.training import read_events, read_status
from tests.conftest import ROOT
from tests.core.training.test_runner import tiny_config


@pytest.mark.timeout(300)
def test_torchrun_two_processes_one_writer(tiny_model_path, format_file, tmp_path):
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        torchrun = shutil.which("torchrun")
    cfg = tiny_config(tiny_model_path, format_file("pair", n=80), max_steps=6, eval_steps=3)
    cfg.name = "ddp"
    cfg_path = cfg.save(tmp_path / "cfg.yaml")
    runs = tmp_path / "runs"
    env = dict(os.environ, STUDIO_RUNS_DIR=str(runs), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "core", "train",
                           "--config", str(cfg_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    run_dir = runs / "ddp"
    events, _ = read_events(run_dir)
    assert sum(1 for e in events if e["type"] == "plan") == 1, "only rank 0 writes events"
    assert [e["status"] for e in events if e["type"] == "status"] == ["running", "completed"]
    assert read_status(run_dir)["status"] == "completed"
    from sentence_transformers import SentenceTransformer

    SentenceTransformer(str(run_dir / "final")).encode(["ok"])
    assert json.loads((run_dir / "final" / "modules.json").read_text())
