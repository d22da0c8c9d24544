"""Engine functions rewritten for speed (issue 16) against the plain loops they replaced,
written out here as the reference: the results must be equal (bit for bit where the order of
the additions is kept, else to 1e-12 relative)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.engine import capex, irr
from finmodel.engine import financing as fin


def construction_spend_loop(c, lead):
    """The period-by-period loop: capacity delivered in q is paid 1/L in each of q-L .. q-1,
    what falls before the first forecast period paid in it."""
    c = np.asarray(c, dtype=float)
    n, T = c.shape
    L = np.broadcast_to(np.asarray(lead, dtype=float), (n, 1))[:, 0]
    out = np.zeros((n, T))
    out[:, 0] = c[:, 0]
    for i in range(n):
        if L[i] <= 0:
            out[i, 1:] = c[i, 1:]
            continue
        for q in range(1, T):
            for k in range(1, int(L.max()) + 1):
                out[i, max(q - k, 1)] += (k <= L[i]) * c[i, q] / L[i]
    return out


def test_construction_spend_equals_the_loop_with_leads_per_row():
    rng = np.random.default_rng(2)
    c = rng.uniform(0, 50, (200, 16))
    lead = rng.choice([0.0, 1.0, 2.0, 2.5, 3.0, 5.0], (200, 1))
    np.testing.assert_array_equal(capex.construction_spend(c, lead), construction_spend_loop(c, lead))


def test_construction_spend_equals_the_loop_with_one_lead():
    c = np.random.default_rng(3).uniform(0, 50, (50, 16))
    for lead in (0.0, 1.0, 2.0, 4.0, 20.0):
        np.testing.assert_array_equal(capex.construction_spend(c, np.array([[lead]])),
                                      construction_spend_loop(c, lead))


def test_construction_spend_equals_the_loop_when_every_row_has_a_lead():
    # every row builds (no row pays on delivery: the path without row copies), leads differ by
    # row, and timelines as short as one period
    rng = np.random.default_rng(4)
    for T in (1, 2, 3, 16):
        c = rng.uniform(0, 50, (100, T))
        lead = rng.choice([1.0, 1.5, 2.0, 3.0, 5.0], (100, 1))
        np.testing.assert_array_equal(capex.construction_spend(c, lead), construction_spend_loop(c, lead))


def test_construction_spend_by_hand():
    # 30 delivered in the 4th period with a 2-year lead: 15 in the 2nd and 3rd; 12 in the 2nd
    # period with a 2-year lead falls before the first forecast period: all 12 paid in it
    got = capex.construction_spend(np.array([[5.0, 12.0, 0.0, 30.0]]), np.array([[2.0]]))
    np.testing.assert_allclose(got, [[5.0, 12.0 + 15.0, 15.0, 0.0]])


def sign_carry_loop(x, first=0):
    out = np.zeros(x.shape)
    prev = np.zeros(x.shape[0])
    for t in range(first, x.shape[1]):
        prev = np.where(x[:, t] > 0, 1.0, np.where(x[:, t] < 0, -1.0, prev))
        out[:, t] = prev
    return out


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from([-2.0, -0.0, 0.0, 3.0]), min_size=5, max_size=5),
                min_size=1, max_size=6))
def test_sign_carry_equals_the_loop(rows):
    x = np.array(rows)
    assert np.array_equal(irr.sign_carry(x), sign_carry_loop(x))
    assert np.array_equal(irr.sign_carry(x, period=np.arange(1, 6)), sign_carry_loop(x, first=1))
    out = irr.sign_carry(x)
    assert not (np.signbit(out) & (out == 0)).any()  # no -0.0


def sign_changes_loop(x):
    """Descartes' V by hand: the sign changes between consecutive non-zero flows of each row."""
    out = []
    for row in x:
        signs = [1 if v > 0 else -1 for v in row if v != 0]
        out.append(sum(a != b for a, b in zip(signs, signs[1:])))
    return np.array(out)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from([-2.0, -0.0, 0.0, 3.0, -1e-300, 7e300]), min_size=6, max_size=6),
                min_size=1, max_size=8))
def test_sign_changes_equal_the_loop(rows):
    # rows without a zero take the boolean path, the others the carried signs: both counted
    x = np.array(rows)
    assert np.array_equal(irr.sign_changes(x), sign_changes_loop(x))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from([-2.0, -0.0, 0.0, 3.0, np.nan, np.inf, -np.inf, 1e308]),
                         min_size=4, max_size=4), min_size=1, max_size=6))
def test_brackets_are_strict_sign_changes(rows):
    # a bracket is where NPV goes from one strict sign to the other: zeros and NaN never bracket
    scan = np.array(rows)
    want = [[(a > 0 and b < 0) or (a < 0 and b > 0) for a, b in zip(r, r[1:])] for r in rows]
    assert np.array_equal(irr.brackets(scan), np.array(want, dtype=bool).reshape(scan.shape[0], -1))


