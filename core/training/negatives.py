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

When: a mined negative helps when it is the passage the base model confuses with the answer and the guard lets
it through; it costs a third more compute per step (one more text per row). So the recipe plans mining and the
runner decides once the base model is loaded: ``negatives_evidence(model, validation, format, pool, batch, scale)
-> NegativesEvidence`` ranks up to 64 validation queries' answers against 1,000 pool passages, and
``NegativesEvidence.choice()`` mines only when a query's mined negative would hold at least ``MINED_SHARE`` of its
batch's wrong-passage softmax weight and the guard would not hand multi-answer queries their own answers
(``FALSE_NEGATIVE_LIMIT``). On the shared sets it says in-batch (bench/negatives_choice.py, BENCHMARKS.md).

The data's own negatives (query-pos-neg rows that bring them) are weighed by the same rule: the recipe plans one
per row (``data.neg_nums`` 1) and ``own_evidence(model, train, batch, scale) -> NegativesEvidence`` scores a
seeded sample of training rows; a row's negative that is no closer to its query than another row's answer costs a
third more compute for nothing to learn, and the run trains on in-batch negatives only (``data.neg_nums`` 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
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


def takes_negative_column(loss_spec: Any) -> bool:
    """The loss (a ``core.losses`` spec) takes a hard-negative column beside its in-batch negatives."""
    return bool(getattr(loss_spec, "in_batch_negatives", False) and "triplet" in getattr(loss_spec, "formats", ()))


def wants_mining(data_format: str, df: pd.DataFrame | None, loss_spec: Any) -> bool:
    """``can_mine`` and the loss takes a negative column beside its in-batch negatives."""
    return can_mine(data_format, df) and takes_negative_column(loss_spec)


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
    positives plus ``data.corpus``, minus validation and test passages, at most ``config.MAX_EVAL_PASSAGES``: mining
    encodes its pool once, so the recipe's cap on validation's repeated searches (``recipe.pool_choice``) does
    not thin the candidates a negative is drawn from."""
    from core import losses as L
    from core.training.evaluators import corpus_passages, row_passages

    if config.data.hard_negatives != "mined" or not wants_mining(splits.format, splits.train, L.LOSSES.get(loss_name)):
        return None
    from core.training.config import MAX_EVAL_PASSAGES

    passages = corpus_passages(config.data.corpus) if config.data.corpus else []
    held_out = row_passages(splits.validation, splits.format) + row_passages(splits.test, splits.format)
    pool = mining_pool(splits.train, splits.format, passages, held_out, MAX_EVAL_PASSAGES, config.seed)
    return pool, held_out


def mine_for_training(df: pd.DataFrame, data_format: str, model: Any, passages: Sequence[str] = (),
                      exclude: Iterable[str] = (), num_negatives: int = 1, seed: int = 42, batch_size: int | None = None,
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


# ------------------------------------------------------------------------------------------- the choice


def measures_mining(plan) -> bool:
    """The recipe filled ``data.hard_negatives`` with ``mined``: the run measures on the validation queries whether
    to go ahead (the runner's ``negatives_evidence`` call, and the estimate's note on the mining it counts)."""
    return any(c.key == "data.hard_negatives" and c.value == "mined" for c in plan.choices)

EVIDENCE_QUERIES = 64  # validation queries the choice reads (seeded sample)
EVIDENCE_POOL = 1000  # mining-pool passages they are ranked against (seeded sample)
MINED_SHARE = 0.5  # mine when a row's mined negative holds at least half the pull of all its batch's wrong passages
FALSE_NEGATIVE_LIMIT = 0.2  # ... and the guard lets through a labelled answer for fewer than this share of queries
MIN_MULTI = 10  # queries with a second labelled answer needed to measure that share


@dataclass
class NegativesEvidence:
    """What the base model says about mined negatives on the run's validation queries (see ``negatives_evidence``).

    ``in_batch_loss`` / ``mined_loss``: the mean in-batch ranking loss (MNRL) a validation query would have at the
    run's scale and batch with in-batch negatives only / with mined negatives (its own, and the other rows' as
    more in-batch ones); ``share``: of the softmax weight a query's wrong passages hold in a batch with mined
    negatives (what its gradient pushes away), the part its own mined negative holds: 1/(2·batch − 1) when mined
    negatives are no harder than random passages, near 1 when they are what the base model confuses with the
    answer. ``multi``: queries with more than one labelled answer; ``leaked``: how many of them would get one of
    their own answers as the mined negative (a false negative the guard lets through); ``found``: queries the
    guard leaves a candidate for in the top 30 (the others get a random passage in the mined slot)."""

    queries: int
    pool: int
    batch: int
    scale: float
    in_batch_loss: float
    mined_loss: float
    share: float
    multi: int = 0
    leaked: int = 0
    found: int = 0
    source: str = "mined"  # "mined": negatives mining would add; "own": the negatives the data brings

    @property
    def leak_rate(self) -> float | None:
        return self.leaked / self.multi if self.multi >= MIN_MULTI else None

    @property
    def key(self) -> str:
        """The config key ``choice`` decides: ``data.hard_negatives`` (mining) or ``data.neg_nums`` (own)."""
        return "data.neg_nums" if self.source == "own" else "data.hard_negatives"

    def choice(self) -> tuple[str | int, str]:
        """``(value of self.key, one sentence why)``, the numbers in the sentence. The same rule for both
        sources: a negative column is worth its third more compute per step when a row's negative holds at least
        ``MINED_SHARE`` of the wrong-passage weight its gradient pushes away."""
        if self.source == "own":
            detail = (f"on {self.queries} training rows the base model's loss at batch {self.batch}, scale {self.scale:g} "
                      f"is {self.in_batch_loss:.3f} with in-batch negatives and {self.mined_loss:.3f} with the data's own; "
                      f"a row's own negative holds {self.share:.0%} of its wrong passages' weight (a random passage "
                      f"of its language: {1 / (2 * self.batch - 1):.0%})")
            if self.share < MINED_SHARE:
                return 0, (f"in-batch negatives only: the data's own negatives would be little harder than in-batch "
                           f"ones, for a third more compute per step; {detail}")
            return 1, f"1 of the data's own hard negatives per query: {detail}"
        detail = (f"on {self.queries} validation queries the base model's loss at batch {self.batch}, scale "
                  f"{self.scale:g} is {self.in_batch_loss:.3f} with in-batch negatives and {self.mined_loss:.3f} with "
                  f"mined ones; a query's mined negative holds {self.share:.0%} of its wrong passages' weight "
                  f"({self.pool:,} passages ranked; {self.found} of {self.queries} queries get a candidate past the guard)")
        leak = self.leak_rate
        if leak is not None and leak >= FALSE_NEGATIVE_LIMIT:
            return "off", (f"in-batch negatives only: mining would pick one of the query's own labelled answers as its "
                           f"negative for {self.leaked} of {self.multi} validation queries with several answers; {detail}")
        if self.share < MINED_SHARE:
            return "off", (f"in-batch negatives only: mined negatives would be little harder than in-batch ones, for a "
                           f"third more compute per step; {detail}")
        return "mined", (f"1 mined hard negative per query (top 30, candidates within {MARGIN_REL:.0%} of the "
                         f"positive's score skipped as likely unlabelled answers): {detail}")


def _wrong_weight(pos: float, others: np.ndarray, scale: float) -> float:
    """Expected softmax weight (relative to the positive's) of one passage like ``others`` (their mean)."""
    return float(np.exp(scale * (others.astype(np.float64) - pos)).mean()) if len(others) else 0.0


def _batch_losses(weights: Sequence[tuple[float, float]], batch: int) -> dict:
    """``in_batch_loss``, ``mined_loss`` and ``share`` of ``NegativesEvidence`` from each query's ``(hard, random)``
    softmax weights relative to its positive: its own negative's, and one random passage's (what the batch's
    other rows' positives and negatives count as)."""
    in_batch, with_negative, own_weight, all_weight = [], [], 0.0, 0.0
    for hard, random_one in weights:
        rest = 2 * (batch - 1) * random_one  # the other rows' positives and negatives
        in_batch.append(math.log1p((batch - 1) * random_one))
        with_negative.append(math.log1p(rest + hard))
        own_weight += hard
        all_weight += hard + rest
    return {"in_batch_loss": float(np.mean(in_batch)), "mined_loss": float(np.mean(with_negative)),
            "share": own_weight / all_weight if all_weight > 0 else 0.0}


def negatives_evidence(model: Any, validation: pd.DataFrame, data_format: str, pool: Sequence[str], batch: int,
                       scale: float, seed: int = 42, max_queries: int = EVIDENCE_QUERIES,
                       max_pool: int = EVIDENCE_POOL) -> NegativesEvidence | None:
    """Score the mined-negatives choice on up to ``max_queries`` validation queries (seeded) with the base
    ``model``: each query's first best-graded passage is its positive, ranked against a seeded sample of the mining
    ``pool`` (up to ``max_pool`` passages) and the query's other passages of that grade. Its mined negative is what
    mining would pick (the best-ranked candidate in the top 30 scoring below 95% of the positive); the losses are
    MNRL's at ``scale`` and ``batch`` (in-batch negatives as the pool's expected exp-sum; with mined negatives the
    batch also holds the other rows' negatives). None when there are no validation queries or pool."""
    import random

    from core.builder.negatives import guard_rule
    from core.evaluation.encoding import encode_corpus, encode_queries
    from core.evaluation.evalset import from_dataframe
    from core.training.evaluators import EVAL_NAME

    if validation is None or not len(validation) or not pool:
        return None
    try:
        ev = from_dataframe(validation, data_format, name=EVAL_NAME)
    except Exception:  # not retrieval rows
        return None
    qids = [q for q in ev.queries if any(g > 0 for g in ev.qrels.get(q, {}).values())]
    if not qids:
        return None
    rng = random.Random(seed)
    qids = rng.sample(qids, min(max_queries, len(qids)))
    top = {q: max(ev.qrels[q].values()) for q in qids}  # answers graded lower than the best may rank below it
    answers = {q: [d for d, g in ev.qrels[q].items() if g == top[q]] for q in qids}
    own = list(dict.fromkeys(ev.corpus[d] for q in qids for d in answers[q]))
    known = set(own)
    mine = [p for p in dict.fromkeys(pool) if p not in known]
    mine = rng.sample(mine, min(max_pool, len(mine)))
    if not mine:
        return None
    P = encode_corpus(model, mine)
    A = encode_corpus(model, own)
    Q = encode_queries(model, [ev.queries[q] for q in qids])
    at = {t: i for i, t in enumerate(own)}
    lo, hi = RANK_WINDOW
    weights, multi, leaked, found = [], 0, 0, 0
    for i, q in enumerate(qids):
        texts = [ev.corpus[d] for d in answers[q]]
        sims = P @ Q[i]
        pos = float(A[at[texts[0]]] @ Q[i])
        others = np.array([float(A[at[t]] @ Q[i]) for t in texts[1:]])  # its other labelled answers
        cands = np.concatenate([sims, others])
        order = np.argsort(-cands)[lo:hi]
        ok = [j for j in order if guard_rule(float(cands[j]), pos, margin_rel=MARGIN_REL) is None]  # the miner's guard
        found += int(bool(ok))
        if len(others):
            multi += 1
            leaked += int(bool(ok) and ok[0] >= len(sims))
        random_one = _wrong_weight(pos, sims, scale)
        weights.append((float(np.exp(scale * (float(cands[ok[0]]) - pos))) if ok else random_one, random_one))
    return NegativesEvidence(queries=len(qids), pool=len(mine), batch=int(batch), scale=float(scale),
                             multi=multi, leaked=leaked, found=found, **_batch_losses(weights, batch))


def measures_own_negatives(plan) -> bool:
    """The recipe filled ``data.neg_nums`` on data that brings its own negatives (``core.training.recipe.
    own_negatives_choice``): the run measures with the base model whether to train on them (``own_evidence``)."""
    return any(c.key == "data.neg_nums" for c in plan.choices)


def own_evidence(model: Any, train: pd.DataFrame, batch: int, scale: float, seed: int = 42,
                 max_rows: int = EVIDENCE_QUERIES) -> NegativesEvidence | None:
    """Score the data's own negatives as ``negatives_evidence`` scores mined ones, on up to ``max_rows``
    query-pos-neg training rows that have one (seeded) with the base ``model``: a row's query against its first
    positive, one of its negatives (drawn as ``qpn_to_rows`` draws it) and the other sampled rows' positives of
    the query's language (what its batch holds: the length-grouped sampler puts one language in a batch). Only
    the base model's scores are read, nothing trains. None when fewer than 2 rows have a negative."""
    import random

    from core.evaluation.encoding import encode_corpus, encode_queries
    from core.training.sampler import language_keys

    if train is None or not {"query", "pos", "neg"} <= set(train.columns):
        return None
    rows = [i for i, (p, n) in enumerate(zip(train["pos"], train["neg"]))
            if p is not None and len(p) and n is not None and len(n)]
    if len(rows) < 2:
        return None
    rng = random.Random(seed)
    rows = sorted(rng.sample(rows, min(max_rows, len(rows))))
    queries = [str(train["query"].iloc[i]) for i in rows]
    pos = [str(train["pos"].iloc[i][0]) for i in rows]
    neg = [str(rng.choice(list(train["neg"].iloc[i]))) for i in rows]
    size = max(32, batch)
    Q = encode_queries(model, queries, batch_size=size)
    S = Q @ encode_corpus(model, pos, batch_size=size).T  # query i against row j's positive
    hard_sims = np.einsum("ij,ij->i", Q, encode_corpus(model, neg, batch_size=size))
    langs = language_keys(queries)
    weights = []
    for i in range(len(rows)):
        same = [j for j in range(len(rows)) if j != i and langs[j] == langs[i]]
        others = S[i, same or [j for j in range(len(rows)) if j != i]]
        p = float(S[i, i])
        weights.append((float(np.exp(scale * (float(hard_sims[i]) - p))), _wrong_weight(p, others, scale)))
    return NegativesEvidence(queries=len(rows), pool=len(rows), batch=int(batch), scale=float(scale), found=len(rows),
                             source="own", **_batch_losses(weights, batch))
