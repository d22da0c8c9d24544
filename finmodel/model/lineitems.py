"""The line items of the model, sheet by sheet: each row's engine function, its argument
bindings (other line items, inputs, constants, the timeline) and its spreadsheet formula.

References (``Ref``):
  ``"li:KEY"``  another line item, same period      ``"in:PATH"``  an input (scalar or per-year)
  ``"k:NAME"``  a constant (named cell)              ``"period"`` / ``"year"``  the timeline
  a tuple of references: their sum

Formula placeholders: ``{name}`` (same period), ``{name.prev}`` (previous period),
``{name.row}`` (all periods, absolute), ``{name.last}`` (the last period), ``{self.prev}``
(this row, previous period). Units drive the number formats (``workbook.formats``).
"""
from __future__ import annotations

from ..assumptions.schema import RevenuePathKind
from ..engine import capacity, capex, cashflow, costs, revenue, tax, timeline
from .defs import LineItem, Structure

__all__ = ["LINE_ITEM_PARTS", "REVENUE_PATHS"]


def _link(key, label, unit, sheet, ref, **kw) -> LineItem:
    return LineItem(key, label, unit, sheet, timeline.link, {"x": ref}, "={x}", kind="link", **kw)


def _sum(key, label, unit, sheet, refs: tuple, **kw) -> LineItem:
    return LineItem(key, label, unit, sheet, timeline.link, {"x": tuple(refs)}, "={x}",
                    kind="total", **kw)


# --- Deals ------------------------------------------------------------------------------------

def _deals(cat, s: Structure) -> None:
    for i, (d, label, kind) in enumerate(s.deals):
        sec = "Deal schedules (included deals; shares shifted by the delay)" if i == 0 else None
        shifted = "IF({period}-{delay_years}>=1,INDEX({schedule.row},1,{period}-{delay_years}),0)"
        args = {"schedule": f"in:deals.{d}.schedule", "delay_years": "in:commitments.delay_years",
                "period": "period"}
        if kind == "owned":
            cat.add(LineItem(f"deal.{d}.share", f"{label}: share of deal", "fraction", "Deals",
                             capacity.shifted_share, args, "=" + shifted, section=sec))
        else:
            cat.add(LineItem(
                f"deal.{d}.share", f"{label}: share of deal (renewed after term)", "fraction", "Deals",
                capacity.cloud_share,
                args | {"renew_cloud": "in:commitments.renew_cloud", "year": "year",
                        "end_year": f"in:deals.{d}.end_year", "renewal_share": f"in:deals.{d}.renewal_share"},
                "=" + shifted + "+({renew_cloud}>0)*({year}-{delay_years}>{end_year})*{renewal_share}", section=sec))
        if kind == "owned":
            cat.add(LineItem(
                f"deal.{d}.gw_added", f"{label}: GW added", "GW", "Deals", capacity.scaled,
                {"amount": f"in:deals.{d}.capacity_gw",
                 "realisation_fraction": "in:commitments.realisation_fraction",
                 "share": f"li:deal.{d}.share"},
                "={amount}*{realisation_fraction}*{share}", total=True))
        else:
            cat.add(LineItem(
                f"deal.{d}.payment", f"{label}: take-or-pay payment", "US$ bn", "Deals",
                capacity.scaled,
                {"amount": f"in:deals.{d}.value_usd_bn",
                 "realisation_fraction": "in:commitments.realisation_fraction",
                 "share": f"li:deal.{d}.share"},
                "={amount}*{realisation_fraction}*{share}", total=True))
            cat.add(LineItem(
                f"deal.{d}.gw_in_use", f"{label}: GW in use", "GW", "Deals",
                capacity.cloud_gw_in_use,
                {"capacity_gw": f"in:deals.{d}.capacity_gw",
                 "realisation_fraction": "in:commitments.realisation_fraction",
                 "share": f"li:deal.{d}.share", "schedule_max": f"in:deals.{d}.schedule_max"},
                "={capacity_gw}*{realisation_fraction}/{schedule_max}*{share}"))


# --- Capacity ---------------------------------------------------------------------------------

