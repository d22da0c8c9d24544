"""The Financing sheet: equity rounds and dilution, vendor financing, term debt, the revolver,
interest, tax after interest, cash, the unfunded gap and the lenders' covenants — with their
metrics and checks, defined once like every other catalogue entry.

The rows that depend on last year's balances come from one engine recurrence
(``engine.financing.financing_plan``), evaluated once and read row by row (``LineItem.pick``);
their formulas reference the previous column, so neither the engine nor the workbook is
circular. NPV stays on unlevered FCF (Cash flow sheet); this sheet is the equity and lender view.
"""
from __future__ import annotations

import functools

from ..engine import cashflow, financing as fin, metrics as m, timeline
from ..engine import checks as c
from .defs import CheckDef, LineItem, MetricDef, Structure
from .metrics import NEVER, peak_and_year

__all__ = ["FINANCING_PARTS", "FINANCING_METRICS", "FINANCING_CHECKS", "RDCF_ARGS"]

F = "Financing"
FIN = "in:financing"


def _plan_fn(s: Structure):
    """The recurrence with the structure's tranche kinds bound; one object per catalogue so its
    rows share one evaluation."""
    kinds = tuple(kind for _, _, kind in s.tranches)

    def plan(**kw):
        tranches = tuple(fin.TrancheTerms(kind, kw.pop(f"t{i}_draw_year"), kw.pop(f"t{i}_amount"),
                                          kw.pop(f"t{i}_rate"), kw.pop(f"t{i}_tenor"),
                                          kw.pop(f"t{i}_dscr"), kw.pop(f"t{i}_fee"))
                         for i, kind in enumerate(kinds))
        return fin.financing_plan(tranches=tranches, **kw)
    return plan


def _plan_args(s: Structure) -> dict:
    args = {"ebit": "li:ebit", "pre_tax_cash": "li:pre_tax_cash", "equity": "li:equity_raised",
            "other": f"{FIN}.other_financing_usd_bn", "minimum_cash": "li:minimum_cash", "year": "year",
            "opening_cash": f"{FIN}.opening_cash_usd_bn", "cash_rate": f"{FIN}.cash_interest_rate",
            "gap_rate": f"{FIN}.unfunded_gap_rate",
            "tax_rate": "in:tax.rate_fraction", "pool_opening": "in:tax.opening_loss_carryforward_usd_bn",
            "usage_limit": "in:tax.loss_usage_limit_fraction",
            "revolver_limit": f"{FIN}.revolver.limit_usd_bn", "revolver_rate": f"{FIN}.revolver.rate",
            "revolver_fee": f"{FIN}.revolver.commitment_fee_fraction",
            "sweep_fraction": f"{FIN}.sweep_fraction"}
    for i, (t, _, _) in enumerate(s.tranches):
        p = f"{FIN}.tranches.{t}"
        args |= {f"t{i}_draw_year": f"{p}.draw_year", f"t{i}_amount": f"{p}.amount_usd_bn",
                 f"t{i}_rate": f"{p}.rate", f"t{i}_tenor": f"{p}.tenor_years", f"t{i}_dscr": f"{p}.dscr_target",
                 f"t{i}_fee": f"{p}.fee_fraction"}
    return args


# --- equity -------------------------------------------------------------------------------------

