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
