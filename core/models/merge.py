"""Weight interpolation between a base and a tuned model (WiSE-FT / LM-Cocktail style).

``interpolate(base, tuned, alpha) -> SentenceTransformer``: a new model with the architecture of ``base`` whose
floating-point parameters are ``(1 - alpha) * base + alpha * tuned``; non-floating tensors and buffers
(position ids, token type ids...) are copied from ``tuned``. ``alpha = 0`` gives the base weights and
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
    out = copy.deepcopy(base)
    if alpha == 0.0:
        return out  # the base weights, bit for bit
    tuned_sd = tuned.state_dict()
    done: set[int] = set()  # storages already blended (tied weights appear under two names)
    with torch.no_grad():
        # in place, tensor by tensor, in each tensor's own dtype: no second copy of the model and no float64
        # temporaries (for multilingual-e5-small's 250k-row table those took ~3 GB at the peak)
        for name, o in out.state_dict().items():
            if o.data_ptr() in done:
                continue
            done.add(o.data_ptr())
            t = tuned_sd[name].to(device=o.device)
            if alpha == 1.0 or not torch.is_floating_point(o):
                o.copy_(t)
            else:
                o.lerp_(t.to(o.dtype), alpha)  # (1 - alpha) * base + alpha * tuned
    return out


__all__ = ["interpolate", "check_compatible"]
