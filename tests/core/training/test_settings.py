"""core.training.settings: a config from plain settings (what the Train tab's form gives), and its dataset back."""

import pytest

from core.errors import ConfigError
from core.training import TrainConfig
from core.training.settings import config_from_settings, dataset_from_config


def test_settings_left_empty_stay_open_for_the_recipe():
    cfg = config_from_settings({"train": "t.jsonl", "format": "qpn"}, model="minilm", name="  ")
    assert cfg.name == "run" and cfg.model == "minilm" and cfg.recipe == "auto"
    assert cfg.data.train == ["t.jsonl"] and cfg.data.validation == [] and cfg.data.test == []
    assert cfg.data.corpus is None and cfg.data.mapping is None
    assert cfg.strategy.name == "full" and cfg.loss.name is None and cfg.loss.params == {}
    assert (
        cfg.hyper.epochs,
        cfg.hyper.batch_size,
        cfg.hyper.learning_rate,
        cfg.hyper.warmup_ratio,
        cfg.hyper.max_seq_length,
        cfg.eval.eval_steps,
    ) == (None,) * 6
    assert cfg.hyper.max_steps == -1


def test_every_setting_reaches_its_config_key():
    dataset = {
        "train": "tr.csv",
        "validation": "va.csv",
        "test": "te.csv",
        "eval": "beir",
        "passages": "kb.jsonl",
        "format": "pair",
        "mapping": {"anchor": "q", "positive": "p"},
        "rows": 40,
        "label": "ignored",
    }
    cfg = config_from_settings(
        dataset,
        model="/models/m",
        name="pig run",
        loss="MultipleNegativesRankingLoss",
        loss_params={"scale": 20.0},
        strategy="lora",
        strategy_params={"r": 8},
        recipe="plain",
        epochs=2.0,
        batch_size=16,
        learning_rate=3e-5,
        warmup_ratio=0.0,
        max_steps=50,
        max_seq_length=128,
        eval_steps=10,
    )
    assert cfg.name == "pig run" and cfg.model == "/models/m" and cfg.recipe == "plain"
    assert (cfg.data.train, cfg.data.validation, cfg.data.test) == (["tr.csv"], ["va.csv"], ["te.csv"])
    assert cfg.data.corpus == "kb.jsonl"  # the Build tab's passages win over the dataset's BEIR corpus
    assert cfg.data.format == "pair" and cfg.data.mapping == {"anchor": "q", "positive": "p"}
    assert cfg.loss.params == {"scale": 20.0} and cfg.strategy.name == "lora" and cfg.strategy.params == {"r": 8}
    assert (cfg.hyper.epochs, cfg.hyper.batch_size, cfg.hyper.learning_rate, cfg.hyper.warmup_ratio) == (
        2.0,
        16,
        3e-5,
        0.0,
    )
    assert (cfg.hyper.max_steps, cfg.hyper.max_seq_length, cfg.eval.eval_steps) == (50, 128, 10)
    assert config_from_settings({**dataset, "passages": None}, model="m").data.corpus == "beir"


def test_a_bad_setting_is_refused_by_the_config_check():
    with pytest.raises(ConfigError, match="strategy"):
        config_from_settings({"train": "t.jsonl"}, model="minilm", strategy="no-such-strategy")


def test_dataset_round_trips_and_finds_the_beir_corpus_beside_the_test_split(tmp_path):
    (tmp_path / "beir").mkdir()
    dataset = {
        "train": str(tmp_path / "train.jsonl"),
        "validation": str(tmp_path / "validation.jsonl"),
        "test": str(tmp_path / "test.jsonl"),
        "format": "qpn",
        "mapping": {},
        "group_by": "company",
    }
    cfg = config_from_settings(dataset, model="minilm")
    assert cfg.data.group_by == "company"
    # no corpus.jsonl in beir/: not the sample layout
    assert dataset_from_config(cfg) == {**dataset, "eval": None, "passages": None}
    (tmp_path / "beir" / "corpus.jsonl").write_text('{"_id": "d1", "text": "x"}\n', encoding="utf-8")
    assert dataset_from_config(cfg) == {**dataset, "eval": str(tmp_path / "beir"), "passages": None}
    # a knowledge base of its own (a BEIR dataset's corpus, the Build tab's passages) comes back as the passages
    own = {**dataset, "eval": str(tmp_path / "beir"), "passages": str(tmp_path / "passages.jsonl")}
    again = config_from_settings(own, model="minilm")
    assert again.data.corpus == own["passages"] and dataset_from_config(again) == own
    assert dataset_from_config(TrainConfig()) == {
        "train": None,
        "validation": None,
        "test": None,
        "eval": None,
        "passages": None,
        "format": None,
        "mapping": {},
        "group_by": None,
    }
