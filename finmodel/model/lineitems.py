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

import functools

from ..assumptions.schema import RevenuePathKind
from ..engine import capacity, capex, cashflow, compute, costs, deals, irr, metrics, revenue, supply, tax, timeline
from .defs import LineItem, Structure

__all__ = ["LINE_ITEM_PARTS", "REVENUE_PATHS"]


def _link(key, label, unit, sheet, ref, **kw) -> LineItem:
    return LineItem(key, label, unit, sheet, timeline.link, {"x": ref}, "={x}", kind="link", **kw)


def _sum(key, label, unit, sheet, refs: tuple, **kw) -> LineItem:
    return LineItem(key, label, unit, sheet, timeline.link, {"x": tuple(refs)}, "={x}",
                    kind="total", **kw)


# --- Deals ------------------------------------------------------------------------------------

IT_COST = ("in:capex.servers.cost_usd_bn_per_gw", "in:capex.networking.cost_usd_bn_per_gw")
FACILITY_COST = ("in:capex.power_cooling.cost_usd_bn_per_gw", "in:capex.building_land.cost_usd_bn_per_gw")
# What an owned deal's value covers -> (engine function, what to add or take off per GW, formula)
DEAL_IT_COST = {
    "all_in": (capex.value_per_gw_less, {"less": FACILITY_COST},
               "=IF({capacity}>0,{value}/{capacity},0)-{less}"),
    "it": (capex.value_per_gw_plus, {"plus": ()}, "=IF({capacity}>0,{value}/{capacity},0)+{plus}"),
    "servers": (capex.value_per_gw_plus, {"plus": "in:capex.networking.cost_usd_bn_per_gw"},
                "=IF({capacity}>0,{value}/{capacity},0)+{plus}"),
}


# Ramp -> (share formula, peak-share formula, last-share formula); the engine functions are
# engine.deals.RAMP_SHARE / RAMP_PEAK / RAMP_LAST.
IN_TERM = "AND({a}>=0,{a}<{term_years})"
RAMP_FORMULAS = {
    "linear": ("=IF(" + IN_TERM + ",1/{term_years},0)", "=1/{term_years}", "=1/{term_years}"),
    "front": ("=IF(" + IN_TERM + ",2*({term_years}-{a})/({term_years}*({term_years}+1)),0)",
              "=2/({term_years}+1)", "=2/({term_years}*({term_years}+1))"),
    "back": ("=IF(" + IN_TERM + ",2*({a}+1)/({term_years}*({term_years}+1)),0)",
             "=2/({term_years}+1)", "=2/({term_years}+1)"),
    "explicit": ("=IF(" + IN_TERM + ",INDEX({shares.row},1,{a}+1),0)", "=MAX({shares.row})",
                 "=INDEX({shares.row},1,{term_years})"),
}


def _deals(cat, s: Structure) -> None:
    for i, deal in enumerate(s.deals):
        d, label, p = deal.id, deal.label, f"in:deals.{deal.id}"
        own_delay = f"{p}.delay_years" if deal.own_delay else f"in:commitments.status_delay_years.{deal.status}"
        own_real = (f"{p}.realisation_fraction" if deal.own_realisation
                    else f"in:commitments.status_realisation_fraction.{deal.status}")
        cat.add(LineItem(
            f"deal.{d}.delay", f"{label}: slip ({'its own' if deal.own_delay else deal.status})", "years",
            "Deals", timeline.link, {"x": (own_delay, "in:commitments.delay_years")}, "={x}",
            section=label,
            note="The deal's own slip or its status's, plus the scenario's extra slip for every deal."))
        cat.add(LineItem(
            f"deal.{d}.realisation", f"{label}: realisation", "fraction", "Deals", costs.share_of,
            {"base": own_real, "fraction": "in:commitments.realisation_fraction"}, "={base}*{fraction}"))
        cat.add(LineItem(
            f"deal.{d}.contracted_gw", f"{label}: capacity realised", "GW", "Deals", costs.share_of,
            {"base": f"{p}.capacity_gw", "fraction": f"li:deal.{d}.realisation"}, "={base}*{fraction}"))
        cat.add(LineItem(
            f"deal.{d}.age", f"{label}: term year (0 = first)", "years", "Deals", deals.age,
            {"year": "year", "start_year": f"{p}.start_year", "delay_years": f"li:deal.{d}.delay"},
            "={year}-{start_year}-{delay_years}"))
        share, peak, last = RAMP_FORMULAS[deal.ramp]
        ramp_args = {"term_years": f"{p}.term_years"} | ({"shares": f"{p}.shares"} if deal.ramp == "explicit" else {})
        cat.add(LineItem(f"deal.{d}.share", f"{label}: share of the deal ({deal.ramp} ramp)", "fraction",
                         "Deals", deals.RAMP_SHARE[deal.ramp], {"a": f"li:deal.{d}.age"} | ramp_args, share))
        if deal.kind == "owned":
            _owned_deal(cat, d, label, deal.covers)
        else:
            cat.add(LineItem(f"deal.{d}.peak_share", f"{label}: largest yearly share", "fraction", "Deals",
                             deals.RAMP_PEAK[deal.ramp], ramp_args, peak))
            cat.add(LineItem(f"deal.{d}.last_share", f"{label}: last term year's share", "fraction",
                             "Deals", deals.RAMP_LAST[deal.ramp], ramp_args, last))
            _cloud_deal(cat, d, label)


def _owned_deal(cat, d: str, label: str, covers: str) -> None:
    p = f"in:deals.{d}"
    cat.add(LineItem(
        f"deal.{d}.gw_added", f"{label}: GW added", "GW", "Deals", deals.scaled,
        {"amount": f"{p}.capacity_gw", "realisation_fraction": f"li:deal.{d}.realisation",
         "share": f"li:deal.{d}.share"},
        "={amount}*{realisation_fraction}*{share}", total=True))
    cat.add(LineItem(
        f"deal.{d}.value_at_cost", f"{label}: value at the generic cost per GW", "US$ bn", "Deals",
        costs.per_gw_cost, {"gw": f"{p}.capacity_gw", "usd_bn_per_gw_year": IT_COST + FACILITY_COST},
        "={gw}*{usd_bn_per_gw_year}",
        note="Reconciliation: capacity x the all-in cost per GW of the Capex inputs, beside the "
             "announced value (Inputs)."))
    if covers not in DEAL_IT_COST:
        return
    fn, extra, formula = DEAL_IT_COST[covers]
    cat.add(LineItem(
        f"deal.{d}.it_cost_per_gw", f"{label}: IT cost per GW implied by its value ({covers})",
        "US$ bn / GW", "Deals", fn, {"value_usd_bn": f"{p}.value_usd_bn", "capacity_gw": f"{p}.capacity_gw", **extra},
        formula, refs={"value": f"{p}.value_usd_bn", "capacity": f"{p}.capacity_gw", **extra}))
    cat.add(LineItem(
        f"deal.{d}.it_price_factor", f"{label}: IT price vs the generic cost per GW", "x", "Deals",
        compute.it_price_factor,
        {"it_cost_of_deal_usd_bn_per_gw": f"li:deal.{d}.it_cost_per_gw", "it_cost_usd_bn_per_gw": IT_COST},
        "=IF({it_cost_usd_bn_per_gw}>0,{it_cost_of_deal_usd_bn_per_gw}/{it_cost_usd_bn_per_gw},1)"))
    cat.add(LineItem(
        f"deal.{d}.it_priced_gw", f"{label}: GW added, at the deal's IT price", "GW", "Deals",
        costs.share_of, {"base": f"li:deal.{d}.gw_added", "fraction": f"li:deal.{d}.it_price_factor"},
        "={base}*{fraction}", total=True))


