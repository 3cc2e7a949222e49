"""Registry, resolution (names, folders, Hub ids), loading and fingerprints."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from core.errors import ModelSourceError
from core.models import (
    DEFAULT_MODEL,
    ResolvedModel,
    SourceInfo,
    list_sources,
    load_model,
    model_fingerprint,
    model_for_language,
    resolve_model,
    sources,
)


def _one_sentence(msg: str) -> bool:
    """One line, ends with a full stop, and no sentence break inside."""
    return "\n" not in msg and msg.endswith(".") and len(re.findall(r"[.!?](?=\s+[A-Z])", msg)) == 0


def test_registry_lists_both_sources_default_first():
    items = list_sources()
    assert all(isinstance(s, SourceInfo) for s in items)
    names = [s.name for s in items]
    assert names[0] == DEFAULT_MODEL == "minilm"
    assert "multilingual-e5-small" in names
    by_name = {s.name: s for s in items}
    assert by_name["minilm"].kind == "bundled" and by_name["minilm"].language == "en"
    assert by_name["multilingual-e5-small"].kind == "converted"
    assert by_name["multilingual-e5-small"].language == "multilingual"
    for s in items:
        assert s.available, f"{s.name} should be available here: {s.detail}"
        assert s.description_en and s.description_zh and s.detail
        assert re.search(r"[\u4e00-\u9fff]", s.description_zh), "the Chinese description should be Chinese"
    assert Path(by_name["minilm"].detail, "modules.json").is_file()


def test_minilm_resolves_and_encodes():
    r = resolve_model("minilm")
    assert isinstance(r, ResolvedModel)
    assert r.kind == "bundled" and r.language == "en" and r.spec == "minilm"
    assert Path(r.path, "model.safetensors").is_file()
    assert r.prompts is None  # all-MiniLM-L6-v2 uses no prompts
    assert resolve_model("").path == r.path  # empty spec means the default
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2").path == r.path  # alias, no network

    model = load_model("minilm", device="cpu")
    assert model.get_embedding_dimension() == 384
    emb = model.encode(["how to feed pigs", "feeding pigs with corn", "bank loan interest rate"])
    assert emb.shape == (3, 384)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    assert emb[0] @ emb[1] > emb[0] @ emb[2] + 0.2


def test_local_sentence_transformers_folder_resolves(tiny_model_path):
    r = resolve_model(str(tiny_model_path))
    assert r.kind == "local" and Path(r.path) == tiny_model_path.resolve()
    model = load_model(str(tiny_model_path), device="cpu")
    emb = model.encode(["猪饲料", "pig feed"])
    assert emb.shape == (2, 32)


def test_plain_huggingface_folder_resolves(tiny_model_path):
    hf_dir = tiny_model_path.parent / "hf"  # the fixture's plain BertModel + tokenizer folder
    r = resolve_model(str(hf_dir))
    assert r.kind == "local" and Path(r.path) == hf_dir.resolve()
    model = load_model(str(hf_dir), device="cpu")  # sentence-transformers adds mean pooling
    assert model.encode(["pig"]).shape == (1, 32)


def test_a_run_folder_resolves_to_the_model_it_delivered(tiny_model_path, tmp_path):
    """``--tuned runs/NAME`` (compare, evaluate, search) means the run's delivered model, else ``best/``, else
    ``final/``; a run with no saved model yet says the folder holds no model."""
    import shutil

    run = tmp_path / "runs" / "pigs"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text("name: pigs\n", encoding="utf-8")
    with pytest.raises(ModelSourceError, match=r"holds no model: expected 'modules\.json'"):
        resolve_model(str(run))
    shutil.copytree(tiny_model_path, run / "final")
    assert Path(resolve_model(str(run)).path) == (run / "final").resolve()
    shutil.copytree(tiny_model_path, run / "best")
    assert Path(resolve_model(str(run)).path) == (run / "best").resolve()
    shutil.copytree(tiny_model_path, run / "delivered")
    r = resolve_model(str(run))
    assert Path(r.path) == (run / "delivered").resolve() and r.kind == "local" and r.spec == str(run)
    assert load_model(str(run), device="cpu").encode(["pig"]).shape == (1, 32)


def test_a_runs_model_folder_is_asked_for_by_name_only(tmp_path):
    """``saved_model_dir`` (export, push, compare): ``first`` is tried before the rest when it is one of the run's
    model folders; a path or ``..`` is never joined to the run folder (it could name another run's model)."""
    from core.models.sources import saved_model_dir

    run, other = tmp_path / "runs" / "pigs", tmp_path / "runs" / "theirs" / "final"
    for folder in (run / "best", run / "final", other):
        folder.mkdir(parents=True)
    assert saved_model_dir(run) == run / "best"
    assert saved_model_dir(run, "final") == run / "final"
    assert saved_model_dir(run, "delivered") == run / "best"  # not there: the first one saved
    assert saved_model_dir(run, "../theirs/final") == run / "best"
    assert saved_model_dir(tmp_path / "runs" / "nothing") is None


def test_folder_without_model_names_folder_and_what_is_missing(tmp_path):
    empty = tmp_path / "my-empty-folder"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    with pytest.raises(ModelSourceError) as err:
        resolve_model(str(empty))
    msg = str(err.value)
    assert str(empty) in msg and "modules.json" in msg and "config.json" in msg
    assert _one_sentence(msg), msg


def test_folder_missing_weights_says_weights(tiny_model_path, tmp_path):
    broken = tmp_path / "no-weights"
    shutil.copytree(tiny_model_path, broken)
    (broken / "model.safetensors").unlink()
    with pytest.raises(ModelSourceError) as err:
        resolve_model(str(broken))
    msg = str(err.value)
    assert str(broken) in msg and "weights" in msg and "tokenizer" not in msg
    assert _one_sentence(msg), msg
    with pytest.raises(ModelSourceError):
        load_model(str(broken), device="cpu")


def test_missing_folder_and_unknown_name(tmp_path):
    missing = tmp_path / "nowhere" / "model"
    with pytest.raises(ModelSourceError, match="does not exist") as err:
        resolve_model(str(missing))
    assert str(missing) in str(err.value)
    with pytest.raises(ModelSourceError, match="not a known model name") as err:
        resolve_model("no-such-model")
    assert "minilm" in str(err.value) and _one_sentence(str(err.value))


def test_unknown_hub_id_offline_is_one_quick_sentence(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ModelSourceError) as err:
        resolve_model("some-org/surely-not-cached-model-xyz")
    assert time.monotonic() - start < 10
    msg = str(err.value)
    assert "'some-org/surely-not-cached-model-xyz'" in msg and "cannot be reached" in msg
    assert _one_sentence(msg), msg
    start = time.monotonic()
    with pytest.raises(ModelSourceError):
        load_model("some-org/surely-not-cached-model-xyz")
    assert time.monotonic() - start < 10


def test_unknown_hub_id_without_network_fails_fast(monkeypatch):
    """No offline flag: a Hub host that refuses connections gives the same single sentence, quickly."""
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    assert sources.hub_reachable(timeout=2) is False
    start = time.monotonic()
    with pytest.raises(ModelSourceError, match="cannot be reached"):
        resolve_model("some-org/surely-not-cached-model-xyz")
    assert time.monotonic() - start < 10


def test_cached_hub_model_resolves_offline(tiny_model_path, tmp_path, monkeypatch):
    """A Hub id already in the local Hugging Face cache resolves with no network."""
    from huggingface_hub import constants

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--acme--tiny-st"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    shutil.copytree(tiny_model_path, repo / "snapshots" / commit)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    r = resolve_model("acme/tiny-st")
    assert r.kind == "hub"
    assert Path(r.path).resolve() == (repo / "snapshots" / commit).resolve()
    assert load_model("acme/tiny-st", device="cpu").encode(["pig"]).shape == (1, 32)


def test_fingerprint_is_stable_and_changes_with_weights(tiny_model_path, tmp_path):
    copy = tmp_path / "m"
    shutil.copytree(tiny_model_path, copy)
    fp1 = model_fingerprint(copy)
    assert re.fullmatch(r"[0-9a-f]{20}", fp1)
    assert model_fingerprint(str(copy)) == fp1
    (copy / "README.md").write_text("edited card")  # the card is not part of the model
    assert model_fingerprint(copy) == fp1

    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-5] ^= 0x01  # flip one bit of the last tensor, same size
    st = weights.stat()
    weights.write_bytes(bytes(data))
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime
    fp2 = model_fingerprint(copy)
    assert fp2 != fp1

    cfg = copy / "config.json"
    conf = json.loads(cfg.read_text())
    conf["layer_norm_eps"] = 1e-6
    cfg.write_text(json.dumps(conf))
    assert model_fingerprint(copy) not in (fp1, fp2)


