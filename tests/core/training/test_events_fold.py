"""Folding run events for display (pure): charts, log lines, phase progress; the CLI line for a config."""

import pytest

from core.run_folder import EV_EVAL, EV_PARAMS, EV_PHASE, EV_PLAN, EV_PROGRESS, EV_STATUS, EV_TRAIN
from core.training.events import empty_view, fold_events, phase_progress

EVENTS = [
    {"type": EV_STATUS, "status": "running"},
    {"type": EV_PHASE, "phase": "loading_model", "done": 0},
    {"type": EV_PARAMS, "strategy": "full", "trainable": 1000, "total": 1000},
    {"type": EV_PLAN, "total_steps": 10, "main_metric": "ndcg@10", "loss": "MNRL"},
    {"type": EV_PHASE, "phase": "evaluating_base", "step": 0, "total": 40, "done": 0},
    {"type": EV_PHASE, "phase": "evaluating_base", "step": 0, "total": 40, "done": 16},
]


def test_fold_keeps_the_input_and_tracks_the_phase():
    view = empty_view("runs/x")
    folded = fold_events(view, EVENTS)
    assert view == empty_view("runs/x")  # pure: the input view is unchanged
    assert folded["metric"] == "ndcg@10" and folded["plan"]["total_steps"] == 10
    assert "phase: loading_model" in folded["log"] and "phase: evaluating_base" in folded["log"]
    assert folded["log"].count("phase: evaluating_base") == 1  # one line per phase, not per count
    p = phase_progress(folded, "running")
    assert (p["kind"], p["done"], p["total"], p["fraction"]) == ("evaluating_base", 16, 40, 0.4)


def test_fold_charts_and_training_progress():
    events = EVENTS + [
        {"type": EV_EVAL, "step": 0, "metrics": {"ndcg@10": 0.5, "mrr@10": 0.4}},
        {"type": EV_PHASE, "phase": "training", "step": 0, "total": 10, "done": 0},
        {"type": EV_TRAIN, "step": 1, "loss": 2.0},
        {"type": EV_PROGRESS, "step": 1, "total_steps": 10, "fraction": 0.1, "eta_seconds": 30},
        {"type": EV_TRAIN, "step": 2, "loss": "nan"},  # not a number: no point
    ]
    folded = fold_events(empty_view("r"), events)
    assert folded["train"] == [(1, 2.0)] and folded["eval"] == [(0, 0.5)]
    p = phase_progress(folded, "running")
    assert (p["kind"], p["step"], p["total"], p["eta"]) == ("training", 1, 10, 30)
    saving = fold_events(folded, [{"type": EV_PHASE, "phase": "saving", "step": 1, "what": "checkpoint", "done": 0}])
    assert phase_progress(saving, "running")["kind"] == "saving"
    stopping = phase_progress(saving, "stopping")
    assert stopping["kind"] == "stopping" and stopping["what"] == "checkpoint"
    assert phase_progress(folded, "stopping")["what"] is None  # finishing its step
    assert phase_progress(folded, "completed")["fraction"] == 1.0
    assert phase_progress(empty_view("r"), "queued")["kind"] == "queued"


def test_the_delivery_is_a_phase_of_its_own_running_or_stopping():
    """After the last step the bar says which candidate or check the delivery is scoring, not "100%, ETA 0:00"
    (nor "finishing step n" for minutes after a Stop)."""
    from core.run_folder import PHASE_DELIVERING

    events = EVENTS + [
        {"type": EV_PROGRESS, "step": 10, "total_steps": 10, "fraction": 1.0, "eta_seconds": 0},
        {"type": EV_PHASE, "phase": PHASE_DELIVERING, "what": "Delivery: scoring final on 42 validation queries (2/5)",
         "done": 1, "total": 5},
    ]
    folded = fold_events(empty_view("r"), events)
    for status in ("running", "stopping"):
        p = phase_progress(folded, status)
        assert (p["kind"], p["done"], p["total"], p["fraction"]) == (PHASE_DELIVERING, 1, 5, 0.2)
        assert p["what"].startswith("Delivery: scoring final")
    check = fold_events(folded, [{"type": EV_PHASE, "phase": PHASE_DELIVERING, "done": 0, "total": None,
                                  "what": "General-domain check (en): delivered model"}])
    assert phase_progress(check, "running")["fraction"] == 1.0  # no count: the bar keeps the training's share
    assert phase_progress(check, "completed")["kind"] == "completed"

    from ui.tabs.train_runs import progress_text

    assert progress_text(phase_progress(folded, "running"), "en") == (
        "Choosing the delivered model: Delivery: scoring final on 42 validation queries (2/5)")
    assert progress_text(phase_progress(check, "running"), "zh").startswith("正在选择交付模型：通用")


def test_command_line_quotes_and_points_at_the_yaml():
    from core.training import TrainConfig
    from core.training.cli import command_line

    cfg = TrainConfig(name="my run", model="minilm")
    cfg.data.train = ["data dir/train.jsonl"]
    cfg.hyper.max_steps = 7
    line = command_line(cfg)
    assert "--data 'data dir/train.jsonl'" in line and "--max-steps 7" in line
    assert "\npython -m core train --config my-run.yaml\n" in line
    # the optional search line is a command the CLI parser reads
    hpo = line.strip().splitlines()[-1]
    assert hpo == "python -m core hpo --config my-run.yaml --trials 4 --budget-minutes 60"
    from core.cli import build_parser

    args = build_parser().parse_args(hpo.split()[3:])
    assert args.func.__name__ == "cmd_hpo" and args.trials == 4 and args.budget_minutes == 60.0


def test_fold_draws_the_95_band_from_each_evaluations_paired_gain_over_the_base():
    gain = {"metric": "ndcg@10", "n": 124, "diff": 0.08, "ci_low": 0.04, "ci_high": 0.12, "verdict": "better"}
    events = [
        {"type": EV_EVAL, "step": 0, "metrics": {"ndcg@10": 0.5}},
        {"type": EV_EVAL, "step": 5, "metrics": {"ndcg@10": 0.58}, "vs_base": gain},
        # another metric's gain, a gain that is not numbers, and none at all: no band point
        {"type": EV_EVAL, "step": 6, "metrics": {"ndcg@10": 0.6}, "vs_base": dict(gain, metric="mrr@10")},
        {"type": EV_EVAL, "step": 7, "metrics": {"ndcg@10": 0.6}, "vs_base": dict(gain, ci_low="0.04")},
        {"type": EV_EVAL, "step": 8, "metrics": {"ndcg@10": 0.6}, "vs_base": dict(gain, ci_high=float("nan"))},
        {"type": EV_EVAL, "step": 9, "metrics": {"ndcg@10": 0.6}},
    ]
    folded = fold_events(empty_view("r"), events)
    assert [s for s, *_ in folded["eval"]] == [0, 5, 6, 7, 8, 9]
    (step, low, high), = folded["band"]
    assert step == 5 and (low, high) == (pytest.approx(0.54), pytest.approx(0.62))  # the base 0.5 + the gain's CI
    assert folded["band_n"] == 124
    assert ("eval step 5: ndcg@10=0.5800; vs base +0.0800, 95% CI [+0.0400, +0.1200] over 124 queries: better"
            in folded["log"])
    assert "eval step 7: ndcg@10=0.6000" in folded["log"]  # no gain shown where the band was not drawn
    # a view kept in a session before views had a band folds on
    old = {k: v for k, v in empty_view("r").items() if k not in ("band", "band_n")}
    assert fold_events(old, events[:2])["band"] == [(5, pytest.approx(0.54), pytest.approx(0.62))]
