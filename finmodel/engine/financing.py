"""Financing: how the gap is filled, period by period [US$ bn].

One recurrence over periods (vectorised over scenarios) holds everything that depends on last
year's balances: interest on opening balances (so there is no circularity, here or in the
workbook), tax on profit after interest with the loss pool, term-debt repayment (bullet,
straight-line or sculpted to a cover ratio), a revolver that draws to keep the minimum cash and
is repaid first from surplus cash, an optional sweep of excess cash flow to prepay term debt, the cash
balance and the gap no instrument fills.

Signs: balances, draws, repayments, interest and tax are positive numbers.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .metrics import MATERIAL_USD_BN, Metric, gordon_from, gordon_terminal, npv
from .select import bisect

__all__ = ["TrancheTerms", "financing_plan", "ownership", "issuance_keep", "earliest_year", "round_amount", "per_gw_amount",
           "on_or_before", "valuation_so_far", "dilution_factor", "warrant_proceeds", "ratio_or_nan",
           "leverage_breach", "below_breach", "COVER_TOLERANCE", "lowest_defined", "highest_defined", "implied_rate",
           "holders_value"]

BULLET, STRAIGHT, SCULPTED = "bullet", "straight", "sculpted"


@dataclass(frozen=True)
class TrancheTerms:
    """What the recurrence needs of one term tranche (arrays broadcast to (n, 1))."""

    kind: str
    draw_year: np.ndarray
    amount: np.ndarray
    rate: np.ndarray
    tenor: np.ndarray
    dscr_target: np.ndarray
    fee: np.ndarray


def _col(x, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(x, dtype=float), (n, 1))[:, 0]


def _sum_rows(rows: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``rows.sum(axis=0, out=out)`` for a few (k, n) rows, as that sum adds them: from 0, in
    order (a reduction over strided rows costs ~20x an add)."""
    if not len(rows):
        out[...] = 0.0
        return out
    np.add(rows[0], 0.0, out=out)  # 0 + first (-0.0 becomes 0.0, as in the reduction)
    for r in rows[1:]:
        out += r
    return out


