"""Choosing the base model on the user's data: core.training.select, ``python -m core select``, and the
recipe's ``model_selection: auto``. Candidates are the tiny test model and a perturbed copy of it (local
folders); the bundled models are left out (``include_bundled=False`` / ``--no-bundled``) to stay fast."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from core.cli import main
from core.errors import ConfigError, DataError, StudioError
from core.models import SourceInfo
from core.training import TrainConfig
from core.training.config import DataConfig
from core.training.data import load_splits
from core.training.select import (
    FASTER,
    METRICS,
    CandidateScore,
    pick_winner,
    select_for_data,
    select_models,
    selection_chart,
)


@pytest.fixture(scope="module")
def other_model(tiny_model_path, tmp_path_factory):
    """A second local candidate: the tiny model with its weights perturbed (different rankings)."""
    import torch
    from sentence_transformers import SentenceTransformer

    out = tmp_path_factory.mktemp("other") / "tiny-other"
    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    torch.manual_seed(5)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.5)
    model.save(str(out))
    return out


@pytest.fixture
def qpn_data(format_file):
    return format_file("qpn", 60)


def _data(path, **kw) -> DataConfig:
    return DataConfig(train=[str(path)], **kw)


def test_scores_each_candidate_on_the_runs_validation_pool(qpn_data, tiny_model_path, other_model):
    from sentence_transformers import SentenceTransformer

    from core.training.evaluators import build_evaluator, short_metrics

    data = _data(qpn_data)
    seen = []
    report = select_for_data(
        data,
        [str(tiny_model_path), str(other_model), "/no/such/model-folder"],
        include_bundled=False,
        seed=42,
        progress=seen.append,
    )
    assert [r.model for r in report.rows][-1] == "/no/such/model-folder"
    failed = report.rows[-1]
    assert not failed.ok and "does not exist" in failed.error and not failed.metrics
    ok = {r.model: r for r in report.rows if r.ok}
    assert set(ok) == {str(tiny_model_path), str(other_model)}
    for r in ok.values():
        assert set(r.metrics) == set(METRICS)
        assert r.metrics["hit@1"] <= r.metrics["hit@5"] <= r.metrics["hit@10"]
        lo, hi = r.ndcg_ci
        assert lo <= r.metrics["ndcg@10"] <= hi
        assert r.texts_per_second > 0 and r.kind == "local"
    # the same queries and passages the run's validation evaluator searches, and the same NDCG@10
    splits = load_splits(data, seed=42)
    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    spec = build_evaluator(splits.validation, splits.format, model, seed=42, train_df=splits.train)
    assert (report.n_queries, report.n_passages) == (spec.measured_on["n_queries"], spec.measured_on["n_passages"])
    assert report.corpus == spec.measured_on["corpus"] == "validation + training"
    run_ndcg = short_metrics(spec.evaluator(model))["ndcg@10"]
    assert ok[str(tiny_model_path)].metrics["ndcg@10"] == pytest.approx(run_ndcg, abs=1e-6)
    # the winner is the best scored candidate, with a reason; rows are best first
    scored = [r for r in report.rows if r.ok]
    assert scored[0].metrics["ndcg@10"] >= scored[1].metrics["ndcg@10"]
    assert report.winner in ok and report.reason.startswith(report.winner)
    # progress by phase: data, then per model loading / encoding / scoring, then done
    stages = [p.stage for p in seen]
    assert stages[0] == "select:data" and stages[-1] == "select:model"
    assert {"select:model", "select:encode", "select:score"} <= set(stages)
    assert seen[-1].done == seen[-1].total == 3
    # the table and the JSON carry every row
    table = report.table()
    assert list(table["model"]) == [r.model for r in report.rows]
    assert table["error"].iloc[-1] == failed.error
    dumped = json.loads(json.dumps(report.to_dict()))
    assert dumped["winner"] == report.winner and len(dumped["rows"]) == 3


def test_queries_are_capped_by_a_seeded_sample(qpn_data, tiny_model_path):
    data = _data(qpn_data, split=[0.4, 0.6])
    a = select_for_data(data, [str(tiny_model_path)], include_bundled=False, max_queries=7, seed=3)
    b = select_for_data(data, [str(tiny_model_path)], include_bundled=False, max_queries=7, seed=3)
    assert a.n_queries == 7 and a.rows[0].metrics == b.rows[0].metrics
    assert a.winner == str(tiny_model_path) and "only candidate" in a.reason


def test_chart_is_written(qpn_data, tiny_model_path, tmp_path):
    report = select_for_data(_data(qpn_data), [str(tiny_model_path)], include_bundled=False)
    png = selection_chart(report, tmp_path / "sel.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def _row(name, ndcg, speed, per_query):
    per_query = np.asarray(per_query, dtype=float)
    return CandidateScore(model=name, metrics={"ndcg@10": ndcg}, texts_per_second=speed, per_query=per_query)


def test_teacher_scored_passages_are_scored_like_retrieval_data(format_file, tiny_model_path):
    """Scored pairs with several passages per query (a teacher's scores) are searched like qpn rows, each query's
    top-scored passage its answer (core.training.evaluators.retrieval_view), as the run's validation does."""
    report = select_for_data(_data(format_file("scored_pair")), [str(tiny_model_path)], include_bundled=False)
    assert report.winner == str(tiny_model_path) and report.n_queries > 0 and "ndcg@10" in report.rows[0].metrics


def test_winner_prefers_a_faster_model_within_noise_of_the_best():
    rng = np.random.default_rng(0)
    best = rng.uniform(0.3, 1.0, 200)
    close = np.clip(best + rng.normal(0, 0.2, 200), 0, 1)  # same quality up to noise
    close = close - (close.mean() - (best.mean() - 0.005))
    rows = [_row("big", best.mean(), 100.0, best), _row("small", close.mean(), 100.0 * FASTER * 2, close)]
    winner, reason = pick_winner(rows)
    assert winner == "small"
    assert "within noise of big" in reason and "faster" in reason and "95% CI" in reason


def test_winner_keeps_the_best_when_the_faster_one_is_worse_beyond_noise_or_not_faster():
    best = np.linspace(0.5, 1.0, 200)
    worse = best - 0.3
    winner, reason = pick_winner([_row("big", best.mean(), 100.0, best), _row("small", worse.mean(), 900.0, worse)])
    assert winner == "big" and "highest NDCG@10" in reason and "next small" in reason
    same = best - 0.001
    winner, _ = pick_winner([_row("big", best.mean(), 100.0, best), _row("alike", same.mean(), 100.0, same)])
    assert winner == "big", "a model no faster than the best never wins on noise"


def test_no_scored_candidate_means_no_winner():
    winner, reason = pick_winner([CandidateScore(model="x", error="The model folder 'x' does not exist.")])
    assert winner is None and "No candidate could be scored" in reason


def test_bad_input_is_one_sentence(format_file, qpn_data, tiny_model_path):
    with pytest.raises(DataError, match="needs retrieval data"):
        select_for_data(_data(format_file("labelled_pair")), [str(tiny_model_path)], include_bundled=False)
    with pytest.raises(DataError, match="needs validation queries"):
        select_for_data(_data(qpn_data, split=[1.0, 0.0]), [str(tiny_model_path)], include_bundled=False)
    with pytest.raises(StudioError, match="No model to compare"):
        select_for_data(_data(qpn_data), [], include_bundled=False)
    splits = load_splits(_data(qpn_data))
    with pytest.raises(StudioError, match="at least 1, got 0"):
        select_models(splits, [str(tiny_model_path)], include_bundled=False, max_queries=0)


# ------------------------------------------------------------------------------------------ CLI


def test_cli_prints_the_table_and_the_winner_last(qpn_data, tiny_model_path, other_model, tmp_path, capsys):
    out = tmp_path / "sel"
    rc = main(
        [
            "select",
            "--data",
            str(qpn_data),
            "--no-bundled",
            "--model",
            str(tiny_model_path),
            "--model",
            str(other_model),
            "--queries",
            "5",
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out.strip().splitlines()
    assert rc == 0
    assert printed[0].startswith("5 validation queries over")
    assert "ndcg@10" in printed[1] and "texts/s" in printed[1]
    saved = json.loads((out / "selection.json").read_text(encoding="utf-8"))
    assert printed[-1] == f"winner: {saved['winner']} — {saved['reason']}"
    assert (out / "selection.png").stat().st_size > 5000
    rc = main(["select", "--data", str(qpn_data), "--no-bundled", "--model", str(tiny_model_path), "--json"])
    assert rc == 0 and json.loads(capsys.readouterr().out)["winner"] == str(tiny_model_path)


def test_cli_group_by_scores_the_validation_a_grouped_run_holds_out(tiny_model_path, tmp_path, capsys):
    """``select --data FOLDER --group-by company`` reads the BEIR folder as ``train --group-by`` does: the same
    grouped dataset, and validation queries held out in whole companies; a field the queries lack is one sentence."""
    from tests.conftest import write_beir

    folder = write_beir(tmp_path / "firms", splits=("test",), n=40, fields=lambda i: {"company": f"c{i % 8}"})
    rc = main(["select", "--data", str(folder), "--group-by", "company", "--no-bundled", "--model",
               str(tiny_model_path), "--json"])
    captured = capsys.readouterr()
    assert rc == 0 and "their text or their 'company' on one side" in captured.err
    # 30 training queries in 6 companies of 5: a quarter of them, in whole companies, is 5 or 10 queries
    assert json.loads(captured.out)["n_queries"] in (5, 10)
    rc = main(["select", "--data", str(folder), "--group-by", "ticker", "--no-bundled", "--model", str(tiny_model_path)])
    assert rc == 2 and "no query in queries.jsonl of the BEIR data 'firms' has that field" in capsys.readouterr().err


def test_cli_bad_input_exits_2_with_one_sentence(qpn_data, tmp_path, capsys):
    rc = main(["select", "--data", str(tmp_path / "missing.jsonl"), "--no-bundled", "--model", "x"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("error: ") and "missing.jsonl" in err and len(err.splitlines()) == 1
    rc = main(["select", "--data", str(qpn_data), "--no-bundled"])
    assert rc == 2 and "No model to compare" in capsys.readouterr().err
    rc = main(["select", "--data", str(qpn_data), "--no-bundled", "--model", "x", "--queries", "0"])
    assert rc == 2 and "--queries" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["afile", "afile/sub"])
def test_cli_out_that_cannot_be_a_folder_is_refused_before_scoring(qpn_data, tmp_path, capsys, where):
    """The candidate does not exist (scoring would end with exit 1): the --out check comes first."""
    (tmp_path / "afile").write_text("keep", encoding="utf-8")
    out = tmp_path / where
    rc = main(["select", "--data", str(qpn_data), "--no-bundled", "--model", str(tmp_path / "none"), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith(f"error: The output folder '{out}' ") and len(err.splitlines()) == 1
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "keep"


def test_cli_help_shows_a_plain_percent_sign(capsys):
    with pytest.raises(SystemExit):
        main(["select", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "95% interval" in shown and "%%" not in shown


def test_cli_with_no_loadable_candidate_exits_1(qpn_data, tmp_path, capsys):
    rc = main(["select", "--data", str(qpn_data), "--no-bundled", "--model", str(tmp_path / "nothing-here")])
    lines = capsys.readouterr().out.strip().splitlines()
    assert rc == 1 and lines[-1].startswith("winner: none — No candidate could be scored")
    assert "does not exist" in "\n".join(lines)


# ------------------------------------------------------------------------------------------ the recipe


def test_config_checks_model_selection():
    assert TrainConfig().model_selection == "off"
    assert TrainConfig.from_dict({"model_selection": "auto"}).model_selection == "auto"
    with pytest.raises(ConfigError, match="'model_selection' must be one of: auto, off"):
        TrainConfig.from_dict({"model_selection": "yes"})


def test_recipe_starts_from_the_winner_when_model_selection_is_auto(
    qpn_data, tiny_model_path, other_model, monkeypatch
):
    """With ``model_selection: auto`` and no model, the recipe scores the sources covering the data's language
    and takes the winner; the language rule decides with ``off`` or when the user names the model."""
    import core.models
    from core.training import select as select_mod
    from core.training.recipe import plan_recipe

    sources = [
        SourceInfo(str(p), "local", "multilingual", "", "", True, str(p)) for p in (other_model, tiny_model_path)
    ]
    sources.append(SourceInfo("english-only", "local", "en", "", "", True, ""))  # does not cover mixed data
    monkeypatch.setattr(core.models, "list_sources", lambda: sources)
    monkeypatch.setattr(select_mod, "_RECIPE_PICKS", {})
    cfg = TrainConfig(model_selection="auto")
    cfg.data.train = [str(qpn_data)]
    splits = load_splits(cfg.data, seed=cfg.seed)
    expected = select_models(splits, [str(other_model), str(tiny_model_path)], include_bundled=False, seed=cfg.seed)
    plan = plan_recipe(cfg, splits)
    choice = next(c for c in plan.choices if c.key == "model")
    assert plan.config.model == choice.value == expected.winner
    assert choice.reason.startswith(expected.winner) and "model selection on" in choice.reason
    assert not any("english-only" == r.model for r in expected.rows)

    off = plan_recipe(TrainConfig(model_selection="off", data=cfg.data), splits)
    assert off.config.model == "multilingual-e5-small", "off: the language rule picks the model"
    given = plan_recipe(TrainConfig(model_selection="auto", model=str(tiny_model_path), data=cfg.data), splits)
    assert given.config.model == str(tiny_model_path) and "model" not in {c.key for c in given.choices}


def test_recipe_model_selection_scores_once_per_data(qpn_data, tiny_model_path, other_model, monkeypatch):
    import core.models
    from core.training import select as select_mod

    sources = [
        SourceInfo(str(p), "local", "multilingual", "", "", True, str(p)) for p in (other_model, tiny_model_path)
    ]
    monkeypatch.setattr(core.models, "list_sources", lambda: sources)
    monkeypatch.setattr(select_mod, "_RECIPE_PICKS", {})
    calls = []
    real = select_mod.select_models
    monkeypatch.setattr(select_mod, "select_models", lambda *a, **k: calls.append(1) or real(*a, **k))
    cfg = TrainConfig(model_selection="auto")
    cfg.data.train = [str(qpn_data)]
    splits = load_splits(cfg.data, seed=cfg.seed)
    first = select_mod.recipe_choice(splits, cfg)
    assert select_mod.recipe_choice(splits, cfg) == first and len(calls) == 1
    shutil.copy(qpn_data, qpn_data.with_name("copy.jsonl"))
    cfg.data.train = [str(qpn_data.with_name("copy.jsonl"))]
    select_mod.recipe_choice(splits, cfg)
    assert len(calls) == 2, "other data files score again"


def test_train_cli_carries_model_selection(qpn_data, tmp_path):
    from core.training.cli import command_line

    out = tmp_path / "cfg.yaml"
    assert main(["train", "--data", str(qpn_data), "--model-selection", "auto", "--write-config", str(out)]) == 0
    cfg = TrainConfig.load(out)
    assert cfg.model_selection == "auto" and cfg.model is None
    assert "--model-selection auto" in command_line(cfg)
    assert "--model-selection" not in command_line(TrainConfig(data=cfg.data))


def test_cli_bad_flags_name_the_flag_not_the_config_key(qpn_data, tmp_path, capsys):
    base = ["select", "--data", str(qpn_data), "--no-bundled", "--model", "x"]
    for extra in (["--max-passages", "0"], ["--max-passages", "-3"]):
        assert main(base + extra) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: --max-passages must be a whole number of at least 1")
        assert "max_eval_passages" not in err
    for corpus in (tmp_path / "nonexist", tmp_path):  # a missing path; a folder without corpus.jsonl
        assert main(base + ["--corpus", str(corpus)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"error: --corpus '{corpus}' does not exist or is not a corpus")
        assert "data.corpus" not in err and len(err.splitlines()) == 1


def test_a_key_given_as_a_model_to_compare_is_refused(qpn_data):
    """The candidates are written to selection.json: a key-shaped 'model' is refused before anything is scored."""
    from core.errors import StudioError
    from core.training.config import DataConfig
    from core.training.data import load_splits
    from core.training.select import select_models

    splits = load_splits(DataConfig(train=[str(qpn_data)], split=[0.7, 0.3]))
    with pytest.raises(StudioError, match="looks like a key"):
        select_models(splits, ["hf_abcdefghijklmnopqrstuvwxyz12"], include_bundled=False)


def test_cli_out_holding_an_earlier_selection_is_kept_unless_overwrite(qpn_data, tmp_path, capsys):
    out = tmp_path / "sel"
    out.mkdir()
    (out / "selection.json").write_text("{}", encoding="utf-8")
    argv = ["select", "--data", str(qpn_data), "--no-bundled", "--model", str(tmp_path / "none"), "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"error: '{out / 'selection.json'}' already exists; give --overwrite to replace it, or choose another output.\n"
    assert (out / "selection.json").read_text(encoding="utf-8") == "{}"
    assert main([*argv, "--overwrite"]) == 1  # past the check: the candidate does not exist, nothing scored
    assert json.loads((out / "selection.json").read_text(encoding="utf-8"))["winner"] is None


def test_cli_select_on_a_beir_folder_searches_its_dev_queries_over_its_corpus(tiny_model_path, tmp_path, capsys,
                                                                             monkeypatch):
    from core.cli import main
    from tests.conftest import write_beir

    monkeypatch.setenv("STUDIO_DATASETS_DIR", str(tmp_path / "datasets"))
    folder = write_beir(tmp_path / "pigs", n=36)
    rc = main(["select", "--data", str(folder), "--no-bundled", "--model", str(tiny_model_path), "--json"])
    out = capsys.readouterr().out
    assert rc == 0, out
    report = json.loads(out)  # the BEIR line goes to stderr: stdout is the JSON report alone
    assert report["n_queries"] == 12 and report["n_passages"] == 36  # dev.tsv's queries, the whole corpus
