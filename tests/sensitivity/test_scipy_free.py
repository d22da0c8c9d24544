"""Drawing and summarising a Monte Carlo without importing scipy.stats (~0.45 s): each
substitute against the scipy.stats method it replaces, bit for bit (the references come from
scipy.stats itself, on whichever scipy is installed: the floor and the latest both run)."""
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats as st

from finmodel.sensitivity import distributions as d
from finmodel.sensitivity import stats as fs

RNG = np.random.default_rng(0)
U = np.concatenate([RNG.random(50_000), [2.0**-53, 1 - 2.0**-53, 0.5, 1e-300, 0.999999]])


def _bits(x):
    return np.asarray(x, dtype=float).view(np.int64)


@pytest.mark.parametrize(("mean", "sd", "low", "high"), [
    (1.0, 0.1, 0.6, 1.4), (0.0, 1.0, -1.0, None), (0.0, 1.0, None, 1.0), (0.0, 1.0, 2.0, 5.0),
    (0.0, 1.0, -5.0, -2.0), (5.0, 2.0, 0.0, None), (0.0, 1.0, -0.5, 0.5), (0.0, 1.0, 0.0, 3.0),
    (0.0, 1.0, -3.0, 0.0), (100.0, 30.0, 120.0, 400.0)])
def test_truncated_normal_draws_are_scipy_truncnorm_bit_for_bit(mean, sd, low, high):
    dist = d.Normal(mean=mean, sd=sd, low=low, high=high)
    a, b = dist._standard_bounds()
    ref = np.clip(st.truncnorm(a, b, loc=mean, scale=sd).ppf(U), *dist.support())
    np.testing.assert_array_equal(_bits(dist.ppf(U)), _bits(ref))
    mass = st.norm.sf(a) - st.norm.sf(b) if a > 0 else st.norm.cdf(b) - st.norm.cdf(a)
    assert dist._mass() == float(mass)


@pytest.mark.parametrize(("alpha", "beta"), [(2.0, 3.0), (1.8, 4.2), (1 + 2.2e-16, 5.0), (4.0, 1.5), (0.5, 0.5)])
def test_beta_quantile_is_scipy_beta_ppf_bit_for_bit(alpha, beta):
    w = np.linspace(-37.5, 37.5, 4097)
    u = 1.0 / (1.0 + np.exp(-w))
    with np.errstate(all="ignore"):
        ref = st.beta(alpha, beta).ppf(u)
        got = d._beta_quantile(u, alpha, beta)
    np.testing.assert_array_equal(_bits(got), _bits(ref))


