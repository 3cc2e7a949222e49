"""paired_difference: the one rule for 'more than noise'."""

import numpy as np
import pytest

from core.evaluation.stats import BETTER, NO_DIFFERENCE, WORSE, paired_difference


def _scores(n=200, seed=1):
    return np.random.default_rng(seed).uniform(0, 1, n)


def test_model_against_itself_has_interval_containing_zero():
    a = _scores()
    r = paired_difference(a, a)
    assert r.verdict == NO_DIFFERENCE
    assert r.ci_low <= 0 <= r.ci_high
    assert r.diff == 0 and r.p_value == 1.0 and r.needed_n is None


def test_noise_only_difference_is_no_difference():
    a = _scores()
    b = a + np.random.default_rng(7).normal(0, 0.2, a.size) * 0.05
    b = b - (b - a).mean()  # zero mean change
    r = paired_difference(a, b)
    assert r.verdict == NO_DIFFERENCE and r.ci_low < 0 < r.ci_high and r.p_value > 0.05


def test_clear_gain_is_better():
    a = _scores()
    b = np.clip(a + 0.1 + np.random.default_rng(3).normal(0, 0.05, a.size), 0, None)
    r = paired_difference(a, b)
    assert r.verdict == BETTER and r.ci_low > 0 and r.p_value < 0.01
    assert r.ci_low < r.diff < r.ci_high
    assert r.to_dict()["relative"] == pytest.approx(r.diff / r.mean_a)


def test_clear_loss_is_worse():
    a = _scores()
    b = a - 0.1 + np.random.default_rng(4).normal(0, 0.05, a.size)
    r = paired_difference(a, b)
    assert r.verdict == WORSE and r.ci_high < 0 and r.p_value < 0.01


def test_needed_n_grows_as_the_effect_shrinks_and_is_met_when_detected():
    a = _scores(40)
    noise = np.random.default_rng(5).normal(0, 0.2, a.size)
    noise -= noise.mean()
    small = paired_difference(a, a + 0.01 + noise)
    large = paired_difference(a, a + 0.1 + noise)
    assert small.needed_n and large.needed_n and small.needed_n > large.needed_n
    assert small.verdict == NO_DIFFERENCE and small.needed_n > small.n


def test_bad_input_raises():
    with pytest.raises(ValueError):
        paired_difference([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        paired_difference([], [])


def test_a_handful_of_queries_never_makes_a_verdict_the_paired_test_does_not_back():
    """Two queries both worse gave a bootstrap interval below 0 and the verdict 'worse' (and `compare
    --fail-if-worse` exit 3) at p = 0.49: a verdict now also needs the sign-flip test's p below 5%, which
    takes at least 6 queries; the sentence says why it is no verdict."""
    from core.evaluation.verdict import render, verdict_parts

    two = paired_difference([0.8, 0.6], [0.5, 0.2])
    assert two.ci_high < 0 and two.p_value > 0.05 and two.verdict == NO_DIFFERENCE
    text = render(verdict_parts("tuned", "base", "ndcg@10", two))
    assert text.startswith("No detectable difference between 'tuned' and 'base' on ndcg@10 over 2 queries")
    assert "but the paired test's p = " in text and "too few queries to tell" in text
    # every query changed by the same amount: exact sign-flip p = 2 / 2^n, a verdict from 6 queries on
    five, six = (paired_difference([0.5] * n, [0.6] * n) for n in (5, 6))
    assert five.verdict == NO_DIFFERENCE and five.p_value == pytest.approx(2 / 32) and five.needed_n == 6
    assert six.verdict == BETTER and six.p_value == pytest.approx(2 / 64)
    assert paired_difference([0.6] * 6, [0.5] * 6).verdict == WORSE


def test_the_sentence_tells_identical_scores_from_changes_that_cancel_out():
    from core.evaluation.verdict import render, verdict_parts

    same = render(verdict_parts("tuned", "base", "ndcg@10", paired_difference([0.5, 0.7, 0.2], [0.5, 0.7, 0.2])))
    assert same.endswith("(they score the same on every query).")
    cancel = paired_difference([0.5, 0.5, 0.5, 0.5], [0.7, 0.3, 0.6, 0.4])  # not exactly 0 in floating point
    assert cancel.diff == 0 and cancel.needed_n is None
    assert verdict_parts("tuned", "base", "ndcg@10", cancel)["key"] == "verdict_cancel"
    text = render(verdict_parts("tuned", "base", "ndcg@10", paired_difference([0.5, 0.5], [0.75, 0.25])))
    assert text.endswith("their per-query changes cancel out (95% CI [-0.2500, +0.2500]).") and "same on every" not in text


def test_a_metric_of_all_pairs_at_once_gets_the_same_kind_of_verdict():
    """``paired_metric_difference`` (Spearman of pair scores against gold): its point estimate is the two models'
    Spearman difference, a model against itself is no difference with an interval of 0, a clearly better
    ordering is *better*, and two equally noisy models are no difference in at least 90 of 100 draws (the test's
    5% error with room for chance)."""
    from scipy import stats

    from core.evaluation.metrics import spearman_rows
    from core.evaluation.stats import paired_metric_difference

    rng = np.random.default_rng(3)
    gold = rng.random(300)
    a, b = gold + rng.normal(0, 1.0, 300), gold + rng.normal(0, 0.3, 300)
    r = paired_metric_difference(spearman_rows, a, b, gold)
    assert r.diff == pytest.approx(stats.spearmanr(b, gold)[0] - stats.spearmanr(a, gold)[0])
    assert r.verdict == BETTER and 0 < r.ci_low < r.diff < r.ci_high and r.n == 300
    assert paired_metric_difference(spearman_rows, b, a, gold).verdict == WORSE
    same = paired_metric_difference(spearman_rows, a, a, gold)
    assert (same.diff, same.ci_low, same.ci_high, same.verdict) == (0, 0, 0, NO_DIFFERENCE)
    calls = 0
    for seed in range(100):
        g = rng.random(100)
        x, y = g + rng.normal(0, 1, 100), g + rng.normal(0, 1, 100)
        calls += paired_metric_difference(spearman_rows, x, y, g, n_boot=300, n_perm=300, seed=seed).verdict != NO_DIFFERENCE
    assert calls <= 10
    with pytest.raises(ValueError):
        paired_metric_difference(spearman_rows, a[:5], b, gold)