def _cloud_deal(cat, d: str, label: str) -> None:
    p = f"in:deals.{d}"
    real = f"li:deal.{d}.realisation"
    cat.add(LineItem(f"deal.{d}.end_year", f"{label}: last year of the (delayed) term", "year", "Deals",
                     deals.delayed_end_year,
                     {"start_year": f"{p}.start_year", "term_years": f"{p}.term_years",
                      "delay_years": f"li:deal.{d}.delay"},
                     "={start_year}+{delay_years}+{term_years}-1"))
    cat.add(LineItem(
        f"deal.{d}.renewed", f"{label}: share re-contracted after the term", "fraction", "Deals",
        deals.renewed_share,
        {"renew_cloud": "in:commitments.renew_cloud", "year": "year", "end_year": f"li:deal.{d}.end_year",
         "last_share": f"li:deal.{d}.last_share"},
        "=({renew_cloud}>0)*({year}>{end_year})*{last_share}"))
    cat.add(LineItem(
        f"deal.{d}.contract_payment", f"{label}: contract payment (take-or-pay)", "US$ bn", "Deals",
        deals.contract_payment,
        {"value_usd_bn": f"{p}.value_usd_bn", "realisation_fraction": real,
         "share": f"li:deal.{d}.share", "price_factor": "in:commitments.cloud_price_factor"},
        "={value_usd_bn}*{realisation_fraction}*{share}*{price_factor}", total=True))
    cat.add(LineItem(
        f"deal.{d}.renewal_payment", f"{label}: renewal payment", "US$ bn", "Deals",
        deals.renewal_payment,
        {"value_usd_bn": f"{p}.value_usd_bn", "realisation_fraction": real,
         "renewed": f"li:deal.{d}.renewed", "price_factor": "in:commitments.renewal_price_factor",
         "escalator_per_year": "in:commitments.renewal_escalator_per_year", "year": "year",
         "end_year": f"li:deal.{d}.end_year"},
        "={value_usd_bn}*{realisation_fraction}*{price_factor}*{renewed}"
        "*(1+{escalator_per_year})^MAX({year}-{end_year}-1,0)", total=True))
    cat.add(_sum(f"deal.{d}.payment", f"{label}: payments", "US$ bn", "Deals",
                 (f"li:deal.{d}.contract_payment", f"li:deal.{d}.renewal_payment"), total=True))
    cat.add(LineItem(
        f"deal.{d}.gw_in_use", f"{label}: GW in use", "GW", "Deals", deals.gw_in_use,
        {"capacity_gw": f"{p}.capacity_gw", "realisation_fraction": real,
         "share": (f"li:deal.{d}.share", f"li:deal.{d}.renewed"), "peak_share": f"li:deal.{d}.peak_share"},
        "=IF({peak_share}>0,{capacity_gw}*{realisation_fraction}*{share}/{peak_share},0)"))


# --- Capacity, demand and expansion -----------------------------------------------------------

