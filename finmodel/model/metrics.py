"""The headline metrics: each one's engine function, bindings, label, unit and the formula of
its cell on the Valuation sheet, defined once. Everything that shows a metric (workbook,
terminal, CSV, sensitivity outputs) reads it from here through the catalogue.

Formula placeholders: ``{name.fcst}`` the forecast periods 2..T, ``{name.row}`` all periods,
``{name.last}`` the last period, ``{m:KEY}`` another metric's cell, ``{scan:FLOW:roots}``, ``{scan:FLOW:guess}``,
``{scan:FLOW:descartes}``, ``{scan:FLOW:exact}``, ``{scan:FLOW:note}``, ``{scan:FLOW:first}``
the IRR root analysis of line item FLOW on the Valuation sheet (same rate grid as the engine).
"""
from __future__ import annotations

from ..engine import metrics as m
from .defs import MetricDef, Structure

__all__ = ["METRIC_PARTS", "NEVER", "peak_and_year"]

RATE = "in:valuation.discount_rate"
#: ``MetricDef.missing_as`` of a year never reached within the horizon: later than any year.
NEVER = float("inf")
GROWTH = "in:valuation.terminal_growth"

# Terminal method -> its base and one-off (one registry, no if/elif chain); the terminal value
# is the same Gordon formula of the two whatever the method (and the reverse DCF re-prices it).
TERMINAL_PIECES = {
    "normalised": lambda: (
        MetricDef("terminal_base_usd_bn", "Terminal FCF base: the last normalised FCF", "US$ bn",
                  m.last_value, {"row": "li:normalised_fcf"}, "={row.last}"),
        MetricDef("terminal_one_off_usd_bn", "Terminal one-off: the loss pool's remaining tax saving",
                  "US$ bn", m.pool_saving, {"pool": "li:loss_pool_closing", "tax_rate": "in:tax.rate_fraction"},
                  "={pool.last}*{tax_rate}")),
    "averaged": lambda: (
        MetricDef("terminal_base_usd_bn", "Terminal FCF base: the average FCF of the last years", "US$ bn",
                  m.averaged_base, {"flows": "li:fcf", "years_averaged": "in:valuation.terminal_fcf_years"},
                  "=SUMPRODUCT(({period.row}>COUNT({period.row})-{k})*{flows.row})/{k}",
                  refs={"flows": "li:fcf", "period": "period", "k": "in:valuation.terminal_fcf_years"}),
        MetricDef("terminal_one_off_usd_bn", "Terminal one-off: none in the averaged method", "US$ bn",
                  m.no_one_off, {"flows": "li:fcf"}, "=0")),
}
TERMINAL_LABELS = {"normalised": "Gordon growth on normalised FCF, plus the loss pool's tax saving",
                   "averaged": "Gordon growth on averaged FCF"}


def irr_formula(flows: str) -> str:
    """The IRR cell of a flow row with its root analysis on the Valuation sheet ({scan:KEY:...}):
    Descartes' V, the scan's brackets, the exact count (V when V <= 1, else the engine's count
    of the polynomial's real roots, guarded by a check) and the engine's text or root."""
    sc = f"scan:{flows}:"
    return (f'=IF({{{sc}descartes}}=0,"n/a: no sign change",'
            f'IF(AND({{{sc}exact}}=1,{{{sc}roots}}=1),IRR({{flows.fcst}},{{{sc}guess}}),'
            f'IF({{{sc}descartes}}=1,"n/a: the IRR is outside -99% to 1,000%",'
            f'IF({{{sc}note}}="",{{{sc}first}},{{{sc}note}}))))')


MOIC = ('=IF(SUMPRODUCT(({flows.fcst}<0)*{flows.fcst})=0,"n/a: no year of negative FCF",'
        'SUMPRODUCT(({flows.fcst}>0)*{flows.fcst})/-SUMPRODUCT(({flows.fcst}<0)*{flows.fcst}))')


