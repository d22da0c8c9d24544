"""Readable on paper: every workbook kind printed to PDF by LibreOffice, text measured.

One soffice call prints the seven kinds of workbook (scenario, tornado, grid, solve, Monte
Carlo, diff, compare); ``pdftotext -bbox-layout`` (poppler-utils) gives every word's box. A word's printed
height is its box's height (for a vertical line, e.g. a rotated axis title, the line's
width). With LibreOffice's fonts a box is ~1.3 x the font size, so 6.5 pt is ~5 pt text.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import relhelp
from libreoffice import in_ci, requires_soffice, to_pdfs

ROOT = Path(__file__).resolve().parents[2]
MIN_TEXT_PT = 6.5
KINDS = {  # kind -> (command, workbook)
    "scenario": (("run",), "base.xlsx"),
    "tornado": (("sensitivity", "tornado"), "base-tornado.xlsx"),
    "grid": (("sensitivity", "grid", "--x", "valuation.discount_rate=0.08:0.16:9",
              "--y", "capex.servers.cost_usd_bn_per_gw=15:35:11"), "base-grid.xlsx"),
    "solve": (("solve", "--target", "npv_usd_bn=0", "--vary",
               "revenue.segments.consumer.initial_growth"), "base-solve.xlsx"),
    "montecarlo": (("montecarlo", "--draws", "200", "--seed", "1"), "base-montecarlo.xlsx"),
    "diff": (("diff", "base", "bull", "--permutations", "20"), "diff-base-bull.xlsx"),
    "compare": (("compare", "base", "bear"), "compare-base-bear.xlsx"),
}
_LINE = re.compile(r"<line [^>]*>(.*?)</line>", re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>")

pytestmark = [
    requires_soffice,
    pytest.mark.skipif(shutil.which("pdftotext") is None and not in_ci(),
                       reason="pdftotext (poppler-utils) is not installed"),
]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, list[list[tuple[float, str, float]]]]:
    """kind -> pages -> words as (printed height [pt], text, top [pt])."""
    root = tmp_path_factory.mktemp("print")
    shutil.copytree(ROOT / "assumptions", root / "assumptions")
    (root / "outputs").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        for kind, (args, _) in KINDS.items():
            res = relhelp.run_main(*args, "-q", "-o", "outputs")
            assert res.code in (0, 1), (kind, res.err)
    pdfs = to_pdfs([root / "outputs" / book for _, book in KINDS.values()], root / "pdf")
    return {kind: _words(pdf) for kind, pdf in zip(KINDS, pdfs)}


def _words(pdf: Path) -> list[list[tuple[float, str, float]]]:
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], check=True,
                         capture_output=True, text=True).stdout
    out = []
    for page in xml.split("<page ")[1:]:
        words = []
        for line in _LINE.findall(page):
            boxes = [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in _WORD.findall(line)]
            vertical = len(boxes) > 1 and len({(round(b[0], 1), round(b[2], 1)) for b in boxes}) == 1
            for x0, y0, x1, y1, text in boxes:
                words.append(((x1 - x0) if vertical else (y1 - y0), text, y0))
        out.append(words)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_every_page_prints_its_text_at_least_6_5_pt_high(pages, kind):
    smallest = [min(words) if words else (None, "", 0) for words in pages[kind]]
    heights = [s[0] for s in smallest if s[0] is not None]
    print(f"\n{kind}: {len(pages[kind])} pages, smallest text {min(heights):.2f} pt")
    bad = [(i + 1, round(h, 2), text) for i, (h, text, _) in enumerate(smallest)
           if h is not None and h < MIN_TEXT_PT]
    assert not bad, f"{kind}: pages with text below {MIN_TEXT_PT} pt (page, height, word): {bad}"


def _excel_metric_fonts() -> bool:
    """Carlito and Liberation Sans stand in for Calibri and Arial (same widths): LibreOffice
    then sizes columns as Excel does, which the page breaks are planned for."""
    def match(family: str) -> str:
        if shutil.which("fc-match") is None:
            return ""
        return subprocess.run(["fc-match", family], capture_output=True, text=True).stdout
    return "Carlito" in match("Calibri") and "Liberation Sans" in match("Arial")


@pytest.mark.skipif(not _excel_metric_fonts() and not in_ci(),
                    reason="fonts-crosextra-carlito / fonts-liberation2 are not installed")
@pytest.mark.parametrize("kind", KINDS)
def test_every_page_has_a_header_a_footer_and_a_body(pages, kind):
    """The header names the workbook and the sheet, the footer the page; no page is only
    the spill-over of columns or text the page before could not hold."""
    total = len(pages[kind])
    for i, words in enumerate(pages[kind]):
        texts = " ".join(t for _, t, _ in sorted(words, key=lambda w: w[2]))
        assert texts.startswith("finmodel"), (kind, i + 1, texts[:80])
        # words sorted by height: a chart's labels on the footer's line may fall between "Page" and
        # "x of y", so each part is looked for on its own
        assert "Page" in texts.split() and f"{i + 1} of {total}" in texts, (kind, i + 1)
        body = [w for w in words if 40 < w[2] < 550]
        assert len(body) >= 3, (kind, i + 1, texts[:200])


def test_the_scenario_summary_tells_its_story_on_one_page(pages):
    """Key assumptions, what it is worth, what it takes, key years and both charts on page 1;
    page 2 is the next sheet (its header names Inputs)."""
    first, second = ([t for _, t, y in sorted(p, key=lambda w: (round(w[2]), w[1])) if y < 60]
                     for p in pages["scenario"][:2])
    body = " ".join(t for _, t, _ in pages["scenario"][0])
    assert "Summary" in first and "Inputs" in second, (first, second)
    for words in ("Key assumptions", "What the build-out is worth", "What it takes and who pays",
                  "Key figures by year", "Unit economics", "Peak need", "Master check",
                  "Capacity vs what demand needs", "Cash need: how it is filled"):
        assert words in body, words


def test_the_checks_print_their_whole_labels_and_no_blank_row_is_marked(pages):
    """The longest labels (a deal's range check, ~110 characters) are not cut off by the value
    column (it was 75 characters wide), and every check prints its TRUE."""
    sheet = [p for p in pages["scenario"] if any(t == "Checks" and y < 60 for _, t, y in p)]  # its header
    words = [t for p in sheet for _, t, _ in p]
    text = " ".join(words)
    assert "$6.5B (Sep 2025)" in text  # the CoreWeave deal's whole label
    assert "(needed only with 2+ sign changes)" in text
    assert words.count("TRUE") >= 80