def _capacity(cat, s: Structure) -> None:
    owned = tuple(f"li:deal.{d}.gw_added" for d, _, k in s.deals if k == "owned")
    cloud = tuple(f"li:deal.{d}.gw_in_use" for d, _, k in s.deals if k == "cloud")
    cat.add(_link("existing_gw", "Existing rented fleet", "GW", "Capacity",
                  "in:existing_fleet.capacity_gw", section="Capacity by kind"))
    cat.add(_sum("cloud_gw", "Cloud contracts in use", "GW", "Capacity", cloud))
    cat.add(_sum("owned_added_gw", "Owned capacity added", "GW", "Capacity", owned,
                 total=True))
    cat.add(LineItem(
        "owned_online_gw", "Owned capacity online", "GW", "Capacity", capacity.owned_online_gw,
        {"added_gw": "li:owned_added_gw", "years": "year", "refresh_it": "in:capex.refresh_it",
         "servers_life_years": "in:capex.servers.life_years"},
        "=SUMPRODUCT(({years.row}<={years})*((({refresh_it}>0)+({years}-{years.row}"
        "<MAX(1,ROUND({servers_life_years},0))))>0)*{added_gw.row})",
        note="A vintage stays online while its servers are within their (rounded) life, or for ever if IT is refreshed."))
    cat.add(_sum("total_gw", "Total capacity in use", "GW", "Capacity",
                 ("li:existing_gw", "li:cloud_gw", "li:owned_online_gw")))


# --- Capex and depreciation ---------------------------------------------------------------------

def _capex(cat, s: Structure) -> None:
    for i, (c, label, it) in enumerate(s.components):
        sec = label
        p = f"in:capex.{c}"
        cat.add(LineItem(
            f"price_index.{c}", f"{label}: price index", "index", "Capex", capex.price_index,
            {"price_change_per_year": f"{p}.price_change_per_year", "period": "period"},
            "=(1+{price_change_per_year})^({period}-1)", section=sec))
        if it:
            cat.add(LineItem(
                f"purchases_gw.{c}", f"{label}: GW bought (new + refresh)", "GW", "Capex",
                capex.purchases_gw,
                {"added_gw": "li:owned_added_gw", "refresh_it": "in:capex.refresh_it",
                 "life_years": f"{p}.life_years"},
                "={added_gw}+({refresh_it}>0)*SUMPRODUCT((MOD({years}-{years.row},"
                "MAX(1,ROUND({life_years},0)))=0)*({years.row}<{years})*{added_gw.row})",
                refs={"added_gw": "li:owned_added_gw", "refresh_it": "in:capex.refresh_it",
                      "life_years": f"{p}.life_years", "years": "year"}, total=True))
        else:
            cat.add(_link(f"purchases_gw.{c}", f"{label}: GW bought", "GW", "Capex",
                          "li:owned_added_gw", total=True))
        cat.add(LineItem(
            f"capex.{c}", f"{label}: capex", "US$ bn", "Capex", capex.component_capex,
            {"purchases": f"li:purchases_gw.{c}", "cost_usd_bn_per_gw": f"{p}.cost_usd_bn_per_gw",
             "index": f"li:price_index.{c}"},
            "={purchases}*{cost_usd_bn_per_gw}*{index}", total=True))
    cat.add(_sum("capex_total", "Owned capex", "US$ bn", "Capex",
                 tuple(f"li:capex.{c}" for c, _, _ in s.components), total=True,
                 section="Total"))
    for c, label, _ in s.components:
        p = f"in:capex.{c}"
        cat.add(LineItem(
            f"depreciation.{c}", f"{label}: depreciation", "US$ bn", "Depreciation",
            capex.depreciation,
            {"capex": f"li:capex.{c}", "life_years": f"{p}.life_years",
             "residual_fraction": f"{p}.residual_fraction"},
            # one cell of the vintage block; $C{r} holds the vintage year of the block row
            "=IF({years}>=$C{r},(1-{residual_fraction})*INDEX({capex.row},1,$C{r}-{first_year}+1)"
            "*MAX(0,MIN(1,{life_years}-({years}-$C{r})))/{life_years},0)",
            refs={"capex": f"li:capex.{c}", "life_years": f"{p}.life_years",
                  "residual_fraction": f"{p}.residual_fraction", "years": "year",
                  "first_year": "in:timeline.first_year"},
            total=True, kind="vintage", section=label,
            note="Straight line from the year of purchase to the residual value; one row per vintage."))
    cat.add(_sum("depreciation_total", "Depreciation", "US$ bn", "Depreciation",
                 tuple(f"li:depreciation.{c}" for c, _, _ in s.components), total=True,
                 section="Total"))


# --- Revenue ----------------------------------------------------------------------------------

