"""The recipe fills only the settings left open, from the data and the model, each with a reason."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.errors import ConfigError
from core.run_folder import CONFIG_FILE, EV_RECIPE
from core.training import TrainConfig, read_events, run_training
from core.training.data import Splits
from core.training.recipe import PLAIN, data_language, length_quantile, plan_recipe
from tests.conftest import tiny_pairs


def _splits(pairs, fmt="pair") -> Splits:
    df = pd.DataFrame({"anchor": [q for q, _ in pairs], "positive": [p for _, p in pairs]})
    return Splits(format=fmt, train=df, validation=None, test=None)


@pytest.fixture
def tiny_tokenizer(tiny_model_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_model_path))


def _choices(plan) -> dict:
    return {c.key: c for c in plan.choices}


def test_plain_recipe_is_a_plain_sentence_transformers_script():
    cfg = TrainConfig(recipe="plain")
    plan = plan_recipe(cfg, _splits(tiny_pairs(40)))
    for key, value in PLAIN.items():
        assert _choices(plan)[key].value == value
    assert cfg.hyper.learning_rate is None, "the input config is not changed"
    assert plan.config.hyper.learning_rate == 2e-5 and plan.config.hyper.batch_size == 32


def test_auto_keeps_what_the_user_gave(tiny_model_path, tiny_tokenizer):
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.hyper.learning_rate = 1e-3
    cfg.hyper.epochs = 7
    plan = plan_recipe(cfg, _splits(tiny_pairs(40)), tokenizer=tiny_tokenizer)
    assert plan.config.hyper.learning_rate == 1e-3 and plan.config.hyper.epochs == 7
    assert plan.config.model == str(tiny_model_path)
    keys = set(_choices(plan))
    assert not keys & {"hyper.learning_rate", "hyper.epochs", "model"}
    assert {"hyper.batch_size", "hyper.max_seq_length", "hyper.warmup_ratio"} <= keys
    assert all(c.reason for c in plan.choices)


@pytest.mark.parametrize("rows, epochs", [(100, 3.0), (2500, 2.0), (6000, 1.0)])
def test_small_data_gets_more_epochs(rows, epochs, tiny_model_path, tiny_tokenizer):
    pairs = [(f"question {i}", f"answer {i}") for i in range(rows)]
    plan = plan_recipe(TrainConfig(model=str(tiny_model_path)), _splits(pairs), tokenizer=tiny_tokenizer)
    assert plan.config.hyper.epochs == epochs
    assert f"{rows:,} training pairs" in _choices(plan)["hyper.epochs"].reason


def test_max_length_covers_95_percent_of_passages(tiny_model_path, tiny_tokenizer):
    short = [("pig feed", "the pig feed is good")] * 95
    long = [("sow", " ".join(["pig"] * 200))] * 5
    plan = plan_recipe(TrainConfig(model=str(tiny_model_path)), _splits(short + long), tokenizer=tiny_tokenizer)
    p95, longest = length_quantile(tiny_tokenizer, [p for _, p in short + long])
    assert p95 < 10 and longest > 200
    assert plan.config.hyper.max_seq_length == 64  # 95% fit in a few tokens; 64 is the floor
    assert "95% of passages fit" in _choices(plan)["hyper.max_seq_length"].reason


def test_counting_a_text_longer_than_the_model_reads_logs_nothing(tiny_tokenizer, caplog):
    """The length rule counts whole texts on purpose: transformers' "Token indices sequence length is longer than
    the specified maximum ... will result in indexing errors" would tell a user of an error that is not there."""
    import logging

    from core.training.recipe import token_counts

    tiny_tokenizer.model_max_length = 8
    with caplog.at_level(logging.WARNING):
        assert token_counts(tiny_tokenizer, ["pig " * 40, "sow"]) == [42, 3]
    assert "Token indices sequence length" not in caplog.text, caplog.text
    assert token_counts(lambda texts, add_special_tokens, truncation: {"input_ids": [t.split() for t in texts]},
                        ["a b c"], cap=2) == [2], "a tokenizer-like callable without verbose still counts"