def _capacity(cat, s: Structure) -> None:
    C = "Capacity"
    owned = tuple(f"li:deal.{d.id}.gw_added" for d in s.deals if d.kind == "owned")
    cloud = tuple(f"li:deal.{d.id}.gw_in_use" for d in s.deals if d.kind == "cloud")
    util = "in:operations.utilisation_fraction"
    cat.add(_link("existing_gw", "Existing rented fleet", "GW", C, "in:existing_fleet.capacity_gw",
                  section="Announced capacity (installed GW of IT load)"))
    cat.add(_sum("cloud_gw", "Cloud contracts in use (incl. renewals)", "GW", C, cloud))
    cat.add(_sum("owned_deals_added_gw", "Owned capacity added by the deals (own + lease)", "GW", C, owned,
                 total=True))
    cat.add(_online("owned_deals_online_gw", "Owned capacity of the deals online", "li:owned_deals_added_gw"))
    cat.add(_sum("contracted_gw", "Contracted capacity of the deals (realised)", "GW", C,
                 tuple(f"li:deal.{d.id}.contracted_gw" for d in s.deals)))
    cat.add(_sum("announced_gw", "Announced capacity", "GW", C,
                 ("li:existing_gw", "li:cloud_gw", "li:owned_deals_online_gw")))
    cat.add(LineItem(
        "compute_intensity", "Compute intensity: used GW per US$ bn of revenue", "GW / US$ bn", C,
        compute.declining,
        {"start": "in:demand.inference_gw_per_usd_bn", "decline_per_year": "in:demand.efficiency_gain_per_year"},
        "=IF({period}=1,{start},{self.prev}*(1-{decline_per_year}))",
        refs={"start": "in:demand.inference_gw_per_usd_bn",
              "decline_per_year": "in:demand.efficiency_gain_per_year", "period": "period"},
        section="Demand for compute (used GW)"))
    cat.add(LineItem("inference_demand_gw", "Inference compute revenue needs", "GW", C, compute.demand_gw,
                     {"revenue_usd_bn": "li:revenue_demand_total",
                      "intensity_gw_per_usd_bn": "li:compute_intensity"},
                     "={revenue_usd_bn}*{intensity_gw_per_usd_bn}"))
    cat.add(_link("training_demand_gw", "Training and research compute", "GW", C, "in:demand.training_gw"))
    cat.add(_sum("compute_demand_gw", "Compute demand", "GW", C,
                 ("li:inference_demand_gw", "li:training_demand_gw")))
    cat.add(LineItem("installed_needed_gw", "Installed capacity demand needs (at the utilisation)", "GW",
                     C, compute.installed_needed, {"demand": "li:compute_demand_gw", "utilisation": util},
                     "=IF({utilisation}>0,{demand}/{utilisation},0)"))
    cat.add(LineItem(
        "expansion_gw", "Expansion capacity in place (kept once built)", "GW", C, compute.expansion_level,
        {"needed_gw": "li:installed_needed_gw", "announced_gw": "li:announced_gw",
         "enabled": "in:expansion.enabled", "year": "year", "first_year": "in:timeline.first_year",
         "lead_time_years": "in:expansion.lead_time_years",
         "max_build_gw_per_year": "in:expansion.max_build_gw_per_year"},
        "=IF({period}=1,0,IF(AND({enabled}>0,{year}>={first_year}+{lead_time_years}),"
        "MAX({self.prev},MIN(MAX({needed_gw}-{announced_gw},0),{self.prev}+{max_build_gw_per_year})),"
        "{self.prev}))",
        refs={"needed_gw": "li:installed_needed_gw", "announced_gw": "li:announced_gw",
              "enabled": "in:expansion.enabled", "year": "year", "first_year": "in:timeline.first_year",
              "lead_time_years": "in:expansion.lead_time_years", "period": "period",
              "max_build_gw_per_year": "in:expansion.max_build_gw_per_year"},
        section="Expansion beyond the announced deals",
        note="Added from the first year + the lead time, at most the maximum build rate a year, "
             "while demand needs more than the announced capacity; never taken down."))
    cat.add(LineItem("expansion_owned_gw", "Expansion: owned", "GW", C, costs.share_of,
                     {"base": "li:expansion_gw", "fraction": "in:expansion.owned_fraction"},
                     "={base}*{fraction}"))
    cat.add(LineItem("expansion_rented_gw", "Expansion: rented", "GW", C, cashflow.difference,
                     {"a": "li:expansion_gw", "b": "li:expansion_owned_gw"}, "={a}-{b}"))
    cat.add(LineItem("expansion_owned_added_gw", "Expansion: owned GW added", "GW", C, compute.additions,
                     {"level": "li:expansion_owned_gw"}, "=IF({period}=1,{level},{level}-{level.prev})",
                     refs={"level": "li:expansion_owned_gw", "period": "period"}, total=True))
    own = tuple(f"li:deal.{d.id}.gw_added" for d in s.deals if d.kind == "owned" and d.financing == "own")
    lease = tuple(f"li:deal.{d.id}.gw_added" for d in s.deals if d.kind == "owned" and d.financing == "lease")
    cat.add(_sum("owned_added_gw", "Owned capacity added (deals bought + expansion)", "GW", C,
                 own + ("li:expansion_owned_added_gw",), total=True, section="Capacity in use"))
    cat.add(_online("owned_online_gw", "Owned capacity online", "li:owned_added_gw"))
    cat.add(_sum("leased_added_gw", "Leased capacity added (deals leased through SPVs)", "GW", C, lease,
                 total=True))
    cat.add(_online("leased_online_gw", "Leased capacity online", "li:leased_added_gw"))
    cat.add(_sum("total_gw", "Total capacity (installed)", "GW", C,
                 ("li:existing_gw", "li:cloud_gw", "li:owned_online_gw", "li:leased_online_gw",
                  "li:expansion_rented_gw")))
    cat.add(LineItem("expansion_in_use_gw", "Expansion beyond the deals, in use", "GW", C,
                     cashflow.difference, {"a": "li:total_gw", "b": "li:announced_gw"}, "={a}-{b}"))
    cat.add(LineItem("usable_gw", "Usable capacity (at the utilisation)", "GW", C, costs.share_of,
                     {"base": "li:total_gw", "fraction": util}, "={base}*{fraction}"))
    cat.add(LineItem(**_rationed("inference_served_gw", "Inference served", s.rationing)))
    cat.add(LineItem(**_rationed("training_served_gw", "Training and research served", s.rationing)))
    cat.add(LineItem("served_fraction", "Share of revenue demand served", "fraction", C,
                     compute.share_of_demand,
                     {"part": "li:inference_served_gw", "total": "li:inference_demand_gw"},
                     "=IF({total}>0,{part}/{total},1)",
                     note=f"Rationing when capacity is short: {s.rationing.replace('_', ' ')}."))
    cat.add(LineItem("idle_gw", "Idle capacity (installed beyond what demand needs)", "GW", C,
                     compute.idle_gw, {"installed": "li:total_gw", "needed": "li:installed_needed_gw"},
                     "=MAX({installed}-{needed},0)"))
    cat.add(LineItem("load_factor", "Load: share of usable capacity used", "fraction", C,
                     compute.load_factor,
                     {"demand": ("li:inference_served_gw", "li:training_served_gw"), "usable_gw": "li:usable_gw"},
                     "=IF({usable_gw}>0,MIN(1,{demand}/{usable_gw}),0)"))
    cat.add(LineItem("owned_used_gw", "Owned and leased capacity used (draws power)", "GW", C, compute.used_gw,
                     {"online_gw": ("li:owned_online_gw", "li:leased_online_gw"), "utilisation": util,
                      "load": "li:load_factor"},
                     "={online_gw}*{utilisation}*{load}"))


# Rationing rule -> (inference served formula, training served formula) from usable capacity U,
# inference demand I and training demand T (engine: compute.inference_served / training_served).
_SHARE = "IF({inference}+{training}>0,MIN(1,{usable_gw}/({inference}+{training})),1)"
RATIONING = {
    "proportional": ("={inference}*" + _SHARE, "={training}*" + _SHARE),
    "revenue_first": ("=MIN({inference},{usable_gw})",
                      "=MIN({training},MAX({usable_gw}-MIN({inference},{usable_gw}),0))"),
    "training_first": ("=MIN({inference},MAX({usable_gw}-MIN({training},{usable_gw}),0))",
                       "=MIN({training},{usable_gw})"),
}


def _rationed(key: str, label: str, rule: str) -> dict:
    fn = compute.inference_served if key.startswith("inference") else compute.training_served
    formula = RATIONING[rule][0 if key.startswith("inference") else 1]
    refs = {"usable_gw": "li:usable_gw", "inference": "li:inference_demand_gw",
            "training": "li:training_demand_gw"}
    return dict(key=key, label=label, unit="GW", sheet="Capacity",
                fn=functools.partial(fn, rule=rule), args=refs, formula=formula)


# Share of a vintage in service at its age, elementwise inside SUMPRODUCT: clip(MAX(1,L) - age, 0, 1)
_LEFT = "(MAX(1,{life})-({years}-{years.row}))"
IN_SERVICE = f"(({_LEFT}>=1)+({_LEFT}>0)*({_LEFT}<1)*{_LEFT})"
# What retires this period of a row, life L = k + f: (1 - f) row(t - k) + f row(t - k - 1); the
# range {x.before} runs from the empty column before the first period to the previous period.
_K = "INT(MAX(1,{life}))"
_F = "(MAX(1,{life})-" + _K + ")"
RETIRED = ("(1-" + _F + ")*INDEX({x.before},1,MAX(1,{period}-" + _K + "+1))+" + _F
           + "*INDEX({x.before},1,MAX(1,{period}-" + _K + "))")


def _online(key: str, label: str, added: str) -> LineItem:
    return LineItem(
        key, label, "GW", "Capacity", capacity.owned_online_gw,
        {"added_gw": added, "years": "year", "refresh_it": "in:capex.refresh_it",
         "servers_life_years": "in:capex.servers.life_years"},
        "=SUMPRODUCT(({years.row}<={years})*(({refresh_it}>0)+({refresh_it}<=0)*" + IN_SERVICE
        + ")*{added_gw.row})",
        refs={"added_gw": added, "years": "year", "refresh_it": "in:capex.refresh_it",
              "life": "in:capex.servers.life_years"},
        note="A vintage stays online for ever if IT is refreshed, else while its servers are in service: "
             "all of it for k years and the share f in year k of a life k + f (as depreciation).")


# --- Capex and depreciation ---------------------------------------------------------------------

