"""The model checks: identities and bounds that must hold, each with its engine function and
the formula of its cell on the Checks sheet (TRUE = passes), defined once. The master check is
the AND of all of them (engine: ``Result.checks_pass``; workbook: the MASTER CHECK cell).
"""
from __future__ import annotations

from ..engine import checks as c
from ..engine import metrics as m
from .defs import CheckDef, Structure

__all__ = ["CHECK_PARTS"]

TOL = "k:check_tolerance"


def _identities(cat, s: Structure) -> None:
    for comp, label, _ in s.components:
        cat.add(CheckDef(
            f"depreciation_bounded.{comp}",
            f"{label}: depreciation never exceeds depreciable capex (whole horizon)",
            c.depreciation_within,
            {"depreciation": f"li:depreciation.{comp}", "capex": f"li:capex.{comp}",
             "residual": f"in:capex.{comp}.residual_fraction", "tolerance": TOL},
            "=SUM({depreciation.row})<=SUM({capex.row})*(1-{residual})+{tolerance}"))
    for flow, label in (("fcf", "FCF"), ("fcf_with_terminal", "FCF with terminal value")):
        sc = f"scan:{flow}:"
        cat.add(CheckDef(
            f"irr_roots_fit.{flow}", f"IRR of {label}: the engine's count of real roots fits the flows "
            "(needed only with 2+ sign changes)", m.irr_roots_fit_forecast,
            {"flows": f"li:{flow}", "tolerance": "k:root_tolerance"},
            f"=OR({{{sc}descartes}}<=1,AND({{{sc}exact}}>={{{sc}roots}},{{{sc}exact}}<={{{sc}descartes}},"
            f"OR({{{sc}exact}}=0,ABS(NPV({{{sc}first}},{{flows.fcst}}))<={{tolerance}}"
            f"*SUMPRODUCT(ABS({{flows.fcst}}))*MAX(1,(1+{{{sc}first}})^-COUNT({{flows.fcst}})))))"))
    cat.add(CheckDef("npv_matches_pv_rows", "NPV() equals the sum of the present-value row",
                     c.equals_sum, {"value": "m:npv_explicit_usd_bn", "row": "li:pv_fcf", "tolerance": TOL},
                     "=ABS({value}-SUM({row.row}))<{tolerance}"))


def _shares(cat, s: Structure) -> None:
    """An explicit ramp's shares are a whole: an edit that breaks this cannot be honoured."""
    for d in s.deals:
        if d.ramp == "explicit":
            cat.add(CheckDef(f"ramp_shares_sum.{d.id}", f"{d.label}: ramp shares sum to 1", c.sums_to_one,
                             {"row": f"in:deals.{d.id}.shares", "tolerance": TOL},
                             "=ABS(SUM({row.row})-1)<{tolerance}"))


def _bounds(cat, s: Structure) -> None:
    for key, label, row in (("capacity_non_negative", "Capacity is never negative", "li:total_gw"),
                            ("loss_pool_non_negative", "Loss carry-forward pool is never negative",
                             "li:loss_pool_closing"),
                            ("tax_non_negative", "Tax is never negative", "li:tax"),
                            ("construction_non_negative",
                             "Construction in progress is never negative (paid before placed in service)",
                             "li:construction_in_progress")):
        cat.add(CheckDef(key, label, c.non_negative, {"row": row, "tolerance": TOL},
                         "=MIN({row.row})>=-{tolerance}"))


def _compute(cat, s: Structure) -> None:
    cat.add(CheckDef("served_within_demand", "Revenue never exceeds revenue demand",
                     c.non_negative, {"row": "li:unserved_revenue", "tolerance": TOL},
                     "=MIN({row.row})>=-{tolerance}"))
    cat.add(CheckDef("expansion_never_falls", "Expansion capacity is never taken down",
                     c.non_decreasing, {"row": "li:expansion_gw", "tolerance": TOL},
                     "=SUMPRODUCT(({row.fcst}<{row.lag}-{tolerance})*1)=0"))


def _costs(cat, s: Structure) -> None:
    cat.add(CheckDef("stock_compensation_within_costs",
                     "Stock compensation is part of the operating costs (never more than them)",
                     c.never_above, {"part": "li:stock_compensation", "whole": "li:opex_total", "tolerance": TOL},
                     "=SUMPRODUCT(({part.row}>{whole.row}+{tolerance})*1)=0"))


CHECK_PARTS = (_identities, _shares, _bounds, _compute, _costs)
