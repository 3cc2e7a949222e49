"""The strategy registry and the two calls training makes.

- ``STRATEGIES``: ``{name: StrategySpec}`` — ``full``, ``bitfit``, ``prefix``, ``freeze``, ``lora``, ``staged``.
- ``validate_strategy_params(name, params) -> dict``: defaults filled, ConfigError on a bad value.
- ``apply_strategy(model, name, params) -> StrategyReport``: set what trains (in place) before the trainer
  is built; pass ``report.trainer_overrides`` to ``SentenceTransformerTrainingArguments``.
- ``finalize_for_save(model, report) -> SentenceTransformer``: call on the model (or a deep copy of it) right
  before saving a final/best folder; afterwards the folder loads with plain ``SentenceTransformer(path)``.
  Finalizing a deep copy leaves the training model untouched, so training can go on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.errors import ConfigError
from core.losses.params import Param, validate_values
from core.strategies.base import (
    StrategyReport,
    StrategySpec,
    freeze_word_embeddings,
    set_attention_dropout,
    set_dropout,
)
from core.strategies.lora import apply_lora, finalize_lora
from core.strategies.prefix import apply_prefix, finalize_prefix
from core.strategies.selective import apply_bitfit, apply_freeze, apply_full
from core.strategies.staged import SECOND_STAGES, apply_staged


def _h(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


_SPECS = [
    StrategySpec("full", (), _h(
        "Train every weight. Best quality when there is enough data and memory.",
        "训练全部参数。数据和显存充足时效果最好。")),
    StrategySpec("bitfit", (
        Param("keywords", "str", "", help=_h(
            "Empty: train only bias terms. Otherwise train only parameters whose name contains one of these "
            "comma-separated words, e.g. 'bias, LayerNorm'.",
            "留空：只训练偏置项。否则只训练名称包含这些词（逗号分隔）之一的参数，例如 'bias, LayerNorm'。")),
    ), _h("BitFit: train only the bias terms (about 0.1% of the weights); cheap and hard to overfit.",
          "BitFit：只训练偏置项（约 0.1% 的参数）；开销小，不易过拟合。")),
    StrategySpec("prefix", (
        Param("prefix_length", "int", 8, min=1, max=128, help=_h(
            "Number of learnable prefix tokens put before every input.", "放在每条输入前面的可学习前缀 token 数。")),
    ), _h("Prefix (prompt) tuning: learn a few new tokens placed before every text; the model itself stays "
          "frozen. The saved model applies the prefix through its default prompt.",
          "前缀（提示）微调：学习放在每条文本前面的几个新 token，模型本身冻结。保存的模型通过默认提示自动加上前缀。")),
    StrategySpec("freeze", (
        Param("embeddings", "bool", True, help=_h(
            "Freeze the embedding layer (word, position and token-type embeddings).", "冻结嵌入层（词、位置、类型嵌入）。")),
        Param("layers", "int", 0, min=0, max=1000, help=_h(
            "Freeze this many transformer layers from the bottom.", "从底部起冻结的 Transformer 层数。")),
    ), _h("Train everything except the embeddings and/or the bottom layers; saves memory, keeps general knowledge.",
          "除嵌入层和/或底部若干层外全部训练；省显存，保留通用知识。")),
    StrategySpec("lora", (
        Param("r", "int", 8, min=1, max=1024, help=_h("LoRA rank.", "LoRA 秩。")),
        Param("alpha", "float", 16.0, min=0.0, max=4096.0, help=_h(
            "LoRA scaling alpha (update scaled by alpha / r).", "LoRA 缩放系数 alpha（更新按 alpha / r 缩放）。")),
        Param("dropout", "float", 0.05, min=0.0, max=0.9, help=_h("Dropout on the LoRA branch.", "LoRA 分支的 dropout。")),
        Param("target_modules", "str", "", help=_h(
            "Comma-separated linear layer names to adapt (e.g. 'query, key, value, dense'), 'all-linear', or empty "
            "for the usual choice for this architecture.",
            "要加适配器的线性层名（逗号分隔，如 'query, key, value, dense'），'all-linear'，或留空使用该架构的常用设置。")),
    ), _h("LoRA: train small low-rank adapters next to the attention weights, merged into the model when saved.",
          "LoRA：在注意力权重旁训练小的低秩适配器，保存时合并进模型。")),
    StrategySpec("staged", (
        Param("switch", "float", 0.5, min=0.05, max=0.95, help=_h(
            "Share of the training steps trained with every weight before the second stage starts.",
            "第二阶段开始之前、全部参数参与训练的步数比例。")),
        Param("then", "choice", "bitfit", choices=SECOND_STAGES, help=_h(
            "Second stage: 'bitfit' trains only bias terms; 'freeze' freezes the embeddings and the bottom half "
            "of the layers.",
            "第二阶段：'bitfit' 只训练偏置项；'freeze' 冻结嵌入层和下半部分的层。")),
    ), _h("Staged: every weight trains first (domain warm-up), then only a few (BitFit or the top layers) "
          "refine; over-fits and forgets less on small data.",
          "分阶段：先训练全部参数（领域预热），再只训练少量参数（BitFit 或上层）精调；小数据上更不易过拟合和遗忘。")),
]

STRATEGIES: dict[str, StrategySpec] = {s.name: s for s in _SPECS}

_APPLY: dict[str, Callable[[Any, dict], StrategyReport]] = {
    "full": apply_full, "bitfit": apply_bitfit, "prefix": apply_prefix, "freeze": apply_freeze, "lora": apply_lora,
    "staged": apply_staged,
}
_FINALIZE: dict[str, Callable[[Any, StrategyReport], Any]] = {"prefix": finalize_prefix, "lora": finalize_lora}


def get_strategy(name: str | None) -> StrategySpec:
    """The spec of strategy ``name`` (``None``/empty means ``full``), or ConfigError naming the known ones."""
    key = str(name or "full").strip().lower()
    if key not in STRATEGIES:
        raise ConfigError(f"Unknown training strategy '{name}'; expected one of: {', '.join(STRATEGIES)}.")
    return STRATEGIES[key]


def validate_strategy_params(name: str | None, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return ``params`` completed with defaults and type-checked for strategy ``name`` (ConfigError if not)."""
    spec = get_strategy(name)
    return validate_values(f"Strategy '{spec.name}'", spec.params, params)


