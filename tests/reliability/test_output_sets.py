"""Class 1: the files of one command are one set, written all or none.

Every file is written to a temporary file beside its target and renamed into place only when
every one succeeded; a rename failing midway puts the earlier files back. Two scenarios that
would write the same output are refused before any work, both named.
"""
from __future__ import annotations

import shutil


from relhelp import assert_fails, run_main


def _leftovers(folder):
    return [p.name for p in folder.iterdir()
            if p.name.endswith((".tmp", ".bak")) or ".part." in p.name]


def test_two_scenarios_with_the_same_name_are_refused_naming_both(mini_project):
    (mini_project.root / "other").mkdir()
    shutil.copy(mini_project.assumptions / "base.yaml", mini_project.root / "other" / "base.yaml")
    shutil.copy(mini_project.assumptions / "deals.csv", mini_project.root / "other" / "deals.csv")
    before = mini_project.snapshot()
    assert_fails(run_main("run", "base", "other/base.yaml", "--csv"), 2, before, mini_project,
                 words=("assumptions/base.yaml and other/base.yaml would both write outputs/base.xlsx",))


def test_a_scenario_named_like_the_combined_tables_is_refused(shipped_project):
    shutil.copy(shipped_project.assumptions / "base.yaml",
                shipped_project.assumptions / "scenarios" / "all-scenarios.yaml")
    text = (shipped_project.assumptions / "scenarios" / "all-scenarios.yaml").read_text()
    (shipped_project.assumptions / "scenarios" / "all-scenarios.yaml").write_text(
        text.replace("file: commitments.csv", "file: ../commitments.csv")
        .replace("{file: calibration.yaml}", "{file: ../calibration.yaml}"))
    before = shipped_project.snapshot()
    assert_fails(run_main("run", "all-scenarios", "--all", "--csv"), 2, before, shipped_project,
                 words=("and the combined tables would both write outputs/all-scenarios.csv",))


def test_a_failed_write_midway_leaves_the_earlier_set(mini_project, monkeypatch):
    """The workbook is written, the second CSV fails: nothing of the new set lands."""
    import finmodel.outputs as outputs
    real, calls = outputs.write_csv, []

    def second_fails(path, frame):
        calls.append(path)
        if len(calls) == 2:
            raise outputs.OutputError(f"cannot write {path}: disk full (no space left on device)")
        return real(path, frame)

    monkeypatch.setattr(outputs, "write_csv", second_fails)
    before = mini_project.snapshot()
    assert_fails(run_main("run", "--csv"), 73, before, mini_project,
                 words=("cannot write outputs/base-metrics.csv: disk full",))
    assert not _leftovers(mini_project.outputs)


def test_a_rename_failing_midway_restores_the_earlier_files(mini_project, monkeypatch):
    """Every file was written; the second rename fails: the first target gets its earlier
    bytes back and the new files that had no earlier version are removed."""
    import errno
    import os
    import finmodel.outputs as outputs
    calls = []

    def second_rename_fails(temp, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        os.replace(temp, target)

    monkeypatch.setattr(outputs, "_replace", second_rename_fails)
    before = mini_project.snapshot()
    res = run_main("run", "--csv")
    assert_fails(res, 73, before, mini_project, words=("the earlier outputs were kept",))
    assert len(calls) == 2 and not _leftovers(mini_project.outputs)


def test_an_interruption_in_the_second_scenario_writes_nothing(shipped_project, monkeypatch):
    """base is computed and staged; bull is interrupted while its record is written: base.xlsx
    and base.run.json keep their earlier bytes, bull's files are not created."""
    import finmodel.outputs as outputs
    real, calls = outputs.write_text, []

    def interrupted_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(outputs, "write_text", interrupted_second)  # bull's record
    before = shipped_project.snapshot()
    assert_fails(run_main("run", "base", "bull", "-q"), 130, before, shipped_project,
                 words=("interrupted",))
    assert not _leftovers(shipped_project.outputs)


def test_compare_writes_its_set_through_the_same_writer(shipped_project, monkeypatch):
    import finmodel.outputs as outputs
    monkeypatch.setattr(outputs, "write_csv", lambda path, frame: (_ for _ in ()).throw(
        outputs.OutputError(f"cannot write {path}: disk full (no space left on device)")))
    before = shipped_project.snapshot()
    assert_fails(run_main("compare", "base", "bull", "--csv", "-q"), 73, before, shipped_project)
    assert not _leftovers(shipped_project.outputs)


def test_a_successful_set_leaves_no_temporary_or_backup_file(mini_project):
    res = run_main("run", "--csv", "-q")
    assert res.code == 0, res.err
    assert not _leftovers(mini_project.outputs)
    names = {p.name for p in mini_project.outputs.iterdir()}
    assert {"base.xlsx", "base.run.json", "base.csv", "base-metrics.csv"} <= names


def test_a_full_disk_prints_the_error_and_no_traceback(mini_project):
    """Every temporary file is opened on /dev/full (writes fail with ENOSPC): one clean error,
    exit 73, and no 'Exception ignored in ZipFile.__del__' traceback after it (a subprocess,
    so the interpreter's own finalisers run and print where they would)."""
    import os
    import subprocess
    import sys
    from relhelp import ROOT
    script = (
        "import os, sys, tempfile\n"
        "real = tempfile.mkstemp\n"
        "def full(*a, **k):\n"
        "    fd, name = real(*a, **k)\n"
        "    os.close(fd)\n"
        "    return os.open('/dev/full', os.O_WRONLY), name\n"
        "tempfile.mkstemp = full\n"
        "from finmodel.cli import main\n"
        "main(sys.argv[1:])\n")
    before = mini_project.snapshot()
    res = subprocess.run([sys.executable, "-c", script, "run", "--csv", "-q"], cwd=mini_project.root,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                         timeout=300)
    assert res.returncode == 73, res.stderr
    assert res.stderr.strip().splitlines() == [
        "error: cannot write outputs/base.xlsx: disk full (no space left on device)"], res.stderr
    assert mini_project.snapshot() == before and not _leftovers(mini_project.outputs)