def test_model_follows_the_data_language(monkeypatch):
    zh = [("母猪发烧怎么办", "母猪发烧时应先测体温并隔离观察。")] * 20
    en = [("what do sows eat", "sows eat corn and soybean meal")] * 20
    assert data_language(_splits(zh))[0] == "zh"
    assert data_language(_splits(en))[0] == "en"
    assert data_language(_splits(zh + en))[0] == "mixed"
    import core.models

    def no_model(spec, progress=None):  # the choice itself needs no model files
        raise RuntimeError("not resolved in this test")

    monkeypatch.setattr(core.models, "resolve_model", no_model)
    assert plan_recipe(TrainConfig(), _splits(zh)).config.model == "multilingual-e5-small"
    assert plan_recipe(TrainConfig(), _splits(en)).config.model == "minilm"
    reason = _choices(plan_recipe(TrainConfig(), _splits(zh)))["model"].reason
    assert "Chinese" in reason and "English-only" in reason


def test_unknown_recipe_is_refused():
    with pytest.raises(ConfigError, match="recipe"):
        TrainConfig.from_dict({"recipe": "magic"})


def test_a_run_records_its_recipe(tiny_model_path, format_file, tmp_runs):
    cfg = TrainConfig(name="r", model=str(tiny_model_path))
    cfg.data.train = [str(format_file("pair"))]
    cfg.hyper.max_steps = 2
    status = run_training(cfg, tmp_runs / "r")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "r")
    recipe = next(e for e in events if e["type"] == EV_RECIPE)
    keys = {c["key"] for c in recipe["choices"]}
    assert {"hyper.learning_rate", "hyper.batch_size", "hyper.max_seq_length", "hyper.epochs"} <= keys
    saved = TrainConfig.load(tmp_runs / "r" / CONFIG_FILE)
    assert saved.hyper.learning_rate is None, "config.yaml keeps what the user gave; the recipe's fill is an event"
    assert json.dumps(recipe, ensure_ascii=False)


def test_cli_recipe_flag(tmp_path, format_file, tmp_runs, capsys):
    """``python -m core train --recipe`` (the CLI's entry point, called in this process: writing a config needs no
    child process)."""
    from core.cli import main

    out = tmp_path / "cfg.yaml"
    for flag, expected in ((["--recipe", "plain"], "plain"), ([], "auto")):
        assert main(["train", "--data", str(format_file("pair")), *flag, "--write-config", str(out)]) == 0
        cfg = TrainConfig.load(out)
        assert cfg.recipe == expected and cfg.hyper.learning_rate is None
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--data", "x.jsonl", "--recipe", "magic"])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err


def _with_vocab(src, dst, vocab: int):
    import shutil

    shutil.copytree(src, dst)
    for cfg_file in [dst / "config.json", *dst.glob("*/config.json")]:
        if cfg_file.is_file():
            c = json.loads(cfg_file.read_text(encoding="utf-8"))
            c["vocab_size"] = vocab
            cfg_file.write_text(json.dumps(c), encoding="utf-8")
    return dst


def test_word_embeddings_freeze_for_multilingual_vocabularies(tiny_model_path, tiny_tokenizer, tmp_path):
    big = _with_vocab(tiny_model_path, tmp_path / "big-vocab", 250_000)  # the shape is read from config.json
    plan = plan_recipe(TrainConfig(model=str(big)), _splits(tiny_pairs(40)), tokenizer=tiny_tokenizer)
    choice = _choices(plan)["hyper.freeze_word_embeddings"]
    assert choice.value is True and "250,000-token vocabulary" in choice.reason
    small = plan_recipe(TrainConfig(model=str(tiny_model_path)), _splits(tiny_pairs(40)), tokenizer=tiny_tokenizer)
    assert _choices(small)["hyper.freeze_word_embeddings"].value is False
    given = TrainConfig(model=str(big))
    given.hyper.freeze_word_embeddings = False
    assert plan_recipe(given, _splits(tiny_pairs(40)), tokenizer=tiny_tokenizer).config.hyper.freeze_word_embeddings is False
    lora = TrainConfig(model=str(big))
    lora.strategy.name = "lora"
    assert "hyper.freeze_word_embeddings" not in _choices(plan_recipe(lora, _splits(tiny_pairs(40)), tokenizer=tiny_tokenizer))


