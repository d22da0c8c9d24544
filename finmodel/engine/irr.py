"""IRR with an exact count of real roots, vectorised; never a silently chosen root.

NPV(r) = sum_t f_t x^t with x = 1 / (1 + r) is a polynomial in x, and every real IRR above
-100 % is a positive real root x. Descartes' rule of signs bounds their number by V, the sign
changes of the flows (zeros skipped): V = 0 -> none, V = 1 -> exactly one. Only rows with
V >= 2 are ambiguous; for those the roots are the eigenvalues of the polynomial's companion
matrix (one batched ``numpy.linalg.eigvals`` per polynomial degree, never a loop over
scenarios), polished by Newton steps. A row with V >= 2 whose count Descartes' rule settles
on each side of x = 1 (r = 0) needs no eigenvalues: the flows mapped onto (0, 1) and (1, inf)
by x = 1/(1+y) and x = 1+y, each with 0 or 1 sign change whose signs no rounding can flip; one
root in all is then the scan's bracket refined, none is "no real IRR" (:func:`certified_count`).
Then each row gets:

- V = 0: "n/a: no sign change";
- exactly one real IRR bracketed by the scan on :data:`IRR_GRID`: the IRR (bisection, Newton);
- V = 1 and the scan finds no bracket: "n/a: the IRR is outside -99% to 1,000%";
- V >= 2 and no real root: "n/a: no real IRR (NPV is never 0)";
- two or more: "n/a: 2 IRRs: 10.0% and 20.0%" (each root, one decimal);
- V >= 2 and exactly one real root the scan does not bracket (NPV only touches 0, or the root
  sits on a scan rate): that root, polished; or "outside" as above.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .select import bisect

__all__ = ["IRR_GRID", "IRR_REASONS", "RootCount", "npv_at_rates", "brackets", "sign_carry",
           "sign_changes", "certified_count", "real_irrs", "root_count", "irr", "irr_roots_fit",
           "roots_text"]

# Rates at which NPV is scanned to bracket IRRs [fraction per year]. The workbook shows the
# same scan (Valuation sheet), so both find the same brackets.
IRR_GRID = np.array([-0.99, -0.95, -0.9, -0.8, -0.7, -0.6, -0.5, -0.4, -0.3, -0.2, -0.15, -0.1,
                     -0.05, 0.0, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.35,
                     0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0])

IRR_REASONS = ("", "n/a: no sign change", "n/a: no real IRR (NPV is never 0)",
               "n/a: the IRR is outside -99% to 1,000%")
IMAG_TOLERANCE = 1e-6  # |Im z| / max(1, |z|) below this: a real root (double roots split ~1e-8)
SAME_ROOT = 1e-6       # roots closer than this (relative in x) are one root
#: A shifted coefficient whose size is below this share of the sum of the sizes it is made of
#: has an uncertain sign (rounding of a sum of d terms is ~d x 1e-16 of it): not certified.
SIGN_CERTAIN = 1e-12


def npv_at_rates(flows: np.ndarray, rates: np.ndarray = IRR_GRID) -> np.ndarray:
    """NPV of ``flows`` (n, m) at each rate: (n, G) [US$ bn]."""
    t = np.arange(1, flows.shape[1] + 1, dtype=float)
    disc = (1.0 + rates[:, None]) ** -t[None, :]  # (G, m)
    return flows @ disc.T


def brackets(scan: np.ndarray) -> np.ndarray:
    """Where NPV changes sign between neighbouring rates of a scan (..., G-1) [bool]."""
    above, below = scan > 0, scan < 0  # signs as booleans: a product of values can overflow
    return (above[..., :-1] & below[..., 1:]) | (below[..., :-1] & above[..., 1:])


def sign_carry(x, period=None) -> np.ndarray:
    """Sign of the last non-zero value up to each period (0 before the first), from the second
    period when ``period`` is given (the first, actual, year is not valued) [-1, 0, 1].

    Spreadsheet: ``IF(period=1,0,IF(x>0,1,IF(x<0,-1,previous)))``.
    """
    s = np.sign(np.asarray(x, dtype=float))
    if period is not None:
        s[:, 0] = 0.0
    # rows with a zero after the first valued period carry a sign forward; in every other row
    # each period has its own sign (NaN included), which is then the carry itself
    gaps = np.nonzero(~(s[:, 0 if period is None else 1:] != 0).all(axis=1))[0]
    if gaps.size:
        g = s[gaps]
        # the last period up to each t with a non-zero sign (period 0, whatever its sign, when none)
        last = np.maximum.accumulate(np.where(g != 0, np.arange(g.shape[1]), 0), axis=1)
        s[gaps] = np.take_along_axis(g, last, axis=1)
    s += 0.0  # no -0.0 from a -0.0 flow
    return s


def sign_changes(flows) -> np.ndarray:
    """Descartes' V: sign changes of the flows with zeros skipped (n,) [count]."""
    flows = np.asarray(flows, dtype=float)
    above = flows > 0
    signed = above | (flows < 0)  # neither zero nor NaN
    v = np.count_nonzero(above[:, 1:] != above[:, :-1], axis=1)
    rest = np.nonzero(~signed.all(axis=1))[0]  # rows with a zero or a NaN: their carried signs
    if rest.size:
        s = sign_carry(flows[rest])
        v[rest] = np.sum(s[:, 1:] * s[:, :-1] < 0, axis=1)
    return v


