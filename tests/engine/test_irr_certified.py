"""The IRR's short cut (issue 16): rows with 2+ sign changes whose root count Descartes' rule
settles on each side of r = 0 skip the eigenvalues; the answer must not change.

References from outside the short cut: the eigenvalue path of the same module (forced by
switching the certificate off), numpy-financial's ``irr`` (its own ``np.roots``), and a
polynomial with a known root built by hand.
"""
from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.engine import irr

# Flows shaped like the model's FCF with a dip: - - - - + - + + + (three sign changes).
DIP = [-30.0, -40.0, -35.0, -20.0, 15.0, -5.0, 30.0, 45.0, 60.0, 70.0]


def dip_rows(n: int, seed: int = 0) -> np.ndarray:
    """DIP scaled and jittered per row: many rows with V = 3 and one real IRR."""
    rng = np.random.default_rng(seed)
    rows = np.array(DIP) * rng.uniform(0.6, 1.4, (n, len(DIP)))
    rows[:, 5] = -rng.uniform(0.5, 25.0, n)  # the dip: from a nick to a second trough
    return rows


def without_certificate(monkeypatch, f):
    monkeypatch.setattr(irr, "certified_count", lambda flows: np.full(np.shape(flows)[0], -1))
    return f()


def test_the_dip_is_certified_and_agrees_with_numpy_financial():
    f = np.array([DIP])
    assert irr.sign_changes(f)[0] == 3
    assert irr.certified_count(f)[0] == 1
    # numpy-financial puts its first value at t = 0: a zero there puts DIP at t = 1..m
    assert irr.irr(f).value[0] == pytest.approx(npf.irr([0.0] + DIP), rel=1e-12)


def test_hand_built_one_root_three_sign_changes():
    # (x - 1/1.07)(x^2 + 1) = x^3 - x^2/1.07 + x - 1/1.07: signs + - + -, one real root x = 1/1.07
    a = 1 / 1.07
    f = np.array([[-a, 1.0, -a, 1.0]])
    assert irr.sign_changes(f)[0] == 3 and irr.certified_count(f)[0] == 1
    assert irr.irr(f).value[0] == pytest.approx(0.07, rel=1e-12)


def test_two_roots_on_one_side_are_not_certified():
    # roots at r = 6 % and 32 %: both x in (0, 1), two sign changes on that side
    f = np.polynomial.polynomial.polyfromroots([1 / 1.06, 1 / 1.32])[None, :]
    assert irr.certified_count(f)[0] == -1


def test_a_root_at_zero_is_not_certified():
    # NPV at r = 0 is the sum of the flows: 0 -> x = 1 lies on neither side
    assert irr.certified_count(np.array([[-1.0, 2.0, -2.0, 1.0]]))[0] == -1


def test_batch_equals_the_eigenvalue_path(monkeypatch):
    f = dip_rows(2000)
    fast, rc = irr.irr(f), irr.root_count(f)
    assert (irr.sign_changes(f) >= 2).sum() > 1000
    assert (irr.certified_count(f[irr.sign_changes(f) >= 2]) >= 0).mean() > 0.9  # the short cut is taken
    slow = without_certificate(monkeypatch, lambda: irr.irr(f))
    slow_rc = without_certificate(monkeypatch, lambda: irr.root_count(f))
    assert np.array_equal(fast.reason, slow.reason) and fast.reasons == slow.reasons
    ok = ~np.isnan(slow.value)
    assert np.array_equal(np.isnan(fast.value), ~ok)
    np.testing.assert_allclose(fast.value[ok], slow.value[ok], rtol=1e-12, atol=0)
    assert np.array_equal(rc.exact, slow_rc.exact) and rc.note == slow_rc.note
    np.testing.assert_allclose(rc.first, slow_rc.first, rtol=1e-12, atol=1e-15)
    assert irr.irr_roots_fit(f, 1e-9).all()


def test_valued_rows_agree_with_numpy_financial():
    f = dip_rows(40, seed=3)
    got = irr.irr(f)
    for i in range(len(f)):
        if got.reason[i] == 0:
            assert got.value[i] == pytest.approx(npf.irr(np.r_[0.0, f[i]]), rel=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-100, 100).filter(lambda v: abs(v) > 1e-3), min_size=3, max_size=12))
def test_a_certified_count_is_the_eigenvalue_count(flows):
    f = np.array([flows])
    c = irr.certified_count(f)[0]
    if c >= 0:
        assert c == irr.real_irrs(f)[0].size


def test_the_root_count_guard_flags_a_first_root_that_is_not_a_root():
    # -100, +230, -132: NPV = 0 at r = 10 % and 20 % (two IRRs, V = 2); -100, +110: V = 1.
    # The guard holds for the engine's own count and lowest root; with a tolerance below zero
    # no |NPV(first)| passes, so a V >= 2 row with roots is flagged and a V <= 1 row never is
    f = np.array([[-100.0, 230.0, -132.0], [-100.0, 110.0, 0.0]])
    assert irr.irr_roots_fit(f, 1e-9).tolist() == [True, True]
    assert irr.irr_roots_fit(f, -1.0).tolist() == [False, True]
    rc = irr.root_count(f)
    assert rc.exact[0] == 2 and abs(rc.first[0] - 0.1) < 1e-12  # by hand: 132x^2 - 230x + 100 = 0 at x = (230 -/+ 10) / 264 = 1/1.2, 1/1.1
