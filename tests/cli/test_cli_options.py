"""The option types of the mini-syntaxes: good inputs become values, bad ones a usage error
(exit 2) that shows the expected form."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from finmodel.arguments import Axis, Bounds, Goal, Vary
from finmodel.cli.options import AxisType, BoundsType, GoalType, OverrideType, VaryType


def _probe(param_type):
    """A one-option command that prints the converted value's repr."""
    @click.command()
    @click.option("--v", type=param_type, required=True)
    def probe(v):
        click.echo(repr(v))
    return probe


def _run(param_type, text):
    return CliRunner().invoke(_probe(param_type), ["--v", text])


@pytest.mark.parametrize("param_type, text, value", [
    (AxisType(), "valuation.discount_rate=0.08:0.16:9", Axis("valuation.discount_rate", 0.08, 0.16, 9)),
    (AxisType(), "valuation.discount_rate=0.08,0.16,9", Axis("valuation.discount_rate", 0.08, 0.16, 9)),
    (AxisType(), " capex.servers.cost_usd_bn_per_gw = 15 : 35 : 11 ",
     Axis("capex.servers.cost_usd_bn_per_gw", 15.0, 35.0, 11)),
    (AxisType(), "operations.power_price_usd_per_mwh*=0.5:2:7",
     Axis("operations.power_price_usd_per_mwh", 0.5, 2.0, 7, scale=True)),
    (AxisType(), "operations.pue.2030=1.1:1.4:4", Axis("operations.pue.2030", 1.1, 1.4, 4)),
    (AxisType(), "deals.oracle-cloud.capacity_gw=1:5:5", Axis("deals.oracle-cloud.capacity_gw", 1.0, 5.0, 5)),
    (AxisType(), "valuation.terminal_growth=-0.02:1e-2:3", Axis("valuation.terminal_growth", -0.02, 0.01, 3)),
    (GoalType(), "npv_usd_bn=0", Goal("npv_usd_bn", 0.0)),
    (GoalType(), "revenue_total@2030=200", Goal("revenue_total@2030", 200.0)),
    (GoalType(), "capex.servers@2028 = -1.5e1", Goal("capex.servers@2028", -15.0)),
    (VaryType(), "valuation.discount_rate", Vary("valuation.discount_rate")),
    (VaryType(), "operations.power_price_usd_per_mwh*", Vary("operations.power_price_usd_per_mwh", True)),
    (BoundsType(), "0.05,0.3", Bounds(0.05, 0.3)),
    (BoundsType(), "0.05:0.3", Bounds(0.05, 0.3)),
    (BoundsType(), "-1, 1", Bounds(-1.0, 1.0)),
    (OverrideType(), "valuation.discount_rate=0.1", "valuation.discount_rate=0.1"),
    (OverrideType(), "deals.oracle-cloud.note=a=b", "deals.oracle-cloud.note=a=b"),
])
def test_good_values_convert(param_type, text, value):
    result = _run(param_type, text)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == repr(value)


