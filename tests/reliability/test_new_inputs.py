"""Class 7: the same contract for the inputs this wave added: calibration anchors
(calibration.yaml) and the supply chain's bill of materials (lines, shares, suppliers,
US-made share, tariffs, premium).
Each bad input is exit 65/66, located at its file:line:col (or --set) and field, with
look-alikes by code point, outside files refused unread, and no output touched.
"""
from __future__ import annotations

import pytest

from relhelp import assert_fails, pos, run_main

CAL = "assumptions/calibration.yaml"


@pytest.mark.parametrize("old, new, field, words", [
    ("reported: 13.07", "reported: .inf", "reported", "finite number"),
    ("reported: 13.07", "reported: 0", "reported", "must not be 0"),          # was exit 70
    ("reported: 13.07", "reported: 1e300", "reported", "within +-1e+06"),
    ("tolerance_fraction: 0.02", "tolerance_fraction: .nan", "tolerance_fraction", "finite number"),
    ("tolerance_fraction: 0.02", "tolerance_fraction: -1", "tolerance_fraction", "greater than or equal to 0"),
    ("year: 2025}", "year: 2999}", "measure.year", "less than or equal to"),
    ("source: fin-2025", "source: fin-2\u041e25", "source", "U+041E CYRILLIC CAPITAL LETTER O"),
], ids=["inf", "zero", "huge", "nan-tolerance", "negative-tolerance", "year", "look-alike-source"])
def test_bad_calibration_anchor_is_located(shipped_project, old, new, field, words):
    text = shipped_project.edit("calibration.yaml", old, new)
    line, _ = pos(text, new)
    before = shipped_project.snapshot()
    res = run_main("run", "-q")
    assert_fails(res, 65, before, shipped_project, words=(f"{CAL}:{line}:", f"anchors.revenue-2025.{field}", words))


def test_look_alike_anchor_id_is_shown_with_its_code_point(shipped_project):
    text = shipped_project.edit("calibration.yaml", "  revenue-2025:", "  revenue-2\u041725:")
    line, col = pos(text, "revenue-2\u041725:")
    before = shipped_project.snapshot()
    assert_fails(run_main("run", "-q"), 65, before, shipped_project,
                 where=f"{CAL}:{line}:{col}: anchors.revenue-2\u041725",
                 words=("U+0417 CYRILLIC CAPITAL LETTER ZE",))


def test_calibration_file_named_outside_the_project_is_refused_unread(shipped_project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "cal.yaml"
    outside.write_text("anchors: {secret-line: hunter2}\n")
    text = shipped_project.edit("base.yaml", "calibration: {file: calibration.yaml}",
                                f"calibration: {{file: {outside}}}")
    line, col = pos(text, str(outside))
    before = shipped_project.snapshot()
    res = run_main("run", "-q")
    assert_fails(res, 65, before, shipped_project,
                 where=f"assumptions/base.yaml:{line}:{col}: calibration.file", words=("outside the project",))
    assert "hunter2" not in res.err


B = "supply_chain.bom.servers.accelerators"


@pytest.mark.parametrize("setting, words", [
    (f"{B}.tariff_rate=1e300", "expected a value >= 0 and <= 5"),
    (f"{B}.tariff_rate=.nan", "finite number"),
    (f"{B}.us_made_fraction=-1", "expected a value >= 0 and <= 1"),
    (f"{B}.us_premium_fraction=1e9", "expected a value >= 0 and <= 2"),
    (f"{B}.us_made_fraction.2999=0.5", "outside the timeline"),
    (f"{B}.share_fraction=0.9", "must sum to 1"),
    (f"{B}.share_fraction=-0.1", "expected a value >= 0 and <= 1"),
    (f"{B}.suppliers.nvidia.share_fraction=2", "did you mean 0.02 for 2%?"),
], ids=["tariff-huge", "tariff-nan", "us-made-negative", "premium-huge", "year-outside",
        "shares-sum", "share-negative", "share-percent-slip"])
def test_bad_bill_of_materials_setting_is_located_at_set(shipped_project, setting, words):
    before = shipped_project.snapshot()
    res = run_main("run", "--set", setting, "-q")
    assert_fails(res, 65, before, shipped_project, words=("--set", setting, words))


def test_look_alike_bom_key_in_set_shows_its_code_point(shipped_project):
    before = shipped_project.snapshot()
    res = run_main("run", "--set", "supply_chain.b\u043em.servers.accelerators.tariff_rate=0.1", "-q")
    assert_fails(res, 65, before, shipped_project, words=("U+043E CYRILLIC SMALL LETTER O",))
