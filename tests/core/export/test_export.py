"""End-to-end tests of core.export: zip a real saved model and load it back, the model card, Hub push."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.errors import StudioError
from core.export import export_model_dir, model_card, push_to_hub, zip_model
from core.training import TrainConfig


@pytest.fixture
def run_dir(tmp_path, tiny_model_path) -> Path:
    run = tmp_path / "runs" / "pig-run"
    shutil.copytree(tiny_model_path, run / "final")
    cfg = TrainConfig(name="pig-run", model="minilm")
    cfg.data.train = ["/somewhere/train.jsonl"]
    cfg.data.format = "qpn"
    cfg.loss.name = "MultipleNegativesRankingLoss"
    cfg.loss.params = {"scale": 20.0}
    cfg.hyper.epochs = 2
    cfg.hyper.learning_rate = 3e-5
    cfg.save(run / "config.yaml")
    (run / "status.json").write_text(json.dumps({"status": "completed", "main_metric": "ndcg@10", "baseline": 0.41,
                                                   "best_metric": 0.55, "final_metric": 0.55, "step": 12,
                                                   "worse_than_base": False}))
    events = [
        {"type": "eval", "step": 0, "metrics": {"ndcg@10": 0.41, "mrr@10": 0.38}},
        {"type": "train", "step": 5, "loss": 1.2},
        {"type": "eval", "step": 12, "metrics": {"ndcg@10": 0.55, "mrr@10": 0.5}},
    ]
    (run / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    return run


def test_zip_roundtrip_loads_same_model(run_dir, tmp_path):
    from sentence_transformers import SentenceTransformer

    card = model_card(run_dir)
    out = zip_model(export_model_dir(run_dir), tmp_path / "out" / "pig-run")
    assert out.name == "pig-run.zip" and out.is_file()
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert all(n.startswith("pig-run/") for n in names)
        assert "pig-run/modules.json" in names
        zf.extractall(tmp_path / "unz")
    a = SentenceTransformer(str(run_dir / "final"), device="cpu").encode(["猪饲料蛋白", "pig feed"])
    b = SentenceTransformer(str(tmp_path / "unz" / "pig-run"), device="cpu").encode(["猪饲料蛋白", "pig feed"])
    assert np.allclose(a, b)
    # a card replaces README.md inside the zip only
    out2 = zip_model(run_dir / "final", tmp_path / "with-card.zip", card=card)
    with zipfile.ZipFile(out2) as zf:
        assert zf.read("with-card/README.md").decode() == card
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_zip_refuses_non_model(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(StudioError, match="no saved model"):
        zip_model(tmp_path / "empty", tmp_path / "x.zip")
    with pytest.raises(StudioError, match="does not exist"):
        zip_model(tmp_path / "missing", tmp_path / "x.zip")
    with pytest.raises(StudioError, match="no saved model yet"):
        export_model_dir(tmp_path / "empty")


def test_model_card_content(run_dir):
    card = model_card(run_dir)
    assert card.startswith("---\nlibrary_name: sentence-transformers")
    assert "**minilm**" in card
    assert "| loss | MultipleNegativesRankingLoss |" in card
    assert "scale=20.0" in card and "| epochs | 2 |" in card and "train.jsonl" in card
    assert "| ndcg@10 | 0.4100 | 0.5500 | +0.1400 |" in card
    assert "| mrr@10 | 0.3800 | 0.5000 | +0.1200 |" in card
    assert "WORSE" not in card.upper().replace("WORSE THAN THE BASE MODEL ON THE VALIDATION SET (", "")


def test_model_card_warns_when_worse_and_reads_metrics_json(run_dir):
    st = json.loads((run_dir / "status.json").read_text())
    st.update(worse_than_base=True, final_metric=0.3)
    (run_dir / "status.json").write_text(json.dumps(st))
    (run_dir / "metrics.json").write_text(json.dumps({"base": {"ndcg@10": 0.4}, "tuned": {"ndcg@10": 0.3}}))
    card = model_card(run_dir)
    assert "**Warning:** the tuned model scored worse" in card
    assert "| metric | base | tuned |" in card and "| ndcg@10 | 0.4000 | 0.3000 |" in card


def test_model_card_needs_config(tmp_path):
    with pytest.raises(StudioError, match="config.yaml"):
        model_card(tmp_path)


class FakeApi:
    def __init__(self, fail=None):
        self.calls, self.fail = [], fail

    def create_repo(self, **kw):
        self.calls.append(("create_repo", kw))
        if self.fail:
            raise self.fail
        return f"https://huggingface.co/{kw['repo_id']}"

    def upload_folder(self, **kw):
        self.calls.append(("upload_folder", kw))

    def upload_file(self, **kw):
        self.calls.append(("upload_file", kw))


def test_push_to_hub_calls_and_keeps_token_in_memory(run_dir, tmp_path):
    api = FakeApi()
    token = "hf_secret_token_123"
    url = push_to_hub(run_dir / "final", "me/pig-model", token, card="# card", api=api)
    assert url == "https://huggingface.co/me/pig-model"
    kinds = [c[0] for c in api.calls]
    assert kinds == ["create_repo", "upload_folder", "upload_file"]
    assert api.calls[0][1]["private"] is True
    assert api.calls[1][1]["ignore_patterns"] == ["README.md"]
    assert api.calls[2][1]["path_or_fileobj"] == b"# card"
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert token.encode() not in f.read_bytes(), f


def test_push_to_hub_errors(run_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(StudioError, match="offline"):
        push_to_hub(run_dir / "final", "me/pig", "hf_x")
    with pytest.raises(StudioError, match="your-name/model-name"):
        push_to_hub(run_dir / "final", "no-namespace", "hf_x", api=FakeApi())
    with pytest.raises(StudioError, match="token"):
        push_to_hub(run_dir / "final", "me/pig", "  ", api=FakeApi())
    with pytest.raises(StudioError, match="cannot be reached"):
        push_to_hub(run_dir / "final", "me/pig", "hf_x", api=FakeApi(fail=ConnectionError("boom")))


def test_push_to_hub_auth_error(run_dir):
    import httpx
    from huggingface_hub.errors import HfHubHTTPError

    resp = httpx.Response(401, request=httpx.Request("POST", "https://huggingface.co/api/repos/create"))
    err = HfHubHTTPError("unauthorized", response=resp)
    with pytest.raises(StudioError, match="refused the token"):
        push_to_hub(run_dir / "final", "me/pig", "hf_x", api=FakeApi(fail=err))