def _grown(seg: str, label: str, p: str) -> LineItem:
    """Revenue grown year on year by the segment's growth row (growth path types)."""
    return LineItem(f"revenue.{seg}", label, "US$ bn", "Revenue", revenue.grown,
                    {"start_usd_bn": f"{p}.start_usd_bn", "growth": f"li:growth.{seg}"},
                    "=IF({period}=1,{start_usd_bn},{self.prev}*(1+{growth}))",
                    refs={"start_usd_bn": f"{p}.start_usd_bn", "growth": f"li:growth.{seg}",
                          "period": "period"}, total=True)


def _explicit_path(seg: str, label: str, p: str) -> list[LineItem]:
    return [_link(f"revenue.{seg}", label, "US$ bn", "Revenue", f"{p}.usd_bn", total=True, section=label)]


def _growth_path(seg: str, label: str, p: str) -> list[LineItem]:
    return [_link(f"growth.{seg}", f"{label}: growth", "fraction", "Revenue", f"{p}.growth_per_year", section=label), _grown(seg, label, p)]


def _decaying_growth_path(seg: str, label: str, p: str) -> list[LineItem]:
    growth = LineItem(
        f"growth.{seg}", f"{label}: growth", "fraction", "Revenue", revenue.decaying_growth_rate,
        {"initial_growth": f"{p}.initial_growth", "decay_fraction": f"{p}.decay_fraction",
         "long_run_growth": f"{p}.long_run_growth", "period": "period"},
        "=IF({period}>=2,{long_run_growth}+({initial_growth}-{long_run_growth})"
        "*(1-{decay_fraction})^MAX({period}-2,0),0)", section=label)
    return [growth, _grown(seg, label, p)]


def _s_curve_path(seg: str, label: str, p: str) -> list[LineItem]:
    return [LineItem(
        f"revenue.{seg}", label, "US$ bn", "Revenue", revenue.s_curve,
        {"start_usd_bn": f"{p}.start_usd_bn", "ceiling_usd_bn": f"{p}.ceiling_usd_bn",
         "steepness_per_year": f"{p}.steepness_per_year", "period": "period"},
        "={ceiling_usd_bn}/(1+({ceiling_usd_bn}/{start_usd_bn}-1)"
        "*EXP(-{steepness_per_year}*({period}-1)))", total=True, section=label)]


# Revenue path type -> the line items that compute it (one registry, no if/elif chain).
REVENUE_PATHS = {
    RevenuePathKind.EXPLICIT: _explicit_path,
    RevenuePathKind.GROWTH: _growth_path,
    RevenuePathKind.DECAYING_GROWTH: _decaying_growth_path,
    RevenuePathKind.S_CURVE: _s_curve_path,
}


def _revenue(cat, s: Structure) -> None:
    for seg, label, kind in s.segments:
        for item in REVENUE_PATHS[RevenuePathKind(kind)](seg, label, f"in:revenue.segments.{seg}"):
            cat.add(item)
    cat.add(_sum("revenue_total", "Revenue", "US$ bn", "Revenue",
                 tuple(f"li:revenue.{seg}" for seg, _, _ in s.segments), total=True,
                 section="Total"))


# --- P&L and tax ------------------------------------------------------------------------------

