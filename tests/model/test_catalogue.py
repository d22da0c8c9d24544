"""The catalogue: every entry bound to things that exist, formulas bound to the same names."""
from __future__ import annotations

import re

import pytest

from finmodel.api import drivers_for
from finmodel.model.catalogue import build_catalogue
from finmodel.model.defs import CONSTANTS, SHEETS
from finmodel.workbook.formats import number_format


@pytest.fixture(scope="module")
def cat_and_drivers(base):
    d = drivers_for(base)
    return build_catalogue(d.structure), d


def _refs(ref):
    return ref if isinstance(ref, tuple) else (ref,)


def test_every_reference_names_an_entry_that_exists(cat_and_drivers):
    cat, d = cat_and_drivers
    entries = list(cat.line_items.values()) + list(cat.metrics.values()) + list(cat.checks.values())
    for e in entries:
        for ref in list(e.args.values()) + list(e.formula_refs.values()):
            for r in _refs(ref):
                kind, _, name = r.partition(":")
                if r in ("period", "year"):
                    continue
                known = {"li": cat.line_items, "in": d.values, "k": CONSTANTS, "m": cat.metrics}[kind]
                assert name in known, (e.key, r)


def test_every_formula_placeholder_is_bound(cat_and_drivers):
    cat, _ = cat_and_drivers
    for e in list(cat.line_items.values()) + list(cat.metrics.values()) + list(cat.checks.values()):
        for token in re.findall(r"\{([^{}]+)\}", e.formula):
            name = token.split(".")[0]
            if token.startswith(("m:", "scan:", "rdcf:")) or name in ("self", "r", "first_year"):
                continue
            assert name in e.formula_refs, (e.key, token)


def test_line_items_sit_on_known_sheets_with_a_unit_that_has_a_format(cat_and_drivers):
    cat, _ = cat_and_drivers
    for li in cat.items:
        assert li.sheet in SHEETS, li.key
        assert number_format(li.unit) != "", li.key
    for md in cat.metrics.values():
        assert md.unit in ("US$ bn", "fraction", "year", "x", "GW"), md.key


def test_keys_are_unique_across_a_kind():
    from finmodel.model.catalogue import Catalogue
    from finmodel.model.defs import MetricDef
    cat = Catalogue()
    cat.add(MetricDef("a", "A", "US$ bn", sum, {}, "=1"))
    with pytest.raises(ValueError, match="duplicate"):
        cat.add(MetricDef("a", "A", "US$ bn", sum, {}, "=1"))
