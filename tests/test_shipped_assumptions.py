"""The shipped base case against public anchors, and every shipped number with its source."""
from __future__ import annotations

import pytest

from finmodel.api import load, run

from conftest import BASE, ROOT

OVERLAYS = [ROOT / "assumptions/scenarios/bull.yaml", ROOT / "assumptions/scenarios/bear.yaml",
            ROOT / "assumptions/scenarios/onshoring.yaml", ROOT / "assumptions/scenarios/tariff.yaml"]
ANCHOR_KEYS = [a.key for a in load(BASE).anchors]


@pytest.mark.parametrize("key", ANCHOR_KEYS)
def test_each_anchor_is_met_or_its_miss_is_explained_and_real(base_run, key):
    """Calibration that can fail: an anchor without a miss reason must be within its tolerance;
    one with a reason must really miss (else the reason is stale)."""
    av = next(a for a in base_run.result.anchors if a.key == key)
    model = float(av.model[0])
    within = abs(model - av.anchor.reported) <= av.anchor.tolerance_fraction * abs(av.anchor.reported)
    assert within == bool(av.within[0])
    if av.anchor.miss_reason:
        assert not within, f"{key}: met ({model:.2f}) but says why it misses; remove the miss_reason"
    else:
        assert within, f"{av.anchor.label}: model {model:.2f} vs reported {av.anchor.reported}"


def test_fitted_anchors_are_not_counted_as_checks(base_run):
    fitted = {a.key for a in base_run.result.anchors if a.anchor.fitted}
    assert {"revenue-2025", "gross-margin-2025", "revenue-2030"} <= fitted
    assert all(a.status == "fitted" for a in base_run.result.anchors if a.key in fitted)


def test_anchor_values_are_the_published_figures(base):
    """The reported side is typed from the fact sheet; check it against the figures by hand."""
    reported = {a.key: a.anchor.reported for a in base.anchors}
    assert reported == {"commitments-8y": 1400.0, "contracted-gw": 30.0, "revenue-2025": 13.07,
                        "revenue-2026": 30.0, "revenue-2030": 200.0, "burn-2025-2029": 115.0,
                        "compute-2025-2030": 600.0, "gross-margin-2025": 0.33,
                        "revenue-per-gw-2025": 10.46, "gross-margin-2030": 0.50, "capacity-2028": 10.0,
                        "capacity-2033": 30.0, "burn-2026": 17.0, "burn-2027": 35.0, "burn-2028": 45.0,
                        "first-profit-year": 2030.0}
    assert 13.07 / ((0.6 + 1.9) / 2) == pytest.approx(reported["revenue-per-gw-2025"], abs=0.01)


@pytest.mark.parametrize("path", [BASE, *OVERLAYS], ids=["base", "bull", "bear", "onshoring", "tariff"])
def test_every_shipped_number_has_basis_and_a_known_source(path):
    r = run(path)
    for f in r.result.drivers.fields:
        if f.path == "timeline.first_year" or f.unit == "flag":
            continue
        assert f.basis in ("fact", "estimate", "judgement"), f.path
        if not f.path.startswith("deals."):
            assert f.source or f.note, f.path


def test_every_shipped_deal_is_sourced(base):
    """Each deal cites a key of the sources block (publisher, title, date, grade, URL there)."""
    for d in base.deals:
        assert d.source in base.scenario.sources, d.id
        assert d.as_of and d.basis and not d.source_url, d.id
        if d.basis.value == "fact":
            assert base.scenario.sources[d.source].url.startswith("https://"), d.id


def test_included_deals_match_the_headline_commitment(base):
    included = [d for d in base.deals if d.include]
    capex = base.scenario.capex
    all_in = sum(getattr(capex, c).cost_usd_bn_per_gw.value for c in ("servers", "networking",
                                                                     "power_cooling", "building_land"))
    # owned deals at the generic all-in cost per GW (their values cover only part of a GW, e.g.
    # AMD's ~$90B is its own content) plus the cloud contracts as signed: the ~$1.4T headline
    headline = sum(d.capacity_gw * all_in if d.kind.value == "owned" else d.value_usd_bn for d in included)
    assert headline == pytest.approx(1400, rel=0.1)
    cloud = sum(d.value_usd_bn for d in included if d.kind.value == "cloud")
    assert cloud == pytest.approx(730, rel=0.05)  # the fact sheet's derivation of the cloud part


def test_scenarios_order_as_expected(base_run):
    bull, bear = run(OVERLAYS[0]), run(OVERLAYS[1])
    npv = lambda r: float(r.result.metrics["npv_usd_bn"].value[0])  # noqa: E731
    assert npv(bear) < npv(base_run) < npv(bull)
    rev = lambda r: float(r.result.at("revenue_total", 2030)[0])  # noqa: E731
    assert rev(bear) == pytest.approx(91.6, abs=5) and rev(bull) == pytest.approx(280, abs=10)
