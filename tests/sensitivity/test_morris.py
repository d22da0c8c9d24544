"""Morris screening through the core the model uses, on functions whose effects are known."""
from __future__ import annotations

import numpy as np

import pytest

from finmodel.sensitivity.distributions import LogNormal, Pert, Triangular, Uniform
from finmodel.sensitivity.morris import TAIL, level_values, morris_indices, unit_to_quantile


def test_a_linear_function_has_its_coefficients_as_mu_star_and_no_sigma():
    """y = sum b_i x_i with x_i ~ U(0, w_i): every elementary effect of input i is b_i w_i (its
    change across the whole range), so mu* = |b_i| w_i, mu = b_i w_i, sigma = 0."""
    b = np.array([10.0, -5.0, 1.0, 0.0])
    w = np.array([1.0, 2.0, 3.0, 1.0])
    r = morris_indices(list("abcd"), [Uniform(low=0.0, high=x) for x in w], lambda x: {"y": x @ b}, 10, seed=3)
    t = r.table.set_index("input")
    np.testing.assert_allclose(t["mu_star"].to_numpy(), np.abs(b * w), atol=1e-9)
    np.testing.assert_allclose(t["mu"].to_numpy(), b * w, atol=1e-9)
    np.testing.assert_allclose(t["sigma"].to_numpy(), 0.0, atol=1e-9)
    assert t["rank"].tolist() == [1, 2, 3, 4]  # |10|, |-5 x 2| tie broken by order, 3, 0
    assert r.rows == 10 * 5


def test_morris_ranks_the_sobol_g_function_by_its_known_importance():
    """Sobol' G: the smaller a_i, the more important x_i (a = 0 most, a = 99 almost inert)."""
    a = np.array([99.0, 0.0, 9.0, 1.0, 4.5])
    names = [f"x{i}" for i in range(len(a))]

    def g(x):
        return {"y": np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1)}

    r = morris_indices(names, [Uniform(low=0.0, high=1.0)] * len(a), g, 50, seed=1)
    t = r.table.set_index("input")
    assert t.sort_values("rank").index.tolist() == ["x1", "x3", "x4", "x2", "x0"]
    assert (t["sigma"] > 0).loc[["x1", "x3"]].all()  # a product: interactions


def test_an_interaction_shows_as_sigma_not_as_mu():
    """y = (x1 - 1/2) (x2 - 1/2): each effect's sign depends on the other input, so the mean mu is
    near 0 while mu* and sigma are not; x3 is inert."""
    r = morris_indices(["x1", "x2", "x3"], [Uniform(low=0.0, high=1.0)] * 3,
                       lambda x: {"y": (x[:, 0] - 0.5) * (x[:, 1] - 0.5)}, 200, seed=4)
    t = r.table.set_index("input")
    assert t.loc["x1", "sigma"] > 2 * abs(t.loc["x1", "mu"])
    assert t.loc["x3", "mu_star"] == 0 and t.loc["x3", "rank"] == 3


def test_levels_span_bounded_supports_whole_and_unbounded_ones_to_the_tails():
    d = [Triangular(low=1.0, mode=2.0, high=4.0), LogNormal(median=1.0, sigma=0.5)]
    q = unit_to_quantile(np.array([[0.0, 0.0], [1.0, 1.0]]), d)
    assert q[:, 0].tolist() == [0.0, 1.0]
    np.testing.assert_allclose(q[:, 1], [TAIL, 1 - TAIL])
    assert level_values(q[:, 0], d[0]).tolist() == [1.0, 4.0]
    pert = Pert(low=0.8, mode=1.0, high=1.2)  # its interpolated inverse CDF is n/a at 0 and 1
    assert level_values(np.array([0.0, 0.5, 1.0]), pert).tolist() == [0.8, pytest.approx(1.0), 1.2]


def test_trajectories_with_an_na_row_are_dropped_and_counted():
    def fn(x):
        return {"y": np.where(x[:, 0] > 0.99, np.nan, x.sum(axis=1))}

    r = morris_indices(["a", "b"], [Uniform(low=0.0, high=1.0)] * 2, fn, 30, seed=6)
    assert 0 < r.dropped["y"] < 30 and r.used["y"] + r.dropped["y"] == 30
    np.testing.assert_allclose(r.table["mu_star"].to_numpy(), [1.0, 1.0], atol=1e-9)


def test_the_global_random_state_is_left_as_it_was():
    np.random.seed(123)
    want = np.random.random()
    np.random.seed(123)
    morris_indices(["a"], [Uniform(low=0.0, high=1.0)], lambda x: {"y": x[:, 0]}, 4, seed=9)
    assert np.random.random() == want
