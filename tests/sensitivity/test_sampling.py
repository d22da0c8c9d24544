"""Sampling: reproducibility, moments, Latin hypercube strata, imposed rank correlation."""
import math
import tracemalloc

import numpy as np
import pytest
from scipy import stats

from finmodel.errors import AssumptionError
from finmodel.sensitivity.distributions import (
    Discrete, LogNormal, Normal, Pert, Triangular, Uniform,
)
from finmodel.sensitivity.sampling import (
    CORRELATORS, CorrelationMethod, entropy_seed, sample, uniforms,
)

METHODS = [m.value for m in CorrelationMethod]

THREE = [Normal(mean=10.0, sd=2.0), LogNormal(median=1.0, sigma=0.8),
         Pert(low=0.0, mode=2.0, high=10.0)]
RHO = np.array([[1.0, 0.6, -0.3],
                [0.6, 1.0, 0.2],
                [-0.3, 0.2, 1.0]])


def _strata(u: np.ndarray) -> np.ndarray:
    """Index i of the stratum [i/n, (i+1)/n) holding each value of a column."""
    n = u.shape[0]
    return np.searchsorted(np.arange(n + 1) / n, u, side="right") - 1


# --- seeds and streams ---------------------------------------------------------------------

@pytest.mark.parametrize("lhs", [False, True])
def test_uniforms_same_seed_identical_different_seed_differs(lhs):
    a = uniforms(1000, 3, seed=7, lhs=lhs)
    np.testing.assert_array_equal(a, uniforms(1000, 3, seed=7, lhs=lhs))
    b = uniforms(1000, 3, seed=8, lhs=lhs)
    assert not np.any(np.all(a == b, axis=0))
    assert a.shape == (1000, 3)
    assert np.all((a > 0) & (a < 1))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("lhs", [False, True])
def test_sample_same_seed_identical_different_seed_differs(method, lhs):
    a = sample(THREE, 2000, 11, lhs=lhs, correlation=RHO, method=method)
    b = sample(THREE, 2000, 11, lhs=lhs, correlation=RHO, method=method)
    c = sample(THREE, 2000, 12, lhs=lhs, correlation=RHO, method=method)
    np.testing.assert_array_equal(a.values, b.values)
    assert a.seed == 11 and a.method is CorrelationMethod(method) and a.lhs is lhs
    assert not np.any(np.all(a.values == c.values, axis=0))


def test_no_seed_draws_one_that_repeats_the_run():
    first = sample(THREE, 500, None)
    assert isinstance(first.seed, int) and first.seed >= 0
    np.testing.assert_array_equal(first.values, sample(THREE, 500, first.seed).values)
    assert entropy_seed() != entropy_seed()


def test_plain_draws_extend_as_a_prefix_and_columns_are_independent_streams():
    full = uniforms(1000, 3, seed=3)
    np.testing.assert_array_equal(full[:100], uniforms(100, 3, seed=3))
    np.testing.assert_array_equal(full[:, :2], uniforms(1000, 2, seed=3))


def test_threads_do_not_change_the_result(monkeypatch):
    import finmodel.sensitivity.sampling as sampling

    expected = sample(THREE, 3000, 5, lhs=True, correlation=RHO).values
    monkeypatch.setattr(sampling, "MAX_WORKERS", 1)
    np.testing.assert_array_equal(sample(THREE, 3000, 5, lhs=True, correlation=RHO).values,
                                  expected)


def test_registry_covers_every_method():
    assert set(CORRELATORS) == set(CorrelationMethod)


# --- Latin hypercube -----------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 7, 1000, 70_001])
def test_lhs_one_point_per_stratum_per_column(n):
    u = uniforms(n, 4, seed=n, lhs=True)
    for j in range(4):
        np.testing.assert_array_equal(np.sort(_strata(u[:, j])), np.arange(n))


def test_lhs_columns_are_permuted_independently():
    u = uniforms(1000, 3, seed=1, lhs=True)
    s = [_strata(u[:, j]) for j in range(3)]
    assert not np.array_equal(s[0], s[1]) and not np.array_equal(s[1], s[2])
    assert abs(stats.spearmanr(u[:, 0], u[:, 1]).statistic) < 4 / math.sqrt(999)


# --- moments of every distribution -----------------------------------------------------------

