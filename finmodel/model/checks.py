"""The model checks: identities and bounds that must hold, each with its engine function and
the formula of its cell on the Checks sheet (TRUE = passes), defined once. The master check is
the AND of all of them (engine: ``Result.checks_pass``; workbook: the MASTER CHECK cell).
"""
from __future__ import annotations

import functools

import numpy as np

from ..assumptions.rules import RULES
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



def _in_bounds(bounds: tuple, **values) -> np.ndarray:
    """(n,) bool: every value inside its bounds (``Bounds.outside``, the test the engine's
    batches use to flag invalid rows)."""
    ok = None
    for b, arr in zip(bounds, values.values()):
        arr = np.asarray(arr, dtype=float)
        good = ~b.outside(arr.reshape(arr.shape[0], -1))
        ok = good if ok is None else ok & good
    return ok


def _bound_conditions(b, x: str, series: bool) -> list[str]:
    """Spreadsheet conditions, TRUE when input ``{x}`` (a row if ``series``) is inside ``b``."""
    lo, hi = (f"MIN({{{x}.row}})", f"MAX({{{x}.row}})") if series else (f"{{{x}}}", f"{{{x}}}")
    out = [f"{lo}{op}{limit:g}" for limit, op in ((b.ge, ">="), (b.gt, ">")) if limit is not None]
    out += [f"{hi}{op}{limit:g}" for limit, op in ((b.le, "<="), (b.lt, "<")) if limit is not None]
    if b.integer:
        out.append(f"SUMPRODUCT((INT({{{x}.row}})<>{{{x}.row}})*1)=0" if series else f"INT({{{x}}})={{{x}}}")
    return out


def _inputs(cat, s: Structure) -> None:
    """Every editable input inside its bounds (one check per Inputs-sheet block) and every rule
    between inputs holding: an edit the engine would refuse turns the master check FALSE."""
    sections: dict[str, list] = {}
    for path, section, bounds, series in s.inputs:
        if bounds is not None:
            sections.setdefault(section, []).append((path, bounds, series))
    for i, (section, items) in enumerate(sections.items()):
        args = {f"x{j}": f"in:{path}" for j, (path, _, _) in enumerate(items)}
        conds = [c for j, (_, b, series) in enumerate(items) for c in _bound_conditions(b, f"x{j}", series)]
        if conds:
            cat.add(CheckDef(f"inputs_in_range.{i}", f"Inputs in range: {section}",
                             functools.partial(_in_bounds, tuple(b for _, b, _ in items)), args,
                             "=AND(" + ",".join(conds) + ")"))
    editable = {path for path, *_ in s.inputs}
    for rule in RULES:
        for paths in rule.instances(editable, s.deal_kinds):
            args = {f"x{j}": f"in:{p}" for j, p in enumerate(paths)}
            cat.add(CheckDef(f"rule.{rule.key}.{'.'.join(paths)}", f"Inputs rule: {rule.label_of(paths)}",
                             functools.partial(_rule_holds, rule), args,
                             "=" + rule.holds.format(*(f"{{x{j}}}" for j in range(len(paths))))))


def _rule_holds(rule, **values) -> np.ndarray:
    cols = [np.asarray(v, dtype=float)[:, 0] for v in values.values()]
    return ~np.asarray(rule.bad(*cols), dtype=bool)


CHECK_PARTS = (_identities, _shares, _bounds, _compute, _costs, _inputs)
