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

from dataclasses import dataclass

import numpy as np

from .metrics import MATERIAL_USD_BN

__all__ = ["TrancheTerms", "financing_plan", "ownership", "earliest_year", "round_amount", "per_gw_amount",
           "on_or_before", "valuation_so_far", "dilution_factor", "warrant_proceeds", "ratio_or_nan",
           "leverage_breach", "below_breach", "lowest_defined", "highest_defined", "implied_rate",
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


def financing_plan(ebit, pre_tax_cash, equity, other, minimum_cash, year, opening_cash,
                   cash_rate, gap_rate, tax_rate, pool_opening, usage_limit, revolver_limit, revolver_rate,
                   revolver_fee, sweep_fraction, tranches: tuple[TrancheTerms, ...] = ()) -> dict:
    """Every financing row for ``n`` scenarios over ``T`` periods: a dict of (n, T) arrays.

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

    def rows(x):
        return np.broadcast_to(np.asarray(x, dtype=float), (n, T))

    ebit, pre, eq, oth, mincash = (rows(x) for x in (ebit, pre_tax_cash, equity, other, minimum_cash))
    yr = rows(year)
    k = len(tranches)
    out = {key: np.zeros((n, T)) for key in (
        "interest_expense", "interest_income", "fees", "pbt", "pool_opening", "pool_used",
        "pool_closing", "tax_paid", "cfads", "debt_service", "principal_total", "draws_total",
        "cash_opening", "cash_before_revolver", "cash_closing", "unfunded_gap", "sweep", "sweep_available",
        "revolver_opening", "revolver_draw", "revolver_repay", "revolver_interest", "revolver_closing",
        "term_debt_closing", "interest_on_debt", "gap_cost")}
    for i in range(k):
        for key in ("opening", "draw", "interest", "principal", "sweep", "closing"):
            out[f"t{i}.{key}"] = np.zeros((n, T))
    t_open = np.zeros((k, n))
    rev_open = np.zeros(n)
    cash = _col(opening_cash, n).copy()
    pool = _col(pool_opening, n).copy()
    rate_c, tax_r, lim = _col(cash_rate, n), _col(tax_rate, n), _col(usage_limit, n)
    rate_g, gap_open = _col(gap_rate, n), np.zeros(n)
    r_lim, r_rate, r_fee = _col(revolver_limit, n), _col(revolver_rate, n), _col(revolver_fee, n)
    sweep_f = _col(sweep_fraction, n)
    terms = [(tr.kind, _col(tr.draw_year, n), _col(tr.amount, n), _col(tr.rate, n), _col(tr.tenor, n),
              _col(tr.dscr_target, n), _col(tr.fee, n)) for tr in tranches]
    for t in range(T):  # a recurrence over periods
        y = yr[:, t]
        interest_t = np.zeros((k, n))
        draws = np.zeros((k, n))
        fees = np.zeros(n)
        for i, (kind, dy, amt, rate, tenor, _, fee) in enumerate(terms):
            draws[i] = np.where(y == dy, amt, 0.0)
            interest_t[i] = rate * t_open[i]
            fees += fee * draws[i]
        r_int = r_rate * rev_open + r_fee * np.maximum(r_lim - rev_open, 0.0)
        gap_cost = rate_g * gap_open
        interest = interest_t.sum(axis=0) + r_int + gap_cost
        income = rate_c * np.maximum(cash, 0.0)
        pbt = ebit[:, t] - interest - fees + income
        used = np.minimum(pool, lim * np.maximum(pbt, 0.0))
        tax = (np.maximum(pbt, 0.0) - used) * tax_r
        out["pool_opening"][:, t] = pool
        pool = pool - used + np.maximum(-pbt, 0.0)
        cfads = pre[:, t] - tax
        principal = np.zeros((k, n))
        for i, (kind, dy, amt, rate, tenor, dscr, fee) in enumerate(terms):
            bal = t_open[i] + draws[i]
            maturity = y >= dy + tenor
            if kind == BULLET:
                due = np.zeros(n)
            elif kind == STRAIGHT:
                due = np.where((y > dy) & (y <= dy + tenor), amt / tenor, 0.0)
            else:
                due = np.where(y > dy, np.maximum(cfads / dscr - interest_t[i], 0.0), 0.0)
            principal[i] = np.where(maturity, bal, np.minimum(bal, due))
        cash_before = (cash + cfads + eq[:, t] + oth[:, t] + draws.sum(axis=0) - fees - interest
                       + income - principal.sum(axis=0))
        need = mincash[:, t] - cash_before
        r_draw = np.clip(need, 0.0, np.maximum(r_lim - rev_open, 0.0))
        r_repay = np.clip(-need, 0.0, rev_open)
        surplus = np.maximum(-need - r_repay, 0.0)
        # excess cash flow after debt service (not loan or equity proceeds), within the surplus
        excess = cfads + income - interest - fees - principal.sum(axis=0)
        sweep_left = sweep_f * np.maximum(np.minimum(excess, surplus), 0.0)
        available = sweep_left
        sweeps = np.zeros((k, n))
        for i in range(k):
            room = t_open[i] + draws[i] - principal[i]
            sweeps[i] = np.minimum(room, sweep_left)
            sweep_left = sweep_left - sweeps[i]
        swept = sweeps.sum(axis=0)
        closing_cash = cash_before + r_draw - r_repay - swept
        for i in range(k):
            closing = t_open[i] + draws[i] - principal[i] - sweeps[i]
            for key, v in (("opening", t_open[i]), ("draw", draws[i]), ("interest", interest_t[i]),
                           ("principal", principal[i]), ("sweep", sweeps[i]), ("closing", closing)):
                out[f"t{i}.{key}"][:, t] = v
            t_open[i] = closing
        rev_close = rev_open + r_draw - r_repay
        for key, v in (("interest_expense", interest), ("interest_income", income), ("fees", fees),
                       ("pbt", pbt), ("pool_used", used), ("pool_closing", pool), ("tax_paid", tax),
                       ("cfads", cfads), ("debt_service", interest_t.sum(axis=0) + principal.sum(axis=0)),
                       ("principal_total", principal.sum(axis=0)), ("draws_total", draws.sum(axis=0)),
                       ("cash_opening", cash), ("cash_before_revolver", cash_before),
                       ("cash_closing", closing_cash), ("sweep", swept), ("sweep_available", available),
                       ("unfunded_gap", np.maximum(mincash[:, t] - closing_cash, 0.0)), ("gap_cost", gap_cost),
                       ("revolver_opening", rev_open), ("revolver_draw", r_draw),
                       ("revolver_repay", r_repay), ("revolver_interest", r_int),
                       ("revolver_closing", rev_close), ("term_debt_closing", t_open.sum(axis=0)),
                       ("interest_on_debt", interest_t.sum(axis=0) + r_rate * rev_open)):
            out[key][:, t] = v
        rev_open = rev_close
        cash = closing_cash
        gap_open = np.maximum(mincash[:, t] - closing_cash, 0.0)
    return out


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


def below_breach(numerator, denominator, limit, material=MATERIAL_USD_BN) -> np.ndarray:
    """1 where a cover ratio exists (denominator above ``material``) and is below its minimum."""
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = numerator / np.where(den > material, den, 1.0)
    return ((den > material) & (ratio < limit)).astype(float)


def lowest_defined(row, reason: str = "n/a: never defined"):
    """Smallest non-NaN value of a row; ``reason`` where there is none."""
    from .metrics import Metric
    row = np.asarray(row, dtype=float)
    none = np.isnan(row).all(axis=1)
    value = np.where(none, np.nan, np.min(np.where(np.isnan(row), np.inf, row), axis=1))
    return Metric(value, none.astype(np.int8), ("", reason))


def highest_defined(row, reason: str = "n/a: never defined"):
    """Largest non-NaN value of a row; ``reason`` where there is none."""
    from .metrics import Metric
    row = np.asarray(row, dtype=float)
    none = np.isnan(row).all(axis=1)
    value = np.where(none, np.nan, np.max(np.where(np.isnan(row), -np.inf, row), axis=1))
    return Metric(value, none.astype(np.int8), ("", reason))


def earliest_year(**years):
    """Earliest of several years per scenario [year]; "never within horizon" where all are NaN.

    ``years``: (n, 1) or (n,) arrays, NaN where that event never happens within the horizon.
    """
    from .metrics import Metric
    stacked = np.column_stack([np.asarray(y, dtype=float).reshape(-1) for y in years.values()])
    none = np.isnan(stacked).all(axis=1)
    value = np.where(none, np.nan, np.min(np.where(np.isnan(stacked), np.inf, stacked), axis=1))
    return Metric(value, none.astype(np.int8), ("", "never within horizon"))


def dilution_factor(amount, post_money) -> np.ndarray:
    """Share kept by earlier holders when ``amount`` is raised at ``post_money``: 1 - A / V."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(post_money > 0, 1.0 - amount / np.where(post_money > 0, post_money, 1.0), 1.0)


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


def implied_rate(flows, terminal, growth, net_cash, target, lo=None, hi=1.0, iterations=60) -> np.ndarray:
    """The discount rate at which NPV of forecast ``flows`` (periods 2..T, end of period) plus the
    Gordon terminal value plus ``net_cash`` equals ``target`` (a reverse DCF), by bisection;
    NaN where no rate in (growth, hi] gives it [fraction / yr].

    ``terminal`` is the terminal flow base (the value is base x (1+g) / (r-g)).
    """
    f = np.asarray(flows, dtype=float)[:, 1:]
    n, m = f.shape
    g = _col(growth, n)
    base = _col(terminal, n)
    cash = _col(net_cash, n)
    tgt = _col(target, n)
    t = np.arange(1, m + 1, dtype=float)[None, :]

    def value(r):
        disc = (1.0 + r[:, None]) ** -t
        return (f * disc).sum(axis=1) + base * (1 + g) / (r - g) * (1.0 + r) ** -m + cash - tgt

    a = g + 1e-6 if lo is None else np.full(n, lo)
    b = np.full(n, hi)
    va, vb = value(a), value(b)
    ok = np.sign(va) != np.sign(vb)
    for _ in range(iterations):
        mid = 0.5 * (a + b)
        vm = value(mid)
        left = np.sign(vm) == np.sign(va)
        a, va = np.where(left, mid, a), np.where(left, vm, va)
        b = np.where(left, b, mid)
    return np.where(ok, 0.5 * (a + b), np.nan)
