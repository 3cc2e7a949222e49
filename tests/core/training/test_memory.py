"""The memory model, the recipe's fit to the machine, and the refusal of runs that cannot fit."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from core.errors import ConfigError
from core.training import TrainConfig
from core.training.data import Splits
from core.training.memory import (
    CACHED_LOSS,
    HEADROOM,
    MEMORY_ENV,
    Shape,
    available_gb,
    budget_mb,
    model_shape,
    predict_peak,
)
from core.training.recipe import plan_recipe
from tests.conftest import tiny_pairs

MINILM = Shape(hidden=384, layers=6, heads=12, intermediate=1536, vocab=30522, max_positions=512, max_length=256)
E5_SMALL = Shape(hidden=384, layers=12, heads=12, intermediate=1536, vocab=250037, max_positions=512)

# Peak RSS measured by bench/memory.py (STUDIO_THREADS=2; every text cut to exactly `length` tokens; second
# training step, so AdamW's states exist); see BENCHMARKS.md "Memory". (shape, batch, texts, length, bf16, MB)
MEASURED = [
    (MINILM, 16, 2, 128, False, 2265),
    (MINILM, 16, 2, 256, False, 4464),
    (E5_SMALL, 8, 2, 128, False, 4609),
    (E5_SMALL, 8, 2, 256, False, 6939),
    (E5_SMALL, 16, 2, 128, False, 6090),
    (MINILM, 32, 2, 128, False, 3662),  # these two were not used to fit the constants
    (E5_SMALL, 8, 3, 128, False, 5386),
    (E5_SMALL, 8, 2, 128, True, 4450),  # bf16 autocast
]
MEASURED_CACHED = [(E5_SMALL, 16, 2, 128, 4, 3791)]  # Cached MNRL, mini_batch_size 4 (MNRL at b16: 6090 MB)
# hyper.attention_dropout 0 (bench/memory.py --only attn-dropout-0): (shape, batch, texts, length, mini, frozen, MB)
MEASURED_FUSED = [
    (E5_SMALL, 8, 2, 256, None, False, 4989),
    (E5_SMALL, 16, 2, 128, None, False, 5013),
    (MINILM, 16, 2, 256, None, False, 2555),
    (E5_SMALL, 32, 2, 128, 16, True, 2370),
]


def _gb_for_budget(mb: float) -> str:
    """The STUDIO_MEMORY_GB value whose budget (HEADROOM of it) is ``mb``."""
    return f"{mb / 1024 / HEADROOM:.6f}"


@pytest.mark.parametrize("shape", [MINILM, E5_SMALL])
def test_prediction_grows_with_every_setting(shape):
    def peak(batch=16, texts=2, length=128, **kw):
        return predict_peak(shape, batch, [length] * texts, **kw).total_mb

    assert peak(batch=8) < peak(batch=16) < peak(batch=32)
    assert peak(length=64) < peak(length=128) < peak(length=256) < peak(length=512)
    assert peak(texts=2) < peak(texts=3)
    assert peak(bf16=True) < peak()  # activations in 2 bytes outweigh the bf16 copy of the weights here
    assert peak(cached_mini_batch=4) < peak(cached_mini_batch=8) < peak()
    assert peak(trainable=shape.body_params) < peak()  # frozen word embeddings: no gradient, no AdamW state
    # attention scores: the activations grow faster than the length (quadratic term)
    acts = [predict_peak(shape, 16, [n, n]).parts["activations"] for n in (128, 256, 512)]
    assert acts[1] > 2 * acts[0] and acts[2] > 2 * acts[1]


def test_attention_dropout_off_drops_the_quadratic_term(tiny_model_path):
    """With the attention dropout at 0 attention keeps no probability matrices: activations grow linearly in the
    length, and a config says so whichever setting turned it off."""
    from core.training.memory import attention_probs_kept

    acts = [predict_peak(E5_SMALL, 16, [n, n], attention_probs=False).parts["activations"] for n in (128, 256)]
    assert acts[1] == pytest.approx(2 * acts[0])
    assert predict_peak(E5_SMALL, 32, [32, 160], attention_probs=False).total_mb < predict_peak(E5_SMALL, 32, [32, 160]).total_mb
    cfg = TrainConfig(model=str(tiny_model_path))
    assert attention_probs_kept(cfg), "the model's own dropout (0.1) is taken as on"
    cfg.hyper.dropout = 0.0
    assert not attention_probs_kept(cfg)
    cfg.hyper.attention_dropout = 0.1
    assert attention_probs_kept(cfg), "the attention setting wins over hyper.dropout"
    cfg.hyper.dropout, cfg.hyper.attention_dropout = 0.1, 0.0
    assert not attention_probs_kept(cfg)


def test_prediction_matches_the_measured_table():
    for shape, batch, texts, length, bf16, measured in MEASURED:
        pred = predict_peak(shape, batch, [length] * texts, bf16=bf16).total_mb
        assert abs(pred / measured - 1) <= 0.25, (shape.layers, batch, texts, length, bf16, pred, measured)
    for shape, batch, texts, length, mini, measured in MEASURED_CACHED:
        pred = predict_peak(shape, batch, [length] * texts, cached_mini_batch=mini).total_mb
        assert abs(pred / measured - 1) <= 0.25, (shape.layers, batch, texts, length, mini, pred, measured)
    for shape, batch, texts, length, mini, frozen, measured in MEASURED_FUSED:
        pred = predict_peak(shape, batch, [length] * texts, cached_mini_batch=mini, attention_probs=False,
                            trainable=shape.body_params if frozen else None).total_mb
        assert abs(pred / measured - 1) <= 0.25, (shape.layers, batch, texts, length, mini, pred, measured)


def test_the_24_gb_case_is_predicted_far_past_24_gb():
    """multilingual-e5-small at batch 32 and 512 tokens on pairs: the run a 24 GB machine killed."""
    assert predict_peak(E5_SMALL, 32, [512, 512]).gb > 24
    assert predict_peak(E5_SMALL, 32, [512, 512], cached_mini_batch=8).gb < 24 * HEADROOM  # caching makes it fit


def test_shape_of_a_model_folder(tiny_model_path):
    shape = model_shape(str(tiny_model_path))
    assert (shape.hidden, shape.layers, shape.heads, shape.max_positions, shape.own_length) == (32, 2, 2, 128, 64)


def test_available_memory_follows_the_environment(monkeypatch):
    monkeypatch.setenv(MEMORY_ENV, "24")
    assert available_gb() == 24 and budget_mb() == pytest.approx(24 * 1024 * HEADROOM)
    for bad in ("lots", "-1", "0", "nan"):
        monkeypatch.setenv(MEMORY_ENV, bad)
        with pytest.raises(ConfigError, match=MEMORY_ENV):
            available_gb()
    monkeypatch.delenv(MEMORY_ENV)
    assert available_gb() > 0


# -- the recipe fits the machine -------------------------------------------------------------------------
def _splits(n: int = 300, long: bool = True) -> Splits:
    """Training pairs; ``long``: queries and passages past the tiny model's 64 tokens (every column pads to 64)."""
    pad = " pig feed" * 40 if long else ""
    pairs = [(q + pad, p + pad) for q, p in tiny_pairs(n)]
    return Splits(format="pair", train=pd.DataFrame({"anchor": [q for q, _ in pairs], "positive": [p for _, p in pairs]}),
                  validation=None, test=None)


