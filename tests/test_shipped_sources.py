"""Every shipped source names its primary document first and is graded honestly; nothing is
cited from outside the repository."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from finmodel.api import load
from finmodel.assumptions.schema import Grade

from conftest import BASE, ROOT

SCENARIOS = [BASE, ROOT / "assumptions/scenarios/bull.yaml", ROOT / "assumptions/scenarios/bear.yaml",
             ROOT / "assumptions/scenarios/onshoring.yaml", ROOT / "assumptions/scenarios/tariff.yaml"]

#: Mirror, proxy, look-alike and republishing hosts the fact sheet's URLs use: a figure read there
#: is never graded A or B (the primary is named instead).
MIRRORS = {
    "red.azn.boats",            # Reddit mirror
    "reddit.ableppo.net",       # Reddit mirror
    "vuink.com",                # ROT13 proxy (of theregister.com)
    "mail.fudzilla.net",        # look-alike host of fudzilla.com
    "mail.itx.ba",              # look-alike host (The Register copy)
    "www.newsbeep.com",         # republishing site
    "telborg.com", "mgrowtech.com", "news.anyfans.com", "www.perivis.com", "t.e2ma.net",
    "v2-pseo-ai.pages.dev", "research-viewer.pages.dev", "blog.022025.xyz", "lowdown.today",
    "datacentersignal.com", "www.gncrypto.news", "reportify.ai", "vortx.ch", "particle.news",
    "www.fxbaogao.com", "thechek.posthaven.com",
}


def _sources(path):
    return load(path).scenario.sources


@pytest.mark.parametrize("path", SCENARIOS, ids=["base", "bull", "bear", "onshoring", "tariff"])
def test_every_shipped_source_names_its_primary_document_and_a_grade(path):
    for key, src in _sources(path).items():
        assert src.publisher and src.title and src.date and src.grade, key
        if src.grade is Grade.C:
            assert src.primary and len(src.primary) > 20, key


@pytest.mark.parametrize("path", SCENARIOS, ids=["base", "bull", "bear", "onshoring", "tariff"])
def test_no_mirror_or_proxy_domain_is_graded_a_or_b(path):
    for key, src in _sources(path).items():
        host = urlparse(src.url or "").hostname or ""
        if host in MIRRORS:
            assert src.grade is Grade.C and src.primary, f"{key}: {host} graded {src.grade}"


def test_a_grade_a_source_is_read_at_its_publisher():
    """Grade A means the figure was read in the issuer's own document: its URL is theirs."""
    own = {"Epoch AI": "epoch.ai", "Cushman & Wakefield": "cushwake.", "Uptime Institute": "uptimeinstitute.com",
           "Aswath Damodaran (NYU Stern)": "stern.nyu.edu"}
    for key, src in _sources(BASE).items():
        if src.grade is Grade.A:
            assert own.get(src.publisher, "\0") in (src.url or ""), key


def test_the_deny_list_covers_the_hosts_the_fact_sheet_calls_mirrors():
    text = (ROOT / "docs/reference/ai-infra-facts.md").read_text()
    for host in ("red.azn.boats", "vuink.com", "mail.fudzilla.net", "reddit.ableppo.net"):
        assert host in text and host in MIRRORS


def test_nothing_in_assumptions_points_outside_the_repository():
    root = ROOT.resolve()
    for path in (ROOT / "assumptions").rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        assert "/work/" not in text and "shared/reference" not in text, path
        for ref in re.findall(r"(?:\.\./)+[\w./-]*", text):
            target = (path.parent / ref).resolve()
            assert target.is_relative_to(root), f"{path}: {ref}"
            if path.suffix != ".md":  # the README's examples are written for scenarios/
                assert target.exists(), f"{path}: {ref}"


def test_sources_read_in_the_repository_exist():
    for key, src in _sources(BASE).items():
        if src.url and not src.url.startswith("https://"):
            assert (ROOT / src.url.split()[0]).is_file(), key