@pytest.mark.parametrize("n", [1, 2, 5, 37, 100, 1000, 12_345, 1_000_000, 10_000_000])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_interval_ranks_and_wilson_are_scipys(n, confidence):
    p = np.array([0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0])
    tail = (1.0 - confidence) / 2.0
    lower, upper = fs.quantile_interval_ranks(n, p, confidence)
    np.testing.assert_array_equal(lower, st.binom.ppf(tail, n, p).astype(int))
    np.testing.assert_array_equal(upper, st.binom.isf(tail, n, p).astype(int) + 1)
    for k in sorted({0, 1, n // 3, n - 1, n}):
        ci = st.binomtest(k, n).proportion_ci(confidence, method="wilson")
        assert fs._wilson(k, n, confidence) == (float(ci.low), float(ci.high))


def test_standard_error_is_scipy_sem():
    x = RNG.normal(size=(1001, 7)) * 1e3
    np.testing.assert_array_equal(fs.mean_with_se(x).se, st.sem(x, axis=0))


def test_drawing_and_summarising_do_not_import_scipy_stats():
    """Draws of every family (a truncated normal and a PERT among them), percentiles with their
    intervals, means with standard errors and Wilson probabilities, in a fresh interpreter:
    neither scipy.stats nor scipy.interpolate is in sys.modules afterwards."""
    code = """
import sys
import numpy as np
from finmodel.sensitivity.distributions import parse_dist
from finmodel.sensitivity.sampling import sample
from finmodel.sensitivity import stats
dists = [parse_dist(x) for x in (
    {"dist": "normal", "mean": 1.0, "sd": 0.1, "low": 0.6, "high": 1.4}, {"dist": "normal", "mean": 0, "sd": 1},
    {"dist": "pert", "low": 0.8, "mode": 1.0, "high": 1.2}, {"dist": "triangular", "low": 0, "mode": 1, "high": 3},
    {"dist": "lognormal", "median": 1.0, "sigma": 0.2}, {"dist": "uniform", "low": 0, "high": 1},
    {"dist": "discrete", "values": [0, 1, 2], "probabilities": [0.5, 0.35, 0.15]})]
rho = np.eye(7); rho[0, 2] = rho[2, 0] = 0.5
x = sample(dists, 5000, 1, correlation=rho, method="gaussian_copula").values
stats.percentiles(x); stats.mean_with_se(x); stats.probability(x[:, 0] > 1.0)
[dist.mean() for dist in dists]
print("scipy.stats" in sys.modules or "scipy.interpolate" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


MEAN_CASES = [
    d.Normal(mean=1.0, sd=0.1, low=0.6, high=1.4), d.Normal(mean=-3.0, sd=2.0),
    d.Normal(mean=0.0, sd=1.0, low=-1.0), d.Normal(mean=0.0, sd=1.0, high=1.0),
    d.Normal(mean=0.0, sd=1.0, low=2.0, high=5.0), d.Normal(mean=5.0, sd=2.0, low=-5.0, high=3.0),
    d.Normal(mean=100.0, sd=30.0, low=120.0, high=400.0),
    d.LogNormal(median=1.0, sigma=0.2), d.LogNormal(mean=2.0, sd=0.5), d.Uniform(low=0.02, high=0.04),
    d.Triangular(low=0.09, mode=0.12, high=0.15), d.Triangular(low=3.0, mode=5.0, high=6.0),
    d.Pert(low=0.8, mode=1.0, high=1.2), d.Pert(low=0.75, mode=1.0, high=1.25, lamb=3.0),
    d.Discrete(values=[2, 0, 1], probabilities=[0.15, 0.5, 0.35]),
    d.Discrete(values=[0.1, -2.5, 7.25], probabilities=[0.2, 0.3, 0.5]),
]


@pytest.mark.parametrize("dist", MEAN_CASES, ids=lambda x: repr(x)[:60])
def test_mean_is_scipy_frozen_mean_bit_for_bit(dist):
    assert dist.mean() == float(dist.frozen().mean())


@pytest.mark.parametrize("seed", range(20))
def test_mean_matches_scipy_on_random_parameters(seed):
    rng = np.random.default_rng(seed)
    low, width = rng.normal() * 10, rng.uniform(0.1, 20)
    mode = low + width * rng.uniform(0.01, 0.99)
    mean, sd = rng.normal() * 5, rng.uniform(0.1, 5)
    cut = np.sort(rng.normal(size=2) * 2)
    for dist in (d.Triangular(low=low, mode=mode, high=low + width), d.Pert(low=low, mode=mode, high=low + width),
                 d.Uniform(low=low, high=low + width), d.LogNormal(median=width, sigma=sd / 10),
                 d.Normal(mean=mean, sd=sd, low=mean + cut[0] * sd, high=mean + cut[1] * sd + 0.5 * sd),
                 d.Normal(mean=mean, sd=sd, low=mean + cut[0] * sd)):
        assert dist.mean() == float(dist.frozen().mean()), dist


@pytest.mark.parametrize("seed", range(12))
def test_pchip_is_scipys_bit_for_bit(seed):
    """Random knots with flat runs, sign changes and repeated values, evaluated inside, on the
    knots, outside (extrapolated) and at NaN; 2 knots (linear) too."""
    from scipy.interpolate import PchipInterpolator
    rng = np.random.default_rng(seed)
    k = [2, 3, 5, 50, 400][seed % 5]
    x = np.unique(rng.uniform(-5, 5, k))
    y = np.round(rng.normal(size=len(x)), 1)
    if len(x) > 8:
        y[3:7] = y[3]
    v = np.concatenate([rng.uniform(-8, 8, 5000), x, [np.nan, -np.inf + 0, x[0], x[-1]]])
    with np.errstate(invalid="ignore"):
        ref = PchipInterpolator(x, y, extrapolate=True)(v)
        got = d._Pchip(x, y)(v)
    np.testing.assert_array_equal(_bits(got), _bits(ref))


@pytest.mark.parametrize(("alpha", "beta"), [(2.0, 3.0), (1.8, 4.2), (1 + 2.2e-16, 5.0), (0.7, 0.7)])
def test_pert_table_is_scipys_pchip_of_the_same_nodes(alpha, beta, monkeypatch):
    """The PERT's table built with scipy's PchipInterpolator in place of _Pchip gives the
    same bits everywhere (1 + 2.2e-16: the nodes scipy leaves out, see test_distributions)."""
    from scipy.interpolate import PchipInterpolator
    w = np.linspace(-45, 45, 20_001)
    d._beta_logit_inverse.cache_clear()
    ours = d._beta_logit_inverse(alpha, beta)(w)
    monkeypatch.setattr(d, "_Pchip", lambda x, y: PchipInterpolator(x, y, extrapolate=True))
    d._beta_logit_inverse.cache_clear()
    try:
        ref = d._beta_logit_inverse(alpha, beta)(w)
    finally:
        d._beta_logit_inverse.cache_clear()
    np.testing.assert_array_equal(_bits(ours), _bits(ref))