def test_horner_equals_the_powers():
    rng = np.random.default_rng(4)
    f = rng.normal(size=(30, 15))
    x = rng.uniform(0.1, 2.0, 30)
    t = np.arange(1, 16)
    val, der = irr._horner(f, x)
    np.testing.assert_allclose(val, (f * x[:, None] ** t).sum(axis=1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(der, (f * t * x[:, None] ** (t - 1)).sum(axis=1), rtol=1e-12, atol=1e-12)


def retired_loop(row, life):
    """Period by period: (1 - f) x row(t - k) + f x row(t - k - 1), L = max(1, life) = k + f."""
    row = np.asarray(row, dtype=float)
    n, T = row.shape
    L = np.broadcast_to(np.maximum(1.0, np.asarray(life, dtype=float)), (n, 1))[:, 0]
    out = np.zeros((n, T))
    for i in range(n):
        k = int(np.floor(L[i]))
        f = L[i] - k
        for t in range(T):
            if t - k >= 0:
                out[i, t] += (1.0 - f) * row[i, t - k]
            if t - k - 1 >= 0:
                out[i, t] += f * row[i, t - k - 1]
    return out


@pytest.mark.parametrize("life", [0.5, 1.0, 2.5, 4.0, 15.0, 30.0])
def test_retired_with_one_life_equals_the_loop_and_the_per_row_path(life):
    from finmodel.engine import capacity
    row = np.random.default_rng(6).uniform(0, 10, (40, 16))
    one = capacity.retired(row, np.array([[life]]))  # whole-row slices
    per_row = capacity.retired(row, np.full((40, 1), life))  # the per-row gather
    np.testing.assert_array_equal(one, per_row)
    np.testing.assert_allclose(one, retired_loop(row, life), rtol=1e-15, atol=0)


def test_retired_with_lives_per_row_equals_the_loop_bit_for_bit():
    # lives 0.5..9 across 300 rows: rows are taken in groups of the same whole-year part
    from finmodel.engine import capacity
    rng = np.random.default_rng(8)
    row = rng.uniform(-5, 10, (300, 16))
    row[::7, 3] = -0.0  # a -0.0 term: the loop's 0.0 + (-0.0) gives 0.0
    life = rng.uniform(0.5, 9.0, (300, 1))
    life[::11] = 4.0  # whole years: no lag-(k + 1) share
    np.testing.assert_array_equal(capacity.retired(row, life), retired_loop(row, life))


def purchases_loop(added, refresh, life):
    """p(t) = added(t) + refresh x ((1 - f) p(t - k) + f p(t - k - 1)), L = max(1, life) = k + f,
    row by row and period by period; a term before the first period adds 0."""
    n, T = added.shape
    L = np.maximum(1.0, life[:, 0])
    p = np.zeros((n, T))
    for i in range(n):
        k = int(np.floor(L[i]))
        f = L[i] - k
        r = float(refresh[i, 0] > 0)
        for t in range(T):
            p[i, t] = added[i, t]
            p[i, t] += r * (1.0 - f) * p[i, t - k] if t - k >= 0 else 0.0
            p[i, t] += r * f * p[i, t - k - 1] if t - k - 1 >= 0 else 0.0
    return p


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60))
def test_purchases_gw_with_lives_per_row_equals_the_loop_bit_for_bit(seed, n):
    rng = np.random.default_rng(seed)
    added = rng.choice([0.0, -0.0, 0.5, 1.25, 3.0], (n, 16)) * rng.uniform(0.5, 2.0, (n, 1))
    refresh = rng.choice([0.0, 1.0], (n, 1))
    life = rng.choice([0.5, 1.0, 2.0, 2.5, 3.75, 4.0, 5.5, 7.0, 17.0], (n, 1))
    got = capex.purchases_gw(added, refresh, life)
    np.testing.assert_array_equal(got, purchases_loop(added, refresh, life))
    # and each row alone (one life for the batch: no groups) gives the same row
    np.testing.assert_array_equal(got[:1], capex.purchases_gw(added[:1], refresh[:1], life[:1]))


def online_loop(added, refresh, life):
    n, T = added.shape
    out = np.zeros((n, T))
    for t in range(T):
        for v in range(t + 1):
            out[:, t] += added[:, v] * (1.0 if refresh else np.clip(max(1.0, life) - (t - v), 0.0, 1.0))
    return out


@pytest.mark.parametrize("refresh", [0.0, 1.0])
def test_owned_online_gw_equals_the_loop(refresh):
    from finmodel.engine import capacity
    added = np.random.default_rng(7).uniform(0, 3, (30, 16))
    got = capacity.owned_online_gw(added, None, np.array([[refresh]]), np.array([[4.5]]))
    np.testing.assert_allclose(got, online_loop(added, refresh, 4.5), rtol=1e-13, atol=0)