def test_fingerprint_large_file_and_spec(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    big = folder / "model.safetensors"
    big.write_bytes(os.urandom(6 << 20))
    fp1 = model_fingerprint(folder)
    with open(big, "r+b") as fh:  # change bytes in the middle: the new mtime alone must change the hash
        fh.seek(3 << 20)
        fh.write(b"\x00" * 16)
    os.utime(big, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    assert model_fingerprint(folder) != fp1
    assert model_fingerprint("minilm") == model_fingerprint(resolve_model("minilm").path)


def _source(name: str, language: str, available: bool = True) -> SourceInfo:
    return SourceInfo(name, "bundled", language, "", "", available, "")


def test_model_for_language_keeps_a_covering_model_else_the_first_available_that_covers():
    en, multi = _source("en-model", "en"), _source("multi", "multilingual")
    assert model_for_language("zh", "en-model", [en, multi]) == "multi"
    assert model_for_language("mixed", "en-model", [en, multi]) == "multi"
    assert model_for_language("en", "en-model", [en, multi]) == "en-model"
    assert model_for_language("en", "multi", [en, multi]) == "multi"  # it covers English too: the choice stays
    assert model_for_language(None, "en-model", [en, multi]) == "en-model"  # language unknown
    assert model_for_language("zh", "en-model", [en]) == "en-model"  # nothing covers it
    assert model_for_language("zh", None, [_source("zh-off", "zh", False), _source("zh-on", "zh")]) == "zh-on"
    assert model_for_language("zh", None, [_source("zh-off", "zh", False)]) == "zh-off"  # none available: first fit


def test_model_for_language_over_the_built_in_sources():
    names = [s.name for s in list_sources()]
    assert model_for_language("zh", DEFAULT_MODEL) == "multilingual-e5-small" and "multilingual-e5-small" in names
    assert model_for_language("en", DEFAULT_MODEL) == DEFAULT_MODEL