# (model, scipy reference for mean, variance and kurtosis)
MOMENT_CASES = [
    (Normal(mean=3.0, sd=2.0), stats.norm(3.0, 2.0)),
    (Normal(mean=3.0, sd=2.0, low=1.0, high=8.0), stats.truncnorm(-1.0, 2.5, loc=3.0, scale=2.0)),
    (Normal(mean=0.0, sd=1.0, low=1.5), stats.truncnorm(1.5, np.inf)),
    (LogNormal(median=2.0, sigma=0.5), stats.lognorm(s=0.5, scale=2.0)),
    (LogNormal(mean=3.0, sd=1.5), stats.lognorm(s=math.sqrt(math.log(1.25)), scale=3 / math.sqrt(1.25))),
    (Triangular(low=1.0, mode=2.0, high=5.0), stats.triang(c=0.25, loc=1.0, scale=4.0)),
    (Pert(low=0.0, mode=3.0, high=10.0), stats.beta(2.2, 3.8, loc=0.0, scale=10.0)),
    (Pert(low=0.0, mode=0.5, high=1.0, lamb=10.0), stats.beta(6.0, 6.0)),
    (Uniform(low=-2.0, high=6.0), stats.uniform(-2.0, 8.0)),
]
N_MOMENTS = 200_000


def _moment_check(x, mean, var, kurt_excess):
    n = x.shape[0]
    se_mean = math.sqrt(var / n)
    se_var = var * math.sqrt((kurt_excess + 2.0) / n)  # Var(s^2) ~ (mu4 - sigma^4) / n
    assert abs(x.mean() - mean) < 4 * se_mean
    assert abs(x.var(ddof=1) - var) < 4 * se_var


@pytest.mark.parametrize(("model", "ref"), MOMENT_CASES,
                         ids=[type(m).__name__ for m, _ in MOMENT_CASES])
def test_sample_moments_within_sampling_error(model, ref):
    x = sample([model], N_MOMENTS, 2024).values[:, 0]
    mean, var, _, kurt = (float(v) for v in ref.stats(moments="mvsk"))
    _moment_check(x, mean, var, kurt)


def test_discrete_sample_moments_within_sampling_error():
    values, probs = np.array([1.0, 4.0, 10.0]), np.array([0.5, 0.3, 0.2])
    mean = probs @ values
    var = probs @ (values - mean) ** 2
    kurt = probs @ (values - mean) ** 4 / var**2 - 3.0
    x = sample([Discrete(values=list(values), probabilities=list(probs))], N_MOMENTS, 9).values[:, 0]
    _moment_check(x, mean, var, kurt)
    # each value's frequency within 4 binomial standard errors
    for v, p in zip(values, probs):
        assert abs(np.mean(x == v) - p) < 4 * math.sqrt(p * (1 - p) / N_MOMENTS)


# --- rank correlation ------------------------------------------------------------------------

def _assert_spearman_close(values, target):
    """Fisher z of Spearman's rho has variance ~ 1.06 / (n - 3) (Fieller et al. 1957)."""
    n = values.shape[0]
    got = stats.spearmanr(values).statistic
    tol = 4 * math.sqrt(1.06 / (n - 3))
    off = ~np.eye(target.shape[0], dtype=bool)
    assert np.all(np.abs(np.arctanh(got[off]) - np.arctanh(target[off])) < tol), got


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("lhs", [False, True])
def test_imposed_spearman_correlation_is_recovered(method, lhs):
    res = sample(THREE, 20_000, 31, lhs=lhs, correlation=RHO, method=method)
    assert not res.correlation_report.repaired
    np.testing.assert_array_equal(res.correlation, RHO)
    _assert_spearman_close(res.values, RHO)


@pytest.mark.parametrize("lhs", [False, True])
def test_iman_conover_keeps_marginal_values(lhs):
    independent = sample(THREE, 5000, 4, lhs=lhs).values
    correlated = sample(THREE, 5000, 4, lhs=lhs, correlation=RHO, method="iman_conover").values
    np.testing.assert_array_equal(np.sort(correlated, axis=0), np.sort(independent, axis=0))
    assert not np.array_equal(correlated, independent)


def test_iman_conover_keeps_latin_hypercube_strata():
    unit = [Uniform(low=0.0, high=1.0)] * 3
    u = sample(unit, 997, 8, lhs=True, correlation=RHO).values
    for j in range(3):
        np.testing.assert_array_equal(np.sort(_strata(u[:, j])), np.arange(997))


