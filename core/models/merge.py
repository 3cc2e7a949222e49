"""Weight interpolation between a base and a tuned model (WiSE-FT / LM-Cocktail style).

``interpolate(base, tuned, alpha) -> SentenceTransformer``: a new model with the architecture of ``base`` whose
floating-point parameters are ``(1 - alpha) * base + alpha * tuned``; non-floating tensors and buffers
(position ids, token type ids...) are copied from ``tuned``. Parameters equal in both models (weights training
did not change, such as a frozen word-embedding table) and the tokenizer are shared with ``base``, not copied;
``share_unchanged(base, other)`` does the same for two loaded models. ``alpha = 0`` gives the base weights and
``alpha = 1`` the tuned weights bit for bit. ``base`` / ``tuned`` are loaded ``SentenceTransformer`` objects or
anything ``core.models.load_model`` accepts (a registry name, a folder). The two models must share the
architecture (same parameter names and shapes), else ``ModelSourceError`` names the first mismatch.
"""

from __future__ import annotations

import copy
from typing import Any

from core.errors import ConfigError, ModelSourceError


def _as_model(spec: Any):
    if hasattr(spec, "state_dict") and hasattr(spec, "encode"):
        return spec
    from core.models import load_model

    return load_model(str(spec))


def check_compatible(base, tuned) -> None:
    """Raise ``ModelSourceError`` unless ``base`` and ``tuned`` have the same parameter names and shapes."""
    a, b = base.state_dict(), tuned.state_dict()
    missing = sorted(set(a) ^ set(b))
    if missing:
        raise ModelSourceError(
            f"The base and tuned models have different architectures (parameter '{missing[0]}' exists in only one); "
            "weights can only be blended between models of the same architecture.")
    for name, tensor in a.items():
        if tuple(tensor.shape) != tuple(b[name].shape):
            raise ModelSourceError(
                f"The base and tuned models differ in the shape of '{name}' ({tuple(tensor.shape)} vs "
                f"{tuple(b[name].shape)}); weights can only be blended between models of the same architecture.")


def unchanged_parameters(base, other) -> dict[str, Any]:
    """``{name: base's parameter}`` for every parameter ``other`` holds bit for bit (same dtype and device)."""
    import torch

    theirs = dict(other.named_parameters())
    return {name: p for name, p in base.named_parameters() if name in theirs and p.dtype == theirs[name].dtype
            and p.device == theirs[name].device and p.shape == theirs[name].shape and torch.equal(p, theirs[name])}


def share_unchanged(base, other) -> int:
    """Make ``other`` use ``base``'s tensor for every parameter the two hold bit for bit (a frozen word-embedding
    table), and ``base``'s tokenizer where they define the same one (``share_tokenizers``), so two loaded models
    keep one copy; returns the parameter bytes freed. Neither model's values change: use it
    only on models that are read (scored, blended, saved), not trained."""
    freed = 0
    share_tokenizers(base, other)
    for name, p in unchanged_parameters(base, other).items():
        owner, _, leaf = name.rpartition(".")
        module = other.get_submodule(owner) if owner else other
        if module._parameters.get(leaf) is not p:
            freed += p.numel() * p.element_size()
            module._parameters[leaf] = p
    return freed


def _tokenizer_text(tok) -> Any:
    """A fast tokenizer's whole definition as text (vocabulary, normalizer, special tokens), else None."""
    backend = getattr(tok, "backend_tokenizer", None)
    try:
        return backend.to_str() if backend is not None else None
    except Exception:
        return None


def light_copy(own, backend_of=None):
    """A shallow copy of tokenizer ``own`` that encodes with ``backend_of``'s backend (the compiled vocabulary, the
    heavy part; ``own``'s when None). The copy keeps its own settings: sentence-transformers keeps a model's
    ``max_seq_length`` in its tokenizer's ``model_max_length``, so two models that shared one tokenizer object would
    share one length (a blend's or a tuned model's length set would change the base's)."""
    out = copy.copy(own)
    backend = getattr(backend_of if backend_of is not None else own, "backend_tokenizer", None)
    mine = getattr(own, "backend_tokenizer", None)
    if backend is not None and mine is not None:
        for key in [k for k, v in vars(out).items() if v is mine]:
            setattr(out, key, backend)
    return out


def share_tokenizers(base, other) -> int:
    """Make ``other``'s modules encode with ``base``'s tokenizer backend wherever the two define the same fast
    tokenizer (a run's saved models keep their base's): one vocabulary instead of two (multilingual-e5-small's
    ~0.25 GB); each keeps its own settings (``light_copy``). Returns how many."""
    shared = 0
    for mine, theirs in zip(base.modules(), other.modules()):
        held = dict(_tokenizers_of(theirs))
        for attr, a in _tokenizers_of(mine):
            b = held.get(attr)
            backend = getattr(a, "backend_tokenizer", None)
            if b is None or a is b or (backend is not None and backend is getattr(b, "backend_tokenizer", None)):
                continue
            text = _tokenizer_text(a)
            if text is not None and text == _tokenizer_text(b) and type(a) is type(b):
                setattr(theirs, attr, light_copy(b, backend_of=a))
                shared += 1
    return shared


def _tokenizers_of(module) -> list[tuple[str, Any]]:
    """``(attribute, tokenizer)`` for each tokenizer (processor) ``module`` itself holds: read-only objects that
    copies of a model can share."""
    out = []
    for attr in ("processor", "tokenizer"):
        obj = vars(module).get(attr)
        if obj is not None and not hasattr(obj, "parameters"):
            out.append((attr, obj))
    return out


def interpolate(base: Any, tuned: Any, alpha: float):
    """``(1 - alpha) * base + alpha * tuned`` over all floating parameters; see the module docstring."""
    import torch

    try:
        alpha = float(alpha)
    except (TypeError, ValueError):
        raise ConfigError(f"The blend weight alpha must be a number between 0 and 1, got {alpha!r}.") from None
    if not 0.0 <= alpha <= 1.0:
        raise ConfigError(f"The blend weight alpha must be between 0 and 1, got {alpha}.")
    base, tuned = _as_model(base), _as_model(tuned)
    check_compatible(base, tuned)
    tuned_sd = tuned.state_dict()
    # a parameter training left as it was (a frozen word-embedding table: 82% of multilingual-e5-small) blends to
    # itself, and the tokenizer is only read: the blend shares them with ``base`` instead of holding copies
    unchanged = unchanged_parameters(base, tuned)
    memo = {id(p): p for p in unchanged.values()}
    memo.update({id(t): light_copy(t) for module in base.modules() for _, t in _tokenizers_of(module)})
    out = copy.deepcopy(base, memo=memo)
    shared = {p.data_ptr() for p in unchanged.values()}
    if alpha == 0.0:
        return out  # the base weights, bit for bit
    done: set[int] = set()  # storages already blended (tied weights appear under two names)
    with torch.no_grad():
        # in place, tensor by tensor, in each tensor's own dtype: no second copy of the model and no float64
        # temporaries (for multilingual-e5-small's 250k-row table those took ~3 GB at the peak)
        for name, o in out.state_dict().items():
            if o.data_ptr() in done or o.data_ptr() in shared:
                continue
            done.add(o.data_ptr())
            t = tuned_sd[name].to(device=o.device)
            if alpha == 1.0 or not torch.is_floating_point(o):
                o.copy_(t)
            else:
                o.lerp_(t.to(o.dtype), alpha)  # (1 - alpha) * base + alpha * tuned
    return out


__all__ = ["interpolate", "check_compatible", "light_copy", "share_tokenizers", "share_unchanged", "unchanged_parameters"]
