"""Domain errors (numbers of the right type but impossible values) and numbers that may not exist.

Bad values: exit 65, located, outputs untouched. Zero revenue and no IRR: the model runs and
every ratio or rate that cannot exist reads "n/a ..." — never #DIV/0!, inf or NaN.
"""
from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest

from relhelp import assert_fails, csv_pos, pos, run_main

Y = "assumptions/base.yaml"
C = "assumptions/deals.csv"


def _run_bad(mini_project, where, words=()):
    before = mini_project.snapshot()
    assert_fails(run_main("run"), 65, before, mini_project, where=where, words=words)


def test_negative_capex_per_gw(mini_project):
    text = mini_project.edit("base.yaml", "cost_usd_bn_per_gw: 25,", "cost_usd_bn_per_gw: -25,")
    line, col = pos(text, "-25,")
    _run_bad(mini_project, f"{Y}:{line}:{col}: capex.servers.cost_usd_bn_per_gw", words=(">= 0", "got -25"))


def test_negative_deal_capacity(mini_project):
    text = mini_project.edit("deals.csv", "cloud-b,Neo,Neocloud,cloud,0.5,", "cloud-b,Neo,Neocloud,cloud,-0.5,")
    line, col = csv_pos(text, "cloud-b,", "capacity_gw")
    _run_bad(mini_project, f"{C}:{line}:{col}: deals[cloud-b].capacity_gw", words=("greater than or equal to 0",))


def test_growth_of_minus_100_percent_in_one_year_of_a_series(mini_project):
    text = mini_project.edit("base.yaml", "growth_per_year: {2025: 0.0, 2026: 1.0,", "growth_per_year: {2025: 0.0, 2026: -1.0,")
    line, col = pos(text, "{2025: 0.0, 2026: -1.0")
    _run_bad(mini_project, f"{Y}:{line}:{col}: revenue.segments.api_other.growth_per_year",
             words=("year 2026", "> -1", "got -1"))


@pytest.mark.parametrize("rate", ["-1", "-1.5"])
def test_discount_rate_at_or_below_minus_100_percent(mini_project, rate):
    text = mini_project.edit("base.yaml", "discount_rate: 0.12", f"discount_rate: {rate}")
    line, col = pos(text, f"{rate}, terminal")
    _run_bad(mini_project, f"{Y}:{line}:{col}: valuation.discount_rate", words=("> -1",))


def test_terminal_growth_not_below_the_discount_rate(mini_project):
    text = mini_project.edit("base.yaml", "terminal_growth: 0.03", "terminal_growth: 0.12")
    line, col = pos(text, "0.12, terminal_fcf_years")
    _run_bad(mini_project, f"{Y}:{line}:{col}: valuation.terminal_growth",
             words=("terminal_growth (0.12) must be below discount_rate (0.12)",))


def test_a_rule_broken_by_set_is_located_at_set(mini_project):
    """The rule between two inputs is blamed on the --set that broke it, not on the file."""
    before = mini_project.snapshot()
    res = run_main("run", "--set", "valuation.discount_rate=0.02")
    assert_fails(res, 65, before, mini_project, where="--set valuation.discount_rate=0.02: valuation.discount_rate",
                 words=("must be below discount_rate (0.02)",))


@pytest.mark.parametrize("life", ["0", "-3"])
def test_useful_life_not_positive(mini_project, life):
    text = mini_project.edit("base.yaml", "life_years: 14,", f"life_years: {life},")
    line, col = pos(text, f"{life}, residual")
    _run_bad(mini_project, f"{Y}:{line}:{col}: capex.power_cooling.life_years", words=("> 0",))


def test_deal_with_a_zero_year_term(mini_project):
    text = mini_project.edit("deals.csv", "0.5,20,contract,2025,4,front", "0.5,20,contract,2025,0,front")
    line, col = csv_pos(text, "cloud-b,", "term_years")
    _run_bad(mini_project, f"{C}:{line}:{col}: deals[cloud-b].term_years", words=("greater than or equal to 1",))


@pytest.mark.parametrize("shares, words", [
    ("0.2 0.3 0.4", ("must sum to 1", "0.9")),
    ("0.5 0.5", ("needs 3 shares",)),
    ("0.6 0.6 -0.2", ("finite and >= 0",)),
])
def test_explicit_ramp_shares(mini_project, shares, words):
    text = mini_project.edit("deals.csv", "0.2 0.3 0.5", shares)
    line, col = csv_pos(text, "chip-b,", "shares")
    _run_bad(mini_project, f"{C}:{line}:{col}: deals[chip-b].shares", words=words)


def test_shares_without_an_explicit_ramp(mini_project):
    text = mini_project.edit("deals.csv", "2026,4,back,,", "2026,4,back,0.25 0.25 0.25 0.25,")
    line, col = csv_pos(text, "chip-a,", "shares")
    _run_bad(mini_project, f"{C}:{line}:{col}: deals[chip-a].shares", words=("only given with ramp 'explicit'",))


# --- numbers that may not exist ------------------------------------------------------------

ZERO_SEGMENTS = """    consumer: {label: Consumer, path: explicit, usd_bn: 0}
    enterprise: {label: Enterprise, path: explicit, usd_bn: 0.0}
    api_other: {label: API and other, path: explicit, usd_bn: {2025: 0.0}}
    ads: {label: Ads, path: explicit, usd_bn: {2025: 0.0, 2027: 0.0, 2030: 0.0}}
"""