def _pnl(cat, s: Structure) -> None:
    cloud = tuple(f"li:deal.{d}.payment" for d, _, k in s.deals if k == "cloud")
    P = "P&L"
    cat.add(_link("pnl.revenue", "Revenue", "US$ bn", P, "li:revenue_total", total=True,
                  section="Revenue and compute"))
    cat.add(LineItem("partner_share", "Partner revenue share", "US$ bn", P, revenue.partner_share,
                     {"revenue_usd_bn": "li:revenue_total",
                      "share_fraction": "in:revenue.partner_share_fraction"},
                     "={revenue_usd_bn}*{share_fraction}", total=True))
    cat.add(LineItem("existing_fleet_cost", "Existing fleet rental", "US$ bn", P,
                     costs.per_gw_cost,
                     {"gw": "li:existing_gw",
                      "usd_bn_per_gw_year": "in:existing_fleet.cost_usd_bn_per_gw_year"},
                     "={gw}*{usd_bn_per_gw_year}", total=True))
    cat.add(_sum("cloud_payments", "Cloud contract payments", "US$ bn", P, cloud, total=True))
    cat.add(LineItem("power_cost", "Power for owned capacity", "US$ bn", P, costs.power_cost,
                     {"online_gw": "li:owned_online_gw",
                      "utilisation_fraction": "in:operations.utilisation_fraction",
                      "pue": "in:operations.pue", "hours_per_year": "k:hours_per_year",
                      "price_usd_per_mwh": "in:operations.power_price_usd_per_mwh",
                      "usd_per_usd_bn_mwh_per_gwh": "k:usd_per_usd_bn_mwh_per_gwh"},
                     "={online_gw}*{utilisation_fraction}*{pue}*{hours_per_year}"
                     "*{price_usd_per_mwh}/{usd_per_usd_bn_mwh_per_gwh}", total=True))
    cat.add(LineItem("fixed_opex", "Fixed opex of owned capacity", "US$ bn", P, costs.per_gw_cost,
                     {"gw": "li:owned_online_gw",
                      "usd_bn_per_gw_year": "in:operations.fixed_opex_usd_bn_per_gw_year"},
                     "={gw}*{usd_bn_per_gw_year}", total=True))
    cat.add(_sum("compute_cost", "Compute cost (cash)", "US$ bn", P,
                 ("li:existing_fleet_cost", "li:cloud_payments", "li:power_cost",
                  "li:fixed_opex"), total=True))
    cat.add(LineItem("gross_profit", "Gross profit after compute", "US$ bn", P,
                     cashflow.difference,
                     {"a": "li:pnl.revenue", "b": ("li:partner_share", "li:compute_cost")},
                     "={a}-{b}", total=True, kind="total"))
    for i, (c, label, mode) in enumerate(s.costs):
        p = f"in:operating_costs.{c}"
        sec = "Operating costs (excluding compute)" if i == 0 else None
        if mode == "share_of_revenue":
            cat.add(LineItem(f"opex.{c}", label, "US$ bn", P, costs.share_of,
                             {"base": "li:revenue_total", "fraction": f"{p}.fraction"},
                             "={base}*{fraction}", total=True, section=sec))
        else:
            cat.add(_link(f"opex.{c}", label, "US$ bn", P, f"{p}.usd_bn", total=True, section=sec))
    cat.add(_sum("opex_total", "Operating costs", "US$ bn", P,
                 tuple(f"li:opex.{c}" for c, _, _ in s.costs), total=True))
    cat.add(LineItem("ebitda", "EBITDA", "US$ bn", P, cashflow.difference,
                     {"a": "li:gross_profit", "b": "li:opex_total"}, "={a}-{b}", total=True,
                     kind="total", section="Profit"))
    cat.add(_link("pnl.depreciation", "Depreciation", "US$ bn", P, "li:depreciation_total",
                  total=True))
    cat.add(LineItem("ebit", "EBIT", "US$ bn", P, cashflow.difference,
                     {"a": "li:ebitda", "b": "li:pnl.depreciation"}, "={a}-{b}", total=True,
                     kind="total"))
    # Tax with the loss pool. The engine computes the closing pool as one recurrence; the sheet
    # computes it as opening - used + new losses; the tests prove them equal.
    cat.add(LineItem("loss_pool_opening", "Loss carry-forward: opening", "US$ bn", P,
                     timeline.previous,
                     {"row": "li:loss_pool_closing",
                      "opening": "in:tax.opening_loss_carryforward_usd_bn"},
                     "=IF({period}=1,{opening},{closing.prev})",
                     refs={"opening": "in:tax.opening_loss_carryforward_usd_bn",
                           "closing": "li:loss_pool_closing", "period": "period"},
                     section="Tax"))
    cat.add(LineItem("loss_used", "Loss carry-forward: used", "US$ bn", P, tax.loss_used,
                     {"pool_opening": "li:loss_pool_opening", "ebit": "li:ebit",
                      "limit_fraction": "in:tax.loss_usage_limit_fraction"},
                     "=MIN({pool_opening},{limit_fraction}*MAX({ebit},0))", total=True))
    cat.add(LineItem("loss_pool_closing", "Loss carry-forward: closing", "US$ bn", P,
                     tax.loss_pool_closing,
                     {"ebit": "li:ebit", "opening_usd_bn": "in:tax.opening_loss_carryforward_usd_bn",
                      "limit_fraction": "in:tax.loss_usage_limit_fraction"},
                     "={pool_opening}-{used}+MAX(-{ebit},0)",
                     refs={"pool_opening": "li:loss_pool_opening", "used": "li:loss_used",
                           "ebit": "li:ebit"}))
    cat.add(LineItem("taxable_income", "Taxable income", "US$ bn", P, tax.taxable_income,
                     {"ebit": "li:ebit", "used": "li:loss_used"}, "=MAX({ebit},0)-{used}",
                     total=True))
    cat.add(LineItem("tax", "Cash tax", "US$ bn", P, tax.tax,
                     {"taxable": "li:taxable_income", "rate_fraction": "in:tax.rate_fraction"},
                     "={taxable}*{rate_fraction}", total=True))
    cat.add(LineItem("net_income", "Net income", "US$ bn", P, cashflow.difference,
                     {"a": "li:ebit", "b": "li:tax"}, "={a}-{b}", total=True, kind="total"))