@pytest.mark.parametrize("param_type, text, words", [
    (AxisType(), "valuation.discount_rate=0.08-0.16", "expected PATH=LO:HI:N, e.g. valuation.discount_rate=0.08:0.16:9"),
    (AxisType(), "valuation.discount_rate", "expected PATH=LO:HI:N"),
    (AxisType(), "valuation.discount_rate=0.08:0.16", "expected PATH=LO:HI:N"),
    (AxisType(), "valuation.discount_rate=0.08:0.16:9:1", "expected PATH=LO:HI:N"),
    (AxisType(), "valuation.discount_rate=a:0.16:9", "LO 'a' is not a number"),
    (AxisType(), "valuation.discount_rate=0.08:nan:9", "HI must be a finite number"),
    (AxisType(), "valuation.discount_rate=0.08:0.16:2.5", "N must be a whole number of points"),
    (AxisType(), "valuation.discount_rate=0.08:0.16:1", "N must be between 2 and 200 (got 1)"),
    (AxisType(), "valuation.discount_rate=0.08:0.16:201", "N must be between 2 and 200 (got 201)"),
    (AxisType(), "valuation.discount_rate=0.1:0.1:5", "LO and HI are equal (0.1)"),
    (AxisType(), "=0.1:0.2:5", "is not an input path"),
    (AxisType(), "valuation..discount_rate=0.1:0.2:5", "is not an input path"),
    (GoalType(), "npv_usd_bn", "expected METRIC=VALUE, e.g. npv_usd_bn=0"),
    (GoalType(), "npv_usd_bn=zero", "VALUE 'zero' is not a number"),
    (GoalType(), "npv usd=0", "'npv usd' is not a metric name"),
    (GoalType(), "=0", "'' is not a metric name"),
    (VaryType(), "valuation discount", "is not an input path"),
    (VaryType(), "", "is not an input path"),
    (BoundsType(), "0.3,0.1", "expected LO,HI with LO < HI"),
    (BoundsType(), "0.1,0.1", "expected LO,HI with LO < HI"),
    (BoundsType(), "0.1", "expected LO,HI with LO < HI, e.g. 0.05,0.3 (got '0.1')"),
    (BoundsType(), "0.1,0.2,0.3", "expected LO,HI"),
    (BoundsType(), "low,0.2", "LO 'low' is not a number"),
    (OverrideType(), "valuation.discount_rate", "expected PATH=VALUE, e.g. valuation.discount_rate=0.10"),
    (OverrideType(), "valuation.discount_rate", "write the value after '=' with no space"),
    (OverrideType(), "=0.1", "bad path"),
    (OverrideType(), "valuation..discount_rate=0.1", "bad path"),
])
def test_bad_values_are_usage_errors_that_show_the_form(param_type, text, words):
    result = _run(param_type, text)
    assert result.exit_code == 2
    assert "Invalid value for '--v'" in result.output
    assert words in result.output, result.output


@pytest.mark.parametrize("args, option, words", [
    (["sensitivity", "grid", "--x", "valuation.discount_rate=0.08-0.16", "--y", "a.b=1:2:3"], "--x",
     "expected PATH=LO:HI:N"),
    (["sensitivity", "grid", "--x", "a.b=1:2:3", "--y", "a.b=1:2"], "--y", "expected PATH=LO:HI:N"),
    (["solve", "--target", "npv_usd_bn", "--vary", "valuation.discount_rate"], "--target",
     "expected METRIC=VALUE"),
    (["solve", "--target", "npv_usd_bn=0", "--vary", "valuation.discount_rate", "--bounds", "1"],
     "--bounds", "expected LO,HI"),
    (["run", "--set", "valuation.discount_rate", "0.1"], "--set", "expected PATH=VALUE"),
    (["montecarlo", "--seed", "-1"], "--seed", "-1"),
], ids=["grid-x", "grid-y", "solve-target", "solve-bounds", "run-set", "mc-seed"])
def test_commands_report_bad_syntax_as_usage_errors_before_loading(main_cli, tmp_path, monkeypatch,
                                                                   args, option, words):
    monkeypatch.chdir(tmp_path)  # no assumptions here: the syntax is checked first
    code, out, err = main_cli(*args)
    assert code == 2
    assert f"Invalid value for '{option}'" in err and words in err
    assert "Usage: finmodel" in err and "Traceback" not in err


def test_seed_accepts_the_entropy_seed_an_unseeded_run_prints(invoke):
    big = 2**127 + 12345
    result = invoke("montecarlo", "--seed", str(big), "--draws", "5")
    said = result.output + result.stderr  # click < 8.2 keeps stderr out of .output
    assert result.exit_code == 2 and "--seed" not in said and "--draws" in said  # only --draws is wrong


def test_metric_options_complete_metric_names():
    from finmodel.cli.options import _complete_metric
    assert [c.value for c in _complete_metric(None, None, "npv")] == ["npv_usd_bn", "npv_explicit_usd_bn"]