def _valuation(cat, s: Structure) -> None:
    add = cat.add
    add(MetricDef("npv_usd_bn", "NPV at the discount rate, with terminal value", "US$ bn",
                  m.npv_with_terminal,
                  {"npv_explicit": "m:npv_explicit_usd_bn", "terminal": "m:terminal_value_usd_bn",
                   "rate": RATE, "flows": "li:fcf"},
                  "={m:npv_explicit_usd_bn}+{m:terminal_value_usd_bn}/(1+{rate})^COUNT({flows.fcst})",
                  better="higher", midpoint=0.0))
    add(MetricDef("npv_explicit_usd_bn", "NPV of forecast FCF only (no terminal value)", "US$ bn",
                  m.npv_of_forecast, {"rate": RATE, "flows": "li:fcf"},
                  "=NPV({rate},{flows.fcst})", better="higher", midpoint=0.0))
    add(MetricDef("pv_terminal_usd_bn", "Present value of the terminal value", "US$ bn", m.pv_of_terminal,
                  {"terminal": "m:terminal_value_usd_bn", "rate": RATE, "flows": "li:fcf"},
                  "={terminal}/(1+{rate})^COUNT({flows.fcst})", better="higher", midpoint=0.0))
    add(MetricDef("terminal_share", "Terminal value's share of NPV (PV of TV / NPV)", "fraction",
                  m.share_of_npv, {"part": "m:pv_terminal_usd_bn", "npv_total": "m:npv_usd_bn"},
                  '=IF({npv_total}>0,{part}/{npv_total},"n/a: NPV is not positive")'))
    for piece in TERMINAL_PIECES[s.terminal_method]():
        add(piece)
    add(MetricDef("terminal_value_usd_bn", f"Terminal value at the last year ({TERMINAL_LABELS[s.terminal_method]})",
                  "US$ bn", m.gordon_terminal,
                  {"base": "m:terminal_base_usd_bn", "one_off": "m:terminal_one_off_usd_bn", "rate": RATE,
                   "growth": GROWTH},
                  "={base}*(1+{growth})/({rate}-{growth})+{one_off}/(1+{rate})", better="higher", midpoint=0.0))
    add(MetricDef("irr", "IRR of forecast FCF, without terminal value", "fraction", m.irr_of_forecast,
                  {"flows": "li:fcf"}, irr_formula("fcf"), better="higher"))
    add(MetricDef("irr_with_terminal", "IRR of forecast FCF with the terminal value",
                  "fraction", m.irr_of_forecast, {"flows": "li:fcf_with_terminal"},
                  irr_formula("fcf_with_terminal"), better="higher"))
    add(MetricDef("moic", "MOIC without terminal value (sum of positive / negative yearly FCF)", "x",
                  m.moic, {"flows": "li:fcf"}, MOIC, better="higher", midpoint=1.0))
    add(MetricDef("moic_with_terminal", "MOIC with terminal value ((positive yearly FCF + TV) / negative)",
                  "x", m.moic, {"flows": "li:fcf_with_terminal"}, MOIC, better="higher", midpoint=1.0))
    add(MetricDef("first_profit_year", "First year of operating profit (EBIT > 0)", "year",
                  m.first_flagged_year, {"flag": "li:profit_flag", "years": "year"},
                  '=IF(SUM({flag.row})=0,"never within horizon",INDEX({years.row},MATCH(1,{flag.row},0)))',
                  missing_as=NEVER, better="lower"))
    add(MetricDef("payback_year", "Payback year (cumulative FCF stays >= 0)", "year",
                  m.payback_year, {"flag": "li:payback_flag", "years": "year"},
                  '=IF(SUM({flag.row})=0,"not within horizon",INDEX({years.row},MATCH(1,{flag.row},0)))',
                  missing_as=NEVER, better="lower"))


def peak_and_year(key: str, label: str, year_key: str, year_label: str, row: str) -> tuple[MetricDef, MetricDef]:
    """A need's peak [US$ bn] and its first year ("n/a: no funding need" when not material)."""
    return (MetricDef(key, label, "US$ bn", m.peak, {"row": row}, "=MAX({row.row})", better="lower", midpoint=0.0),
            MetricDef(year_key, year_label, "year", m.peak_year,
                      {"row": row, "years": "year", "material": "k:material_usd_bn"},
                      f'=IF({{m:{key}}}<={{material}},"n/a: no funding need",'
                      f'INDEX({{years.row}},MATCH({{m:{key}}},{{row.row}},0)))'))


def _funding(cat, s: Structure) -> None:
    add = cat.add
    for md in peak_and_year("peak_funding_need_usd_bn", "Peak funding need (below minimum cash)",
                            "peak_funding_year", "Year of peak funding need", "li:funding_need"):
        add(md)
    add(MetricDef("min_cash_usd_bn", "Lowest closing cash balance", "US$ bn", m.lowest,
                  {"row": "li:cash_closing"}, "=MIN({row.row})", better="higher", midpoint=0.0))
    add(MetricDef("cumulative_fcf_usd_bn", "Cumulative FCF over the forecast", "US$ bn", m.last,
                  {"row": "li:cumulative_fcf"}, "={row.last}", better="higher", midpoint=0.0))


def _commitments(cat, s: Structure) -> None:
    add = cat.add
    add(MetricDef("contracted_gw", "Contracted capacity of included deals (realised)", "GW",
                  m.first, {"row": "li:contracted_gw"}, "=INDEX({row.row},1,1)"))
    add(MetricDef("cumulative_commitments_usd_bn", "Announced commitments paid (owned purchases + "
                  "cloud contracts)", "US$ bn", m.horizon_sum, {"row": "li:announced_commitments_paid"},
                  "=SUM({row.row})"))
    add(MetricDef("cumulative_capex_usd_bn", "Cumulative owned capex (deals, refresh, expansion)",
                  "US$ bn", m.horizon_sum, {"row": "li:capex_total"}, "=SUM({row.row})"))
    add(MetricDef("cumulative_cloud_usd_bn", "Cumulative cloud payments (incl. renewals)", "US$ bn",
                  m.horizon_sum, {"row": "li:cloud_payments"}, "=SUM({row.row})"))
    add(MetricDef("cumulative_capacity_spend_usd_bn", "Cumulative capacity spend (capex, cloud, rent)",
                  "US$ bn", m.horizon_sum, {"row": "li:commitment_spend"}, "=SUM({row.row})"))
    add(MetricDef("revenue_coverage", "Revenue / capacity spend, whole horizon", "x", m.coverage,
                  {"numerator_row": "li:revenue_total", "denominator": "m:cumulative_capacity_spend_usd_bn"},
                  '=IF({denominator}=0,"n/a: no commitments paid",SUM({numerator_row.row})/{denominator})',
                  better="higher", midpoint=1.0))


def _compute(cat, s: Structure) -> None:
    add = cat.add
    add(MetricDef("unserved_revenue_usd_bn", "Revenue demand not served, whole horizon", "US$ bn",
                  m.horizon_sum, {"row": "li:unserved_revenue"}, "=SUM({row.row})",
                  better="lower", midpoint=0.0))
    add(MetricDef("peak_idle_gw", "Peak idle capacity", "GW", m.peak, {"row": "li:idle_gw"},
                  "=MAX({row.row})", better="lower", midpoint=0.0))
    add(MetricDef("expansion_final_gw", "Expansion capacity beyond the deals, last year", "GW", m.last,
                  {"row": "li:expansion_gw"}, "={row.last}"))


METRIC_PARTS = (_valuation, _funding, _commitments, _compute)
