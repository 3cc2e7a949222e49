"""A private copy of the tiny model per test and a helper that trains it a few real trainer steps."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import tiny_pairs


@pytest.fixture
def model_copy(tiny_model_path, tmp_path):
    """A SentenceTransformer loaded from a fresh copy of the tiny model folder."""
    from sentence_transformers import SentenceTransformer

    dest = tmp_path / "model"
    shutil.copytree(tiny_model_path, dest)
    return SentenceTransformer(str(dest), device="cpu")


def train_steps(model, report, out_dir, steps: int = 3, lr: float = 1e-2, prompts=None, callbacks=None):
    """Run ``steps`` SentenceTransformerTrainer steps of MNRL on tiny pairs, honouring ``report.trainer_overrides``."""
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    pairs = tiny_pairs(24)
    ds = Dataset.from_dict({"anchor": [q for q, _ in pairs], "positive": [p for _, p in pairs]})
    overrides = dict(report.trainer_overrides)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(out_dir), max_steps=steps, per_device_train_batch_size=8, learning_rate=lr,
        weight_decay=overrides.pop("weight_decay", 0.01), batch_sampler=BatchSamplers.NO_DUPLICATES,
        save_strategy="no", report_to="none", disable_tqdm=True, use_cpu=True, dataloader_num_workers=0, seed=0,
        prompts=prompts, **overrides,
    )
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=ds,
                                         loss=MultipleNegativesRankingLoss(model), callbacks=callbacks)
    trainer.train()
    return trainer


def snapshot(model) -> dict:
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def moved_names(model, before: dict) -> set[str]:
    import torch

    return {n for n, p in model.named_parameters() if n in before and not torch.equal(p.detach(), before[n])}
