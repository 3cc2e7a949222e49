"""Shared pieces of the training strategies: the spec/report dataclasses and parameter helpers.

- ``StrategySpec(name, params, description)``: one strategy the studio offers.
- ``StrategyReport(name, trainable, total, trainer_overrides, state)``: what ``apply_strategy`` did.
  ``trainable`` is the number of weights training can change (for ``prefix`` only the prefix rows of the
  word-embedding table, though the whole table tensor has ``requires_grad``); ``trainer_overrides`` are
  extra ``SentenceTransformerTrainingArguments`` keyword arguments training must pass; ``state`` is the
  strategy's own bookkeeping, read back by ``finalize_for_save``.
- ``count_parameters(model) -> (trainable, total)`` over unique parameter tensors.
- ``backbone(model)``, ``input_embeddings(model)``, ``layer_list(model)``: locate parts of a transformer.
- ``freeze_word_embeddings(model, report)``: the word-embedding table stops training on top of any strategy.
- ``set_dropout(model, p)`` / ``set_attention_dropout(model, p)``: every dropout layer / only the dropout on the
  attention probabilities, while training (the saved config keeps the base's values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch is imported where a model is touched, so checking a config does not load it
    from torch import nn

from core.errors import ConfigError
from core.losses.params import Param


@dataclass(frozen=True)
class StrategySpec:
    """A training strategy: ``name``, user ``params`` (``core.losses.Param``), ``description`` {en, zh}."""

    name: str
    params: tuple[Param, ...] = ()
    description: Mapping[str, str] = field(default_factory=dict)


@dataclass
class StrategyReport:
    """Outcome of ``apply_strategy`` (see module docstring)."""

    name: str
    trainable: int
    total: int
    trainer_overrides: dict[str, Any] = field(default_factory=dict)
    state: Any = None

    @property
    def fraction(self) -> float:
        return self.trainable / self.total if self.total else 0.0


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """Return ``(trainable, total)`` element counts over the model's unique parameter tensors."""
    trainable = total = 0
    seen: set[int] = set()
    for p in model.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    return trainable, total


def set_all_trainable(model: nn.Module, flag: bool) -> None:
    for p in model.parameters():
        p.requires_grad_(flag)


def backbone(model) -> nn.Module:
    """The Hugging Face model inside the first (Transformer) module, or ConfigError if there is none."""
    from torch import nn

    try:
        first = model[0]
    except (TypeError, IndexError, KeyError):
        first = None
    auto = getattr(first, "auto_model", None) or getattr(first, "model", None)
    if not isinstance(auto, nn.Module):
        raise ConfigError(
            f"This strategy needs a transformer model, but the model's first module is {type(first).__name__}."
        )
    return auto


def input_embeddings(model) -> nn.Embedding:
    """The word-embedding layer of the model's transformer."""
    from torch import nn

    auto = backbone(model)
    try:
        emb = auto.get_input_embeddings()
    except (AttributeError, NotImplementedError):
        emb = None
    if not isinstance(emb, nn.Embedding):
        raise ConfigError(f"The model {type(auto).__name__} has no word-embedding layer this strategy can use.")
    return emb


def freeze_word_embeddings(model, report: StrategyReport) -> StrategyReport:
    """Stop the word-embedding table of ``model`` from training on top of an applied strategy; ``report`` with
    the new trainable count (``hyper.freeze_word_embeddings``)."""
    from dataclasses import replace

    input_embeddings(model).weight.requires_grad_(False)
    trainable, total = count_parameters(model)
    return replace(report, trainable=trainable, total=total)


def set_dropout(model, p: float) -> int:
    """Set the probability of every dropout layer of ``model`` to ``p`` (0 turns dropout off while training;
    ``hyper.dropout``); returns how many layers changed. LoRA's own dropout (the ``lora`` strategy's parameter)
    is left as that strategy set it. The model's saved config keeps its own values, so a delivered model loads
    and trains further as its base did."""
    from torch import nn

    return _set_rate((m for n, m in model.named_modules() if isinstance(m, nn.Dropout) and "lora_" not in n), p)


def _set_rate(dropouts, p: float) -> int:
    """Set each of ``dropouts`` to probability ``p``; returns how many changed."""
    changed = 0
    for module in dropouts:
        if module.p != p:
            module.p = float(p)
            changed += 1
    return changed


_QKV_NAMES = ({"query", "key", "value"}, {"q", "k", "v"}, {"q_proj", "k_proj", "v_proj"}, {"qkv"}, {"Wqkv"})


def attention_dropouts(model) -> list:
    """The dropout layers of ``model`` that act on attention probabilities: an ``nn.Dropout`` child of a module that
    also holds the query/key/value projections (BERT, XLM-R, MiniLM, e5: ``attention.self.dropout``; MPNet:
    ``attn.dropout``), not the dropout after the attention's output projection (``attention.output.dropout``)."""
    from torch import nn

    found = []
    for name, module in model.named_modules():
        if "lora_" in name:
            continue
        children = dict(module.named_children())
        if not any(names <= children.keys() for names in _QKV_NAMES):
            continue
        found.extend(c for c in children.values() if isinstance(c, nn.Dropout))
    return found


def set_attention_dropout(model, p: float) -> int:
    """Set the dropout on the attention probabilities of ``model`` to ``p`` (``hyper.attention_dropout``; the
    layers' other dropout is left as it is); returns how many layers changed. With 0 on a CPU, PyTorch's
    scaled-dot-product attention takes its fused path in training too: no ``heads x L x L`` random masks drawn and
    no probability matrices kept for the backward pass (``core.training.memory``). The saved config keeps the
    base's value."""
    return _set_rate(attention_dropouts(model), p)


def embedding_block(model) -> nn.Module:
    """The whole input-embedding block (word, position, token-type embeddings and their norm) if the
    architecture groups them (BERT-like ``embeddings``), else just the word embeddings."""
    from torch import nn

    auto = backbone(model)
    for attr in ("embeddings",):
        block = getattr(auto, attr, None)
        if isinstance(block, nn.Module):
            return block
    return input_embeddings(model)


def layer_list(model) -> nn.ModuleList:
    """The list of transformer layers, bottom first (BERT ``encoder.layer``, Llama/Qwen ``layers``, GPT ``h``…)."""
    from torch import nn

    auto = backbone(model)
    n = getattr(getattr(auto, "config", None), "num_hidden_layers", None)
    lists = [m for _, m in auto.named_modules() if isinstance(m, nn.ModuleList) and len(m) > 0]
    exact = [m for m in lists if n is not None and len(m) == n]
    if exact:
        return exact[0]
    if lists:
        return max(lists, key=len)
    raise ConfigError(f"Could not find the transformer layers of {type(auto).__name__}.")
