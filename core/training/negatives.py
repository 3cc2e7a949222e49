"""Hard negatives for a run whose data has none: mined with the base model before training, guarded.

``wants_mining(data_format, df, loss_spec) -> bool``: the data can take mined negatives — (query, positive) pairs,
or query-pos-neg rows with no negative anywhere — and the loss uses in-batch negatives (MNRL, Cached MNRL, GIST…),
which take a hard negative as one more column.

``mine_for_training(df, data_format, model, passages=(), exclude=(), num_negatives=1, seed=42, progress=None)
-> MinedNegatives``: the training rows as query-pos-neg (``query``, ``pos`` list, ``neg`` list) with ``neg``
mined by ``core.builder.negatives.mine_negatives`` with the base model (dense, the model's own prompts), and a
one-line summary for the run's log.

The rule (NV-Retriever's "TopK-PercPos", the project miner's defaults): for each query the pool (every training
positive plus the knowledge-base ``passages``, minus ``exclude`` — validation and test passages, so the model is
never pushed away from what it is evaluated on) is ranked by the base model; a candidate scoring within 5% of the
query's own positive is skipped as a likely false negative (an unlabelled second answer), and the best-ranked
remaining candidate in the top 30 becomes the row's negative. A query with no such candidate keeps in-batch
negatives only (a random passage fills its slot, as for any query-pos-neg row lacking a negative).

Why by default: in-batch negatives of a small batch are mostly easy (other topics); a mined negative is the
passage the base model confuses with the answer, which is what retrieval fine-tuning has to fix. Each extra text
per row costs a third more compute per step on CPU, so one negative per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.progress import ProgressFn

MARGIN_REL = 0.05  # false-negative guard: skip candidates within 5% of the positive's score
RANK_WINDOW = (0, 30)  # candidates considered per query (0-based ranks among non-positives)
MIN_POOL = 64  # below this many passages, in-batch negatives already cover the pool


@dataclass
class MinedNegatives:
    """``rows``: query-pos-neg frame ready for ``training_dataset(rows, "qpn", ...)``; ``mined``: rows that got a
    mined negative; ``guarded``: candidates the false-negative guard skipped; ``pool``: passages ranked."""

    rows: pd.DataFrame
    mined: int
    guarded: int
    pool: int

    def summary(self) -> str:
        return (f"hard negatives: {self.mined} of {len(self.rows)} training queries got one mined with the base model "
                f"from {self.pool} passages; {self.guarded} candidates within {MARGIN_REL:.0%} of the positive's score "
                f"were skipped as likely unlabelled answers")


def can_mine(data_format: str, df: pd.DataFrame | None) -> bool:
    """The data has no negatives to train on: (query, positive) pairs or negative-less query-pos-neg rows."""
    if df is None or not len(df):
        return False
    if data_format == "pair":
        return {"anchor", "positive"} <= set(df.columns)
    if data_format == "qpn":
        return "neg" in df.columns and not any(len(n if n is not None else []) for n in df["neg"])
    return False


def wants_mining(data_format: str, df: pd.DataFrame | None, loss_spec: Any) -> bool:
    """``can_mine`` and the loss takes a negative column beside its in-batch negatives."""
    return bool(can_mine(data_format, df) and getattr(loss_spec, "in_batch_negatives", False)
                and "triplet" in getattr(loss_spec, "formats", ()))


def as_qpn(df: pd.DataFrame, data_format: str) -> pd.DataFrame:
    """Pairs or query-pos-neg rows as ``query`` / ``pos`` (list) / ``neg`` (list) rows, one per query."""
    if data_format == "qpn":
        return df[["query", "pos", "neg"]].copy()
    grouped: dict[str, list[str]] = {}
    for a, p in zip(df["anchor"].tolist(), df["positive"].tolist()):
        if isinstance(a, str) and isinstance(p, str):
            grouped.setdefault(a, [])
            if p not in grouped[a]:
                grouped[a].append(p)
    return pd.DataFrame({"query": list(grouped), "pos": list(grouped.values()), "neg": [[] for _ in grouped]})


def pool_size(df: pd.DataFrame, data_format: str, passages: Sequence[str] = ()) -> int:
    """Distinct passages mining could rank before exclusions and cap (training positives + knowledge base)."""
    return len(mining_pool(df, data_format, passages))


def mining_pool(df: pd.DataFrame, data_format: str, passages: Sequence[str] = (), exclude: Iterable[str] = (),
                max_pool: int | None = None, seed: int = 42) -> list[str]:
    """The passages mining ranks: every training positive, plus the knowledge-base ``passages`` that are not in
    ``exclude`` (validation and test passages), sampled (seeded) down to ``max_pool`` passages in all."""
    rows = as_qpn(df, data_format)
    banned = {t for t in exclude if isinstance(t, str)}
    positives = list(dict.fromkeys(t for ts in rows["pos"] for t in ts))
    known = set(positives)
    others = [p for p in dict.fromkeys(passages) if isinstance(p, str) and p not in banned and p not in known]
    if max_pool is not None and len(positives) + len(others) > max_pool:
        import random

        others = random.Random(seed).sample(others, max(0, max_pool - len(positives)))
    return positives + others


def planned_pool(config: Any, splits: Any, loss_name: str) -> tuple[list[str], list[str]] | None:
    """``(pool, held-out passages)`` a run mines from, or None when it does not mine (``data.hard_negatives`` is
    not ``mined``, or ``wants_mining`` says no). The one rule for the runner and the estimate: the training
    positives plus ``data.corpus``, minus validation and test passages, capped like validation."""
    from core import losses as L
    from core.training.evaluators import corpus_passages, row_passages

    if config.data.hard_negatives != "mined" or not wants_mining(splits.format, splits.train, L.LOSSES.get(loss_name)):
        return None
    passages = corpus_passages(config.data.corpus) if config.data.corpus else []
    held_out = row_passages(splits.validation, splits.format) + row_passages(splits.test, splits.format)
    pool = mining_pool(splits.train, splits.format, passages, held_out, config.eval.max_eval_passages, config.seed)
    return pool, held_out


def mine_for_training(df: pd.DataFrame, data_format: str, model: Any, passages: Sequence[str] = (),
                      exclude: Iterable[str] = (), num_negatives: int = 1, seed: int = 42, batch_size: int = 64,
                      max_pool: int | None = None, progress: ProgressFn | None = None) -> MinedNegatives:
    """Mine ``num_negatives`` hard negatives per training query with ``model`` (see the module docstring) over
    ``mining_pool(df, data_format, passages, exclude, max_pool, seed)``."""
    from core.builder.negatives import mine_negatives

    rows = as_qpn(df, data_format)
    banned = {t for t in exclude if isinstance(t, str)}
    pool = mining_pool(df, data_format, passages, banned, max_pool, seed)
    result = mine_negatives(rows, passages=pool, method="dense", model=model, num_negatives=num_negatives,
                            rank_window=RANK_WINDOW, sample="top", false_negative_margin_rel=MARGIN_REL, seed=seed,
                            batch_size=batch_size, max_suspects=0, progress=progress)
    out = result.rows if isinstance(result.rows, pd.DataFrame) else pd.DataFrame(result.rows)
    out = out[["query", "pos", "neg"]].copy()
    # a validation/test passage that is also a training positive is never a negative
    out["neg"] = [[n for n in (ns if ns is not None else []) if n not in banned] for ns in out["neg"]]
    mined = int(sum(1 for ns in out["neg"] if len(ns)))
    return MinedNegatives(out.reset_index(drop=True), mined, int(result.suspected_total), len(pool))