def _equity(cat, s: Structure) -> None:
    ipo = next((r.id for r in s.rounds if r.ipo), None)
    for i, r in enumerate(s.rounds):
        p = f"{FIN}.rounds.{r.id}"
        sec = "Equity rounds (money in the year paid; dilution at the post-money)" if i == 0 else None
        extra, refs, formula = {}, {}, ""
        if r.needs_ipo:
            cat.add(LineItem(f"round.{r.id}.happens", f"{r.label}: paid (1 if the IPO is by its deadline)",
                             "flag", F, fin.on_or_before,
                             {"year": f"{FIN}.rounds.{ipo}.year", "deadline": f"{p}.needs_ipo_by_year"},
                             "=IF({year}<={deadline},1,0)", section=sec))
            extra["happens"] = refs["happens"] = f"li:round.{r.id}.happens"
            formula += "*{happens}"
            sec = None
        if r.with_deal:
            extra["realisation"] = refs["realisation"] = f"li:deal.{r.with_deal}.realisation"
            formula += "*{realisation}"
        if r.per_gw:
            gw = f"li:deal.{r.with_deal}.gw_added"
            cat.add(LineItem(f"round.{r.id}.amount", f"{r.label}: paid per GW deployed", "US$ bn", F,
                             fin.per_gw_amount, {"amount": f"{p}.amount_usd_bn", "gw": gw} | extra,
                             "={amount}*{gw}" + formula,
                             refs={"amount": f"{p}.amount_usd_bn", "gw": gw} | refs, total=True, section=sec))
        else:
            cat.add(LineItem(f"round.{r.id}.amount", f"{r.label}: paid", "US$ bn", F, fin.round_amount,
                             {"amount": f"{p}.amount_usd_bn", "year": "year", "round_year": f"{p}.year"} | extra,
                             "={amount}*({year}={round_year})" + formula,
                             refs={"amount": f"{p}.amount_usd_bn", "year": "year", "round_year": f"{p}.year"} | refs,
                             total=True, section=sec))
        cat.add(LineItem(f"round.{r.id}.keep", f"{r.label}: share earlier holders keep", "fraction", F,
                         fin.dilution_factor,
                         {"amount": f"li:round.{r.id}.amount", "post_money": f"{p}.post_money_usd_bn"},
                         "=IF({post_money}>0,1-{amount}/{post_money},1)"))
    cat.add(LineItem("equity_raised", "Equity raised", "US$ bn", F, timeline.link,
                     {"x": tuple(f"li:round.{r.id}.amount" for r in s.rounds)}, "={x}", total=True, kind="total"))
    posts = {f"p_{r.id}": f"{FIN}.rounds.{r.id}.post_money_usd_bn" for r in s.rounds}
    years = {f"y_{r.id}": f"{FIN}.rounds.{r.id}.year" for r in s.rounds}
    cat.add(LineItem("valuation_so_far", "Highest post-money valuation so far", "US$ bn", F,
                     fin.valuation_so_far, {"year": "year"} | posts | years,
                     "=MAX(0" + "".join(f",{{p_{r.id}}}*({{y_{r.id}}}<={{year}})" for r in s.rounds) + ")"))
    # stock compensation is issued at the latest valuation (the company before the new shares):
    # V / (V + A) stays in (0, 1] however long the horizon, where 1 - A / V would turn negative
    # once yearly stock compensation outgrows a valuation that only rounds move
    cat.add(LineItem("sbc_keep", "Share earlier holders keep after stock compensation", "fraction", F,
                     fin.issuance_keep, {"amount": "li:stock_compensation", "pre_money": "li:valuation_so_far"},
                     "=IF({pre_money}>0,{pre_money}/({pre_money}+{amount}),1)"))
    factors = {"sbc": "li:sbc_keep"} | {f"k_{r.id}": f"li:round.{r.id}.keep" for r in s.rounds}
    cat.add(LineItem("ownership", "Ownership of today's holders", "fraction", F, fin.ownership, factors,
                     "=IF({period}=1,1,{self.prev})*" + "*".join(f"{{{k}}}" for k in factors),
                     refs={"period": "period"} | factors))


# --- vendor financing ------------------------------------------------------------------------------

def _vendor(cat, s: Structure) -> None:
    rows = []
    for i, (w, label, deal) in enumerate(s.warrants):
        p = f"{FIN}.warrants.{w}"
        cat.add(LineItem(f"warrant.{w}.proceeds", f"{label}: shares vested and sold", "US$ bn", F,
                         fin.warrant_proceeds,
                         {"shares_m": f"{p}.shares_m", "capacity_gw": f"in:deals.{deal}.capacity_gw",
                          "gw_added": f"li:deal.{deal}.gw_added", "price_usd": f"{p}.share_price_usd"},
                         "=IF({capacity_gw}>0,{shares_m}*{gw_added}/{capacity_gw}*{price_usd}/{per_bn},0)",
                         refs={"shares_m": f"{p}.shares_m", "capacity_gw": f"in:deals.{deal}.capacity_gw",
                               "gw_added": f"li:deal.{deal}.gw_added", "price_usd": f"{p}.share_price_usd",
                               "per_bn": "k:usd_m_per_usd_bn"},
                         total=True, section="Vendor financing (warrants vest per GW deployed, sold)" if i == 0 else None))
        rows.append(f"li:warrant.{w}.proceeds")
    cat.add(LineItem("warrant_proceeds", "Vendor warrants sold", "US$ bn", F, timeline.link,
                     {"x": tuple(rows)}, "={x}", total=True, kind="total",
                     section=None if s.warrants else "Vendor financing"))