def _capex(cat, s: Structure) -> None:
    priced = tuple(f"li:deal.{d.id}.it_priced_gw" if d.covers in DEAL_IT_COST else f"li:deal.{d.id}.gw_added"
                   for d in s.deals if d.kind == "owned" and d.financing == "own")
    cat.add(_sum("owned_priced_added_gw", "New owned GW at their IT price (deals' values; expansion "
                 "at the generic cost)", "GW", "Capex", priced + ("li:expansion_owned_added_gw",),
                 total=True, section="New capacity at its IT price"))
    for i, (c, label, it) in enumerate(s.components):
        sec = label
        p = f"in:capex.{c}"
        cat.add(LineItem(
            f"price_index.{c}", f"{label}: price index", "index", "Capex", capex.price_index,
            {"price_change_per_year": f"{p}.price_change_per_year", "period": "period"},
            "=(1+{price_change_per_year})^({period}-1)", section=sec))
        lines = [j for j, _, comp, _, _ in s.bom if comp == c]
        for j, jlabel, _, _, _ in (x for x in s.bom if x[2] == c):
            o = f"in:supply_chain.bom.{c}.{j}"
            cat.add(LineItem(
                f"supply_factor.{c}.{j}", f"{jlabel}: share x (tariff and US-premium factor)", "x", "Capex",
                supply.line_factor,
                {"share_fraction": f"{o}.share_fraction", "us_made_fraction": f"{o}.us_made_fraction",
                 "tariff_rate": f"{o}.tariff_rate", "us_premium_fraction": f"{o}.us_premium_fraction"},
                "={share_fraction}*(1+(1-{us_made_fraction})*{tariff_rate}+{us_made_fraction}*{us_premium_fraction})",
                note="The line's share of the component x (1 + imported share x tariff + US-made share x US "
                     "premium), from the bill of materials (Suppliers sheet)."))
        cat.add(_sum(f"supply_factor.{c}", f"{label}: tariff and US-premium factor", "x", "Capex",
                     tuple(f"li:supply_factor.{c}.{j}" for j in lines),
                     note="The sum over the component's bill-of-materials lines: the cost per GW is the price "
                          "of imported content before tariffs."))
        cat.add(LineItem(
            f"cost_index.{c}", f"{label}: cost index (price index x supply factor)", "index", "Capex",
            supply.cost_index, {"price_index": f"li:price_index.{c}", "factor": f"li:supply_factor.{c}"},
            "={price_index}*{factor}"))
        if it:
            cat.add(LineItem(
                f"purchases_gw.{c}", f"{label}: GW bought (new + refresh)", "GW", "Capex",
                capex.purchases_gw,
                {"added_gw": "li:owned_added_gw", "refresh_it": "in:capex.refresh_it",
                 "life_years": f"{p}.life_years"},
                "={added_gw}+({refresh_it}>0)*(" + RETIRED.replace("{x.", "{self.") + ")",
                refs={"added_gw": "li:owned_added_gw", "refresh_it": "in:capex.refresh_it",
                      "life": f"{p}.life_years", "period": "period"}, total=True,
                note="Refresh with a fractional life L = k + f: what was bought k years ago is re-bought "
                     "(1 - f), k + 1 years ago f (replacements are replaced in turn), so the life moves "
                     "capex smoothly, like depreciation."))
        else:
            cat.add(_link(f"purchases_gw.{c}", f"{label}: GW bought", "GW", "Capex",
                          "li:owned_added_gw", total=True))
        if it:
            cat.add(LineItem(
                f"capex.{c}", f"{label}: capex", "US$ bn", "Capex", capex.it_capex,
                {"purchases": f"li:purchases_gw.{c}", "added": "li:owned_added_gw",
                 "priced_added": "li:owned_priced_added_gw",
                 "cost_usd_bn_per_gw": f"{p}.cost_usd_bn_per_gw", "index": f"li:cost_index.{c}"},
                "=({purchases}-{added}+{priced_added})*{cost_usd_bn_per_gw}*{index}", total=True,
                note="Refreshes at the generic cost per GW; new GW at their deal's IT price."))
        else:
            cat.add(LineItem(
                f"capex.{c}", f"{label}: capex", "US$ bn", "Capex", capex.component_capex,
                {"purchases": f"li:purchases_gw.{c}", "cost_usd_bn_per_gw": f"{p}.cost_usd_bn_per_gw",
                 "index": f"li:cost_index.{c}"},
                "={purchases}*{cost_usd_bn_per_gw}*{index}", total=True))
    cat.add(_sum("capex_total", "Owned capex", "US$ bn", "Capex",
                 tuple(f"li:capex.{c}" for c, _, _ in s.components), total=True,
                 section="Total"))
    its = [(c, label) for c, label, it in s.components if it]
    for i, (c, label) in enumerate(its):
        p = f"in:capex.{c}"
        cat.add(LineItem(
            f"retired_cost.{c}", f"{label}: original cost of equipment retired", "US$ bn", "Capex",
            capex.retired_cost, {"capex": f"li:capex.{c}", "life_years": f"{p}.life_years"},
            "=" + RETIRED, refs={"x": f"li:capex.{c}", "life": f"{p}.life_years", "period": "period"},
            total=True, section="Retired IT sold at its residual value (trade-in)" if i == 0 else None))
        cat.add(LineItem(
            f"residual_proceeds.{c}", f"{label}: sale of retired equipment (residual value)", "US$ bn",
            "Capex", capex.residual_proceeds,
            {"retired_cost_usd_bn": f"li:retired_cost.{c}", "residual_fraction": f"{p}.residual_fraction"},
            "={retired_cost_usd_bn}*{residual_fraction}", total=True,
            note="At book value (depreciation runs down to the same residual): cash, no gain or loss."))
    cat.add(_sum("residual_proceeds_total", "Proceeds from retired IT", "US$ bn", "Capex",
                 tuple(f"li:residual_proceeds.{c}" for c, _ in its), total=True))
    for c, label, it in s.components:
        cat.add(LineItem(f"unit_cost.{c}", f"{label}: cost per GW at this year's prices", "US$ bn / GW",
                         "Capex", costs.share_of,
                         {"base": f"in:capex.{c}.cost_usd_bn_per_gw", "fraction": f"li:cost_index.{c}"},
                         "={base}*{fraction}", section="Cost per GW at this year's prices" if c == s.components[0][0] else None))
    cat.add(_sum("it_unit_cost", "IT cost per GW", "US$ bn / GW", "Capex",
                 tuple(f"li:unit_cost.{c}" for c, _, it in s.components if it)))
    cat.add(_sum("facility_unit_cost", "Facility cost per GW", "US$ bn / GW", "Capex",
                 tuple(f"li:unit_cost.{c}" for c, _, it in s.components if not it)))
    cat.add(LineItem(
        "lease_charge_per_gw", "Lease charge per GW-year (each component's cost over its life at the lease rate)",
        "US$ bn / GW-yr", "Capex", costs.capital_charges,
        {"rate": "in:financing.lease_rate"} | {f"u_{c}": f"li:unit_cost.{c}" for c, _, _ in s.components}
        | {f"l_{c}": f"in:capex.{c}.life_years" for c, _, _ in s.components},
        "=" + "+".join(f"{{u_{c}}}*IF({{rate}}=0,1/{{l_{c}}},{{rate}}/(1-(1+{{rate}})^-{{l_{c}}}))"
                       for c, _, _ in s.components)))
    owned = [d for d in s.deals if d.kind == "owned"]
    for i, d in enumerate(owned):
        it_gw = f"li:deal.{d.id}.it_priced_gw" if d.covers in DEAL_IT_COST else f"li:deal.{d.id}.gw_added"
        cat.add(LineItem(
            f"deal.{d.id}.purchase", f"{d.label}: purchase (first IT and the facility)", "US$ bn", "Deals",
            capex.purchase_value,
            {"it_gw": it_gw, "facility_gw": f"li:deal.{d.id}.gw_added", "it_unit_cost": "li:it_unit_cost",
             "facility_unit_cost": "li:facility_unit_cost"},
            "={it_gw}*{it_unit_cost}+{facility_gw}*{facility_unit_cost}", total=True,
            section="Announced commitments paid (owned purchases; cloud contracts as signed)" if i == 0 else None))
    cat.add(_sum("announced_commitments_paid", "Announced commitments paid", "US$ bn", "Deals",
                 tuple(f"li:deal.{d.id}.purchase" for d in owned)
                 + tuple(f"li:deal.{d.id}.contract_payment" for d in s.deals if d.kind == "cloud"),
                 total=True))
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


