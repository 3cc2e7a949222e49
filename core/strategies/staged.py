"""``staged``: a full-parameter warm-up, then a light second stage (seed practice for domain adaptation).

``apply_staged(model, params) -> StrategyReport``: every weight trains at first (stage 1); ``state`` holds the
switch point and the second stage. ``StageSwitch(model, report, on_switch)`` is the ``TrainerCallback`` that
applies the second stage at the first step at or past ``switch`` × the run's total steps (also right after a
resume that starts past it): ``bitfit`` (only bias terms keep training) or ``freeze`` (the embedding block and
the bottom half of the layers stop training). Weights that stop training keep their values bit for bit: their
gradients are no longer computed, so AdamW skips them (no update, no weight decay).

Why: the first stage moves the whole model to the domain; the second refines with few free weights, which
over-fits less on small data and forgets less of what the model knew.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Optional

from core.strategies.base import StrategyReport, count_parameters, embedding_block, layer_list, set_all_trainable

SECOND_STAGES = ("bitfit", "freeze")


def apply_staged(model, params: dict[str, Any]) -> StrategyReport:
    """Stage 1: every weight trains; the switch is applied later by ``StageSwitch``."""
    set_all_trainable(model, True)
    trainable, total = count_parameters(model)
    return StrategyReport("staged", trainable, total,
                          state={"switch": float(params.get("switch", 0.5)), "then": str(params.get("then", "bitfit"))})


def second_stage(model, then: str) -> tuple[int, int]:
    """Apply the second stage in place; returns ``(trainable, total)`` afterwards."""
    if then == "bitfit":
        from core.strategies.selective import apply_bitfit

        apply_bitfit(model, {})
    else:
        set_all_trainable(model, True)
        for p in embedding_block(model).parameters():
            p.requires_grad_(False)
        layers = layer_list(model)
        for layer in list(layers)[: len(layers) // 2]:
            for p in layer.parameters():
                p.requires_grad_(False)
    return count_parameters(model)


def switch_step(report: StrategyReport, max_steps: int) -> int:
    """The optimizer step at which the second stage starts (at least 1, at most ``max_steps``)."""
    return max(1, min(int(max_steps), int(math.ceil(report.state["switch"] * max_steps))))


def stage_switch(model, report: StrategyReport, on_switch: Optional[Callable[[int, int, int], None]] = None):
    """A ``transformers.TrainerCallback`` that switches to the second stage (see the module docstring), calling
    ``on_switch(step, trainable, total)`` once; None for any strategy other than ``staged``."""
    if getattr(report, "name", None) != "staged":
        return None
    from transformers import TrainerCallback

    class StageSwitch(TrainerCallback):
        done = False

        def on_step_begin(self, args, state, control, **kw):
            if self.done or state.global_step < switch_step(report, state.max_steps):
                return
            self.done = True
            trainable, total = second_stage(model, report.state["then"])
            report.state["switched_at"] = state.global_step
            if on_switch is not None:
                on_switch(state.global_step, trainable, total)

    return StageSwitch()
