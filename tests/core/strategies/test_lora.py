"""lora: only adapters train; the saved model is merged, plain, and encodes like the in-memory merged model."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from core.errors import ConfigError
from core.strategies import apply_strategy, finalize_for_save
from tests.core.strategies.conftest import snapshot, train_steps

TEXTS = ["pig feed protein", "猪饲料蛋白", "bank loan interest rate"]


def test_lora_trains_adapters_and_saves_merged_plain_model(model_copy, tiny_model_path, tmp_path):
    from sentence_transformers import SentenceTransformer

    model = model_copy
    base_total = sum(p.numel() for p in model.parameters())
    report = apply_strategy(model, "lora", {"r": 4, "alpha": 8, "dropout": 0.0})
    # BERT default targets: query and value, 2 layers, hidden 32: (32*4 + 4*32) * 2 modules * 2 layers
    assert report.trainable == (32 * 4 + 4 * 32) * 2 * 2 == 1024
    assert report.total == base_total + 1024
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)

    before = snapshot(model)
    train_steps(model, report, tmp_path / "out", steps=3)
    for n, p in model.named_parameters():
        if "lora_" not in n:
            assert torch.equal(p, before[n]), f"frozen weight {n} moved"
    assert any("lora_B" in n and not torch.equal(p, before[n]) for n, p in model.named_parameters())

    with_adapter = model.encode(TEXTS)
    merged = finalize_for_save(copy.deepcopy(model), report)
    assert not any("lora_" in n for n, _ in merged.named_parameters())
    assert any("lora_" in n for n, _ in model.named_parameters()), "finalizing a copy must not touch the original"
    merged_emb = merged.encode(TEXTS)
    np.testing.assert_allclose(merged_emb, with_adapter, atol=1e-5)

    out = tmp_path / "saved"
    merged.save(str(out))
    files = {p.name for p in out.iterdir()}
    assert "model.safetensors" in files and not any(f.startswith("adapter_") for f in files)
    reloaded = SentenceTransformer(str(out), device="cpu")
    assert not any("lora_" in n for n, _ in reloaded.named_parameters())
    np.testing.assert_allclose(reloaded.encode(TEXTS), merged_emb, atol=1e-6)
    # the merge really changed the base weights (adapter learned something)
    base = SentenceTransformer(str(tiny_model_path), device="cpu")
    q = "0.model.encoder.layer.0.attention.self.query.weight"
    assert not torch.equal(dict(reloaded.named_parameters())[q], dict(base.named_parameters())[q])


def test_lora_target_modules(model_copy):
    report = apply_strategy(model_copy, "lora", {"r": 2, "target_modules": "query, key, value"})
    assert report.trainable == (32 * 2 + 2 * 32) * 3 * 2


def test_lora_bad_target_is_config_error(model_copy):
    with pytest.raises(ConfigError) as err:
        apply_strategy(model_copy, "lora", {"target_modules": "q_proj"})
    assert "q_proj" in str(err.value) and "query" in str(err.value)
