"""Class 6: messages. An error caused by ``--set`` is located at ``--set``; hidden or
look-alike characters are shown with their code points (one formatter,
:func:`finmodel.errors.code_point`); a failure of the machine (out of memory, no file
handles) is reported as what it is, exit 71; exit 70 only for a real bug.
"""
from __future__ import annotations

import errno
import multiprocessing
import os

import pytest
from hypothesis import given, strategies as st

from relhelp import assert_fails, kill_worker_at, run_main
from finmodel.sensitivity import processes
from finmodel.errors import code_point, did_you_mean, unexpected_characters, visible


def test_set_on_a_year_of_a_single_number_is_located_at_set(mini_project):
    before = mini_project.snapshot()
    res = run_main("run", "--set", "valuation.discount_rate.2030=0.1")
    assert_fails(res, 65, before, mini_project,
                 where="--set valuation.discount_rate.2030=0.1: valuation.discount_rate",
                 words=("not a per-year series",))
    assert "base.yaml" not in res.err


@pytest.mark.parametrize("key, shown", [
    ("valuati\u043en.discount_rate", "U+043E CYRILLIC SMALL LETTER O at character 8"),
    ("valuation.discount\u200b_rate", "U+200B ZERO WIDTH SPACE at character 9"),
    ("valuation.disc\u03bfunt_rate", "U+03BF GREEK SMALL LETTER OMICRON"),
], ids=["cyrillic", "zero-width", "greek"])
def test_look_alike_key_in_set_is_shown_with_its_code_point(mini_project, key, shown):
    before = mini_project.snapshot()
    res = run_main("run", "--set", f"{key}=0.1")
    assert_fails(res, 65, before, mini_project, words=("did you mean 'valuation.discount_rate'?", shown))
    assert "\u200b" not in res.err  # hidden characters are escaped, never printed raw


def test_look_alike_metric_is_shown_with_its_code_point(mini_project):
    before = mini_project.snapshot()
    res = run_main("solve", "--target", "npv_usd_b\u043d=0", "--vary", "valuation.discount_rate")
    assert res.code in (2, 65), res.err
    assert "U+043D CYRILLIC SMALL LETTER EN" in res.err and "Traceback" not in res.err
    assert mini_project.snapshot() == before


def test_code_point_names_the_character():
    assert code_point("\u202e") == "U+202E RIGHT-TO-LEFT OVERRIDE"
    assert code_point("\u0430") == "U+0430 CYRILLIC SMALL LETTER A"
    assert code_point("\ue000") == "U+E000"  # private use: no name


@given(st.text(min_size=1, max_size=20))
def test_visible_never_contains_hidden_characters(text):
    out = visible(text)
    assert all(c.isprintable() for c in out)
    if text.isascii() and text.isprintable():
        assert out == text and unexpected_characters(text) == ""
    else:
        assert "U+" in unexpected_characters(text)


def test_did_you_mean_adds_the_code_points():
    assert did_you_mean("np\u0432", ["npv"]).endswith("(not ASCII: a look-alike or hidden character?)")


def _fail_with(monkeypatch, exc):
    import finmodel.workbook.output as output

    def boom(*args, **kwargs):
        raise exc

    monkeypatch.setattr(output, "write_scenario_workbook", boom)


def test_out_of_memory_is_reported_as_such_not_as_a_bug(mini_project, monkeypatch):
    _fail_with(monkeypatch, MemoryError())
    before = mini_project.snapshot()
    res = run_main("run")
    assert res.code == 71 and "out of memory" in res.err and "bug" not in res.err, res.err
    assert mini_project.snapshot() == before


def test_too_many_open_files_is_a_refused_resource(mini_project, monkeypatch):
    _fail_with(monkeypatch, OSError(errno.EMFILE, "Too many open files"))
    before = mini_project.snapshot()
    res = run_main("run")
    assert res.code == 71 and "Too many open files" in res.err and "bug" not in res.err, res.err
    assert mini_project.snapshot() == before


@pytest.mark.skipif(not processes.available(), reason="no fork on this platform")
def test_a_killed_engine_worker_is_reported_and_nothing_is_written(shipped_project, monkeypatch):
    from finmodel.sensitivity import evaluate as evaluate_module
    kill_worker_at(monkeypatch, 200)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # two worker processes for 1,000 draws,
    monkeypatch.setattr(evaluate_module, "PARALLEL_MIN_ROWS", 0)  # on any machine
    monkeypatch.setattr(evaluate_module, "PROCESS_MIN_ROWS", 0)
    monkeypatch.setattr(evaluate_module, "CHUNK", 100)
    before = shipped_project.snapshot()
    res = run_main("montecarlo", "--draws", "1000")
    assert res.code == 71 and "worker process" in res.err and "nothing was written" in res.err, res.err
    assert "bug" not in res.err and "Traceback" not in res.err
    assert shipped_project.snapshot() == before
    assert not multiprocessing.active_children()


def test_a_real_bug_is_still_exit_70(mini_project, monkeypatch):
    _fail_with(monkeypatch, ZeroDivisionError("division by zero"))
    before = mini_project.snapshot()
    res = run_main("run")
    assert res.code == 70 and "bug in finmodel" in res.err and "Traceback" not in res.err
    assert mini_project.snapshot() == before


def test_a_killed_run_leaves_a_whole_set(mini_project):
    """SIGKILL cannot be reported by the process itself; what it can promise is that the
    outputs are a whole set, the earlier or the new one, never a mix (the new files are
    temporaries until the last rename). Either outcome is valid whenever the kill lands."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from relhelp import ROOT
    before = mini_project.snapshot()
    proc = subprocess.Popen([sys.executable, "-m", "finmodel", "run", "--csv", "-q"],
                            cwd=mini_project.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = mini_project.snapshot()
    kept = [n for n in before if after.get(n) == before[n]]
    assert kept == list(before) or not kept, (kept, sorted(after))
    if kept:  # killed before the renames: the earlier set, and no CSV of the new one
        assert not {"base.csv", "base-metrics.csv"} & set(after)
