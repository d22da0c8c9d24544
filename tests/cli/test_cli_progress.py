"""Progress on stderr: a bar on a terminal, lines in a log, nothing with --quiet or
--no-progress; the time left is measured from the first finished step (no timing asserted:
the clock is a fake one)."""
from __future__ import annotations

import re

import io

import pytest

from finmodel.cli import progress as P


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _said(result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_time_left_leaves_out_the_set_up():
    clock = Clock()
    t = P.Tracker(10, "Monte Carlo", clock)
    clock.now += 30          # sampling: no step done yet
    t.update(1)
    assert t.left() is None  # one step tells no rate
    clock.now += 2
    t.update(1)
    assert t.left() == pytest.approx(16.0)  # 2 s per step, 8 steps left (not 32 / 2 * 8)
    assert t.line() == "Monte Carlo: 20% (2 of 10) in 32.0 s, about 16.0 s left"
    t.update(8)
    assert t.left() == 0.0 and t.line() == "Monte Carlo: done (10 of 10) in 32.0 s"


@pytest.mark.parametrize("quiet, flag, tty, mode", [
    (False, None, True, P.Mode.BAR), (False, None, False, P.Mode.LINES),
    (False, True, False, P.Mode.STEPS), (False, False, True, P.Mode.OFF),
    (True, None, True, P.Mode.OFF), (True, True, False, P.Mode.OFF),
])
def test_mode(quiet, flag, tty, mode):
    assert P.mode_for(quiet, flag, Terminal() if tty else io.StringIO()) is mode


def _drive(stream, clock, flag=None, steps=10, seconds=1.0):
    report = P.progress_reporter(False, flag, stream, clock)
    with report(steps, "grid") as update:
        for _ in range(steps):
            clock.now += seconds
            update(1)
    return stream.getvalue()


def test_a_log_gets_a_line_every_two_seconds_and_a_closing_line():
    text = _drive(io.StringIO(), Clock())
    lines = text.splitlines()
    assert lines[0] == "grid: 20% (2 of 10) in 2.0 s, about 8.0 s left"
    assert lines[1].startswith("grid: 40% (4 of 10) in 4.0 s")
    assert lines[-1] == "grid: done (10 of 10) in 10.0 s"
    assert len(lines) == 5


def test_a_short_run_in_a_log_prints_nothing():
    assert _drive(io.StringIO(), Clock(), seconds=0.01) == ""


def test_progress_flag_adds_a_line_at_every_tenth():
    lines = _drive(io.StringIO(), Clock(), flag=True, seconds=0.01).splitlines()
    assert [line.split(":")[1].split("(")[0].strip() for line in lines] == \
        [f"{p}%" for p in range(10, 100, 10)] + ["done"]


def test_a_terminal_gets_a_bar_redrawn_in_place():
    text = _drive(Terminal(), Clock())
    assert text.startswith("\rgrid [") and text.endswith("\n") and text.count("\n") == 1
    assert "10/10" in text.split("\r")[-1] and "s left" in text


def test_cli_progress_lines_on_stderr(project, invoke, monkeypatch):
    monkeypatch.setattr(P, "LINE_INTERVAL_S", 0.0)  # every update makes a line
    result = invoke("montecarlo", "--draws", "20000", "--seed", "3", "--metric", "npv_usd_bn")
    assert result.exit_code == 0
    said = _said(result)
    assert "Monte Carlo: 50% (10,000 of 20,000)" in said
    assert "Monte Carlo: done (20,000 of 20,000)" in said


def test_sobol_reports_its_analysis_after_the_engine(project, invoke, monkeypatch):
    """The bootstrap of the indices (longer than the engine's pass at every sample size tried)
    is a phase of its own: never silent after the engine's rows are done, and its time left is
    its own. Its count is base points: an output's N, and 32 + 64 + ... + N more for each output
    with a convergence series (the metrics, not the items' years)."""
    monkeypatch.setattr(P, "LINE_INTERVAL_S", 0.0)
    result = invoke("sensitivity", "sobol", "--samples", "64", "--seed", "1", "--metric", "npv_usd_bn",
                    "--item", "fcf", "--progress")
    assert result.exit_code == 0, _said(result)
    said = _said(result)
    engine, analysis = said.index("Sobol: done ("), said.index("Sobol indices: done (")
    assert engine < said.index("Sobol indices: ") < analysis
    from finmodel.api import drivers_for, load
    years = len(drivers_for(load(project / "assumptions" / "base.yaml")).years)
    assert f"Sobol indices: done ({64 + 96 + 64 * years:,} of" in said  # NPV 64 + 32 + 64; fcf 64 a year
    assert said.count("Sobol indices: ") >= 3  # a line at each update


@pytest.mark.parametrize("flag", ["-q", "--no-progress"])
def test_quiet_and_no_progress_silence_progress(project, invoke, monkeypatch, flag):
    monkeypatch.setattr(P, "LINE_INTERVAL_S", 0.0)
    result = invoke("montecarlo", "--draws", "20000", "--seed", "3", "--metric", "npv_usd_bn", flag)
    assert result.exit_code == 0 and "Monte Carlo:" not in _said(result)


def test_progress_flag_prints_the_done_line_of_a_short_run(project, invoke):
    result = invoke("sensitivity", "tornado", "--metric", "npv_usd_bn", "--progress")
    # one step per point: the base and each input's low and high (the shipped spec's inputs)
    done = re.search(r"tornado: done \((\d+) of (\d+)\)", _said(result))
    assert result.exit_code == 0 and done and done[1] == done[2] and int(done[1]) > 2, _said(result)