def financing_plan(ebit, pre_tax_cash, equity, other, minimum_cash, year, opening_cash,
                   cash_rate, gap_rate, tax_rate, pool_opening, usage_limit, revolver_limit, revolver_rate,
                   revolver_fee, sweep_fraction, tranches: tuple[TrancheTerms, ...] = (),
                   rows: Collection[str] | None = None) -> dict:
    """Every financing row for ``n`` scenarios over ``T`` periods: a dict of (n, T) arrays.

    ``rows``: the rows to return (keys of the dict; default every row). The recurrence runs
    in full either way, with the same operations; a row nobody asked for that the next period
    does not read is written into one (n,) scratch row reused every period instead of a
    (T, n) row of its own (a Monte Carlo reads 7 of the ~38 rows: ~4x less memory written).

    Each period t (balances "opening" are last period's closing; 0 before the first period):
      interest   = sum(rate x opening) + revolver rate x revolver opening
                   + commitment fee x (limit - revolver opening)
                   + gap rate x last period's unfunded gap (the cost of money still to be found);
      income     = cash rate x opening cash (when positive)
      profit before tax = EBIT - interest - upfront fees + income; tax with the loss pool
      CFADS = pre-tax cash (EBITDA - capex paid + working capital + stock comp added back + vendor
              rebates) - tax
      principal: bullet at maturity; straight = amount / tenor a year after the draw year;
                 sculpted = max(0, CFADS / DSCR target - interest); everything left at maturity
      cash before revolver = opening cash + CFADS + equity + other + draws - fees - interest
                             + income - principal
      revolver: draws min(limit - opening, shortfall below the minimum cash); repays
                min(opening, surplus); sweep = sweep fraction x the excess cash flow (CFADS +
                income - interest - fees - scheduled principal) within the surplus left, prepaying term
                tranches in order
      unfunded gap = max(0, minimum cash - closing cash)
    """
    ebit = np.asarray(ebit, dtype=float)
    n = max(np.shape(ebit)[0], np.shape(pre_tax_cash)[0], np.shape(equity)[0],
            np.shape(minimum_cash)[0], np.shape(opening_cash)[0])
    T = np.shape(ebit)[1]

    def by_period(x):  # (T, n) rows of one period each, contiguous: the loop reads period t;
        x = np.asarray(x, dtype=float)  # (T, 1) when every scenario has the same row
        if np.ndim(x) < 2 or x.shape[0] == 1:
            return np.broadcast_to(x, (1, T)).T
        return np.ascontiguousarray(np.broadcast_to(x, (n, T)).T)

    ebit, pre, eq, oth, mincash, yr = (by_period(x) for x in (ebit, pre_tax_cash, equity, other,
                                                               minimum_cash, year))
    k = len(tranches)
    keys = ["interest_expense", "interest_income", "fees", "pbt", "pool_opening", "pool_used",
            "pool_closing", "tax_paid", "cfads", "debt_service", "principal_total", "draws_total",
            "cash_opening", "cash_before_revolver", "cash_closing", "unfunded_gap", "sweep", "sweep_available",
            "revolver_opening", "revolver_draw", "revolver_repay", "revolver_interest", "revolver_closing",
            "term_debt_closing", "interest_on_debt", "gap_cost"]
    names = ("opening", "draw", "interest", "principal", "sweep", "closing")
    every = keys + [f"t{j}.{name}" for j in range(k) for name in names]
    asked = every if rows is None else list(rows)
    unknown = set(asked) - set(every)
    if unknown:
        raise KeyError(f"no financing row {sorted(unknown)}")
    # the rows kept whole: those asked for, those a later period reads (last period's closing
    # balances and gap) and those filled for every period before the loop (draws and fees);
    # a tranche row is kept whole for every tranche when one tranche's is
    whole = set(asked) | {"fees", "draws_total", "cash_closing", "revolver_closing", "pool_closing",
                          "unfunded_gap"} | {f"t{j}.{name}" for j in range(k) for name in ("draw", "closing")}
    kept_names = [name for name in names if any(f"t{j}.{name}" in whole for j in range(k))]
    full_keys = [key for key in keys if key in whole]
    # one block for the whole rows: numpy asks the kernel for huge pages
    block = np.empty((len(full_keys) + len(kept_names) * k, T, n))
    out = dict(zip(full_keys, block))  # period-major; every entry written below
    spare = iter(np.empty((len(keys) - len(full_keys), n)))
    for key in keys:  # a (T, n) view of one (n,) row: period t writes and reads the same row
        if key not in out:
            row = next(spare)
            out[key] = as_strided(row, (T, n), (0, row.itemsize))
    # the tranches' rows, (k, T, n): row [:, t] holds every tranche's period t
    tranche_block = iter(block[len(full_keys):].reshape(len(kept_names), k, T, n))
    tranche_rows = {}
    for name in names:
        if name in kept_names:
            tranche_rows[name] = next(tranche_block)
        else:
            one = np.empty((k, n))  # (k, T, n) views of one (k, n) scratch
            tranche_rows[name] = as_strided(one, (k, T, n), (one.strides[0], 0, one.strides[1]))
    opening, draws, interest_t, principal, sweeps, closing = (tranche_rows[name] for name in names)
    out |= {f"t{j}.{name}": tranche_rows[name][j] for j in range(k) for name in names}
    rate_c, tax_r, lim = _col(cash_rate, n), _col(tax_rate, n), _col(usage_limit, n)
    rate_g = _col(gap_rate, n)
    r_lim, r_rate, r_fee = _col(revolver_limit, n), _col(revolver_rate, n), _col(revolver_fee, n)
    sweep_f = _col(sweep_fraction, n)
    terms = [(tr.kind, _col(tr.draw_year, n), _col(tr.amount, n), _col(tr.rate, n), _col(tr.tenor, n),
              _col(tr.dscr_target, n), _col(tr.fee, n)) for tr in tranches]
    # what does not depend on last period's balances, for every period at once (the same
    # operations as period by period, so the same numbers)
    fees = out["fees"]
    fees[...] = 0.0
    maturity = np.empty((k, T, n), dtype=bool)
    due_fixed = np.zeros((k, T, n))  # bullet: 0; straight: amount / tenor in its years
    after_draw = np.empty((k, T, n), dtype=bool)  # sculpted: repaid from the year after the draw
    rates = np.empty((k, n))
    for i, (kind, dy, amt, rate, tenor, _, fee) in enumerate(terms):
        draws[i] = np.where(yr == dy, amt, 0.0)
        fees += fee * draws[i]
        maturity[i] = yr >= dy + tenor
        np.greater(yr, dy, out=after_draw[i])
        if kind == STRAIGHT:
            due_fixed[i] = np.where(after_draw[i] & (yr <= dy + tenor), amt / tenor, 0.0)
        rates[i] = rate
    _sum_rows(draws, out["draws_total"])
    zeros_k, zeros = np.zeros((k, n)), np.zeros(n)
    room_r, a, b, ppos, need, neg, surplus, excess, sweep_left = (np.empty(n) for _ in range(9))
    bal, room = np.empty((k, n)), np.empty((k, n))  # scratch rows, reused every period
    cash0, pool0 = _col(opening_cash, n), _col(pool_opening, n)
    for t in range(T):  # a recurrence over periods; every row written in place
        first = t == 0
        t_open = zeros_k if first else closing[:, t - 1]
        rev_open = zeros if first else out["revolver_closing"][t - 1]
        cash = cash0 if first else out["cash_closing"][t - 1]
        pool = pool0 if first else out["pool_closing"][t - 1]
        gap_open = zeros if first else out["unfunded_gap"][t - 1]
        ti = interest_t[:, t]
        np.multiply(rates, t_open, out=ti)
        np.subtract(r_lim, rev_open, out=room_r)
        np.maximum(room_r, 0.0, out=room_r)  # the revolver's undrawn limit
        np.multiply(r_rate, rev_open, out=a)
        np.multiply(r_fee, room_r, out=b)
        r_int = np.add(a, b, out=out["revolver_interest"][t])
        gap_cost = np.multiply(rate_g, gap_open, out=out["gap_cost"][t])
        term_interest = _sum_rows(ti, out["interest_on_debt"][t])  # + revolver interest below
        interest = np.add(term_interest, r_int, out=out["interest_expense"][t])
        interest += gap_cost
        income = np.maximum(cash, 0.0, out=out["interest_income"][t])
        np.multiply(rate_c, income, out=income)
        pbt = np.subtract(ebit[t], interest, out=out["pbt"][t])
        pbt -= fees[t]
        pbt += income
        np.maximum(pbt, 0.0, out=ppos)
        used = np.multiply(lim, ppos, out=out["pool_used"][t])
        np.minimum(pool, used, out=used)
        tax = np.subtract(ppos, used, out=out["tax_paid"][t])
        tax *= tax_r
        pool_c = np.subtract(pool, used, out=out["pool_closing"][t])
        np.negative(pbt, out=ppos)
        np.maximum(ppos, 0.0, out=ppos)
        pool_c += ppos
        cfads = np.subtract(pre[t], tax, out=out["cfads"][t])
        np.add(t_open, draws[:, t], out=bal)
        pr = principal[:, t]
        for i, (kind, dy, amt, rate, tenor, dscr, fee) in enumerate(terms):
            if kind == SCULPTED:
                due = np.divide(cfads, dscr, out=pr[i])
                due -= ti[i]
                np.maximum(due, 0.0, out=due)
                np.copyto(due, 0.0, where=~after_draw[i, t])
                np.minimum(bal[i], due, out=pr[i])
            else:
                np.minimum(bal[i], due_fixed[i, t], out=pr[i])
            np.copyto(pr[i], bal[i], where=maturity[i, t])
        principal_sum = _sum_rows(pr, out["principal_total"][t])
        cash_before = np.add(cash, cfads, out=out["cash_before_revolver"][t])
        for x in (eq[t], oth[t], out["draws_total"][t]):
            cash_before += x
        cash_before -= fees[t]
        cash_before -= interest
        cash_before += income
        cash_before -= principal_sum
        np.subtract(mincash[t], cash_before, out=need)
        r_draw = np.maximum(need, 0.0, out=out["revolver_draw"][t])  # clip(need, 0, room)
        np.minimum(r_draw, room_r, out=r_draw)
        np.negative(need, out=neg)
        r_repay = np.maximum(neg, 0.0, out=out["revolver_repay"][t])  # clip(-need, 0, opening)
        np.minimum(r_repay, rev_open, out=r_repay)
        np.subtract(neg, r_repay, out=surplus)
        np.maximum(surplus, 0.0, out=surplus)
        # excess cash flow after debt service (not loan or equity proceeds), within the surplus
        np.add(cfads, income, out=excess)
        excess -= interest
        excess -= fees[t]
        excess -= principal_sum
        np.minimum(excess, surplus, out=excess)
        np.maximum(excess, 0.0, out=excess)
        available = np.multiply(sweep_f, excess, out=out["sweep_available"][t])
        np.subtract(bal, pr, out=room)
        sw = sweeps[:, t]
        sweep_left[...] = available
        for i in range(k):
            np.minimum(room[i], sweep_left, out=sw[i])
            sweep_left -= sw[i]
        swept = _sum_rows(sw, out["sweep"][t])
        closing_cash = np.add(cash_before, r_draw, out=out["cash_closing"][t])
        closing_cash -= r_repay
        closing_cash -= swept
        np.subtract(room, sw, out=closing[:, t])
        rev_close = np.add(rev_open, r_draw, out=out["revolver_closing"][t])
        rev_close -= r_repay
        gap = np.subtract(mincash[t], closing_cash, out=out["unfunded_gap"][t])
        np.maximum(gap, 0.0, out=gap)
        np.add(term_interest, principal_sum, out=out["debt_service"][t])
        _sum_rows(closing[:, t], out["term_debt_closing"][t])
        term_interest += a  # interest on drawn debt: term interest + revolver rate x opening
    # the openings: last period's closings (0, or the opening balances, in the first)
    if "opening" in kept_names:
        opening[:, 0] = 0.0
        opening[:, 1:] = closing[:, :-1]
    for key, first_value in (("cash", cash0), ("revolver", 0.0), ("pool", pool0)):
        if f"{key}_opening" in whole:
            out[f"{key}_opening"][0] = first_value
            out[f"{key}_opening"][1:] = out[f"{key}_closing"][:-1]
    return {key: out[key].T for key in asked}  # (n, T) views of the period-major rows


