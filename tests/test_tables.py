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


# --- text_grid: the terminal table of `finmodel run`, printed without pandas --------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from finmodel.tables import text_grid  # noqa: E402

_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_categories=("Cc", "Cs", "Mn")),
                max_size=12)


_LABEL = _TEXT.filter(lambda s: bool(s) and not s[0].isspace())


@settings(max_examples=200, deadline=None)
# a row label is a metric's label or an input's path, a header a scenario name or a fixed label,
# never led by white space: pandas drops a header's leading white space over empty values
# (found: "\xa0" over "") and the row labels' common leading white space (found: " " and " a"
# as the only row: printed as "" and "a")
@given(st.lists(_LABEL, min_size=1, max_size=6, unique=True),
       st.lists(st.tuples(_LABEL, st.lists(_TEXT, min_size=6, max_size=6)), min_size=1, max_size=4,
                unique_by=lambda c: c[0]))
def test_text_grid_prints_what_pandas_to_string_prints(index, columns):
    """The reference is pandas' own ``DataFrame.to_string`` of the same table of strings."""
    import pandas as pd
    n = len(index)
    columns = [(name, values[:n]) for name, values in columns]
    frame = pd.DataFrame({name: values for name, values in columns}, index=pd.Index(index), dtype=object)
    assert text_grid(index, columns) == frame.to_string()


def test_run_summary_is_the_side_by_side_headline_table(base_run, mini_run):
    """``finmodel run``'s summary (no pandas) equals pandas' print of the headline tables, and
    the checks it reports are those of the checks table."""
    from finmodel.runs import ModelRun
    for runs in ([base_run], [base_run, mini_run]):
        assert ModelRun.text_of(runs) == ModelRun.side_by_side(runs).to_string()
    for r in (base_run, mini_run):
        assert r.checks_pass == bool(r.checks["ok"].all())
        assert r.problems == [f"CHECK FAILED [{r.assumptions.name}]: {row.label}"
                              for row in r.checks.itertuples() if not row.ok]
