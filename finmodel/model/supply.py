"""The supply chain in the catalogue: the bill of materials (lines within each capex component),
owned capex by origin (US-made, imported, tariff) and by supplier, when the suppliers are paid,
the cloud partners' receipts and the SPVs' lease payments, and the Foxconn-style context of a
supplier's reported revenue; the metrics of the Summary (US-made share, tariffs paid) and the
checks that the supplier and origin views add back to capex.

The tariff and the US premium enter capex on the Capex sheet (``supply_factor.<component>``, the
sum of its lines' ``supply_factor.<component>.<line>``; ``lineitems._capex``); the rows here are
views of that capex, so they sum back to it. Depreciation stays by component.
"""
from __future__ import annotations

import functools

from ..engine import cashflow, supply, timeline
from ..engine import checks as c
from ..engine import metrics as m
from .defs import CheckDef, LineItem, MetricDef, Structure, short_label
from .lineitems import DEAL_IT_COST, IN_SERVICE, SPEND_FORMULA

__all__ = ["SUPPLY_PARTS", "SUPPLY_METRICS", "SUPPLY_CHECKS", "partners", "active_suppliers"]

SHEET = "Suppliers"
TOL = "k:check_tolerance"


def _sum(key, label, refs, unit="US$ bn", **kw) -> LineItem:
    return LineItem(key, label, unit, SHEET, timeline.link, {"x": tuple(refs)}, "={x}", kind="total",
                    total=unit == "US$ bn", **kw)


def _ratio(key, label, numerator, denominator, **kw) -> LineItem:
    return LineItem(key, label, "fraction", SHEET, cashflow.ratio,
                    {"numerator": numerator, "denominator": denominator},
                    '=IF({denominator}=0,"n/a",{numerator}/{denominator})', **kw)


def _in(comp: str, line: str, name: str) -> str:
    return f"in:supply_chain.bom.{comp}.{line}.{name}"


def active_suppliers(s: Structure) -> tuple:
    """The suppliers that supply some line (by share or as a deal's vendor)."""
    return tuple(x for x in s.suppliers if x[2])


def _lines(s: Structure, comp: str | None = None):
    return [(j, label, cp, dv, sups) for j, label, cp, dv, sups in s.bom if comp in (None, cp)]


def _bom(cat, s: Structure) -> None:
    """Each line's value before tariffs (the component's capex / its factor x the line's share)."""
    for i, (j, label, comp, _, _) in enumerate(s.bom):
        cat.add(LineItem(
            f"bom.value.{j}", f"{short_label(label)}: value before tariff and premium", "US$ bn", SHEET, supply.line_value,
            {"capex": f"li:capex.{comp}", "factor": f"li:supply_factor.{comp}",
             "share_fraction": _in(comp, j, "share_fraction")},
            "=IF({factor}=0,0,{capex}/{factor})*{share_fraction}", total=True,
            section="Bill of materials: each line's value before tariffs (component capex / its supply "
                    "factor x the line's share)" if i == 0 else None))


