"""How many optimizer steps a run makes, and when it evaluates and saves: the one rule for both the runner
and the estimate.

``plan_steps(train_rows, hyper, eval_config) -> StepPlan``. ``train_rows`` is the length of the training
dataset the trainer iterates (after ``core.training.data.training_dataset``). Steps per epoch follow
``transformers.Trainer``: ``ceil(ceil(rows / batch_size) / gradient_accumulation_steps)`` optimizer steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class StepPlan:
    steps_per_epoch: int
    total_steps: int
    eval_steps: int
    save_steps: int
    logging_steps: int

    def evaluations_during_training(self) -> int:
        """Evaluations the trainer runs at multiples of ``eval_steps`` (the base and final ones excluded)."""
        return self.total_steps // self.eval_steps

    def final_evaluation_needed(self) -> bool:
        """True when the last step is not an evaluation step (the runner then evaluates once more)."""
        return self.total_steps % self.eval_steps != 0

    def checkpoint_saves(self) -> int:
        return self.total_steps // self.save_steps


def plan_steps(train_rows: int, hyper, eval_config) -> StepPlan:
    """Steps of a run on ``train_rows`` training examples with ``hyper`` (``HyperParams``) and ``eval_config``
    (``EvalConfig``); ``hyper.max_steps > 0`` overrides the epochs."""
    batches = max(1, math.ceil(max(0, int(train_rows)) / max(1, int(hyper.batch_size))))
    per_epoch = max(1, math.ceil(batches / max(1, int(hyper.gradient_accumulation_steps))))
    if hyper.max_steps and hyper.max_steps > 0:
        total = int(hyper.max_steps)
    else:
        total = max(1, math.ceil(per_epoch * float(hyper.epochs)))
    eval_steps = int(eval_config.eval_steps or max(1, total // 5))
    save_steps = int(eval_config.save_steps or eval_steps)
    logging_steps = int(eval_config.logging_steps or max(1, total // 100))
    return StepPlan(per_epoch, total, eval_steps, save_steps, logging_steps)