def test_frozen_word_embeddings_stay_the_base_models(tiny_model_path, format_file, tmp_runs):
    import torch
    from sentence_transformers import SentenceTransformer

    from core.strategies.base import input_embeddings

    cfg = TrainConfig(name="fw", model=str(tiny_model_path))
    cfg.data.train = [str(format_file("pair"))]
    cfg.hyper.max_steps = 3
    cfg.hyper.learning_rate = 1e-2
    cfg.hyper.freeze_word_embeddings = True
    assert run_training(cfg, tmp_runs / "fw")["status"] == "completed"
    params = next(e for e in read_events(tmp_runs / "fw")[0] if e["type"] == "params")
    base = SentenceTransformer(str(tiny_model_path), device="cpu")
    tuned = SentenceTransformer(str(tmp_runs / "fw" / "final"), device="cpu")
    table = input_embeddings(base).weight
    assert params["frozen_word_embeddings"] is True and params["trainable"] == params["total"] - table.numel()
    assert torch.equal(input_embeddings(tuned).weight, table)
    assert not torch.equal(tuned[0].auto_model.encoder.layer[0].attention.self.query.weight,
                           base[0].auto_model.encoder.layer[0].attention.self.query.weight), "the rest trained"


def test_freeze_word_embeddings_must_be_a_boolean():
    with pytest.raises(ConfigError, match="freeze_word_embeddings"):
        TrainConfig.from_dict({"hyper": {"freeze_word_embeddings": "yes"}})


def _kb(tmp_path, n: int):
    path = tmp_path / "kb.jsonl"
    path.write_text("".join(json.dumps({"text": f"knowledge base passage {i} about sows and feed"}) + "\n"
                            for i in range(n)), encoding="utf-8")
    return str(path)


def test_validation_pool_is_capped_so_its_searches_cost_at_most_half_the_training(tiny_model_path, tiny_tokenizer,
                                                                                 tmp_path):
    """Few training pairs and a large knowledge base: the five searches of the whole pool would outweigh the
    training, so the recipe caps the pool (not below MIN_POOL) and says why; a smaller pool, a user's own cap
    and the plain recipe are left alone."""
    from core.training.config import MAX_EVAL_PASSAGES, eval_passages
    from core.training.evaluators import MIN_POOL

    pairs = tiny_pairs(80)
    splits = Splits(format="pair", train=_splits(pairs[:60]).train, validation=_splits(pairs[60:]).train, test=None)
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.data.corpus = _kb(tmp_path, 6000)
    plan = plan_recipe(cfg, splits, tokenizer=tiny_tokenizer)
    choice = _choices(plan)["eval.max_eval_passages"]
    assert choice.value == MIN_POOL == eval_passages(plan.config)  # 60 pairs: the floor
    assert choice.reason.startswith("validation searches 2,000 of the 6,0") and "the test set is searched whole" in choice.reason
    cfg.data.corpus = _kb(tmp_path, 500)  # the whole pool costs less than the cap: searched whole
    assert "eval.max_eval_passages" not in _choices(plan_recipe(cfg, splits, tokenizer=tiny_tokenizer))
    cfg.data.corpus = _kb(tmp_path, 6000)
    cfg.eval.max_eval_passages = 5000
    assert plan_recipe(cfg, splits, tokenizer=tiny_tokenizer).config.eval.max_eval_passages == 5000
    plain = TrainConfig(model=str(tiny_model_path), recipe="plain")
    plain.data.corpus = cfg.data.corpus
    assert eval_passages(plan_recipe(plain, splits, tokenizer=tiny_tokenizer).config) == MAX_EVAL_PASSAGES


def test_the_run_searches_the_capped_pool(tiny_model_path, format_file, tmp_runs, tmp_path):
    from core.training.evaluators import MIN_POOL

    cfg = TrainConfig(name="pool", model=str(tiny_model_path))
    cfg.data.train = [str(format_file("pair"))]
    cfg.data.corpus = _kb(tmp_path, 3000)
    cfg.hyper.max_steps = 2
    assert run_training(cfg, tmp_runs / "pool")["status"] == "completed"
    events, _ = read_events(tmp_runs / "pool")
    chosen = {c["key"]: c["value"] for e in events if e["type"] == EV_RECIPE for c in e["choices"]}
    assert chosen["eval.max_eval_passages"] == MIN_POOL
    assert next(e for e in events if e["type"] == "eval")["measured_on"]["n_passages"] == MIN_POOL
