"""Schema and type errors, through the whole loader and ``main()``.

Each case mutates the mini scenario (``assumptions/base.yaml``) or its deal table, runs
``finmodel run`` and asserts: exit 65, no traceback, ``file:line:col: field.path`` computed
from the text written, a clear message, and ``outputs/`` exactly as it was.
"""
from __future__ import annotations

import pytest

from relhelp import assert_fails, csv_pos, pos, run_main

Y = "assumptions/base.yaml"
C = "assumptions/deals.csv"


def _run_bad(mini_project, where_fn, code=65, words=(), args=("run",)):
    before = mini_project.snapshot()
    res = run_main(*args)
    assert_fails(res, code, before, mini_project, where=where_fn, words=words)
    return res


def test_unknown_nested_key_suggests_the_field_and_names_the_missing_one(mini_project):
    text = mini_project.edit("base.yaml", "{discount_rate: 0.12,", "{discount_rat: 0.12,")
    line, col = pos(text, "discount_rat:")
    res = _run_bad(mini_project, f"{Y}:{line}:{col}: valuation.discount_rat",
                   words=("unknown key 'discount_rat'", "did you mean 'discount_rate'?"))
    mline, mcol = pos(text, "{discount_rat")
    assert f"{Y}:{mline}:{mcol}: valuation.discount_rate: missing required field" in res.err


def test_unknown_top_level_key_suggests_the_block(mini_project):
    text = mini_project.edit("base.yaml", "operations:\n", "operation:\n")
    line, col = pos(text, "operation:")
    _run_bad(mini_project, f"{Y}:{line}:{col}: operation", words=("did you mean 'operations'?",))


def test_missing_required_field_is_located_at_its_block(mini_project):
    text = mini_project.edit("base.yaml", "  pue: {2025: 1.3, 2028: 1.2}\n", "")
    line, col = pos(text, "utilisation_fraction")  # the operations block starts here
    _run_bad(mini_project, f"{Y}:{line}:{col}: operations.pue", words=("missing required field",))


def test_missing_discriminator_field_names_it(mini_project):
    text = mini_project.edit("base.yaml", "path: growth, ", "")
    line, col = pos(text, "{label: API")
    _run_bad(mini_project, f"{Y}:{line}:{col}: revenue.segments.api_other.path",
             words=("missing required field",))


def test_unknown_path_type_suggests_the_closest(mini_project):
    text = mini_project.edit("base.yaml", "path: growth,", "path: grwth,")
    line, col = pos(text, "grwth")
    _run_bad(mini_project, f"{Y}:{line}:{col}: revenue.segments.api_other.path",
             words=("unknown path 'grwth'", "did you mean 'growth'?", "s_curve"))


@pytest.mark.parametrize("token, words", [
    ("abc", ("expected a number", "'abc'")),
    ('"70"', ("expected a number", "'70'")),
    ("true", ("expected a number", "True")),
    ("[70]", ("expected a number", "[70]")),
], ids=["string", "quoted-number", "boolean", "list"])
def test_non_number_where_a_number_belongs(mini_project, token, words):
    text = mini_project.edit("base.yaml", "power_price_usd_per_mwh: 70", f"power_price_usd_per_mwh: {token}")
    line, col = pos(text, f"power_price_usd_per_mwh: {token}", len("power_price_usd_per_mwh: "))
    _run_bad(mini_project, f"{Y}:{line}:{col}: operations.power_price_usd_per_mwh", words=words)


@pytest.mark.parametrize("token", [".nan", ".inf", "-.inf", "1e400"])
def test_non_finite_numbers_are_rejected(mini_project, token):
    text = mini_project.edit("base.yaml", "fixed_opex_usd_bn_per_gw_year: 0.3",
                     f"fixed_opex_usd_bn_per_gw_year: {token}")
    line, col = pos(text, f"gw_year: {token}", len("gw_year: "))
    _run_bad(mini_project, f"{Y}:{line}:{col}: operations.fixed_opex_usd_bn_per_gw_year",
             words=("finite number",))


def test_huge_amount_gets_the_billions_hint(mini_project):
    text = mini_project.edit("base.yaml", "cost_usd_bn_per_gw_year: 13", "cost_usd_bn_per_gw_year: 13000")
    line, col = pos(text, "13000")
    _run_bad(mini_project, f"{Y}:{line}:{col}: existing_fleet.cost_usd_bn_per_gw_year",
             words=("<= 200", "US$ billions"))


def test_absurdly_large_integer_is_a_bounds_error_not_a_crash(mini_project):
    big = "9" * 400
    text = mini_project.edit("base.yaml", "opening_cash_usd_bn: 10", f"opening_cash_usd_bn: {big}")
    line, col = pos(text, big)
    _run_bad(mini_project, f"{Y}:{line}:{col}: financing.opening_cash_usd_bn", words=("too large",))