def round_amount(amount, year, round_year, happens=1.0, realisation=1.0) -> np.ndarray:
    """A round's money in its year: amount x [year == round year] x happens (a condition met)
    x realisation (of the deal a partner's cheque comes with) [US$ bn]."""
    return amount * (year == round_year) * happens * realisation


def per_gw_amount(amount, gw, happens=1.0, realisation=1.0) -> np.ndarray:
    """Vendor equity paid per GW deployed (Nvidia-style): amount per GW x GW added [US$ bn]."""
    return amount * gw * happens * realisation


def on_or_before(year, deadline) -> np.ndarray:
    """1 if ``year`` <= ``deadline`` (e.g. the IPO by a round's deadline), else 0 [flag]."""
    return (np.asarray(year, dtype=float) <= deadline).astype(float)


def valuation_so_far(year, **rounds) -> np.ndarray:
    """Highest post-money valuation of the rounds up to each year (``p_<id>``, ``y_<id>``)
    [US$ bn]; 0 before the first round."""
    out = np.zeros(np.broadcast_shapes(np.shape(year), *(np.shape(v) for v in rounds.values())))
    for key, post in rounds.items():
        if key.startswith("p_"):
            out = np.maximum(out, post * (rounds["y_" + key[2:]] <= year))
    return out


