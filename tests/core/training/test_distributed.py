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
    plans = [e for e in events if e["type"] == "plan"]
    assert len(plans) == 1, "only rank 0 writes events"
    assert plans[0]["world_size"] == 2 and plans[0]["gather_across_devices"] is True
    assert [e["status"] for e in events if e["type"] == "status"] == ["running", "completed"]
    assert read_status(run_dir)["status"] == "completed"
    from sentence_transformers import SentenceTransformer

    SentenceTransformer(str(run_dir / "final")).encode(["ok"])
    assert json.loads((run_dir / "final" / "modules.json").read_text())


@pytest.mark.timeout(300)
def test_accelerate_launch_two_processes_one_writer(tiny_model_path, format_file, tmp_path):
    """``accelerate launch --config_file configs/accelerate/cpu_2proc.yaml -m core train --config X``: one
    coherent run folder written by rank 0, in-batch negatives gathered across both processes."""
    accelerate = Path(sys.executable).with_name("accelerate")
    cfg = tiny_config(tiny_model_path, format_file("pair", n=80), max_steps=6, eval_steps=3)
    cfg.name = "acc"
    cfg_path = cfg.save(tmp_path / "cfg.yaml")
    runs = tmp_path / "runs"
    env = dict(os.environ, STUDIO_RUNS_DIR=str(runs), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1",
               CUDA_VISIBLE_DEVICES="", HF_HOME=str(tmp_path / "hf"))
    proc = subprocess.run([str(accelerate), "launch", "--config_file", str(ROOT / "configs/accelerate/cpu_2proc.yaml"),
                           "-m", "core", "train", "--config", str(cfg_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    run_dir = runs / "acc"
    events, _ = read_events(run_dir)
    plans = [e for e in events if e["type"] == "plan"]
    assert len(plans) == 1, "only rank 0 writes events"
    assert plans[0]["world_size"] == 2 and plans[0]["gather_across_devices"] is True
    assert read_status(run_dir)["status"] == "completed"
    from sentence_transformers import SentenceTransformer

    SentenceTransformer(str(run_dir / "final")).encode(["ok"])
