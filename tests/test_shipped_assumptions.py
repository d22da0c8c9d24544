"""The shipped base case against public anchors, and every shipped number with its source."""
from __future__ import annotations

import pytest

from finmodel.api import run
from finmodel.model.calibration import ANCHORS, model_value

from conftest import BASE, ROOT

OVERLAYS = [ROOT / "assumptions/scenarios/bull.yaml", ROOT / "assumptions/scenarios/bear.yaml"]


@pytest.mark.parametrize("anchor", ANCHORS, ids=[a.key for a in ANCHORS])
def test_base_case_is_within_its_tolerance_of_each_public_anchor(base_run, anchor):
    model = float(model_value(anchor, base_run.result)[0])
    assert abs(model - anchor.reported) <= anchor.tolerance_fraction * anchor.reported, (
        f"{anchor.label}: model {model:.1f} vs reported {anchor.reported} ({anchor.source})")


def test_anchor_values_are_the_published_figures():
    """The reported side is typed from the fact sheet; check it against the figures by hand."""
    reported = {a.key: a.reported for a in ANCHORS}
    assert reported == {"commitments_8y": 1400.0, "contracted_gw": 30.0, "revenue_2025": 13.07,
                        "revenue_2026": 30.0, "revenue_2030": 200.0, "burn_2025_2029": 115.0,
                        "compute_2025_2030": 600.0}


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
