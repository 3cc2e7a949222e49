"""Hard-negative mining for qpn rows (``query``, ``pos`` list, ``neg`` list, + metadata).

``mine_negatives(rows, passages=None, method="bm25", model=None, num_negatives=7, rank_window=(30, 200),
sample="random", false_negative_margin_abs=None, false_negative_margin_rel=0.05, seed=42, batch_size=None,
positive_reference="max", keep_existing=False, bm25_method="lucene", max_suspects=10_000, progress=None)
-> MiningResult``; ``guard_rule(score, positive, margin_abs=None, margin_rel=None) -> "guard_abs" | "guard_rel" |
None``: the false-negative guard below for one candidate (also what the recipe's mining evidence applies).

The pool is ``passages`` (if given) plus every positive of the rows, else every positive and existing negative of
the rows; deduplicated by exact text. For each query the pool is ranked (BM25 with jieba for Chinese, a dense
model, or both), and each retrieved candidate goes through these rules, in order, each one counted in
``stats["dropped"]``:

- ``is_positive``: the candidate is a positive of this query (compared after Unicode/whitespace normalisation),
  so it is never picked; it does not take a rank.
- ``outside_window``: its rank among the non-positive candidates is outside ``rank_window = (min, max)``
  (0-based, ``min <= rank < max``; the ``min`` closest passages are skipped as likely false negatives).
- ``no_overlap`` (BM25 only): BM25 score 0, i.e. no word in common with the query (not a *hard* negative).
- ``duplicate``: same normalised text as a candidate already accepted for this query.
- ``guard_abs`` / ``guard_rel`` (the false-negative guard): ``score >= pos_score - margin_abs`` or
  ``score >= pos_score * (1 - margin_rel)``, where ``pos_score`` is the query's score against its own positives
  (``positive_reference`` = max/min/mean over its positives; BM25 score from the same index, cosine for dense).
  These are listed in ``suspected_false_negatives`` for review (the first ``max_suspects`` of them; the
  counts in ``stats`` are always complete).

Of the candidates left, ``num_negatives`` are picked (``sample="top"``: best ranked; ``"random"``: seeded sample);
the others count as ``not_sampled``. So ``considered == kept + not_sampled + sum(dropped.values())``.

``MiningResult.guard_sentence()`` says in plain words how many candidates the guard skipped and why;
``apply_review(rows, suspects, drop)`` drops the query rows of the suspects a reviewer marked.

``method="hybrid"`` ranks with BM25 and the dense model, takes the union of both windows, orders it by reciprocal
rank fusion and applies each method's guard (a candidate is suspected if either method says so).
``method="in_batch_only"`` mines nothing: rows come back with empty ``neg`` (training then relies on in-batch
negatives). Dense ranking holds no full query x pool matrix: queries go in blocks of at most 128 MB of similarities
(``SIM_CHUNK_BYTES``) with ``torch.topk`` per block.
The model's prompts (e.g. e5 ``query: `` / ``passage: ``) are applied through ``encode_query``/``encode_document``.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.builder.clean import as_records, like_input, text_key
from core.errors import ConfigError, DataError
from core.progress import ProgressFn, Tracker

METHODS = ("bm25", "dense", "hybrid", "in_batch_only")
DROP_RULES = ("is_positive", "outside_window", "no_overlap", "duplicate", "guard_abs", "guard_rel")
RRF_K = 60


@dataclass
class MiningResult:
    """``rows``: the input rows (same kind: list or DataFrame) with ``neg`` replaced by the mined negatives and
    ``neg_scores`` (the ranking method's score of each; for hybrid, the fused RRF score; None for a row that kept
    existing negatives).
    ``stats``: counts and score ranges (see ``mine_negatives``). ``suspected_false_negatives``: candidates the
    guard dropped, ``{query, candidate, score, positive_score, method, rule, rank}``. ``conflicts``: passages the
    input listed as both a positive and a negative of the same query, ``{row, query, passage}``."""

    rows: Any
    stats: dict
    suspected_false_negatives: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)

    @property
    def suspected_total(self) -> int:
        """How many candidates the false-negative guard dropped (the list may be capped, this is not)."""
        d = self.stats.get("dropped", {})
        return int(d.get("guard_abs", 0) + d.get("guard_rel", 0))

    def guard_sentence(self) -> str:
        """What the false-negative guard did, in plain words, from ``stats`` (e.g. "6,031 candidates skipped because
        they scored within 5% of the positive.")."""
        s, d = self.stats, self.stats.get("dropped", {})
        parts = []
        if s.get("margin_rel") is not None:
            parts.append(f"{int(d.get('guard_rel', 0)):,} candidates skipped because they scored within "
                         f"{float(s['margin_rel']):.0%} of the positive")
        if s.get("margin_abs") is not None:
            parts.append(f"{int(d.get('guard_abs', 0)):,} candidates skipped because they scored within "
                         f"{float(s['margin_abs']):g} of the positive's score")
        if not parts:
            return "The false-negative guard was off: no candidate was skipped for scoring close to the positive."
        return "; ".join(parts) + " (they may be right answers rather than negatives)."

    def table(self) -> str:
        """Plain-text summary of ``stats``, one fact per line in words: what was considered and kept, why the
        other candidates were left out (one line per rule that left any out), and the score ranges."""
        s = self.stats
        lines = [
            f"method: {s['method']}   queries: {s['queries']}   pool: {s['pool_size']}",
            f"candidates considered: {s['considered']}   kept: {s['kept']}   not sampled: {s['not_sampled']}",
        ]
        d = s.get("dropped", {})
        lo, hi = (s.get("rank_window") or (None, None))[:2]
        why = {"is_positive": "left out as a positive of their query",
               "outside_window": f"left out as ranked outside the rank window {lo} to {hi}",
               "no_overlap": "left out as sharing no word with the query (BM25 score 0)",
               "duplicate": "left out as repeating a negative already picked for the query",
               "guard_abs": f"left out by the false-negative guard (within {s.get('margin_abs')} of the positive's score)",
               "guard_rel": f"left out by the false-negative guard (within {float(s.get('margin_rel') or 0):.0%} of "
                            "the positive's score)"}
        lines += [f"{why[rule]}: {int(d[rule]):,}" for rule in DROP_RULES if d.get(rule)]
        lines.append(f"queries with fewer than {s['num_negatives']} negatives: {s['queries_short']}")
        for key, rng in s.get("score_ranges", {}).items():
            if rng:
                method, _, part = key.partition("_")
                scored = "cosine" if method == "dense" else method.upper()
                whose = "the kept negatives" if part == "kept" else "the queries' positives"
                lines.append(f"{scored} score of {whose}: min {rng['min']:.4g}  median {rng['median']:.4g}  "
                             f"max {rng['max']:.4g}")
        lines.append(f"suspected false negatives: {self.suspected_total}   "
                     f"positive/negative conflicts in input: {len(self.conflicts)}")
        return "\n".join(lines)


def _range(values: list[float]) -> dict | None:
    if not values:
        return None
    return {"min": float(min(values)), "median": float(statistics.median(values)), "max": float(max(values)),
            "count": len(values)}


def _load_model(model: Any):
    if model is None:
        raise ConfigError("Dense or hybrid mining needs a model; pass a SentenceTransformer or a model spec.")
    if isinstance(model, str):
        try:
            from core.models import load_model  # type: ignore

            return load_model(model)
        except ImportError:
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(model, device="cpu")
    return model


def _encode(model, texts: Sequence[str], kind: str, batch_size: int, tracker: Tracker) -> np.ndarray:
    """Embeddings (L2-normalised float32) of ``texts`` using the model's query/document prompts when it has them.
    Encoded ``8 * batch_size`` texts at a time into one preallocated matrix (no list of parts to concatenate)."""
    fn = model.encode_query if kind == "query" else model.encode_document
    out: np.ndarray | None = None
    step = max(batch_size * 8, batch_size)
    for start in range(0, len(texts), step):
        chunk = list(texts[start : start + step])
        emb = np.asarray(fn(chunk, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True,
                            show_progress_bar=False), dtype=np.float32)
        if out is None:
            out = np.empty((len(texts), emb.shape[1]), dtype=np.float32)
        out[start : start + len(chunk)] = emb
        tracker.update(len(chunk))
    if out is None:
        return np.zeros((0, 1), dtype=np.float32)
    return out


SIM_CHUNK_BYTES = 128 * 2**20  # similarity block per step of the dense top-k (queries x pool, float32)


def _dense_topk(q_emb: np.ndarray, p_emb: np.ndarray, k: int,
                max_bytes: int = SIM_CHUNK_BYTES) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` cosine neighbours per query, computed block by block: each step scores as many queries as fit
    in ``max_bytes`` of float32 similarities against the whole pool (at least one, at most 512), keeps their
    top ``k`` and drops the block, so memory stays flat in the number of queries (never the full query x pool
    matrix)."""
    import torch

    k = min(k, p_emb.shape[0])
    rows = int(max(1, min(512, max_bytes // max(1, 4 * p_emb.shape[0]))))
    P = torch.from_numpy(np.ascontiguousarray(p_emb, dtype=np.float32))
    idx = np.zeros((q_emb.shape[0], k), dtype=np.int64)
    sc = np.zeros((q_emb.shape[0], k), dtype=np.float32)
    with torch.inference_mode():
        for s in range(0, q_emb.shape[0], rows):
            sims = torch.from_numpy(np.ascontiguousarray(q_emb[s : s + rows], dtype=np.float32)) @ P.T
            v, i = torch.topk(sims, k, dim=1)
            idx[s : s + rows] = i.numpy()
            sc[s : s + rows] = v.numpy()
            del sims
    return idx, sc


def guard_rule(score: float, positive: float, margin_abs: float | None = None,
               margin_rel: float | None = None) -> str | None:
    """The false-negative guard for one candidate: ``"guard_abs"`` when ``score >= positive - margin_abs``,
    ``"guard_rel"`` when ``score >= positive * (1 - margin_rel)``, else None (a safe negative). ``positive``: the
    query's score against its own positive(s)."""
    if margin_abs is not None and score >= positive - margin_abs:
        return "guard_abs"
    if margin_rel is not None and score >= positive * (1 - margin_rel):
        return "guard_rel"
    return None


def mine_negatives(
    rows: Any,
    passages: Sequence[str] | None = None,
    method: str = "bm25",
    model: Any = None,
    num_negatives: int = 7,
    rank_window: tuple[int, int] = (30, 200),
    sample: str = "random",
    false_negative_margin_abs: float | None = None,
    false_negative_margin_rel: float | None = 0.05,
    seed: int = 42,
    batch_size: int | None = None,
    positive_reference: str = "max",
    keep_existing: bool = False,
    bm25_method: str = "lucene",
    max_suspects: int | None = 10_000,
    progress: ProgressFn | None = None,
) -> MiningResult:
    """Mine hard negatives for every row (see the module docstring for the rules). Returns a ``MiningResult``."""
    if method not in METHODS:
        raise ConfigError(f"Unknown mining method '{method}'; expected one of {', '.join(METHODS)}.")
    if sample not in ("random", "top"):
        raise ConfigError(f"Unknown sampling '{sample}'; expected 'random' or 'top'.")
    if positive_reference not in ("max", "min", "mean"):
        raise ConfigError(f"positive_reference is '{positive_reference}'; expected 'max', 'min' or 'mean'.")
    lo, hi = int(rank_window[0]), int(rank_window[1])
    if lo < 0 or hi <= lo:
        raise ConfigError(f"rank_window {rank_window} is invalid; expected (min, max) with 0 <= min < max.")
    if num_negatives < 0:
        raise ConfigError(f"num_negatives is {num_negatives}; expected 0 or more.")
    if false_negative_margin_rel is not None and not (0 <= false_negative_margin_rel < 1):
        raise ConfigError(f"false_negative_margin_rel is {false_negative_margin_rel}; expected a value in [0, 1).")
    if batch_size is not None and batch_size < 1:
        raise ConfigError(f"batch_size is {batch_size}; expected 1 or more.")

    records = as_records(rows)
    for i, r in enumerate(records, start=1):
        if not any(p.strip() for p in r["pos"]):
            raise DataError(f"Row {i} (query {r['query'][:60]!r}) has no positive passage; mining needs one "
                            "(run clean first to drop such rows).")

    # Conflicts: passages given as both positive and negative of one query.
    conflicts = []
    pos_keys_per_row = [{text_key(p) for p in r["pos"]} for r in records]
    for i, r in enumerate(records):
        for n in r["neg"]:
            if text_key(n) in pos_keys_per_row[i]:
                conflicts.append({"row": i + 1, "query": r["query"], "passage": n})

    base_stats = {"method": method, "queries": len(records), "num_negatives": num_negatives,
                  "rank_window": [lo, hi], "sample": sample, "margin_abs": false_negative_margin_abs,
                  "margin_rel": false_negative_margin_rel, "positive_reference": positive_reference}
    if method == "in_batch_only":
        for r in records:
            r["neg"] = []
            r.pop("neg_scores", None)
        stats = {**base_stats, "pool_size": 0, "considered": 0, "kept": 0, "not_sampled": 0,
                 "dropped": {k: 0 for k in DROP_RULES}, "queries_short": 0, "score_ranges": {},
                 "existing_kept": 0}
        return MiningResult(like_input(records, rows), stats, [], conflicts)

    # ---- pool
    pool: list[str] = []
    pool_ix: dict[str, int] = {}

    def add(t: str) -> None:
        if t.strip() and t not in pool_ix:
            pool_ix[t] = len(pool)
            pool.append(t)

    if passages is not None:
        for t in passages:
            add(str(t))
        for r in records:
            for p in r["pos"]:
                add(p)
    else:
        for r in records:
            for p in r["pos"]:
                add(p)
        for r in records:
            for n in r["neg"]:
                add(n)
    pool_keys = [text_key(t) for t in pool]
    key_to_ix: dict[str, list[int]] = {}
    for j, k in enumerate(pool_keys):
        key_to_ix.setdefault(k, []).append(j)
    pos_ix_per_row = [sorted({j for k in keys for j in key_to_ix.get(k, [])}) for keys in pos_keys_per_row]
    max_pos = max((len(p) for p in pos_ix_per_row), default=0)
    K = min(len(pool), hi + max_pos)
    queries = [r["query"] for r in records]

    methods = ["bm25", "dense"] if method == "hybrid" else [method]
    ranked: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    pos_ref: dict[str, list[float]] = {}
    scorer: dict[str, Any] = {}

    def reduce(vals: np.ndarray) -> float:
        if len(vals) == 0:
            return float("nan")
        return float({"max": np.max, "min": np.min, "mean": np.mean}[positive_reference](vals))

    if "bm25" in methods:
        from core.builder.bm25 import BM25Index

        index = BM25Index(pool, method=bm25_method, progress=progress)
        ranked["bm25"] = index.search(queries, K, batch_size=max(batch_size or 0, 1000), progress=progress)
        qids = index.query_ids(queries)
        pos_ref["bm25"] = [reduce(index.score_ids(qids[i], pos_ix_per_row[i])) for i in range(len(records))]
        scorer["bm25"] = lambda qi, ix: index.score_ids(qids[qi], ix)
    if "dense" in methods:
        from core.evaluation.encoding import encode_batch

        st = _load_model(model)
        tracker = Tracker("embed", len(pool) + len(queries), progress)
        batch_size = encode_batch(st, batch_size)  # the device's size unless given (one rule for every search)
        p_emb = _encode(st, pool, "document", batch_size, tracker)
        q_emb = _encode(st, queries, "query", batch_size, tracker)
        ranked["dense"] = _dense_topk(q_emb, p_emb, K)
        pos_ref["dense"] = [reduce(p_emb[pos_ix_per_row[i]] @ q_emb[i]) for i in range(len(records))]
        scorer["dense"] = lambda qi, ix: p_emb[np.asarray(ix, dtype=np.int64)] @ q_emb[qi]

    dropped = {k: 0 for k in DROP_RULES}
    considered = kept_total = not_sampled = queries_short = existing_kept = 0
    kept_scores: dict[str, list[float]] = {m: [] for m in methods}
    suspects: list[dict] = []
    tracker = Tracker("mine", len(records), progress)

    for qi, rec in enumerate(records):
        pos_set = set(pos_ix_per_row[qi])
        ranks: dict[int, dict[str, int]] = {}
        scores: dict[int, dict[str, float]] = {}
        positives_seen: set[int] = set()
        for m in methods:
            idx_row, sc_row = ranked[m][0][qi], ranked[m][1][qi]
            r = 0
            for j, s in zip(idx_row.tolist(), sc_row.tolist()):
                if j in pos_set:
                    positives_seen.add(j)
                    continue
                ranks.setdefault(j, {})[m] = r
                scores.setdefault(j, {})[m] = float(s)
                r += 1
        considered += len(positives_seen) + len(ranks)
        dropped["is_positive"] += len(positives_seen)

        in_window = [j for j, rk in ranks.items() if any(lo <= v < hi for v in rk.values())]
        dropped["outside_window"] += len(ranks) - len(in_window)
        # fill in the other method's score (hybrid) so each guard can be applied
        if len(methods) > 1:
            for m in methods:
                missing = [j for j in in_window if m not in scores[j]]
                if missing:
                    for j, s in zip(missing, scorer[m](qi, missing).tolist()):
                        scores[j][m] = float(s)

        def fused(j: int, ranks=ranks) -> float:
            return sum(1.0 / (RRF_K + v) for v in ranks[j].values())

        in_window.sort(key=lambda j: (-fused(j), j))
        eligible: list[int] = []
        seen_keys: set[str] = set()
        for j in in_window:
            sj = scores[j]
            if method == "bm25" and sj["bm25"] <= 0:
                dropped["no_overlap"] += 1
                continue
            if pool_keys[j] in seen_keys:
                dropped["duplicate"] += 1
                continue
            rule = None
            for m in methods:
                ref = pos_ref[m][qi]
                if np.isnan(ref):
                    continue
                rule = guard_rule(sj[m], ref, false_negative_margin_abs, false_negative_margin_rel)
                if rule:
                    if max_suspects is None or len(suspects) < max_suspects:
                        suspects.append({"row": qi + 1, "query": rec["query"], "candidate": pool[j], "score": sj[m],
                                         "positive_score": ref, "method": m, "rule": rule,
                                         "rank": ranks[j].get(m, min(ranks[j].values()))})
                    break
            if rule:
                dropped[rule] += 1
                continue
            seen_keys.add(pool_keys[j])
            eligible.append(j)

        chosen_existing: list[str] = []
        if keep_existing:
            ex_seen: set[str] = set()
            for n in rec["neg"]:
                k = text_key(n)
                if n.strip() and k not in pos_keys_per_row[qi] and k not in ex_seen:
                    ex_seen.add(k)
                    chosen_existing.append(n)
            chosen_existing = chosen_existing[:num_negatives]
            before = len(eligible)
            eligible = [j for j in eligible if pool_keys[j] not in ex_seen]
            dropped["duplicate"] += before - len(eligible)  # already there as an existing negative
        slots = num_negatives - len(chosen_existing)
        if sample == "top" or len(eligible) <= slots:
            picked = eligible[:slots]
        else:
            rng = random.Random(f"{seed}:{qi}")
            picked = sorted(rng.sample(eligible, slots), key=eligible.index)
        not_sampled += len(eligible) - len(picked)
        kept_total += len(picked)
        existing_kept += len(chosen_existing)
        for j in picked:
            for m in methods:
                kept_scores[m].append(scores[j][m])
        rec["neg"] = chosen_existing + [pool[j] for j in picked]
        main = methods[0] if len(methods) == 1 else None
        # existing negatives have no mined score: such a row gets no neg_scores rather than a partial list
        rec["neg_scores"] = None if chosen_existing else [scores[j][main] if main else fused(j) for j in picked]
        if len(rec["neg"]) < num_negatives:
            queries_short += 1
        tracker.update(1)

    score_ranges = {}
    for m in methods:
        score_ranges[f"{m}_kept"] = _range(kept_scores[m])
        score_ranges[f"{m}_positive"] = _range([v for v in pos_ref[m] if not np.isnan(v)])
    stats = {**base_stats, "pool_size": len(pool), "considered": considered, "kept": kept_total,
             "not_sampled": not_sampled, "dropped": dropped, "queries_short": queries_short,
             "score_ranges": score_ranges, "existing_kept": existing_kept, "bm25_method": bm25_method}
    return MiningResult(like_input(records, rows), stats, suspects, conflicts)


def apply_review(rows: Any, suspects: Sequence[dict], drop: Sequence[int]) -> tuple[Any, list[int]]:
    """Act on the suspected-false-negative review: the query row of each suspect whose index (into ``suspects``)
    is in ``drop`` leaves the set (its query has another passage scoring about as high as its positive, so it is
    ambiguous); every other row stays. Returns ``(rows, dropped_row_numbers)`` (1-based, sorted); rows keep their
    kind and order. Raises DataError for an index that is not a suspect, or a suspect whose row is not in
    ``rows`` any more (the rows changed since mining), before dropping anything."""
    records = as_records(rows)
    gone: set[int] = set()
    for k in sorted(set(int(x) for x in drop)):
        if not 0 <= k < len(suspects):
            raise DataError(f"Suspect {k} is not in the review list (it has {len(suspects)} suspects, numbered 0 to "
                            f"{len(suspects) - 1}).")
        sus = suspects[k]
        row = int(sus.get("row") or 0)
        if not 1 <= row <= len(records) or records[row - 1]["query"] != sus.get("query"):
            raise DataError(f"Suspect {k} belongs to row {row} (query {str(sus.get('query'))[:60]!r}), which is not in "
                            "the rows any more; mine again before reviewing.")
        gone.add(row)
    kept = [r for i, r in enumerate(records, start=1) if i not in gone]
    return like_input(kept, rows), sorted(gone)