# --- Construction: when owned capex is paid ------------------------------------------------------

SPEND_FORMULA = (
    "=IF({period}=1,{capex},IF({lead}<=0,{capex},IF({period}=2,"
    "SUMPRODUCT((({periods.row}-{period})=0)*{lead}*{capex.row}"
    "+(({periods.row}-{period})>=1)*(({lead}-{periods.row}+{period}+1)>0)"
    "*({lead}-{periods.row}+{period}+1)*{capex.row}),"
    "SUMPRODUCT((({periods.row}-{period})>=1)*(({periods.row}-{period})<={lead})*{capex.row}))/{lead}))")


def _construction(cat, s: Structure) -> None:
    """Facilities are paid for while they are built: each component's capex (placed in service
    when the capacity comes online) is paid evenly over its lead time before."""
    for i, (c, label, _) in enumerate(s.components):
        cat.add(LineItem(
            f"capex_spend.{c}", f"{label}: paid (over the lead time before online)", "US$ bn", "Capex",
            capex.construction_spend,
            {"capex": f"li:capex.{c}", "lead_time_years": f"in:capex.{c}.lead_time_years"},
            SPEND_FORMULA,
            refs={"capex": f"li:capex.{c}", "lead": f"in:capex.{c}.lead_time_years", "period": "period",
                  "periods": "period"}, total=True,
            section="Capex paid (construction ahead of online capacity)" if i == 0 else None))
    cat.add(_sum("capex_spend_total", "Owned capex paid", "US$ bn", "Capex",
                 tuple(f"li:capex_spend.{c}" for c, _, _ in s.components), total=True))
    cat.add(LineItem("construction_in_progress", "Construction in progress (paid, not yet online)",
                     "US$ bn", "Capex", cashflow.cumulative_difference,
                     {"paid": "li:capex_spend_total", "placed": "li:capex_total"},
                     "=IF({period}=1,0,{self.prev})+{paid}-{placed}",
                     refs={"paid": "li:capex_spend_total", "placed": "li:capex_total", "period": "period"}))


# --- Revenue ----------------------------------------------------------------------------------
# Each segment's path gives its revenue DEMAND (what customers would pay for); revenue is the
# demand served by the capacity in use (Capacity: share of demand served).

def _grown(seg: str, label: str, p: str) -> LineItem:
    """Demand grown year on year by the segment's growth row (growth path types)."""
    return LineItem(f"revenue_demand.{seg}", f"{label}: demand", "US$ bn", "Revenue", revenue.grown,
                    {"start_usd_bn": f"{p}.start_usd_bn", "growth": f"li:growth.{seg}"},
                    "=IF({period}=1,{start_usd_bn},{self.prev}*(1+{growth}))",
                    refs={"start_usd_bn": f"{p}.start_usd_bn", "growth": f"li:growth.{seg}",
                          "period": "period"}, total=True)


def _explicit_path(seg: str, label: str, p: str) -> list[LineItem]:
    return [_link(f"revenue_demand.{seg}", f"{label}: demand", "US$ bn", "Revenue", f"{p}.usd_bn",
                  total=True, section=label)]


def _growth_path(seg: str, label: str, p: str) -> list[LineItem]:
    return [_link(f"growth.{seg}", f"{label}: growth", "fraction", "Revenue", f"{p}.growth_per_year",
                  section=label), _grown(seg, label, p)]


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
        f"revenue_demand.{seg}", f"{label}: demand", "US$ bn", "Revenue", revenue.s_curve,
        {"start_usd_bn": f"{p}.start_usd_bn", "ceiling_usd_bn": f"{p}.ceiling_usd_bn",
         "steepness_per_year": f"{p}.steepness_per_year", "period": "period"},
        "={ceiling_usd_bn}/(1+({ceiling_usd_bn}/{start_usd_bn}-1)"
        "*EXP(-{steepness_per_year}*({period}-1)))", total=True, section=label)]


# Revenue path type -> the line items that compute its demand (one registry, no if/elif chain).
REVENUE_PATHS = {
    RevenuePathKind.EXPLICIT: _explicit_path,
    RevenuePathKind.GROWTH: _growth_path,
    RevenuePathKind.DECAYING_GROWTH: _decaying_growth_path,
    RevenuePathKind.S_CURVE: _s_curve_path,
}


def _revenue(cat, s: Structure) -> None:
    R = "Revenue"
    for seg, label, kind in s.segments:
        for item in REVENUE_PATHS[RevenuePathKind(kind)](seg, label, f"in:revenue.segments.{seg}"):
            cat.add(item)
    cat.add(_sum("revenue_demand_total", "Revenue demand", "US$ bn", R,
                 tuple(f"li:revenue_demand.{seg}" for seg, _, _ in s.segments), total=True,
                 section="Revenue served by the capacity in use"))
    for seg, label, _ in s.segments:
        cat.add(LineItem(f"revenue.{seg}", label, "US$ bn", R, costs.share_of,
                         {"base": f"li:revenue_demand.{seg}", "fraction": "li:served_fraction"},
                         "={base}*{fraction}", total=True))
    cat.add(_sum("revenue_total", "Revenue", "US$ bn", R,
                 tuple(f"li:revenue.{seg}" for seg, _, _ in s.segments), total=True))
    cat.add(LineItem("unserved_revenue", "Revenue demand not served (capacity short)", "US$ bn", R,
                     cashflow.difference, {"a": "li:revenue_demand_total", "b": "li:revenue_total"},
                     "={a}-{b}", total=True))


# --- P&L and tax ------------------------------------------------------------------------------

