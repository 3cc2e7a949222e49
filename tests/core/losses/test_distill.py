"""Distillation from teacher scores: rows carry the scores, the losses really use them."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from core.errors import ConfigError, DataError
from core.losses import build_loss, dataset_for_loss
from core.losses.distill import teacher_rows
from core.run_folder import EV_LOG, EV_PLAN
from core.training.data import training_dataset
from tests.core.losses.conftest import canonical_frame, loss_forward, scored_qpn_frame


def test_teacher_rows_from_qpn_keep_scores_in_column_order():
    rows = teacher_rows(scored_qpn_frame(n=6, pos_score=0.9, neg_scores=(0.4, 0.1)), "qpn", n_negatives=2, seed=0)
    assert list(rows.columns) == ["anchor", "positive", "negative_1", "negative_2", "label", "_row"]
    assert len(rows) == 6
    src = scored_qpn_frame(n=6)
    for rec, (_, s) in zip(rows.to_dict(orient="records"), src.iterrows()):
        score_of = dict(zip(s["neg"], s["neg_scores"]))
        assert rec["label"][0] == 0.9
        assert rec["label"][1:] == [score_of[rec["negative_1"]], score_of[rec["negative_2"]]]


def test_teacher_rows_from_scored_pairs_group_by_query():
    df = pd.DataFrame({"sentence1": ["q1", "q1", "q1", "q2", "q3", "q3"],
                       "sentence2": ["a", "b", "c", "d", "e", "f"],
                       "score": [0.2, 0.9, 0.5, 0.7, 0.1, 0.3]})
    rows = teacher_rows(df, "scored_pair", n_negatives=2, seed=1)
    by_q = {r["anchor"]: r for r in rows.to_dict(orient="records")}
    assert set(by_q) == {"q1", "q3"}  # q2 has a single passage: nothing to contrast, skipped
    assert by_q["q1"]["positive"] == "b" and by_q["q1"]["label"][0] == 0.9
    assert sorted(by_q["q1"]["label"][1:]) == [0.2, 0.5]
    assert by_q["q3"]["positive"] == "f" and by_q["q3"]["label"] == [0.3, 0.1, 0.1]  # one negative, re-used


def test_teacher_rows_refuse_data_without_scores():
    df = scored_qpn_frame(n=3).drop(columns=["neg_scores"])
    with pytest.raises(DataError, match="no 'neg_scores' column"):
        teacher_rows(df, "qpn")
    bad = scored_qpn_frame(n=3)
    bad.at[1, "neg_scores"] = ["x", 0.1]
    with pytest.raises(DataError, match="Row 2, column 'neg_scores'"):
        teacher_rows(bad, "qpn")
    with pytest.raises(DataError, match="nothing to distil"):
        teacher_rows(pd.DataFrame({"sentence1": ["a", "b"], "sentence2": ["x", "y"], "score": [1, 2]}), "scored_pair")


def test_distill_loss_refuses_rows_without_teacher_scores():
    with pytest.raises(ConfigError, match="teacher_rows"):
        dataset_for_loss(canonical_frame("qpn"), "qpn", "DistillKLDivLoss")


@pytest.mark.parametrize("name", ["DistillKLDivLoss", "MarginMSELoss"])
def test_changing_the_teacher_scores_changes_the_gradients(name, tiny_model):
    def grads(neg_scores):
        tiny_model.zero_grad(set_to_none=True)
        loss = build_loss(name, tiny_model, {}, "qpn")
        ds = dataset_for_loss(teacher_rows(scored_qpn_frame(neg_scores=neg_scores), "qpn", n_negatives=2, seed=0),
                              "qpn", name)
        loss_forward(loss, tiny_model, ds).backward()
        out = torch.cat([p.grad.flatten() for p in tiny_model.parameters() if p.grad is not None])
        tiny_model.zero_grad(set_to_none=True)
        return out

    a, a_again, b = grads((0.4, 0.1)), grads((0.4, 0.1)), grads((0.85, 0.0))
    assert torch.allclose(a, a_again)  # same scores, same gradients
    assert not torch.allclose(a, b, atol=1e-7)  # the scores steer the update
    assert float((a - b).abs().sum()) > 0


def test_training_dataset_distils_from_scored_qpn():
    ds, notes = training_dataset(scored_qpn_frame(n=8), "qpn", "DistillKLDivLoss", neg_nums=2, seed=0)
    assert ds.column_names == ["anchor", "positive", "negative_1", "negative_2", "label"]
    assert len(ds) == 8 and len(ds[0]["label"]) == 3
    assert any("distillation" in n for n in notes)


def test_a_run_distils_from_teacher_scores_end_to_end(tiny_model_path, tmp_path, tmp_runs):
    """A qpn JSONL with pos_scores / neg_scores trains with DistillKLDivLoss through the normal runner."""
    import json

    from core.training import read_events, run_training
    from tests.core.training.test_runner import tiny_config

    frame = scored_qpn_frame(n=24)
    path = tmp_path / "distill.jsonl"
    path.write_text("".join(json.dumps({k: rec[k] for k in ("query", "pos", "neg", "pos_scores", "neg_scores")},
                                       ensure_ascii=False) + "\n" for rec in frame.to_dict(orient="records")),
                    encoding="utf-8")
    cfg = tiny_config(tiny_model_path, path)
    cfg.loss.name = "DistillKLDivLoss"
    cfg.data.neg_nums = 2
    status = run_training(cfg, tmp_runs / "distill")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "distill")
    assert next(e for e in events if e["type"] == EV_PLAN)["loss"] == "DistillKLDivLoss"
    assert any("distillation" in str(e.get("message")) for e in events if e["type"] == EV_LOG)
