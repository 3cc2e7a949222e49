"""prefix: only the prefix rows train; the saved model applies the prefix with plain sentence-transformers."""

from __future__ import annotations

import copy
import json

import numpy as np
import torch

from core.strategies import PREFIX_PROMPT_NAME, apply_strategy, finalize_for_save, prefix_tokens
from tests.core.strategies.conftest import snapshot, train_steps

TEXTS = ["pig feed protein", "猪饲料蛋白", "bank loan interest rate"]


def _emb(model):
    return model[0].auto_model.get_input_embeddings().weight


def test_prefix_trains_only_its_rows_and_survives_plain_reload(model_copy, tmp_path):
    from sentence_transformers import SentenceTransformer

    model = model_copy
    vocab_before = len(model[0].tokenizer)
    report = apply_strategy(model, "prefix", {"prefix_length": 4})
    ids = report.state["token_ids"]
    hidden = _emb(model).shape[1]
    assert len(model[0].tokenizer) == vocab_before + 4 and ids == list(range(vocab_before, vocab_before + 4))
    assert report.trainable == 4 * hidden
    assert report.total == sum(p.numel() for p in model.parameters())
    assert report.trainer_overrides == {"weight_decay": 0.0}

    # every input starts with the prefix tokens, in training-style preprocessing too
    feats = model.preprocess(["pig feed"])
    toks = model[0].tokenizer.convert_ids_to_tokens(feats["input_ids"][0])
    assert toks[:6] == ["[CLS]"] + prefix_tokens(4) + ["pig"]

    before = snapshot(model)
    emb_before = _emb(model).detach().clone()
    train_steps(model, report, tmp_path / "out", steps=3)
    emb_after = _emb(model).detach().clone()
    mask = torch.zeros(emb_after.shape[0], dtype=torch.bool)
    mask[ids] = True
    assert torch.equal(emb_after[~mask], emb_before[~mask]), "non-prefix rows of the embedding table moved"
    assert all(not torch.equal(emb_after[i], emb_before[i]) for i in ids), "a prefix row did not train"
    for n, p in model.named_parameters():
        if "word_embeddings" not in n:
            assert torch.equal(p, before[n]), n

    in_memory = model.encode(TEXTS)
    plain = finalize_for_save(copy.deepcopy(model), report)
    out = tmp_path / "saved"
    plain.save(str(out))
    cfg = json.loads((out / "config_sentence_transformers.json").read_text())
    assert cfg["default_prompt_name"] == PREFIX_PROMPT_NAME
    assert cfg["prompts"][PREFIX_PROMPT_NAME] == "".join(prefix_tokens(4))

    reloaded = SentenceTransformer(str(out), device="cpu")  # plain ST, no project code involved
    assert "preprocess" not in reloaded[0].__dict__
    assert torch.equal(_emb(reloaded)[ids], emb_after[ids]), "saved prefix rows differ from the trained ones"
    with_prefix = reloaded.encode(TEXTS)
    np.testing.assert_allclose(with_prefix, in_memory, atol=1e-6)
    np.testing.assert_allclose(reloaded.encode_query(TEXTS), with_prefix, atol=1e-6)
    np.testing.assert_allclose(reloaded.encode_document(TEXTS), with_prefix, atol=1e-6)
    without_prefix = reloaded.encode(TEXTS, prompt="")
    assert np.abs(with_prefix - without_prefix).max() > 1e-3, "the prefix tokens change nothing"


def test_finalizing_a_copy_keeps_the_training_model_masked(model_copy, tmp_path):
    """Training saves best/ from a deep copy mid-run: the original must keep its gradient mask and wrapper."""
    model = model_copy
    report = apply_strategy(model, "prefix", {"prefix_length": 2})
    finalize_for_save(copy.deepcopy(model), report)
    assert "preprocess" in model[0].__dict__
    emb_before = _emb(model).detach().clone()
    train_steps(model, report, tmp_path / "out", steps=2)
    changed = (_emb(model).detach() != emb_before).any(dim=1).nonzero().flatten().tolist()
    assert changed == report.state["token_ids"]
    # finalizing the model itself drops the wrapper and the hook
    finalize_for_save(model, report)
    assert "preprocess" not in model[0].__dict__
    assert not _emb(model)._backward_hooks


def test_prefix_combines_with_existing_prompts_and_is_not_doubled(model_copy, tmp_path):
    model = model_copy
    model.prompts = {"query": "query: ", "passage": "passage: ", "document": ""}
    report = apply_strategy(model, "prefix", {"prefix_length": 2})
    p = "".join(prefix_tokens(2))
    assert model.prompts == {"query": p + "query: ", "passage": p + "passage: ", "document": p, "prefix": p}
    # a prompt that already carries the prefix (e.g. training passing the model's query prompt) gets it once
    feats = model.preprocess(["pig"], prompt=model.prompts["query"])
    toks = model[0].tokenizer.convert_ids_to_tokens(feats["input_ids"][0])
    assert toks[:3] == ["[CLS]"] + prefix_tokens(2) and toks.count("[PREFIX_0]") == 1
    # a trainer prompt without the prefix gets it in front
    feats = model.preprocess(["pig"], prompt="passage: ")
    toks = model[0].tokenizer.convert_ids_to_tokens(feats["input_ids"][0])
    assert toks[1:3] == prefix_tokens(2) and "passage" in toks
    # training with per-column prompts works and still trains only the prefix rows
    emb_before = _emb(model).detach().clone()
    train_steps(model, report, tmp_path / "out", steps=2, prompts={"anchor": "query: ", "positive": "passage: "})
    changed = (_emb(model).detach() != emb_before).any(dim=1).nonzero().flatten().tolist()
    assert changed == report.state["token_ids"]


def test_reapplying_prefix_reuses_tokens(model_copy, tmp_path):
    from sentence_transformers import SentenceTransformer

    model = model_copy
    report = apply_strategy(model, "prefix", {"prefix_length": 3})
    out = tmp_path / "saved"
    finalize_for_save(model, report).save(str(out))
    again = SentenceTransformer(str(out), device="cpu")
    size = len(again[0].tokenizer)
    report2 = apply_strategy(again, "prefix", {"prefix_length": 3})
    assert len(again[0].tokenizer) == size and report2.state["token_ids"] == report.state["token_ids"]
    assert torch.equal(_emb(again)[report2.state["token_ids"]], _emb(model)[report.state["token_ids"]])
