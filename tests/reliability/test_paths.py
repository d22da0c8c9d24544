"""Class 3: no leak. A file named inside an input file (``extends``, ``commitments.file``,
``calibration.file``) resolves inside the project (the current folder, the named scenario's
folder and, for ``scenarios/``, the folder above); one outside is refused unread, located in
the file that names it, and its content never reaches a message.
"""
from __future__ import annotations

import os

import pytest

from relhelp import assert_fails, pos, run_main

SECRET = "password=hunter2,token"


@pytest.fixture()
def secret(tmp_path_factory):
    """A CSV outside the project whose first line must never be printed."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "secret.csv").write_text(SECRET + "\n1,2\n")
    (folder / "secret.yaml").write_text(f"name: {SECRET}\n")
    return folder


def _overlay(project, text: str) -> str:
    (project.root / "over").mkdir(exist_ok=True)
    (project.root / "over" / "o.yaml").write_text(text)
    return text


@pytest.mark.parametrize("key, value", [
    ("commitments", "{secret}/secret.csv"),          # absolute
    ("commitments", "../../{rel}/secret.csv"),       # relative, climbing out
    ("extends", "{secret}/secret.yaml"),
])
def test_a_reference_outside_the_project_is_refused_unread_in_the_overlay(mini_project, secret, key, value):
    value = value.format(secret=secret, rel=os.path.relpath(secret, mini_project.root / "over"))
    if key == "extends":
        text = _overlay(mini_project, f"extends: {value}\n")
        needle = value
    else:
        text = _overlay(mini_project, f"extends: ../assumptions/base.yaml\ncommitments:\n  file: {value}\n")
        needle = value
    line, col = pos(text, needle)
    before = mini_project.snapshot()
    res = run_main("run", "over/o.yaml")
    field = "extends" if key == "extends" else "commitments.file"
    assert_fails(res, 65, before, mini_project, where=f"over/o.yaml:{line}:{col}: {field}",
                 words=("outside the project", "the file was not read"))
    assert "hunter2" not in res.err and "password" not in res.err


def test_calibration_file_outside_the_project_is_refused(mini_project, secret):
    text = _overlay(mini_project, f"extends: ../assumptions/base.yaml\ncalibration: {{file: {secret}/secret.yaml}}\n")
    line, col = pos(text, str(secret))
    before = mini_project.snapshot()
    res = run_main("run", "over/o.yaml")
    assert_fails(res, 65, before, mini_project, where=f"over/o.yaml:{line}:{col}: calibration.file")
    assert "hunter2" not in res.err


def test_a_symlink_inside_the_project_to_a_file_outside_is_refused(mini_project, secret):
    os.symlink(secret / "secret.csv", mini_project.assumptions / "linked.csv")
    text = mini_project.edit("base.yaml", "file: deals.csv", "file: linked.csv")
    line, col = pos(text, "linked.csv")
    before = mini_project.snapshot()
    res = run_main("run")
    assert_fails(res, 65, before, mini_project,
                 where=f"assumptions/base.yaml:{line}:{col}: commitments.file")
    assert "hunter2" not in res.err


def test_the_file_that_holds_the_bad_reference_is_named_not_its_base(mini_project):
    text = _overlay(mini_project, "extends: ../assumptions/base.yaml\ncommitments:\n  file: nowhere.csv\n")
    line, col = pos(text, "nowhere.csv")
    before = mini_project.snapshot()
    assert_fails(run_main("run", "over/o.yaml"), 66, before, mini_project,
                 where=f"over/o.yaml:{line}:{col}: commitments.file", words=("not found",))


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_reference_to_a_folder_or_fifo_is_refused_without_reading(mini_project, kind):
    target = mini_project.assumptions / "odd.csv"
    target.mkdir() if kind == "folder" else os.mkfifo(target)
    mini_project.edit("base.yaml", "file: deals.csv", "file: odd.csv")
    before = mini_project.snapshot()
    assert_fails(run_main("run"), 66, before, mini_project, words=("odd.csv", "is not a file"))


def test_shipped_layout_loads_from_another_folder_with_assumptions_named(shipped_project, tmp_path_factory):
    """bull.yaml extends ../base.yaml: the folder above scenarios/ is in the project."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    os.chdir(elsewhere)
    res = run_main("validate", "bull", "-a", str(shipped_project.assumptions))
    assert res.code == 0, res.err


def test_a_record_naming_a_file_outside_the_project_is_refused(mini_project, secret):
    import json
    doc = json.loads((mini_project.outputs / "base.run.json").read_text())
    doc["scenario"] = str(secret / "secret.yaml")
    (mini_project.outputs / "evil.run.json").write_text(json.dumps(doc))
    before = mini_project.snapshot()
    res = run_main("rerun", "outputs/evil.run.json")
    assert_fails(res, 2, before, mini_project, words=("scenario:", "outside the project"))
    assert "hunter2" not in res.err