# --- the recurrence: debt, revolver, interest, tax, cash ----------------------------------------

def _debt(cat, s: Structure) -> None:
    plan, args = _plan_fn(s), _plan_args(s)

    def add(key, label, pick, formula, refs, **kw):
        cat.add(LineItem(key, label, kw.pop("unit", "US$ bn"), F, plan, args, formula, refs=refs,
                         pick=pick, **kw))

    per = {"period": "period"}
    for i, (t, label, kind) in enumerate(s.tranches):
        p, k = f"{FIN}.tranches.{t}", f"debt.{t}"
        base = {"opening": f"li:{k}.opening", "draw": f"li:{k}.draw", "year": "year",
                "dy": f"{p}.draw_year", "tenor": f"{p}.tenor_years"}
        add(f"{k}.opening", f"{label}: opening", f"t{i}.opening", "=IF({period}=1,0,{closing.prev})",
            per | {"closing": f"li:{k}.closing"}, section=f"{label} ({kind}, corkscrew)")
        add(f"{k}.draw", f"{label}: drawn", f"t{i}.draw", "=({year}={dy})*{amount}",
            {"year": "year", "dy": f"{p}.draw_year", "amount": f"{p}.amount_usd_bn"}, total=True)
        add(f"{k}.interest", f"{label}: interest (on the opening balance)", f"t{i}.interest",
            "={rate}*{opening}", {"rate": f"{p}.rate", "opening": f"li:{k}.opening"}, total=True)
        due = {"bullet": "0",
               "straight": "IF(AND({year}>{dy},{year}<={dy}+{tenor}),{amount}/{tenor},0)",
               "sculpted": "IF({year}>{dy},MAX({cfads}/{dscr}-{interest},0),0)"}[kind]
        add(f"{k}.principal", f"{label}: repaid", f"t{i}.principal",
            "=IF({year}>={dy}+{tenor},{opening}+{draw},MIN({opening}+{draw}," + due + "))",
            base | {"amount": f"{p}.amount_usd_bn", "cfads": "li:cfads", "dscr": f"{p}.dscr_target",
                    "interest": f"li:{k}.interest"}, total=True)
        earlier = tuple(f"li:debt.{e}.sweep" for e, _, _ in s.tranches[:i])
        add(f"{k}.sweep", f"{label}: prepaid from surplus cash (sweep)", f"t{i}.sweep",
            "=MIN({opening}+{draw}-{principal},{available}-{earlier})",
            {"opening": f"li:{k}.opening", "draw": f"li:{k}.draw", "principal": f"li:{k}.principal",
             "available": "li:sweep_available", "earlier": earlier}, total=True)
        add(f"{k}.closing", f"{label}: closing", f"t{i}.closing", "={opening}+{draw}-{principal}-{sweep}",
            {"opening": f"li:{k}.opening", "draw": f"li:{k}.draw", "principal": f"li:{k}.principal",
             "sweep": f"li:{k}.sweep"}, kind="total")
    R = f"{FIN}.revolver"
    add("revolver.opening", "Revolver: opening", "revolver_opening", "=IF({period}=1,0,{closing.prev})",
        per | {"closing": "li:revolver.closing"}, section="Revolver (draws to keep the minimum cash)")
    add("revolver.draw", "Revolver: drawn", "revolver_draw",
        "=MIN(MAX({minimum}-{before},0),MAX({limit}-{opening},0))",
        {"minimum": "li:minimum_cash", "before": "li:cash_before_revolver", "limit": f"{R}.limit_usd_bn",
         "opening": "li:revolver.opening"}, total=True)
    add("revolver.repay", "Revolver: repaid from surplus cash", "revolver_repay",
        "=MIN(MAX({before}-{minimum},0),{opening})",
        {"minimum": "li:minimum_cash", "before": "li:cash_before_revolver", "opening": "li:revolver.opening"},
        total=True)
    add("revolver.interest", "Revolver: interest and commitment fee", "revolver_interest",
        "={rate}*{opening}+{fee}*MAX({limit}-{opening},0)",
        {"rate": f"{R}.rate", "opening": "li:revolver.opening", "fee": f"{R}.commitment_fee_fraction",
         "limit": f"{R}.limit_usd_bn"}, total=True)
    add("revolver.closing", "Revolver: closing", "revolver_closing", "={opening}+{draw}-{repay}",
        {"opening": "li:revolver.opening", "draw": "li:revolver.draw", "repay": "li:revolver.repay"}, kind="total")
    tranche = [t for t, _, _ in s.tranches]
    add("gap_cost", "Cost of the unfunded gap (last year's gap at the gap rate)", "gap_cost",
        "=IF({period}=1,0,{rate}*{gap.prev})",
        per | {"rate": f"{FIN}.unfunded_gap_rate", "gap": "li:unfunded_gap"}, total=True,
        section="Interest and tax (after interest, with the loss pool)")
    interest = tuple(f"li:debt.{t}.interest" for t in tranche) + ("li:revolver.interest", "li:gap_cost")
    add("interest_expense", "Interest expense (term debt, revolver, unfunded gap)", "interest_expense", "={x}",
        {"x": interest}, total=True)
    fee_terms = "+".join(f"{{f_{t}}}*{{d_{t}}}" for t in tranche) or "0"
    add("interest_on_debt", "Interest on drawn debt (without commitment fees)", "interest_on_debt",
        "={x}+{rate}*{opening}",
        {"x": tuple(f"li:debt.{t}.interest" for t in tranche), "rate": f"{R}.rate",
         "opening": "li:revolver.opening"}, total=True)
    add("fees", "Upfront fees on debt drawn", "fees", "=" + fee_terms,
        {f"f_{t}": f"{FIN}.tranches.{t}.fee_fraction" for t in tranche}
        | {f"d_{t}": f"li:debt.{t}.draw" for t in tranche}, total=True)
    add("interest_income", "Interest earned on cash (opening balance)", "interest_income",
        "={rate}*MAX({opening},0)", {"rate": f"{FIN}.cash_interest_rate", "opening": "li:cash_opening"},
        total=True)
    cat.add(LineItem("net_interest", "Net interest and fees", "US$ bn", F, cashflow.difference,
                     {"a": ("li:interest_expense", "li:fees"), "b": "li:interest_income"}, "={a}-{b}", total=True))
    add("pbt", "Profit before tax", "pbt", "={ebit}-{net}", {"ebit": "li:ebit", "net": "li:net_interest"},
        total=True, kind="total")
    add("fin.pool_opening", "Loss carry-forward: opening", "pool_opening",
        "=IF({period}=1,{opening},{closing.prev})",
        per | {"opening": "in:tax.opening_loss_carryforward_usd_bn", "closing": "li:fin.pool_closing"})
    add("fin.pool_used", "Loss carry-forward: used", "pool_used", "=MIN({pool},{limit}*MAX({pbt},0))",
        {"pool": "li:fin.pool_opening", "limit": "in:tax.loss_usage_limit_fraction", "pbt": "li:pbt"}, total=True)
    add("fin.pool_closing", "Loss carry-forward: closing", "pool_closing", "={pool}-{used}+MAX(-{pbt},0)",
        {"pool": "li:fin.pool_opening", "used": "li:fin.pool_used", "pbt": "li:pbt"})
    add("tax_paid", "Tax paid", "tax_paid", "=(MAX({pbt},0)-{used})*{rate}",
        {"pbt": "li:pbt", "used": "li:fin.pool_used", "rate": "in:tax.rate_fraction"}, total=True)
    draws = tuple(f"li:debt.{t}.draw" for t in tranche)
    principal = tuple(f"li:debt.{t}.principal" for t in tranche)
    add("cfads", "Cash available for debt service (before tax and financing - tax paid)", "cfads",
        "={pre}-{tax}", {"pre": "li:pre_tax_cash", "tax": "li:tax_paid"}, total=True,
        section="Cash: sources and uses each year")
    cat.add(LineItem("debt_drawn", "Term debt drawn", "US$ bn", F, timeline.link, {"x": draws}, "={x}",
                     total=True))
    add("cash_opening", "Cash: opening", "cash_opening", "=IF({period}=1,{opening},{closing.prev})",
        per | {"opening": f"{FIN}.opening_cash_usd_bn", "closing": "li:cash_closing"})
    add("cash_before_revolver", "Cash before the revolver", "cash_before_revolver",
        "={opening}+{cfads}+{equity}+{other}+{draws}-{fees}-{interest}+{income}-{principal}",
        {"opening": "li:cash_opening", "cfads": "li:cfads", "equity": "li:equity_raised",
         "other": f"{FIN}.other_financing_usd_bn", "draws": draws, "fees": "li:fees",
         "interest": "li:interest_expense", "income": "li:interest_income", "principal": principal})
    add("sweep_available", "Excess cash flow offered to prepay term debt (sweep; within the surplus cash)",
        "sweep_available",
        "={fraction}*MAX(MIN({cfads}+{income}-{interest}-{fees}-{principal},{before}-{minimum}-{repay}),0)",
        {"fraction": f"{FIN}.sweep_fraction", "before": "li:cash_before_revolver",
         "minimum": "li:minimum_cash", "repay": "li:revolver.repay", "cfads": "li:cfads",
         "income": "li:interest_income", "interest": "li:interest_expense", "fees": "li:fees",
         "principal": principal})
    add("cash_closing", "Cash: closing", "cash_closing", "={before}+{draw}-{repay}-{sweep}",
        {"before": "li:cash_before_revolver", "draw": "li:revolver.draw", "repay": "li:revolver.repay",
         "sweep": tuple(f"li:debt.{t}.sweep" for t in tranche)}, kind="total")
    add("unfunded_gap", "Unfunded gap (below minimum cash after every instrument)", "unfunded_gap",
        "=MAX({minimum}-{cash},0)", {"minimum": "li:minimum_cash", "cash": "li:cash_closing"})
    add("term_debt", "Term debt outstanding", "term_debt_closing", "={x}",
        {"x": tuple(f"li:debt.{t}.closing" for t in tranche)}, section="Covenants")
    add("debt_service", "Debt service (term interest + repayment)", "debt_service", "={x}",
        {"x": tuple(f"li:debt.{t}.interest" for t in tranche) + principal}, total=True)


