"""The Monte Carlo's reductions that replace numpy calls: equal to numpy bit for bit."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.sensitivity.montecarlo import _intervals, _partitioned_percentiles, _previous_index


def _partitioned(x, qs):
    prev = _previous_index(x.size, qs)
    return np.partition(x, sorted(set(prev.tolist()) | set(np.minimum(prev + 1, x.size - 1).tolist())))


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 3000), scale=st.floats(1e-3, 1e6), rounded=st.booleans(),
       qs=st.lists(st.floats(0, 100), min_size=1, max_size=6), seed=st.integers(0, 2**32 - 1))
def test_partitioned_percentiles_equal_numpy_bit_for_bit(n, scale, rounded, qs, seed):
    x = np.random.default_rng(seed).normal(size=n) * scale
    if rounded:  # ties: equal neighbours
        x = np.round(x)
    assert np.array_equal(_partitioned_percentiles(_partitioned(x, qs), qs), np.percentile(x, qs))


def test_partitioned_percentiles_at_the_ends_and_one_value():
    x = np.array([3.0, 1.0, 2.0])
    for qs in ([0, 100], [0.0, 50.0], [100.0], [5, 50, 95]):
        assert np.array_equal(_partitioned_percentiles(_partitioned(x, qs), qs), np.percentile(x, qs))
    one = np.array([7.0])
    assert np.array_equal(_partitioned_percentiles(one, [5, 95]), [7.0, 7.0])


def test_intervals_estimates_are_numpys_percentiles():
    # a hand case: 11 sorted values 0..10, P25 at index 2.5 -> 2.5; P50 -> 5
    x = np.random.default_rng(3).permutation(np.arange(11.0))
    (mean, _, _), (p25, _, _), (p50, _, _) = _intervals(x, [None, 25, 50])
    assert (mean, p25, p50) == (5.0, 2.5, 5.0)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 2000), seed=st.integers(0, 2**32 - 1))
def test_intervals_in_place_equal_the_copy_and_numpy(n, seed):
    x = np.random.default_rng(seed).lognormal(size=n)
    qs = [None, 5, 10, 25, 50, 75, 90, 95]
    own = x.copy()
    got = _intervals(own, qs, in_place=True)
    assert got == _intervals(x, qs)
    assert [e for e, _, _ in got[1:]] == np.percentile(x, qs[1:]).tolist()
    assert got[0][0] == float(x.mean())  # the mean of the draws in their order, before the partition


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 1500), seed=st.integers(0, 2**32 - 1), rounded=st.booleans())
def test_bands_equal_numpy_over_sorted_rows(n, seed, rounded):
    from finmodel.sensitivity.montecarlo import BAND_ITEMS, BAND_QUANTILES, _bands
    from finmodel.sensitivity.stats import quantile_interval_ranks
    rng = np.random.default_rng(seed)
    rows = {k: rng.normal(size=(4, n)) for k in BAND_ITEMS}
    if rounded:
        rows = {k: np.round(v) for k, v in rows.items()}
    bands, intervals = _bands({k: v.copy() for k, v in rows.items()}, np.arange(2030, 2034))
    lo_r, hi_r = quantile_interval_ranks(max(n, 1), np.array(BAND_QUANTILES) / 100.0, 0.95)
    for k, v in rows.items():
        s = np.sort(v, axis=1)
        if n:
            assert np.array_equal(bands[k][1].to_numpy(), np.percentile(s, BAND_QUANTILES, axis=1))
            lo = [s[:, r - 1] if r >= 1 else np.full(4, -np.inf) for r in lo_r]
            hi = [s[:, r - 1] if r <= n else np.full(4, np.inf) for r in hi_r]
            assert np.array_equal(intervals[k][0].to_numpy(), np.array(lo))
            assert np.array_equal(intervals[k][1].to_numpy(), np.array(hi))
        else:
            assert np.isnan(bands[k][1].to_numpy()).all()