@pytest.fixture()
def zero_revenue(mini_project):
    """The mini scenario with every revenue segment explicitly zero, run with --csv."""
    text = mini_project.text("base.yaml")
    start, end = text.index("    consumer:"), text.index("  partner_share_fraction")
    mini_project.write("base.yaml", text[:start] + ZERO_SEGMENTS + text[end:])
    res = run_main("run", "--csv")
    assert res.code in (0, 1), res.err
    assert "Traceback" not in res.err
    return mini_project, res


def _bad_cached(value) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    return isinstance(value, str) and (value.startswith("#") or value.lower() in ("inf", "-inf", "nan"))


def test_zero_revenue_workbook_has_no_error_or_infinite_cell(zero_revenue):
    project, _ = zero_revenue
    path = project.outputs / "base.xlsx"
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    bad, guarded = [], 0
    for ws in formulas:
        for row in ws.iter_rows():
            for cell in row:
                cached = values[ws.title][cell.coordinate].value
                if _bad_cached(cached):
                    bad.append((ws.title, cell.coordinate, cached))
                if isinstance(cell.value, str) and cell.value.startswith("=IF(") and '"n/a' in cell.value:
                    guarded += 1
                    assert cached is not None, (ws.title, cell.coordinate)
    assert not bad, bad
    assert guarded, "ratios that can divide by zero are written with an n/a guard"
    # the revenue ratio in the cash-flow sheet shows n/a where its denominator is 0
    texts = [c.value for ws in values for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("n/a") for t in texts)


def test_zero_revenue_metrics_say_n_a_with_a_reason(zero_revenue):
    project, res = zero_revenue
    metrics = pd.read_csv(project.outputs / "base-metrics.csv", keep_default_na=False)
    m = metrics.set_index("metric")
    assert m.loc["irr", "text"].startswith("n/a: "), m.loc["irr", "text"]
    assert m.loc["irr", "value"] == ""  # no silently chosen number
    for text in m["text"]:
        assert text.strip() and text.lower() not in ("nan", "inf", "-inf")
        assert "#DIV/0!" not in text
    assert "n/a: " in res.out  # the terminal table too
    assert "nan" not in res.out.lower().replace("financ", "").replace("covenant", "")


def test_no_irr_is_n_a_in_the_workbook_summary(zero_revenue):
    project, _ = zero_revenue
    values = openpyxl.load_workbook(project.outputs / "base.xlsx", data_only=True)
    texts = [c.value for row in values["Valuation"].iter_rows() for c in row]
    assert any(isinstance(t, str) and t.startswith("n/a: no sign change") for t in texts)


def test_no_included_deal_is_located_at_the_include_column(mini_project):
    text = mini_project.text("deals.csv").replace(",true,", ",false,")
    mini_project.write("deals.csv", text)
    line, _ = csv_pos(text, "id,", "id")
    col = text.splitlines()[line - 1].split(",").index("include") + 1
    _run_bad(mini_project, f"{C}:{line}:{col}: deals.include", words=("no deal has include = true",))


def test_a_deal_that_starts_after_the_timeline_is_refused_not_silently_dropped(mini_project):
    text = mini_project.edit("deals.csv", "cloud-b,Neo,Neocloud,cloud,0.5,20,contract,2025,",
                             "cloud-b,Neo,Neocloud,cloud,0.5,20,contract,2045,")
    line, col = csv_pos(text, "cloud-b,", "start_year")
    _run_bad(mini_project, f"{C}:{line}:{col}: deals[cloud-b].start_year",
             words=("starts in 2045", "after the timeline ends", "include"))


@pytest.mark.parametrize("setting, hint", [
    ("revenue.segments.enterprise.start_usd_bn=2600", "did you mean 2.6"),    # revenue, as for costs
    ("revenue.segments.api_other.start_usd_bn=1400", "did you mean 1.4"),
    ("capex.servers.cost_usd_bn_per_gw=25000", "did you mean 25"),
])
def test_an_amount_typed_in_millions_is_caught_for_revenue_as_for_costs(mini_project, setting, hint):
    before = mini_project.snapshot()
    res = run_main("run", "--set", setting)
    assert_fails(res, 65, before, mini_project, where=f"--set {setting}", words=(hint, "US$ billions"))


def test_more_included_deals_than_the_cap_are_refused_up_front(mini_project):
    """Each deal is its own rows on the Deals sheet (~35 ms each to run and write): past the cap
    the table is refused in seconds, naming the cap, not run for minutes."""
    from finmodel.assumptions.load import MAX_INCLUDED_DEALS
    text = (mini_project.assumptions / "deals.csv").read_text()
    row = next(r for r in text.splitlines() if r.startswith("cloud-b,"))
    extra = "\n".join(row.replace("cloud-b,", f"cloud-x{i},", 1) for i in range(MAX_INCLUDED_DEALS))
    mini_project.write("deals.csv", text.rstrip("\n") + "\n" + extra + "\n")
    _run_bad(mini_project, f"{C}: deals", words=(f"at most {MAX_INCLUDED_DEALS}", "included deals"))