def _covenants(cat, s: Structure) -> None:
    K = f"{FIN}.covenants"
    cat.add(LineItem("net_debt", "Net debt (term debt + revolver - cash)", "US$ bn", F, cashflow.difference,
                     {"a": ("li:term_debt", "li:revolver.closing"), "b": "li:cash_closing"}, "={a}-{b}"))
    cat.add(LineItem("dscr", "Debt service cover (CFADS / debt service)", "x", F, fin.ratio_or_nan,
                     {"numerator": "li:cfads", "denominator": "li:debt_service", "material": "k:material_usd_bn"},
                     '=IF({denominator}>{material},{numerator}/{denominator},"n/a")'))
    cat.add(LineItem("interest_cover", "Interest cover (EBITDA / interest on drawn debt)", "x", F, fin.ratio_or_nan,
                     {"numerator": "li:ebitda", "denominator": "li:interest_on_debt", "material": "k:material_usd_bn"},
                     '=IF({denominator}>{material},{numerator}/{denominator},"n/a")'))
    cat.add(LineItem("leverage", "Net debt / EBITDA", "x", F, fin.ratio_or_nan,
                     {"numerator": "li:net_debt", "denominator": "li:ebitda", "material": "k:material_usd_bn"},
                     '=IF({denominator}>{material},{numerator}/{denominator},"n/a")'))
    cat.add(LineItem("breach.leverage", "Breach: net debt / EBITDA above the limit (or net debt with EBITDA <= 0)",
                     "flag", F, fin.leverage_breach,
                     {"net_debt": "li:net_debt", "ebitda": "li:ebitda", "limit": f"{K}.max_net_debt_to_ebitda", "material": "k:material_usd_bn"},
                     "=IF({net_debt}>0,IF({ebitda}>{material},IF({net_debt}/{ebitda}>{limit},1,0),1),0)"))
    cat.add(LineItem("breach.dscr", "Breach: debt service cover below the minimum", "flag", F, fin.below_breach,
                     {"numerator": "li:cfads", "denominator": "li:debt_service", "limit": f"{K}.min_dscr", "material": "k:material_usd_bn",
                      "tolerance": "k:cover_tolerance"},
                     "=IF({denominator}>{material},IF({numerator}/{denominator}<{limit}-{tolerance},1,0),0)"))
    cat.add(LineItem("breach.interest_cover", "Breach: interest cover below the minimum", "flag", F,
                     fin.below_breach,
                     {"numerator": "li:ebitda", "denominator": "li:interest_on_debt",
                      "limit": f"{K}.min_interest_cover", "material": "k:material_usd_bn",
                      "tolerance": "k:cover_tolerance"},
                     "=IF({denominator}>{material},IF({numerator}/{denominator}<{limit}-{tolerance},1,0),0)"))


