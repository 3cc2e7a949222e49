"""``lora``: low-rank adapters (peft) on the transformer's linear layers; only the adapters train.

``apply_lora`` injects a ``peft.LoraConfig`` adapter through sentence-transformers' own ``add_adapter``
(so the trainer and checkpoints treat it the ST way) and freezes every other weight of the whole
SentenceTransformer (Pooling/Dense modules included). ``finalize_lora`` merges the adapter into the base
weights and puts the plain layers back, so the saved folder is an ordinary model (``model.safetensors``, no
``adapter_*`` files) that loads with plain ``SentenceTransformer(path)``.
"""

from __future__ import annotations

from typing import Any

from core.errors import ConfigError
from core.strategies.base import StrategyReport, backbone, count_parameters, set_all_trainable

ADAPTER_NAME = "studio_lora"


def _targets(text: str):
    text = str(text or "").strip()
    if not text:
        return None  # peft's per-architecture default (BERT: query, value)
    if text.lower() in ("all-linear", "all_linear", "all"):
        return "all-linear"
    return [t.strip() for t in text.replace("，", ",").split(",") if t.strip()]


def apply_lora(model, params: dict[str, Any]) -> StrategyReport:
    """Add a LoRA adapter with ``r``, ``alpha``, ``dropout`` and ``target_modules`` (comma-separated module
    names, ``all-linear``, or empty for peft's default for the architecture)."""
    try:
        from peft import LoraConfig, TaskType
    except ImportError as err:  # pragma: no cover - peft is in requirements.txt
        raise ConfigError(f"lora needs the 'peft' package, which is not installed ({err}).") from None

    auto = backbone(model)
    targets = _targets(params.get("target_modules", ""))
    config = LoraConfig(
        task_type=TaskType.FEATURE_EXTRACTION,
        r=int(params.get("r", 8)),
        lora_alpha=float(params.get("alpha", 16)),
        lora_dropout=float(params.get("dropout", 0.05)),
        target_modules=targets,
        bias="none",
    )
    try:
        auto.add_adapter(config, adapter_name=ADAPTER_NAME)
    except ValueError as err:
        shown = ", ".join(targets) if isinstance(targets, list) else (targets or "the default for this architecture")
        from torch import nn

        names = sorted({n.split(".")[-1] for n, m in auto.named_modules() if isinstance(m, nn.Linear)})
        raise ConfigError(
            f"lora could not place adapters on target modules {shown} of {type(auto).__name__} ({err}); "
            f"linear layers in this model are named: {', '.join(names[:20])}."
        ) from None
    set_all_trainable(model, False)
    n_lora = 0
    for name, p in model.named_parameters():
        if "lora_" in name and ADAPTER_NAME in name:
            p.requires_grad_(True)
            n_lora += 1
    if not n_lora:
        raise ConfigError("lora added no trainable adapter weights to this model; check 'target_modules'.")
    trainable, total = count_parameters(model)
    return StrategyReport("lora", trainable, total, state={"adapter_name": ADAPTER_NAME, "target_modules": targets})


def finalize_lora(model, report: StrategyReport):
    """Merge the LoRA adapter into the base weights and remove every peft layer and marker."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    auto = backbone(model)
    tuned = [(name, m) for name, m in auto.named_modules() if isinstance(m, BaseTunerLayer)]
    for name, module in tuned:
        module.merge(safe_merge=True)
        parent_name, _, attr = name.rpartition(".")
        parent = auto.get_submodule(parent_name) if parent_name else auto
        setattr(parent, attr, module.get_base_layer())
    for attr in ("peft_config",):
        if hasattr(auto, attr):
            try:
                delattr(auto, attr)
            except AttributeError:
                pass
    if hasattr(auto, "_hf_peft_config_loaded"):
        auto._hf_peft_config_loaded = False
    return model
