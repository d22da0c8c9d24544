"""The supply chain in the catalogue: owned capex by origin (US-made, imported, tariff) and by
supplier, the cloud partners' receipts, and the Foxconn-style context of a supplier's reported
revenue; the metrics of the Summary (US-made share, tariffs paid) and the checks that the
supplier and origin views add back to capex.

The tariff and the US premium enter capex on the Capex sheet (``supply_factor.<component>``,
``lineitems._capex``); the rows here are views of that capex, so they sum back to it.
"""
from __future__ import annotations

from ..engine import cashflow, supply, timeline
from ..engine import checks as c
from ..engine import metrics as m
from .defs import CheckDef, LineItem, MetricDef, Structure

__all__ = ["SUPPLY_PARTS", "SUPPLY_METRICS", "SUPPLY_CHECKS"]

SHEET = "Suppliers"
TOL = "k:check_tolerance"


def _sum(key, label, refs, unit="US$ bn", **kw) -> LineItem:
    return LineItem(key, label, unit, SHEET, timeline.link, {"x": tuple(refs)}, "={x}", kind="total",
                    total=unit == "US$ bn", **kw)


def _ratio(key, label, numerator, denominator, **kw) -> LineItem:
    return LineItem(key, label, "fraction", SHEET, cashflow.ratio,
                    {"numerator": numerator, "denominator": denominator},
                    '=IF({denominator}=0,"n/a",{numerator}/{denominator})', **kw)


def _origin_refs(comp: str, rate: str) -> dict[str, str]:
    """The references of a component's origin rows: its capex, supply factor, US-made share
    and ``rate`` (``tariff_rate`` or ``us_premium_fraction``)."""
    o = f"in:supply_chain.origin.{comp}"
    return {"capex": f"li:capex.{comp}", "factor": f"li:supply_factor.{comp}",
            "us_made_fraction": f"{o}.us_made_fraction", rate: f"{o}.{rate}"}


def _origin(cat, s: Structure) -> None:
    for i, (comp, label, _) in enumerate(s.components):
        cat.add(LineItem(
            f"supply.us_made.{comp}", f"{label}: made in the US (premium included)", "US$ bn", SHEET,
            supply.us_made_capex, _origin_refs(comp, "us_premium_fraction"),
            "={capex}/{factor}*{us_made_fraction}*(1+{us_premium_fraction})", total=True,
            section="Owned capex by origin (placed in service)" if i == 0 else None))
        cat.add(LineItem(
            f"supply.imported.{comp}", f"{label}: imported (tariff included)", "US$ bn", SHEET,
            supply.imported_capex, _origin_refs(comp, "tariff_rate"),
            "={capex}/{factor}*(1-{us_made_fraction})*(1+{tariff_rate})", total=True))
    cat.add(_sum("supply.us_made_total", "Owned capex made in the US",
                 tuple(f"li:supply.us_made.{k}" for k, _, _ in s.components), section="Total by origin"))
    cat.add(_sum("supply.imported_total", "Owned capex imported (tariff included)",
                 tuple(f"li:supply.imported.{k}" for k, _, _ in s.components)))
    cat.add(_ratio("supply.us_made_share", "US-made share of owned capex", "li:supply.us_made_total",
                   "li:capex_total"))
    for i, (comp, label, _) in enumerate(s.components):
        cat.add(LineItem(
            f"supply.tariff.{comp}", f"{label}: tariff on imported content", "US$ bn", SHEET,
            supply.tariff_cost, _origin_refs(comp, "tariff_rate"),
            "={capex}/{factor}*(1-{us_made_fraction})*{tariff_rate}", total=True,
            section="What tariffs and US manufacturing add to capex" if i == 0 else None))
    cat.add(_sum("supply.tariff_total", "Tariffs paid (US Treasury)",
                 tuple(f"li:supply.tariff.{k}" for k, _, _ in s.components)))
    for comp, label, _ in s.components:
        cat.add(LineItem(
            f"supply.us_premium.{comp}", f"{label}: US-manufacturing premium", "US$ bn", SHEET,
            supply.us_premium_cost, _origin_refs(comp, "us_premium_fraction"),
            "={capex}/{factor}*{us_made_fraction}*{us_premium_fraction}", total=True))
    cat.add(_sum("supply.us_premium_total", "US-manufacturing premium (paid to the suppliers)",
                 tuple(f"li:supply.us_premium.{k}" for k, _, _ in s.components)))


def _weights(s: Structure, comp: str) -> tuple[str, ...]:
    return tuple(f"in:supply_chain.suppliers.{k}.{comp}_fraction" for k, _, comps, _ in s.suppliers
                 if comp in comps)


