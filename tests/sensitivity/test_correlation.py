"""Correlation matrices: validation messages, Higham's nearest correlation matrix, conversions."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from finmodel.errors import AssumptionError
from finmodel.sensitivity.correlation import (
    correlation_factor, nearest_correlation, pearson_to_spearman, spearman_matrix,
    spearman_to_pearson, validate_correlation,
)
from finmodel.sensitivity.distributions import Discrete, Normal, Triangular
from finmodel.sensitivity.sampling import sample

# Higham (2002), IMA J. Numer. Anal. 22, section 4: A and its nearest correlation matrix.
HIGHAM_A = np.array([[1.0, 1.0, 0.0],
                     [1.0, 1.0, 1.0],
                     [0.0, 1.0, 1.0]])
HIGHAM_X = np.array([[1.0, 0.7607, 0.1573],
                     [0.7607, 1.0, 0.7607],
                     [0.1573, 0.7607, 1.0]])


def test_validate_returns_symmetric_copy():
    c = np.array([[1.0, 0.3], [0.3 + 1e-13, 1.0]])
    out = validate_correlation(c)
    assert np.array_equal(out, out.T) and out is not c


@pytest.mark.parametrize(("matrix", "fragment"), [
    (np.ones((2, 3)), "square"),
    (np.ones(3), "square"),
    (np.zeros((0, 0)), "square"),
    ([[1.0, 0.5], [0.4, 1.0]], "not symmetric"),
    ([[1.0, 0.5], [0.5 + 1e-11, 1.0]], "not symmetric"),
    ([[1.0, 0.5], [0.5, 0.99]], "diagonal entry must be 1"),
    ([[1.0, 1.2], [1.2, 1.0]], "must lie in [-1, 1]"),
    ([[1.0, np.nan], [np.nan, 1.0]], "finite"),
])
def test_validate_rejects_with_a_clear_message(matrix, fragment):
    with pytest.raises(AssumptionError) as exc:
        validate_correlation(matrix)
    assert fragment in str(exc.value)


def test_validate_reports_every_problem_with_names():
    bad = [[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.1, 0.0, 0.9]]
    with pytest.raises(AssumptionError) as exc:
        validate_correlation(bad, names=["capex", "opex", "price"])
    paths = [p.path for p in exc.value.problems]
    assert paths == ["correlation[capex, price]", "correlation[price, price]",
                     "correlation[capex, opex]"]


def test_higham_example():
    x, report = nearest_correlation(HIGHAM_A)
    np.testing.assert_allclose(x, HIGHAM_X, atol=1e-4)
    assert report.repaired and report.converged
    assert report.min_eigenvalue_before == pytest.approx(1 - math.sqrt(2))  # eig: 1, 1 ± sqrt 2
    assert report.min_eigenvalue_after > -1e-12
    assert report.max_abs_change == pytest.approx(np.abs(x - HIGHAM_A).max())
    assert report.max_abs_change == pytest.approx(1 - 0.7607, abs=1e-4)
    assert "not positive semi-definite" in str(report) and "0.239" in str(report)


def test_higham_result_is_nearer_than_random_correlation_matrices():
    x, _ = nearest_correlation(HIGHAM_A)
    best = np.linalg.norm(HIGHAM_A - x)
    rng = np.random.default_rng(0)
    for _ in range(2000):
        g = rng.standard_normal((3, 3))
        cov = g @ g.T
        d = 1 / np.sqrt(np.diag(cov))
        c = cov * d[:, None] * d[None, :]
        # also shrink towards the repaired matrix to probe its neighbourhood
        t = rng.uniform(0, 0.2)
        c = (1 - t) * x + t * c
        assert np.linalg.norm(HIGHAM_A - c) >= best - 1e-9


def test_valid_matrix_comes_back_unchanged():
    c = np.array([[1.0, 0.4, -0.2], [0.4, 1.0, 0.3], [-0.2, 0.3, 1.0]])
    out, report = nearest_correlation(c, names=["a", "b", "c"])
    np.testing.assert_array_equal(out, c)
    assert not report.repaired and report.max_abs_change == 0.0
    assert report.min_eigenvalue_before == report.min_eigenvalue_after > 0
    assert "used unchanged" in str(report)


def test_singular_but_psd_matrix_is_unchanged():
    c = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # perfect correlation
    out, report = nearest_correlation(c)
    np.testing.assert_array_equal(out, c)
    assert not report.repaired


def test_report_names_the_most_changed_pair():
    _, report = nearest_correlation([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]],
                                    names=["capex", "opex", "price"])
    assert report.repaired
    assert "(capex, opex)" in str(report) or "(capex, price)" in str(report) \
        or "(opex, price)" in str(report)


def test_spearman_pearson_conversion_closed_form():
    assert spearman_to_pearson(0.5) == pytest.approx(2 * math.sin(math.pi / 12))
    np.testing.assert_allclose(spearman_to_pearson([-1.0, 0.0, 1.0]), [-1.0, 0.0, 1.0])
    rho = np.linspace(-1, 1, 21)
    np.testing.assert_allclose(pearson_to_spearman(spearman_to_pearson(rho)), rho, atol=1e-12)


@pytest.mark.parametrize("c", [
    np.array([[1.0, 0.5], [0.5, 1.0]]),
    np.array([[1.0, 1.0], [1.0, 1.0]]),
    nearest_correlation(HIGHAM_A)[0],  # singular PSD
])
def test_correlation_factor_reproduces_matrix(c):
    f = correlation_factor(c)
    np.testing.assert_allclose(f @ f.T, c, atol=1e-12)


@st.composite
def symmetric_unit_diagonal(draw):
    k = draw(st.integers(2, 8))
    upper = draw(arrays(np.float64, (k, k), elements=st.floats(-1.0, 1.0)))
    a = np.triu(upper, 1)
    a = a + a.T
    np.fill_diagonal(a, 1.0)
    return a


@settings(max_examples=200, deadline=None)
@given(a=symmetric_unit_diagonal())
def test_nearest_correlation_is_always_a_correlation_matrix(a):
    x, report = nearest_correlation(a)
    assert np.linalg.eigvalsh(x)[0] >= -1e-10
    np.testing.assert_array_equal(np.diag(x), 1.0)
    np.testing.assert_array_equal(x, x.T)
    assert np.all(np.abs(x) <= 1.0 + 1e-12)
    assert report.max_abs_change == pytest.approx(np.abs(x - a).max(), abs=1e-15)
    if not report.repaired:
        np.testing.assert_array_equal(x, a)


@pytest.mark.parametrize("method", ["iman_conover", "gaussian_copula"])
def test_achieved_spearman_of_a_tied_discrete_input_equals_scipy(method):
    # The shipped delay input: three values, so most draws are tied.
    dists = [Triangular(low=0.6, mode=0.9, high=1.0),
             Discrete(values=[0, 1, 2], probabilities=[0.5, 0.35, 0.15]),
             Normal(mean=1.0, sd=0.1)]
    target = [[1.0, -0.4, 0.2], [-0.4, 1.0, 0.0], [0.2, 0.0, 1.0]]
    x = sample(dists, 20_000, seed=42, correlation=target, method=method).values
    np.testing.assert_allclose(spearman_matrix(x), stats.spearmanr(x).statistic, rtol=0, atol=1e-12)
    # two columns: spearmanr gives a scalar, spearman_matrix still the 2x2 matrix
    r = spearman_matrix(x[:, :2])
    assert r.shape == (2, 2)
    assert r[0, 1] == pytest.approx(stats.spearmanr(x[:, 0], x[:, 1]).statistic, abs=1e-12)
    # ranking ties in arbitrary order (argsort of argsort) misstates the tied pair
    arbitrary = np.corrcoef(np.argsort(np.argsort(x, axis=0), axis=0), rowvar=False)
    assert abs(arbitrary[0, 1] - r[0, 1]) > 0.01


@pytest.mark.filterwarnings("ignore:Degrees of freedom:RuntimeWarning")
@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), k=st.integers(1, 5), levels=st.sampled_from([0, 1, 2, 3, 7, 50]),
       seed=st.integers(0, 2**32 - 1), fortran=st.booleans())
def test_ranks_and_spearman_matrix_equal_scipys_rankdata_bit_for_bit(n, k, levels, seed, fortran):
    """The ranks (ties averaged) and the matrix as ``np.corrcoef(scipy.stats.rankdata(x,
    axis=0))`` computes them, to the last bit: ``levels`` distinct values per column (0: all
    distinct) makes ties of every length, including a column of one value."""
    from finmodel.sensitivity.correlation import _ranks
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, k))
    if levels:
        x = np.floor(rng.random((n, k)) * levels)
    x = np.asfortranarray(x) if fortran else np.ascontiguousarray(x)
    expected = stats.rankdata(x, axis=0)
    got = _ranks(x)
    assert got.strides == expected.strides
    np.testing.assert_array_equal(got, expected)
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant column: NaN, as numpy has it
        want = np.corrcoef(expected, rowvar=False)
        have = spearman_matrix(x)
    assert want.tobytes() == have.tobytes()


def test_ranks_of_a_column_with_nan_are_scipys():
    from finmodel.sensitivity.correlation import _ranks
    x = np.array([[1.0, 2.0], [np.nan, 1.0], [0.5, 1.0]])
    np.testing.assert_array_equal(_ranks(x), stats.rankdata(x, axis=0))
