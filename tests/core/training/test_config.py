import pytest

from core.errors import ConfigError
from core.training.config import TrainConfig


def test_yaml_round_trip(tmp_path):
    cfg = TrainConfig(name="猪场 run/1", model="minilm")
    cfg.data.train = ["a.csv"]
    cfg.loss.name = "CoSENTLoss"
    cfg.loss.params = {"scale": 20.0}
    cfg.strategy.name = "lora"
    cfg.strategy.params = {"r": 8}
    cfg.hyper.batch_size = 16
    path = cfg.save(tmp_path / "config.yaml")
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
    with pytest.raises(ConfigError, match="not valid YAML|does not exist"):
        TrainConfig.load("/nonexistent/config.yaml")


def test_secrets_are_never_stored(tmp_path):
    with pytest.raises(ConfigError, match="secret"):
        TrainConfig.from_dict({"loss": {"params": {"api_key": "sk-123"}}})
    cfg = TrainConfig()
    ok = TrainConfig.from_dict({"strategy": {"params": {"prefix_length": 8, "max_tokens": 5, "num_tokens": 3}}})
    assert ok.strategy.params["max_tokens"] == 5
    cfg.strategy.params = {"hub_token": "hf_abc"}
    with pytest.raises(ConfigError, match="secret"):
        cfg.save(tmp_path / "c.yaml")
    assert not (tmp_path / "c.yaml").exists()
