"""Values formatted for people (terminal tables, solve results, workbook notes)."""
from __future__ import annotations

import math

import pytest

from finmodel.tables import format_value


@pytest.mark.parametrize("value, unit, text", [
    (-0.0004, "US$ bn", "0.0"),      # a solved zero's residue: no "-0.0"
    (-0.06, "US$ bn", "-0.1"),
    (1234.56, "US$ bn", "1,234.6"),
    (-0.00001, "fraction", "0.0%"),
    (0.125, "fraction", "12.5%"),
    (-1e-12, "x", "0.00x"),
    (-2.5, "x", "-2.50x"),
    (2030.0, "year", "2030"),
    (math.nan, "US$ bn", "n/a"),
    (None, "x", "n/a"),
])
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text