def _suppliers(cat, s: Structure) -> None:
    first = True
    for k, label, comps, _ in s.suppliers:
        for comp in comps:
            clabel = next(lb for key, lb, _ in s.components if key == comp)
            section = ("Owned capex by supplier and component (capex less tariff x the supplier's share)"
                       if first else None)
            first = False
            if len(_weights(s, comp)) == 1:  # the only supplier: all of it (its share is information)
                cat.add(LineItem(
                    f"supplier.{k}.{comp}", f"{label}: {clabel.lower()} (sole supplier)", "US$ bn", SHEET,
                    supply.net_of_tariff, {"capex": f"li:capex.{comp}", "tariff": f"li:supply.tariff.{comp}"},
                    "={capex}-{tariff}", total=True, section=section))
                continue
            cat.add(LineItem(
                f"supplier.{k}.{comp}", f"{label}: {clabel.lower()}", "US$ bn", SHEET,
                supply.supplier_payment,
                {"capex": f"li:capex.{comp}", "tariff": f"li:supply.tariff.{comp}",
                 "weight": f"in:supply_chain.suppliers.{k}.{comp}_fraction", "total_weight": _weights(s, comp)},
                "=({capex}-{tariff})*IF({total_weight}>0,{weight}/{total_weight},0)", total=True,
                section=section,
                note="Shares are normalised over the component's suppliers, so an edit keeps the total."))
    for i, (k, label, comps, _) in enumerate(s.suppliers):
        cat.add(_sum(f"supplier.{k}", label, tuple(f"li:supplier.{k}.{comp}" for comp in comps),
                     section="Paid to each supplier for owned capex" if i == 0 else None))
    cat.add(_sum("supplier.tariff", "US Treasury (tariffs)", ("li:supply.tariff_total",)))
    cat.add(_sum("supplier.capex_total", "Owned capex (suppliers + tariffs)",
                 tuple(f"li:supplier.{k}" for k, *_ in s.suppliers) + ("li:supplier.tariff",)))


def partners(s: Structure) -> dict[str, tuple[str, ...]]:
    """Cloud partners -> their included cloud deals (a partner may hold several)."""
    out: dict[str, list[str]] = {}
    for d in s.deals:
        if d.kind == "cloud":
            out.setdefault(d.label.rsplit(" (", 1)[0], []).append(d.id)
    return {p: tuple(ids) for p, ids in out.items()}


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")


def _cloud(cat, s: Structure) -> None:
    for i, (partner, ids) in enumerate(partners(s).items()):
        cat.add(LineItem(
            f"supplier.cloud.{_slug(partner)}", f"{partner}: cloud payments (take-or-pay, renewals)",
            "US$ bn", SHEET, timeline.link, {"x": tuple(f"li:deal.{d}.payment" for d in ids)}, "={x}",
            kind="link", total=True,
            section="Cloud partners' receipts (contract payments by partner)" if i == 0 else None))
    rows = tuple(f"li:supplier.cloud.{_slug(p)}" for p in partners(s))
    cat.add(_sum("supplier.cloud_total", "Cloud partners (contracts)", rows))
    cat.add(_sum("supplier.programme_total", "Paid for owned capex and cloud contracts",
                 ("li:supplier.capex_total", "li:supplier.cloud_total")))
    for i, (k, label, _, reported) in enumerate(s.suppliers):
        if reported:
            cat.add(_ratio(
                f"supplier.{k}.vs_reported", f"{label}: paid by the programme / its reported revenue",
                f"li:supplier.{k}", f"in:supply_chain.suppliers.{k}.reported_revenue_usd_bn",
                section="Context: the programme against a supplier's reported revenue"
                if i == min(j for j, x in enumerate(s.suppliers) if x[3]) else None,
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
        refs = tuple(f"li:supplier.{k}.{comp}" for k, _, comps, _ in s.suppliers if comp in comps)
        cat.add(CheckDef(
            f"supply_split.{comp}", f"{label}: suppliers' payments + tariff = capex, every year",
            c.rows_equal, {"lhs": refs + (f"li:supply.tariff.{comp}",), "rhs": f"li:capex.{comp}",
                           "tolerance": TOL},
            "=SUMPRODUCT(ABS({lhs.row}-{rhs.row}))<{tolerance}"))
    cat.add(CheckDef(
        "supply_origin", "Owned capex: US-made + imported = capex, every year", c.rows_equal,
        {"lhs": ("li:supply.us_made_total", "li:supply.imported_total"), "rhs": "li:capex_total",
         "tolerance": TOL},
        "=SUMPRODUCT(ABS({lhs.row}-{rhs.row}))<{tolerance}"))


SUPPLY_PARTS = (_origin, _suppliers, _cloud)
SUPPLY_METRICS = (_metrics,)
SUPPLY_CHECKS = (_checks,)
