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


def test_evaluation_and_save_schedule():
    plan = plan_steps(190, HyperParams(batch_size=10, epochs=1), EvalConfig())
    assert (plan.total_steps, plan.eval_steps, plan.save_steps) == (19, 3, 3)
    assert plan.evaluations_during_training() == 6 and plan.final_evaluation_needed()
    plan = plan_steps(200, HyperParams(batch_size=10, epochs=1), EvalConfig(eval_steps=5, save_steps=10))
    assert plan.evaluations_during_training() == 4 and not plan.final_evaluation_needed()
    assert plan.checkpoint_saves() == 2
    assert plan_steps(0, HyperParams(batch_size=32, epochs=1), EvalConfig()).total_steps == 1
