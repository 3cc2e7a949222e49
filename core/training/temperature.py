"""The in-batch ranking losses' ``scale`` (1 / temperature), calibrated to the base model (recipe ``auto``).

A contrastively trained embedding model keeps its cosine similarities in its own range: all-MiniLM-L6-v2
(trained at scale 20) puts a question's answer ~0.4 above other passages, multilingual-e5-small (trained at
temperature 0.01, scale 100) only ~0.09 above, in a band of 0.8-0.9. Fine-tuning e5 at sentence-transformers'
default scale 20 leaves its positive only ~2 logits above the in-batch negatives, a near-flat softmax whose
gradients first spread the whole similarity space: on the bundled sample, one epoch at scale 20 lowered test
NDCG@10 by 0.028 where scale 50 raised it by 0.013 (BENCHMARKS.md). The rule keeps the logit gap the model
was trained with: ``scale = TARGET_LOGIT_GAP / gap``, clamped to ``SCALE_RANGE`` and rounded to 5, where
``gap`` is the mean cosine of a query with its own positive minus with the other queries' positives, measured
on up to ``SAMPLE_PAIRS`` training pairs with the base model.

``calibrated_scale(model, queries, positives) -> (scale, gap)``; ``scale_choice(loss_name, params, given, model,
train_df, data_format, seed) -> (value, reason) | None`` (None when the loss has no in-batch scale or the user gave
``scale`` / ``temperature`` or a similarity other than cosine).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Optional

TARGET_LOGIT_GAP = 8.0  # MiniLM at its scale 20 and e5 at its scale 100 both sit near 8 logits (0.4 x 20, 0.09 x 100)
SCALE_RANGE = (20.0, 100.0)
SAMPLE_PAIRS = 64


def calibrated_scale(model: Any, queries: Sequence[str], positives: Sequence[str], batch_size: int | None = None) -> tuple[float, float]:
    """``(scale, gap)`` for ``model`` on aligned ``queries`` / ``positives`` (at least two pairs)."""
    from core.evaluation.encoding import encode_corpus, encode_queries

    q = encode_queries(model, list(queries), batch_size=batch_size)
    p = encode_corpus(model, list(positives), batch_size=batch_size)
    sims = q @ p.T  # both normalised: cosine
    n = len(sims)
    own = float(sims.trace()) / n
    other = (float(sims.sum()) - own * n) / (n * n - n)
    gap = own - other
    lo, hi = SCALE_RANGE
    scale = hi if gap <= 0 else min(hi, max(lo, TARGET_LOGIT_GAP / gap))
    return float(5 * round(scale / 5)), gap


def scale_choice(loss_name: str, params: dict, given: Optional[dict], model: Any, train_df, data_format: str,
                 seed: int = 0) -> Optional[tuple[float, str]]:
    """``(scale, reason)`` for an in-batch ranking loss whose scale the user left open, else None."""
    from core import losses as L
    from core.training.negatives import as_qpn

    names = {p.name for p in L.get_loss(loss_name).params}
    given = given or {}
    if not {"scale", "temperature"} <= names or "scale" in given or given.get("temperature") is not None:
        return None
    if params.get("similarity", "cosine") != "cosine":
        return None
    rows = as_qpn(train_df, data_format)
    pairs = [(q, p[0]) for q, p in zip(rows["query"], rows["pos"]) if isinstance(q, str) and p and isinstance(p[0], str)]
    if len(pairs) < 2:
        return None
    pairs = random.Random(seed).sample(pairs, min(SAMPLE_PAIRS, len(pairs)))
    scale, gap = calibrated_scale(model, [q for q, _ in pairs], [p for _, p in pairs])
    return scale, (f"scale {scale:g} (temperature {1 / scale:.3g}): the base model puts a query's positive {gap:.2f} "
                   f"cosine above other passages ({len(pairs)} training pairs); {scale:g} x {gap:.2f} keeps the "
                   f"~{TARGET_LOGIT_GAP:g}-logit gap it was trained with")