def _origin(cat, s: Structure) -> None:
    for i, (j, label, comp, _, _) in enumerate(s.bom):
        v = f"li:bom.value.{j}"
        cat.add(LineItem(
            f"supply.us_made.{j}", f"{short_label(label)}: made in the US (premium included)", "US$ bn", SHEET,
            supply.us_made_capex, {"value": v, "us_made_fraction": _in(comp, j, "us_made_fraction"),
                                   "us_premium_fraction": _in(comp, j, "us_premium_fraction")},
            "={value}*{us_made_fraction}*(1+{us_premium_fraction})", total=True,
            section="Owned capex by origin (placed in service)" if i == 0 else None))
        cat.add(LineItem(
            f"supply.imported.{j}", f"{short_label(label)}: imported (tariff included)", "US$ bn", SHEET,
            supply.imported_capex, {"value": v, "us_made_fraction": _in(comp, j, "us_made_fraction"),
                                    "tariff_rate": _in(comp, j, "tariff_rate")},
            "={value}*(1-{us_made_fraction})*(1+{tariff_rate})", total=True))
    cat.add(_sum("supply.us_made_total", "Owned capex made in the US",
                 tuple(f"li:supply.us_made.{j}" for j, *_ in s.bom), section="Total by origin"))
    cat.add(_sum("supply.imported_total", "Owned capex imported (tariff included)",
                 tuple(f"li:supply.imported.{j}" for j, *_ in s.bom)))
    cat.add(_ratio("supply.us_made_share", "US-made share of owned capex", "li:supply.us_made_total",
                   "li:capex_total"))
    for i, (j, label, comp, _, _) in enumerate(s.bom):
        cat.add(LineItem(
            f"supply.tariff.{j}", f"{short_label(label)}: tariff on imported content", "US$ bn", SHEET,
            supply.tariff_cost, {"value": f"li:bom.value.{j}", "us_made_fraction": _in(comp, j, "us_made_fraction"),
                                 "tariff_rate": _in(comp, j, "tariff_rate")},
            "={value}*(1-{us_made_fraction})*{tariff_rate}", total=True,
            section="What tariffs and US manufacturing add to capex" if i == 0 else None))
    cat.add(_sum("supply.tariff_total", "Tariffs paid (US Treasury)",
                 tuple(f"li:supply.tariff.{j}" for j, *_ in s.bom)))
    for j, label, comp, _, _ in s.bom:
        cat.add(LineItem(
            f"supply.us_premium.{j}", f"{short_label(label)}: US-manufacturing premium", "US$ bn", SHEET,
            supply.us_premium_cost, {"value": f"li:bom.value.{j}", "us_made_fraction": _in(comp, j, "us_made_fraction"),
                                     "us_premium_fraction": _in(comp, j, "us_premium_fraction")},
            "={value}*{us_made_fraction}*{us_premium_fraction}", total=True))
    cat.add(_sum("supply.us_premium_total", "US-manufacturing premium (paid to the suppliers)",
                 tuple(f"li:supply.us_premium.{j}" for j, *_ in s.bom)))


def _weights(comp: str, j: str, sups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_in(comp, j, f"suppliers.{k}.share_fraction") for k in sups)


def _vendor_deals(s: Structure, k: str) -> tuple[str, ...]:
    """The GW (at their IT price) of the own-financed deals whose accelerator vendor is ``k``."""
    return tuple(_deal_gw(d) for d in _vendored(s) if d.vendor == k)


def _vendored(s: Structure):
    return [d for d in s.deals if d.kind == "owned" and d.financing == "own" and d.vendor]


def _deal_gw(d) -> str:
    return f"li:deal.{d.id}.it_priced_gw" if d.covers in DEAL_IT_COST else f"li:deal.{d.id}.gw_added"


def _deal_vendor_rows(cat, s: Structure, j: str, label: str, comp: str, it: bool) -> None:
    """The GW bought for the deal-vendor line's component: all of them (at their IT price) and
    the part not brought by a deal with a vendor (paid by the line's supplier shares)."""
    total = (("li:purchases_gw." + comp, "li:owned_priced_added_gw"), "li:owned_added_gw") if it else None
    if it:
        cat.add(LineItem(
            f"bom.gw_total.{j}", f"{short_label(label)}: GW bought at their IT price (deals, expansion, refresh)", "GW",
            SHEET, cashflow.difference, {"a": total[0], "b": total[1]}, "={a}-{b}", total=True,
            section="Accelerators by vendor: each owned deal pays its own vendor for the GW it brings"))
    else:
        cat.add(LineItem(f"bom.gw_total.{j}", f"{short_label(label)}: GW bought", "GW", SHEET, timeline.link,
                         {"x": f"li:purchases_gw.{comp}"}, "={x}", kind="link", total=True,
                         section="Accelerators by vendor: each owned deal pays its own vendor for the GW it brings"))
    vendored = tuple(f"li:deal.{d.id}.gw_added" if not it else _deal_gw(d) for d in _vendored(s))
    if vendored:
        cat.add(LineItem(f"bom.gw_generic.{j}", f"{short_label(label)}: GW at the line's supplier shares (not a deal's "
                         "own vendor)", "GW", SHEET, cashflow.difference,
                         {"a": f"li:bom.gw_total.{j}", "b": vendored}, "={a}-{b}", total=True))
    else:
        cat.add(LineItem(f"bom.gw_generic.{j}", f"{short_label(label)}: GW at the line's supplier shares (no deal "
                         "names a vendor)", "GW", SHEET, timeline.link, {"x": f"li:bom.gw_total.{j}"}, "={x}",
                         kind="link", total=True))


