"""The on-disk corpus embedding cache: hit on reuse, miss when the corpus or the model changes."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import core.evaluation.embed_cache as ec
from core.evaluation.embed_cache import corpus_hash, embed_corpus_cached, model_key
from core.paths import cache_root

TEXTS = ["pig feed protein", "bank loan interest rate", "猪饲料蛋白", "公司年度收入", "the company annual report"]
IDS = [f"p{i}" for i in range(len(TEXTS))]


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = ec.encode_corpus

    def wrapper(model, texts, **kw):
        calls.append(len(list(texts)))
        return real(model, texts, **kw)

    monkeypatch.setattr(ec, "encode_corpus", wrapper)
    return calls


def test_second_call_is_a_cache_hit(tiny_model_path, counted):
    events = []
    first = embed_corpus_cached(str(tiny_model_path), IDS, TEXTS, progress=events.append)
    assert not first.hit and counted == [5]
    assert first.path.parent == cache_root() / "embeddings"
    assert first.path.name.endswith(f"-{corpus_hash(IDS, TEXTS)}.npy") and first.path.is_file()
    assert events and events[-1].done == 5 and events[-1].total == 5
    second = embed_corpus_cached(str(tiny_model_path), IDS, TEXTS)
    assert second.hit and counted == [5]  # no new encoding
    np.testing.assert_array_equal(first.matrix, second.matrix)
    assert first.matrix.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first.matrix, axis=1), 1.0, rtol=1e-5)


def test_corpus_change_invalidates(tiny_model_path, counted):
    embed_corpus_cached(str(tiny_model_path), IDS, TEXTS)
    changed = TEXTS[:-1] + ["the company annual report 2024"]
    res = embed_corpus_cached(str(tiny_model_path), IDS, changed)
    assert not res.hit and counted == [5, 5]
    res = embed_corpus_cached(str(tiny_model_path), IDS[::-1], TEXTS[::-1])  # order matters too
    assert not res.hit and counted == [5, 5, 5]
    assert corpus_hash(IDS, TEXTS) != corpus_hash(IDS[::-1], TEXTS[::-1])


def test_changed_weight_file_invalidates(tiny_model_path, tmp_path, counted):
    from safetensors.torch import load_file, save_file

    copy = tmp_path / "model-copy"
    shutil.copytree(tiny_model_path, copy)
    a = embed_corpus_cached(str(copy), IDS, TEXTS)
    assert embed_corpus_cached(str(copy), IDS, TEXTS).hit
    weights = next(copy.rglob("*.safetensors"))
    tensors = load_file(str(weights))
    name = next(n for n in tensors if "word_embeddings" in n)
    tensors[name] = tensors[name] + 0.5
    save_file(tensors, str(weights), metadata={"format": "pt"})
    b = embed_corpus_cached(str(copy), IDS, TEXTS)
    assert not b.hit and counted == [5, 5]
    assert a.path != b.path and not np.allclose(a.matrix, b.matrix)


def test_in_memory_model_keyed_by_weights(tiny_model, counted):
    import copy

    import torch

    model = copy.deepcopy(tiny_model)
    key = model_key(model)
    assert embed_corpus_cached(model, IDS, TEXTS).hit is False
    assert embed_corpus_cached(model, IDS, TEXTS).hit is True
    with torch.no_grad():
        next(model.parameters()).add_(0.1)
    assert model_key(model) != key
    assert embed_corpus_cached(model, IDS, TEXTS).hit is False
    assert counted == [5, 5]


def test_use_cache_false_writes_nothing(tiny_model):
    res = embed_corpus_cached(tiny_model, IDS, TEXTS, use_cache=False)
    assert not res.hit and res.matrix.shape[0] == 5
    assert not (cache_root() / "embeddings").exists() or not any((cache_root() / "embeddings").iterdir())
