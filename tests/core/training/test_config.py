import copy

import pytest
import yaml

from core.errors import ConfigError
from core.run_folder import CONFIG_FILE
from core.training.config import TrainConfig


def test_yaml_round_trip(tmp_path):
    cfg = TrainConfig(name="猪场 run/1", model="minilm")
    cfg.data.train = ["a.csv"]
    cfg.loss.name = "CoSENTLoss"
    cfg.loss.params = {"scale": 20.0}
    cfg.strategy.name = "lora"
    cfg.strategy.params = {"r": 8}
    cfg.hyper.batch_size = 16
    path = cfg.save(tmp_path / CONFIG_FILE)
    again = TrainConfig.load(path)
    assert again == cfg
    assert "猪场" in path.read_text(encoding="utf-8")  # unicode kept readable


def test_unknown_key_is_named(tmp_path):
    (tmp_path / "c.yaml").write_text("name: x\nhyper:\n  batch_sise: 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="batch_sise"):
        TrainConfig.load(tmp_path / "c.yaml")


def test_bad_values_are_refused():
    with pytest.raises(ConfigError, match="batch_size"):
        TrainConfig.from_dict({"hyper": {"batch_size": 0}})
    with pytest.raises(ConfigError, match="split"):
        TrainConfig.from_dict({"data": {"split": [0.5]}})
    with pytest.raises(ConfigError, match=r"^The config file '/nonexistent/config\.yaml' does not exist\.$"):
        TrainConfig.load("/nonexistent/config.yaml")


def test_a_folder_given_as_the_config_says_it_is_a_folder(tmp_path):
    with pytest.raises(ConfigError, match=r"is a folder; give the config file inside it \(a run folder's is "
                                          r"config\.yaml\)\.$"):
        TrainConfig.load(tmp_path)


def test_secrets_are_never_stored(tmp_path):
    with pytest.raises(ConfigError, match="secret"):
        TrainConfig.from_dict({"loss": {"params": {"api_key": "sk-123"}}})
    cfg = TrainConfig()
    ok = TrainConfig.from_dict({"strategy": {"name": "prefix", "params": {"prefix_length": 8}}})
    assert ok.strategy.params["prefix_length"] == 8
    from core.secrets import find_secret

    assert find_secret({"max_tokens": 5, "num_tokens": 3, "api_key_env": "OPENAI_API_KEY", "tokenizer": "x"}) is None
    cfg.strategy.params = {"hub_token": "hf_abc"}
    with pytest.raises(ConfigError, match="secret"):
        cfg.save(tmp_path / "c.yaml")
    assert not (tmp_path / "c.yaml").exists()


# -- malformed configs: each one a ConfigError naming the key, at load time, nothing written -----------------

BASE = {"name": "ok", "model": "minilm", "data": {"train": ["train.jsonl"], "format": "qpn"},
        "loss": {"name": "MultipleNegativesRankingLoss"}, "strategy": {"name": "full"}, "hyper": {}, "eval": {}}

# (key named in the message, dotted path, value)
BAD_VALUES = [
    ("split", "data.split", "abc"),
    ("split", "data.split", [0.5]),
    ("split", "data.split", [0.9, -0.1]),
    ("split", "data.split", [0.0, 1.0]),
    ("split", "data.split", [0.9, "x"]),
    ("split", "data.split", [0.9, float("nan")]),
    ("general_max_drop", "data.general_max_drop", "0.01"),
    ("general_max_drop", "data.general_max_drop", -0.1),
    ("general_max_drop", "data.general_max_drop", 2),
    ("neg_nums", "data.neg_nums", "x"),
    ("neg_nums", "data.neg_nums", -1),
    ("neg_nums", "data.neg_nums", 1.5),
    ("neg_nums", "data.neg_nums", True),
    ("warmup_ratio", "hyper.warmup_ratio", "x"),
    ("warmup_ratio", "hyper.warmup_ratio", 1.5),
    ("warmup_ratio", "hyper.warmup_ratio", -0.1),
    ("gradient_accumulation_steps", "hyper.gradient_accumulation_steps", 0),
    ("gradient_accumulation_steps", "hyper.gradient_accumulation_steps", "2"),
    ("gradient_accumulation_steps", "hyper.gradient_accumulation_steps", 1.5),
    ("max_steps", "hyper.max_steps", "10"),
    ("max_steps", "hyper.max_steps", -5),
    ("max_steps", "hyper.max_steps", 2.5),
    ("max_steps", "hyper.max_steps", 0),  # transformers reads 0 as "not set": every step would train
    ("max_steps", "hyper.max_steps", True),
    ("learning_rate", "hyper.learning_rate", float("nan")),
    ("learning_rate", "hyper.learning_rate", float("inf")),
    ("learning_rate", "hyper.learning_rate", 0),
    ("learning_rate", "hyper.learning_rate", -1e-5),
    ("learning_rate", "hyper.learning_rate", "2e-5"),
    ("weight_decay", "hyper.weight_decay", -1),
    ("weight_decay", "hyper.weight_decay", float("nan")),
    ("epochs", "hyper.epochs", 0),
    ("epochs", "hyper.epochs", "one"),
    ("epochs", "hyper.epochs", float("inf")),
    ("batch_size", "hyper.batch_size", 0),
    ("batch_size", "hyper.batch_size", True),
    ("batch_size", "hyper.batch_size", 8.5),
    ("batch_size", "hyper.batch_size", "8"),
    ("max_seq_length", "hyper.max_seq_length", 0),
    ("max_seq_length", "hyper.max_seq_length", "long"),
    ("lr_scheduler", "hyper.lr_scheduler", "warp"),
    ("lr_scheduler", "hyper.lr_scheduler", 3),
    ("bf16", "hyper.bf16", "maybe"),
    ("use_prompts", "hyper.use_prompts", "no"),
    ("dropout", "hyper.dropout", "0"),
    ("dropout", "hyper.dropout", 1.0),
    ("dropout", "hyper.dropout", -0.1),
    ("attention_dropout", "hyper.attention_dropout", "0"),
    ("attention_dropout", "hyper.attention_dropout", 1.0),
    ("attention_dropout", "hyper.attention_dropout", True),
    ("use_prompts", "hyper.use_prompts", 0),
    ("save_steps", "eval.save_steps", -5),
    ("save_steps", "eval.save_steps", 0),
    ("eval_steps", "eval.eval_steps", "often"),
    ("eval_steps", "eval.eval_steps", 0),
    ("logging_steps", "eval.logging_steps", -1),
    ("save_total_limit", "eval.save_total_limit", 0),
    ("max_eval_queries", "eval.max_eval_queries", "all"),
    ("evaluate_base", "eval.evaluate_base", "false"),
    ("metric_for_best", "eval.metric_for_best", 5),
    ("trust_remote_code", "trust_remote_code", "no"),
    ("trust_remote_code", "trust_remote_code", "false"),
    ("trust_remote_code", "trust_remote_code", 1),
    ("name", "name", ["a", "b"]),
    ("name", "name", ""),
    ("name", "name", 12),
    ("model", "model", ["minilm"]),
    ("seed", "seed", "42"),
    ("seed", "seed", -1),
    ("seed", "seed", 4.2),
    ("train", "data.train", [1, 2]),
    ("train", "data.train", {"a": 1}),
    ("format", "data.format", "pairs"),
    ("mapping", "data.mapping", ["query"]),
    ("mapping", "data.mapping", {"query": 3}),
    ("max_rows", "data.max_rows", 0),
    ("group_by", "data.group_by", ["a"]),
    ("loss.name", "loss.name", "NoSuchLoss"),
    ("loss.params", "loss.params", {"scale": "big"}),
    ("loss.params", "loss.params", {"no_such_param": 1}),
    ("loss.params", "loss.params", [1, 2]),
    ("matryoshka_dims", "loss.matryoshka_dims", [768, "x"]),
    ("matryoshka_dims", "loss.matryoshka_dims", [0]),
    ("strategy.name", "strategy.name", "turbo"),
    ("strategy.params", "strategy.params", {"r": 8}),
    ("hyper", "hyper", [1, 2]),
    ("data", "data", "train.jsonl"),
    ("batch_sise", "hyper.batch_sise", 4),
    ("colour", "colour", "red"),
    ("eval.extra", "eval.extra", 1),
    ("api-key", "loss.params.api-key", "abc"),
    ("authorization", "strategy.params.authorization", "Bearer abcdefghijk"),
    ("hf_token", "hf_token", "x"),
]


def _set(d: dict, dotted: str, value):
    parts = dotted.split(".")
    for p in parts[:-1]:
        d = d.setdefault(p, {})
    d[parts[-1]] = value


def _yaml_for(dotted, value) -> str:
    raw = copy.deepcopy(BASE)
    if dotted == "strategy.params":
        raw["strategy"] = {"name": "full"}
    _set(raw, dotted, value)
    return yaml.safe_dump(raw, allow_unicode=True)


ALIAS_BOMB = ("name: bomb\nloss:\n  name: MultipleNegativesRankingLoss\n  params:\n"
              "    a: &a [x, x, x, x, x, x, x, x, x, x]\n    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
              "    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
              "    e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n")
# (what the message says, raw file bytes)
BAD_FILES = [
    ("not UTF-8", "name: caf\xe9\n".encode("latin-1")),
    ("not UTF-8", b"\xff\xfe\x00n\x00a\x00m\x00e"),
    ("alias", ALIAS_BOMB.encode()),
    ("alias", b"name: &n x\nmodel: *n\n"),
    ("not valid YAML", b"name: [unclosed\n"),
    # PyYAML's "'<stream end>'" would be read by the page as an HTML tag and dropped, cutting the sentence
    ("but got 'stream end'", b"name: bad\nmodel: [unclosed\n"),
    ("not valid YAML", b"name: x\n\tbad: tab\n"),
    ("nested", ("name: " + "[" * 5000 + "]" * 5000 + "\n").encode()),
    ("mapping of settings", b"- a\n- b\n"),
    ("mapping of settings", b"just a string\n"),
    ("values", ("name: x\nloss:\n  name: CoSENTLoss\n  params:\n    l: [" + ", ".join(["1"] * 30000) + "]\n").encode()),
    ("bytes", b"name: x\n" + b"#" * 1_100_000 + b"\n"),
    ("unknown setting '1'", b"1: x\n"),
    ("control character (#x0000) at position 0", b"\x00\x01\x02binary"),  # a binary file, not a config
    ("sets 'name' twice (lines 1 and 4)", b"name: x\nhyper:\n  epochs: 1\nname: y\n"),  # the last one would win
    ("sets 'epochs' twice (lines 2 and 3)", b"hyper:\n  epochs: 1\n  epochs: 3\n"),
]

CASES = [pytest.param(key, _yaml_for(path, value).encode("utf-8"), id=f"{path}={value!r}"[:60]) for key, path, value in BAD_VALUES]
CASES += [pytest.param(key, data, id=f"file-{i}-{key}") for i, (key, data) in enumerate(BAD_FILES)]


def test_there_are_enough_cases():
    assert len(CASES) >= 60


@pytest.mark.parametrize("key,data", CASES)
def test_malformed_config_is_one_sentence_naming_the_key(key, data, tmp_path):
    path = tmp_path / CONFIG_FILE
    path.write_bytes(data)
    with pytest.raises(ConfigError) as err:
        TrainConfig.load(path)
    msg = str(err.value)
    assert key in msg, msg
    assert "\n" not in msg and "Traceback" not in msg and len(msg) < 700


def test_trust_remote_code_is_on_only_when_true(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(_yaml_for("trust_remote_code", True), encoding="utf-8")
    assert TrainConfig.load(path).trust_remote_code is True
    path.write_text(_yaml_for("trust_remote_code", False), encoding="utf-8")
    assert TrainConfig.load(path).trust_remote_code is False


def test_valid_values_are_normalised(tmp_path):
    raw = copy.deepcopy(BASE)
    raw["hyper"] = {"epochs": 2, "bf16": True, "max_steps": None, "warmup_ratio": 0, "dropout": 0}
    raw["data"]["split"] = [8, 2]
    raw["data"]["train"] = "one.jsonl"
    cfg = TrainConfig.from_dict(raw)
    assert cfg.hyper.epochs == 2 and cfg.hyper.bf16 == "true" and cfg.hyper.max_steps is None
    assert cfg.data.train == ["one.jsonl"] and cfg.data.split == [8, 2]
    assert cfg.hyper.learning_rate is None, "left open for the recipe"
    assert cfg.hyper.dropout == 0, "dropout 0: off while training"


@pytest.mark.parametrize("key,data", CASES)
def test_cli_refuses_the_same_configs_without_writing(key, data, tmp_path, tmp_runs, capsys):
    from core.cli import main

    path = tmp_path / CONFIG_FILE
    path.write_bytes(data)
    assert main(["train", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and key in err and "Traceback" not in err, err
    assert not tmp_runs.exists() or not any(tmp_runs.iterdir())  # nothing written for a refused config


def test_cli_subprocess_refuses_with_one_line(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    cases = {"trust_remote_code": _yaml_for("trust_remote_code", "no"), "alias": ALIAS_BOMB}
    for key, text in cases.items():
        path = tmp_path / "c.yaml"
        path.write_text(text, encoding="utf-8")
        env = dict(os.environ, STUDIO_RUNS_DIR=str(tmp_path / "runs"), PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, "-m", "core", "train", "--config", str(path)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and key in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_yes_on_and_off_are_words_not_booleans_in_a_config(tmp_path):
    """YAML 1.1 reads yes/no/on/off as booleans: `trust_remote_code: yes` turned remote code on and the documented
    `model_selection: off` became False (then refused). Only true/false are booleans in a config."""
    p = tmp_path / "c.yaml"
    for word in ("yes", "on", "Yes", "ON", "y"):
        p.write_text(f"model: minilm\ntrust_remote_code: {word}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=rf"'trust_remote_code' must be true or false .*got '{word}'"):
            TrainConfig.load(p)
    p.write_text("model: minilm\nmodel_selection: off\ntrust_remote_code: false\nhyper:\n  use_prompts: TRUE\n",
                 encoding="utf-8")
    cfg = TrainConfig.load(p)
    assert cfg.model_selection == "off" and cfg.trust_remote_code is False and cfg.hyper.use_prompts is True
    cfg.save(tmp_path / "again.yaml")  # what the studio writes reads back the same
    assert TrainConfig.load(tmp_path / "again.yaml").to_dict() == cfg.to_dict()