def _shift_matrices(m: int) -> tuple[np.ndarray, np.ndarray]:
    """For p(x) = sum_j c_j x^j (j < m): c @ A are the coefficients of p(1 + y) and c @ B those
    of (1 + y)^(m-1) p(1 / (1 + y)) (binomial Taylor shifts; y > 0 maps onto x > 1 and
    0 < x < 1)."""
    from math import comb
    d = m - 1
    A = np.array([[comb(i, j) for j in range(m)] for i in range(m)], dtype=float)
    B = np.array([[comb(d - i, j) for j in range(m)] for i in range(m)], dtype=float)
    return A, B


def certified_count(flows) -> np.ndarray:
    """Real IRRs above -100 % of each row, where Descartes' rule settles it (n,) [count]; -1
    where it does not.

    Sign changes of the flows as polynomials in y > 0 with x = 1 + y (the roots x > 1, r < 0)
    and x = 1 / (1 + y) (0 < x < 1, r > 0): 0 or 1 on both sides is the exact count of each;
    a root at r = 0 itself, a side with 2 or more changes, or a coefficient whose sign the
    rounding could flip (below :data:`SIGN_CERTAIN` of its terms' sizes) leave it uncertain.
    """
    c = np.asarray(flows, dtype=float)
    A, B = _shift_matrices(c.shape[1])
    size = np.abs(c)
    count = np.zeros(c.shape[0], dtype=int)
    ok = np.ones(c.shape[0], dtype=bool)
    for shift in (A, B):
        coef, scale = c @ shift, size @ shift
        ok &= ~((scale > 0) & (np.abs(coef) <= SIGN_CERTAIN * scale)).any(axis=1)
        ok &= coef[:, 0] != 0  # p(1) = 0: a root at r = 0, on neither side
        v = sign_changes(coef)
        ok &= v <= 1
        count += v
    return np.where(ok, count, -1)