def test_gaussian_copula_keeps_marginal_distributions():
    res = sample(THREE, 20_000, 17, correlation=RHO, method="gaussian_copula")
    refs = [stats.norm(10.0, 2.0), stats.lognorm(s=0.8, scale=1.0), stats.beta(1.8, 4.2, scale=10.0)]
    for j, ref in enumerate(refs):
        assert stats.kstest(res.values[:, j], ref.cdf).pvalue > 1e-3


@pytest.mark.parametrize("lhs", [False, True])
def test_gaussian_copula_leaves_an_uncorrelated_input_bit_for_bit(lhs):
    """Inputs 1 and 3 are correlated with no other: their draws are exactly those of a run
    without correlation (no normal-score round trip, which moves ~1/4 of uniforms by an ulp);
    inputs 0 and 2 are correlated (Spearman -0.5) and still reach the target."""
    dists = [Uniform(low=0.0, high=1.0)] * 4
    rho = np.eye(4)
    rho[0, 2] = rho[2, 0] = -0.5
    names = ["a", "b", "c", "d"]
    plain = sample(dists, 20_000, 5, lhs=lhs, names=names).values
    both = sample(dists, 20_000, 5, lhs=lhs, correlation=rho, method="gaussian_copula", names=names).values
    np.testing.assert_array_equal(both[:, [1, 3]], plain[:, [1, 3]])
    assert not np.array_equal(both[:, 2], plain[:, 2])
    assert stats.spearmanr(both[:, 0], both[:, 2])[0] == pytest.approx(-0.5, abs=0.02)
    if lhs:  # the uncorrelated columns keep their strata exactly
        for j in (1, 3):
            np.testing.assert_array_equal(np.sort(_strata(both[:, j])), np.arange(20_000))


@pytest.mark.parametrize("method", METHODS)
def test_identity_correlation_gives_independent_ranks(method):
    res = sample(THREE, 20_000, 2, correlation=np.eye(3), method=method)
    _assert_spearman_close(res.values, np.eye(3))


@pytest.mark.parametrize("method", METHODS)
def test_non_psd_target_is_repaired_and_reported(method):
    bad = np.array([[1.0, 0.9, -0.9],
                    [0.9, 1.0, 0.9],
                    [-0.9, 0.9, 1.0]])
    res = sample(THREE, 5000, 1, correlation=bad, method=method, names=["a", "b", "c"])
    report = res.correlation_report
    assert report.repaired and report.min_eigenvalue_before < 0
    assert report.max_abs_change > 0.1
    assert np.linalg.eigvalsh(res.correlation)[0] > -1e-10
    assert "not positive semi-definite" in str(report)
    _assert_spearman_close(res.values, res.correlation)


def test_invalid_correlation_is_rejected():
    with pytest.raises(AssumptionError, match="2x2 but there are 3 inputs"):
        sample(THREE, 100, 1, correlation=np.eye(2))
    with pytest.raises(AssumptionError):
        sample(THREE, 100, 1, correlation=RHO * 1.5)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n": 0}, "n must be a positive integer"),
    ({"n": 10.0}, "n must be a positive integer"),
    ({"n": True}, "n must be a positive integer"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"seed": 1.5}, "seed must be a non-negative integer"),
    ({"method": "cholesky", "correlation": RHO}, "method must be one of"),
])
def test_bad_arguments_raise(kwargs, match):
    args = {"n": 10, "seed": 1} | kwargs
    with pytest.raises(ValueError, match=match):
        sample(THREE, **args)


def test_empty_dists_raise():
    with pytest.raises(ValueError, match="at least one"):
        sample([], 10, 1)


def test_memory_is_bounded_by_a_small_multiple_of_the_output():
    n, k = 200_000, 10
    dists = [THREE[j % 3] for j in range(k)]
    rho = np.full((k, k), 0.3) + 0.7 * np.eye(k)
    out_bytes = 8 * n * k
    for method in METHODS:
        tracemalloc.start()
        res = sample(dists, n, 1, correlation=rho, method=method)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert res.values.nbytes == out_bytes
        assert peak < 3.5 * out_bytes, (method, peak / out_bytes)