def _pnl(cat, s: Structure) -> None:
    cloud = tuple(f"li:deal.{d.id}.payment" for d in s.deals if d.kind == "cloud")
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
    cat.add(_sum("cloud_payments", "Cloud contract payments (incl. renewals)", "US$ bn", P, cloud, total=True))
    cat.add(LineItem("expansion_rent", "Rented expansion capacity", "US$ bn", P, costs.per_gw_cost,
                     {"gw": "li:expansion_rented_gw",
                      "usd_bn_per_gw_year": "in:expansion.rent_usd_bn_per_gw_year"},
                     "={gw}*{usd_bn_per_gw_year}", total=True))
    cat.add(LineItem("power_cost", "Power for owned capacity in use", "US$ bn", P, costs.power_cost,
                     {"used_gw": "li:owned_used_gw",
                      "pue": "in:operations.pue", "hours_per_year": "k:hours_per_year",
                      "price_usd_per_mwh": "in:operations.power_price_usd_per_mwh",
                      "usd_per_usd_bn_mwh_per_gwh": "k:usd_per_usd_bn_mwh_per_gwh"},
                     "={used_gw}*{pue}*{hours_per_year}*{price_usd_per_mwh}/{usd_per_usd_bn_mwh_per_gwh}",
                     total=True))
    cat.add(LineItem("lease_payments", "Lease payments (deals leased through SPVs)", "US$ bn", P,
                     costs.per_gw_cost,
                     {"gw": "li:leased_online_gw", "usd_bn_per_gw_year": "li:lease_charge_per_gw"},
                     "={gw}*{usd_bn_per_gw_year}", total=True))
    cat.add(LineItem("fixed_opex", "Fixed opex of owned and leased capacity", "US$ bn", P, costs.per_gw_cost,
                     {"gw": ("li:owned_online_gw", "li:leased_online_gw"),
                      "usd_bn_per_gw_year": "in:operations.fixed_opex_usd_bn_per_gw_year"},
                     "={gw}*{usd_bn_per_gw_year}", total=True))
    cat.add(_sum("compute_cost", "Compute cost (cash)", "US$ bn", P,
                 ("li:existing_fleet_cost", "li:cloud_payments", "li:expansion_rent", "li:lease_payments",
                  "li:power_cost", "li:fixed_opex"), total=True))
    cat.add(_link("pnl.depreciation", "Depreciation of owned capacity", "US$ bn", P,
                  "li:depreciation_total", total=True))
    cat.add(_sum("compute_cost_total", "Compute cost (cash + depreciation)", "US$ bn", P,
                 ("li:compute_cost", "li:pnl.depreciation"), total=True))
    cat.add(LineItem("inference_share", "Inference share of compute in use", "fraction", P,
                     compute.share_of_demand,
                     {"part": "li:inference_served_gw", "total": ("li:inference_served_gw", "li:training_served_gw")},
                     "=IF({total}>0,{part}/{total},0)"))
    cat.add(LineItem("inference_cost", "Compute for inference (cost of revenue)", "US$ bn", P,
                     costs.share_of, {"base": "li:compute_cost_total", "fraction": "li:inference_share"},
                     "={base}*{fraction}", total=True))
    cat.add(LineItem("gross_profit", "Gross profit (after partner share and inference compute)", "US$ bn",
                     P, cashflow.difference,
                     {"a": "li:pnl.revenue", "b": ("li:partner_share", "li:inference_cost")},
                     "={a}-{b}", total=True, kind="total"))
    cat.add(LineItem("training_cost", "Compute for training and research", "US$ bn", P,
                     cashflow.difference, {"a": "li:compute_cost_total", "b": "li:inference_cost"},
                     "={a}-{b}", total=True, section="Training compute and operating costs"))
    for i, (c, label, mode) in enumerate(s.costs):
        p = f"in:operating_costs.{c}"
        sec = None
        if mode == "share_of_revenue":
            cat.add(LineItem(f"opex.{c}", label, "US$ bn", P, costs.share_of,
                             {"base": "li:revenue_total", "fraction": f"{p}.fraction"},
                             "={base}*{fraction}", total=True, section=sec))
        else:
            cat.add(_link(f"opex.{c}", label, "US$ bn", P, f"{p}.usd_bn", total=True, section=sec))
    cat.add(_sum("opex_total", "Operating costs", "US$ bn", P,
                 tuple(f"li:opex.{c}" for c, _, _ in s.costs), total=True))
    cat.add(LineItem("stock_compensation", "of which paid in stock (non-cash)", "US$ bn", P, costs.share_of,
                     {"base": "li:revenue_total", "fraction": "in:operating_costs.stock_compensation_fraction"},
                     "={base}*{fraction}", total=True))
    cat.add(LineItem("ebit", "EBIT (operating profit)", "US$ bn", P, cashflow.difference,
                     {"a": "li:gross_profit", "b": ("li:training_cost", "li:opex_total")}, "={a}-{b}",
                     total=True, kind="total", section="Profit"))
    cat.add(_sum("ebitda", "EBITDA (EBIT + depreciation)", "US$ bn", P,
                 ("li:ebit", "li:pnl.depreciation"), total=True))
    cat.add(LineItem("profit_flag", "Operating profit (EBIT > 0)", "flag", P, cashflow.positive_flag,
                     {"x": "li:ebit"}, "=IF({x}>0,1,0)"))
    cat.add(_link("pnl.interest", "Net interest and fees (Financing)", "US$ bn", P, "li:net_interest",
                  total=True, section="Financing and tax"))
    cat.add(_link("pnl.pbt", "Profit before tax", "US$ bn", P, "li:pbt", total=True))
    cat.add(_link("pnl.tax", "Tax paid (after interest, with the loss pool; Financing)", "US$ bn", P,
                  "li:tax_paid", total=True))
    cat.add(LineItem("net_income", "Net income", "US$ bn", P, cashflow.difference,
                     {"a": "li:pnl.pbt", "b": "li:pnl.tax"}, "={a}-{b}", total=True, kind="total"))


# --- Cash flow --------------------------------------------------------------------------------