FINANCING_PARTS = (_equity, _vendor, _debt, _covenants)


# --- metrics ----------------------------------------------------------------------------------------

# The reverse DCF's inputs (engine.financing.reverse_dcf): the metric and the Valuation sheet's
# bisection block (Result.reverse_dcf) read the same ones.
RDCF_ARGS = {"flows": "li:fcf", "base": "m:terminal_base_usd_bn", "one_off": "m:terminal_one_off_usd_bn",
             "growth": "in:valuation.terminal_growth", "valuation": "li:valuation_so_far",
             "equity": "li:equity_raised", "cash": "li:cash_closing", "margin": "k:rdcf_margin",
             "high": "k:rdcf_high"}

def _metrics(cat, s: Structure) -> None:
    add = cat.add
    for md in peak_and_year("peak_unfunded_gap_usd_bn", "Peak unfunded gap after planned financing",
                            "unfunded_gap_year", "Year of the peak unfunded gap", "li:unfunded_gap"):
        add(md)
    add(MetricDef("peak_net_debt_usd_bn", "Peak net debt", "US$ bn", m.peak, {"row": "li:net_debt"},
                  "=MAX({row.row})", better="lower", midpoint=0.0))
    for key, label, fn, reason, agg in (
            ("min_dscr", "Lowest debt service cover", fin.lowest_defined, "n/a: no debt service", "MIN"),
            ("min_interest_cover", "Lowest interest cover", fin.lowest_defined, "n/a: no interest", "MIN"),
            ("max_leverage", "Highest net debt / EBITDA (years with EBITDA > 0)", fin.highest_defined,
             "n/a: no year with EBITDA > 0", "MAX")):
        row = {"min_dscr": "li:dscr", "min_interest_cover": "li:interest_cover", "max_leverage": "li:leverage"}[key]
        # no debt service / interest: nothing to cover, above every minimum
        add(MetricDef(key, label, "x", functools.partial(fn, reason=reason), {"row": row},
                      f'=IF(COUNT({{row.row}})=0,"{reason}",{agg}({{row.row}}))',
                      missing_as=NEVER if agg == "MIN" else None,
                      better="higher" if agg == "MIN" else "lower",
                      midpoint=1.0 if agg == "MIN" else None))  # a cover below 1x does not cover
    covenants = (("leverage", "net debt / EBITDA"), ("dscr", "debt service cover"),
                 ("interest_cover", "interest cover"))
    for key, label in covenants:
        add(MetricDef(f"first_breach_{key}", f"First year the {label} covenant breaks", "year",
                      m.first_flagged_year, {"flag": f"li:breach.{key}", "years": "year"},
                      '=IF(SUM({flag.row})=0,"never within horizon",INDEX({years.row},MATCH(1,{flag.row},0)))',
                      missing_as=NEVER, better="higher"))
    first = {key: f"m:first_breach_{key}" for key, _ in covenants}
    cells = ",".join(f"{{m:first_breach_{key}}}" for key, _ in covenants)
    add(MetricDef("first_breach_year", "First year any covenant breaks", "year", fin.earliest_year, first,
                  f'=IF(COUNT({cells})=0,"never within horizon",MIN({cells}))', missing_as=NEVER,
                  better="higher"))
    add(MetricDef("equity_raised_usd_bn", "Equity raised (rounds and vendor equity)", "US$ bn", m.horizon_sum,
                  {"row": "li:equity_raised"}, "=SUM({row.row})"))
    add(MetricDef("debt_drawn_usd_bn", "Term debt drawn", "US$ bn", m.horizon_sum,
                  {"row": tuple(f"li:debt.{t}.draw" for t, _, _ in s.tranches)}, "=SUMPRODUCT({row.row})"))
    add(MetricDef("peak_revolver_usd_bn", "Peak revolver drawn", "US$ bn", m.peak, {"row": "li:revolver.closing"},
                  "=MAX({row.row})", better="lower"))
    add(MetricDef("warrants_usd_bn", "Vendor warrants sold", "US$ bn", m.horizon_sum,
                  {"row": "li:warrant_proceeds"}, "=SUM({row.row})"))
    add(MetricDef("ownership_final", "Ownership of today's holders at the end", "fraction", m.last,
                  {"row": "li:ownership"}, "={row.last}", better="higher"))
    add(MetricDef("implied_discount_rate",
                  "Discount rate the latest round's price implies (reverse DCF: NPV + cash = its pre-money)",
                  "fraction", fin.implied_rate, RDCF_ARGS,
                  '=IF({rdcf:found}=0,"n/a: no rate above growth gives the round\'s price",{rdcf:rate})'))
    add(MetricDef("todays_holders_value_usd_bn",
                  "Value of today's holders' stake (ownership x equity value at the end, discounted)",
                  "US$ bn", fin.holders_value,
                  {"ownership": "m:ownership_final", "terminal": "m:terminal_value_usd_bn",
                   "cash": "li:cash_closing", "term_debt": "li:term_debt", "revolver": "li:revolver.closing",
                   "factor": "li:discount_factor"},
                  "={ownership}*({terminal}+{cash.last}-{term_debt.last}-{revolver.last})*{factor.last}",
                  better="higher", midpoint=0.0))


