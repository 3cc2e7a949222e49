"""Split qpn rows into train/validation/test, and build an IR retrieval set from a split.

- ``split_rows(rows, ratios=(0.8, 0.1, 0.1), seed=42, group_by=None, names=None) -> dict[str, rows]``: seeded.
  Three ratios give ``train``/``validation``/``test``, two give ``train``/``test`` (or pass ``names``). Without
  ``group_by`` rows are shuffled and cut at the ratio boundaries. With ``group_by`` (a column name) every group
  goes whole into one split: groups are shuffled, then placed largest first into the split furthest below its
  target row count, which hits the ratios approximately while never splitting a group. Rows with an empty group
  value count as their own one-row group. Row order inside each split follows the input order.
  Without ``group_by``, each split with a positive ratio gets at least one row when there are enough rows
  (``split_sizes``); ``empty_split_warnings(parts, ratios)`` words any split that is still empty.
- ``build_retrieval_set(splits, split="test") -> RetrievalSet`` (``core.data.retrieval``): ``corpus`` = every passage (positives and
  negatives) of every split, deduplicated by text, ids ``d0, d1, ...`` in first-seen order; ``queries`` and
  ``qrels`` (``{qid: {docid: 1}}``, one entry per positive) from the chosen split, ids ``q0, q1, ...``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.builder.clean import as_records, like_input
from core.data.retrieval import RetrievalSet  # noqa: F401  (re-exported: the one retrieval-set type)
from core.errors import ConfigError, DataError


def _names_for(ratios: Sequence[float], names: Sequence[str] | None) -> list[str]:
    if names is not None:
        if len(names) != len(ratios):
            raise ConfigError(f"{len(names)} split names were given for {len(ratios)} ratios; give one name per ratio.")
        if len(set(names)) != len(names):
            raise ConfigError(f"Split names {list(names)} repeat; each split needs its own name.")
        return list(names)
    if len(ratios) == 3:
        return ["train", "validation", "test"]
    if len(ratios) == 2:
        return ["train", "test"]
    if len(ratios) == 1:
        return ["train"]
    raise ConfigError(f"{len(ratios)} ratios were given without names; give 2 or 3 ratios, or names for each.")


def parse_ratios(text: str) -> tuple[float, ...]:
    """Parse ``"8:1:1"``, ``"0.8,0.1,0.1"`` or ``"95/5"`` into ratios that sum to 1."""
    parts = [p for p in text.replace(",", ":").replace("/", ":").split(":") if p.strip()]
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise ConfigError(f"Split ratios '{text}' are not numbers; expected something like 8:1:1 or 0.95:0.05.") from None
    return _normalise(vals, text)


def _normalise(vals: Sequence[float], shown: Any) -> tuple[float, ...]:
    if not vals or any((not math.isfinite(v)) or v < 0 for v in vals) or sum(vals) <= 0:
        raise ConfigError(f"Split ratios {shown} are invalid; expected non-negative numbers with a positive sum.")
    total = float(sum(vals))
    return tuple(v / total for v in vals)


def group_value(v: Any) -> Any:
    """A cell's split group: None for a missing one (None, NaN, blank text, an empty list or object), which is a
    group of its own row; a list as a tuple; any other value as it is. The one blank rule for every split that keeps
    groups together (``core.training.data.group_keys``, ``core.data.beir_import.query_groups``)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str) and not v.strip():
        return None
    if isinstance(v, (list, tuple, dict, np.ndarray)) and len(v) == 0:
        return None
    if isinstance(v, (list, np.ndarray)):
        return tuple(v)
    return v


def split_sizes(n: int, ratios: Sequence[float]) -> list[int]:
    """Rows per split for ``n`` rows: the ratios' rounded cut points, then every split with a positive ratio gets
    at least one row taken from the largest split while that one keeps a row (the last split, usually test, is
    served first), so small data never gets an empty test split while it could have one."""
    bounds = [int(b) for b in np.round(np.cumsum(ratios) * n)]
    sizes = [b - a for a, b in zip([0] + bounds[:-1], bounds)]
    wanted = [s for s in range(len(ratios)) if ratios[s] > 0]
    for s in reversed(wanted):
        if sizes[s] < 1:
            donor = max(range(len(sizes)), key=lambda k: (sizes[k], -k))
            if sizes[donor] > 1:
                sizes[donor] -= 1
                sizes[s] += 1
    return sizes