def leverage_breach(net_debt, ebitda, limit, material=MATERIAL_USD_BN) -> np.ndarray:
    """1 where net debt / EBITDA exceeds the limit, or net debt is positive with EBITDA not
    above ``material`` (US$ 1: a smaller EBITDA is float residue of 0)."""
    nd, e = np.asarray(net_debt, dtype=float), np.asarray(ebitda, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = nd / np.where(e > material, e, 1.0)
    return ((nd > 0) & ((e <= material) | (ratio > limit))).astype(float)


#: A cover ratio this close below its minimum meets it. Debt repayments are sized so that the
#: debt service cover equals its minimum exactly; the ratio then lands a few ulps either side
#: of the minimum, and without a tolerance the breach flag would follow float rounding.
COVER_TOLERANCE = 1e-9


def below_breach(numerator, denominator, limit, material=MATERIAL_USD_BN,
                 tolerance=COVER_TOLERANCE) -> np.ndarray:
    """1 where a cover ratio exists (denominator above ``material``) and is below its minimum
    by more than ``tolerance`` (float residue of a cover sized to equal its minimum)."""
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = numerator / np.where(den > material, den, 1.0)
    return ((den > material) & (ratio < limit - tolerance)).astype(float)


def lowest_defined(row, reason: str = "n/a: never defined"):
    """Smallest non-NaN value of a row; ``reason`` where there is none."""
    row = np.asarray(row, dtype=float)
    none = np.isnan(row).all(axis=1)
    value = np.where(none, np.nan, np.min(np.where(np.isnan(row), np.inf, row), axis=1))
    return Metric(value, none.astype(np.int8), ("", reason))


def highest_defined(row, reason: str = "n/a: never defined"):
    """Largest non-NaN value of a row; ``reason`` where there is none."""
    row = np.asarray(row, dtype=float)
    none = np.isnan(row).all(axis=1)
    value = np.where(none, np.nan, np.max(np.where(np.isnan(row), -np.inf, row), axis=1))
    return Metric(value, none.astype(np.int8), ("", reason))


def earliest_year(**years):
    """Earliest of several years per scenario [year]; "never within horizon" where all are NaN.

    ``years``: (n, 1) or (n,) arrays, NaN where that event never happens within the horizon.
    """
    stacked = np.column_stack([np.asarray(y, dtype=float).reshape(-1) for y in years.values()])
    none = np.isnan(stacked).all(axis=1)
    value = np.where(none, np.nan, np.min(np.where(np.isnan(stacked), np.inf, stacked), axis=1))
    return Metric(value, none.astype(np.int8), ("", "never within horizon"))


def dilution_factor(amount, post_money) -> np.ndarray:
    """Share kept by earlier holders when ``amount`` is raised at ``post_money``: 1 - A / V."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(post_money > 0, 1.0 - amount / np.where(post_money > 0, post_money, 1.0), 1.0)


def issuance_keep(amount, pre_money) -> np.ndarray:
    """Share kept by earlier holders when shares worth ``amount`` are issued at a value of
    ``pre_money`` for the company before them: V / (V + A), always in (0, 1] (stock
    compensation, issued at the latest round's valuation)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pre_money > 0, pre_money / np.where(pre_money > 0, pre_money + amount, 1.0), 1.0)


def ownership(**factors) -> np.ndarray:
    """Share of today's holders: the running product of every yearly share-kept factor
    [fraction]."""
    total = 1.0
    for f in factors.values():
        total = total * np.asarray(f, dtype=float)
    return np.cumprod(np.broadcast_to(total, np.broadcast_shapes(*(np.shape(f) for f in factors.values()))),
                      axis=1)


def warrant_proceeds(shares_m, capacity_gw, gw_added, price_usd) -> np.ndarray:
    """Vendor shares vesting with each GW deployed, sold at that year's price [US$ bn].

    shares_m x (GW added / capacity) x price / 1,000 (millions of shares x $ = $ m; /1,000 = $ bn).
    """
    cap = np.asarray(capacity_gw, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(cap > 0, gw_added / np.where(cap > 0, cap, 1.0), 0.0)
    return shares_m * frac * price_usd / 1000.0


def holders_value(ownership, terminal, cash, term_debt, revolver, factor) -> np.ndarray:
    """Today's holders' stake: their ownership at the end x the equity value at the end (the
    terminal value of the business + closing cash - debt), discounted to the valuation date
    [US$ bn]. New money raised at post-money prices above (below) the model's value moves
    value to (from) today's holders through the ownership they keep."""
    flat = lambda x: np.asarray(x, dtype=float).reshape(-1)  # noqa: E731 - metrics come as (n, 1)
    last = lambda x: np.asarray(x, dtype=float)[:, -1]  # noqa: E731
    return flat(ownership) * (flat(terminal) + last(cash) - last(term_debt) - last(revolver)) * last(factor)


def ratio_or_nan(numerator, denominator, material=MATERIAL_USD_BN) -> np.ndarray:
    """numerator / denominator where the denominator is above ``material`` (US$ 1), else NaN [-]."""
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(den > material, numerator / np.where(den > material, den, 1.0), np.nan)


RDCF_STEPS = 48  # bisection steps of the reverse DCF: a bracket of ~1 narrows to ~4e-15
RDCF_REASONS = ("", "n/a: no rate above growth gives the round's price")


def reverse_dcf_value(rate, flows, base, one_off, growth, target) -> np.ndarray:
    """Equity value at the valuation date at ``rate`` less ``target`` (n,) [US$ bn]:
    NPV of forecast FCF + (base (1 + g) / (r - g) + one-off / (1 + r)) / (1 + r)^m - target,
    the terminal value written from its base and one-off (``m`` forecast periods)."""
    f = np.asarray(flows, dtype=float)[:, 1:]
    r = np.asarray(rate, dtype=float).reshape(-1)
    explicit = npv(r[:, None], f)[:, 0]
    return explicit + gordon_terminal(base, one_off, r, growth) * (1.0 + r) ** -f.shape[1] - target


def _rdcf_inputs(flows, base, one_off, growth, valuation, equity, cash, margin, high):
    """The reverse DCF's rows broadcast to (n,): base, one-off, growth, target, the search's
    ends (growth + margin, high), and the flows (n, T)."""
    flat = lambda x: np.asarray(x, dtype=float).reshape(-1)  # noqa: E731
    base, one_off, g = flat(base), flat(one_off), flat(growth)
    target = (np.asarray(valuation, dtype=float)[:, 1] - np.asarray(equity, dtype=float)[:, 1]
              - np.asarray(cash, dtype=float)[:, 0])
    n = max(len(base), len(one_off), len(g), len(target))
    base, one_off, g, target = (np.broadcast_to(x, (n,)) for x in (base, one_off, g, target))
    lo = g + flat(margin)
    hi = np.broadcast_to(flat(high), (n,)).astype(float)
    return base, one_off, g, target, lo, hi, np.broadcast_to(flows, (n, np.shape(flows)[1]))


def reverse_dcf(flows, base, one_off, growth, valuation, equity, cash, margin, high,
                steps: int = RDCF_STEPS) -> dict:
    """A reverse DCF by bisection, every step kept (the workbook shows them as formulas).

    Target: the latest round's price at the first forecast year as a pre-money (its post-money
    less the equity raised that year) less the cash at the valuation date; the rate is searched
    on (g + margin, high]. Returns (n,) ``target``, ``v_low``, ``v_high``, ``found`` (a sign
    change between the ends), ``rate`` (the last midpoint) and (n, steps) ``low``, ``high``,
    ``mid``, ``value``.
    """
    base, one_off, g, target, lo, hi, flows = _rdcf_inputs(flows, base, one_off, growth, valuation,
                                                           equity, cash, margin, high)
    n = len(target)
    value = lambda r: reverse_dcf_value(r, flows, base, one_off, g, target)  # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        v_low, v_high = value(lo), value(hi)
        out = {k: np.zeros((n, steps)) for k in ("low", "high", "mid", "value")}
        for k in range(steps):
            mid = (lo + hi) / 2.0
            vm = value(mid)
            for key, v in (("low", lo), ("high", hi), ("mid", mid), ("value", vm)):
                out[key][:, k] = v
            same = vm * v_low > 0
            lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    found = v_low * v_high < 0
    return out | {"target": target, "v_low": v_low, "v_high": v_high, "found": found,
                  "rate": out["mid"][:, -1]}


def _value_by_horner(rate, by_period, grown, one_off, growth, target, out, scratch) -> np.ndarray:
    """:func:`reverse_dcf_value` with the NPV as a polynomial in x = 1 / (1 + r) (Horner: one
    pass over the rows per period instead of a power of every flow), written into ``out``
    (n,) (or (k, n): k rates a row) with three ``scratch`` arrays of its shape; equal to
    rounding. ``by_period``: the forecast flows
    period-major (m, n); ``grown``: the terminal base x (1 + g)."""
    one_plus_rate, x, terminal = scratch
    np.add(1.0, rate, out=one_plus_rate)
    np.divide(1.0, one_plus_rate, out=x)
    out[...] = 0.0
    for f_t in by_period[::-1]:  # forecast periods m..1 (a loop over periods)
        out += f_t
        out *= x
    np.power(x, len(by_period), out=x)
    gordon_from(grown, one_off, rate, growth, one_plus_rate, out=terminal, scratch=one_plus_rate)
    terminal *= x
    out += terminal
    out -= target
    return out


def implied_rate(flows, base, one_off, growth, valuation, equity, cash, margin, high):
    """The discount rate at which the model is worth what the latest round paid (a reverse
    DCF; see :func:`reverse_dcf`: the same ends, the same bisection, the steps not kept and the
    value at each midpoint by Horner) [fraction / yr].

    Only the rows with a sign change between the ends are searched (the others are "n/a"
    whatever the bisection gives, and each row's search reads only its own row)."""
    base, one_off, g, target, lo, hi, flows = _rdcf_inputs(flows, base, one_off, growth, valuation,
                                                           equity, cash, margin, high)
    flows = np.asarray(flows, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        v_low = reverse_dcf_value(lo, flows, base, one_off, g, target)
        v_high = reverse_dcf_value(hi, flows, base, one_off, g, target)
        found = v_low * v_high < 0
        rows = slice(None) if found.all() else np.flatnonzero(found)
        # every row is read at each step: contiguous copies (a metric's (n, 1) column is often
        # a strided view); lo and hi are the search's own, moved in place
        base, one_off, g, target, v_low, lo, hi = (np.array(np.broadcast_to(x, found.shape)[rows], dtype=float)
                                                    for x in (base, one_off, g, target, v_low, lo, hi))
        by_period = np.ascontiguousarray(flows[rows, 1:].T)
        grown = base * (1.0 + g)  # gordon_terminal's first product, the same at every step
        value, scratch = np.empty(len(lo)), np.empty((3, len(lo)))

        def value_at(mid):  # into the rows' own buffers, but for several midpoints a row
            out, s = (value, scratch) if mid.shape == value.shape else (np.empty(mid.shape),
                                                                        np.empty((3, *mid.shape)))
            return _value_by_horner(mid, by_period, grown, one_off, g, target, out, s)

        def lo_side(v, out):  # 1 where the value keeps v_low's sign
            v *= v_low
            np.greater(v, 0.0, out=out, casting="unsafe")

        mid = bisect(lo, hi, RDCF_STEPS, value_at, lo_side)
    rate = np.full(len(found), np.nan)
    rate[rows] = mid
    return Metric(rate, (~found).astype(np.int8), RDCF_REASONS)
