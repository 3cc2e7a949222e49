"""Paired comparison of two models over the same queries: how big the difference is and how sure we are.

``paired_difference(a, b)`` takes per-query scores of a reference model ``a`` (e.g. the base) and a
candidate ``b`` (e.g. the tuned model) on the same queries, in the same order, and returns a ``PairedDiff``:
the mean difference ``b - a``, its 95% bootstrap confidence interval (percentile method, resampling queries),
a two-sided paired sign-flip permutation p-value, the verdict (``better`` / ``worse`` when the interval
excludes 0 *and* the paired test's p-value is below 1 − confidence, else ``no_difference``: on a handful of
queries the percentile interval is too narrow, and the sign-flip test cannot reach 5% below 6 queries) and,
when there is no detectable difference, roughly how many queries would be needed to detect a gain of the
observed size (normal approximation, 80% power; 6 when every query changes by the same amount). This module is
the one rule for "is this more than noise"; training's delivered-model choice, the Evaluate tab and
``python -m core compare`` all call it.
``paired_metric_difference(metric_rows, a, b, gold)`` is the same comparison for a metric measured over all items
at once (Spearman of pair scores against gold scores, average precision against 0/1 labels), where no per-query
value exists: the items are resampled together for the interval of metric(b) − metric(a), and the permutation test
swaps the two models' scores item by item; the verdict follows the same rule.
``mean_ci(values)`` gives one model's mean and its bootstrap interval by the same method (model selection).
``brief(d)`` is the one-line form (n, diff, interval, verdict) events and tables carry; ``brief_text`` writes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

BETTER, WORSE, NO_DIFFERENCE = "better", "worse", "no_difference"


@dataclass
class PairedDiff:
    """Result of ``paired_difference``; ``to_dict()`` is what ``metrics.json`` stores."""

    n: int  # queries (or pairs, triplets) compared
    mean_a: float
    mean_b: float
    diff: float  # mean(b - a)
    ci_low: float
    ci_high: float
    p_value: float
    verdict: str  # BETTER / WORSE / NO_DIFFERENCE
    needed_n: int | None  # queries needed to detect |diff| (80% power, two-sided 5%); None if diff == 0
    confidence: float = 0.95

    @property
    def relative(self) -> float | None:
        """Relative change of the mean (``diff / mean_a``), None when ``mean_a`` is 0."""
        return self.diff / self.mean_a if self.mean_a else None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["relative"] = self.relative
        return out


BRIEF_KEYS = ("n", "diff", "ci_low", "ci_high", "verdict")  # what a one-line "vs base" shows (events, runs table)


def brief(d: PairedDiff | dict) -> dict:
    """``{n, diff, ci_low, ci_high, verdict}`` of a ``PairedDiff`` or of its ``to_dict()``: the gain and how sure it
    is, in one line (the eval events' ``vs_base``, a run's delivered gain)."""
    full = d.to_dict() if isinstance(d, PairedDiff) else d
    return {k: full[k] for k in BRIEF_KEYS}


def brief_numbers(gain: object) -> tuple[float, float, float] | None:
    """(diff, ci_low, ci_high) of a ``brief`` gain read from a file or an event; None when ``gain`` is not a dict
    holding three finite numbers there (e.g. a damaged status file)."""
    if not isinstance(gain, dict):
        return None
    nums = [gain.get(k) for k in ("diff", "ci_low", "ci_high")]
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in nums):
        return None
    return float(nums[0]), float(nums[1]), float(nums[2])


def brief_text(gain: object) -> str:
    """A ``brief`` gain's numbers as one line, "+0.0856 [+0.0485, +0.1240]" (its 95% interval in brackets); ""
    when they are not numbers (``brief_numbers``). The verdict word is the caller's (language)."""
    nums = brief_numbers(gain)
    return f"{nums[0]:+.4f} [{nums[1]:+.4f}, {nums[2]:+.4f}]" if nums else ""


def _bootstrap(values: np.ndarray, rng: np.random.Generator, n_boot: int, confidence: float) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (queries resampled with replacement)."""
    n = int(values.size)
    idx = rng.integers(0, n, size=(n_boot, n))
    boots = values[idx].mean(axis=1)
    tail = (1.0 - confidence) / 2
    lo, hi = (float(v) for v in np.quantile(boots, [tail, 1.0 - tail]))
    return lo, hi


def mean_ci(values: Sequence[float], *, n_boot: int = 2000, confidence: float = 0.95,
            seed: int = 0) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean of per-query scores and its bootstrap interval (the same percentile
    method as ``paired_difference``; one model's own uncertainty, e.g. NDCG@10 on a few hundred queries)."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("a confidence interval needs at least one per-query score")
    mean = float(x.mean())
    if x.size == 1 or np.allclose(x, x[0]):
        return mean, mean, mean
    lo, hi = _bootstrap(x, np.random.default_rng(seed), n_boot, confidence)
    return mean, lo, hi


def paired_difference(a: Sequence[float], b: Sequence[float], *, n_boot: int = 2000, n_perm: int = 2000,
                      confidence: float = 0.95, seed: int = 0) -> PairedDiff:
    """Compare per-query scores ``b`` against ``a`` (same queries, same order). See the module docstring.

    Raises ``ValueError`` when the lengths differ or there are no queries.
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"paired scores need two equal-length lists, got {x.shape} and {y.shape}")
    n = int(x.size)
    if n == 0:
        raise ValueError("paired scores need at least one query")
    d = y - x
    mean = float(d.mean())
    if abs(mean) < 1e-12:  # changes that cancel out (0.2 − 0.2 + 0.1 − 0.1 is not exactly 0 in floating point)
        mean = 0.0
    rng = np.random.default_rng(seed)
    alpha = 1.0 - confidence
    if n == 1 or np.allclose(d, d[0]):
        lo = hi = mean
        # the exact sign-flip test: only the all-plus and the all-minus patterns reach |mean|
        p = 1.0 if mean == 0 or n == 1 else min(1.0, 2.0 / 2.0 ** n)
    else:
        lo, hi = _bootstrap(d, rng, n_boot, confidence)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(n_perm, n))
        perm = np.abs((signs * d).mean(axis=1))
        p = float((np.sum(perm >= abs(mean) - 1e-12) + 1) / (n_perm + 1))
    sd = float(d.std(ddof=1)) if n > 1 else 0.0
    return PairedDiff(n=n, mean_a=float(x.mean()), mean_b=float(y.mean()), diff=mean, ci_low=lo, ci_high=hi,
                      p_value=p, verdict=_verdict(lo, hi, p, alpha), needed_n=_needed(mean, sd, alpha),
                      confidence=confidence)