def _suppliers(cat, s: Structure) -> None:
    its = {comp: it for comp, _, it in s.components}
    for j, label, comp, dv, _ in s.bom:
        if dv:
            _deal_vendor_rows(cat, s, j, label, comp, its[comp])
    first = True
    for j, label, comp, dv, sups in s.bom:
        cat.add(LineItem(
            f"bom.paid.{j}", f"{short_label(label)}: paid to its suppliers (capex less tariff)", "US$ bn", SHEET,
            supply.paid_to_suppliers, {"value": f"li:bom.value.{j}", "us_made_fraction": _in(comp, j, "us_made_fraction"),
                                       "us_premium_fraction": _in(comp, j, "us_premium_fraction")},
            "={value}*(1+{us_made_fraction}*{us_premium_fraction})", total=True,
            section="Owned capex by supplier and line (placed in service: the line's payments x the "
                    "supplier's share)" if first else None))
        first = False
        paid = f"li:bom.paid.{j}"
        for k, klabel, lines, _ in active_suppliers(s):
            if j not in lines:
                continue
            weights = _weights(comp, j, sups)
            brief = short_label(label)
            key, text = f"supplier.{k}.{j}", f"{short_label(klabel)}: {brief[:1].lower()}{brief[1:]}"
            if dv:
                deals = _vendor_deals(s, k)
                args = {"paid": paid, "generic_gw": f"li:bom.gw_generic.{j}", "total_gw": f"li:bom.gw_total.{j}"}
                parts = []
                if deals:
                    args["deals_gw"] = deals
                    parts.append("{deals_gw}")
                if k in sups:
                    args |= {"weight": _in(comp, j, f"suppliers.{k}.share_fraction"), "total_weight": weights}
                    parts.append("{generic_gw}*IF({total_weight}>0,{weight}/{total_weight},0)")
                fn = supply.vendor_payment if deals else functools.partial(supply.vendor_payment, deals_gw=0.0)
                cat.add(LineItem(key, text + (" (its deals' GW + its share of the rest)" if deals else ""),
                                 "US$ bn", SHEET, fn, args,
                                 "=IF({total_gw}>0,{paid}*(" + "+".join(parts) + ")/{total_gw},0)", total=True))
            elif len(sups) == 1:  # the only supplier: all of it (its share is information)
                cat.add(LineItem(key, f"{text} (sole supplier)", "US$ bn", SHEET, timeline.link, {"x": paid},
                                 "={x}", kind="link", total=True))
            else:
                cat.add(LineItem(
                    key, text, "US$ bn", SHEET, supply.supplier_payment,
                    {"paid": paid, "weight": _in(comp, j, f"suppliers.{k}.share_fraction"), "total_weight": weights},
                    "={paid}*IF({total_weight}>0,{weight}/{total_weight},0)", total=True,
                    note="Shares are normalised over the line's suppliers, so an edit keeps the total."))