def _cash(cat, s: Structure) -> None:
    C = "Cash flow"
    # Tax with the loss pool. The engine computes the closing pool as one recurrence; the sheet
    # computes it as opening - used + new losses; the tests prove them equal.
    cat.add(LineItem("loss_pool_opening", "Loss carry-forward: opening", "US$ bn", C,
                     timeline.previous,
                     {"row": "li:loss_pool_closing",
                      "opening": "in:tax.opening_loss_carryforward_usd_bn"},
                     "=IF({period}=1,{opening},{closing.prev})",
                     refs={"opening": "in:tax.opening_loss_carryforward_usd_bn",
                           "closing": "li:loss_pool_closing", "period": "period"},
                     section="Tax on EBIT (unlevered: for the valued FCF)"))
    cat.add(LineItem("loss_used", "Loss carry-forward: used", "US$ bn", C, tax.loss_used,
                     {"pool_opening": "li:loss_pool_opening", "ebit": "li:ebit",
                      "limit_fraction": "in:tax.loss_usage_limit_fraction"},
                     "=MIN({pool_opening},{limit_fraction}*MAX({ebit},0))", total=True))
    cat.add(LineItem("loss_pool_closing", "Loss carry-forward: closing", "US$ bn", C,
                     tax.loss_pool_closing,
                     {"ebit": "li:ebit", "opening_usd_bn": "in:tax.opening_loss_carryforward_usd_bn",
                      "limit_fraction": "in:tax.loss_usage_limit_fraction"},
                     "={pool_opening}-{used}+MAX(-{ebit},0)",
                     refs={"pool_opening": "li:loss_pool_opening", "used": "li:loss_used",
                           "ebit": "li:ebit"}))
    cat.add(LineItem("taxable_income", "Taxable income", "US$ bn", C, tax.taxable_income,
                     {"ebit": "li:ebit", "used": "li:loss_used"}, "=MAX({ebit},0)-{used}",
                     total=True))
    cat.add(LineItem("tax", "Tax on EBIT (unlevered)", "US$ bn", C, tax.tax,
                     {"taxable": "li:taxable_income", "rate_fraction": "in:tax.rate_fraction"},
                     "={taxable}*{rate_fraction}", total=True))
    cat.add(_link("cf.ebitda", "EBITDA", "US$ bn", C, "li:ebitda", total=True,
                  section="Free cash flow (unlevered: the valued flow)"))
    cat.add(_link("cf.tax", "Tax on EBIT (unlevered)", "US$ bn", C, "li:tax", total=True))
    cat.add(_link("cf.capex", "Owned capex paid", "US$ bn", C, "li:capex_spend_total", total=True))
    wc = "in:working_capital"
    cat.add(LineItem("working_capital", "Working capital: net liabilities (deferred revenue + payables "
                     "- prepayments)", "US$ bn", C, cashflow.working_capital,
                     {"revenue": "li:revenue_total", "deferred_fraction": f"{wc}.deferred_revenue_fraction",
                      "compute_cost": "li:compute_cost", "payables_fraction": f"{wc}.payables_fraction",
                      "cloud_payments": "li:cloud_payments", "prepaid_fraction": f"{wc}.prepayments_fraction"},
                     "={revenue}*{deferred_fraction}+{compute_cost}*{payables_fraction}"
                     "-{cloud_payments}*{prepaid_fraction}"))
    cat.add(LineItem("working_capital_change", "Cash from working capital (rise in net liabilities)",
                     "US$ bn", C, compute.additions_after_first, {"level": "li:working_capital"},
                     "=IF({period}=1,0,{level}-{level.prev})",
                     refs={"level": "li:working_capital", "period": "period"}, total=True))
    cat.add(_link("cf.rebates", "Vendor warrants sold (a rebate on their deals; Financing)", "US$ bn", C,
                  "li:warrant_proceeds", total=True))
    cat.add(_link("cf.proceeds", "Proceeds from retired IT (residual value; Capex)", "US$ bn", C,
                  "li:residual_proceeds_total", total=True))
    cat.add(LineItem("fcf", "Free cash flow (stock compensation counted as a cost)", "US$ bn", C,
                     cashflow.free_cash_flow,
                     {"ebitda": "li:cf.ebitda", "cash_tax": "li:cf.tax", "capex": "li:cf.capex",
                      "working_capital_change": ("li:working_capital_change", "li:cf.rebates"),
                      "proceeds": "li:cf.proceeds"},
                     "={ebitda}-{cash_tax}-{capex}+{working_capital_change}+{rebates}+{proceeds}",
                     refs={"ebitda": "li:cf.ebitda", "cash_tax": "li:cf.tax", "capex": "li:cf.capex",
                           "working_capital_change": "li:working_capital_change", "rebates": "li:cf.rebates",
                           "proceeds": "li:cf.proceeds"},
                     total=True, kind="total"))
    cat.add(_link("sbc_addback", "Stock compensation added back (paid in shares, not cash)", "US$ bn", C,
                  "li:stock_compensation", total=True, section="Financing and cash"))
    cat.add(_sum("cash_flow_before_financing", "Cash flow before financing (cash burn when negative)",
                 "US$ bn", C, ("li:fcf", "li:sbc_addback"), total=True))
    cat.add(LineItem("pre_tax_cash", "Cash flow before tax and financing (EBITDA - capex paid + working "
                     "capital + stock comp + rebates + IT sold)", "US$ bn", C, cashflow.difference,
                     {"a": ("li:cf.ebitda", "li:working_capital_change", "li:sbc_addback", "li:cf.rebates",
                            "li:cf.proceeds"),
                      "b": "li:cf.capex"}, "={a}-{b}", total=True))
    cat.add(LineItem("cash_costs", "Cash costs (compute + operating costs - stock compensation)",
                     "US$ bn", C, cashflow.difference,
                     {"a": ("li:compute_cost", "li:opex_total"), "b": "li:stock_compensation"}, "={a}-{b}"))
    cat.add(LineItem("minimum_cash", "Minimum cash (months of cash costs, at least the floor)", "US$ bn", C,
                     cashflow.minimum_cash,
                     {"floor_usd_bn": "in:financing.minimum_cash_usd_bn", "months": "in:financing.minimum_cash_months",
                      "cash_costs": "li:cash_costs", "months_per_year": "k:months_per_year"},
                     "=MAX({floor_usd_bn},{months}/{months_per_year}*{cash_costs})"))
    cat.add(LineItem("cash_without_new_money", "Cash with no new money (no rounds, no debt)", "US$ bn", C,
                     cashflow.cash_closing,
                     {"opening_cash_usd_bn": "in:financing.opening_cash_usd_bn", "fcf": "li:cash_flow_before_financing",
                      "other": "in:financing.other_financing_usd_bn"},
                     "=IF({period}=1,{opening},{self.prev})+{flow}+{other}",
                     refs={"opening": "in:financing.opening_cash_usd_bn", "flow": "li:cash_flow_before_financing",
                           "other": "in:financing.other_financing_usd_bn", "period": "period"}))
    cat.add(LineItem("funding_need", "Funding need with no new money (below minimum cash)", "US$ bn", C,
                     cashflow.funding_need,
                     {"minimum_cash_usd_bn": "li:minimum_cash", "cash": "li:cash_without_new_money"},
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
    _normalised(cat, s)
    cat.add(LineItem("commitment_spend", "Capacity spend (cloud and rented payments + owned capex)", "US$ bn",
                     C, timeline.link, {"x": ("li:cloud_payments", "li:expansion_rent", "li:capex_total")},
                     "={x}", total=True, section="Coverage"))
    cat.add(LineItem("revenue_coverage", "Revenue / capacity spend", "x", C, cashflow.ratio,
                     {"numerator": "li:revenue_total", "denominator": "li:commitment_spend"},
                     '=IF({denominator}=0,"n/a",{numerator}/{denominator})'))


def _normalised(cat, s: Structure) -> None:
    """FCF as if each year were the steady state the terminal value grows: capex to keep the
    owned base in service (IT refresh and facility replacement at the rate 1 / life) and to
    grow it at g, instead of the build-out's capex; tax at the full rate (the loss pool left is
    valued apart, in the terminal value); no one-off vendor rebates."""
    C = "Cash flow"
    comps = s.components
    its = [c for c, _, it in comps if it]
    gw = "li:owned_online_gw"
    cat.add(LineItem(
        "steady_replacement_capex", "Steady state: replacement capex (owned GW online x cost / life, "
        "each component)", "US$ bn", C, capex.steady_replacement,
        {"gw": gw} | {f"u_{c}": f"li:unit_cost.{c}" for c, _, _ in comps}
        | {f"l_{c}": f"in:capex.{c}.life_years" for c, _, _ in comps},
        "={gw}*(" + "+".join(f"{{u_{c}}}/MAX(1,{{l_{c}}})" for c, _, _ in comps) + ")",
        section="Normalised FCF (the steady state the normalised terminal value grows)"))
    cat.add(LineItem(
        "steady_growth_capex", "Steady state: growth capex (owned GW online x terminal growth x "
        "all-in cost per GW)", "US$ bn", C, capex.growth_capex,
        {"gw": gw, "growth": "in:valuation.terminal_growth",
         "unit_cost": ("li:it_unit_cost", "li:facility_unit_cost")},
        "={gw}*{growth}*{unit_cost}"))
    cat.add(LineItem(
        "steady_proceeds", "Steady state: retired IT sold (residual x cost at purchase / life)", "US$ bn", C,
        capex.steady_proceeds,
        {"gw": gw} | {f"u_{c}": f"li:unit_cost.{c}" for c in its}
        | {f"l_{c}": f"in:capex.{c}.life_years" for c in its}
        | {f"r_{c}": f"in:capex.{c}.residual_fraction" for c in its}
        | {f"p_{c}": f"in:capex.{c}.price_change_per_year" for c in its},
        "={gw}*(" + ("+".join(f"{{r_{c}}}*{{u_{c}}}*(1+{{p_{c}}})^-MAX(1,{{l_{c}}})/MAX(1,{{l_{c}}})"
                              for c in its) or "0") + ")"))
    cat.add(LineItem(
        "steady_tax", "Steady state: tax at the full rate on EBIT (the loss pool valued apart)", "US$ bn", C,
        tax.tax_on_profit, {"profit": "li:ebit", "rate_fraction": "in:tax.rate_fraction"},
        "=MAX({profit},0)*{rate_fraction}"))
    cat.add(LineItem(
        "normalised_fcf", "Normalised FCF (FCF with steady-state capex, proceeds and tax, without rebates)",
        "US$ bn", C, cashflow.difference,
        {"a": ("li:fcf", "li:cf.tax", "li:cf.capex", "li:steady_proceeds"),
         "b": ("li:steady_tax", "li:cf.rebates", "li:cf.proceeds", "li:steady_replacement_capex",
               "li:steady_growth_capex")},
        "={a}-{b}", total=True, kind="total"))
    cat.add(LineItem(
        "fcf_with_terminal", "FCF with the terminal value in the last year (for the IRR with it)", "US$ bn",
        C, metrics.with_terminal,
        {"flow": "li:fcf", "terminal": "m:terminal_value_usd_bn", "period": "period"},
        "={flow}+({period}={period.last})*{terminal}", section="Flows the IRRs are found for"))
    for key, flow, label in (("fcf_sign", "li:fcf", "FCF"),
                             ("fcf_with_terminal_sign", "li:fcf_with_terminal", "FCF with terminal value")):
        cat.add(LineItem(
            key, f"{label}: sign of the last non-zero forecast flow (for Descartes' rule)", "-", C,
            irr.sign_carry, {"x": flow, "period": "period"},
            "=IF({period}=1,0,IF({x}>0,1,IF({x}<0,-1,{self.prev})))"))


# --- Unit economics ------------------------------------------------------------------------------

def _ratio(key, label, unit, numerator, denominator, **kw) -> LineItem:
    return LineItem(key, label, unit, "Unit economics", cashflow.ratio,
                    {"numerator": numerator, "denominator": denominator},
                    '=IF({denominator}=0,"n/a",{numerator}/{denominator})', **kw)


def _unit_economics(cat, s: Structure) -> None:
    U = "Unit economics"
    cat.add(_ratio("revenue_per_gw", "Revenue per GW installed", "US$ bn / GW-yr", "li:revenue_total",
                   "li:total_gw", section="Per GW and per US$ of revenue"))
    cat.add(_ratio("compute_cost_per_revenue", "Compute cost (cash + depreciation) per US$ of revenue",
                   "x", ("li:compute_cost", "li:depreciation_total"), "li:revenue_total"))
    cat.add(_ratio("gross_margin", "Gross margin (after partner share and inference compute)",
                   "fraction", "li:gross_profit", "li:revenue_total", section="Margins"))
    cat.add(_ratio("ebitda_margin", "EBITDA margin", "fraction", "li:ebitda", "li:revenue_total"))
    cat.add(_ratio("fcf_margin", "Free cash flow margin", "fraction", "li:fcf", "li:revenue_total"))
    for i, (c, label, _) in enumerate(s.components):
        cat.add(LineItem(
            f"owned_annual_capex.{c}", f"{label}: capital charge per GW-year", "US$ bn / GW-yr", U,
            costs.capital_charge,
            {"unit_cost": f"li:unit_cost.{c}", "rate": "in:valuation.discount_rate",
             "life_years": f"in:capex.{c}.life_years"},
            "={unit_cost}*IF({rate}=0,1/{life_years},{rate}/(1-(1+{rate})^-{life_years}))",
            section="Build vs rent: all-in cost of a GW-year (capital charged at the discount rate)"
            if i == 0 else None))
    cat.add(LineItem("owned_power_per_gw_year", "Power per GW-year owned (at the utilisation)",
                     "US$ bn / GW-yr", U, costs.power_cost,
                     {"used_gw": "in:operations.utilisation_fraction", "pue": "in:operations.pue",
                      "hours_per_year": "k:hours_per_year",
                      "price_usd_per_mwh": "in:operations.power_price_usd_per_mwh",
                      "usd_per_usd_bn_mwh_per_gwh": "k:usd_per_usd_bn_mwh_per_gwh"},
                     "={used_gw}*{pue}*{hours_per_year}*{price_usd_per_mwh}/{usd_per_usd_bn_mwh_per_gwh}"))
    cat.add(_sum("owned_cost_per_gw_year", "Owned: all-in cost per GW-year", "US$ bn / GW-yr", U,
                 tuple(f"li:owned_annual_capex.{c}" for c, _, _ in s.components)
                 + ("li:owned_power_per_gw_year", "in:operations.fixed_opex_usd_bn_per_gw_year")))
    cat.add(_link("rented_cost_per_gw_year", "Rented (expansion): price per GW-year", "US$ bn / GW-yr", U,
                  "in:expansion.rent_usd_bn_per_gw_year"))
    cat.add(_ratio("cloud_cost_per_gw_year", "Cloud contracts: payments per GW-year in use",
                   "US$ bn / GW-yr", "li:cloud_payments", "li:cloud_gw"))


# The parts of the catalogue, in the order the rows appear on the sheets.
LINE_ITEM_PARTS = (_deals, _capacity, _capex, _construction, _revenue, _pnl, _cash, _unit_economics)
