"""The step plan shared by the runner and the estimate."""

from core.training.config import EvalConfig, HyperParams
from core.training.schedule import plan_steps


def test_steps_per_epoch_follow_the_trainer_under_accumulation():
    h = HyperParams(batch_size=16, epochs=1, gradient_accumulation_steps=4)
    # 300 rows -> 19 batches -> ceil(19 / 4) = 5 optimizer steps
    assert plan_steps(300, h, EvalConfig()).total_steps == 5
    h.epochs = 2.5
    assert plan_steps(300, h, EvalConfig()).total_steps == 13
    h.max_steps = 7
    assert plan_steps(300, h, EvalConfig()).total_steps == 7


def test_processes_training_together_share_a_pass():
    """Under torchrun / accelerate each step takes one batch per process: the plan counts what the trainer runs
    (72 rows at batch 8 are 9 batches; 2 processes trained 4 steps, measured with torchrun on the tiny model;
    the helper's 120 rows on 2 processes trained 7, where the plan said 15)."""
    h = HyperParams(batch_size=8, epochs=1)
    assert plan_steps(72, h, EvalConfig()).total_steps == 9
    assert plan_steps(72, h, EvalConfig(), world_size=2).total_steps == 4
    assert plan_steps(120, h, EvalConfig(), world_size=2).total_steps == 7
    assert plan_steps(8, h, EvalConfig(), world_size=4).total_steps == 1
    h.max_steps = 6  # a fixed step count is each process's
    assert plan_steps(72, h, EvalConfig(), world_size=2).total_steps == 6


def test_evaluation_and_save_schedule():
    plan = plan_steps(190, HyperParams(batch_size=10, epochs=1), EvalConfig())
    assert (plan.total_steps, plan.eval_steps, plan.save_steps) == (19, 4, 4)
    # at most MAX_EVALUATIONS (5) in all: steps 4, 8, 12, 16 and the final one at 19
    assert plan.evaluations_during_training() == 4 and plan.final_evaluation_needed()
    plan = plan_steps(200, HyperParams(batch_size=10, epochs=1), EvalConfig(eval_steps=5, save_steps=10))
    assert plan.evaluations_during_training() == 4 and not plan.final_evaluation_needed()
    assert plan.checkpoint_saves() == 2
    assert plan_steps(0, HyperParams(batch_size=32, epochs=1), EvalConfig()).total_steps == 1


def test_evaluation_cadence_keeps_evaluations_under_a_quarter_of_training():
    """With eval_steps open, a short run on a big validation pool evaluates once (at its end); a long run on a
    small pool evaluates five times; an explicit eval_steps always wins."""
    from core.training.schedule import EVAL_BUDGET, evaluations_for

    h = HyperParams(batch_size=32, epochs=1)
    # 15 steps x 32 rows x 2 texts x 3 = 2,880 text-passes of training; one evaluation encodes 1,028 texts
    short = plan_steps(480, h, EvalConfig(), eval_texts=1028, texts_per_row=2)
    assert short.total_steps == 15 and short.eval_steps == 15 and short.evaluations_during_training() == 1
    assert evaluations_for(15, h, 1028, 2) * 1028 <= max(1028, EVAL_BUDGET * 2880)
    long = plan_steps(32_000, h, EvalConfig(), eval_texts=1028, texts_per_row=2)
    assert long.total_steps == 1000 and long.eval_steps == 200 and long.evaluations_during_training() == 5
    middle = plan_steps(6400, h, EvalConfig(), eval_texts=3000, texts_per_row=3)  # 200 steps: 57,600 x 0.25 / 3,000
    assert middle.eval_steps == 200 // 4
    assert plan_steps(480, h, EvalConfig(eval_steps=3), eval_texts=1028).eval_steps == 3
