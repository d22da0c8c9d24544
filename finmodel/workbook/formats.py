"""Number formats: one table from unit to Excel number format, used by every workbook.

The model gives each line item, metric and input a unit; this table alone decides how a unit
is shown. Inputs show more decimals than calculations (an input of 13.07 must read 13.07).
"""
from __future__ import annotations

__all__ = ["number_format", "USD", "PCT", "GW", "RATIO", "YEAR"]

USD = "#,##0.0;[Red]-#,##0.0"
PCT = "0.0%"
GW = "#,##0.00"
RATIO = "0.00"
YEAR = "0"

_CALC = {
    "US$ bn": USD, "GW": GW, "fraction": PCT, "fraction / yr": PCT, "year": YEAR, "years": "General",
    "flag": YEAR, "x": RATIO, "index": "0.000", "factor": "0.0000", "ratio": RATIO,
    "$/MWh": "#,##0.0", "US$ bn / GW": "#,##0.00", "US$ bn / GW-yr": "#,##0.00", "hours": "#,##0",
    "m shares": "#,##0.0", "US$ / share": "#,##0.00", "months": "0.#", "GW / yr": GW,
    "GW / US$ bn": "0.0000", "-": "General",
}
_INPUT = _CALC | {"US$ bn": "#,##0.0##", "US$ bn / GW": "#,##0.0##", "US$ bn / GW-yr": "#,##0.0##",
                  "$/MWh": "#,##0.0##", "ratio": "0.00#"}


def number_format(unit: str, role: str = "calc") -> str:
    """The number format of a unit; ``role`` "input" shows more decimals. Unknown units: US$."""
    table = _INPUT if role == "input" else _CALC
    return table.get(unit, USD if role == "calc" else "#,##0.0##")