def _horner(f: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NPV = sum_t f_t x^t (t = 1..m) and d NPV / d x for each x (broadcast)."""
    by_period = np.moveaxis(f, -1, 0)
    if by_period.ndim == 2:  # (m, n): each period's flows contiguous
        by_period = np.ascontiguousarray(by_period)
    return _horner_rows(by_period, x)


def _horner_rows(by_period: np.ndarray, x: np.ndarray, derivative: bool = True):
    """:func:`_horner` of flows given period-major (m, ...); ``derivative=False``: the NPV
    alone (the same operations on it; the derivative is then None)."""
    val = np.zeros(np.broadcast_shapes(by_period.shape[1:], x.shape))
    der = np.zeros_like(val) if derivative else None
    for f_t in by_period[::-1]:  # loop over periods, in place (the same operations in order)
        if derivative:
            der *= x
            der += val
        val *= x
        val += f_t
    if derivative:
        der *= x
        der += val
    val *= x
    return val, der


def real_irrs(flows: np.ndarray) -> list[np.ndarray]:
    """Every distinct real IRR above -100 % of each row, ascending [fraction per year].

    Roots of sum_t f_t x^(t-lo) (the lowest and highest non-zero flows trimmed) as the
    eigenvalues of its companion matrix, batched by degree; positive real x -> r = 1/x - 1.
    """
    flows = np.asarray(flows, dtype=float)
    n, m = flows.shape
    out: list[np.ndarray] = [np.empty(0)] * n
    nz = flows != 0
    lo = np.argmax(nz, axis=1)
    hi = m - 1 - np.argmax(nz[:, ::-1], axis=1)
    deg = np.where(nz.any(axis=1), hi - lo, 0)
    for d in np.unique(deg[deg > 0]):  # one batch per degree: a handful, never per scenario
        rows = np.nonzero(deg == d)[0]
        idx = lo[rows, None] + np.arange(d + 1)[None, :]
        coef = np.take_along_axis(flows[rows], idx, axis=1)  # a_0 .. a_d
        comp = np.zeros((rows.size, d, d))
        comp[:, np.arange(1, d), np.arange(d - 1)] = 1.0
        comp[:, :, -1] = -coef[:, :-1] / coef[:, -1:]
        z = np.linalg.eigvals(comp)
        real = (np.abs(z.imag) <= IMAG_TOLERANCE * np.maximum(1.0, np.abs(z))) & (z.real > 0)
        x = np.where(real, z.real, np.nan)
        f = flows[rows][:, None, :]
        for _ in range(3):  # Newton polishes each root on the original flows
            val, der = _horner(f, np.nan_to_num(x, nan=1.0))
            step = np.where(der != 0, val / np.where(der != 0, der, 1.0), 0.0)
            x_new = x - step
            x = np.where(np.isfinite(x_new) & (x_new > 0) & (np.abs(step) < 0.1 * np.abs(x)), x_new, x)
        xs = np.sort(x, axis=1)  # NaN (not a real positive root) last
        dup = np.zeros(xs.shape, dtype=bool)
        dup[:, 1:] = np.diff(xs, axis=1) <= SAME_ROOT * xs[:, 1:]  # a repeat of the root before
        r_all = np.where(np.isfinite(xs) & ~dup, 1.0 / xs - 1.0, np.nan)
        r_all = np.sort(r_all, axis=1)  # ascending rates, NaN last
        counts = np.isfinite(r_all).sum(axis=1)
        for j, r in enumerate(rows):  # hand back each row's roots (a view, no arithmetic)
            out[r] = r_all[j, :counts[j]]
    return out


def roots_text(roots) -> str:
    """``"10.0% and 20.0%"`` / ``"1.0%, 5.0% and 9.0%"``: each root with one decimal."""
    parts = [f"{r:.1%}" for r in roots]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True)
class RootCount:
    """What the root analysis found for each row (n,)."""

    sign_changes: np.ndarray  # Descartes' V (zeros skipped): the most real IRRs there can be
    scanned: np.ndarray       # NPV sign changes on IRR_GRID (brackets found)
    exact: np.ndarray         # real IRRs above -100 %, distinct
    first: np.ndarray         # the lowest real IRR (0 when none) [fraction]
    note: tuple[str, ...]     # the "n/a" text of rows with V >= 2 ("" otherwise, or when valued)


def root_count(flows) -> RootCount:
    """Descartes' V, the scan's brackets and the exact count of real IRRs of each row."""
    return _root_count(np.asarray(flows, dtype=float))[0]


#: The last few root analyses, each with the flows it was made of: the IRR metric and the
#: check on its root count (and the workbook's scan) analyse the same flows, which are then
#: analysed once. A hit needs the same bits in every flow, so it cannot hand back another
#: row's analysis; the arrays handed out are read-only.
_ANALYSED: list[tuple[np.ndarray, tuple["RootCount", np.ndarray, np.ndarray]]] = []
_ANALYSED_KEPT = 4


def _root_count(flows: np.ndarray) -> tuple[RootCount, np.ndarray, np.ndarray]:
    """:func:`root_count`, the scan's brackets (n, G-1) [bool] and which rows' ``first`` is the
    scan's one bracket refined (n,) [bool], from :data:`_ANALYSED` when these flows were
    analysed last."""
    key = np.ascontiguousarray(flows, dtype=float)
    bits = key.view(np.int64)
    for kept, found in list(_ANALYSED):
        if kept.shape == bits.shape and np.array_equal(kept, bits):
            return found
    found = _analyse(key)
    for a in (found[0].sign_changes, found[0].scanned, found[0].exact, found[0].first, *found[1:]):
        a.flags.writeable = False
    _ANALYSED.insert(0, (bits if key is not flows else bits.copy(), found))
    del _ANALYSED[_ANALYSED_KEPT:]
    return found


def _analyse(flows: np.ndarray) -> tuple[RootCount, np.ndarray, np.ndarray]:
    """The root analysis of :func:`_root_count` itself."""
    n = flows.shape[0]
    V = sign_changes(flows)
    cross = brackets(npv_at_rates(flows))
    scanned = cross.sum(axis=1)
    exact = np.minimum(V, 1).astype(int)
    first = np.zeros(n)
    note = [""] * n
    refined = np.zeros(n, dtype=bool)
    ambiguous = np.nonzero(V >= 2)[0]
    if ambiguous.size:
        # settled where the certified count agrees with the scan: none and no bracket, or one
        # and the scan's one bracket holds it; the rest go to the eigenvalues
        settled = certified_count(flows[ambiguous])
        seen = scanned[ambiguous]
        none = ambiguous[(settled == 0) & (seen == 0)]
        exact[none] = 0
        for i in none:
            note[i] = IRR_REASONS[2]
        one = ambiguous[(settled == 1) & (seen == 1)]
        if one.size:
            at = np.argmax(cross[one], axis=1)
            first[one] = _refine(flows[one], IRR_GRID[at], IRR_GRID[at + 1])
            refined[one] = True
        rest = ambiguous[(settled != seen) | (settled >= 2) | (settled < 0)]
        if rest.size:
            for i, roots in zip(rest, real_irrs(flows[rest])):
                exact[i] = max(roots.size, scanned[i])  # a sign change on the scan is certain
                first[i] = roots[0] if roots.size else 0.0
                note[i] = _note(roots, int(exact[i]), int(scanned[i]))
    return RootCount(V, scanned, exact, first, tuple(note)), cross, refined


def _note(roots: np.ndarray, exact: int, scanned: int) -> str:
    if exact == 0:
        return IRR_REASONS[2]
    if exact >= 2:
        listed = f": {roots_text(roots)}" if roots.size == exact else ""
        return f"n/a: {exact} IRRs{listed}"
    if scanned == 1 or IRR_GRID[0] <= roots[0] <= IRR_GRID[-1]:
        return ""  # the one IRR: valued
    return IRR_REASONS[3]


def irr(flows: np.ndarray) -> "Metric":
    """IRR of each row of flows (n, m) at the ends of periods 1..m, with a true reason when
    it is not one number (see the module docstring) [fraction per year]."""
    from .metrics import Metric
    flows = np.asarray(flows, dtype=float)
    n = flows.shape[0]
    rc, cross, refined = _root_count(flows)
    value = np.full(n, np.nan)
    reason = np.zeros(n, dtype=np.int32)
    texts = list(IRR_REASONS)
    code = {t: i for i, t in enumerate(texts)}
    one = (rc.exact == 1) & (rc.scanned == 1)
    reason[rc.sign_changes == 0] = 1
    reason[(rc.sign_changes == 1) & (rc.scanned == 0)] = 3
    lone = (rc.sign_changes >= 2) & (rc.exact == 1) & ~one
    lone[lone] = [not rc.note[i] for i in np.nonzero(lone)[0]]  # and no note: only V >= 2 rows have one
    value[lone] = rc.first[lone]  # one real root the scan does not bracket (NPV touches 0)
    for i in np.nonzero((rc.sign_changes >= 2) & ~one & ~lone)[0]:
        if rc.note[i] not in code:
            code[rc.note[i]] = len(texts)
            texts.append(rc.note[i])
        reason[i] = code[rc.note[i]]
    value[refined] = rc.first[refined]  # V >= 2 rows the analysis settled: refined there already
    one &= ~refined
    if one.any():
        at = np.argmax(cross[one], axis=1)
        value[one] = _refine(flows[one], IRR_GRID[at], IRR_GRID[at + 1])
    return Metric(value, reason, tuple(texts))


def irr_roots_fit(flows, tolerance) -> np.ndarray:
    """The workbook's guard on the engine's root count for flows with V >= 2 (n,) [bool]:
    V <= 1, or the count lies between the scan's brackets and V and the lowest root is a root:
    |NPV(first)| <= tolerance x sum |f| x max(1, x^m). True for the engine by construction; in
    the workbook it turns FALSE when an edit leaves the stored count behind."""
    flows = np.asarray(flows, dtype=float)
    rc = root_count(flows)
    out = rc.sign_changes <= 1
    rows = np.nonzero(~out)[0]  # V >= 2: the only rows whose count is checked
    if rows.size:
        x = 1.0 / (1.0 + rc.first[rows])
        f = flows[rows]
        val, _ = _horner_rows(np.ascontiguousarray(f.T), x, derivative=False)
        scale = np.abs(f).sum(axis=1) * np.maximum(1.0, x ** flows.shape[1])
        tol = np.broadcast_to(np.asarray(tolerance, dtype=float).reshape(-1), out.shape)[rows]
        exact = rc.exact[rows]
        out[rows] = (exact >= rc.scanned[rows]) & (exact <= rc.sign_changes[rows]) & (
            (exact == 0) | (np.abs(val) <= tol * scale))
    return out


def _refine(f: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The single IRR in each bracket [lo, hi]: bisection in x = 1/(1+r), then Newton."""
    x_hi, x_lo = 1.0 / (1.0 + lo), 1.0 / (1.0 + hi)  # x decreases as r increases
    rows = np.ascontiguousarray(np.asarray(f, dtype=float).T)  # period-major, once
    sign_lo = np.sign(_horner_rows(rows, x_lo, derivative=False)[0])  # NPV's sign at x_lo, kept

    def lo_side(f_mid, out):  # 1 where the sign is x_lo's
        np.equal(np.sign(f_mid), sign_lo, out=out, casting="unsafe")

    # bisection keeps the bracket (shrinks it 4096-fold); with few rows it also values
    # midpoints off each row's path, which may overflow where the path's own do not
    with np.errstate(over="ignore", invalid="ignore"):
        bisect(x_lo, x_hi, 12, lambda mid: _horner_rows(rows, mid, derivative=False)[0], lo_side)
    x = 0.5 * (x_lo + x_hi)
    moving = None  # rows Newton still moves; one it leaves in place stays there (same x, same step)
    for _ in range(5):  # Newton polishes to machine precision, staying in the bracket
        if moving is None:
            xa, lo_a, hi_a, ra = x, x_lo, x_hi, rows
        else:
            xa, lo_a, hi_a, ra = x[moving], x_lo[moving], x_hi[moving], rows[:, moving]
        val, der = _horner_rows(ra, xa)
        step = np.where(der != 0, val / np.where(der != 0, der, 1.0), 0.0)
        x_new = xa - step
        x_next = np.where((x_new >= lo_a - 1e-9) & (x_new <= hi_a + 1e-9), x_new, xa)
        moved = ~(x_next == xa)  # NaN keeps moving
        if moving is None:
            x, moving = x_next, np.nonzero(moved)[0]
        else:
            x[moving] = x_next
            moving = moving[moved]
        if not moving.size:
            break
    return 1.0 / x - 1.0