def _tiny_peak(tiny_model_path, batch, length, texts=2, mini=None) -> float:
    return predict_peak(model_shape(str(tiny_model_path)), batch, [length] * texts, cached_mini_batch=mini).total_mb


def _choices(plan) -> dict:
    return {c.key: c for c in plan.choices}


def test_the_recipe_keeps_its_settings_when_they_fit(tiny_model_path, monkeypatch):
    monkeypatch.setenv(MEMORY_ENV, "64")
    plan = plan_recipe(TrainConfig(model=str(tiny_model_path)), _splits())
    assert plan.config.loss.name is None and plan.config.hyper.batch_size == 32


def test_the_recipe_caches_the_loss_first_when_memory_is_short(tiny_model_path, monkeypatch):
    full = _tiny_peak(tiny_model_path, 32, 64)
    cached = _tiny_peak(tiny_model_path, 32, 64, mini=8)
    monkeypatch.setenv(MEMORY_ENV, _gb_for_budget((full + cached) / 2))
    plan = plan_recipe(TrainConfig(model=str(tiny_model_path)), _splits())
    cfg = plan.config
    assert cfg.loss.name == CACHED_LOSS and cfg.hyper.batch_size == 32, "the batch (its negatives) is kept"
    assert cfg.hyper.max_seq_length == 64
    mini = cfg.loss.params["mini_batch_size"]
    assert _tiny_peak(tiny_model_path, 32, 64, mini=mini) <= budget_mb()
    reason = _choices(plan)["loss.name"].reason
    assert reason.startswith(f"Cached MNRL (mini-batch {mini}): batch 32 at 64 tokens needs ~") and "allows" in reason


