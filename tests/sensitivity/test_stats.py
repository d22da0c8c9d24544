"""Summary statistics: percentiles with order-statistic intervals, mean and SE, Wilson."""
import math

import numpy as np
import pytest
from scipy import stats

from finmodel.sensitivity.stats import mean_with_se, percentiles, probability

QS = (5, 10, 25, 50, 75, 90, 95)


def test_percentile_estimates_match_numpy_linear():
    x = np.random.default_rng(0).lognormal(size=(1001, 3))
    t = percentiles(x, QS)
    np.testing.assert_allclose(t.estimate, np.percentile(x, QS, axis=0), rtol=1e-12)
    t1 = percentiles(x[:, 1], QS)
    assert t1.estimate.shape == (7,)
    np.testing.assert_allclose(t1.estimate, np.percentile(x[:, 1], QS), rtol=1e-12)
    assert np.all(t.lower <= t.estimate) and np.all(t.estimate <= t.upper)


@pytest.mark.parametrize("n", [20, 101, 1000, 100_000])
def test_interval_ranks_have_at_least_nominal_binomial_coverage(n):
    t = percentiles(np.arange(float(n)), QS, confidence=0.9)
    for q, lo, hi in zip(QS, t.lower_rank, t.upper_rank):
        b = stats.binom(n, q / 100)
        coverage = b.cdf(hi - 1) - b.cdf(lo - 1)  # P(lo <= B <= hi - 1)
        assert coverage >= 0.9
        assert b.cdf(lo - 1) <= 0.05 and b.sf(hi - 1) <= 0.05  # equal-tailed


def test_intervals_cover_true_quantiles_at_the_nominal_rate():
    # Exponential(1): true p-quantile is -ln(1 - p). 1,000 independent trials of n = 101.
    trials, n, conf = 1000, 101, 0.95
    x = np.random.default_rng(42).exponential(size=(n, trials))
    t = percentiles(x, QS, confidence=conf)
    truth = -np.log1p(-np.asarray(QS) / 100)[:, None]
    share = np.mean((t.lower <= truth) & (truth <= t.upper), axis=1)
    for q, s, lo, hi in zip(QS, share, t.lower_rank, t.upper_rank):
        b = stats.binom(n, q / 100)
        exact = b.cdf(hi - 1) - b.cdf(lo - 1)  # the design coverage, >= 0.95
        assert exact >= conf
        assert abs(s - exact) < 4 * math.sqrt(exact * (1 - exact) / trials), (q, s, exact)


@pytest.mark.parametrize("n", [9, 20, 101, 1000, 20_000])
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_intervals_equal_scipy_quantile_test(n, confidence):
    x = np.random.default_rng(n).lognormal(size=n)
    t = percentiles(x, QS, confidence=confidence)
    for q, lo, hi in zip(QS, t.lower, t.upper):
        ci = stats.quantile_test(x, p=q / 100).confidence_interval(confidence)
        # scipy returns NaN for an unbounded side; percentiles says -inf / +inf
        assert lo == (-np.inf if np.isnan(ci.low) else ci.low), (q, lo, ci)
        assert hi == (np.inf if np.isnan(ci.high) else ci.high), (q, hi, ci)


def test_too_few_draws_give_unbounded_interval():
    # n = 9: P(B = 0) = 0.63 for p = 5 %, so no lower order statistic reaches 97.5 %
    t = percentiles(np.arange(9.0), (5, 50, 95))
    assert t.lower[0] == -np.inf and t.upper[2] == np.inf
    assert np.isfinite(t.lower[1]) and np.isfinite(t.upper[1])


def test_mean_with_se_matches_scipy():
    x = np.random.default_rng(1).normal(5.0, 2.0, size=(500, 2))
    e = mean_with_se(x)
    np.testing.assert_allclose(e.mean, x.mean(axis=0))
    np.testing.assert_allclose(e.se, stats.sem(x, axis=0))
    e1 = mean_with_se(x[:, 0])
    assert isinstance(e1.mean, float) and e1.se == pytest.approx(stats.sem(x[:, 0]))
    lo, hi = e1.interval(0.95)
    assert hi - lo == pytest.approx(2 * 1.959963984540054 * e1.se)


def test_mean_of_one_draw_has_nan_se():
    e = mean_with_se([3.0])
    assert e.mean == 3.0 and math.isnan(e.se) and e.n == 1


# Newcombe (1998), Stat. Med. 17:857, Table I, method 3 (Wilson score, no correction).
NEWCOMBE = [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)]


@pytest.mark.parametrize(("k", "n", "lower", "upper"), NEWCOMBE)
def test_wilson_interval_matches_newcombe(k, n, lower, upper):
    e = probability(np.arange(n) < k)
    assert e.estimate == pytest.approx(k / n) and e.count == k and e.n == n
    assert e.lower == pytest.approx(lower, abs=5e-5)
    assert e.upper == pytest.approx(upper, abs=5e-5)


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (3, 7), (500, 1000), (9_990, 10_000)])
def test_wilson_interval_equals_scipy_binomtest(k, n):
    e = probability(np.arange(n) < k, confidence=0.9)
    ci = stats.binomtest(k, n).proportion_ci(0.9, method="wilson")
    assert (e.lower, e.upper) == (ci.low, ci.high)


def test_probability_vectorised_over_columns():
    mask = np.column_stack([np.arange(263) < 81, np.arange(263) < 0])
    e = probability(mask)
    np.testing.assert_allclose(e.lower, [0.2553, 0.0], atol=5e-5)
    np.testing.assert_array_equal(e.count, [81, 0])


@pytest.mark.parametrize(("call", "match"), [
    (lambda: percentiles(np.array([])), "empty"),
    (lambda: percentiles(np.empty((0, 3))), "empty"),
    (lambda: mean_with_se([]), "empty"),
    (lambda: probability(np.array([], dtype=bool)), "empty"),
    (lambda: percentiles([1.0, np.nan]), "NaN"),
    (lambda: mean_with_se([1.0, np.nan]), "NaN"),
    (lambda: percentiles([1.0, 2.0], qs=(101,)), r"\[0, 100\]"),
    (lambda: percentiles([1.0, 2.0], confidence=1.0), "confidence"),
    (lambda: probability(np.array([0, 1])), "boolean"),
    (lambda: probability(np.array([True]), confidence=0.0), "confidence"),
    (lambda: percentiles(np.ones((2, 2, 2))), "1-D"),
])
def test_invalid_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