def _verdict(lo: float, hi: float, p: float, alpha: float) -> str:
    """The one rule for "beyond noise": *better* / *worse* when the interval ``[lo, hi]`` leaves out 0 on that side
    and the paired test's ``p`` is below ``alpha``; else no difference."""
    if lo > 0 and p < alpha:
        return BETTER
    if hi < 0 and p < alpha:
        return WORSE
    return NO_DIFFERENCE


def _needed(mean: float, sd: float, alpha: float) -> int | None:
    """Items needed to detect a mean change ``mean`` whose per-item spread is ``sd`` (80% power, two-sided
    ``alpha``, normal approximation); None when ``mean`` is 0."""
    if mean != 0 and sd > 0:
        z = 1.959964 + 0.841621  # two-sided 5%, 80% power
        return int(math.ceil((z * sd / abs(mean)) ** 2))
    if mean != 0:  # every item changed by the same amount: the sign-flip test needs 2 / 2^n < alpha
        return int(math.floor(math.log2(2.0 / alpha))) + 1
    return None


def paired_metric_difference(metric_rows, a: Sequence[float], b: Sequence[float], gold: Sequence[float], *,
                             n_boot: int = 2000, n_perm: int = 2000, confidence: float = 0.95, seed: int = 0,
                             chunk: int = 100) -> PairedDiff:
    """Compare model ``b``'s scores of the same items with model ``a``'s on a metric of all items at once.

    ``metric_rows(scores, gold) -> values``: the metric of each row of two 2-D arrays (e.g.
    ``core.evaluation.metrics.spearman_rows`` or ``ap_rows``), which must read only the order of ``scores``:
    each model's scores are replaced by their ranks, so a permutation swap compares like with like even when the
    two models' cosines sit at different levels. ``gold``: the items' gold scores or 0/1 labels. The interval is
    the percentile bootstrap of metric(b) − metric(a) over items resampled together; the p-value is the paired
    permutation test swapping ``a`` and ``b`` item by item; ``needed_n`` reads the per-item spread off the
    bootstrap's standard error. Raises ``ValueError`` for unequal lengths or fewer than two items.
    """
    from scipy.stats import rankdata

    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    g = np.asarray(gold, dtype=np.float64)
    if not (x.shape == y.shape == g.shape) or x.ndim != 1:
        raise ValueError(f"paired scores need three equal-length lists, got {x.shape}, {y.shape} and {g.shape}")
    n = int(x.size)
    if n < 2:
        raise ValueError("a metric of all items at once needs at least two items")
    x, y = rankdata(x) / n, rankdata(y) / n
    m_a, m_b = (float(metric_rows(v[None, :], g[None, :])[0]) for v in (x, y))
    mean = m_b - m_a if math.isfinite(m_a) and math.isfinite(m_b) else float("nan")
    if math.isfinite(mean) and abs(mean) < 1e-12:
        mean = 0.0
    alpha = 1.0 - confidence
    if np.array_equal(x, y) or not math.isfinite(mean):  # one ranking: nothing to resample
        value = mean if math.isfinite(mean) else 0.0
        return PairedDiff(n=n, mean_a=m_a, mean_b=m_b, diff=value, ci_low=value, ci_high=value, p_value=1.0,
                          verdict=NO_DIFFERENCE, needed_n=None, confidence=confidence)
    rng = np.random.default_rng(seed)
    boots, perms = [], []
    for start in range(0, n_boot, chunk):
        idx = rng.integers(0, n, size=(min(chunk, n_boot - start), n))
        boots.append(metric_rows(y[idx], g[idx]) - metric_rows(x[idx], g[idx]))
    for start in range(0, n_perm, chunk):
        swap = rng.random((min(chunk, n_perm - start), n)) < 0.5
        gg = np.broadcast_to(g, swap.shape)
        perms.append(np.abs(metric_rows(np.where(swap, x, y), gg) - metric_rows(np.where(swap, y, x), gg)))
    boot = np.concatenate(boots)
    boot = boot[np.isfinite(boot)]
    perm = np.concatenate(perms)
    perm = perm[np.isfinite(perm)]
    tail = alpha / 2
    lo, hi = (float(v) for v in np.quantile(boot, [tail, 1.0 - tail])) if boot.size else (mean, mean)
    p = float((np.sum(perm >= abs(mean) - 1e-12) + 1) / (perm.size + 1))
    se = float(boot.std(ddof=1)) if boot.size > 1 else 0.0
    return PairedDiff(n=n, mean_a=m_a, mean_b=m_b, diff=mean, ci_low=lo, ci_high=hi, p_value=p,
                      verdict=_verdict(lo, hi, p, alpha), needed_n=_needed(mean, se * math.sqrt(n), alpha),
                      confidence=confidence)
