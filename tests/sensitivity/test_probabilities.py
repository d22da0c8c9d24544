"""Monte Carlo probabilities as data: P(covenant breach), the first breach year's distribution,
P(unfunded gap > X), each checked against a direct count over the engine's draws and its
interval against scipy's Wilson interval."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from finmodel.api import drivers_for, load
from finmodel.arguments import Event
from finmodel.engine.financing import earliest_year
from finmodel.errors import AssumptionError
from finmodel.model.catalogue import build_catalogue
from finmodel.sensitivity.montecarlo import NEVER_LABEL, montecarlo
from finmodel.sensitivity.spec import load_spec

from conftest import BASE, ROOT

SPEC = ROOT / "assumptions" / "sensitivity.yaml"
OUTPUTS = ["peak_unfunded_gap_usd_bn", "first_breach_year", "first_breach_dscr", "payback_year", "irr"]


@pytest.fixture(scope="module")
def drivers():
    return drivers_for(load(BASE))


@pytest.fixture(scope="module")
def mc(drivers):
    spec, variations = load_spec(SPEC, drivers)
    return montecarlo(drivers, spec, variations, OUTPUTS, 3000, 21, False, build_catalogue(drivers.structure),
                      events=[Event.parse("payback_year<=2035"), Event.parse("irr<0"),
                              Event.parse("peak_unfunded_gap_usd_bn>300")])


def by_event(mc) -> dict:
    return {p["event"]: p for p in mc.probabilities}


def wilson(k: int, n: int):
    ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
    return ci.low, ci.high


@pytest.mark.parametrize("event, direct", [
    ("peak_unfunded_gap_usd_bn>200", lambda v: v["peak_unfunded_gap_usd_bn"] > 200),
    ("peak_unfunded_gap_usd_bn>400", lambda v: v["peak_unfunded_gap_usd_bn"] > 400),
    ("peak_unfunded_gap_usd_bn>300", lambda v: v["peak_unfunded_gap_usd_bn"] > 300),
    # never within horizon (NaN) is no breach
    ("first_breach_year<=2040", lambda v: np.isfinite(v["first_breach_year"]) & (v["first_breach_year"] <= 2040)),
    ("first_breach_dscr<=2040", lambda v: np.isfinite(v["first_breach_dscr"]) & (v["first_breach_dscr"] <= 2040)),
    # a payback never reached is later than 2035, not dropped
    ("payback_year>2035", lambda v: ~np.isfinite(v["payback_year"]) | (v["payback_year"] > 2035)),
    ("payback_year<=2035", lambda v: np.isfinite(v["payback_year"]) & (v["payback_year"] <= 2035)),
])
def test_probability_equals_a_direct_count_over_the_draws(mc, event, direct):
    p = by_event(mc)[event]
    mask = direct(mc.values)
    k, n = int(mask.sum()), mc.valid
    assert (p["count"], p["n"]) == (k, n)
    assert p["p"] == k / n
    lo, hi = wilson(k, n)
    assert p["lo"] == pytest.approx(lo, abs=1e-12) and p["hi"] == pytest.approx(hi, abs=1e-12)


def test_never_is_counted_not_dropped(mc):
    ev = by_event(mc)
    never = int(np.isnan(mc.values["payback_year"]).sum())
    assert never > 0  # the shipped base rarely pays back by 2040
    assert ev["payback_year>2035"]["missing"] == never
    assert ev["payback_year>2035"]["count"] + ev["payback_year<=2035"]["count"] == mc.valid


def test_an_output_without_a_scale_for_n_a_leaves_those_draws_out_and_says_so(mc):
    p = by_event(mc)["irr<0"]
    irr = mc.values["irr"]
    missing = int(np.isnan(irr).sum())
    assert missing > 0 and p["missing"] == missing and p["missing_as"] == "excluded"
    finite = irr[np.isfinite(irr)]
    assert (p["count"], p["n"]) == (int((finite < 0).sum()), finite.size)


def test_first_breach_year_distribution_is_a_direct_count_and_sums_to_one(mc):
    label, table = mc.year_distributions["first_breach_year"]
    fb = mc.values["first_breach_year"]
    years = [int(y) for y in mc.years]
    assert list(table.index) == years + [NEVER_LABEL]
    for y in years:
        assert table.loc[y, "count"] == int((fb == y).sum())
    assert table.loc[NEVER_LABEL, "count"] == int(np.isnan(fb).sum())
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-12)
    k = int(table.loc[2028, "count"])
    assert (table.loc[2028, "lo"], table.loc[2028, "hi"]) == pytest.approx(wilson(k, mc.valid), abs=1e-12)
    # P(a breach by 2040) is one minus the share "never"
    assert by_event(mc)["first_breach_year<=2040"]["p"] == pytest.approx(1 - table.loc[NEVER_LABEL, "share"])


def test_first_breach_year_is_the_earliest_covenant_and_never_when_none_breaks():
    """Hand-made years: (2031, NaN, 2029) -> 2029; all NaN -> never."""
    m = earliest_year(a=np.array([[2031.0], [np.nan]]), b=np.array([[np.nan], [np.nan]]),
                      c=np.array([[2029.0], [np.nan]]))
    assert m.value[0] == 2029 and m.text(0) is None
    assert np.isnan(m.value[1]) and m.text(1) == "never within horizon"


def test_base_run_first_breach_year_matches_the_covenants(drivers):
    from finmodel.model.result import run
    r = run(drivers)
    years = [r.metrics[f"first_breach_{k}"].value[0] for k in ("leverage", "dscr", "interest_cover")]
    assert r.metrics["first_breach_year"].value[0] == np.nanmin(years)


def write(tmp_path, text: str):
    f = tmp_path / "spec.yaml"
    f.write_text("outputs: [npv_usd_bn]\ninputs:\n"
                 "  r: {path: valuation.discount_rate, change: 0.1, source: t,"
                 " distribution: {dist: uniform, low: 0.1, high: 0.14}}\n" + text)
    return f


def test_spec_probability_problems_are_located_with_suggestions(drivers, tmp_path):
    f = write(tmp_path, "probabilities:\n"
                        "  - {output: peak_unfunded_gap_usd, op: '>', threshold: 200}\n"
                        "  - {output: npv_usd_bn, op: '=', threshold: 0}\n"
                        "  - {output: npv_usd_bn, op: '<', threshold: zero}\n"
                        "year_distributions: [first_breach_yr, npv_usd_bn]\n")
    with pytest.raises(AssumptionError) as err:
        load_spec(f, drivers)
    text = str(err.value)
    assert "spec.yaml:5" in text and "did you mean 'peak_unfunded_gap_usd_bn'" in text
    assert "spec.yaml:6" in text and "op" in text
    assert "spec.yaml:7" in text and "threshold" in text
    assert "did you mean 'first_breach_year'" in text
    assert "'npv_usd_bn' is not a year metric" in text


def test_spec_probabilities_round_trip(drivers, tmp_path):
    f = write(tmp_path, "probabilities:\n  - {output: first_breach_dscr, op: '<=', threshold: 2035, label: 'P(DSCR breach)'}\n")
    spec, _ = load_spec(f, drivers)
    (p,) = spec.probabilities
    assert str(p.event) == "first_breach_dscr<=2035" and p.label == "P(DSCR breach)"


@pytest.mark.parametrize("text", ["peak_unfunded_gap_usd_bn>300", "first_breach_year<=2040", "npv_usd_bn<-5.5",
                                  "revenue_total@2030>=200"])
def test_event_text_round_trips(text):
    assert str(Event.parse(text)) == text and Event.parse(str(Event.parse(text))) == Event.parse(text)


@pytest.mark.parametrize("bad", ["npv_usd_bn=0", "npv_usd_bn>", "<3", "npv_usd_bn>abc", "npv_usd_bn>inf"])
def test_event_rejects_bad_text(bad):
    with pytest.raises(ValueError, match="METRIC<OP>VALUE|not a number|finite"):
        Event.parse(bad)
