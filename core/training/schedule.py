"""How many optimizer steps a run makes, and when it evaluates and saves: the one rule for both the runner
and the estimate.

``plan_steps(train_rows, hyper, eval_config) -> StepPlan``. ``train_rows`` is the length of the training
dataset the trainer iterates (after ``core.training.data.training_dataset``). Steps per epoch follow
``transformers.Trainer``: ``ceil(batch_count(rows, batch_size) / gradient_accumulation_steps)`` optimizer steps.
``batch_count(rows, batch_size, fold_lone_row)`` is also the length the length-grouped sampler advertises
(``core.training.sampler``), so the trainer and the plan count the same batches.
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


MAX_EVALUATIONS = 5
EVAL_BUDGET = 0.25  # evaluations during training cost at most a quarter of the training's compute
BACKWARD_FACTOR = 3  # a training step's forward + backward is ~3 forward passes


def evaluations_for(total_steps: int, hyper, eval_texts: int, texts_per_row: int) -> int:
    """How many evaluations a run of ``total_steps`` makes (1..``MAX_EVALUATIONS``, the one of the model as it ends
    included; the base model's at step 0 is not) so that they cost at most ``EVAL_BUDGET`` of the training;
    ``eval_texts`` 0 (unknown) gives the maximum."""
    if eval_texts <= 0:
        return MAX_EVALUATIONS
    step_texts = int(hyper.batch_size) * max(1, int(hyper.gradient_accumulation_steps)) * max(1, texts_per_row)
    affordable = EVAL_BUDGET * total_steps * step_texts * BACKWARD_FACTOR / eval_texts
    return max(1, min(MAX_EVALUATIONS, int(affordable)))


def batch_count(rows: int, batch_size: int, fold_lone_row: bool = False) -> int:
    """Batches one pass over ``rows`` training examples makes at ``batch_size`` (at least 1): ``ceil(rows /
    batch_size)``, one fewer with ``fold_lone_row`` when the division leaves a single row over (the length-grouped
    no-duplicates sampler puts it into a full batch: a batch of one row has no in-batch negative, its loss and
    gradient are 0, so the step would be wasted)."""
    rows, size = max(0, int(rows)), max(1, int(batch_size))
    batches = math.ceil(rows / size)
    if fold_lone_row and rows > size and rows % size == 1:
        batches -= 1
    return max(1, batches)


def plan_steps(train_rows: int, hyper, eval_config, eval_texts: int = 0, texts_per_row: int = 2,
               fold_lone_row: bool = False, world_size: int = 1) -> StepPlan:
    """Steps of a run on ``train_rows`` training examples with ``hyper`` (``HyperParams``) and ``eval_config``
    (``EvalConfig``); ``hyper.max_steps > 0`` overrides the epochs. ``eval_texts`` (queries + passages one
    validation evaluation encodes) and ``texts_per_row`` (texts per training example) set the evaluation
    cadence when ``eval_config.eval_steps`` is open (see ``evaluations_for``). ``fold_lone_row``: the run batches
    with the length-grouped sampler (``core.training.sampler.groups_by_length``), see ``batch_count``.
    ``world_size``: processes training together (``torchrun`` / ``accelerate launch``): each step takes one batch
    per process, so a pass makes ``batches // world_size`` steps (sentence-transformers shards the batches with
    uneven batches off, and the trainer stops with the process that runs out first; measured: 9 batches on 2
    processes train 4 steps)."""
    batches = batch_count(train_rows, hyper.batch_size, fold_lone_row)
    if world_size > 1:
        batches = max(1, batches // int(world_size))
    per_epoch = max(1, math.ceil(batches / max(1, int(hyper.gradient_accumulation_steps))))
    if hyper.max_steps and hyper.max_steps > 0:
        total = int(hyper.max_steps)
    else:
        total = max(1, math.ceil(per_epoch * float(hyper.epochs)))
    n_evals = evaluations_for(total, hyper, int(eval_texts), int(texts_per_row))
    # every ceil(total / n) steps: n evaluations in all, the last at the end or the runner's final one just after it
    eval_steps = int(eval_config.eval_steps or max(1, math.ceil(total / n_evals)))
    save_steps = int(eval_config.save_steps or eval_steps)
    logging_steps = int(eval_config.logging_steps or max(1, total // 100))
    return StepPlan(per_epoch, total, eval_steps, save_steps, logging_steps)
