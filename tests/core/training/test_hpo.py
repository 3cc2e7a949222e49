"""Hyper-parameter search with a time budget (``core.training.hpo``, ``python -m core hpo``) on the tiny model."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.errors import ConfigError
from core.run_folder import DELIVERY_FILE
from core.training import TrainConfig
from core.training.hpo import HPO_SUFFIX, levers, search, trial_config


def _config(data, tiny_model_path, name="hp"):
    cfg = TrainConfig(name=name, model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    cfg.data.general = "none"
    return cfg


def test_trials_change_one_lever_around_the_recipe_and_the_best_validation_score_wins(format_file, tiny_model_path, tmp_runs):
    cfg = _config(format_file("pair", 60), tiny_model_path)
    record = search(cfg, trials=3, log=lambda _m: None)
    trials = record["trials"]
    assert [t["lever"] for t in trials] == ["recipe", "lr ×2", "lr ×0.5"]
    assert [t["run"] for t in trials] == ["hp-t1", "hp-t2", "hp-t3"]
    assert all(t["status"] == "completed" for t in trials)
    # each trial is an ordinary run folder with its delivered model, scored on the same validation queries
    for t in trials:
        assert (tmp_runs / t["run"] / "delivered").is_dir()
        assert json.loads((tmp_runs / t["run"] / DELIVERY_FILE).read_text())["validation"]["queries"] == t["validation_queries"]
    assert len({t["validation_queries"] for t in trials}) == 1
    lr = [t["settings"]["hyper.learning_rate"] for t in trials]
    assert lr[1] == pytest.approx(2 * lr[0]) and lr[2] == pytest.approx(0.5 * lr[0])
    assert len({t["settings"]["hyper.epochs"] for t in trials}) == 1  # one lever at a time
    best = max(trials, key=lambda t: t["ndcg@10"])
    assert record["winner"] == best["run"]
    assert "optimistic" in record["note"]
    assert json.loads((tmp_runs / f"hp{HPO_SUFFIX}").read_text()) == record
    # a second search of the same name is refused before anything runs: no trial overwrites a run
    with pytest.raises(ConfigError, match="hp-t1"):
        search(cfg, trials=3, log=lambda _m: None)


def test_fixed_settings_are_not_searched_and_the_scale_lever_follows_trial_one():
    cfg = TrainConfig(name="x")
    assert [label for label, _ in levers(cfg)] == ["recipe", "lr ×2", "lr ×0.5", "epochs +1", "scale ×0.5", "scale ×2"]
    cfg.hyper.learning_rate = 1e-5
    cfg.hyper.max_steps = 10
    cfg.loss.name, cfg.loss.params = "MultipleNegativesRankingLoss", {"scale": 30.0}
    assert [label for label, _ in levers(TrainConfig.from_dict(cfg.to_dict()))] == ["recipe"]
    first = {"hyper.learning_rate": 4e-5, "hyper.epochs": 3.0, "loss.params.scale": 50.0,
             "loss.name": "MultipleNegativesRankingLoss"}
    t5 = trial_config(TrainConfig(name="x"), 5, {"loss.params.scale": 0.5}, first)
    assert t5.name == "x-t5" and t5.loss.params["scale"] == 25.0
    assert TrainConfig.from_dict(t5.to_dict()).loss.name == "MultipleNegativesRankingLoss"  # a valid config
    assert t5.hyper.learning_rate == 4e-5 and t5.hyper.epochs == 3.0  # the other levers keep trial 1's values
    assert trial_config(TrainConfig(name="x"), 4, {"hyper.epochs": 1.0}, first).hyper.epochs == 4.0
    # a loss without a scale: trial 1 recorded none, so the lever does not apply
    assert trial_config(TrainConfig(name="x"), 5, {"loss.params.scale": 0.5}, {"hyper.epochs": 1.0}) is None


@pytest.mark.parametrize("kwargs, words", [
    ({"trials": 0}, "--trials"), ({"trials": 7}, "--trials"), ({"trials": "3"}, "--trials"), ({"trials": True}, "--trials"),
    ({"budget_minutes": -1}, "--budget-minutes"), ({"budget_minutes": True}, "--budget-minutes"),
])
def test_bad_settings_are_one_sentence(kwargs, words, tmp_runs):
    with pytest.raises(ConfigError, match=words):
        search(TrainConfig(name="x"), **kwargs)
    assert not tmp_runs.exists() or not any(tmp_runs.iterdir())


def test_plain_recipe_is_refused(tmp_runs):
    cfg = TrainConfig(name="x")
    cfg.recipe = "plain"
    with pytest.raises(ConfigError, match="recipe: auto"):
        search(cfg)


def test_cli_budget_stops_starting_trials(format_file, tiny_model_path, tmp_runs, capsys):
    data = format_file("pair", 40)
    rc = main(["hpo", "--data", str(data), "--model", str(tiny_model_path), "--name", "cli", "--trials", "2",
               "--budget-minutes", "0.0001", "--json"])
    out = capsys.readouterr().out
    assert rc == 0, out
    record = json.loads(out.strip().splitlines()[-1])
    assert record["winner"] == "cli-t1"
    assert record["trials"][1] == {"trial": 2, "lever": "lr ×2", "skipped": "time budget"}
    assert not (tmp_runs / "cli-t2").exists()
    assert main(["hpo", "--data", str(data), "--trials", "9"]) == 2
    assert "--trials must be a whole number from 1 to 6" in capsys.readouterr().err


def test_cli_name_with_folders_is_refused_as_train_refuses_it(format_file, tmp_runs, capsys):
    data = format_file("pair", 20)
    assert main(["hpo", "--data", str(data), "--name", "../x", "--trials", "1"]) == 2
    assert capsys.readouterr().err == ("error: '../x' is not a run name: use letters, digits, '-', '_' and '.' only, "
                                       "with no folders or '..'.\n")
    assert not tmp_runs.exists() or not any(tmp_runs.iterdir())


def test_data_that_cannot_be_trained_on_is_refused_before_any_trial_folder(tmp_path, tmp_runs, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert main(["hpo", "--data", str(empty), "--trials", "2"]) == 2
    assert capsys.readouterr().err == "error: empty.jsonl is empty.\n"
    assert not tmp_runs.exists() or not any(tmp_runs.iterdir())


def test_group_by_reaches_the_trials_config_and_a_missing_column_is_refused_first(format_file, tmp_runs, capsys):
    data = format_file("pair", 20)
    assert main(["hpo", "--data", str(data), "--group-by", "nope", "--trials", "2"]) == 2
    assert "data.group_by names the column 'nope', which the training data does not have (columns: anchor, " \
           "positive)" in capsys.readouterr().err
    assert not tmp_runs.exists() or not any(tmp_runs.iterdir())