def _by_component(s: Structure, k: str, lines: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for j, _, comp, _, _ in s.bom:
        if j in lines:
            out.setdefault(comp, []).append(f"li:supplier.{k}.{j}")
    return {comp: tuple(v) for comp, v in out.items()}


def _spend(key, label, row, comp, **kw) -> LineItem:
    """Paid when the component is paid: evenly over its lead time before online (as Capex)."""
    from ..engine import capex
    return LineItem(key, label, "US$ bn", SHEET, capex.construction_spend,
                    {"capex": row, "lead_time_years": f"in:capex.{comp}.lead_time_years"}, SPEND_FORMULA,
                    refs={"capex": row, "lead": f"in:capex.{comp}.lead_time_years", "period": "period",
                          "periods": "period"}, total=True, **kw)


def _payments(cat, s: Structure) -> None:
    """What each supplier is paid each year: its lines placed in service by component, paid over
    the component's lead time as the Capex sheet pays capex (so the totals are capex paid)."""
    clabel = {comp: label for comp, label, _ in s.components}
    first = True
    for k, klabel, lines, _ in active_suppliers(s):
        for comp, rows in _by_component(s, k, lines).items():
            section = ("Paid to each supplier by component (placed in service, then paid over the "
                       "component's lead time, as capex is paid)") if first else None
            first = False
            cat.add(_sum(f"supplier.{k}.placed.{comp}", f"{short_label(klabel)}: {clabel[comp].lower()} placed in service",
                         rows, section=section))
            cat.add(_spend(f"supplier.{k}.paid.{comp}", f"{short_label(klabel)}: {clabel[comp].lower()} paid",
                           f"li:supplier.{k}.placed.{comp}", comp))
    for comp, label, _ in s.components:
        cat.add(_sum(f"supply.tariff_placed.{comp}", f"{label}: tariff placed in service",
                     tuple(f"li:supply.tariff.{j}" for j, *_ in _lines(s, comp))))
        cat.add(_spend(f"supply.tariff_paid.{comp}", f"{label}: tariff paid", f"li:supply.tariff_placed.{comp}", comp))
    for i, (k, label, lines, _) in enumerate(active_suppliers(s)):
        cat.add(_sum(f"supplier.{k}", label,
                     tuple(f"li:supplier.{k}.paid.{comp}" for comp in _by_component(s, k, lines)),
                     section="Paid to each supplier for owned capex (each year, as capex is paid)" if i == 0 else None))
    cat.add(_sum("supplier.tariff", "US Treasury (tariffs)",
                 tuple(f"li:supply.tariff_paid.{comp}" for comp, _, _ in s.components)))
    cat.add(_sum("supplier.capex_total", "Owned capex paid (suppliers + tariffs)",
                 tuple(f"li:supplier.{k}" for k, *_ in active_suppliers(s)) + ("li:supplier.tariff",)))


def partners(s: Structure) -> dict[str, tuple[str, ...]]:
    """Cloud partners -> their included cloud deals (a partner may hold several)."""
    out: dict[str, list[str]] = {}
    for d in s.deals:
        if d.kind == "cloud":
            out.setdefault(d.label.rsplit(" (", 1)[0], []).append(d.id)
    return {p: tuple(ids) for p, ids in out.items()}


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")


def _online_formula(added: str) -> str:
    return ("SUMPRODUCT(({years.row}<={years})*(({refresh_it}>0)+({refresh_it}<=0)*" + IN_SERVICE
            + ")*{" + added + ".row})")


def _cloud_and_leases(cat, s: Structure) -> None:
    for i, (partner, ids) in enumerate(partners(s).items()):
        cat.add(LineItem(
            f"supplier.cloud.{_slug(partner)}", f"{partner}: cloud payments (take-or-pay, renewals)",
            "US$ bn", SHEET, timeline.link, {"x": tuple(f"li:deal.{d}.payment" for d in ids)}, "={x}",
            kind="link", total=True,
            section="Cloud partners' receipts (contract payments by partner)" if i == 0 else None))
    rows = tuple(f"li:supplier.cloud.{_slug(p)}" for p in partners(s))
    if rows:
        cat.add(_sum("supplier.cloud_total", "Cloud partners (contracts)", rows))
    leased = [d for d in s.deals if d.kind == "owned" and d.financing == "lease"]
    for i, d in enumerate(leased):
        vendor = next((label for k, label, *_ in s.suppliers if k == d.vendor), None)
        cat.add(LineItem(
            f"supplier.lease.{d.id}", f"{d.label}: lease payments to its SPV", "US$ bn", SHEET, supply.lease_payment,
            {"added_gw": f"li:deal.{d.id}.gw_added", "years": "year", "refresh_it": "in:capex.refresh_it",
             "servers_life_years": "in:capex.servers.life_years", "usd_bn_per_gw_year": "li:lease_charge_per_gw"},
            "=" + _online_formula("added") + "*{charge}",
            refs={"added": f"li:deal.{d.id}.gw_added", "years": "year", "refresh_it": "in:capex.refresh_it",
                  "life": "in:capex.servers.life_years", "charge": "li:lease_charge_per_gw"}, total=True,
            section="SPV leases: payments to the vehicles that own leased capacity, by deal" if i == 0 else None,
            note="The deal's GW online x the lease charge per GW-year (P&L: lease payments)"
                 + (f"; the SPV holds {vendor}'s capacity." if vendor else ".")))
    if leased:
        cat.add(_sum("supplier.lease_total", "SPV leases", tuple(f"li:supplier.lease.{d.id}" for d in leased)))
    cat.add(_sum("supplier.programme_total", "Paid for owned capex, cloud contracts and SPV leases",
                 ("li:supplier.capex_total",) + (("li:supplier.cloud_total",) if rows else ())
                 + (("li:supplier.lease_total",) if leased else ())))
    reporting = [x for x in active_suppliers(s) if x[3]]
    for i, (k, label, _, _) in enumerate(reporting):
        cat.add(_ratio(
            f"supplier.{k}.vs_reported", f"{label}: paid by the programme / its reported revenue",
            f"li:supplier.{k}", f"in:supply_chain.suppliers.{k}.reported_revenue_usd_bn",
            section="Context: the programme against a supplier's reported revenue" if i == 0 else None,
            note="Reported revenue is a year's (Inputs: its source); a share above 1 would be more "
                 "than the supplier's whole reported business."))


def _metrics(cat, s: Structure) -> None:
    cat.add(MetricDef("us_made_share", "US-made share of owned capex (whole horizon)", "fraction",
                      supply.share_of_capex, {"numerator_row": "li:supply.us_made_total",
                                   "denominator": "m:cumulative_capex_usd_bn"},
                      '=IF({denominator}=0,"n/a: no owned capex",SUM({numerator_row.row})/{denominator})'))
    cat.add(MetricDef("cumulative_tariff_usd_bn", "Tariffs paid on imported capex (whole horizon)", "US$ bn",
                      m.horizon_sum, {"row": "li:supply.tariff_total"}, "=SUM({row.row})", better="lower"))
    cat.add(MetricDef("cumulative_us_premium_usd_bn", "US-manufacturing premium paid (whole horizon)",
                      "US$ bn", m.horizon_sum, {"row": "li:supply.us_premium_total"}, "=SUM({row.row})"))


def _checks(cat, s: Structure) -> None:
    for comp, label, _ in s.components:
        lines = _lines(s, comp)
        cat.add(CheckDef(
            f"bom_shares.{comp}", f"{label}: the bill-of-materials lines' shares sum to 1, every year",
            supply.each_period_one, {"row": tuple(_in(comp, j, "share_fraction") for j, *_ in lines),
                                     "tolerance": TOL},
            "=SUMPRODUCT(ABS({row.row}-1))<{tolerance}"))
        placed = tuple(f"li:supplier.{k}.placed.{comp}" for k, _, ls, _ in active_suppliers(s)
                       if comp in _by_component(s, k, ls))
        cat.add(CheckDef(
            f"supply_split.{comp}", f"{label}: suppliers' payments + tariff = capex, every year",
            c.rows_equal, {"lhs": placed + (f"li:supply.tariff_placed.{comp}",), "rhs": f"li:capex.{comp}",
                           "tolerance": TOL},
            "=SUMPRODUCT(ABS({lhs.row}-{rhs.row}))<{tolerance}"))
        paid = tuple(f"li:supplier.{k}.paid.{comp}" for k, _, ls, _ in active_suppliers(s)
                     if comp in _by_component(s, k, ls))
        cat.add(CheckDef(
            f"supply_paid.{comp}", f"{label}: suppliers paid + tariff paid = capex paid, every year",
            c.rows_equal, {"lhs": paid + (f"li:supply.tariff_paid.{comp}",), "rhs": f"li:capex_spend.{comp}",
                           "tolerance": TOL},
            "=SUMPRODUCT(ABS({lhs.row}-{rhs.row}))<{tolerance}"))
    cat.add(CheckDef(
        "supply_origin", "Owned capex: US-made + imported = capex, every year", c.rows_equal,
        {"lhs": ("li:supply.us_made_total", "li:supply.imported_total"), "rhs": "li:capex_total",
         "tolerance": TOL},
        "=SUMPRODUCT(ABS({lhs.row}-{rhs.row}))<{tolerance}"))
    if any(d.kind == "owned" and d.financing == "lease" for d in s.deals):
        cat.add(CheckDef(
            "supply_leases", "SPV lease payments by deal = lease payments (P&L), every year", c.rows_equal,
            {"lhs": "li:supplier.lease_total", "rhs": "li:lease_payments", "tolerance": TOL},
            "=SUMPRODUCT(ABS({lhs.row}-{rhs.row}))<{tolerance}"))


SUPPLY_PARTS = (_bom, _origin, _suppliers, _payments, _cloud_and_leases)
SUPPLY_METRICS = (_metrics,)
SUPPLY_CHECKS = (_checks,)
