"""Outputs are never lost or damaged: bad output paths, a full disk, interruptions, two runs
at once and symlinks (documented: a link at the output path is replaced by a regular file and
its target is left untouched).
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import openpyxl
import pytest

from relhelp import (
    assert_fails, finmodel_exe, run_console, run_main,
)
from finmodel.errors import OutputError
from finmodel.outputs import check_output_path


def _no_temp_files(folder: Path) -> None:
    left = [p.name for p in folder.iterdir() if p.name.endswith(".tmp") or ".part." in p.name or p.name.endswith(".bak")]
    assert not left, left


def test_missing_output_folder(mini_project):
    before = mini_project.snapshot()
    assert_fails(run_main("run", "-o", "nowhere"), 73, before, mini_project,
                 words=("cannot create nowhere/base.xlsx", "folder nowhere does not exist"))
    assert not (mini_project.root / "nowhere").exists()


def test_output_path_that_is_a_folder(mini_project):
    (mini_project.outputs / "base.xlsx").unlink()
    (mini_project.outputs / "base.xlsx").mkdir()
    before = mini_project.snapshot()
    assert_fails(run_main("run"), 73, before, mini_project, words=("outputs/base.xlsx: it is a folder",))


def test_file_name_given_where_the_output_folder_belongs(mini_project):
    before = mini_project.snapshot()
    assert_fails(run_main("run", "-o", "outputs/base.xlsx"), 73, before, mini_project,
                 words=("outputs/base.xlsx is a file, not a folder", "-o/--output"))


@pytest.mark.parametrize("name", ["base.csv", "base", "base.xlsx.bak"])
def test_wrong_extension_for_a_workbook_is_refused(tmp_path, name):
    with pytest.raises(OutputError, match=r"expected a \.xlsx file name"):
        check_output_path(tmp_path / name, ".xlsx")


def test_output_that_would_overwrite_an_input_file(mini_project):
    shutil.copy(mini_project.assumptions / "base.yaml", mini_project.assumptions / "deals.yaml")
    inputs = mini_project.snapshot(mini_project.assumptions)
    before = mini_project.snapshot()
    # outputs of deals.yaml with --csv into assumptions/ include assumptions/deals.csv: an input
    assert_fails(run_main("run", "assumptions/deals.yaml", "--csv", "-o", "assumptions"), 73,
                 before, mini_project, words=("assumptions/deals.csv: it is one of the input files",))
    assert mini_project.snapshot(mini_project.assumptions) == inputs


def test_output_hard_linked_to_an_input_file(mini_project):
    os.link(mini_project.assumptions / "deals.csv", mini_project.outputs / "base.csv")
    inputs = mini_project.snapshot(mini_project.assumptions)
    before = mini_project.snapshot()
    assert_fails(run_main("run", "--csv"), 73, before, mini_project,
                 words=("outputs/base.csv: it is one of the input files",))
    assert mini_project.snapshot(mini_project.assumptions) == inputs


def test_full_disk_fails_cleanly_and_keeps_the_old_output(mini_project, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    before = mini_project.snapshot()
    assert_fails(run_main("run", "--csv"), 73, before, mini_project,
                 words=("outputs/base.xlsx", "disk full"))
    _no_temp_files(mini_project.outputs)


def test_interrupt_while_writing_keeps_the_old_output(mini_project, monkeypatch):
    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    before = mini_project.snapshot()
    assert_fails(run_main("run"), 130, before, mini_project, words=("interrupted",))
    _no_temp_files(mini_project.outputs)


def test_failure_while_writing_the_record_leaves_the_whole_set_intact(mini_project, monkeypatch):
    real = os.fsync
    calls = []

    def fail_second_file(fd):
        calls.append(fd)
        if len(calls) > 2:  # workbook + its folder fsync succeed; the record's write fails
            raise OSError(errno.EIO, "Input/output error")
        return real(fd)

    monkeypatch.setattr(os, "fsync", fail_second_file)
    before = mini_project.snapshot()
    res = run_main("run")
    # the workbook was written, the record failed: the set is not renamed into place, so the
    # earlier workbook and record both stay (never a new workbook beside an old record)
    assert_fails(res, 73, before, mini_project, words=("outputs/base.run.json",))
    _no_temp_files(mini_project.outputs)


def test_two_runs_writing_the_same_file_at_once(mini_project):
    procs = [subprocess.Popen([finmodel_exe(), "run", "-q", "--csv"], cwd=mini_project.root,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    for code, err in results:
        assert "Traceback" not in err, err
        assert code == 0 or (code == 73 and "cannot" in err), (code, err)
    assert any(code == 0 for code, _ in results)
    book = openpyxl.load_workbook(mini_project.outputs / "base.xlsx")
    assert "Summary" in book.sheetnames and "About" in book.sheetnames
    assert (mini_project.outputs / "base.run.json").read_text().startswith("{")
    _no_temp_files(mini_project.outputs)


def test_symlink_at_the_output_is_replaced_and_its_target_untouched(mini_project):
    target = mini_project.root / "elsewhere.xlsx"
    target.write_bytes(b"not to be touched")
    (mini_project.outputs / "base.xlsx").unlink()
    (mini_project.outputs / "base.xlsx").symlink_to(target)
    res = run_main("run", "-q")
    assert res.code == 0, res.err
    out = mini_project.outputs / "base.xlsx"
    assert not out.is_symlink() and out.is_file()
    assert target.read_bytes() == b"not to be touched"
    openpyxl.load_workbook(out)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_monte_carlo_exits_130_and_changes_nothing(shipped_project, sig):
    existing = shipped_project.outputs / "base-montecarlo.xlsx"
    shutil.copy(shipped_project.outputs / "base.xlsx", existing)
    os.utime(existing, (1_600_000_000, 1_600_000_000))
    before = shipped_project.snapshot()
    proc = subprocess.Popen([finmodel_exe(), "montecarlo", "--draws", "2000000", "--seed", "7"],
                            cwd=shipped_project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(2.5)
    if proc.poll() is not None:
        proc.communicate()
        pytest.skip("the run ended before it could be interrupted")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (proc.returncode, err)
    assert "Traceback" not in err and "interrupted" in err, err
    assert shipped_project.snapshot() == before
    _no_temp_files(shipped_project.outputs)
