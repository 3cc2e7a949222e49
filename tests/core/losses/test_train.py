"""Registry output drives a real SentenceTransformerTrainer: dataset_for_loss + build_loss + batch_sampler_for."""

from __future__ import annotations

import math

import pytest
import torch

from core.losses import batch_sampler_for, build_loss, dataset_for_loss
from tests.core.losses.conftest import canonical_frame


@pytest.mark.parametrize("name,fmt,extra", [
    ("MultipleNegativesRankingLoss", "pair", {}),
    ("CachedMultipleNegativesRankingLoss", "qpn", {"matryoshka_dims": [32, 16]}),
    ("BatchAllTripletLoss", "labelled_sentence", {}),
    ("CoSENTLoss", "scored_pair", {}),
    ("SoftmaxLoss", "labelled_pair", {"num_labels": 2}),
])
def test_two_trainer_steps(name, fmt, extra, tiny_model_path, tmp_path):
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )

    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    ds = dataset_for_loss(canonical_frame(fmt, n=16), fmt, name)
    loss = build_loss(name, model, {}, fmt, **extra)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(tmp_path / "out"), max_steps=2, per_device_train_batch_size=8, learning_rate=1e-3,
        batch_sampler=batch_sampler_for(name), logging_steps=1, save_strategy="no", report_to="none",
        disable_tqdm=True, use_cpu=True, dataloader_num_workers=0, seed=0,
    )
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=ds, loss=loss)
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)
    moved = [n for n, p in model.named_parameters() if not torch.equal(p, before[n])]
    assert moved, "two steps changed no weight"