# --- Cash flow --------------------------------------------------------------------------------

def _cash(cat, s: Structure) -> None:
    C = "Cash flow"
    cat.add(_link("cf.ebitda", "EBITDA", "US$ bn", C, "li:ebitda", total=True,
                  section="Free cash flow"))
    cat.add(_link("cf.tax", "Cash tax", "US$ bn", C, "li:tax", total=True))
    cat.add(_link("cf.capex", "Owned capex", "US$ bn", C, "li:capex_total", total=True))
    cat.add(LineItem("fcf", "Free cash flow", "US$ bn", C, cashflow.free_cash_flow,
                     {"ebitda": "li:cf.ebitda", "cash_tax": "li:cf.tax", "capex": "li:cf.capex"},
                     "={ebitda}-{cash_tax}-{capex}", total=True, kind="total"))
    cat.add(_link("equity", "Equity raised", "US$ bn", C, "in:financing.equity_raised_usd_bn",
                  total=True, section="Financing and cash"))
    cat.add(_link("other_financing", "Other financing", "US$ bn", C,
                  "in:financing.other_financing_usd_bn", total=True))
    cat.add(LineItem("cash_opening", "Cash: opening", "US$ bn", C, timeline.previous,
                     {"row": "li:cash_closing", "opening": "in:financing.opening_cash_usd_bn"},
                     "=IF({period}=1,{opening},{closing.prev})",
                     refs={"opening": "in:financing.opening_cash_usd_bn",
                           "closing": "li:cash_closing", "period": "period"}))
    cat.add(LineItem("cash_closing", "Cash: closing", "US$ bn", C, cashflow.cash_closing,
                     {"opening_cash_usd_bn": "in:financing.opening_cash_usd_bn", "fcf": "li:fcf",
                      "equity": "li:equity", "other": "li:other_financing"},
                     "={opening}+{fcf}+{equity}+{other}",
                     refs={"opening": "li:cash_opening", "fcf": "li:fcf", "equity": "li:equity",
                           "other": "li:other_financing"}, kind="total"))
    cat.add(LineItem("funding_need", "Funding need (below minimum cash)", "US$ bn", C,
                     cashflow.funding_need,
                     {"minimum_cash_usd_bn": "in:financing.minimum_cash_usd_bn",
                      "cash": "li:cash_closing"},
                     "=MAX({minimum_cash_usd_bn}-{cash},0)"))
    cat.add(LineItem("cumulative_fcf", "Cumulative FCF from the first forecast year", "US$ bn", C,
                     cashflow.cumulative_after_first, {"x": "li:fcf"},
                     "=IF({period}=1,0,{self.prev}+{x})",
                     refs={"x": "li:fcf", "period": "period"}, section="Valuation"))
    cat.add(LineItem("payback_flag", "Paid back (cumulative FCF >= 0 from here on)", "flag", C,
                     cashflow.payback_flag, {"cumulative": "li:cumulative_fcf", "period": "period"},
                     "=IF(AND({period}>1,MIN({cumulative}:{cumulative.last})>=0),1,0)"))
    cat.add(LineItem("discount_factor", "Discount factor to end of first year", "factor", C,
                     cashflow.discount_factor,
                     {"rate": "in:valuation.discount_rate", "period": "period"},
                     "=IF({period}>1,(1+{rate})^-({period}-1),0)"))
    cat.add(LineItem("pv_fcf", "Present value of FCF", "US$ bn", C, cashflow.present_value,
                     {"flow": "li:fcf", "factor": "li:discount_factor"},
                     "={flow}*{factor}", total=True))
    cat.add(LineItem("commitment_spend", "Compute commitments paid (cloud + owned capex)", "US$ bn",
                     C, timeline.link, {"x": ("li:cloud_payments", "li:capex_total")},
                     "={x}", total=True, section="Coverage"))
    cat.add(LineItem("revenue_coverage", "Revenue / commitments paid", "x", C, cashflow.ratio,
                     {"numerator": "li:revenue_total", "denominator": "li:commitment_spend"},
                     '=IF({denominator}=0,"n/a",{numerator}/{denominator})'))


# The parts of the catalogue, in the order the rows appear on the sheets.
LINE_ITEM_PARTS = (_deals, _capacity, _capex, _revenue, _pnl, _cash)