def test_the_recipe_caches_above_its_cap_even_on_a_large_machine(tiny_model_path, monkeypatch):
    import core.training.memory as M

    full = _tiny_peak(tiny_model_path, 32, 64)
    cached = _tiny_peak(tiny_model_path, 32, 64, mini=8)
    monkeypatch.setenv(MEMORY_ENV, "24")  # the machine has room for the uncached run
    monkeypatch.setattr(M, "CACHE_ABOVE_MB", (full + cached) / 2)
    plan = plan_recipe(TrainConfig(model=str(tiny_model_path)), _splits())
    cfg = plan.config
    assert cfg.loss.name == CACHED_LOSS and cfg.hyper.batch_size == 32 and cfg.hyper.max_seq_length == 64
    assert _tiny_peak(tiny_model_path, 32, 64, mini=cfg.loss.params["mini_batch_size"]) <= M.CACHE_ABOVE_MB
    assert "the recipe keeps a run under" in _choices(plan)["loss.name"].reason

    monkeypatch.setattr(M, "CACHE_ABOVE_MB", cached / 4)  # far below anything: still no cache for small data
    small = plan_recipe(TrainConfig(model=str(tiny_model_path)), _splits(n=200))
    assert small.config.loss.name is None or small.config.loss.name == "MultipleNegativesRankingLoss"
    assert "loss.name" not in _choices(small), "a run under 256 pairs keeps its speed"

    large = plan_recipe(TrainConfig(model=str(tiny_model_path)), _splits())
    assert large.config.loss.name != CACHED_LOSS, "no mini-batch reaches the cap and the machine has room: no cache"

    given = TrainConfig(model=str(tiny_model_path))
    given.loss.name = "MultipleNegativesRankingLoss"  # a loss the user gave is kept: the machine has room for it
    plan = plan_recipe(given, _splits())
    assert plan.config.loss.name == "MultipleNegativesRankingLoss" and plan.config.hyper.batch_size == 32
    assert plan.config.hyper.max_seq_length == 64, "the cap never shortens texts or shrinks the batch"


def test_the_recipe_shortens_then_shrinks_what_the_user_left_open(tiny_model_path, monkeypatch):
    import core.training.memory as M

    monkeypatch.setattr(M, "MIN_LENGTH", 16)  # the tiny model's own limit (64) is the real floor of 64
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.loss.name = "MultipleNegativesRankingLoss"  # given: no cached loss
    monkeypatch.setenv(MEMORY_ENV, _gb_for_budget((_tiny_peak(tiny_model_path, 32, 64) + _tiny_peak(tiny_model_path, 32, 32)) / 2))
    plan = plan_recipe(cfg, _splits())
    assert plan.config.hyper.max_seq_length < 64 and plan.config.hyper.batch_size == 32
    assert "max length" in _choices(plan)["hyper.max_seq_length"].reason
    assert plan.config.loss.name == "MultipleNegativesRankingLoss"

    cfg.hyper.max_seq_length = 64  # given too: only the batch is left
    plan = plan_recipe(cfg, _splits())
    assert plan.config.hyper.max_seq_length == 64 and plan.config.hyper.batch_size < 32
    assert _tiny_peak(tiny_model_path, plan.config.hyper.batch_size, 64) <= budget_mb()
    assert _choices(plan)["hyper.batch_size"].reason.startswith(f"batch {plan.config.hyper.batch_size}: batch 32 at 64")


def _forced(tiny_model_path) -> TrainConfig:
    cfg = TrainConfig(name="forced", model=str(tiny_model_path))
    cfg.loss.name = "MultipleNegativesRankingLoss"
    cfg.hyper.batch_size = 64
    cfg.hyper.max_seq_length = 64
    return cfg


def _squeeze(monkeypatch, tiny_model_path) -> None:
    """A budget that holds batch 64 with a cached loss but not batch 64 at 64 tokens with MNRL."""
    monkeypatch.setenv(MEMORY_ENV, _gb_for_budget(_tiny_peak(tiny_model_path, 64, 64, mini=16) * 1.001))


