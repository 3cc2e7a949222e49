"""Training strategies: which weights a fine-tuning run changes, and how the result is saved.

Public API:

- ``STRATEGIES`` (``{name: StrategySpec}``: full, bitfit, prefix, freeze, lora, staged), ``StrategySpec``, ``StrategyReport``
- ``get_strategy(name) -> StrategySpec``; ``validate_strategy_params(name, params) -> dict``
- ``apply_strategy(model, name, params) -> StrategyReport(name, trainable, total, trainer_overrides, state)``
- ``apply_for_run(model, name, params, freeze_words, dropout, attention_dropout)``: ``apply_strategy`` plus
  ``hyper.freeze_word_embeddings`` (``freeze_word_embeddings(model, report)``), ``hyper.dropout`` (``set_dropout``)
  and ``hyper.attention_dropout`` (``set_attention_dropout``), what a run and the estimate's speed probe train
- ``finalize_for_save(model, report) -> SentenceTransformer`` (merge LoRA, drop hooks) before the final save;
  ``needs_finalize(report)``: whether it changes anything (else the model is saved as it is, no copy)
- ``count_parameters(model) -> (trainable, total)``
- ``stage_switch(model, report, on_switch) -> TrainerCallback | None``: the ``staged`` strategy's second stage
"""

from core.strategies.base import StrategyReport, StrategySpec, count_parameters, freeze_word_embeddings
from core.strategies.prefix import PREFIX_PROMPT_NAME, prefix_tokens
from core.strategies.registry import (
    STRATEGIES,
    apply_for_run,
    apply_strategy,
    finalize_for_save,
    get_strategy,
    needs_finalize,
    validate_strategy_params,
)
from core.strategies.staged import stage_switch

__all__ = [
    "PREFIX_PROMPT_NAME",
    "STRATEGIES",
    "StrategyReport",
    "StrategySpec",
    "apply_for_run",
    "apply_strategy",
    "count_parameters",
    "finalize_for_save",
    "freeze_word_embeddings",
    "get_strategy",
    "needs_finalize",
    "prefix_tokens",
    "stage_switch",
    "validate_strategy_params",
]
