"""Strategies that only choose which existing weights train: ``full``, ``bitfit``, ``freeze``.

Each ``apply_*(model, params) -> StrategyReport`` sets ``requires_grad`` on the SentenceTransformer's
parameters and counts them. Nothing needs undoing before save, so their ``state`` is None.
"""

from __future__ import annotations

from typing import Any

from core.errors import ConfigError
from core.strategies.base import (
    StrategyReport,
    count_parameters,
    embedding_block,
    layer_list,
    set_all_trainable,
)


def apply_full(model, params: dict[str, Any]) -> StrategyReport:
    """Every weight trains."""
    set_all_trainable(model, True)
    trainable, total = count_parameters(model)
    return StrategyReport("full", trainable, total)


def _keywords(text: str) -> list[str]:
    return [k.strip().lower() for k in str(text or "").replace("，", ",").split(",") if k.strip()]


def apply_bitfit(model, params: dict[str, Any]) -> StrategyReport:
    """Only bias terms train (BitFit), or, when ``keywords`` is given, only parameters whose full name contains
    one of the comma-separated keywords (case-insensitive), e.g. ``"bias, LayerNorm"``."""
    words = _keywords(params.get("keywords", ""))
    set_all_trainable(model, False)
    chosen = 0
    for name, p in model.named_parameters():
        lname = name.lower()
        hit = any(w in lname for w in words) if words else (lname.endswith(".bias") or lname == "bias")
        if hit:
            p.requires_grad_(True)
            chosen += 1
    if not chosen:
        what = f"whose name contains {', '.join(repr(w) for w in words)}" if words else "named '*.bias'"
        raise ConfigError(f"bitfit found no parameter {what} in this model, so nothing would train.")
    trainable, total = count_parameters(model)
    return StrategyReport("bitfit", trainable, total, state={"keywords": words})


def apply_freeze(model, params: dict[str, Any]) -> StrategyReport:
    """Everything trains except the embedding block (``embeddings=True``) and the bottom ``layers`` layers."""
    set_all_trainable(model, True)
    k = int(params.get("layers", 0) or 0)
    layers = layer_list(model) if k else None
    if layers is not None and k > len(layers):
        raise ConfigError(f"freeze parameter 'layers' is {k} but this model has only {len(layers)} layers.")
    if params.get("embeddings", True):
        for p in embedding_block(model).parameters():
            p.requires_grad_(False)
    if layers is not None:
        for layer in list(layers)[:k]:
            for p in layer.parameters():
                p.requires_grad_(False)
    trainable, total = count_parameters(model)
    if trainable == 0:
        raise ConfigError("freeze would freeze every weight of this model, so nothing would train; lower 'layers'.")
    return StrategyReport("freeze", trainable, total, state={"layers": k, "embeddings": bool(params.get("embeddings", True))})