def apply_strategy(model, name: str | None, params: Mapping[str, Any] | None = None) -> StrategyReport:
    """Apply strategy ``name`` to the SentenceTransformer ``model`` in place and report what trains."""
    spec = get_strategy(name)
    values = validate_strategy_params(spec.name, params)
    return _APPLY[spec.name](model, values)


def apply_for_run(model, name: str | None, params: Mapping[str, Any] | None = None,
                  freeze_words: bool = False, dropout: float | None = None,
                  attention_dropout: float | None = None) -> StrategyReport:
    """``apply_strategy``, then, with ``freeze_words`` (``hyper.freeze_word_embeddings``), the word-embedding
    table frozen on top, with ``dropout`` (``hyper.dropout``; None keeps the model's own) every dropout layer
    set to it, and with ``attention_dropout`` (``hyper.attention_dropout``; None: as ``dropout`` left it) the
    dropout on the attention probabilities set to that: what a run (and the estimate's speed probe) trains."""
    report = apply_strategy(model, name, params)
    if dropout is not None:
        set_dropout(model, dropout)
    if attention_dropout is not None:
        set_attention_dropout(model, attention_dropout)
    return freeze_word_embeddings(model, report) if freeze_words else report


def needs_finalize(report: StrategyReport | str | None) -> bool:
    """True when saving a model trained with ``report``'s strategy (a report or a strategy name) changes it (LoRA
    merged, prefix dropped): the runner then saves a finalized copy and keeps training the original; otherwise it
    saves the model itself. Such a strategy also wraps the base before the step-0 evaluation."""
    name = report if isinstance(report, str) else getattr(report, "name", None)
    return (name or "") in _FINALIZE


def finalize_for_save(model, report: StrategyReport | None):
    """Undo training-only machinery (merge LoRA, drop the prefix wrapper and gradient mask) and return ``model``."""
    if report is None:
        return model
    fn = _FINALIZE.get(getattr(report, "name", None) or "")
    return fn(model, report) if fn else model
