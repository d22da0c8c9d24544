"""Exact IRR root counts (issue 9, item 3): polynomials with known roots, built by hand.

NPV(r) = sum_t f_t x^t with x = 1 / (1 + r). Flows f_1..f_m are the coefficients of
x * Q(x), so Q's positive real roots x_i are the IRRs r_i = 1 / x_i - 1, and a factor with no
real root (x^2 + 1, x^2 - x + 1) adds sign changes but no IRR.
"""
from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from numpy.polynomial import polynomial as P

from finmodel.engine import irr, metrics


def flows_with_irrs(rates, extra=(1.0,)) -> np.ndarray:
    """Flows f_1..f_m whose NPV is x * prod(x - 1/(1+r)) * extra(x)."""
    return P.polymul(P.polyfromroots([1.0 / (1.0 + r) for r in rates]), extra)


CASES = {
    # name: (flows, exact count, text or None when valued, value)
    "0 roots, no sign change": ([1.0, 2.0, 3.0], 0, "n/a: no sign change", None),
    # x^2 - x + 1: two sign changes (Descartes allows 2 or 0), discriminant -3 < 0: no root
    "0 roots, 2 sign changes": ([1.0, -1.0, 1.0], 0, "n/a: no real IRR (NPV is never 0)", None),
    "1 root": (flows_with_irrs([0.15]), 1, None, 0.15),
    # (x - 1/1.07)(x^2 + 1): three sign changes, one real root
    "1 root, 3 sign changes": (flows_with_irrs([0.07], [1.0, 0.0, 1.0]), 1, None, 0.07),
    "2 roots": (flows_with_irrs([0.06, 0.32]), 2, "n/a: 2 IRRs: 6.0% and 32.0%", None),
    # 10.5% and 11.5% lie in ONE cell of the scan (10% .. 12.5%): the scan sees no sign change
    "2 roots in one scan cell": (flows_with_irrs([0.105, 0.115]), 2, "n/a: 2 IRRs: 10.5% and 11.5%", None),
    "3 roots": (flows_with_irrs([-0.20, 0.04, 0.45]), 3, "n/a: 3 IRRs: -20.0%, 4.0% and 45.0%", None),
    # two in one cell and a third elsewhere: the scan sees one sign change
    "3 roots, 2 in one cell": (flows_with_irrs([0.105, 0.115, 0.60], [1.0, 0.5]), 3,
                               "n/a: 3 IRRs: 10.5%, 11.5% and 60.0%", None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_exact_root_counts_on_known_polynomials(name):
    flows, count, text, value = CASES[name]
    f = np.array([flows], dtype=float)
    rc = irr.root_count(f)
    assert rc.exact[0] == count
    assert rc.exact[0] <= max(rc.sign_changes[0], 0) and rc.exact[0] >= rc.scanned[0]
    got = metrics.irr(f)
    assert got.text(0) == text
    if value is None:
        assert np.isnan(got.value[0])
    else:
        assert got.value[0] == pytest.approx(value, rel=1e-9)


def test_two_roots_in_one_cell_are_invisible_to_the_scan():
    f = np.array([flows_with_irrs([0.105, 0.115])])
    assert irr.root_count(f).scanned[0] == 0 and irr.sign_changes(f)[0] == 2


def test_all_rows_in_one_call_equal_row_by_row():
    rows = [np.pad(np.asarray(c[0], float), (0, 6 - len(c[0]))) for c in CASES.values()]
    batch = metrics.irr(np.array(rows))
    for i, r in enumerate(rows):
        one = metrics.irr(r[None, :])
        assert batch.text(i) == one.text(0)
        assert np.array_equal(np.isnan(batch.value[i]), np.isnan(one.value[0]))


def test_a_conventional_project_keeps_numpy_financials_irr():
    flows = [-100.0, 30.0, 40.0, 50.0, 60.0]
    assert irr.sign_changes(np.array([flows]))[0] == 1
    assert metrics.irr(np.array([flows])).value[0] == pytest.approx(npf.irr(flows), rel=1e-9)


def test_descartes_skips_zeros():
    assert irr.sign_changes(np.array([[-1.0, 0.0, 0.0, 2.0, 0.0, -1.0]]))[0] == 2
    assert irr.sign_carry(np.array([[5.0, -1.0, 0.0, 2.0]]), period=np.arange(1, 5)).tolist() == [[0, -1, -1, 1]]


def test_the_workbook_guard_holds_for_the_engine():
    f = np.array([np.pad(np.asarray(c[0], float), (0, 6 - len(c[0]))) for c in CASES.values()])
    assert irr.irr_roots_fit(f, 1e-9).all()


def test_moic_by_hand():
    # forecast (periods 2..): -100, -50, 40, 60, 90; in 190 / out 150 = 1.2667
    row = np.array([[-7.0, -100.0, -50.0, 40.0, 60.0, 90.0]])
    assert metrics.moic(row).value[0] == pytest.approx(190 / 150, rel=1e-12)
    # with a terminal value of 300 in the last year: (190 + 300) / 150
    tv = metrics.with_terminal(row, np.array([[300.0]]), np.arange(1, 7)[None, :])
    assert metrics.moic(tv).value[0] == pytest.approx(490 / 150, rel=1e-12)
    none = metrics.moic(np.array([[-1.0, 1.0, 2.0]]))
    assert none.text(0) == "n/a: no year of negative FCF"


def test_a_century_of_flows_brackets_without_overflow():
    """NPV at -99 % over 120 years is ~1e240: the bracket test compares signs, never the
    product of two such numbers (which overflows to inf with a RuntimeWarning)."""
    flows = np.array([[-100.0] * 5 + [30.0] * 115])
    with np.errstate(all="raise"):
        scan = irr.npv_at_rates(flows)
        found = irr.brackets(scan)
    assert found.sum() == 1


def _fresh(flows):
    irr._ANALYSED.clear()
    return irr._root_count(np.array(flows, dtype=float))


def test_the_kept_root_analysis_is_only_handed_back_for_the_same_bits():
    """The IRR metric and its root-count check share one analysis per flow (kept by the bits of
    the flows): flows changed in place, by one ulp or by the sign of a zero are analysed anew,
    and what is handed out cannot be changed."""
    rng = np.random.default_rng(7)
    f = rng.normal(0, 10, (200, 12))
    f[:, 0] = -50.0
    f[::3, 5:] *= -1  # rows with 2+ sign changes
    want, want_cross, want_refined = _fresh(f)
    rc, cross, refined = irr._root_count(f)  # kept
    assert rc is want and cross is want_cross and refined is want_refined
    assert not rc.first.flags.writeable and not cross.flags.writeable and not refined.flags.writeable
    g = f.copy()
    g[10, 3] = np.nextafter(g[10, 3], np.inf)  # one ulp
    irr._root_count(f)
    np.testing.assert_array_equal(irr._root_count(g)[0].first, _fresh(g)[0].first)
    assert irr._root_count(g)[0] is not want
    irr._ANALYSED.clear()
    irr._root_count(f)
    f[::3, 5:] *= -1  # the same array changed in place: no row may keep its old analysis
    got = irr._root_count(f)[0]
    fresh = _fresh(f)[0]
    assert got is not want
    for a, b in ((got.sign_changes, fresh.sign_changes), (got.exact, fresh.exact), (got.first, fresh.first)):
        np.testing.assert_array_equal(a, b)
    assert got.note == fresh.note
    assert not np.array_equal(got.sign_changes, want.sign_changes)
    z = np.zeros((1, 6))
    z[0, 0], z[0, 5] = -1.0, 2.0
    nz = z.copy()
    nz[0, 3] = -0.0
    irr._root_count(z)
    assert irr._root_count(nz)[0] is not irr._root_count(z)[0]  # -0.0 and 0.0 differ in bits


def test_the_irr_metric_and_its_check_analyse_each_flow_once(monkeypatch):
    calls = []
    analyse = irr._analyse
    monkeypatch.setattr(irr, "_analyse", lambda f: calls.append(f.shape) or analyse(f))
    irr._ANALYSED.clear()
    f = np.array([[-100.0, 230.0, -132.0], [-100.0, 50.0, 60.0]])
    value = irr.irr(f)
    assert irr.irr_roots_fit(f, 1e-9).all()
    assert calls == [(2, 3)]
    irr._ANALYSED.clear()
    again = irr.irr(f)
    np.testing.assert_array_equal(value.value, again.value)
    assert value.reasons == again.reasons
    assert calls == [(2, 3), (2, 3)]