def test_forced_settings_past_the_machine_are_refused_with_what_to_change(tiny_model_path, monkeypatch):
    _squeeze(monkeypatch, tiny_model_path)
    with pytest.raises(ConfigError) as err:
        plan_recipe(_forced(tiny_model_path), _splits())
    msg = str(err.value)
    assert msg.startswith("Batch 64 at 64 tokens needs ~") and "this machine allows" in msg
    assert f"use {CACHED_LOSS} with mini_batch_size 16" in msg and msg.endswith(".")
    from ui.strings import tr_engine

    zh = tr_engine(msg, "zh")
    assert zh.startswith("批大小 64、长度 64 个 token 约需") and "改用" in zh


def test_attention_dropout_off_lets_forced_settings_fit_where_the_probabilities_would_not(tiny_model_path, monkeypatch):
    """The fit and the refusal count what ``hyper.attention_dropout: 0`` saves: batch 64 at 64 tokens with MNRL is
    refused on a budget between its two predictions, and accepted with the attention dropout off."""
    shape = model_shape(str(tiny_model_path))
    texts = 3  # the recipe plans a mined negative for these rows
    kept = predict_peak(shape, 64, [64] * texts).total_mb
    fused = predict_peak(shape, 64, [64] * texts, attention_probs=False).total_mb
    assert fused < kept
    monkeypatch.setenv(MEMORY_ENV, _gb_for_budget((kept + fused) / 2))
    with pytest.raises(ConfigError, match="Batch 64 at 64 tokens needs"):
        plan_recipe(_forced(tiny_model_path), _splits())
    cfg = _forced(tiny_model_path)
    cfg.hyper.attention_dropout = 0.0
    plan = plan_recipe(cfg, _splits())
    assert plan.config.loss.name == "MultipleNegativesRankingLoss" and plan.config.hyper.batch_size == 64
    assert plan.config.data.hard_negatives == "mined", "the prediction above counted the mined negative"