def empty_split_warnings(parts: dict[str, Any], ratios: Sequence[float] | None = None) -> list[str]:
    """A sentence for each split that came out empty although it was asked for (ratio > 0, or every split when
    ``ratios`` is not given), e.g. "The test split is empty: 2 rows are too few for 3 splits; ...".
    Empty list when every asked-for split has rows."""
    names = list(parts)
    sizes = {k: len(as_records(v)) for k, v in parts.items()}
    total = sum(sizes.values())
    asked = [k for i, k in enumerate(names) if ratios is None or (i < len(ratios) and ratios[i] > 0)]
    out = []
    for k in asked:
        if not sizes[k]:
            out.append(f"The {k} split is empty: {total} row{'s' if total != 1 else ''} "
                       f"{'are' if total != 1 else 'is'} too few to give each of the {len(asked)} splits one, "
                       f"or its group would not fit; add data or change the ratios.")
    return out


def split_rows(
    rows: Any,
    ratios: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 42,
    group_by: str | None = None,
    names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Split ``rows`` (list of dicts or DataFrame) into named parts (same kind as the input) by ``ratios``."""
    ratios = _normalise(list(ratios), list(ratios))
    split_names = _names_for(ratios, names)
    records = as_records(rows)
    n = len(records)
    rng = random.Random(seed)
    assign = [0] * n
    if group_by is None:
        order = list(range(n))
        rng.shuffle(order)
        sizes = split_sizes(n, ratios)
        start = 0
        for s, size in enumerate(sizes):
            for i in order[start:start + size]:
                assign[i] = s
            start += size
    else:
        if n and not any(group_by in r for r in records):
            cols = sorted({k for r in records for k in r})
            raise DataError(f"The rows have no '{group_by}' column to group by (columns: {', '.join(cols)}).")
        groups: dict[Any, list[int]] = {}
        for i, r in enumerate(records):
            g = group_value(r.get(group_by))
            groups.setdefault(("__row__", i) if g is None else ("g", g), []).append(i)
        keys = list(groups)
        rng.shuffle(keys)
        keys.sort(key=lambda k: -len(groups[k]))  # stable: random order among equal sizes
        targets = [r * n for r in ratios]
        filled = [0] * len(ratios)
        for k in keys:
            size = len(groups[k])
            # the split with the largest remaining room (ties -> earlier split); zero-ratio splits get nothing
            best = max(
                (s for s in range(len(ratios)) if ratios[s] > 0),
                key=lambda s: (targets[s] - filled[s], -s),
            )
            filled[best] += size
            for i in groups[k]:
                assign[i] = best
    out: dict[str, list[dict]] = {name: [] for name in split_names}
    for i, r in enumerate(records):
        out[split_names[assign[i]]].append(r)
    return {name: like_input(part, rows) for name, part in out.items()}


def build_retrieval_set(splits: dict[str, Any], split: str = "test") -> RetrievalSet:
    """Corpus from every split's passages (deduplicated by text), queries and qrels from ``splits[split]``."""
    if split not in splits:
        raise ConfigError(f"There is no '{split}' split to evaluate on; splits present: {', '.join(splits)}.")
    corpus: dict[str, str] = {}
    doc_id: dict[str, str] = {}

    def did(text: str) -> str:
        d = doc_id.get(text)
        if d is None:
            d = doc_id[text] = f"d{len(doc_id)}"
            corpus[d] = text
        return d

    recs = {name: as_records(part) for name, part in splits.items()}
    for part in recs.values():
        for r in part:
            for t in r["pos"] + r["neg"]:
                if t.strip():
                    did(t)
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for r in recs[split]:
        pos = [t for t in r["pos"] if t.strip()]
        if not r["query"].strip() or not pos:
            continue
        qid = f"q{len(queries)}"
        queries[qid] = r["query"]
        qrels[qid] = {did(t): 1 for t in pos}
    return RetrievalSet(corpus=corpus, queries=queries, qrels=qrels)
