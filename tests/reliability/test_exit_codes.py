"""Exit codes of the real console script (``main()`` maps errors to codes): bad data 65,
missing input 66, cannot create output 73, usage 2 — each with a message and no traceback,
and no output created or changed.
"""
from __future__ import annotations

import pytest

from relhelp import assert_fails, pos, run_console, run_main


@pytest.mark.parametrize("args, code, words", [
    (["run", "--set", "valuation.discount_rate=12"], 65, ("--set valuation.discount_rate=12: valuation.discount_rate",
                                                           "did you mean 0.12")),
    (["run", "nosuch"], 66, ("no scenario 'nosuch'", "known: base")),
    (["run", "-o", "missing-folder"], 73, ("folder missing-folder does not exist",)),
    (["run", "--bogus"], 2, ("No such option", "--bogus")),
    (["run", "--set", "valuation.discount_rate"], 2, ("expected PATH=VALUE",)),
    (["montecarlo", "--draws", "5"], 2, ("--draws",)),
], ids=["data", "no-input", "cant-create", "unknown-option", "set-without-equals", "draws-range"])
def test_console_script_exit_codes(mini_project, args, code, words):
    before = mini_project.snapshot()
    assert_fails(run_console(*args, cwd=mini_project.root), code, before, mini_project, words=words)


def test_console_script_reports_a_located_yaml_problem(mini_project):
    text = mini_project.edit("base.yaml", "refresh_it: true", "refresh_it: yes")
    line, col = pos(text, "yes")
    before = mini_project.snapshot()
    assert_fails(run_console("run", cwd=mini_project.root), 65, before, mini_project,
                 where=f"assumptions/base.yaml:{line}:{col}: capex.refresh_it",
                 words=("boolean",))


def test_scenario_path_that_is_a_folder(mini_project):
    (mini_project.root / "folder.yaml").mkdir()
    before = mini_project.snapshot()
    assert_fails(run_main("validate", "folder.yaml"), 66, before, mini_project,
                 words=("scenario file not found: folder.yaml",))


def test_missing_commitments_file_is_located_at_its_key(mini_project):
    text = mini_project.edit("base.yaml", "file: deals.csv", "file: deal.csv")
    line, col = pos(text, "deal.csv")
    before = mini_project.snapshot()
    assert_fails(run_main("run"), 66, before, mini_project,
                 where=f"assumptions/base.yaml:{line}:{col}: commitments.file",
                 words=("'deal.csv' not found",))


def test_bad_input_to_an_analysis_writes_nothing(shipped_project):
    before = shipped_project.snapshot()
    assert_fails(run_main("sensitivity", "tornado", "--set", "capex.servers.life_years=0"), 65,
                 before, shipped_project, where="--set capex.servers.life_years=0: capex.servers.life_years",
                 words=("> 0",))


def test_bad_sensitivity_spec_is_located_and_writes_nothing(shipped_project):
    text = shipped_project.edit("sensitivity.yaml", "path: valuation.discount_rate",
                        "path: valuation.discount_rat")
    line, col = pos(text, "valuation.discount_rat\n")
    before = shipped_project.snapshot()
    assert_fails(run_main("montecarlo", "--draws", "100", "--seed", "1"), 65, before, shipped_project,
                 where=f"assumptions/sensitivity.yaml:{line}:{col}: inputs.discount_rate.path",
                 words=("did you mean 'valuation.discount_rate'",))


@pytest.mark.parametrize("args, both, code", [
    (["run", "--all"], False, 0),
    (["montecarlo", "--draws", "2000", "--seed", "1", "--progress"], True, 0),
    (["run", "nosuch"], True, 66),
], ids=["stdout", "progress-on-stderr-too", "an-error-too"])
def test_a_reader_that_leaves_early_ends_the_printing_not_the_run(project, args, both, code):
    """``finmodel run --all | head -1`` (and ``2>&1 | head -1``): the reader closes the pipe
    after the first line. Python ignores SIGPIPE, so the next write fails with EPIPE; that used
    to end the run there with exit 1 ("a model check failed") and no message. Now the printing
    stops, every file is still written, and the exit code is the run's."""
    import os
    import subprocess
    from relhelp import finmodel_exe
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line (when it goes is a race otherwise)
    try:
        done = subprocess.run([finmodel_exe(), *args], cwd=project, stdout=write,
                              stderr=write if both else subprocess.PIPE, timeout=300)
    finally:
        os.close(write)
    assert done.returncode == code, done.stderr
    assert both or done.stderr == b""
    written = sorted(p.name for p in (project / "outputs").iterdir())
    if args[0] == "montecarlo":
        assert "base-montecarlo.xlsx" in written and "base-montecarlo.run.json" in written
    elif code == 0:
        scenarios = ["base", *(p.stem for p in (project / "assumptions" / "scenarios").glob("*.yaml"))]
        assert written == sorted(f"{n}{ext}" for n in scenarios for ext in (".xlsx", ".run.json"))
    else:
        assert written == []


def test_a_run_started_with_its_output_closed_runs(project):
    """``finmodel run >&-``: Python starts with no sys.stdout; the run writes its files and
    exits 0 (it ended in an AttributeError traceback, exit 1)."""
    import subprocess
    from relhelp import finmodel_exe
    done = subprocess.run([finmodel_exe(), "run"], cwd=project, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=300, preexec_fn=lambda: __import__("os").close(1))
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    assert (project / "outputs" / "base.xlsx").stat().st_size > 0