def test_the_cli_refuses_before_writing_anything(tiny_model_path, format_file, tmp_runs, monkeypatch, capsys):
    from core.cli import main

    cfg = _forced(tiny_model_path)
    cfg.data.train = [str(format_file("pair"))]
    path = tmp_runs.parent / "forced.yaml"
    cfg.save(path)
    _squeeze(monkeypatch, tiny_model_path)
    assert main(["train", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "error: Batch 64 at 64 tokens needs ~" in err and "mini_batch_size 16" in err
    assert not tmp_runs.exists() or not any(tmp_runs.iterdir())


def test_start_run_refuses_before_the_run_folder_exists(tiny_model_path, format_file, tmp_runs, monkeypatch):
    from core.training import start_run

    cfg = _forced(tiny_model_path)
    cfg.data.train = [str(format_file("pair"))]
    _squeeze(monkeypatch, tiny_model_path)
    with pytest.raises(ConfigError, match=r"^Batch 64 at 64 tokens needs ~.* GB, this machine allows"):
        start_run(cfg)
    assert not tmp_runs.exists() or not any(tmp_runs.iterdir())


def test_trainable_weights_follow_the_strategy_and_the_frozen_table(tiny_model_path):
    from core.training import TrainConfig
    from core.training.memory import settings_of

    shape = model_shape(str(tiny_model_path))

    def trainable(strategy, frozen=None):
        cfg = TrainConfig(model=str(tiny_model_path))
        cfg.strategy.name = strategy
        cfg.hyper.freeze_word_embeddings = frozen
        return settings_of(cfg, "pair", shape).trainable

    assert trainable("full") == trainable("staged") == shape.params, "staged trains every weight before its switch"
    assert trainable("full", True) == trainable("staged", True) == shape.params - shape.vocab * shape.hidden
    assert trainable("bitfit") < trainable("full", True)


def test_a_distillation_row_counts_its_scored_passages(tiny_model_path):
    """A distillation loss trains on a query, its positive and ``neg_nums`` scored passages per row, whatever the
    data's format: the memory estimate counts those texts, and the recipe's size rules count queries, not the
    scored pairs (before, 1,000 scored pairs of 50 queries were sized as 1,000 two-text rows: batch 64 of
    nine 512-token texts each, far past the machine)."""
    from core.training.memory import settings_of
    from core.training.recipe import train_rows

    shape = model_shape(str(tiny_model_path))
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.data.neg_nums = 7
    assert settings_of(cfg, "scored_pair", shape).texts == 2
    cfg.loss.name = "DistillKLDivLoss"
    assert settings_of(cfg, "scored_pair", shape).texts == settings_of(cfg, "qpn", shape).texts == 9
    cfg.loss.name = "MarginMSELoss"
    cfg.data.neg_nums = 3
    assert settings_of(cfg, "scored_pair", shape).texts == 5
    df = pd.DataFrame({"sentence1": [f"q{i // 20}" for i in range(1000)], "sentence2": [f"p{i}" for i in range(1000)],
                       "score": [0.5] * 1000})
    splits = Splits(format="scored_pair", train=df, validation=None, test=None)
    assert train_rows(splits) == 1000 and train_rows(splits, "DistillKLDivLoss") == 50
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.loss.name = "DistillKLDivLoss"
    plan = plan_recipe(cfg, splits)
    assert plan.config.hyper.batch_size == 8 and plan.config.hyper.epochs == 3.0  # 50 rows: the small-data branch


def test_without_in_batch_negatives_the_batch_gives_way_before_the_length(tiny_model_path, monkeypatch):
    """A distillation loss learns nothing from its batch's other rows, so a run that does not fit halves the batch
    and keeps the passages the teacher scored whole; an in-batch loss gives up length first (test above)."""
    import core.training.memory as M

    monkeypatch.setattr(M, "MIN_LENGTH", 16)
    df = pd.DataFrame({"sentence1": [f"query {i // 4}" for i in range(1200)],
                       "sentence2": [f"passage number {i} about pigs" for i in range(1200)], "score": [0.5] * 1200})
    splits = Splits(format="scored_pair", train=df, validation=None, test=None)
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.loss.name = "DistillKLDivLoss"
    cfg.data.neg_nums = 7
    opened = plan_recipe(cfg, splits).config  # 300 queries: batch 32
    assert opened.hyper.batch_size == 32
    peak = {b: M.predict_config(dataclasses.replace(opened, hyper=dataclasses.replace(opened.hyper, batch_size=b)),
                                "scored_pair").total_mb for b in (16, 32)}
    monkeypatch.setenv(MEMORY_ENV, _gb_for_budget((peak[16] + peak[32]) / 2))
    plan = plan_recipe(cfg, splits)
    assert plan.config.hyper.max_seq_length == opened.hyper.max_seq_length and plan.config.hyper.batch_size == 16
    assert _choices(plan)["hyper.batch_size"].reason.startswith("batch 16: batch 32 at ")
    # below the in-batch losses' floor of 8: a distillation row needs no other row in its batch
    peak = {b: M.predict_config(dataclasses.replace(opened, hyper=dataclasses.replace(opened.hyper, batch_size=b)),
                                "scored_pair").total_mb for b in (2, 4)}
    monkeypatch.setenv(MEMORY_ENV, _gb_for_budget((peak[2] + peak[4]) / 2))
    plan = plan_recipe(cfg, splits)
    assert plan.config.hyper.batch_size == 2 == M.MIN_BATCH_OTHER < M.MIN_BATCH
    assert plan.config.hyper.max_seq_length == opened.hyper.max_seq_length


def test_a_run_that_will_not_mine_drops_the_cache_it_needed_only_for_three_texts(tiny_model_path, monkeypatch):
    """The recipe fits memory for the mining it plans (three texts per row); when the run's evidence says
    in-batch negatives, ``refit_without_negatives`` fits again for two: no cache where pairs fit, a cache again
    (with its reason) where they do not, nothing when the recipe had not cached."""
    import core.training.memory as M
    from core.training.memory import refit_without_negatives

    pairs = _tiny_peak(tiny_model_path, 32, 64)
    triplets = _tiny_peak(tiny_model_path, 32, 64, texts=3)
    monkeypatch.setenv(MEMORY_ENV, "24")
    monkeypatch.setattr(M, "CACHE_ABOVE_MB", (pairs + triplets) / 2)  # pairs fit uncached, triplets do not
    plan = plan_recipe(TrainConfig(model=str(tiny_model_path)), _splits())
    assert plan.config.data.hard_negatives == "mined" and plan.config.loss.name == CACHED_LOSS
    assert refit_without_negatives(plan, _splits()) == [], "still mining: nothing to refit"
    plan.config.data.hard_negatives = "off"
    changed = refit_without_negatives(plan, _splits())
    assert [c.key for c in changed] == ["loss.name"] and changed[0].value == "MultipleNegativesRankingLoss"
    assert changed[0].reason.startswith("MultipleNegativesRankingLoss, not cached: without a hard negative a row has 2 texts")
    assert plan.config.loss.name is None and "mini_batch_size" not in (plan.config.loss.params or {})
    assert _choices(plan)["loss.name"] is changed[0]

    cached_pairs = _tiny_peak(tiny_model_path, 32, 64, mini=8)
    monkeypatch.setattr(M, "CACHE_ABOVE_MB", (cached_pairs + pairs) / 2)  # pairs need the cache too
    plan = plan_recipe(TrainConfig(model=str(tiny_model_path)), _splits())
    assert plan.config.loss.name == CACHED_LOSS
    plan.config.data.hard_negatives = "off"
    changed = refit_without_negatives(plan, _splits())
    assert [c.value for c in changed] == [CACHED_LOSS] and plan.config.loss.name == CACHED_LOSS
    assert _tiny_peak(tiny_model_path, 32, 64, mini=plan.config.loss.params["mini_batch_size"]) <= M.CACHE_ABOVE_MB


def test_a_run_that_drops_the_datas_own_negatives_drops_the_cache_it_needed_only_for_them(tiny_model_path, monkeypatch):
    """Query-pos-neg rows that bring negatives: the recipe plans one per row (``data.neg_nums`` 1, three texts)
    and caches the loss where three texts do not fit; when the run's evidence sets ``neg_nums`` to 0,
    ``refit_without_negatives`` fits again for two texts; with ``neg_nums`` still 1 it changes nothing."""
    import core.training.memory as M
    from core.training.memory import refit_without_negatives

    pairs = _splits()
    qpn = Splits(format="qpn", train=pd.DataFrame({
        "query": pairs.train["anchor"], "pos": [[p] for p in pairs.train["positive"]],
        "neg": [[p] for p in pairs.train["positive"].iloc[::-1]]}), validation=None, test=None)
    monkeypatch.setenv(MEMORY_ENV, "24")
    monkeypatch.setattr(M, "CACHE_ABOVE_MB", (_tiny_peak(tiny_model_path, 32, 64)
                                               + _tiny_peak(tiny_model_path, 32, 64, texts=3)) / 2)
    plan = plan_recipe(TrainConfig(model=str(tiny_model_path)), qpn)
    assert _choices(plan)["data.neg_nums"].value == 1 and plan.config.loss.name == CACHED_LOSS
    assert "data.hard_negatives" not in _choices(plan), "nothing to mine: the data brings negatives"
    assert refit_without_negatives(plan, qpn) == [], "still one negative per row: nothing to refit"
    plan.config.data.neg_nums = 0
    changed = refit_without_negatives(plan, qpn)
    assert [c.key for c in changed] == ["loss.name"] and changed[0].value == "MultipleNegativesRankingLoss"
    assert "without a hard negative a row has 2 texts" in changed[0].reason


def test_query_pos_neg_rows_without_negatives_count_as_pairs(tiny_model_path):
    """Query-pos-neg rows with no negative anywhere train as (query, positive) pairs: the memory model counts two
    texts per row for them (three once mining adds one), and three for rows that bring negatives."""
    from core.training.memory import brings_negatives, model_shape, settings_of

    pairs = _splits()
    bare = Splits(format="qpn", train=pd.DataFrame({
        "query": pairs.train["anchor"], "pos": [[p] for p in pairs.train["positive"]],
        "neg": [[] for _ in range(len(pairs.train))]}), validation=None, test=None)
    given = Splits(format="qpn", train=bare.train.assign(neg=[[p] for p in pairs.train["positive"].iloc[::-1]]),
                   validation=None, test=None)
    shape = model_shape(str(tiny_model_path))
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.data.hard_negatives = "off"
    texts = {name: settings_of(cfg, "qpn", shape, own_negatives=brings_negatives(s)).texts
             for name, s in (("bare", bare), ("given", given))}
    assert texts == {"bare": 2, "given": 3}
    cfg.data.hard_negatives = "mined"
    assert settings_of(cfg, "qpn", shape, own_negatives=brings_negatives(bare)).texts == 3
    cfg.data.hard_negatives, cfg.data.neg_nums = "off", 0
    assert settings_of(cfg, "qpn", shape, own_negatives=brings_negatives(given)).texts == 2
