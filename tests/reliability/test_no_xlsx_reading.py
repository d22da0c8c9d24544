"""finmodel reads no xlsx (only the tests do). Any future reader of xlsx/XML must go through
defusedxml with size caps; this guard fails as soon as package code starts parsing xlsx/XML
without it.
"""
from __future__ import annotations

import re

from relhelp import ROOT

READERS = re.compile(r"\b(load_workbook|read_excel|zipfile|xml\.etree|xml\.dom|xml\.sax|lxml|"
                     r"import openpyxl|from openpyxl)\b")


def test_package_code_reads_no_xlsx_or_xml_without_defusedxml():
    offenders = []
    for path in sorted((ROOT / "finmodel").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if READERS.search(text) and "defusedxml" not in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders
