"""Each strategy trains a few real steps: frozen weights stay bit-identical, trainable ones move, counts are right."""

from __future__ import annotations

import pytest
import torch

from core.errors import ConfigError
from core.strategies import (
    STRATEGIES,
    StrategyReport,
    apply_strategy,
    count_parameters,
    finalize_for_save,
    get_strategy,
    validate_strategy_params,
)
from tests.core.strategies.conftest import moved_names, snapshot, train_steps


def _numel(model, pred) -> int:
    return sum(p.numel() for n, p in model.named_parameters() if pred(n))


def test_registry_lists_the_strategies_with_bilingual_text():
    assert list(STRATEGIES) == ["full", "bitfit", "prefix", "freeze", "lora", "staged"]
    for spec in STRATEGIES.values():
        assert spec.description["en"] and spec.description["zh"]
        for p in spec.params:
            assert p.help["en"] and p.help["zh"]
    assert get_strategy(None).name == "full"
    assert validate_strategy_params("lora", {"r": "4"}) == {"r": 4, "alpha": 16.0, "dropout": 0.05, "target_modules": ""}


@pytest.mark.parametrize("name,params,fragment", [
    ("lora", {"r": 0}, "Strategy 'lora' parameter 'r' is 0 but must be between 1 and 1024."),
    ("lora", {"dropout": 1.5}, "'dropout' is 1.5 but must be between 0 and 0.9"),
    ("prefix", {"prefix_length": "many"}, "'prefix_length' is 'many' but must be a whole number"),
    ("freeze", {"depth": 2}, "Strategy 'freeze' has no parameter 'depth'; its parameters are: embeddings, layers."),
    ("adapterz", {}, "Unknown training strategy 'adapterz'; expected one of: full, bitfit, prefix, freeze, lora, staged."),
    ("staged", {"switch": 1.5}, "'switch' is 1.5 but must be between 0.05 and 0.95"),
    ("staged", {"then": "lora"}, "'then'"),
])
def test_bad_strategy_params(name, params, fragment):
    with pytest.raises(ConfigError) as err:
        validate_strategy_params(name, params)
    assert fragment in str(err.value)


def test_full_trains_everything(model_copy, tmp_path):
    model = model_copy
    report = apply_strategy(model, "full", {})
    total = sum(p.numel() for p in model.parameters())
    assert (report.trainable, report.total) == (total, total) == count_parameters(model)
    before = snapshot(model)
    train_steps(model, report, tmp_path / "out")
    moved = moved_names(model, before)
    assert "0.model.encoder.layer.0.attention.self.query.weight" in moved
    assert any("word_embeddings" in n for n in moved)
    assert finalize_for_save(model, report) is model


def test_bitfit_trains_only_biases(model_copy, tmp_path):
    model = model_copy
    report = apply_strategy(model, "bitfit", {})
    n_bias = _numel(model, lambda n: n.endswith(".bias"))
    assert report.trainable == n_bias and report.total == sum(p.numel() for p in model.parameters())
    assert 0 < report.trainable < report.total / 10
    before = snapshot(model)
    train_steps(model, report, tmp_path / "out")
    moved = moved_names(model, before)
    assert moved and all(n.endswith(".bias") for n in moved)
    for n, p in model.named_parameters():
        if not n.endswith(".bias"):
            assert torch.equal(p, before[n]), n


def test_bitfit_keywords(model_copy, tmp_path):
    model = model_copy
    report = apply_strategy(model, "bitfit", {"keywords": "LayerNorm, pooler"})
    want = _numel(model, lambda n: "layernorm" in n.lower() or "pooler" in n.lower())
    assert report.trainable == want
    before = snapshot(model)
    train_steps(model, report, tmp_path / "out")
    moved = moved_names(model, before)
    assert moved and all("layernorm" in n.lower() or "pooler" in n.lower() for n in moved)
    with pytest.raises(ConfigError, match="bitfit found no parameter whose name contains 'nosuchthing'"):
        apply_strategy(model, "bitfit", {"keywords": "nosuchthing"})


def test_freeze_embeddings_and_bottom_layer(model_copy, tmp_path):
    model = model_copy
    report = apply_strategy(model, "freeze", {"embeddings": True, "layers": 1})

    def frozen(n: str) -> bool:
        return ".embeddings." in n or ".encoder.layer.0." in n

    assert report.trainable == _numel(model, lambda n: not frozen(n))
    assert report.total == sum(p.numel() for p in model.parameters())
    before = snapshot(model)
    train_steps(model, report, tmp_path / "out")
    moved = moved_names(model, before)
    assert any(".encoder.layer.1." in n for n in moved)
    for n, p in model.named_parameters():
        if frozen(n):
            assert torch.equal(p, before[n]), n
    assert not any(frozen(n) for n in moved)


def test_freeze_layers_only_and_too_many(model_copy):
    report = apply_strategy(model_copy, "freeze", {"embeddings": False, "layers": 2})
    assert report.trainable == _numel(model_copy, lambda n: ".encoder.layer." not in n)
    with pytest.raises(ConfigError, match="'layers' is 3 but this model has only 2 layers"):
        apply_strategy(model_copy, "freeze", {"layers": 3})


def test_count_parameters_counts_shared_tensors_once():
    shared = torch.nn.Linear(4, 4)
    model = torch.nn.Sequential(shared, shared, torch.nn.Linear(4, 2))
    model[2].weight.requires_grad_(False)
    assert count_parameters(model) == (20 + 2, 20 + 10)
    assert StrategyReport("x", 1, 4).fraction == 0.25


@pytest.mark.parametrize("then", ["bitfit", "freeze"])
def test_staged_trains_everything_then_only_the_second_stage(model_copy, tmp_path, then):
    from core.strategies import stage_switch

    model = model_copy
    report = apply_strategy(model, "staged", {"switch": 0.5, "then": then})
    assert report.trainable == report.total
    before = snapshot(model)
    at_switch, calls = {}, []

    def on_switch(step, trainable, total):
        calls.append((step, trainable, total))
        at_switch.update(snapshot(model))

    train_steps(model, report, tmp_path / "out", steps=4, callbacks=[stage_switch(model, report, on_switch)])
    assert [c[0] for c in calls] == [2], "the second stage starts once, at half of 4 steps"
    step, trainable, total = calls[0]
    assert 0 < trainable < total and report.state["switched_at"] == 2
    assert "0.model.encoder.layer.0.attention.self.query.weight" in moved_names(model, before), "stage 1 trains all"
    after = moved_names(model, at_switch)
    if then == "bitfit":
        assert after and all(n.endswith(".bias") for n in after)
    else:
        assert after and not any("embeddings" in n or ".layer.0." in n for n in after)
        assert any(".layer.1." in n for n in after)
    assert stage_switch(model, apply_strategy(model, "full", {})) is None


def _train_mode_outputs(model, texts):
    """Two forward passes in training mode over the same texts (dropout draws anew in each)."""
    features = model.tokenize(texts)
    model.train()
    with torch.no_grad():
        return [model(dict(features))["sentence_embedding"].clone() for _ in range(2)]


def test_dropout_setting_turns_dropout_off_and_keeps_the_saved_config(model_copy, tmp_path):
    from core.strategies import apply_for_run

    texts = ["pig feed", "sow heat", "piglet scours"]
    first, second = _train_mode_outputs(model_copy, texts)
    assert not torch.allclose(first, second)  # the model's own dropout (0.1) is on while training
    apply_for_run(model_copy, "full", {}, False, dropout=0.0)
    first, second = _train_mode_outputs(model_copy, texts)
    assert torch.equal(first, second)
    model_copy.save(str(tmp_path / "saved"))
    import json

    saved = json.loads((tmp_path / "saved" / "config.json").read_text())
    assert saved["hidden_dropout_prob"] == 0.1 and saved["attention_probs_dropout_prob"] == 0.1


def test_dropout_left_open_keeps_the_models_own(model_copy):
    from torch import nn

    from core.strategies import apply_for_run

    apply_for_run(model_copy, "full", {}, False, dropout=None)
    assert {m.p for m in model_copy.modules() if isinstance(m, nn.Dropout)} == {0.1}


def test_dropout_setting_leaves_lora_dropout_to_the_strategy(model_copy):
    from torch import nn

    from core.strategies import apply_for_run

    apply_for_run(model_copy, "lora", {"r": 2, "dropout": 0.05}, False, dropout=0.0)
    named = dict(model_copy.named_modules())
    lora = {n: m.p for n, m in named.items() if isinstance(m, nn.Dropout) and "lora_" in n}
    assert lora and set(lora.values()) == {0.05}
    assert {m.p for n, m in named.items() if isinstance(m, nn.Dropout) and "lora_" not in n} == {0.0}


def test_attention_dropout_setting_changes_only_the_attention_probabilities(model_copy, tmp_path):
    """``hyper.attention_dropout`` reaches the dropout on the attention probabilities of every layer and nothing
    else: the model's other dropout stays on, and the saved config keeps the base's values."""
    from torch import nn

    from core.strategies import apply_for_run
    from core.strategies.base import attention_dropouts

    texts = ["pig feed", "sow heat", "piglet scours"]
    apply_for_run(model_copy, "full", {}, False, attention_dropout=0.0)
    changed = {n for n, m in model_copy.named_modules() if isinstance(m, nn.Dropout) and m.p == 0.0}
    layers = len(model_copy[0].auto_model.encoder.layer)
    assert len(changed) == layers and all(n.endswith("attention.self.dropout") for n in changed), changed
    assert len(attention_dropouts(model_copy)) == layers
    first, second = _train_mode_outputs(model_copy, texts)
    assert not torch.allclose(first, second), "the hidden-state dropout still draws"
    # with every other dropout off, an attention dropout above 0 is the only thing that still draws
    apply_for_run(model_copy, "full", {}, False, dropout=0.0, attention_dropout=0.5)
    first, second = _train_mode_outputs(model_copy, texts)
    assert not torch.allclose(first, second)
    apply_for_run(model_copy, "full", {}, False, dropout=0.0, attention_dropout=0.0)
    first, second = _train_mode_outputs(model_copy, texts)
    assert torch.equal(first, second)
    model_copy.save(str(tmp_path / "saved"))
    import json

    saved = json.loads((tmp_path / "saved" / "config.json").read_text())
    assert saved["hidden_dropout_prob"] == 0.1 and saved["attention_probs_dropout_prob"] == 0.1