def test_owned_online_gw_with_lives_and_refresh_per_row_equals_the_loop():
    from finmodel.engine import capacity
    rng = np.random.default_rng(9)
    added = rng.uniform(0, 3, (60, 16))
    life = rng.uniform(0.5, 12.0, (60, 1))
    refresh = rng.choice([0.0, 1.0], (60, 1))
    got = capacity.owned_online_gw(added, None, refresh, life)
    want = np.vstack([online_loop(added[i:i + 1], refresh[i, 0], life[i, 0]) for i in range(60)])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)  # the loop adds vintages in the other order


def test_depreciation_with_lives_per_row_equals_the_loop():
    rng = np.random.default_rng(10)
    c = rng.uniform(0, 50, (80, 16))
    life = rng.uniform(0.5, 20.0, (80, 1))
    residual = 0.1
    want = np.zeros((80, 16))
    for i in range(80):  # dep(t) = (1 - residual) sum_{v <= t} capex(v) clip(L - (t - v), 0, 1) / L
        for t in range(16):
            for v in range(t + 1):
                want[i, t] += c[i, v] * (np.clip(life[i, 0] - (t - v), 0.0, 1.0) / life[i, 0])
    np.testing.assert_allclose(capex.depreciation(c, life, np.array([[residual]])), want * (1 - residual),
                               rtol=1e-14, atol=0)


def test_renewal_payment_once_per_end_year_equals_the_direct_power():
    # 2,000 rows with four end years (the delay's values): the power is taken per distinct end
    # year and gathered; the same numbers as (1 + esc)^max(0, year - end - 1) row by row
    from finmodel.engine import deals
    rng = np.random.default_rng(9)
    year = np.arange(2025, 2041, dtype=float)[None, :]
    end = rng.choice([2029.0, 2030.0, 2031.0, 2033.0], (2000, 1))
    renewed = rng.uniform(0, 0.3, (2000, 16))
    got = deals.renewal_payment(40.0, 0.9, renewed, 1.1, np.array([[0.04]]), year, end)
    direct = (40.0 * 0.9 * 1.1) * renewed * 1.04 ** np.maximum(year - end - 1.0, 0.0)
    np.testing.assert_array_equal(got, direct)
    # by hand: ended 2030, in 2033 two years after the first renewal year (2031): 1.04^2
    assert got[np.flatnonzero(end[:, 0] == 2030.0)[0], 8] == pytest.approx(
        39.6 * renewed[np.flatnonzero(end[:, 0] == 2030.0)[0], 8] * 1.0816, rel=1e-14)


def test_revenue_grown_from_one_growth_row_for_all_is_the_full_product():
    # a growth row broadcast to every scenario (what the evaluator hands an unmarked function)
    # is compounded once: the same bits as compounding every row, by hand for the first
    from finmodel.engine import revenue
    rng = np.random.default_rng(6)
    start = rng.uniform(1, 50, (300, 1))
    g = rng.uniform(-0.2, 1.5, (1, 16))
    got = revenue.grown(start, np.broadcast_to(g, (300, 16)))
    np.testing.assert_array_equal(got, revenue.grown(start, np.ascontiguousarray(np.broadcast_to(g, (300, 16)))))
    assert got.shape == (300, 16)
    by_hand = [start[0, 0]]
    for t in range(1, 16):
        by_hand.append(by_hand[-1] * (1.0 + g[0, t]))
    np.testing.assert_allclose(got[0], by_hand, rtol=1e-13)


def online_every_age_multiplied(added, refresh, life):
    """owned_online_gw as 0b8f86d wrote it: every age's vintages x their keep factor."""
    from finmodel.engine import capacity
    n, T = added.shape
    out = np.zeros((T, n))
    for a in range(T):
        keep = np.where(np.asarray(refresh) > 0, 1.0, capacity.in_service(life, float(a)))
        np.add(out[a:], added.T[:T - a] * keep.reshape(-1), out=out[a:])
    return out.T


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), special=st.sampled_from([None, -0.0, np.inf, -np.inf, np.nan, -2.0]),
       refresh=st.sampled_from(["off", "on", "per row"]), lives=st.sampled_from(["one", "per row"]))