def test_percent_given_for_a_fraction_suggests_the_fraction(mini_project):
    text = mini_project.edit("base.yaml", "discount_rate: 0.12", "discount_rate: 8")
    line, col = pos(text, "8, terminal")
    _run_bad(mini_project, f"{Y}:{line}:{col}: valuation.discount_rate", words=("did you mean 0.08",))


def test_series_must_start_at_the_first_timeline_year(mini_project):
    text = mini_project.edit("base.yaml", "capacity_gw: {2025: 1.2,", "capacity_gw: {2026: 1.2,")
    line, col = pos(text, "1.2, 2027")  # the value of the first year given
    _run_bad(mini_project, f"{Y}:{line}:{col}: existing_fleet.capacity_gw.2026",
             words=("first timeline year 2025",))


def test_series_year_outside_the_timeline(mini_project):
    text = mini_project.edit("base.yaml", "2029: 0.0}", "2099: 0.0}")
    line, col = pos(text, "0.0}")
    _run_bad(mini_project, f"{Y}:{line}:{col}: existing_fleet.capacity_gw.2099",
             words=("outside the timeline 2025-2034",))


def test_series_years_out_of_order(mini_project):
    text = mini_project.edit("base.yaml", "{2025: 1.2, 2027: 1.0, 2029: 0.0}", "{2025: 1.2, 2029: 1.0, 2027: 0.0}")
    line, col = pos(text, "{2025: 1.2")
    _run_bad(mini_project, f"{Y}:{line}:{col}: existing_fleet.capacity_gw", words=("increasing order",))


def test_duplicate_year_key_names_both_lines(mini_project):
    text = mini_project.edit("base.yaml", "{2025: 1.2, 2027: 1.0, 2029: 0.0}", "{2025: 1.2, 2027: 1.0, 2027: 0.0}")
    line, col = pos(text, "2027: 0.0")
    _run_bad(mini_project, f"{Y}:{line}:{col}: existing_fleet.capacity_gw.2027",
             words=("duplicate key '2027'", f"first defined at line {line}"))


@pytest.mark.parametrize("last", [2025, 2020])
def test_empty_or_backwards_timeline(mini_project, last):
    text = mini_project.edit("base.yaml", "last_year: 2034", f"last_year: {last}")
    line, col = pos(text, "{first_year")
    _run_bad(mini_project, f"{Y}:{line}:{col}: timeline",
             words=(f"last_year ({last}) must be after first_year (2025)",))


def test_duplicate_deal_ids_ignore_case_and_spaces(mini_project):
    text = mini_project.edit("deals.csv", "cloud-b,Neo,", " Chip-A ,Neo,")
    line, col = csv_pos(text, " Chip-A ", "id")
    first, _ = csv_pos(text, "chip-a,", "id")
    _run_bad(mini_project, f"{C}:{line}:{col}: deals.id",
             words=("duplicate deal id 'Chip-A'", f"first at line {first}"))


def test_scenario_name_too_long(mini_project):
    name = "x" * 61
    text = mini_project.edit("base.yaml", "name: mini", f"name: {name}")
    line, col = pos(text, name)
    _run_bad(mini_project, f"{Y}:{line}:{col}: name", words=("at most 60 characters",))


def test_deal_partner_too_long(mini_project):
    partner = "P" * 61
    text = mini_project.edit("deals.csv", "cloud-b,Neo,", f"cloud-b,{partner},")
    line, col = csv_pos(text, "cloud-b,", "partner")
    _run_bad(mini_project, f"{C}:{line}:{col}: deals[cloud-b].partner", words=("at most 60 characters",))


@pytest.mark.parametrize("escape", ["\\x07", "\\u0000", "\\x1b[31m"])
def test_control_character_written_as_a_yaml_escape_is_rejected(mini_project, escape):
    text = mini_project.edit("base.yaml", "label: Networking,", f'label: "Net{escape}working",')
    line, col = pos(text, '"Net')
    _run_bad(mini_project, f"{Y}:{line}:{col}: capex.networking.label",
             words=("invisible control character",))


def test_every_problem_is_reported_at_once(mini_project):
    text = mini_project.edit("base.yaml", "discount_rate: 0.12", "discount_rate: 12")
    text = mini_project.edit("base.yaml", "life_years: 3,", "life_years: 0,")
    csv = mini_project.edit("deals.csv", "cloud-a,CloudCo,Cloud contract,cloud,2,", "cloud-a,CloudCo,Cloud contract,cloud,-2,")
    before = mini_project.snapshot()
    res = run_main("run")
    l1, c1 = pos(text, "12, terminal")
    l2, c2 = pos(text, "0, residual_fraction: 0.0, price_change_per_year: 0.0")
    l3, c3 = csv_pos(csv, "cloud-a,", "capacity_gw")
    assert_fails(res, 65, before, mini_project, words=(
        "3 problems",
        f"{Y}:{l1}:{c1}: valuation.discount_rate: ",
        f"{Y}:{l2}:{c2}: capex.networking.life_years: ",
        f"{C}:{l3}:{c3}: deals[cloud-a].capacity_gw: "))
