"""The shipped base case against public anchors, and every shipped number with its source."""
from __future__ import annotations

import pytest

from finmodel.api import load, run

from conftest import BASE, ROOT

OVERLAYS = [ROOT / "assumptions/scenarios/bull.yaml", ROOT / "assumptions/scenarios/bear.yaml"]
ANCHOR_KEYS = [a.key for a in load(BASE).anchors]


@pytest.mark.parametrize("key", ANCHOR_KEYS)
def test_base_case_is_within_its_tolerance_of_each_public_anchor(base_run, key):
    av = next(a for a in base_run.result.anchors if a.key == key)
    model = float(av.model[0])
    assert bool(av.within[0]), (f"{av.anchor.label}: model {model:.1f} vs reported "
                                f"{av.anchor.reported} ({av.anchor.source})")
    assert abs(model - av.anchor.reported) <= av.anchor.tolerance_fraction * av.anchor.reported


def test_anchor_values_are_the_published_figures(base):
    """The reported side is typed from the fact sheet; check it against the figures by hand."""
    reported = {a.key: a.anchor.reported for a in base.anchors}
    assert reported == {"commitments-8y": 1400.0, "contracted-gw": 30.0, "revenue-2025": 13.07,
                        "revenue-2026": 30.0, "revenue-2030": 200.0, "burn-2025-2029": 115.0,
                        "compute-2025-2030": 600.0}


@pytest.mark.parametrize("path", [BASE, *OVERLAYS], ids=["base", "bull", "bear"])
def test_every_shipped_number_has_basis_and_a_known_source(path):
    r = run(path)
    for f in r.result.drivers.fields:
        if f.path == "timeline.first_year" or f.unit == "flag":
            continue
        assert f.basis in ("fact", "estimate", "judgement"), f.path
        if not f.path.startswith("deals."):
            assert f.source or f.note, f.path


def test_every_shipped_deal_is_sourced(base):
    for d in base.deals:
        assert d.source and d.as_of and d.basis
        if d.basis.value == "fact":
            assert d.source_url.startswith("https://")


def test_included_deals_match_the_headline_commitment(base):
    included = [d for d in base.deals if d.include]
    assert sum(d.value_usd_bn for d in included) == pytest.approx(1400, rel=0.1)
    cloud = sum(d.value_usd_bn for d in included if d.kind.value == "cloud")
    assert cloud == pytest.approx(730, rel=0.05)  # the fact sheet's derivation of the cloud part


def test_scenarios_order_as_expected(base_run):
    bull, bear = run(OVERLAYS[0]), run(OVERLAYS[1])
    npv = lambda r: float(r.result.metrics["npv_usd_bn"].value[0])  # noqa: E731
    assert npv(bear) < npv(base_run) < npv(bull)
    rev = lambda r: float(r.result.at("revenue_total", 2030)[0])  # noqa: E731
    assert rev(bear) == pytest.approx(91.6, abs=5) and rev(bull) == pytest.approx(280, abs=10)
