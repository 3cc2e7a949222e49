"""The in-batch losses' scale is calibrated to the base model's similarity gap, unless the user set it."""

from __future__ import annotations

import pandas as pd
import pytest

from core.run_folder import EV_PLAN, EV_RECIPE
from core.training import TrainConfig, read_events, run_training
from core.training.temperature import SCALE_RANGE, TARGET_LOGIT_GAP, calibrated_scale, scale_choice
from tests.conftest import tiny_pairs


@pytest.fixture(scope="module")
def tiny(tiny_model_path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(tiny_model_path), device="cpu")


def _df(n=20):
    pairs = tiny_pairs(n)
    return pd.DataFrame({"anchor": [q for q, _ in pairs], "positive": [p for _, p in pairs]})


def test_scale_keeps_the_logit_gap(tiny):
    pairs = tiny_pairs(16)
    scale, gap = calibrated_scale(tiny, [q for q, _ in pairs], [p for _, p in pairs])
    lo, hi = SCALE_RANGE
    assert lo <= scale <= hi and scale % 5 == 0
    if lo < scale < hi:
        assert abs(scale * gap - TARGET_LOGIT_GAP) <= 5 * gap / 2 + 1e-9  # only the rounding to 5 moves it
    same, same_gap = calibrated_scale(tiny, [q for q, _ in pairs], [q for q, _ in pairs])
    assert same_gap > gap and same <= scale, "a model that already separates positives more needs less scale"


def test_choice_only_where_the_scale_is_open(tiny):
    df = _df()
    params = {"scale": 20.0, "temperature": None, "similarity": "cosine"}
    value, reason = scale_choice("MultipleNegativesRankingLoss", params, {}, tiny, df, "pair")
    assert value == calibrated_scale(tiny, *zip(*tiny_pairs(20)))[0] and "cosine above other passages" in reason
    assert scale_choice("MultipleNegativesRankingLoss", params, {"scale": 30.0}, tiny, df, "pair") is None
    assert scale_choice("MultipleNegativesRankingLoss", params, {"temperature": 0.02}, tiny, df, "pair") is None
    assert scale_choice("MultipleNegativesRankingLoss", dict(params, similarity="dot"), {}, tiny, df, "pair") is None
    assert scale_choice("CoSENTLoss", {"scale": 20.0}, {}, tiny, df, "pair") is None, "not an in-batch ranking loss"


@pytest.mark.parametrize("recipe", ["auto", "plain"])
def test_a_run_trains_with_the_calibrated_scale(recipe, tiny_model_path, format_file, tmp_runs):
    cfg = TrainConfig(name=recipe, model=str(tiny_model_path), recipe=recipe)
    cfg.data.train = [str(format_file("pair"))]
    cfg.hyper.max_steps = 1
    assert run_training(cfg, tmp_runs / recipe)["status"] == "completed"
    events, _ = read_events(tmp_runs / recipe)
    chosen = [c for e in events if e["type"] == EV_RECIPE for c in e["choices"] if c["key"] == "loss.params.scale"]
    plan = next(e for e in events if e["type"] == EV_PLAN)
    if recipe == "plain":
        assert not chosen and plan["loss_params"]["scale"] == 20.0
    else:
        assert len(chosen) == 1 and plan["loss_params"]["scale"] == chosen[0]["value"]
