"""``prefix``: learn N new prefix tokens that start every input; nothing else trains.

How it works, and why it survives a plain ``SentenceTransformer(path)`` reload with no project code:

1. N special tokens ``[PREFIX_0] .. [PREFIX_{N-1}]`` are added to the tokenizer (reused if already there, e.g.
   when a prefix-trained model is trained again) and the word-embedding table is resized.
2. The prefix text ``"[PREFIX_0]...[PREFIX_{N-1}]"`` becomes a prompt of the model: a ``"prefix"`` prompt set
   as ``default_prompt_name``, and every existing prompt (e5's ``query: ``, the empty ``query``/``document``
   placeholders ST 6 keeps) is rewritten to start with it. ST saves them in ``config_sentence_transformers.json``,
   so after reload ``encode``, ``encode_query`` and ``encode_document`` all put the prefix first. (A caller
   passing an explicit ``prompt="..."`` string bypasses saved prompts; use ``prompt_name`` instead.)
3. During training the trainer only applies its own ``args.prompts``, never the model's default prompt, so the
   Transformer module's ``preprocess`` is wrapped on this instance to put the prefix in front of whatever prompt
   it gets (once: a prompt that already starts with it is left alone). ``finalize_for_save`` removes the wrapper.
4. Only the word-embedding weight has ``requires_grad``; a gradient hook zeroes every row but the prefix rows,
   and ``trainer_overrides={"weight_decay": 0.0}`` keeps AdamW's decoupled weight decay from shrinking the
   frozen rows (with zero gradient and no decay, Adam leaves them bit-identical).
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

from core.errors import ConfigError
from core.strategies.base import StrategyReport, count_parameters, input_embeddings, set_all_trainable

PREFIX_PROMPT_NAME = "prefix"


def prefix_tokens(n: int) -> list[str]:
    return [f"[PREFIX_{i}]" for i in range(n)]


def _tokenizer(model):
    tok = getattr(model[0], "tokenizer", None)
    if tok is None or not hasattr(tok, "add_tokens"):
        raise ConfigError("prefix needs a model with a Hugging Face tokenizer; this model has none.")
    return tok


def _prefixed_preprocess(self, inputs, prompt=None, **kwargs):
    """Instance-level wrapper of ``Transformer.preprocess``: prompt := prefix + prompt (once)."""
    original = type(self).preprocess
    if self.__dict__.get("_studio_prefix_busy"):  # ST re-enters preprocess to measure the prompt's length
        return original(self, inputs, prompt=prompt, **kwargs)
    prefix = self._studio_prefix_text
    if not (prompt or "").startswith(prefix):
        prompt = prefix + (prompt or "")
    self.__dict__["_studio_prefix_busy"] = True
    try:
        return original(self, inputs, prompt=prompt, **kwargs)
    finally:
        self.__dict__["_studio_prefix_busy"] = False


def _mask_hook(mask: torch.Tensor):
    def hook(grad: torch.Tensor) -> torch.Tensor:
        return grad * mask.to(device=grad.device, dtype=grad.dtype)

    hook._studio_prefix_mask = True  # lets finalize find it on exactly this tensor
    return hook


def set_prefix_prompts(model, prefix_text: str) -> None:
    """Make every prompt of ``model`` start with ``prefix_text`` and make the prefix the default prompt."""
    prompts = dict(getattr(model, "prompts", None) or {})
    new = {}
    for key, text in prompts.items():
        text = text or ""
        new[key] = text if text.startswith(prefix_text) else prefix_text + text
    new[PREFIX_PROMPT_NAME] = prefix_text
    model.prompts = new
    model.default_prompt_name = PREFIX_PROMPT_NAME


def apply_prefix(model, params: dict[str, Any]) -> StrategyReport:
    """Add and train ``prefix_length`` prefix tokens (see module docstring). Output ``state`` holds
    ``token_ids``, ``tokens``, ``prefix_text`` and the removable hook."""
    n = int(params.get("prefix_length", 8))
    tok = _tokenizer(model)
    tokens = prefix_tokens(n)
    vocab = tok.get_vocab()
    missing = [t for t in tokens if t not in vocab]
    if missing:
        from tokenizers import AddedToken

        tok.add_tokens([AddedToken(t, special=True, normalized=False, single_word=False) for t in missing],
                       special_tokens=True)
    ids = tok.convert_tokens_to_ids(tokens)
    if any(i is None or i == tok.unk_token_id for i in ids):
        raise ConfigError("prefix could not add its tokens to this model's tokenizer.")
    auto = model[0].auto_model
    emb = input_embeddings(model)
    if emb.num_embeddings < len(tok):
        auto.resize_token_embeddings(len(tok))
        emb = input_embeddings(model)
    if max(ids) >= emb.num_embeddings:
        raise ConfigError("prefix could not grow this model's word-embedding table to hold its tokens.")

    prefix_text = "".join(tokens)
    set_prefix_prompts(model, prefix_text)
    module = model[0]
    module._studio_prefix_text = prefix_text
    module.preprocess = types.MethodType(_prefixed_preprocess, module)

    set_all_trainable(model, False)
    weight = emb.weight
    weight.requires_grad_(True)
    import torch

    mask = torch.zeros(weight.shape[0], 1)
    mask[ids] = 1.0
    handle = weight.register_hook(_mask_hook(mask))

    _, total = count_parameters(model)
    return StrategyReport(
        "prefix", n * weight.shape[1], total, trainer_overrides={"weight_decay": 0.0},
        state={"token_ids": list(ids), "tokens": tokens, "prefix_text": prefix_text, "hook": handle},
    )


def finalize_prefix(model, report: StrategyReport):
    """Drop the training-time wrapper and gradient mask; keep tokens, trained rows and prompts (the saved
    model carries the prefix through its prompts). Works on the trained model or a deep copy of it."""
    module = model[0]
    state = report.state or {}
    module.__dict__.pop("preprocess", None)
    prefix_text = getattr(module, "_studio_prefix_text", None) or state.get("prefix_text")
    module.__dict__.pop("_studio_prefix_text", None)
    module.__dict__.pop("_studio_prefix_busy", None)
    if prefix_text:
        set_prefix_prompts(model, prefix_text)
    weight = input_embeddings(model).weight
    hooks = getattr(weight, "_backward_hooks", None)
    if hooks:
        for key in [k for k, fn in hooks.items() if getattr(fn, "_studio_prefix_mask", False)]:
            del hooks[key]
    return model
