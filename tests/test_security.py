"""Attacks on the engine, each reproduced and shown refused: a model folder's own Python code runs only when a
config says ``trust_remote_code: true`` (a YAML boolean), and no planted secret reaches any file that a run, a
build (CLI, offline and LLM mode) or an export writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core.errors import ConfigError
from core.run_folder import CONFIG_FILE, FINAL_DIR
from core.training import TrainConfig, run_training
from tests.conftest import ROOT
from tests.core.training.conftest import write_format_file

pytestmark = pytest.mark.timeout(300)

PLANTED = "sk-plantedSECRET0123456789abcdefXYZ"
PLANTED_HF = "hf_plantedSECRETabcdefghijklmnop0123"


def make_evil_model(tiny_model_path: Path, folder: Path, marker: Path) -> Path:
    """A copy of the tiny model whose config names a custom Python module that writes ``marker`` on import."""
    shutil.copytree(tiny_model_path, folder)
    cfg_path = folder / "config.json"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    cfg["auto_map"] = {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel"}
    cfg_path.write_text(json.dumps(cfg), encoding="utf-8")
    (folder / "evil.py").write_text(
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('the model folder ran its own code')\n"
        "from transformers import BertConfig, BertModel\n\n\n"
        "class EvilConfig(BertConfig):\n    model_type = 'bert'\n\n\n"
        "class EvilModel(BertModel):\n    config_class = EvilConfig\n", encoding="utf-8")
    return folder


@pytest.fixture
def evil_model(tiny_model_path, tmp_path):
    marker = tmp_path / "MARKER"
    return make_evil_model(tiny_model_path, tmp_path / "evil-model", marker), marker


def test_remote_code_runs_only_with_a_real_true(evil_model, tmp_path, tmp_runs):
    from core.models import load_model

    folder, marker = evil_model
    load_model(str(folder), trust_remote_code=False)
    assert not marker.exists()
    for text in ("no", "false", "False", "0", "off"):
        path = tmp_path / "c.yaml"
        path.write_text(f"name: x\nmodel: {folder}\ntrust_remote_code: {json.dumps(text)}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="trust_remote_code"):
            TrainConfig.load(path)
    assert not marker.exists()
    # the marker really is written when remote code is trusted: the probe above can fail
    load_model(str(folder), trust_remote_code=True)
    assert marker.exists()


# -- secrets --------------------------------------------------------------------------------------------

PLANTED_CONFIGS = [
    ("loss.params.api-key", {"loss": {"name": "MultipleNegativesRankingLoss", "params": {"api-key": PLANTED}}}),
    ("strategy.params.Authorization", {"strategy": {"name": "full", "params": {"Authorization": f"Bearer {PLANTED}"}}}),
    ("data.train[1]", {"data": {"train": ["a.csv", PLANTED]}}),
    ("loss.params.extra[0].token", {"loss": {"name": "CoSENTLoss", "params": {"extra": [{"token": "abc"}]}}}),
    ("data.mapping.query", {"data": {"mapping": {"query": PLANTED_HF}}}),
    ("loss.params.HF_TOKEN", {"loss": {"name": "CoSENTLoss", "params": {"HF_TOKEN": "x"}}}),
    ("loss.params.password", {"loss": {"name": "CoSENTLoss", "params": {"password": "hunter2"}}}),
    ("loss.params.client_secret", {"loss": {"name": "CoSENTLoss", "params": {"client_secret": "x"}}}),
    ("strategy.params.x-api-key", {"strategy": {"name": "lora", "params": {"x-api-key": "x"}}}),
    ("guide_model", {"loss": {"name": "GISTEmbedLoss", "guide_model": f"Bearer {PLANTED}"}}),
]


@pytest.mark.parametrize("where,raw", PLANTED_CONFIGS, ids=[w for w, _ in PLANTED_CONFIGS])
def test_a_config_carrying_a_secret_is_refused_before_anything_is_written(where, raw, tmp_path, tmp_runs):
    import yaml

    from core.cli import main

    with pytest.raises(ConfigError, match="looks like a secret"):
        TrainConfig.from_dict(raw)
    path = tmp_path / CONFIG_FILE
    path.write_text(yaml.safe_dump(dict(raw, name="planted")), encoding="utf-8")
    assert main(["train", "--config", str(path)]) == 2
    # built in code (not loaded): run_training and save refuse it too, before touching the run folder
    cfg = TrainConfig(name="planted")
    section, _, _ = where.partition(".")
    if section in ("loss", "strategy", "data"):
        for k, v in raw[section].items():
            setattr(getattr(cfg, section), k, v)
    else:
        cfg.loss.guide_model = raw["loss"]["guide_model"]
    with pytest.raises(ConfigError, match="secret"):
        run_training(cfg, tmp_runs / "planted")
    with pytest.raises(ConfigError, match="secret"):
        cfg.save(tmp_path / "saved.yaml")
    assert not (tmp_runs / "planted").exists() and not (tmp_path / "saved.yaml").exists()
    assert not tmp_runs.exists() or not any(tmp_runs.iterdir())


def _files_holding(folder: Path, needles: list[str]) -> list[str]:
    """Every file under ``folder`` (and every member of every zip) whose bytes contain one of ``needles``."""
    hits = []
    raw = [n.encode() for n in needles]
    for p in folder.rglob("*"):
        if not p.is_file():
            continue
        data = p.read_bytes()
        if any(n in data for n in raw):
            hits.append(str(p))
        if p.suffix == ".zip":
            with zipfile.ZipFile(p) as zf:
                for name in zf.namelist():
                    if any(n in zf.read(name) for n in raw):
                        hits.append(f"{p}!{name}")
    return hits


def test_no_planted_key_reaches_any_file_of_a_run_a_build_or_an_export(tiny_model_path, tmp_path, tmp_runs,
                                                                       monkeypatch, fake_llm):
    from core.export import model_card, zip_model

    for var in ("OPENAI_API_KEY", "STUDIO_LLM_API_KEY"):
        monkeypatch.setenv(var, PLANTED)
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.setenv(var, PLANTED_HF)
    needles = [PLANTED, PLANTED_HF]

    # a run (tiny model, a few steps), in this process where the keys are in the environment
    data = write_format_file(tmp_path / "data", "pair")
    cfg = TrainConfig(name="keyless", model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    cfg.data.split = [0.8, 0.2]
    cfg.hyper.batch_size = 8
    cfg.hyper.max_steps = 2
    cfg.eval.eval_steps = 1
    run_dir = tmp_runs / "keyless"
    assert run_training(cfg, run_dir)["status"] == "completed"

    # an export: the zip (with its model card) and the card itself
    out = tmp_path / "export"
    zip_model(run_dir / FINAL_DIR, out / "model.zip", card=model_card(run_dir))
    (out / "README.md").write_text(model_card(run_dir), encoding="utf-8")

    # a build through the CLI, offline, and in LLM mode against a local endpoint that receives the key
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "kb.md").write_text("# Pig feed\n\nFeed for pigs needs protein from soybean and corn. " * 5 +
                                "\n\n# Sows\n\nPiglets weaning weight depends on the sow milk. " * 5, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    url = f"http://127.0.0.1:{fake_llm.server.server_address[1]}/v1"
    for mode, extra in (("ict", []), ("llm", ["--llm-base-url", url, "--llm-model", "fake", "--chunk-size", "200"])):
        proc = subprocess.run([sys.executable, "-m", "core", "build", "--docs", str(docs), "--out", str(tmp_path / f"build-{mode}"),
                               "--mode", mode, *extra], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert PLANTED not in proc.stdout + proc.stderr
    assert f"Bearer {PLANTED}" in fake_llm.auth  # the key really was in use during the LLM build
    assert (tmp_path / "build-llm" / "llm_answers.jsonl").is_file()

    written = [run_dir, out, tmp_path / "build-ict", tmp_path / "build-llm"]
    assert all(any(f.is_file() for f in d.rglob("*")) for d in written)
    hits = [h for d in written for h in _files_holding(d, needles)]
    assert hits == []