def _checks(cat, s: Structure) -> None:
    tol = "k:check_tolerance"
    for t, label, _ in s.tranches:
        k = f"li:debt.{t}"
        cat.add(CheckDef(f"corkscrew.{t}", f"{label}: closing = opening + drawn - repaid - prepaid",
                         c.corkscrew, {"closing": f"{k}.closing", "opening": f"{k}.opening", "added": f"{k}.draw",
                                       "removed": (f"{k}.principal", f"{k}.sweep"), "tolerance": tol},
                         "=SUMPRODUCT(ABS({closing.row}-{opening.row}-{added.row}+{removed.row}))<{tolerance}"))
    cat.add(CheckDef("corkscrew.revolver", "Revolver: closing = opening + drawn - repaid", c.corkscrew,
                     {"closing": "li:revolver.closing", "opening": "li:revolver.opening",
                      "added": "li:revolver.draw", "removed": "li:revolver.repay", "tolerance": tol},
                     "=SUMPRODUCT(ABS({closing.row}-{opening.row}-{added.row}+{removed.row}))<{tolerance}"))
    cat.add(CheckDef("revolver_within_limit", "Revolver never above its limit", c.never_above,
                     {"part": "li:revolver.closing", "whole": f"{FIN}.revolver.limit_usd_bn", "tolerance": tol},
                     "=MAX({part.row})<={whole}+{tolerance}"))
    cat.add(CheckDef("debt_non_negative", "No debt balance is ever negative", c.all_non_negative,
                     {"a": "li:term_debt", "b": "li:revolver.closing", "tolerance": tol},
                     "=AND(MIN({a.row})>=-{tolerance},MIN({b.row})>=-{tolerance})"))
    tranche = [t for t, _, _ in s.tranches]
    cat.add(CheckDef(
        "sources_equal_uses", "Cash each year: closing = opening + sources - uses", c.corkscrew,
        {"closing": "li:cash_closing", "opening": "li:cash_opening",
         "added": ("li:cfads", "li:equity_raised", f"{FIN}.other_financing_usd_bn", "li:interest_income",
                   "li:revolver.draw") + tuple(f"li:debt.{t}.draw" for t in tranche),
         "removed": ("li:fees", "li:interest_expense", "li:revolver.repay")
         + tuple(f"li:debt.{t}.principal" for t in tranche) + tuple(f"li:debt.{t}.sweep" for t in tranche),
         "tolerance": tol},
        "=SUMPRODUCT(ABS({closing.row}-{opening.row}-{added.row}+{removed.row}))<{tolerance}"))


FINANCING_METRICS = (_metrics,)
FINANCING_CHECKS = (_checks,)