def test_owned_online_gw_skips_no_term_that_changes_a_bit(seed, special, refresh, lives):
    # ages that keep every vintage add without x 1, ages that keep none are skipped (unless a
    # GW added is inf or NaN, whose x 0 is NaN): the same bits as multiplying every age
    from finmodel.engine import capacity
    rng = np.random.default_rng(seed)
    added = rng.uniform(0, 3, (40, 12))
    if special is not None:
        added[rng.integers(40), rng.integers(12)] = special
    ref = {"off": np.array([[0.0]]), "on": np.array([[1.0]]), "per row": rng.choice([0.0, 1.0], (40, 1))}[refresh]
    life = np.array([[rng.uniform(0.5, 8.0)]]) if lives == "one" else rng.uniform(0.5, 8.0, (40, 1))
    got = capacity.owned_online_gw(added, None, ref, life)
    want = online_every_age_multiplied(added, ref, life)
    assert got.shape == want.shape and np.array_equal(got.view(np.uint64), want.view(np.uint64))


def test_an_explicit_ramp_gives_a_non_finite_age_no_share():
    # NaN and +-inf ages are outside every term (share 0), as with the other ramps; finite ages
    # take their year's share by hand
    from finmodel.engine import deals
    a = np.array([[np.nan, np.inf, -np.inf, 0.0, 1.0, 2.0, 3.0]])
    shares = np.array([[0.2, 0.3, 0.5]])
    got = deals.RAMP_SHARE["explicit"](a, np.array([[3.0]]), shares)
    np.testing.assert_array_equal(got, [[0.0, 0.0, 0.0, 0.2, 0.3, 0.5, 0.0]])
    np.testing.assert_array_equal(deals.RAMP_SHARE["linear"](a, np.array([[3.0]]))[0, :3], [0.0, 0.0, 0.0])


def implied_rate_plain(flows, base, one_off, growth, valuation, equity, cash, margin, high):
    """The reverse DCF's bisection as first written: every row searched, a new array per
    operation, np.where to move the ends, the terminal value from ``gordon_terminal``."""
    from finmodel.engine.metrics import gordon_terminal
    base, one_off, g, target, lo, hi, flows = fin._rdcf_inputs(flows, base, one_off, growth, valuation,
                                                               equity, cash, margin, high)
    by_period = np.ascontiguousarray(np.asarray(flows, dtype=float)[:, 1:].T)

    def value(rate):
        x = 1.0 / (1.0 + rate)
        explicit = np.zeros(len(x))
        for f_t in by_period[::-1]:
            explicit += f_t
            explicit *= x
        return explicit + gordon_terminal(base, one_off, rate, g) * x ** len(by_period) - target

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        v_low = fin.reverse_dcf_value(lo, flows, base, one_off, g, target)
        v_high = fin.reverse_dcf_value(hi, flows, base, one_off, g, target)
        for _ in range(fin.RDCF_STEPS):
            mid = (lo + hi) / 2.0
            same = value(mid) * v_low > 0
            lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    found = v_low * v_high < 0
    return np.where(found, mid, np.nan), (~found).astype(np.int8)


@pytest.mark.parametrize("n", [400, 37, 36, 8, 1])
@pytest.mark.parametrize("all_found", [True, False])
def test_implied_rate_equals_the_plain_bisection_bit_for_bit(all_found, n):
    """Rows with and without a sign change (and a NaN flow), a strided (n, 1) base as the
    evaluator gives a metric's column, growth one number for all; as many rows as a batch, as
    the fewest that take a step at a time (37) and as take several steps a round (36, 8, 1:
    select.bisect)."""
    rng = np.random.default_rng(11)
    T = 16
    t = np.arange(T)
    turn = rng.integers(3, 9, n)[:, None]
    flows = np.where(t < turn, -rng.uniform(5, 60, (n, T)), rng.uniform(10, 200, (n, T)) * (t - turn + 1))
    if not all_found:
        flows[7 % n, 5] = np.nan
    base = np.repeat(rng.uniform(50, 600, (n, 1)), 4, axis=1)[:, 1:2]  # strided
    growth = np.array([[0.025]])
    lo_v = fin.reverse_dcf_value(np.full(n, 0.025 + 1e-4), flows, base[:, 0], 0.0, 0.025, 0.0)
    hi_v = fin.reverse_dcf_value(np.full(n, 1.0), flows, base[:, 0], 0.0, 0.025, 0.0)
    share = rng.uniform(0.05, 0.95, n) if all_found else rng.uniform(-0.3, 1.2, n)
    price = hi_v + share * (lo_v - hi_v)
    args = dict(flows=flows, base=base, one_off=rng.uniform(0, 30, (n, 1)), growth=growth,
                valuation=np.repeat(price[:, None], T, axis=1), equity=np.zeros((n, T)),
                cash=np.zeros((n, T)), margin=np.array([[1e-4]]), high=np.array([[1.0]]))
    m = fin.implied_rate(**args)
    value, reason = implied_rate_plain(**args)
    assert (reason == 0).all() == all_found
    assert np.array_equal(m.value.view(np.uint64), value.view(np.uint64))
    np.testing.assert_array_equal(m.reason, reason)
